//! No input makes leadsim panic: random mutations of a valid scenario either
//! load and run, or are refused with an error.

use leadsim::engine::Scratch;
use leadsim::runner::run_block;
use proptest::prelude::*;
use serde_json::{json, Value};

use super::common::repo_file;

fn baseline() -> Value {
    serde_json::from_str(&std::fs::read_to_string(repo_file("scenarios/baseline.json")).unwrap())
        .unwrap()
}

/// The scenarios the generated families mutate, with the file each is read
/// as (data files resolve beside it): the baseline, `leadsim new --full`'s
/// template (the newest features: offers, calendars, the programme,
/// stress events) and `tests/data/fuzz/extra.json` (data files, a replay
/// and the rest). Together they hold every field of the format, which
/// `every_field_of_the_format_is_in_a_fuzzed_scenario` keeps true: a new
/// field is probed as soon as the full template shows it.
fn bases() -> Vec<(Value, std::path::PathBuf)> {
    let full = leadsim::starter_scenario("fuzz-full", true).unwrap();
    vec![
        (baseline(), repo_file("scenarios/baseline.json")),
        (
            serde_json::from_str(&full).unwrap(),
            repo_file("scenarios/fuzz-full.json"),
        ),
        (
            serde_json::from_str(
                &std::fs::read_to_string(repo_file("tests/data/fuzz/extra.json")).unwrap(),
            )
            .unwrap(),
            repo_file("tests/data/fuzz/extra.json"),
        ),
    ]
}

#[test]
fn every_field_of_the_format_is_in_a_fuzzed_scenario() {
    let schema: Value = serde_json::from_str(&leadsim::scenario::schema::render()).unwrap();
    let mut names = std::collections::BTreeSet::new();
    fn walk(v: &Value, names: &mut std::collections::BTreeSet<String>) {
        match v {
            Value::Object(map) => {
                if let Some(Value::Object(props)) = map.get("properties") {
                    names.extend(props.keys().cloned());
                }
                map.values().for_each(|v| walk(v, names));
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, names)),
            _ => {}
        }
    }
    walk(&schema, &mut names);
    let mut keys = std::collections::BTreeSet::new();
    for (base, _) in bases() {
        let mut all = Vec::new();
        paths(&base, &mut Vec::new(), &mut all);
        for path in all {
            if let Some(Value::String(k)) = path.last() {
                keys.insert(k.clone());
            }
        }
    }
    let missing: Vec<&String> = names.iter().filter(|n| !keys.contains(*n)).collect();
    assert!(
        missing.is_empty(),
        "fields no fuzzed scenario holds (add them to templates/full-scenario.json or tests/data/fuzz/extra.json): {missing:?}"
    );
    assert!(names.len() > 150, "the schema lists {} fields", names.len());
}

/// Every path to a value in the tree, as a list of keys and indices.
fn paths(v: &Value, prefix: &mut Vec<Value>, out: &mut Vec<Vec<Value>>) {
    out.push(prefix.clone());
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                prefix.push(Value::String(k.clone()));
                paths(child, prefix, out);
                prefix.pop();
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                prefix.push(json!(i));
                paths(child, prefix, out);
                prefix.pop();
            }
        }
        _ => {}
    }
}

fn at<'a>(v: &'a mut Value, path: &[Value]) -> &'a mut Value {
    path.iter().fold(v, |node, key| match key {
        Value::String(k) => &mut node[k.as_str()],
        Value::Number(i) => &mut node[i.as_u64().unwrap() as usize],
        _ => unreachable!(),
    })
}

fn replacement() -> impl Strategy<Value = Value> {
    prop::sample::select(vec![
        json!(-1),
        json!(0),
        json!(0.5),
        json!(1),
        json!(3),
        json!(1e6),
        json!(1e300),
        json!(-1e-300),
        json!("x"),
        json!("gold"),
        json!(null),
        json!(true),
        json!([]),
        json!([1, 2]),
        json!({}),
        json!({"fixed": 0}),
        json!({"beta": {"mean": 0.5, "concentration": 1}}),
        json!({"name": "zzz"}),
    ])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn mutated_scenarios_load_or_fail_cleanly(
        base in any::<prop::sample::Index>(),
        picks in prop::collection::vec((any::<prop::sample::Index>(), replacement()), 1..4)
    ) {
        let (mut v, file) = base.get(&bases()).clone();
        for (index, value) in picks {
            let mut all = Vec::new();
            paths(&v, &mut Vec::new(), &mut all);
            let path = index.get(&all).clone();
            *at(&mut v, &path) = value;
        }
        let text = v.to_string();
        if let Ok(model) = leadsim::load_text(&text, &file) {
            let results = run_block(&model, 1, 0..1, &mut Scratch::default());
            prop_assert_eq!(results.replications, 1);
        }
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
        let _ = leadsim::load_text(&text, std::path::Path::new("fuzz.json"));
    }
}

/// Arbitrary JSON, with keys drawn mostly from the format's own field names
/// so that trees get deep into the parser.
fn json_tree() -> impl Strategy<Value = Value> {
    let keys = prop::sample::select(vec![
        "name",
        "leads",
        "partners",
        "policies",
        "segments",
        "signals",
        "arrivals_per_day",
        "capacity",
        "count",
        "routing",
        "rule",
        "tiers",
        "sla",
        "payout",
        "commission",
        "lognormal",
        "median",
        "p90",
        "beta",
        "mean",
        "empirical",
        "stress",
        "events",
        "day",
        "expect",
        "metric",
        "replay",
        "csv",
        "house",
        "horizon_days",
        "zzz",
    ]);
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-1e6f64..1e6).prop_map(|v| json!(v)),
        any::<i64>().prop_map(|v| json!(v)),
        "[a-z_-]{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 64, 8, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((keys.clone(), inner), 0..8).prop_map(|entries| Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v))
                    .collect()
            )),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn random_json_trees_never_panic(tree in json_tree()) {
        let _ = leadsim::load_text(&tree.to_string(), std::path::Path::new("tree.json"));
    }
}

