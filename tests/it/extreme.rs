//! Extreme but valid scenarios run and give defined, sensible results;
//! where a metric has no meaning, the outputs say so (null, empty, n/a),
//! never NaN.

use serde_json::{json, Value};

use super::common::bin;

fn base() -> Value {
    json!({
        "name": "extreme", "horizon_days": 30, "replications": 2,
        "leads": {"arrivals_per_day": 20},
        "partners": [{"name": "P", "count": 5, "capacity": 10}],
        "policies": [{"name": "rr"}, {"name": "ll", "routing": {"rule": "least_loaded"}, "sla": {"first_contact_hours": 24}}]
    })
}

/// Runs a scenario; returns (summary.json, stdout table).
fn run(scenario: &Value) -> (Value, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.json");
    std::fs::write(&file, scenario.to_string()).unwrap();
    let out = dir.path().join("out");
    let assert = bin()
        .arg("run")
        .arg(&file)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    for entry in std::fs::read_dir(&out).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let lower = text.to_lowercase();
        // Whole words only: "unanswered" holds "nan".
        let words: Vec<&str> = lower.split(|c: char| !c.is_ascii_alphabetic()).collect();
        assert!(
            !words.iter().any(|w| ["nan", "inf", "infinity"].contains(w)),
            "{} has NaN or infinity",
            path.display()
        );
    }
    let summary: Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    (
        summary,
        String::from_utf8(assert.get_output().stdout.clone()).unwrap(),
    )
}

fn mean(summary: &Value, policy: usize, metric: &str) -> Value {
    summary["results"][policy]["metrics"][metric]["mean"].clone()
}

#[test]
fn tiny_and_huge_networks_run() {
    let mut one = base();
    one["partners"] = json!([{"name": "Only", "capacity": 5}]);
    let (s, _) = run(&one);
    assert_eq!(mean(&s, 0, "fairness.max_share"), json!(1.0));
    assert_eq!(mean(&s, 0, "fairness.gini_leads"), json!(0.0));

    let mut many = base();
    many["partners"] = json!([{"name": "P", "count": 1000, "capacity": 2}]);
    many["leads"]["arrivals_per_day"] = json!(200);
    let (s, _) = run(&many);
    assert_eq!(
        s["results"][0]["metrics"]["partners.retained"]["mean"],
        json!(1000.0)
    );
    assert!(mean(&s, 0, "fairness.starved_partners").as_f64().unwrap() < 1000.0);
}

#[test]
fn zero_arrivals_gives_zero_counts_and_undefined_rates() {
    let mut s = base();
    s["leads"]["arrivals_per_day"] = json!(0);
    let (summary, table) = run(&s);
    assert_eq!(mean(&summary, 0, "volume.leads"), json!(0.0));
    assert_eq!(mean(&summary, 0, "deals.revenue"), json!(0.0));
    for undefined in [
        "conversion.lead_to_win",
        "speed.ttfc_median_hours",
        "deals.avg_deal_size",
        "fairness.gini_leads",
    ] {
        let m = &summary["results"][0]["metrics"][undefined];
        assert_eq!(
            m,
            &json!({"n": 0, "mean": null, "sd": null, "ci95": null, "p10": null, "p50": null, "p90": null}),
            "{undefined}"
        );
    }
    assert!(table.contains("n/a"));
}

#[test]
fn a_single_slot_with_thousands_of_queued_leads() {
    let mut s = base();
    s["leads"] =
        json!({"arrivals_per_day": 200, "segments": [{"name": "a", "quality": {"fixed": 1}}]});
    s["speed_to_lead"] = json!({"half_life_hours": 1, "floor": 1});
    s["partners"] = json!([{"name": "Tiny", "capacity": 1, "response_hours": {"fixed": 1}, "work_days": {"fixed": 10}, "qualify_rate": 1}]);
    s["policies"] = json!([{"name": "fifo"}]);
    let (summary, _) = run(&s);
    // ~6,000 leads, each holding the one slot for 10 days after a 1-hour
    // response: the i-th waits about 10 i days. Every lead still ends.
    let leads = mean(&summary, 0, "volume.leads").as_f64().unwrap();
    assert!(leads > 5000.0);
    assert_eq!(
        mean(&summary, 0, "conversion.lead_to_opportunity"),
        json!(1.0)
    );
    let median = mean(&summary, 0, "speed.ttfc_median_hours")
        .as_f64()
        .unwrap();
    assert!(
        (median / 24.0 / 10.0 - leads / 2.0).abs() < leads * 0.02,
        "median wait {median} h for {leads} leads"
    );
}

#[test]
fn one_day_five_years_and_one_replication() {
    let mut day = base();
    day["horizon_days"] = json!(1);
    run(&day);
    let mut years = base();
    years["horizon_days"] = json!(1825);
    years["leads"]["arrivals_per_day"] = json!(10);
    let (s, _) = run(&years);
    let leads = mean(&s, 0, "volume.leads").as_f64().unwrap();
    assert!((leads - 18_250.0).abs() < 600.0, "{leads}");
    let mut once = base();
    once["replications"] = json!(1);
    let (s, _) = run(&once);
    let m = &s["results"][0]["metrics"]["volume.leads"];
    assert_eq!(
        (m["sd"].clone(), m["ci95"].clone()),
        (Value::Null, Value::Null),
        "no spread from one replication"
    );
    assert_eq!(m["p10"], m["p90"]);
}

#[test]
fn degenerate_outcomes_have_defined_metrics() {
    // Every lead below the threshold.
    let mut below = base();
    below["leads"] = json!({"arrivals_per_day": 20, "signals": [{"name": "score", "noise": 0}],
                            "segments": [{"name": "a", "quality": {"uniform": {"min": 0, "max": 0.5}}}]});
    below["policies"] = json!([{"name": "strict", "scoring": {"threshold": 0.9}}]);
    let (s, _) = run(&below);
    assert_eq!(
        mean(&s, 0, "volume.below_threshold"),
        mean(&s, 0, "volume.leads")
    );
    assert_eq!(mean(&s, 0, "conversion.lead_to_win"), json!(0.0));
    assert_eq!(mean(&s, 0, "conversion.opportunity_to_win"), Value::Null);
    assert_eq!(mean(&s, 0, "fairness.starved_partners"), json!(5.0));
    // No wins at all.
    let mut lost = base();
    lost["partners"] = json!([{"name": "P", "count": 5, "capacity": 10, "win_rate": 0}]);
    let (s, _) = run(&lost);
    assert_eq!(mean(&s, 0, "deals.wins"), json!(0.0));
    assert_eq!(mean(&s, 0, "deals.avg_deal_size"), Value::Null);
    assert_eq!(mean(&s, 0, "economics.cost_per_win"), Value::Null);
    assert_eq!(mean(&s, 0, "economics.gross_profit"), json!(0.0));
    // One partner holds every lead.
    let mut solo = base();
    solo["leads"]["segments"] = json!([{"name": "na", "region": "na"}]);
    solo["partners"] = json!([{"name": "Solo", "regions": ["na"], "capacity": 50}, {"name": "Other", "count": 3, "regions": ["emea"]}]);
    let (s, _) = run(&solo);
    assert_eq!(mean(&s, 0, "fairness.max_share"), json!(1.0));
    assert_eq!(mean(&s, 0, "fairness.gini_leads"), json!(0.75));
    assert_eq!(
        mean(&s, 0, "fairness.quality_spread"),
        Value::Null,
        "needs two partners with 10 leads"
    );
}
