//! Bad input: exit code 2, a message naming the place and the problem, every
//! validation problem at once, no panic, and nothing written to disk.

use predicates::prelude::*;

use super::common::{bin, repo_file};

/// A valid scenario to break one field at a time.
fn valid() -> serde_json::Value {
    serde_json::json!({
        "name": "bad",
        "leads": {"arrivals_per_day": 10,
                  "segments": [{"name": "na", "region": "na", "vertical": "retail"}]},
        "house": {"capacity": 2},
        "partners": [{"name": "A", "tier": "gold", "regions": ["na"]},
                     {"name": "B", "count": 2, "regions": ["na"]}],
        "policies": [{"name": "rr"}]
    })
}

fn check(scenario: &str, expected: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("scenario.json");
    std::fs::write(&file, scenario).unwrap();
    let out = dir.path().join("out");
    let assert = bin()
        .arg("run")
        .arg(&file)
        .arg("--out")
        .arg(&out)
        .assert()
        .code(2);
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    for e in expected {
        assert!(stderr.contains(e), "expected `{e}` in:\n{stderr}");
    }
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!out.exists(), "nothing may be written for bad input");
}

fn with(edit: impl FnOnce(&mut serde_json::Value)) -> String {
    let mut v = valid();
    edit(&mut v);
    serde_json::to_string_pretty(&v).unwrap()
}

#[test]
fn the_valid_fixture_is_valid() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ok.json");
    std::fs::write(&file, with(|_| {})).unwrap();
    bin()
        .arg("validate")
        .arg(&file)
        .assert()
        .success()
        .stdout(predicate::str::contains("B-2"));
}

#[test]
fn malformed_and_empty_files() {
    let empty = std::fs::read_to_string(repo_file("tests/data/bad/empty.json")).unwrap();
    check(&empty, &["scenario.json: the file is empty"]);
    let trailing =
        std::fs::read_to_string(repo_file("tests/data/bad/trailing-comma.json")).unwrap();
    check(&trailing, &["scenario.json:3:", "trailing comma"]);
    check("[1, 2]", &["scenario.json:1:1: expected a JSON object"]);
}

#[test]
fn unknown_fields_and_wrong_types_name_the_path() {
    check(
        &with(|v| v["partners"][0]["capacty"] = 3.into()),
        &["partners[0].capacty", "did you mean `capacity`?"],
    );
    check(
        &with(|v| v["horizon_days"] = "ninety".into()),
        &["horizon_days: got the text \"ninety\", expected a number"],
    );
    check(
        &with(|v| v["policies"][0]["routing"] = serde_json::json!({"rule": "round-robin"})),
        &["policies[0].routing.rule", "did you mean `round_robin`?"],
    );
    check(
        &with(|v| {
            v["partners"][0]["response_hours"] =
                serde_json::json!({"fixed": 1, "exponential": {"mean": 2}})
        }),
        &["partners[0].response_hours"],
    );
    check(
        &with(|v| v["replications"] = (-5).into()),
        &["replications: must be at least 1"],
    );
}

#[test]
fn out_of_range_values_are_all_reported_at_once() {
    let text = with(|v| {
        v["horizon_days"] = 0.into();
        v["leads"]["arrivals_per_day"] = (-2).into();
        v["partners"][0]["response_hours"] =
            serde_json::json!({"lognormal": {"median": 4, "p90": 3}});
        v["partners"][0]["win_rate"] = 1.5.into();
        v["partners"][1]["work_days"] = serde_json::json!({"exponential": {"mean": -3}});
        v["partners"][1]["qualify_rate"] =
            serde_json::json!({"lognormal": {"median": 0.3, "p90": 0.5}});
    });
    check(
        &text,
        &[
            "6 problems",
            "horizon_days: must be a positive number, got 0",
            "leads.arrivals_per_day: must be a number >= 0, got -2",
            "partners[0].response_hours.lognormal.p90: p90 (3) must exceed median (4)",
            "partners[0].win_rate: must be a probability in [0, 1], got 1.5",
            "partners[1].work_days.exponential.mean: must be a positive number, got -3",
            "partners[1].qualify_rate: expected a probability",
        ],
    );
}

