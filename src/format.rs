//! Number formatting shared by every exporter: one rounding rule for files
//! (stable, diffable bytes) and one compact style for people.

use crate::metrics::{Metric, Unit};

/// Significant digits kept in files.
pub const SIGNIFICANT_DIGITS: usize = 8;

/// Rounds to [`SIGNIFICANT_DIGITS`] significant digits, and turns -0 into 0,
/// so that files carry no noise below what the simulation can resolve.
pub fn round_sig(v: f64) -> f64 {
    if !v.is_finite() || v == 0.0 {
        return if v == 0.0 { 0.0 } else { v };
    }
    let rounded: f64 = format!("{:.*e}", SIGNIFICANT_DIGITS - 1, v)
        .parse()
        .unwrap_or(v);
    if rounded == 0.0 {
        0.0
    } else {
        rounded
    }
}

/// A number for a file: rounded, shortest round-trip form, no exponent
/// surprises for ordinary magnitudes.
pub fn file_number(v: f64) -> String {
    format!("{}", round_sig(v))
}

/// A value for a person, in the metric's unit: `4.12%`, `12.3 h`, `1.23M`.
pub fn human(v: f64, unit: Unit) -> String {
    match unit {
        Unit::Rate => format!("{:.2}%", v * 100.0),
        Unit::Hours => format!("{v:.1}"),
        Unit::Money => money(v),
        Unit::Index => format!("{v:.3}"),
        Unit::Count => {
            if v.abs() >= 100.0 {
                format!("{v:.0}")
            } else {
                format!("{v:.1}")
            }
        }
    }
}

/// A difference for a person: signed, rates in percentage points.
pub fn human_diff(v: f64, unit: Unit) -> String {
    let sign = if v > 0.0 {
        "+"
    } else if v < 0.0 {
        "-"
    } else {
        ""
    };
    let body = match unit {
        Unit::Rate => format!("{:.2}pp", v.abs() * 100.0),
        _ => human(v.abs(), unit),
    };
    format!("{sign}{body}")
}

/// A CI half-width for a person, in the same unit as its value.
pub fn human_half_width(v: f64, unit: Unit) -> String {
    match unit {
        Unit::Rate => format!("{:.2}", v * 100.0),
        _ => human(v, unit),
    }
}

/// "per 90-day horizon": the period every total (revenue, payouts, counts)
/// is over.
pub fn per_horizon(horizon_days: f64) -> String {
    format!("per {}-day horizon", round_sig(horizon_days))
}

/// The units of a money axis or label: `"EUR millions, per 90-day horizon"`
/// for a total, `"EUR thousands"` for a per-deal amount; without a
/// currency, just the scale.
pub fn money_units(currency: Option<&str>, scale: &str, horizon_days: Option<f64>) -> String {
    let mut parts = Vec::new();
    match (currency, scale.is_empty()) {
        (Some(c), true) => parts.push(c.to_string()),
        (Some(c), false) => parts.push(format!("{c} {scale}")),
        (None, false) => parts.push(scale.to_string()),
        (None, true) => {}
    }
    if let Some(days) = horizon_days {
        parts.push(per_horizon(days));
    }
    parts.join(", ")
}

/// The terms of a comparison, for its title: "totals per 90-day horizon,
/// money in EUR".
pub fn terms(horizon_days: f64, currency: Option<&str>) -> String {
    match currency {
        Some(c) => format!("totals {}, money in {c}", per_horizon(horizon_days)),
        None => format!("totals {}", per_horizon(horizon_days)),
    }
}

/// The window a run's figures cover, in words: which arrivals count and
/// when they were read.
pub fn window(horizon_days: f64, warmup_days: f64, readout_day: Option<f64>) -> String {
    // Days as written in the scenario: whole days without decimals.
    let day = |d: f64| {
        if d.fract() == 0.0 {
            format!("{d:.0}")
        } else {
            format!("{d}")
        }
    };
    let arrivals = if warmup_days > 0.0 {
        format!(
            "leads arriving from day {} to day {} (the first {} days warm queues and learning up and are not counted)",
            day(warmup_days),
            day(horizon_days),
            day(warmup_days)
        )
    } else {
        format!("leads arriving over {} days", day(horizon_days))
    };
    match readout_day {
        Some(d) => format!(
            "{arrivals}, read at day {}: only contacts, wins, revenue and payouts by then count",
            day(d)
        ),
        None => format!("{arrivals}, each followed to its end"),
    }
}

