//! `leadsim sweep`: grids on common random numbers, clear errors before
//! anything runs, and the files it writes.

use predicates::prelude::*;

use super::common::{bin, repo_file};

#[test]
fn a_one_field_sweep_writes_csv_lines_and_pareto() {
    let dir = tempfile::tempdir().unwrap();
    bin()
        .arg("sweep")
        .arg(repo_file("scenarios/baseline.json"))
        .args([
            "--set",
            "policies[tiered-fast].scoring.threshold=0:0.3:0.1",
            "--pareto",
            "fairness.gini_leads,conversion.lead_to_win",
            "--replications",
            "6",
            "--quiet",
            "--out",
        ])
        .arg(dir.path())
        .assert()
        .success();
    let csv_text = std::fs::read_to_string(dir.path().join("sweep.csv")).unwrap();
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    assert_eq!(
        &reader.headers().unwrap()[0],
        "policies[tiered-fast].scoring.threshold"
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    // 4 points x 4 policies x 32 metrics.
    assert_eq!(rows.len(), 4 * 4 * leadsim::metrics::N_METRICS);
    let value = |threshold: &str, policy: &str, metric: &str| -> f64 {
        rows.iter()
            .find(|r| &r[0] == threshold && &r[1] == policy && &r[3] == metric)
            .unwrap()[4]
            .parse()
            .unwrap()
    };
    // Paired points: a policy the sweep does not touch is identical at every
    // point; the swept one routes fewer leads as its threshold rises.
    for t in ["0.1", "0.2", "0.3"] {
        assert_eq!(
            value(t, "round-robin", "conversion.lead_to_win"),
            value("0", "round-robin", "conversion.lead_to_win")
        );
    }
    assert!(
        value("0.3", "tiered-fast", "volume.below_threshold")
            > value("0", "tiered-fast", "volume.below_threshold")
    );
    assert_eq!(value("0", "tiered-fast", "volume.below_threshold"), 0.0);
    let lines = std::fs::read_to_string(dir.path().join("sweep.svg")).unwrap();
    roxmltree::Document::parse(&lines).unwrap();
    let pareto = std::fs::read_to_string(
        dir.path()
            .join("pareto-fairness.gini_leads-conversion.lead_to_win.csv"),
    )
    .unwrap();
    // Unswept policies appear once each; the swept one at each point.
    assert_eq!(pareto.lines().count(), 1 + 3 + 4);
    assert!(pareto.lines().any(|l| l.starts_with("tiered-fast @ 0.2,")));
    assert!(pareto.contains(",true"));
}

#[test]
fn a_two_field_sweep_draws_a_heatmap() {
    let dir = tempfile::tempdir().unwrap();
    bin()
        .arg("sweep")
        .arg(repo_file("scenarios/baseline.json"))
        .args([
            "--set",
            "policies[least-loaded].sla.first_contact_hours=12,24",
            "--set",
            "leads.arrivals_per_day=40:60:20",
            "--replications",
            "3",
            "--quiet",
            "--out",
        ])
        .arg(dir.path())
        .assert()
        .success();
    let heatmap = std::fs::read_to_string(dir.path().join("sweep-heatmap.svg")).unwrap();
    roxmltree::Document::parse(&heatmap).unwrap();
    assert!(heatmap.contains("conversion.lead_to_win of least-loaded"));
    let csv_text = std::fs::read_to_string(dir.path().join("sweep.csv")).unwrap();
    assert_eq!(
        csv_text.lines().count(),
        1 + 4 * 4 * leadsim::metrics::N_METRICS
    );
}

#[test]
fn bad_paths_fail_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    let sweep = |set: &str| {
        bin()
            .arg("sweep")
            .arg(repo_file("scenarios/baseline.json"))
            .args(["--set", set, "--out"])
            .arg(dir.path())
            .assert()
            .code(2)
    };
    sweep("policies[tiered-fst].scoring.threshold=0:1:0.5").stderr(
        predicate::str::contains("`policies[tiered-fst]` names nothing")
            .and(predicate::str::contains("did you mean `tiered-fast`?")),
    );
    sweep("policies[tiered-fast].routing.rule=0:1:1").stderr(predicate::str::contains(
        "is not a numeric field (it holds text)",
    ));
    sweep("leads.arrivals=1:2:1")
        .stderr(predicate::str::contains("did you mean `arrivals_per_day`?"));
    // A value the scenario cannot take is caught at validation, naming the point.
    sweep("policies[tiered-fast].scoring.threshold=0.5:1.5:0.5").stderr(
        predicate::str::contains("sweep point policies[tiered-fast].scoring.threshold=1.5").and(
            predicate::str::contains("must be a number in [0, 1], got 1.5"),
        ),
    );
    assert!(
        std::fs::read_dir(dir.path()).unwrap().next().is_none(),
        "nothing written"
    );
}

