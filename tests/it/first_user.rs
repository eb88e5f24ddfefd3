//! What a first real user hit (issue 10): the CI loop of docs/ci-guide.md
//! on the bundled scenarios, `check` without assertions, warnings that reach
//! the reader, a report that states its terms and its answer, whole-number
//! sweeps, named pilot partners, and plain-word messages.

use predicates::prelude::*;

use serde_json::json;

use super::common::{bin, repo_file, stderr_of, stdout_of, Scenario};

/// A small two-region scenario.
fn small() -> Scenario {
    Scenario::new(json!({
        "name": "small", "horizon_days": 30, "replications": 8, "seed": 3,
        "leads": {"arrivals_per_day": 30, "segments": [
            {"name": "na", "region": "na", "share": 0.6},
            {"name": "emea", "region": "emea", "share": 0.4}]},
        "partners": [
            {"name": "Fast", "count": 2, "regions": ["na", "emea"], "capacity": 8,
             "response_hours": {"fixed": 1}},
            {"name": "Slow", "count": 2, "regions": ["na", "emea"], "capacity": 2,
             "response_hours": {"fixed": 40}}],
        "policies": [
            {"name": "rr", "routing": {"rule": "round_robin"}},
            {"name": "ll", "routing": {"rule": "least_loaded"}}]
    }))
}

fn write(dir: &std::path::Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn the_ci_guide_loop_passes_on_every_bundled_scenario() {
    // The loop exactly as docs/ci-guide.md prints it (less the install
    // line), run from the repository root with this build on PATH.
    let guide = std::fs::read_to_string(repo_file("docs/ci-guide.md")).unwrap();
    let start = guide.find("status=0").expect("the guide has the loop");
    let end = guide[start..].find("exit $status").expect("the loop ends") + start;
    let script = format!("set -euo pipefail\n{}exit $status\n", &guide[start..end]);
    assert!(script.contains("leadsim check \"$f\""), "{script}");
    let bin_dir = assert_cmd::cargo::cargo_bin("leadsim")
        .parent()
        .unwrap()
        .to_path_buf();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let output = std::process::Command::new("bash")
        .arg("-c")
        .arg(&script)
        .current_dir(repo_file(""))
        .env("PATH", path)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // Every scenario was checked, with at least one assertion each.
    let scenarios = std::fs::read_dir(repo_file("scenarios"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "json")
        })
        .count();
    assert_eq!(
        stdout.matches("== scenarios/").count(),
        scenarios,
        "{stdout}"
    );
    assert_eq!(
        stdout.matches(" assertions passed").count(),
        scenarios,
        "{stdout}"
    );
    assert!(!stdout.contains("FAIL"), "{stdout}");
}

#[test]
fn check_without_assertions_says_so_before_simulating() {
    let dir = tempfile::tempdir().unwrap();
    // A million replications would take minutes: the refusal must come
    // before any of them runs (the test would time out otherwise).
    let file = write(dir.path(), "s.json", &small().text());
    bin()
        .arg("check")
        .arg(&file)
        .args(["--replications", "1000000"])
        .timeout(std::time::Duration::from_secs(20))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("has no `expect` assertions"));
    bin()
        .args(["check", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("writes no files"))
        .stdout(predicate::str::contains("--out"));
}

#[test]
fn a_schema_key_is_accepted_and_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let plain = write(dir.path(), "a.json", &small().text());
    let with_schema = write(
        dir.path(),
        "b.json",
        &small()
            .merge(json!({"$schema": "./leadsim.schema.json"}))
            .text(),
    );
    let summary = |file: &std::path::Path, out: &str| {
        bin()
            .arg("run")
            .arg(file)
            .args(["--quiet", "--out"])
            .arg(dir.path().join(out))
            .assert()
            .success();
        std::fs::read(dir.path().join(out).join("summary.json")).unwrap()
    };
    assert_eq!(summary(&plain, "a"), summary(&with_schema, "b"));
}

