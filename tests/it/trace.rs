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

/// Offers in the trace: who was offered the lead, who refused, whose
/// window ran out, and when; counts equal the run's, and unreached leads
/// have their own outcome.
#[test]
fn trace_lists_offers_refusals_and_silence_with_who_and_when() {
    let scenario = repo_file("scenarios/claim-vs-assign.json");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("trace.csv");
    bin()
        .arg("trace")
        .arg(&scenario)
        .args(["--policy", "single-offer", "--out"])
        .arg(&out)
        .assert()
        .success();
    let text = std::fs::read_to_string(&out).unwrap();
    let m = model(&std::fs::read_to_string(&scenario).unwrap());
    let world = draw_world(&m, 0, Streams::new(replication_seed(m.seed, 0)), 0);
    let run = simulate(&m, &m.policies[1], &world, &mut Scratch::default());
    let count = |needle: &str| text.matches(needle).count() as u32;
    assert_eq!(count(" offered to "), run.offers);
    assert_eq!(count(" refused"), run.rejections);
    // One "no answer from" per window that closed with offers open; single
    // offers have one open offer per window.
    assert_eq!(count(" no answer from "), run.offer_timeouts);
    // Who and when: a refusal names a partner, at a time in hours.
    let refusal = decision_at(&text, " refused").expect("a refusal");
    assert!(
        refusal.starts_with(|c: char| c.is_ascii_digit())
            && (refusal.contains("h Picky-") || refusal.contains("h Eager-")),
        "{refusal}"
    );
    // The house after offers ran out says so, and only then: every
    // "offers ran out" follows a refusal or a closed window, and "no
    // partner eligible" never does.
    let mut ran_out = 0;
    for line in text.lines() {
        let steps: Vec<&str> = line.split('|').map(str::trim).collect();
        for pair in steps.windows(2) {
            let after_offers = pair[0].contains(" refused") || pair[0].contains(" no answer from ");
            if pair[1].contains("offers ran out") {
                ran_out += 1;
                assert!(after_offers, "{line}");
            }
            if pair[1].contains("no partner eligible") {
                assert!(!after_offers, "{line}");
            }
        }
    }
    assert!(ran_out > 0, "some lead's offers ran out");
    // Unreached leads are their own outcome.
    let speed = repo_file("scenarios/speed-to-lead.json");
    let out = dir.path().join("speed.csv");
    bin()
        .arg("trace")
        .arg(&speed)
        .args(["--policy", "round-robin", "--out"])
        .arg(&out)
        .assert()
        .success();
    let counts = outcomes(&std::fs::read_to_string(&out).unwrap());
    let m = model(&std::fs::read_to_string(&speed).unwrap());
    let world = draw_world(&m, 0, Streams::new(replication_seed(m.seed, 0)), 0);
    let run = simulate(&m, &m.policies[0], &world, &mut Scratch::default());
    assert_eq!(
        counts.get("unreached").copied().unwrap_or(0),
        run.outcomes.unreached
    );
    assert!(run.outcomes.unreached > 0);
}

/// The decision around the first occurrence of `needle`: from the previous
/// `|` (or the start of the cell) to the needle's end.
fn decision_at<'a>(text: &'a str, needle: &str) -> Option<&'a str> {
    let at = text.find(needle)?;
    let start = text[..at].rfind(['|', ',']).map_or(0, |i| i + 1);
    Some(text[start..at + needle.len()].trim_start_matches([' ', '"']))
}
