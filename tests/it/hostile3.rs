//! Hostile input, third round (issue 37): what the newest features let
//! through. Scenario-file cases are in the corpus (`tests/data/hostile/`,
//! `cases.json`); these are the command-line and data-file cases.

use std::path::Path;

use super::common::{bin, repo_file, stderr_of};

/// Runs `args` in `dir`; exit code and standard error.
fn run(dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    let out = bin().current_dir(dir).args(args).output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn refused(dir: &Path, args: &[&str], needles: &[&str]) {
    let (code, stderr) = run(dir, args);
    assert_eq!(code, Some(2), "{args:?}: {stderr}");
    assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    for n in needles {
        assert!(stderr.contains(n), "{args:?}: expected `{n}` in {stderr}");
    }
}

#[test]
fn varied_seeds_replications_and_repeated_fields_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let s = repo_file("tests/data/hostile/fee-near-limit.json")
        .display()
        .to_string();
    let d = dir.path();
    for field in ["seed", "replications"] {
        refused(
            d,
            &["sweep", &s, "--set", &format!("{field}=1,2"), "--quiet"],
            &[
                &format!("`{field}` cannot be varied"),
                &format!("--{field}"),
            ],
        );
        refused(
            d,
            &[
                "sensitivity",
                &s,
                "--policy",
                "paid",
                "--vs",
                "rr",
                "--metric",
                "conversion.lead_to_win",
                "--vary",
                &format!("{field}=1:5"),
                "--quiet",
            ],
            &[&format!("`{field}` cannot be varied")],
        );
        refused(
            d,
            &[
                "optimize",
                &s,
                "--policy",
                "paid",
                "--maximize",
                "economics.gross_profit",
                "--vary",
                &format!("{field}=1:5"),
                "--quiet",
            ],
            &[&format!("`{field}` cannot be varied")],
        );
    }
    refused(
        d,
        &[
            "sweep",
            &s,
            "--set",
            "horizon_days=10,20",
            "--set",
            "horizon_days=30,40",
            "--quiet",
        ],
        &["--set `horizon_days` is given twice"],
    );
    refused(
        d,
        &[
            "sensitivity",
            &s,
            "--policy",
            "paid",
            "--vs",
            "rr",
            "--metric",
            "conversion.lead_to_win",
            "--vary",
            "horizon_days=10:20",
            "--vary",
            "horizon_days=12:30",
            "--quiet",
        ],
        &["--vary `horizon_days` is given twice"],
    );
    // Nothing was written.
    assert!(!d.join("output").exists());
}

#[test]
fn trace_of_a_replication_the_run_does_not_have_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let s = repo_file("tests/data/hostile/fee-near-limit.json")
        .display()
        .to_string();
    refused(
        dir.path(),
        &["trace", &s, "--policy", "rr", "--replication", "500"],
        &["--replication 500", "runs replications 0 to"],
    );
}

#[test]
fn diff_counts_a_metric_that_disappears_and_refuses_repeated_entries() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let s = repo_file("tests/data/hostile/fee-near-limit.json");
    bin()
        .arg("run")
        .arg(&s)
        .args(["--replications", "3", "--quiet", "--out"])
        .arg(d.join("a"))
        .assert()
        .success();
    let old = d.join("a/summary.json");
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&old).unwrap()).unwrap();
    v["results"][0]["metrics"]
        .as_object_mut()
        .unwrap()
        .remove("conversion.lead_to_win");
    let new = d.join("new.json");
    std::fs::write(&new, v.to_string()).unwrap();
    let out = bin()
        .args(["diff", "--fail-on-change"])
        .arg(&old)
        .arg(&new)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "a metric gone is a change");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("gone  ") && text.contains("conversion.lead_to_win"),
        "{text}"
    );
    // One policy in one world twice.
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&old).unwrap()).unwrap();
    let first = v["results"][0].clone();
    v["results"].as_array_mut().unwrap().push(first);
    std::fs::write(&new, v.to_string()).unwrap();
    let out = bin().arg("diff").arg(&old).arg(&new).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("twice"));
    // A key repeated in the JSON itself.
    let text = std::fs::read_to_string(&old).unwrap();
    let doubled = text.replacen("\"scenario\":", "\"scenario\": \"x\", \"scenario\":", 1);
    std::fs::write(&new, doubled).unwrap();
    let out = bin().arg("diff").arg(&old).arg(&new).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("given twice"));
}

