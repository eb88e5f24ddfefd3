//! Runs beyond one machine: three shards merge into exactly the output of
//! one run.

use predicates::prelude::*;

use super::common::{bin, files, repo_file, stderr_of};

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

/// Two shards of a small scenario that reads a data file; returns the
/// folder with the scenario, its data and `parts/part-{0,1}-of-2.json`.
fn two_shards() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("times.csv"), "hours\n1\n2\n5\n9\n").unwrap();
    let text = std::fs::read_to_string(super::common::repo_file(
        "tests/data/hostile/fee-near-limit.json",
    ))
    .unwrap()
    .replace(
        r#""name": "Acme","#,
        r#""name": "Acme", "response_hours": {"empirical": {"csv": "times.csv", "column": "hours"}},"#,
    );
    std::fs::write(dir.path().join("s.json"), text).unwrap();
    for shard in ["0/2", "1/2"] {
        run_shard(dir.path(), shard);
    }
    dir
}

/// `run s.json --shard SHARD` into `parts/`.
fn run_shard(dir: &std::path::Path, shard: &str) {
    bin()
        .current_dir(dir)
        .args([
            "run",
            "s.json",
            "--replications",
            "4",
            "--quiet",
            "--out",
            "parts",
            "--shard",
            shard,
        ])
        .assert()
        .success();
}

/// `merge` of the two parts into `merged/`.
fn merge_two(dir: &std::path::Path) -> assert_cmd::assert::Assert {
    bin()
        .current_dir(dir)
        .args([
            "merge",
            "parts/part-0-of-2.json",
            "parts/part-1-of-2.json",
            "--scenario",
            "s.json",
            "--quiet",
            "--out",
            "merged",
        ])
        .assert()
}

fn merge_refuses(dir: &std::path::Path, needle: &str) {
    let assert = merge_two(dir).code(2);
    let stderr = stderr_of(&assert);
    assert!(stderr.contains(needle), "expected `{needle}` in {stderr}");
    assert!(!dir.join("merged").exists(), "nothing is written");
}

/// Edits a part as a forger would who also recomputes its unkeyed seal:
/// the checks behind the seal must catch what it cannot.
fn edit_part(dir: &std::path::Path, edit: impl FnOnce(&mut serde_json::Value)) {
    use leadsim::analyses::shard::Sealed;
    let path = dir.join("parts/part-1-of-2.json");
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    edit(&mut v);
    // A part too broken to read as one cannot be resealed: written as is.
    let bytes = match serde_json::from_value::<leadsim::analyses::shard::Partial>(v.clone()) {
        Ok(part) => serde_json::to_vec(&part.sealed(None)).unwrap(),
        Err(_) => v.to_string().into_bytes(),
    };
    std::fs::write(&path, bytes).unwrap();
}

#[test]
fn merge_refuses_tampered_parts_and_changed_data() {
    // Untouched parts merge.
    let dir = two_shards();
    merge_two(dir.path()).success();
    // Edited scenario text (the digest no longer matches it).
    let dir = two_shards();
    edit_part(dir.path(), |v| {
        let text = v["scenario_text"]
            .as_str()
            .unwrap()
            .replace("\"capacity\": 4", "\"capacity\": 40");
        v["scenario_text"] = text.into();
    });
    merge_refuses(dir.path(), "digest does not match");
    // Truncated metrics.
    let dir = two_shards();
    edit_part(dir.path(), |v| {
        v["parts"][0][1]["metrics"][0]
            .as_array_mut()
            .unwrap()
            .truncate(5);
    });
    merge_refuses(dir.path(), "metrics are truncated");
    // An impossible count.
    let dir = two_shards();
    edit_part(dir.path(), |v| {
        v["parts"][0][1]["metrics"][0][0]["moments"]["n"] = 1_000_000_000_000_000_000u64.into();
    });
    merge_refuses(dir.path(), "an accumulator holds");
    // An impossible replication count (digest recomputed would differ too).
    let dir = two_shards();
    edit_part(dir.path(), |v| {
        v["replications"] = 1_000_000_000_000_000_000u64.into();
    });
    merge_refuses(dir.path(), "claims 1000000000000000000 replications");
    // A data file that changed after the shards ran.
    let dir = two_shards();
    std::fs::write(dir.path().join("times.csv"), "hours\n1\n2\n5\n10\n").unwrap();
    merge_refuses(dir.path(), "a data file the scenario reads has changed");
    // A data file that changed between shards: the second shard's digest
    // differs from the first's.
    let dir = two_shards();
    std::fs::write(dir.path().join("times.csv"), "hours\n1\n2\n5\n10\n").unwrap();
    run_shard(dir.path(), "1/2");
    merge_refuses(dir.path(), "come from different runs");
}

