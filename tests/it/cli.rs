//! The real binary on real scenario files.

use predicates::prelude::*;

use super::common::{bin, repo_file};

#[test]
fn validate_prints_the_expanded_partners_and_policies() {
    bin()
        .args(["validate"])
        .arg(repo_file("scenarios/baseline.json"))
        .assert()
        .success()
        .stdout(predicate::str::contains("partners (18):"))
        .stdout(predicate::str::contains("Reseller-6"))
        .stdout(predicate::str::contains(
            "score_tiered (2 tiers, then least_loaded)",
        ))
        .stdout(predicate::str::contains("segment apac-tech"));
}

#[test]
fn run_writes_summary_files_and_prints_the_table() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("result");
    let assert = bin()
        .arg("run")
        .arg(repo_file("scenarios/baseline.json"))
        .args(["--replications", "4", "--out"])
        .arg(&out)
        .assert()
        .success();
    let stdout = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    for policy in [
        "round-robin",
        "tiered-fast",
        "least-loaded",
        "tier-weighted",
    ] {
        assert!(stdout.contains(policy), "{stdout}");
    }
    assert!(stdout.contains("Paired difference from `round-robin`"));
    assert!(stdout.contains("lead→win"));
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["replications"], 4);
    let csv = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    // Header plus one row per policy x metric.
    assert_eq!(csv.lines().count(), 1 + 4 * leadsim::metrics::N_METRICS);
    let partners = std::fs::read_to_string(out.join("partners.csv")).unwrap();
    assert_eq!(partners.lines().count(), 1 + 4 * 18);
    assert!(partners.contains("tier-weighted,base,Agency-5,bronze,"));
}

#[test]
fn json_format_prints_the_summary_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let assert = bin()
        .arg("run")
        .arg(repo_file("scenarios/baseline.json"))
        .args(["--replications", "2", "--format", "json", "--out"])
        .arg(dir.path())
        .assert()
        .success();
    let stdout = &assert.get_output().stdout;
    let parsed: leadsim::report::json::SummaryJson =
        serde_json::from_slice(stdout).expect("stdout is summary.json");
    assert_eq!(parsed.replications, 2);
    assert_eq!(
        stdout,
        &std::fs::read(dir.path().join("summary.json")).unwrap()
    );
}

#[test]
fn output_is_byte_identical_whatever_the_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let mut outputs = Vec::new();
    for threads in ["1", "2", "3"] {
        let out = dir.path().join(threads);
        bin()
            .arg("run")
            .arg(repo_file("scenarios/baseline.json"))
            .args([
                "--replications",
                "9",
                "--seed",
                "77",
                "--quiet",
                "--threads",
                threads,
                "--out",
            ])
            .arg(&out)
            .assert()
            .success()
            .stdout("");
        let files: Vec<Vec<u8>> = ["summary.json", "summary.csv", "partners.csv"]
            .iter()
            .map(|f| std::fs::read(out.join(f)).unwrap())
            .collect();
        outputs.push(files);
    }
    assert_eq!(outputs[0], outputs[1]);
    assert_eq!(outputs[0], outputs[2]);
    // And a different seed gives different numbers.
    let other = dir.path().join("other");
    bin()
        .arg("run")
        .arg(repo_file("scenarios/baseline.json"))
        .args(["--replications", "9", "--seed", "78", "--quiet", "--out"])
        .arg(&other)
        .assert()
        .success();
    assert_ne!(
        std::fs::read(other.join("summary.json")).unwrap(),
        outputs[0][0]
    );
}

#[test]
fn no_arguments_runs_the_bundled_scenario_from_any_folder() {
    let dir = tempfile::tempdir().unwrap();
    // The folder has no scenarios/: the scenario comes from the binary.
    let assert = bin().current_dir(dir.path()).assert().success();
    let stdout = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    assert!(
        stdout.starts_with("baseline — 200 replications, seed 7"),
        "{stdout}"
    );
    let summary: serde_json::Value = serde_json::from_slice(
        &std::fs::read(dir.path().join("output/baseline/summary.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(summary["scenario"], "baseline");
    assert_eq!(summary["replications"], 200);
    // The chart the README shows is this run's, kept in the repository.
    assert!(
        std::fs::read(dir.path().join("output/baseline/headline.svg")).unwrap()
            == std::fs::read(repo_file("output/baseline/headline.svg")).unwrap(),
        "output/baseline/headline.svg is stale: run `cargo run --release` and commit it"
    );
    // Not a terminal: no progress bar, only what the run found (the
    // house's queue under `tiered-fast` still growing at the horizon's end,
    // a health problem) and the closing line on stderr.
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert_eq!(
        stderr.lines().collect::<Vec<_>>(),
        [
            summary["health"][0]["sentence"]
                .as_str()
                .map(|w| format!("problem: {w}"))
                .expect("one problem")
                .as_str(),
            "wrote 12 files to output/baseline"
        ],
        "{stderr}"
    );
    assert_eq!(summary["health"][0]["kind"], "house_overflow");
    assert!(stderr.contains("The house cannot keep up under `tiered-fast`"));
    // The README shows this run as a terminal does: its block is the
    // warning, every line of standard output, then the closing line.
    let readme = std::fs::read_to_string(repo_file("README.md")).unwrap();
    let shown = format!(
        "```\n{}{stdout}{}```",
        stderr.lines().next().unwrap().to_string() + "\n",
        stderr.lines().nth(1).unwrap().to_string() + "\n"
    );
    assert!(
        readme.contains(&shown),
        "README.md's worked example is stale: replace its block with this run's output:\n{shown}"
    );
    // Run options work without the `run` command too.
    let other = dir.path().join("other");
    bin()
        .current_dir(dir.path())
        .args(["--replications", "3", "--quiet", "--out"])
        .arg(&other)
        .assert()
        .success()
        .stdout("");
    let small: serde_json::Value =
        serde_json::from_slice(&std::fs::read(other.join("summary.json")).unwrap()).unwrap();
    assert_eq!(small["replications"], 3);
}

#[test]
fn a_closed_output_or_error_stream_ends_that_output_without_a_panic() {
    // The baseline prints queue warnings on standard error and a table (or
    // JSON) on standard output. Into a pipe whose reader is gone (as with
    // `| head -c0`), the run still writes its files and exits 0: a closed
    // stream is the end of that output, never a panic (exit 101) or an
    // error (exit 2). The reader is closed before the run starts, so the
    // first write fails every time.
    use std::process::Stdio;
    let exe = assert_cmd::cargo::cargo_bin("leadsim");
    let scenario = repo_file("scenarios/baseline.json");
    for (stream, format) in [
        ("stderr", "table"),
        ("stdout", "table"),
        ("stdout", "json"),
        ("both", "table"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("o");
        let closed = || {
            let (reader, writer) = std::io::pipe().unwrap();
            drop(reader);
            Stdio::from(writer)
        };
        let mut cmd = std::process::Command::new(&exe);
        cmd.arg("run")
            .arg(&scenario)
            .args(["--replications", "3", "--format", format, "--out"])
            .arg(&out);
        match stream {
            "stderr" => cmd.stderr(closed()).stdout(Stdio::null()),
            "stdout" => cmd.stdout(closed()).stderr(Stdio::null()),
            _ => cmd.stdout(closed()).stderr(closed()),
        };
        let status = cmd.status().unwrap();
        assert_eq!(status.code(), Some(0), "{stream} closed, {format}");
        let summary = std::fs::read_to_string(out.join("summary.json")).unwrap();
        assert!(summary.contains("\"replications\": 3"), "{stream}");
    }
}
