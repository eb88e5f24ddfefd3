//! `leadsim trace` follows the same run as `leadsim run`: its outcome
//! counts equal the engine's for that replication.

use std::collections::HashMap;

use leadsim::engine::leads::draw_world;
use leadsim::engine::rng::{replication_seed, Streams};
use leadsim::engine::{simulate, Scratch};

use super::common::{bin, model, repo_file};

fn outcomes(csv_text: &str) -> HashMap<String, u32> {
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let at = headers.iter().position(|h| h == "outcome").unwrap();
    let mut counts = HashMap::new();
    for row in reader.records() {
        *counts.entry(row.unwrap()[at].to_string()).or_insert(0) += 1;
    }
    counts
}

#[test]
fn trace_outcomes_equal_the_runs() {
    let scenario = repo_file("scenarios/baseline.json");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("trace.csv");
    bin()
        .arg("trace")
        .arg(&scenario)
        .args(["--policy", "tiered-fast", "--replication", "2", "--out"])
        .arg(&out)
        .assert()
        .success();
    let counts = outcomes(&std::fs::read_to_string(&out).unwrap());

    let m = model(&std::fs::read_to_string(&scenario).unwrap());
    let world = draw_world(&m, 2, Streams::new(replication_seed(m.seed, 2)), 0);
    let run = simulate(&m, &m.policies[1], &world, &mut Scratch::default());
    let o = run.outcomes;
    for (name, n) in [
        ("won", o.won),
        ("lost", o.lost),
        ("disqualified", o.disqualified),
        ("dropped", o.dropped),
        ("unrouted", o.unrouted),
        ("below_threshold", o.below_threshold),
    ] {
        assert_eq!(counts.get(name).copied().unwrap_or(0), n, "{name}");
    }
    assert_eq!(counts.values().sum::<u32>(), run.leads, "one row per lead");
}

#[test]
fn trace_of_replication_zero_matches_a_one_replication_run() {
    let scenario = repo_file("scenarios/baseline.json");
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("t.csv");
    bin()
        .arg("trace")
        .arg(&scenario)
        .args(["--policy", "least-loaded", "--out"])
        .arg(&trace)
        .assert()
        .success();
    let text = std::fs::read_to_string(&trace).unwrap();
    let counts = outcomes(&text);
    let run_dir = dir.path().join("run");
    bin()
        .arg("run")
        .arg(&scenario)
        .args(["--replications", "1", "--quiet", "--out"])
        .arg(&run_dir)
        .assert()
        // One replication cannot show the baseline's `better_than`
        // assertions (exit 1); the files are written either way.
        .code(1);
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(run_dir.join("summary.json")).unwrap()).unwrap();
    let cell = summary["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["policy"] == "least-loaded")
        .unwrap();
    let mean = |m: &str| cell["metrics"][m]["mean"].as_f64().unwrap();
    assert_eq!(counts["won"] as f64, mean("deals.wins"));
    assert_eq!(counts.values().sum::<u32>() as f64, mean("volume.leads"));
    assert_eq!(
        counts.get("dropped").copied().unwrap_or(0) as f64,
        mean("volume.dropped")
    );
    // The audit explains each routing decision.
    assert!(text.contains("least_loaded among"));
    // --leads limits the rows.
    let short = dir.path().join("short.csv");
    bin()
        .arg("trace")
        .arg(&scenario)
        .args(["--policy", "least-loaded", "--leads", "5", "--out"])
        .arg(&short)
        .assert()
        .success();
    assert_eq!(std::fs::read_to_string(&short).unwrap().lines().count(), 6);
}
