//! `leadsim diff`: which metrics moved beyond their intervals between two
//! runs.

use predicates::prelude::*;

use super::common::{bin, repo_file};

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
    // Every metric defined (with an interval) for every policy is compared.
    let summary: serde_json::Value = serde_json::from_slice(&std::fs::read(&a).unwrap()).unwrap();
    let defined = summary["results"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["metrics"].as_object().unwrap().values())
        .filter(|m| !m["ci95"].is_null())
        .count();
    assert!(defined > 100, "{defined}");
    bin()
        .arg("diff")
        .arg(&a)
        .arg(&same)
        .args(["--fail-on-change"])
        .assert()
        .success()
        .stdout(predicate::str::ends_with(format!(
            "0 of {defined} metrics moved beyond their 95% confidence intervals\n"
        )));
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
