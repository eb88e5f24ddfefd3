//! The distributions and rates of the scenario format as written (before
//! validation): each family's parameter object, an empirical sample or CSV
//! column, and a rate (a number or a distribution on [0, 1]), with their
//! parsers and JSON Schemas.

use std::fmt;

use schemars::JsonSchema;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

/// A distribution object: exactly one key naming the family.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RawDist {
    Fixed(f64),
    Exponential(RawExponential),
    Lognormal(RawLognormal),
    Gamma(RawGamma),
    Weibull(RawWeibull),
    Uniform(RawUniform),
    Triangular(RawTriangular),
    Beta(RawBeta),
    Empirical(RawEmpirical),
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawExponential {
    pub mean: f64,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawLognormal {
    pub median: f64,
    #[serde(default)]
    pub p90: Option<f64>,
    #[serde(default)]
    pub sigma: Option<f64>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawGamma {
    pub shape: f64,
    #[serde(default)]
    pub mean: Option<f64>,
    #[serde(default)]
    pub scale: Option<f64>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawWeibull {
    pub shape: f64,
    pub scale: f64,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawUniform {
    pub min: f64,
    pub max: f64,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawTriangular {
    pub min: f64,
    pub mode: f64,
    pub max: f64,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawBeta {
    #[serde(default)]
    pub mean: Option<f64>,
    #[serde(default)]
    pub concentration: Option<f64>,
    #[serde(default)]
    pub alpha: Option<f64>,
    #[serde(default)]
    pub beta: Option<f64>,
}

/// `empirical`: an inline list of observations, or a CSV column.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum RawEmpirical {
    Values(Vec<f64>),
    Csv(RawEmpiricalCsv),
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawEmpiricalCsv {
    pub csv: String,
    pub column: String,
}

/// A rate or probability: a plain number or a distribution on [0, 1].
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum RawRate {
    Value(f64),
    Dist(RawDist),
}

impl<'de> Deserialize<'de> for RawRate {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RateVisitor;
        impl<'de> Visitor<'de> for RateVisitor {
            type Value = RawRate;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number in [0, 1] or a distribution object such as {\"beta\": {\"mean\": 0.3, \"concentration\": 20}}")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<RawRate, E> {
                Ok(RawRate::Value(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawRate, E> {
                Ok(RawRate::Value(v as f64))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawRate, E> {
                Ok(RawRate::Value(v as f64))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawRate, A::Error> {
                RawDist::deserialize(de::value::MapAccessDeserializer::new(map)).map(RawRate::Dist)
            }
        }
        deserializer.deserialize_any(RateVisitor)
    }
}

impl<'de> Deserialize<'de> for RawEmpirical {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EmpiricalVisitor;
        impl<'de> Visitor<'de> for EmpiricalVisitor {
            type Value = RawEmpirical;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "a list of observed values, or {\"csv\": \"path\", \"column\": \"name\"}",
                )
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<RawEmpirical, A::Error> {
                Vec::<f64>::deserialize(de::value::SeqAccessDeserializer::new(seq))
                    .map(RawEmpirical::Values)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawEmpirical, A::Error> {
                RawEmpiricalCsv::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(RawEmpirical::Csv)
            }
        }
        deserializer.deserialize_any(EmpiricalVisitor)
    }
}

/// The distribution families, as the file spells them.
pub const DIST_FAMILIES: &[&str] = &[
    "fixed",
    "exponential",
    "lognormal",
    "gamma",
    "weibull",
    "uniform",
    "triangular",
    "beta",
    "empirical",
];

impl<'de> Deserialize<'de> for RawDist {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DistVisitor;
        impl<'de> Visitor<'de> for DistVisitor {
            type Value = RawDist;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a distribution: an object with one key naming its family, such as {\"lognormal\": {\"median\": 4, \"p90\": 24}}")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawDist, A::Error> {
                let Some(family) = map.next_key::<String>()? else {
                    return Err(de::Error::custom(format!(
                        "a distribution needs one key naming its family: {}",
                        DIST_FAMILIES.join(", ")
                    )));
                };
                let dist = match family.as_str() {
                    "fixed" => RawDist::Fixed(map.next_value()?),
                    "exponential" => RawDist::Exponential(map.next_value()?),
                    "lognormal" => RawDist::Lognormal(map.next_value()?),
                    "gamma" => RawDist::Gamma(map.next_value()?),
                    "weibull" => RawDist::Weibull(map.next_value()?),
                    "uniform" => RawDist::Uniform(map.next_value()?),
                    "triangular" => RawDist::Triangular(map.next_value()?),
                    "beta" => RawDist::Beta(map.next_value()?),
                    "empirical" => RawDist::Empirical(map.next_value()?),
                    other => return Err(de::Error::unknown_variant(other, DIST_FAMILIES)),
                };
                if let Some(extra) = map.next_key::<String>()? {
                    return Err(de::Error::custom(format!(
                        "a distribution has exactly one key, its family; `{family}` is followed by `{extra}`"
                    )));
                }
                Ok(dist)
            }
        }
        deserializer.deserialize_map(DistVisitor)
    }
}

// JSON Schemas of the three types with hand-written deserialisers; every
// other type's schema is derived from the same serde attributes the parser
// uses, so a field added to the parser is in the schema by construction.

fn schema(value: serde_json::Value) -> schemars::Schema {
    schemars::Schema::try_from(value).expect("a JSON object is a schema")
}

impl JsonSchema for RawDist {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Distribution".into()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let family = |name: &str, inner: schemars::Schema| {
            serde_json::json!({
                "type": "object",
                "properties": {name: inner},
                "required": [name],
                "additionalProperties": false
            })
        };
        schema(serde_json::json!({
            "description": "A distribution: an object with exactly one key naming its family.",
            "oneOf": [
                family("fixed", generator.subschema_for::<f64>()),
                family("exponential", generator.subschema_for::<RawExponential>()),
                family("lognormal", generator.subschema_for::<RawLognormal>()),
                family("gamma", generator.subschema_for::<RawGamma>()),
                family("weibull", generator.subschema_for::<RawWeibull>()),
                family("uniform", generator.subschema_for::<RawUniform>()),
                family("triangular", generator.subschema_for::<RawTriangular>()),
                family("beta", generator.subschema_for::<RawBeta>()),
                family("empirical", generator.subschema_for::<RawEmpirical>()),
            ]
        }))
    }
}

impl JsonSchema for RawEmpirical {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Empirical".into()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schema(serde_json::json!({
            "description": "Observed values, inline or from a CSV column (path relative to the scenario file).",
            "anyOf": [
                {"type": "array", "items": {"type": "number"}, "minItems": 1},
                generator.subschema_for::<RawEmpiricalCsv>()
            ]
        }))
    }
}

impl JsonSchema for RawRate {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Rate".into()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schema(serde_json::json!({
            "description": "A probability: a number in [0, 1] or a distribution on [0, 1].",
            "anyOf": [
                {"type": "number", "minimum": 0, "maximum": 1},
                generator.subschema_for::<RawDist>()
            ]
        }))
    }
}
