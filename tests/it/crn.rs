//! Common random numbers: identical policies differ by exactly zero, and a
//! small policy change is measured far more precisely paired than unpaired.

use super::common::{diff, metric, model, run};
use leadsim::metrics::Metric;

fn scenario(second_policy: &str) -> String {
    let text =
        std::fs::read_to_string(super::common::repo_file("scenarios/baseline.json")).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let policies = v["policies"].as_array_mut().unwrap();
    let mut twin: serde_json::Value = serde_json::from_str(second_policy).unwrap();
    if twin.get("copy_of").is_some() {
        let base = policies
            .iter()
            .find(|p| p["name"] == twin["copy_of"])
            .unwrap()
            .clone();
        let name = twin["name"].clone();
        let patch = twin["patch"].clone();
        twin = base;
        twin["name"] = name;
        if let Some(obj) = patch.as_object() {
            for (k, val) in obj {
                twin[k] = val.clone();
            }
        }
    }
    policies.push(twin);
    v.to_string()
}

#[test]
fn identical_policies_differ_by_exactly_zero() {
    let text = scenario(r#"{"name": "twin", "copy_of": "round-robin", "patch": {}}"#);
    let s = run(&model(&text), 30, 9);
    let twin = s.cells.iter().find(|c| c.policy == "twin").unwrap();
    for k in Metric::ALL {
        if let Some(d) = twin.vs_baseline[k] {
            assert_eq!(d.mean, 0.0, "{k}");
            assert_eq!(d.ci95, Some((0.0, 0.0)), "{k}");
        }
        assert_eq!(twin.metrics[k], s.cells[0].metrics[k], "{k}");
    }
}

/// Half-widths of the paired and the unpaired 95 % interval of
/// `twin - base` for `metric`.
fn paired_and_unpaired(
    s: &leadsim::summary::Summary,
    base: &str,
    metric_name: Metric,
) -> (f64, f64) {
    let a = metric(s, base, metric_name).half_width().unwrap();
    let b = metric(s, "twin", metric_name).half_width().unwrap();
    (
        diff(s, "twin", metric_name).half_width().unwrap(),
        (a * a + b * b).sqrt(),
    )
}

fn with_baseline(text: &str, baseline: &str) -> String {
    let mut v: serde_json::Value = serde_json::from_str(text).unwrap();
    v["baseline"] = baseline.into();
    v.to_string()
}

#[test]
fn paired_interval_is_several_times_narrower_than_unpaired() {
    // A slightly different policy: tier-weighted routing with a 20-hour SLA
    // instead of 24. Weighted routing draws its choice per lead, so a change
    // to one lead's path does not shift the others' and pairing is strong.
    let text = scenario(
        r#"{"name": "twin", "copy_of": "tier-weighted",
            "patch": {"sla": {"first_contact_hours": 20, "max_reroutes": 1, "then": "house"}}}"#,
    );
    let s = run(&model(&with_baseline(&text, "tier-weighted")), 60, 4);
    for name in [
        Metric::LeadToWin,
        Metric::Revenue,
        Metric::LeadToOpportunity,
    ] {
        let (paired, unpaired) = paired_and_unpaired(&s, "tier-weighted", name);
        assert!(
            paired * 4.0 < unpaired,
            "{name}: paired half-width {paired:.6} is not 4x narrower than unpaired {unpaired:.6}"
        );
    }
}

#[test]
fn pairing_still_helps_round_robin_whose_turn_order_cascades() {
    // Round robin's turn pointer moves with every lead, so one changed lead
    // shifts every later assignment: pairing helps less, but still helps.
    let text = scenario(
        r#"{"name": "twin", "copy_of": "round-robin",
            "patch": {"sla": {"first_contact_hours": 40, "max_reroutes": 1, "then": "house"}}}"#,
    );
    let s = run(&model(&text), 60, 4);
    let (paired, unpaired) = paired_and_unpaired(&s, "round-robin", Metric::LeadToWin);
    assert!(
        paired * 1.3 < unpaired,
        "paired {paired:.6}, unpaired {unpaired:.6}"
    );
}