#[test]
fn warnings_reach_stderr_with_quiet_summary_json_and_the_report() {
    let dir = tempfile::tempdir().unwrap();
    // `eu` where segments say `emea`, and shares that look like fractions
    // but sum to 0.9.
    let text = small()
        .set("partners.1.regions", json!(["na", "eu"]))
        .set("leads.segments.1.share", json!(0.3))
        .text();
    let file = write(dir.path(), "w.json", &text);
    let out = dir.path().join("out");
    let assert = bin()
        .arg("run")
        .arg(&file)
        .args(["--quiet", "--out"])
        .arg(&out)
        .assert()
        .success();
    let stderr = stderr_of(&assert);
    assert!(
        stderr.contains(
            "warning: partner `Slow`: region `eu` is in no segment (segments' regions: emea, na)"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("look like fractions but sum to 0.9, not 1"),
        "{stderr}"
    );
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    let warnings = summary["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 2, "the scenario's two: {warnings:?}");
    // What the run found: this small programme's queues grow to the
    // horizon's end, a health problem in summary.json and on stderr.
    let health = summary["health"].as_array().unwrap();
    let growing = health
        .iter()
        .find(|h| h["kind"] == "queue_growing")
        .expect("queues growing");
    let sentence = growing["sentence"].as_str().unwrap();
    assert!(sentence.contains("still growing"), "{sentence}");
    assert!(stderr.contains(&format!("problem: {sentence}")), "{stderr}");
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let top = html.find("id=\"warnings\"").expect("warnings section");
    assert!(
        top < html.find("<h2>Comparison</h2>").unwrap(),
        "warnings stand above the comparison"
    );
    assert!(html.contains("region <code>eu</code> is in no segment"));
    // Percentages that miss 100 warn too; whole-number weights do not.
    let shares = |a: f64, b: f64| {
        small()
            .set("leads.segments.0.share", json!(a))
            .set("leads.segments.1.share", json!(b))
            .text()
    };
    let pct = shares(60.0, 35.0);
    let weights = shares(2.0, 1.0);
    let m = leadsim::load_text(&pct, std::path::Path::new("p.json")).unwrap();
    assert!(
        m.warnings
            .iter()
            .any(|w| w.contains("look like percentages but sum to 95, not 100")),
        "{:?}",
        m.warnings
    );
    let m = leadsim::load_text(&weights, std::path::Path::new("w.json")).unwrap();
    assert!(m.warnings.is_empty(), "{:?}", m.warnings);
}

#[test]
fn the_report_and_table_state_terms_summary_and_assertions() {
    let dir = tempfile::tempdir().unwrap();
    let text = small()
        .merge(json!({
            "currency": "EUR",
            "expect": [{"policy": "ll", "metric": "speed.ttfc_median_hours", "better_than": "rr"},
                       {"policy": "ll", "metric": "fairness.max_share", "max": 0.01}]
        }))
        .text();
    let file = write(dir.path(), "t.json", &text);
    let out = dir.path().join("out");
    let assert = bin()
        .arg("run")
        .arg(&file)
        .arg("--out")
        .arg(&out)
        .assert()
        .code(1);
    let stdout = stdout_of(&assert);
    // Terms in the title; the summary after the table, from the verdicts:
    // least-loaded sends work to the fast partners, so its median first
    // contact is far below round robin's (rr gives the 40-hour partners
    // half the leads).
    assert!(
        stdout.contains("totals per 30-day horizon, money in EUR"),
        "{stdout}"
    );
    assert!(stdout.contains("In short:"), "{stdout}");
    assert!(
        stdout.contains("median time to first contact: ll"),
        "{stdout}"
    );
    let against = stdout
        .lines()
        .find(|l| l.contains("Against rr, ll is"))
        .expect("a sentence per policy");
    let better = against.split("clearly better on ").nth(1).unwrap_or("");
    assert!(better.contains("median time to first contact"), "{against}");
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("totals per 30-day horizon, money in EUR"));
    assert!(html.contains("Gross profit (EUR, per 30-day horizon)"));
    let short = html.find("id=\"in-short\"").expect("an executive summary");
    assert!(short < html.find("<h2>Comparison</h2>").unwrap());
    assert!(html.contains("Against rr, ll is clearly better on"));
    // Each assertion's result: one passes, one fails.
    assert!(html.contains("1 of 2 of the scenario"), "assertion count");
    assert_eq!(html.matches("<tr class=\"check\">").count(), 2);
    assert!(html.contains(">PASS<") && html.contains(">FAIL<"));
    let headline = std::fs::read_to_string(out.join("headline.svg")).unwrap();
    assert!(headline.contains("Gross profit (EUR millions, per 30-day horizon)"));
    // A currency must be a code.
    let bad = write(
        dir.path(),
        "bad.json",
        &small().merge(json!({"currency": "euros"})).text(),
    );
    bin()
        .arg("validate")
        .arg(&bad)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "currency: expected a three-letter ISO 4217 code",
        ));
}

#[test]
fn stress_worlds_get_a_robustness_sentence() {
    let dir = tempfile::tempdir().unwrap();
    let text = small()
        .merge(json!({
            "stress": [{"name": "slow-exit", "events": [{"day": 5, "partner_exit": {"partner": "Fast-1"}}]}]
        }))
        .text();
    let file = write(dir.path(), "s.json", &text);
    bin()
        .arg("run")
        .arg(&file)
        .arg("--out")
        .arg(dir.path().join("out"))
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "Most robust across the 2 worlds (the best worst case) on lead-to-win:",
        ));
}