#[test]
fn a_field_left_to_its_default_can_be_swept() {
    // least-loaded has no `scoring` in the file: its threshold defaults to 0.
    let dir = tempfile::tempdir().unwrap();
    bin()
        .arg("sweep")
        .arg(repo_file("scenarios/baseline.json"))
        .args([
            "--set",
            "policies[least-loaded].scoring.threshold=0:0.4:0.4",
        ])
        .args(["--replications", "3", "--quiet", "--out"])
        .arg(dir.path())
        .assert()
        .success();
    let csv = std::fs::read_to_string(dir.path().join("sweep.csv")).unwrap();
    let below = |at: &str| -> f64 {
        csv.lines()
            .find(|l| l.starts_with(&format!("{at},least-loaded,base,volume.below_threshold,")))
            .unwrap()
            .split(',')
            .nth(4)
            .unwrap()
            .parse()
            .unwrap()
    };
    // At its default (0) nothing is below it; at 0.4 many leads are.
    assert_eq!(below("0"), 0.0);
    assert!(below("0.4") > 100.0, "{}", below("0.4"));
}

#[test]
fn policies_named_with_dots_brackets_and_spaces_work_in_every_command_that_takes_a_path() {
    // The bundled scoring-threshold.json names its policies `threshold-0.15`
    // and so on; a policy may also be called `a [b] c.d`.
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(repo_file("scenarios/scoring-threshold.json")).unwrap();
    let mut doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    doc["policies"][1]["name"] = serde_json::json!("a [b] c.d");
    doc["replications"] = serde_json::json!(3);
    doc["horizon_days"] = serde_json::json!(20);
    if let Some(m) = doc.as_object_mut() {
        m.remove("expect");
    }
    let file = dir.path().join("t.json");
    std::fs::write(&file, doc.to_string()).unwrap();
    for policy in ["threshold-0.25", "a [b] c.d"] {
        let path = format!("policies[{policy}].scoring.threshold");
        bin()
            .arg("sweep")
            .arg(&file)
            .args(["--set", &format!("{path}=0.1,0.3"), "--quiet", "--out"])
            .arg(dir.path().join(format!("sweep-{}", policy.len())))
            .assert()
            .success();
        let csv = std::fs::read_to_string(
            dir.path()
                .join(format!("sweep-{}", policy.len()))
                .join("sweep.csv"),
        )
        .unwrap();
        assert!(csv.contains("0.3"), "{csv}");
        bin()
            .arg("optimize")
            .arg(&file)
            .args(["--policy", policy, "--vary", &format!("{path}=0:0.5")])
            .args([
                "--maximize",
                "economics.gross_profit",
                "--budget",
                "3",
                "--quiet",
                "--out",
            ])
            .arg(dir.path().join(format!("opt-{}", policy.len())))
            .assert()
            .success();
        let best: serde_json::Value = serde_json::from_slice(
            &std::fs::read(
                dir.path()
                    .join(format!("opt-{}", policy.len()))
                    .join("best.json"),
            )
            .unwrap(),
        )
        .unwrap();
        let t = best["scoring"]["threshold"].as_f64().unwrap();
        assert!((0.0..=0.5).contains(&t), "{best}");
        bin()
            .arg("sensitivity")
            .arg(&file)
            .args(["--policy", policy, "--vs", "threshold-0.0"])
            .args(["--metric", "conversion.lead_to_win"])
            .args(["--vary", &format!("{path}=0.1:0.3"), "--quiet", "--out"])
            .arg(dir.path().join(format!("sens-{}", policy.len())))
            .assert()
            .success();
    }
}
