//! The summary.json schema is pinned: the output is read back into structs
//! that deny unknown fields, and every metric of the catalogue is present in
//! catalogue order for every policy.

use leadsim::metrics::Metric;
use leadsim::report::json::SummaryJson;

use super::common::{model, repo_file, run};

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
