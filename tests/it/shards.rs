//! Runs beyond one machine: three shards merge into exactly the output of
//! one run.

use predicates::prelude::*;

use super::common::{bin, files, repo_file};

#[test]
fn three_shards_merge_into_the_single_run_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = repo_file("scenarios/market-skew.json");
    let parts = dir.path().join("parts");
    for i in 0..3 {
        bin()
            .arg("run")
            .arg(&scenario)
            .args([
                "--replications",
                "11",
                "--quiet",
                "--shard",
                &format!("{i}/3"),
                "--out",
            ])
            .arg(&parts)
            .assert()
            .success();
    }
    let merged = dir.path().join("merged");
    bin()
        .arg("merge")
        .arg(parts.join("part-2-of-3.json"))
        .arg(parts.join("part-0-of-3.json"))
        .arg(parts.join("part-1-of-3.json"))
        .args(["--quiet", "--out"])
        .arg(&merged)
        .assert()
        .success();
    let single = dir.path().join("single");
    bin()
        .arg("run")
        .arg(&scenario)
        .args(["--replications", "11", "--quiet", "--out"])
        .arg(&single)
        .assert()
        .success();
    let (a, b) = (files(&single), files(&merged));
    assert_eq!(
        a.iter().map(|f| &f.0).collect::<Vec<_>>(),
        b.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    for ((name, x), (_, y)) in a.iter().zip(&b) {
        assert!(
            x == y,
            "{name} differs between the merged shards and the single run"
        );
    }

    // A missing shard, or parts of another run, are refused.
    bin()
        .arg("merge")
        .arg(parts.join("part-0-of-3.json"))
        .arg(parts.join("part-1-of-3.json"))
        .arg("--out")
        .arg(dir.path().join("bad"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "merge needs shards 0 to 2 exactly once each",
        ));
    let other = dir.path().join("other");
    bin()
        .arg("run")
        .arg(&scenario)
        .args([
            "--replications",
            "11",
            "--seed",
            "5",
            "--quiet",
            "--shard",
            "2/3",
            "--out",
        ])
        .arg(&other)
        .assert()
        .success();
    bin()
        .arg("merge")
        .arg(parts.join("part-0-of-3.json"))
        .arg(parts.join("part-1-of-3.json"))
        .arg(other.join("part-2-of-3.json"))
        .arg("--out")
        .arg(dir.path().join("bad"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("come from different runs"));
    bin()
        .arg("run")
        .arg(&scenario)
        .args(["--shard", "3/3"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("0 <= I < N"));
}

#[test]
fn a_sharded_sweep_merges_into_the_single_sweep() {
    let dir = tempfile::tempdir().unwrap();
    let sweep = |extra: &[&str], out: &std::path::Path| {
        bin()
            .arg("sweep")
            .arg(repo_file("scenarios/baseline.json"))
            .args([
                "--set",
                "policies[tiered-fast].scoring.threshold=0:0.3:0.1",
                "--pareto",
                "fairness.gini_leads,conversion.lead_to_win",
            ])
            .args(["--replications", "3", "--quiet", "--out"])
            .arg(out)
            .args(extra)
            .assert()
            .success();
    };
    let parts = dir.path().join("parts");
    sweep(&["--shard", "0/2"], &parts);
    sweep(&["--shard", "1/2"], &parts);
    let merged = dir.path().join("merged");
    bin()
        .arg("merge")
        .arg(parts.join("sweep-part-0-of-2.json"))
        .arg(parts.join("sweep-part-1-of-2.json"))
        .args(["--quiet", "--out"])
        .arg(&merged)
        .assert()
        .success();
    let single = dir.path().join("single");
    sweep(&[], &single);
    assert_eq!(files(&single), files(&merged));
    assert_eq!(files(&merged).len(), 4);
}