/// A chart or table title with the currency and, for totals, the period:
/// "Gross profit (millions)" becomes "Gross profit (EUR millions, per
/// 90-day horizon)". Titles of metrics that are not money are returned
/// unchanged.
pub fn with_money_units(
    metric: Metric,
    title: &str,
    currency: Option<&str>,
    horizon_days: f64,
) -> String {
    if metric.unit() != Unit::Money {
        return title.to_string();
    }
    let (base, scale) = match title.split_once(" (") {
        Some((base, rest)) => (base, rest.trim_end_matches(')')),
        None => (title, ""),
    };
    let units = money_units(currency, scale, metric.info().total.then_some(horizon_days));
    if units.is_empty() {
        base.to_string()
    } else {
        format!("{base} ({units})")
    }
}

fn money(v: f64) -> String {
    let a = v.abs();
    let sign = if v < 0.0 { "-" } else { "" };
    if a >= 1e9 {
        format!("{sign}{:.2}B", a / 1e9)
    } else if a >= 1e6 {
        format!("{sign}{:.2}M", a / 1e6)
    } else if a >= 1e4 {
        format!("{sign}{:.1}k", a / 1e3)
    } else {
        format!("{sign}{a:.0}")
    }
}

pub use crate::files::excerpt;

/// [`excerpt`] in backticks, to quote a value in a message.
pub fn quote_value(value: &str) -> String {
    format!("`{}`", excerpt(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_numbers_are_rounded_and_stable() {
        assert_eq!(file_number(0.041234567891), "0.041234568");
        assert_eq!(file_number(-0.0), "0");
        assert_eq!(file_number(12345678.9), "12345679");
        assert_eq!(file_number(2.0), "2");
    }

    #[test]
    fn people_get_units() {
        assert_eq!(human(0.04123, Unit::Rate), "4.12%");
        assert_eq!(human(1_234_567.0, Unit::Money), "1.23M");
        assert_eq!(human(45_600.0, Unit::Money), "45.6k");
        assert_eq!(human_diff(-0.0031, Unit::Rate), "-0.31pp");
        assert_eq!(human_diff(1500.0, Unit::Money), "+1500");
        assert_eq!(
            money_units(Some("EUR"), "millions", Some(90.0)),
            "EUR millions, per 90-day horizon"
        );
        assert_eq!(money_units(None, "thousands", None), "thousands");
        assert_eq!(
            money_units(Some("USD"), "", Some(182.5)),
            "USD, per 182.5-day horizon"
        );
        assert_eq!(terms(90.0, None), "totals per 90-day horizon");
    }
}

/// A JSON object whose keys keep the order they were inserted in.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderedMap<T>(pub Vec<(String, T)>);

impl<T> OrderedMap<T> {
    pub fn get(&self, key: &str) -> Option<&T> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }
}

impl<T: serde::Serialize> serde::Serialize for OrderedMap<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for OrderedMap<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::{MapAccess, Visitor};
        struct MapVisitor<T>(std::marker::PhantomData<T>);
        impl<'de, T: serde::Deserialize<'de>> Visitor<'de> for MapVisitor<T> {
            type Value = OrderedMap<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::new();
                while let Some((k, v)) = access.next_entry()? {
                    entries.push((k, v));
                }
                Ok(OrderedMap(entries))
            }
        }
        deserializer.deserialize_map(MapVisitor(std::marker::PhantomData))
    }
}

/// An estimate as the terminal table shows it: "12.42% ±0.22" (a
/// difference signed), "n/a" when undefined.
pub fn estimate_text(e: Option<crate::stats::Estimate>, unit: Unit, diff: bool) -> String {
    let value = |v: f64| {
        if diff {
            human_diff(v, unit)
        } else {
            human(v, unit)
        }
    };
    match e {
        None => "n/a".into(),
        Some(e) => match e.half_width() {
            Some(hw) => format!("{} ±{}", value(e.mean), human_half_width(hw, unit)),
            None => value(e.mean),
        },
    }
}