#[test]
fn names_that_name_nothing_get_suggestions() {
    check(
        &with(|v| v["baseline"] = "r-r".into()),
        &["baseline: `r-r` names no policy (the policies are `rr`); did you mean `rr`?"],
    );
    check(
        &with(|v| {
            v["policies"] = serde_json::json!([{"name": "rr"}, {"name": "rr2",
                "routing": {"rule": "score_tiered", "tiers": [{"min_score": 0.5, "partner_tiers": ["gld"]}]},
                "scoring": {"weights": {"scor": 1}}}]);
        }),
        &[
            "policies[1].routing.tiers[0].partner_tiers[0]: `gld` is no partner's tier",
            "did you mean `gold`?",
            "policies[1].scoring.weights.scor: `scor` names no signal",
            "did you mean `score`?",
        ],
    );
    check(
        &with(|v| {
            v.as_object_mut().unwrap().remove("house");
            v["policies"][0]["sla"] =
                serde_json::json!({"first_contact_hours": 8, "then": "house"});
        }),
        &["policies[0].sla.then: `house` names nothing"],
    );
    check(
        &with(|v| {
            v["policies"][0]["routing"] =
                serde_json::json!({"rule": "weighted", "weights": {"Gold": 2}})
        }),
        &[
            "policies[0].routing.weights.Gold: `Gold` names no partner and no tier",
            "did you mean `gold`?",
        ],
    );
}

#[test]
fn duplicates_empty_lists_and_zero_shares() {
    check(
        &with(|v| v["partners"][1] = serde_json::json!({"name": "A"})),
        &["partners[1].name: partner `A` is already declared at partners[0]"],
    );
    check(
        &with(|v| {
            v["partners"]
                .as_array_mut()
                .unwrap()
                .push(serde_json::json!({"name": "B-2"}))
        }),
        &["partners[2].name: partner `B-2` is already declared at partners[1]"],
    );
    check(
        &with(|v| v["policies"] = serde_json::json!([{"name": "rr"}, {"name": "rr"}])),
        &["policies[1].name: policy `rr` is already declared at policies[0]"],
    );
    check(
        &with(|v| v["partners"] = serde_json::json!([])),
        &["partners: needs at least one partner"],
    );
    check(
        &with(|v| v["leads"]["segments"][0]["share"] = 0.into()),
        &["leads.segments: the segments' shares sum to 0"],
    );
}

#[test]
fn a_segment_no_partner_covers_is_a_warning_not_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("warn.json");
    std::fs::write(
        &file,
        with(|v| {
            v["leads"]["segments"] = serde_json::json!([{"name": "na", "region": "na"}, {"name": "latam", "region": "latam"}]);
        }),
    )
    .unwrap();
    bin()
        .arg("validate")
        .arg(&file)
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "warning: segment `latam`: no partner covers region `latam`",
        ));
}

#[test]
fn a_missing_file_is_a_clear_error() {
    let run = ["run", "does/not/exist.json"].as_slice();
    let sweep = ["sweep", "does/not/exist.json", "--set", "seed=1"].as_slice();
    for args in [run, sweep] {
        let command = args[0];
        let assert = bin()
            .args(args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(
                "does/not/exist.json: cannot read the scenario",
            ));
        // The cause once, not repeated by the error chain.
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
        assert_eq!(stderr.matches("os error").count(), 1, "{command}: {stderr}");
    }
}