#[test]
fn calibrate_refuses_ambiguous_columns_impossible_rows_and_quotes_cells_briefly() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let export = repo_file("scenarios/data/crm-export.csv")
        .display()
        .to_string();
    refused(
        d,
        &[
            "calibrate",
            &export,
            "--columns",
            "partner=region",
            "--out",
            "c.json",
        ],
        &["`region` and `partner` would both read the column `region`"],
    );
    refused(
        d,
        &[
            "calibrate",
            &export,
            "--columns",
            "partner=region,partner=vertical",
            "--out",
            "c.json",
        ],
        &["`partner` is mapped twice"],
    );
    let header = "lead_id,created_at,region,vertical,score,partner,first_contact_at,qualified,closed_at,won,amount\n";
    // Closed before its first contact.
    std::fs::write(
        d.join("closed.csv"),
        format!("{header}a,2026-07-01T09:00:00Z,na,t,0.5,P,2026-07-05T00:00:00Z,true,2026-07-03T00:00:00Z,false,\n"),
    )
    .unwrap();
    refused(
        d,
        &["calibrate", "closed.csv", "--out", "c.json"],
        &["line 2", "closed_at", "before its first contact"],
    );
    // A huge cell with an escape sequence: quoted briefly, escaped.
    let huge = format!("\u{1b}[31m{}", "x".repeat(1_000_000));
    std::fs::write(
        d.join("huge.csv"),
        format!("{header}a,{huge},na,t,0.5,P,,,,,\n"),
    )
    .unwrap();
    let (code, stderr) = run(d, &["calibrate", "huge.csv", "--out", "c.json"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.len() < 2_000, "{} bytes of error", stderr.len());
    assert!(!stderr.contains('\u{1b}'), "an escape reached the terminal");
    assert!(stderr.contains("\\u{1b}"), "{stderr}");
    // Amounts beyond the magnitude every number keeps.
    std::fs::write(
        d.join("big.csv"),
        format!("{header}a,2026-07-01T09:00:00Z,na,t,0.5,P,2026-07-02T00:00:00Z,true,2026-07-03T00:00:00Z,true,1e308\n"),
    )
    .unwrap();
    refused(
        d,
        &["calibrate", "big.csv", "--out", "c.json"],
        &["column `amount`", "beyond"],
    );
    assert!(!d.join("c.json").exists());
}

#[test]
fn replay_files_hold_to_the_scenarios_rules() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let scenario = |csv: &str| {
        let path = d.join(format!("{csv}.json"));
        std::fs::write(
            &path,
            serde_json::json!({
                "name": "r", "horizon_days": 90,
                "leads": {"replay": {"csv": format!("{csv}.csv"), "mode": "bootstrap"}},
                "partners": [{"name": "A"}], "policies": [{"name": "p"}]
            })
            .to_string(),
        )
        .unwrap();
        path.display().to_string()
    };
    let cases: [(&str, String, &str); 5] = [
        (
            "both",
            "arrival_day,quality,score,deal_size\n1,0.5,0.4,100\n".into(),
            "both a `quality` and a `score` column",
        ),
        (
            "dupcol",
            "arrival_day,score,score,deal_size\n1,0.5,0.4,100\n".into(),
            "the column `score` is named twice (columns 2 and 3)",
        ),
        (
            "bigdeal",
            "arrival_day,score,deal_size\n1,0.5,1e307\n2,0.5,100\n".into(),
            "row 2, column `deal_size`: 1e307 is beyond",
        ),
        (
            "ctrl",
            "arrival_day,region,score,deal_size\n1,\"a\u{1b}b\",0.5,100\n2,na,0.5,100\n".into(),
            "row 2, column `region`: `a\\u{1b}b` is not a name",
        ),
        (
            "segments",
            std::iter::once("arrival_day,region,score,deal_size".to_string())
                .chain((0..10_001).map(|i| format!("{},r{i},0.5,100", i / 200)))
                .collect::<Vec<_>>()
                .join("\n"),
            "10001 (region, vertical) combinations, each a segment; at most 10000",
        ),
    ];
    for (name, csv, needle) in cases {
        std::fs::write(d.join(format!("{name}.csv")), csv).unwrap();
        refused(
            d,
            &["validate", &scenario(name)],
            &["leads.replay.csv", needle],
        );
    }
    // One stray date stretches the historical rate: said, not silent.
    let mut rows = vec!["arrival_day,score,deal_size".to_string()];
    rows.extend((0..1940).map(|i| format!("{:.3},0.5,100", i as f64 * 90.0 / 1940.0)));
    rows.push("5000,0.5,100".into());
    std::fs::write(d.join("outlier.csv"), rows.join("\n")).unwrap();
    let (code, stderr) = run(d, &["validate", &scenario("outlier")]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("warning: leads.replay: 1941 leads over 5000 days")
            && stderr.contains("between rows 1941 and 1942"),
        "{stderr}"
    );
}

#[test]
fn settings_that_never_act_are_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.json");
    std::fs::write(
        &path,
        serde_json::json!({
            "name": "w", "horizon_days": 30,
            "leads": {"arrivals_per_day": 5, "segments": [{"name": "all", "region": "na"}]},
            "partners": [{"name": "A", "regions": ["na"], "exclusive": {"region": "na"}}],
            "policies": [{"name": "p",
                "exclusivity": {"max_sla_breach_rate": 0.3},
                "payout": {"spiffs": [{"region": "na", "from_day": 40, "to_day": 60, "amount": 100}]}}]
        })
        .to_string(),
    )
    .unwrap();
    let out = bin().arg("validate").arg(&path).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains(
            "payout.spiffs[0] starts on day 40, at or after the horizon (30 days): it never pays"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("exclusivity.max_sla_breach_rate has no SLA to measure"),
        "{stderr}"
    );
}

