//! The summary.json schema is pinned: the output is read back into structs
//! that deny unknown fields, and every metric of the catalogue is present in
//! catalogue order for every policy; `leadsim schema` (the scenario format)
//! accepts every bundled scenario and refuses unknown fields.

use leadsim::metrics::Metric;
use leadsim::report::json::SummaryJson;

use super::common::{bin, model, repo_file, run};

#[test]
fn summary_json_round_trips_through_the_pinned_schema() {
    let text = std::fs::read_to_string(repo_file("scenarios/baseline.json")).unwrap();
    let m = model(&text);
    let s = run(&m, 6, 2);
    let bytes = leadsim::report::json::render(&s);
    let parsed: SummaryJson =
        serde_json::from_slice(&bytes).expect("summary.json matches the schema");
    assert_eq!(parsed.scenario, "baseline");
    assert_eq!(parsed.replications, 6);
    assert_eq!(parsed.seed, 2);
    assert_eq!(parsed.baseline, "round-robin");
    assert_eq!(parsed.results.len(), m.policies.len());
    for (result, policy) in parsed.results.iter().zip(&m.policies) {
        assert_eq!(result.policy, policy.name);
        assert_eq!(result.world, "base");
        let names: Vec<&str> = result.metrics.0.iter().map(|(k, _)| k.as_str()).collect();
        let expected: Vec<&str> = Metric::names().collect();
        assert_eq!(names, expected);
        let diff_names: Vec<&str> = result
            .vs_baseline
            .0
            .iter()
            .map(|(k, _)| k.as_str())
            .collect();
        assert_eq!(diff_names, expected);
        let leads = result.metrics.get("volume.leads").unwrap();
        let [lo, hi] = leads.ci95.unwrap();
        assert!(lo <= leads.mean.unwrap() && leads.mean.unwrap() <= hi);
        assert!(
            leads.p10.unwrap() <= leads.p50.unwrap() && leads.p50.unwrap() <= leads.p90.unwrap()
        );
    }
    // The baseline's difference from itself is zero.
    let d = parsed.results[0]
        .vs_baseline
        .get("conversion.lead_to_win")
        .unwrap();
    assert_eq!((d.mean, d.ci95), (Some(0.0), Some([0.0, 0.0])));
    // Serialising the parsed form gives the same bytes: key order is fixed.
    let mut again = serde_json::to_vec_pretty(&parsed).unwrap();
    again.push(b'\n');
    assert_eq!(again, bytes);
}

#[test]
fn schema_accepts_every_scenario_and_rejects_unknown_fields() {
    let out = bin().arg("schema").assert().success();
    let schema: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("a valid JSON Schema");
    let mut files: Vec<std::path::PathBuf> = ["scenarios", "scenarios/bench"]
        .iter()
        .flat_map(|d| {
            std::fs::read_dir(repo_file(d))
                .unwrap()
                .map(|e| e.unwrap().path())
        })
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let full = leadsim::starter_scenario("everything", true).unwrap();
    let mut documents: Vec<(String, serde_json::Value)> = files
        .iter()
        .map(|f| {
            (
                f.display().to_string(),
                serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap(),
            )
        })
        .collect();
    documents.push((
        "the full starter".into(),
        serde_json::from_str(&full).unwrap(),
    ));
    for (name, doc) in &documents {
        let errors: Vec<String> = validator
            .iter_errors(doc)
            .map(|e| format!("{} at {}", e, e.instance_path))
            .collect();
        assert!(errors.is_empty(), "{name} does not validate: {errors:?}");
    }
    // Unknown fields, wrong types and two-key distributions are refused by
    // the schema as by the parser.
    let mut v: serde_json::Value = serde_json::from_str(&full).unwrap();
    v["partners"][0]["capacty"] = 3.into();
    assert!(!validator.is_valid(&v));
    let mut v: serde_json::Value = serde_json::from_str(&full).unwrap();
    v["partners"][0]["response_hours"] =
        serde_json::json!({"fixed": 1, "exponential": {"mean": 2}});
    assert!(!validator.is_valid(&v));
    let mut v: serde_json::Value = serde_json::from_str(&full).unwrap();
    v["policies"][0]["routing"]["rule"] = "round-robin".into();
    assert!(!validator.is_valid(&v));
    // Every distribution family is in the schema.
    let text = serde_json::to_string(&schema).unwrap();
    for family in leadsim::scenario::raw::DIST_FAMILIES {
        assert!(
            text.contains(&format!("\"required\":[\"{family}\"]")),
            "{family}"
        );
    }
}
