//! `--precision`: a run adds replications until the headline metrics are
//! precise enough, and equals a plain run of that length.

use predicates::prelude::*;

use super::common::{bin, repo_file};

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