#[test]
fn validation_errors_carry_file_line_and_column() {
    let text = r#"{
  "name": "bad",
  "leads": {"arrivals_per_day": 10},
  "partners": [
    {"name": "A", "response_hours": {"lognormal": {"median": 4, "p90": 3}}},
    {"name": "B", "win_rate": 1.4}
  ],
  "policies": [{"name": "rr"}],
  "baseline": "r"
}"#;
    check(
        text,
        &[
            "3 problems",
            "scenario.json:5:72: partners[0].response_hours.lognormal.p90: p90 (3) must exceed median (4)",
            "scenario.json:6:31: partners[1].win_rate: must be a probability in [0, 1], got 1.4",
            "scenario.json:9:15: baseline: `r` names no policy (the policies are `rr`); did you mean `rr`?",
        ],
    );
}

#[test]
fn payout_caps_and_behaviour_errors_name_the_field() {
    let text = with(|v| {
        v["policies"][0]["payout"] = serde_json::json!({
            "commission": [{"from": 0, "rate": 0.1}, {"from": 200000, "rate": -0.2}, {"from": 100000, "rate": 0.3}],
            "clawback": 1.5, "cap_per_period": 0, "max_discount": 2, "mdf_rate": -0.1,
            "speed_bonus": {"within_hours": 0, "amount": -5}});
        v["policies"][0]["caps"] =
            serde_json::json!({"max_share": 0, "per_day": 0, "per_period": -1});
        v["partners"][0]["away"] = serde_json::json!([{"from_day": 10, "to_day": 5}]);
        v["partners"][0]["effort_elasticity"] = (-1).into();
        v["partners"][0]["patience_periods"] = 0.into();
    });
    check(
        &text,
        &[
            "policies[0].payout.commission[1].rate: must be a number in [0, 1], got -0.2",
            "policies[0].payout.commission[2].from: brackets must be in increasing order of `from` without overlap: 100000 follows 200000",
            "policies[0].payout.clawback: must be a number in [0, 1], got 1.5",
            "policies[0].payout.cap_per_period: must be a positive amount, got 0",
            "policies[0].payout.max_discount: must be a number in [0, 1], got 2",
            "policies[0].payout.mdf_rate: must be a number in [0, 1], got -0.1",
            "policies[0].payout.speed_bonus.within_hours: must be a positive number of hours, got 0",
            "policies[0].payout.speed_bonus.amount: must be an amount >= 0, got -5",
            "policies[0].caps.max_share: must be in (0, 1], got 0",
            "policies[0].caps.per_day: must be at least 1 lead, got 0",
            "policies[0].caps.per_period: must be at least 1 lead, got -1",
            "partners[0].away[0]: expected 0 <= from_day < to_day, got from_day 10 and to_day 5",
            "partners[0].effort_elasticity: must be a number >= 0, got -1",
            "partners[0].patience_periods: must be at least 1 review, got 0",
        ],
    );
}

#[test]
fn a_learning_rule_with_nobody_eligible_is_an_error() {
    check(
        &with(|v| {
            v["partners"] = serde_json::json!([{"name": "A", "regions": ["emea"]}]);
            v["policies"][0]["routing"] = serde_json::json!({"rule": "thompson"});
        }),
        &["policies[0].routing.rule: `thompson` learns from the partners it routes to, but no partner is eligible for any segment"],
    );
}

#[test]
fn stress_events_name_what_exists() {
    check(
        &with(|v| {
            v["stress"] = serde_json::json!([
                {"name": "s", "events": [
                    {"day": 10, "consolidation": {"acquirer": "A", "acquired": "B-9"}},
                    {"day": 10, "market_skew": {"region": "emeaa", "factor": 2}},
                    {"day": 400, "partner_exit": {"partner": "A"}},
                    {"day": 5, "demand": {"factor": 2, "until_day": 3}},
                    {"day": 5}]}]);
        }),
        &[
            "stress[0].events[0].consolidation.acquired: `B-9` names no partner; did you mean `B-1`?",
            "stress[0].events[1].market_skew.region: `emeaa` is no segment's region",
            "stress[0].events[2].day: must be a day within the horizon",
            "stress[0].events[3].demand.until_day: must come after the event's day (5), got 3",
            "stress[0].events[4]: an event has `day` and exactly one of",
        ],
    );
}
