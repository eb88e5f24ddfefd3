//! `expect` assertions: `leadsim check` passes and fails with its exit
//! codes, and a malformed assertion is an input error.

use predicates::prelude::*;

use super::common::{bin, repo_file};

fn with_expect(dir: &std::path::Path, expect: serde_json::Value) -> std::path::PathBuf {
    let mut v: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo_file("scenarios/baseline.json")).unwrap(),
    )
    .unwrap();
    v["expect"] = expect;
    let file = dir.join("with-expect.json");
    std::fs::write(&file, v.to_string()).unwrap();
    file
}

#[test]
fn check_passes_and_fails_with_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let passing = with_expect(
        dir.path(),
        serde_json::json!([
            {"policy": "tiered-fast", "metric": "fairness.gini_leads", "max": 0.35},
            {"policy": "tiered-fast", "metric": "conversion.lead_to_win", "better_than": "round-robin"},
            {"policy": "least-loaded", "metric": "speed.ttfc_median_hours", "better_than": "tiered-fast"},
            {"policy": "least-loaded", "metric": "conversion.lead_to_win", "not_worse_than": "tiered-fast", "margin": 0.005}
        ]),
    );
    bin()
        .arg("check")
        .arg(&passing)
        .args(["--replications", "20"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "PASS  tiered-fast: fairness.gini_leads <= 0.350: 0.2",
        ))
        .stdout(predicate::str::contains("4 of 4 assertions passed"));
    assert!(
        !dir.path().join("output").exists(),
        "check writes nothing without --out"
    );

    let failing = with_expect(
        dir.path(),
        serde_json::json!([
            {"policy": "round-robin", "metric": "conversion.lead_to_win", "better_than": "tiered-fast"},
            {"policy": "tier-weighted", "metric": "speed.ttfc_p90_hours", "max": 30},
            {"policy": "least-loaded", "metric": "conversion.lead_to_win", "not_worse_than": "tiered-fast"},
            {"policy": "tiered-fast", "metric": "deals.wins", "min": 1}
        ]),
    );
    let out = bin()
        .arg("check")
        .arg(&failing)
        .args(["--replications", "20"])
        .assert()
        .code(1);
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(
        stdout.contains(
            "FAIL  round-robin: conversion.lead_to_win better than tiered-fast: difference -"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("FAIL  tier-weighted: speed.ttfc_p90_hours <= 30.0: 6"),
        "{stdout}"
    );
    assert!(
        stdout.contains("FAIL  least-loaded: conversion.lead_to_win not worse than tiered-fast"),
        "{stdout}"
    );
    assert!(
        stdout.contains("PASS  tiered-fast: deals.wins >= 1.0"),
        "{stdout}"
    );
    assert!(stdout.contains("1 of 4 assertions passed"), "{stdout}");
    // `run` evaluates them too, prints them after the table and exits 1.
    bin()
        .arg("run")
        .arg(&failing)
        .args(["--replications", "4", "--out"])
        .arg(dir.path().join("run"))
        .assert()
        .code(1)
        .stdout(predicate::str::contains("1 of 4 assertions passed"));
}

#[test]
fn bad_assertions_are_input_errors() {
    let dir = tempfile::tempdir().unwrap();
    let file = with_expect(
        dir.path(),
        serde_json::json!([
            {"policy": "tiered-fst", "metric": "conversion.lead_to_win", "max": 1},
            {"policy": "tiered-fast", "metric": "conversion.lead_to_wim", "max": 1},
            {"policy": "tiered-fast", "metric": "volume.leads", "better_than": "round-robin"},
            {"policy": "tiered-fast", "metric": "deals.wins", "max": 1, "min": 0},
            {"policy": "tiered-fast", "world": "mars", "metric": "deals.wins", "max": 1}
        ]),
    );
    bin()
        .arg("check")
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("expect[0].policy: `tiered-fst` names no policy; did you mean `tiered-fast`?"))
        .stderr(predicate::str::contains("expect[1].metric: `conversion.lead_to_wim` is no metric; did you mean `conversion.lead_to_win`?"))
        .stderr(predicate::str::contains("expect[2].metric: `volume.leads` has no better side"))
        .stderr(predicate::str::contains("expect[3]: an assertion has exactly one of"))
        .stderr(predicate::str::contains("expect[4].world: `mars` names no world"));
}