#[test]
fn sweeps_over_whole_number_fields() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "s.json", &small().text());
    let assert = bin()
        .arg("sweep")
        .arg(&file)
        .args([
            "--set",
            "partners[Slow].capacity=2:6:2",
            "--replications",
            "4",
            "--out",
        ])
        .arg(dir.path().join("sweep"))
        .assert()
        .success();
    // A table of the points with the best per column marked.
    let stdout = stdout_of(&assert);
    assert!(stdout.contains("partners[Slow].capacity"), "{stdout}");
    let rows: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with(['2', '4', '6']))
        .collect();
    // 3 points x 2 policies (the field is no one policy's).
    assert_eq!(rows.len(), 6, "{stdout}");
    assert!(stdout.contains(" *"), "{stdout}");
    let csv_text = std::fs::read_to_string(dir.path().join("sweep/sweep.csv")).unwrap();
    for v in ["2", "4", "6"] {
        assert!(csv_text.contains(&format!("\n{v},rr,")), "{v}");
    }
    // And with the path of a whole-number policy field.
    bin()
        .arg("sweep")
        .arg(repo_file("scenarios/baseline.json"))
        .args([
            "--set",
            "policies[least-loaded].sla.max_reroutes=0:2:1",
            "--replications",
            "2",
            "--quiet",
            "--out",
        ])
        .arg(dir.path().join("sweep2"))
        .assert()
        .success();
    // A fractional value for a whole-number field names the argument and
    // the field, and says "a whole number"; no synthetic position.
    let assert = bin()
        .arg("sweep")
        .arg(&file)
        .args(["--set", "partners[Slow].capacity=2,2.5", "--quiet"])
        .assert()
        .code(2);
    let stderr = stderr_of(&assert);
    assert!(stderr.contains("partners[Slow].capacity=2.5"), "{stderr}");
    assert!(stderr.contains("takes a whole number"), "{stderr}");
    assert!(stderr.contains("2.5 is not a whole number"), "{stderr}");
    assert!(
        !stderr.contains("i64") && !stderr.contains("u32"),
        "{stderr}"
    );
    assert!(!stderr.contains("s.json:1:"), "{stderr}");
    // A grid point that fails validation names the point and the field.
    let assert = bin()
        .arg("sweep")
        .arg(&file)
        .args(["--set", "partners[Slow].capacity=0,1", "--quiet"])
        .assert()
        .code(2);
    let stderr = stderr_of(&assert);
    assert!(
        stderr.contains("sweep point partners[Slow].capacity=0 is not a valid scenario"),
        "{stderr}"
    );
    assert!(
        stderr.contains("partners[1].capacity: must be at least 1"),
        "{stderr}"
    );
}

#[test]
fn power_takes_named_pilot_partners() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "s.json", &small().text());
    bin()
        .arg("power")
        .arg(&file)
        .args([
            "--policy",
            "ll",
            "--vs",
            "rr",
            "--partners",
            "Fast,Slow-1",
            "--weeks",
            "2",
            "--pilots",
            "40",
            "--out",
        ])
        .arg(dir.path().join("p"))
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "3 partners (Fast-1, Fast-2, Slow-1)",
        ));
    bin()
        .arg("power")
        .arg(&file)
        .args([
            "--policy",
            "ll",
            "--vs",
            "rr",
            "--partners",
            "Fats",
            "--weeks",
            "2",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("`Fats` names no partner"))
        .stderr(predicate::str::contains("did you mean `Fast-1`?"));
}

#[test]
fn messages_use_plain_words_and_docs_name_what_exists() {
    let dir = tempfile::tempdir().unwrap();
    let text = small().set("partners.0.capacity", json!(8.5)).text();
    let file = write(dir.path(), "s.json", &text);
    let assert = bin().arg("validate").arg(&file).assert().code(2);
    let stderr = stderr_of(&assert);
    assert!(stderr.contains("expected a whole number"), "{stderr}");
    for rust in ["f64", "i64", "u32", "u64", "usize"] {
        assert!(!stderr.contains(rust), "{stderr}");
    }
    // An unknown baseline lists the policies.
    let text = small().merge(json!({"baseline": "round-robin"})).text();
    let file = write(dir.path(), "b.json", &text);
    bin()
        .arg("validate")
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("(the policies are `rr`, `ll`)"));
    // trace --help names the file it writes; the README lists merge.
    bin()
        .args(["trace", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "trace-<policy>-<world>-<replication>.csv",
        ));
    let readme = std::fs::read_to_string(repo_file("README.md")).unwrap();
    let commands = &readme[readme.find("## Commands").unwrap()..];
    assert!(
        commands.contains("leadsim merge"),
        "README commands list merge"
    );
    // The incentives scenario's description matches its patience.
    let incentives = std::fs::read_to_string(repo_file("scenarios/incentives.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&incentives).unwrap();
    let patience = v["partners"][0]["patience_periods"].as_u64().unwrap();
    let words = ["", "one", "two", "three", "four"];
    assert!(
        v["description"]
            .as_str()
            .unwrap()
            .contains(&format!("{} reviews in a row", words[patience as usize])),
        "{}",
        v["description"]
    );
}
