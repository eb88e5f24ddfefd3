//! Checks for review: `expect` assertions with `leadsim check`, `leadsim
//! diff`, and `leadsim schema`.

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

#[test]
fn diff_reports_what_moved_beyond_its_intervals() {
    let dir = tempfile::tempdir().unwrap();
    let run = |name: &str, extra: &[&str]| {
        let out = dir.path().join(name);
        bin()
            .arg("run")
            .arg(repo_file("scenarios/baseline.json"))
            .args(["--replications", "30", "--quiet", "--out"])
            .arg(&out)
            .args(extra)
            .assert()
            .success();
        out.join("summary.json")
    };
    let a = run("a", &[]);
    let same = run("same", &[]);
    bin()
        .arg("diff")
        .arg(&a)
        .arg(&same)
        .args(["--fail-on-change"])
        .assert()
        .success()
        .stdout(predicate::str::ends_with(
            "0 of 128 metrics moved beyond their 95% confidence intervals\n",
        ));
    // A different scenario: faster round robin SLA moves round robin's speed.
    let text = std::fs::read_to_string(repo_file("scenarios/baseline.json")).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["policies"][0]["sla"]["first_contact_hours"] = 12.into();
    let changed_file = dir.path().join("changed.json");
    std::fs::write(&changed_file, v.to_string()).unwrap();
    let out = dir.path().join("changed");
    bin()
        .arg("run")
        .arg(&changed_file)
        .args(["--replications", "30", "--quiet", "--out"])
        .arg(&out)
        .assert()
        .success();
    let assert = bin()
        .arg("diff")
        .arg(&a)
        .arg(out.join("summary.json"))
        .args(["--fail-on-change"])
        .assert()
        .code(1);
    let stdout = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    assert!(
        stdout.contains("moved  round-robin / base / speed.ttfc_p90_hours:"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("moved  tiered-fast /"),
        "other policies did not change:\n{stdout}"
    );
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

#[test]
fn precision_runs_until_precise_and_equals_a_plain_run_of_that_length() {
    let dir = tempfile::tempdir().unwrap();
    let assert = bin()
        .arg("run")
        .arg(repo_file("scenarios/baseline.json"))
        .args(["--replications", "8", "--precision", "0.05", "--out"])
        .arg(dir.path().join("precise"))
        .assert()
        .success();
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    let needed: u64 = stderr
        .lines()
        .find(|l| l.starts_with("precision 0.05: every headline metric's 95% half-width is within"))
        .and_then(|l| l.split(" after ").nth(1))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{stderr}"));
    assert!(
        needed > 8 && needed.is_multiple_of(8),
        "batches of 8: {needed}"
    );
    bin()
        .arg("run")
        .arg(repo_file("scenarios/baseline.json"))
        .args([
            "--replications",
            &needed.to_string(),
            "--quiet",
            "--threads",
            "1",
            "--out",
        ])
        .arg(dir.path().join("plain"))
        .assert()
        .success();
    assert_eq!(
        std::fs::read(dir.path().join("precise/summary.json")).unwrap(),
        std::fs::read(dir.path().join("plain/summary.json")).unwrap()
    );
    // Capped below what it needs: it says so and still writes the results.
    bin()
        .arg("run")
        .arg(repo_file("scenarios/baseline.json"))
        .args([
            "--replications",
            "4",
            "--precision",
            "0.001",
            "--max-replications",
            "8",
            "--quiet",
            "--out",
        ])
        .arg(dir.path().join("capped"))
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "precision 0.001: every headline metric's 95% half-width is NOT yet within 0.001 x |mean| after 8 replications",
        ))
        .stderr(predicate::str::contains(
            "  short: round-robin in `base`, conversion.lead_to_win: half-width",
        ));
}
