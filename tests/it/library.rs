//! The scenario library: every file in scenarios/ loads, says what question
//! it answers, and runs; `leadsim new` writes files that do too.

use super::common::{bin, repo_file};

fn scenario_files() -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for dir in ["scenarios", "scenarios/bench"] {
        for entry in std::fs::read_dir(repo_file(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "json") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn every_scenario_in_the_library_runs() {
    let files = scenario_files();
    assert!(
        files.len() >= 10,
        "the library has {} scenarios",
        files.len()
    );
    let dir = tempfile::tempdir().unwrap();
    for file in &files {
        let model = leadsim::load_file(file).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            model.description.len() > 80,
            "{}: the description must state the question",
            file.display()
        );
        let out = dir.path().join(file.file_stem().unwrap());
        // Two replications are too few for some `expect` assertions to
        // pass (exit 1); the files are written either way.
        let code = bin()
            .arg("run")
            .arg(file)
            .args(["--replications", "2", "--quiet", "--out"])
            .arg(&out)
            .output()
            .unwrap()
            .status
            .code();
        assert!(
            matches!(code, Some(0 | 1)),
            "{}: exit {code:?}",
            file.display()
        );
        let summary: leadsim::report::json::SummaryJson =
            serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
        assert_eq!(
            summary.results.len(),
            model.policies.len() * model.worlds.len(),
            "{}",
            file.display()
        );
    }
}

#[test]
fn the_library_covers_the_questions_users_bring() {
    // Seven questions, each with its file (stress worlds where the question
    // is a shock).
    for (file, worlds) in [
        ("baseline", 1),
        ("speed-vs-fairness", 1),
        ("scoring-threshold", 1),
        ("market-skew", 4),
        ("consolidation", 2),
        ("partner-exit", 2),
        ("onboarding", 1),
        ("incentives", 1),
        ("replay-last-quarter", 1),
    ] {
        let model = leadsim::load_file(&repo_file(&format!("scenarios/{file}.json"))).unwrap();
        assert_eq!(model.worlds.len(), worlds, "{file}");
    }
}

#[test]
fn new_writes_starter_scenarios_that_run() {
    let dir = tempfile::tempdir().unwrap();
    bin()
        .current_dir(dir.path())
        .args(["new", "pilot"])
        .assert()
        .success();
    bin()
        .current_dir(dir.path())
        .args(["new", "everything", "--full"])
        .assert()
        .success();
    for (name, policies, worlds) in [("pilot", 2, 1), ("everything", 3, 4)] {
        let file = dir.path().join(format!("{name}.json"));
        let model = leadsim::load_file(&file).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(model.name, name);
        assert_eq!(
            (model.policies.len(), model.worlds.len()),
            (policies, worlds)
        );
        bin()
            .current_dir(dir.path())
            .arg("run")
            .arg(&file)
            .args(["--replications", "20", "--quiet"])
            .assert()
            .success();
    }
    // The full one shows every routing rule family and every payout feature.
    let full = std::fs::read_to_string(dir.path().join("everything.json")).unwrap();
    for feature in [
        "score_tiered",
        "thompson",
        "weighted",
        "speed_bonus",
        "cap_per_period",
        "clawback",
        "mdf_rate",
        "consolidation",
        "partner_join",
        "away",
        "joins_day",
        "\"currency\"",
        "\"expect\"",
        "better_than",
        "not_worse_than",
        "by_tier",
        "\"tiers\": {\"review_days\"",
        "spiffs",
        "existing_account_share",
        "registered_share",
        "incumbent",
        "nurture",
        "sourced_per_day",
        "leads_per_mdf_1000",
    ] {
        assert!(full.contains(feature), "{feature}");
    }
    // Existing files are not overwritten; bad names are refused.
    bin()
        .current_dir(dir.path())
        .args(["new", "pilot"])
        .assert()
        .code(2);
    bin()
        .current_dir(dir.path())
        .args(["new", "../escape"])
        .assert()
        .code(2);
}