#[test]
fn a_part_never_decides_which_folder_merge_reads() {
    // A crafted part says its scenario was /etc/leadsim/s.json and reads
    // `passwd` beside it: merge reads data files only beside the scenario
    // the user names, or else beside the parts, so /etc is never read.
    let dir = two_shards();
    for part in ["part-0-of-2.json", "part-1-of-2.json"] {
        let path = dir.path().join("parts").join(part);
        let mut v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        v["scenario_file"] = "/etc/leadsim/s.json".into();
        v["scenario_text"] = v["scenario_text"]
            .as_str()
            .unwrap()
            .replace("\"times.csv\"", "\"../passwd\"")
            .into();
        // The forger reseals the part (an unkeyed seal can be recomputed).
        use leadsim::analyses::shard::Sealed;
        let part: leadsim::analyses::shard::Partial = serde_json::from_value(v).unwrap();
        std::fs::write(&path, serde_json::to_vec(&part.sealed(None)).unwrap()).unwrap();
    }
    let assert = merge_parts(dir.path(), None).code(2);
    let stderr = stderr_of(&assert);
    assert!(!stderr.contains("root:"), "{stderr}");
    assert!(
        stderr.contains("parts"),
        "resolved beside the parts: {stderr}"
    );
    assert!(!stderr.contains("/etc"), "{stderr}");
    assert!(!dir.path().join("merged").exists());
    // Naming a scenario whose text is not the parts' is refused.
    let other = dir.path().join("other.json");
    std::fs::write(&other, "{}").unwrap();
    let assert = bin()
        .current_dir(dir.path())
        .args([
            "merge",
            "parts/part-0-of-2.json",
            "parts/part-1-of-2.json",
            "--scenario",
            "other.json",
            "--quiet",
        ])
        .assert()
        .code(2);
    assert!(stderr_of(&assert).contains("not the scenario the parts ran"));
    // Untouched parts merge without --scenario when their data sits beside
    // them.
    let dir = two_shards();
    std::fs::copy(
        dir.path().join("times.csv"),
        dir.path().join("parts/times.csv"),
    )
    .unwrap();
    merge_parts(dir.path(), None).success();
}

#[test]
fn a_part_edited_after_its_shard_ran_is_refused_and_a_key_stops_a_forger() {
    // An edited value (a mean, without recomputing anything): the seal.
    let dir = two_shards();
    let path = dir.path().join("parts/part-1-of-2.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let at = text
        .find("\"mean\":")
        .expect("the part has an accumulator mean to edit");
    let end = at + text[at..].find(',').unwrap();
    let edited = format!("{}\"mean\":1e308{}", &text[..at], &text[end..]);
    assert_ne!(edited, text, "the edit changed the part");
    std::fs::write(&path, &edited).unwrap();
    merge_refuses(dir.path(), "does not match its seal");

    // Parts sealed with a key: merged only with that key.
    let dir = keyed_shards("correct horse");
    let merge = |key: Option<&str>| merge_parts(dir.path(), key);
    let a = merge(None).code(2);
    assert!(stderr_of(&a).contains("sealed with a key"));
    let a = merge(Some("wrong")).code(2);
    assert!(stderr_of(&a).contains("under the key"));
    // A forger without the key edits a part and reseals it as best they
    // can (an unkeyed hash): refused under the key.
    {
        use leadsim::analyses::shard::Sealed;
        let path = dir.path().join("parts/part-1-of-2.json");
        let mut part: leadsim::analyses::shard::Partial =
            serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        part.seed ^= 1;
        let forged = part.sealed(Some(b"guess"));
        std::fs::write(&path, serde_json::to_vec(&forged).unwrap()).unwrap();
        let a = merge(Some("correct horse")).code(2);
        assert!(stderr_of(&a).contains("under the key"));
    }
    assert!(!dir.path().join("merged").exists());
}

/// Two shards of the small scenario, sealed under `key`, in `parts/`.
fn keyed_shards(key: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let scenario = super::common::repo_file("tests/data/hostile/fee-near-limit.json");
    for shard in ["0/2", "1/2"] {
        bin()
            .env("LEADSIM_PART_KEY", key)
            .arg("run")
            .arg(&scenario)
            .args([
                "--replications",
                "4",
                "--quiet",
                "--out",
                "parts",
                "--shard",
                shard,
            ])
            .current_dir(dir.path())
            .assert()
            .success();
    }
    dir
}

/// `merge` of `parts/part-{0,1}-of-2.json` into `merged/` without
/// `--scenario`, under `key` (none: the variable unset).
fn merge_parts(dir: &std::path::Path, key: Option<&str>) -> assert_cmd::assert::Assert {
    let mut cmd = bin();
    cmd.current_dir(dir).args([
        "merge",
        "parts/part-0-of-2.json",
        "parts/part-1-of-2.json",
        "--quiet",
        "--out",
        "merged",
    ]);
    match key {
        Some(k) => cmd.env("LEADSIM_PART_KEY", k),
        None => cmd.env_remove("LEADSIM_PART_KEY"),
    };
    cmd.assert()
}

#[test]
fn keyed_parts_merge_with_their_key() {
    let dir = keyed_shards("k");
    let scenario = super::common::repo_file("tests/data/hostile/fee-near-limit.json");
    merge_parts(dir.path(), Some("k")).success();
    bin()
        .arg("run")
        .arg(&scenario)
        .args(["--replications", "4", "--quiet", "--out"])
        .arg(dir.path().join("single"))
        .assert()
        .success();
    assert_eq!(
        std::fs::read(dir.path().join("merged/summary.json")).unwrap(),
        std::fs::read(dir.path().join("single/summary.json")).unwrap()
    );
}