#[test]
fn an_out_that_is_a_regular_file_is_called_one() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("out.txt");
    std::fs::write(&file, "mine").unwrap();
    let s = repo_file("tests/data/hostile/fee-near-limit.json");
    let assert = bin()
        .arg("run")
        .arg(&s)
        .args(["--replications", "2", "--quiet", "--out"])
        .arg(&file)
        .assert()
        .code(2);
    assert!(stderr_of(&assert).contains("exists and is not a folder (a regular file)"));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "mine");
}

#[test]
fn calibrate_handles_many_owners_and_times_without_spread() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let header = "lead_id,created_at,region,vertical,score,partner,first_contact_at,qualified,closed_at,won,amount\n";
    let rows = |owners: usize, leads: usize| -> String {
        let mut s = header.to_string();
        for i in 0..leads {
            let day = 1 + i % 28;
            s.push_str(&format!(
                "L{i},2026-07-{day:02}T09:00:00Z,na,tech,0.5,O{},2026-07-{day:02}T12:00:00Z,true,,,\n",
                i % owners
            ));
        }
        s
    };
    // Every response exactly 3 hours: a fixed time, not an invalid
    // lognormal; two thousand owners fit (the empirical-Bayes prior sums
    // each distinct count once).
    std::fs::write(d.join("flat.csv"), rows(2000, 4000)).unwrap();
    let (code, stderr) = run(
        d,
        &["calibrate", "flat.csv", "--out", "flat.json", "--quiet"],
    );
    assert_eq!(code, Some(0), "{stderr}");
    let fitted: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.join("flat.json")).unwrap()).unwrap();
    assert_eq!(
        fitted["partners"][0]["response_hours"],
        serde_json::json!({"fixed": 3.0})
    );
    assert_eq!(fitted["partners"].as_array().unwrap().len(), 2000);
    // More owners than a scenario holds partners: said before any fitting.
    std::fs::write(d.join("many.csv"), rows(10_001, 10_001)).unwrap();
    refused(
        d,
        &["calibrate", "many.csv", "--out", "many.json"],
        &["10001 distinct partners", "at most 10000"],
    );
}

#[test]
fn a_varied_field_that_breaks_the_scenario_is_placed_in_the_users_file() {
    // The third policy's SLA sits on lines 13 and 14 of the file: an
    // optimize or sensitivity range that breaks it is reported there, as
    // policies[2], not at line 1 of a document leadsim wrote for itself.
    let dir = tempfile::tempdir().unwrap();
    let text = "{\n  \"name\": \"three\",\n  \"horizon_days\": 20,\n  \"replications\": 3,\n  \"leads\": {\"arrivals_per_day\": 10},\n  \"partners\": [{\"name\": \"A\", \"capacity\": 5}],\n  \"house\": {\"capacity\": 3},\n  \"policies\": [\n    {\"name\": \"a\"},\n    {\"name\": \"b\"},\n    {\"name\": \"c\",\n     \"sla\": {\n       \"first_contact_hours\": 24,\n       \"max_reroutes\": 1\n     }\n    }\n  ]\n}\n";
    let file = dir.path().join("three.json");
    std::fs::write(&file, text).unwrap();
    let f = file.display().to_string();
    refused(
        dir.path(),
        &[
            "optimize",
            &f,
            "--policy",
            "c",
            "--vary",
            "policies[c].sla.first_contact_hours=-5:10",
            "--maximize",
            "economics.gross_profit",
            "--quiet",
        ],
        &[&format!("{f}:13:31: policies[2].sla.first_contact_hours")],
    );
    refused(
        dir.path(),
        &[
            "sensitivity",
            &f,
            "--policy",
            "c",
            "--vs",
            "a",
            "--metric",
            "conversion.lead_to_win",
            "--vary",
            "policies[c].sla.max_reroutes=-3:2",
            "--quiet",
        ],
        &[&format!("{f}:14:24: policies[2].sla.max_reroutes")],
    );
}

#[test]
fn a_nested_score_tiered_lists_every_rule_it_could_be() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("st.json");
    std::fs::write(
        &path,
        serde_json::json!({
            "name": "x", "leads": {"arrivals_per_day": 5}, "partners": [{"name": "A"}],
            "policies": [{"name": "p", "routing": {"rule": "score_tiered",
                "tiers": [{"min_score": 0.5, "partner_tiers": ["standard"]}], "then": "score_tiered"}}]
        })
        .to_string(),
    )
    .unwrap();
    let needles: Vec<String> = leadsim::model::Rule::ALL
        .iter()
        .map(|r| format!("`{}`", r.name()))
        .collect();
    let mut all: Vec<&str> = needles.iter().map(String::as_str).collect();
    all.push("policies[0].routing.then");
    refused(dir.path(), &["validate", &path.display().to_string()], &all);
    assert_eq!(leadsim::model::Rule::ALL.len(), 6);
}