/// Every numeric field of the bundled scenario set to a huge or a tiny
/// value either fails validation or runs, with every metric finite or
/// undefined (never infinite).
#[test]
fn extreme_values_in_every_field_are_refused_or_run_finitely() {
    let base = baseline();
    let mut all = Vec::new();
    paths(&base, &mut Vec::new(), &mut all);
    for path in all {
        if !at(&mut base.clone(), &path).is_number() {
            continue;
        }
        for extreme in [json!(1e300), json!(1e-300), json!(4e9)] {
            let mut v = base.clone();
            *at(&mut v, &path) = extreme.clone();
            let Ok(model) = leadsim::load_text(&v.to_string(), std::path::Path::new("x.json"))
            else {
                continue;
            };
            let results = run_block(&model, 1, 0..1, &mut Scratch::default());
            for (cell, metrics) in results.metrics.iter().enumerate() {
                for (k, acc) in metrics.iter() {
                    if let Some(e) = acc.estimate() {
                        assert!(
                            e.mean.is_finite(),
                            "{path:?} = {extreme}: cell {cell}, {k} is {}",
                            e.mean
                        );
                    }
                }
            }
        }
    }
}

/// What a scenario file declares: partners after `count`, policies, and
/// whether it has a house.
fn declared(v: &Value) -> (u64, usize, bool) {
    let partners = v["partners"].as_array().map_or(0, |ps| {
        ps.iter().map(|p| p["count"].as_u64().unwrap_or(1)).sum()
    });
    let policies = v["policies"].as_array().map_or(0, Vec::len);
    (
        partners,
        policies,
        v.get("house").is_some_and(|h| !h.is_null()),
    )
}

/// Extreme but finite numbers: the ends of f64's range and the region just
/// past every documented bound.
fn extreme_number() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(1e-300),
        Just(1e-200),
        Just(1e-100),
        Just(1e-12),
        Just(1e-9),
        Just(1e12),
        Just(1.000_001e12),
        Just(1e15),
        Just(1e100),
        Just(1e200),
        Just(1e300),
        Just(f64::MAX),
        Just(f64::MIN_POSITIVE),
        Just(-1e300),
        (1e-320f64..1e-300),
        (1e11f64..1e13),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// Extreme numbers in any numeric field, several at once: the scenario
    /// is refused with an error, or it loads listing exactly the partners,
    /// policies and house its file declares (nothing silently dropped) and
    /// one replication runs to finite metrics.
    #[test]
    fn extreme_numbers_are_refused_or_keep_every_declared_entity(
        base in any::<prop::sample::Index>(),
        picks in prop::collection::vec((any::<prop::sample::Index>(), extreme_number()), 1..4)
    ) {
        let (mut v, file) = base.get(&bases()).clone();
        let mut numeric = Vec::new();
        let mut all = Vec::new();
        paths(&v, &mut Vec::new(), &mut all);
        for path in all {
            if at(&mut v.clone(), &path).is_number() {
                numeric.push(path);
            }
        }
        for (index, value) in picks {
            let path = index.get(&numeric).clone();
            *at(&mut v, &path) = json!(value);
        }
        let (partners, policies, house) = declared(&v);
        if let Ok(model) = leadsim::load_text(&v.to_string(), &file) {
            prop_assert_eq!(model.partners.len() as u64, partners);
            prop_assert_eq!(model.policies.len(), policies);
            prop_assert_eq!(model.house.is_some(), house);
            let results = run_block(&model, 1, 0..1, &mut Scratch::default());
            for metrics in &results.metrics {
                for acc in metrics.values() {
                    if let Some(e) = acc.estimate() {
                        prop_assert!(e.mean.is_finite());
                    }
                }
            }
        }
    }
}

/// The two cases issue 17 found: each is refused, never silently run with
/// a partner or the house missing.
#[test]
fn the_extreme_distributions_that_once_dropped_partners_are_refused() {
    for (path, dist) in [
        (
            vec![json!("partners"), json!(0), json!("response_hours")],
            json!({"lognormal": {"median": 1e-200, "p90": 1e200}}),
        ),
        (
            vec![json!("partners"), json!(3), json!("win_rate")],
            json!({"beta": {"mean": 1e-300, "concentration": 1e-100}}),
        ),
        (
            vec![json!("house"), json!("response_hours")],
            json!({"lognormal": {"median": 1e-200, "p90": 1e200}}),
        ),
    ] {
        let mut v = baseline();
        *at(&mut v, &path) = dist;
        let e = leadsim::load_text(&v.to_string(), std::path::Path::new("x.json"))
            .expect_err("refused")
            .to_string();
        let field: Vec<String> = path
            .iter()
            .map(|k| match k {
                Value::Number(i) => format!("[{i}]"),
                Value::String(s) => format!(".{s}"),
                _ => unreachable!(),
            })
            .collect();
        let field = field.concat().trim_start_matches('.').replace(".[", "[");
        assert!(e.contains(&field), "{field}: {e}");
    }
}
