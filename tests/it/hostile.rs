//! Hostile input (issue 17): scenarios, data files, output paths and shard
//! parts are untrusted. Every case of the corpus in `tests/data/hostile/`
//! (listed with its expected exit code and message in `cases.json`) runs
//! under a memory limit and a time limit: it is refused with exit 2 and a
//! message naming the field, or runs bounded. Never a panic (exit 101), a
//! hang (the time limit) or an unbounded allocation (the memory limit,
//! which aborts the process).

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::common::{bin, repo_file, stderr_of};

/// Virtual memory a case may use, in KiB (`ulimit -v`): generous for two
/// worker threads, far below what the resource bombs used to allocate.
const MEMORY_KIB: u64 = 3 * 1024 * 1024;

/// Runs the binary with `args` in `dir` under the memory limit and a time
/// limit; returns (exit code, stderr).
fn run_limited(dir: &Path, args: &[String], seconds: u64) -> (Option<i32>, String) {
    let binary = assert_cmd::cargo::cargo_bin("leadsim");
    let quoted: Vec<String> = args
        .iter()
        .map(|a| format!("'{}'", a.replace('\'', "'\\''")))
        .collect();
    let script = format!(
        "ulimit -v {MEMORY_KIB}; exec '{}' {}",
        binary.display(),
        quoted.join(" ")
    );
    let output = assert_cmd::Command::new("bash")
        .arg("-c")
        .arg(script)
        .current_dir(dir)
        .timeout(Duration::from_secs(seconds))
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[derive(serde::Deserialize)]
struct Case {
    file: String,
    args: Vec<String>,
    exit: i32,
    stderr: Vec<String>,
    class: String,
}

#[test]
fn every_hostile_case_is_refused_or_bounded() {
    let corpus = repo_file("tests/data/hostile");
    let cases: serde_json::Value =
        serde_json::from_slice(&std::fs::read(corpus.join("cases.json")).unwrap()).unwrap();
    let cases: Vec<Case> = serde_json::from_value(cases["cases"].clone()).unwrap();
    assert!(cases.len() >= 20, "the corpus has {} cases", cases.len());
    let out = tempfile::tempdir().unwrap();
    for case in &cases {
        let mut args = case.args.clone();
        args.push(corpus.join(&case.file).display().to_string());
        if args[0] == "run" {
            args.push("--out".into());
            args.push(out.path().join(&case.file).display().to_string());
        }
        let (code, stderr) = run_limited(out.path(), &args, 60);
        assert_eq!(
            code,
            Some(case.exit),
            "{} ({}): exit {code:?}\n{stderr}",
            case.file,
            case.class
        );
        assert!(!stderr.contains("panicked"), "{}: {stderr}", case.file);
        for needle in &case.stderr {
            assert!(
                stderr.contains(needle.as_str()),
                "{} ({}): expected `{needle}` in\n{stderr}",
                case.file,
                case.class
            );
        }
    }
    // Formula injection: the hostile partner name is neutralised in every
    // CSV the run wrote.
    let partners =
        std::fs::read_to_string(out.path().join("formula-partner.json/partners.csv")).unwrap();
    assert!(partners.contains(",'=cmd|"), "{partners}");
    assert!(!partners.contains(",=cmd|"), "{partners}");
}

/// A scenario with a list made enormous, written to `dir`.
fn bomb(dir: &Path, name: &str, edit: impl FnOnce(&mut serde_json::Value)) -> PathBuf {
    let text =
        std::fs::read_to_string(repo_file("tests/data/hostile/fee-near-limit.json")).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    edit(&mut v);
    let path = dir.join(name);
    std::fs::write(&path, v.to_string()).unwrap();
    path
}

#[test]
fn huge_lists_are_refused_quickly() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cases = [
        (
            bomb(d, "worlds.json", |v| {
                v["stress"] = (0..100_000)
                    .map(|i| serde_json::json!({"name": format!("w{i}"), "events": []}))
                    .collect();
            }),
            "stress: has 100000 entries; at most 200",
        ),
        (
            bomb(d, "policies.json", |v| {
                v["policies"] = (0..100_000)
                    .map(|i| serde_json::json!({"name": format!("p{i}")}))
                    .collect();
            }),
            "policies: has 100000 entries; at most 200",
        ),
        (
            bomb(d, "segments.json", |v| {
                v["leads"]["segments"] = (0..100_000)
                    .map(|i| serde_json::json!({"name": format!("s{i}")}))
                    .collect();
            }),
            "leads.segments: has 100000 entries; at most 10000",
        ),
        (
            bomb(d, "count.json", |v| {
                v["partners"] = (0..50)
                    .map(|i| serde_json::json!({"name": format!("L{i}"), "count": 100_000}))
                    .collect();
            }),
            "5000000 partners after `count`; at most 10000",
        ),
    ];
    for (file, needle) in cases {
        let (code, stderr) = run_limited(d, &["validate".into(), file.display().to_string()], 20);
        assert_eq!(code, Some(2), "{}: {stderr}", file.display());
        assert!(stderr.contains(needle), "{}: {stderr}", file.display());
    }
    // Command-line bombs: clap's ranges and the grid and work bounds.
    let small = repo_file("tests/data/hostile/fee-near-limit.json")
        .display()
        .to_string();
    for (args, needle) in [
        (
            vec!["run", &small, "--replications", "1000000000"],
            "--replications",
        ),
        (
            vec![
                "sweep",
                &small,
                "--set",
                "partners[Acme].capacity=1:1000:1",
                "--set",
                "horizon_days=1:1000:1",
            ],
            "the grid has 1000000 points; at most 10000",
        ),
        (
            vec![
                "power",
                &small,
                "--policy",
                "paid",
                "--vs",
                "rr",
                "--partners",
                "2",
                "--weeks",
                "2",
                "--pilots",
                "1000000000000",
            ],
            "--pilots",
        ),
    ] {
        let args: Vec<String> = args.into_iter().map(String::from).collect();
        let (code, stderr) = run_limited(d, &args, 20);
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
    }
}

#[test]
fn output_paths_that_are_not_regular_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = repo_file("tests/data/hostile/fee-near-limit.json");
    // A symbolic link in place of the trace file: refused, and the link's
    // target untouched.
    let target = dir.path().join("target.txt");
    std::fs::write(&target, "keep").unwrap();
    let link = dir.path().join("trace.csv");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    bin()
        .current_dir(dir.path())
        .arg("trace")
        .arg(&scenario)
        .args(["--policy", "rr", "--out"])
        .arg(&link)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("is not a regular file"));
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep");
    // A device as --out of trace, and a file where the output folder goes.
    bin()
        .current_dir(dir.path())
        .arg("trace")
        .arg(&scenario)
        .args(["--policy", "rr", "--out", "/dev/null"])
        .assert()
        .code(2);
    let file = dir.path().join("not-a-folder");
    std::fs::write(&file, "x").unwrap();
    bin()
        .arg("run")
        .arg(&scenario)
        .args(["--replications", "2", "--quiet", "--out"])
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("is not a folder"));
    // merge and diff refuse devices and FIFOs instead of reading for ever.
    let fifo = dir.path().join("fifo");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    for args in [
        vec!["merge".to_string(), "/dev/zero".into()],
        vec!["merge".to_string(), fifo.display().to_string()],
        vec!["diff".to_string(), "/dev/zero".into(), "/dev/zero".into()],
        vec!["validate".to_string(), fifo.display().to_string()],
    ] {
        let (code, stderr) = run_limited(dir.path(), &args, 20);
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("not a regular file"), "{args:?}: {stderr}");
    }
    // A FIFO as a data file inside the scenario's own folder.
    let text = std::fs::read_to_string(&scenario).unwrap().replace(
        r#""name": "Acme","#,
        r#""name": "Acme", "work_days": {"empirical": {"csv": "fifo", "column": "x"}},"#,
    );
    let in_dir = dir.path().join("s.json");
    std::fs::write(&in_dir, text).unwrap();
    let (code, stderr) = run_limited(dir.path(), &["validate".into(), "s.json".into()], 20);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("not a regular file"), "{stderr}");
}

#[test]
fn data_files_outside_the_tree_need_a_data_root() {
    let outer = tempfile::tempdir().unwrap();
    let scenarios = outer.path().join("scenarios");
    std::fs::create_dir_all(&scenarios).unwrap();
    std::fs::write(
        outer.path().join("times.csv"),
        format!("hours\n1\n2\n{}\n", "x".repeat(100_000)),
    )
    .unwrap();
    let text = std::fs::read_to_string(repo_file("tests/data/hostile/fee-near-limit.json"))
        .unwrap()
        .replace(
            r#""name": "Acme","#,
            r#""name": "Acme", "work_days": {"empirical": {"csv": "../times.csv", "column": "hours"}},"#,
        );
    let file = scenarios.join("s.json");
    std::fs::write(&file, text).unwrap();
    bin()
        .arg("validate")
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "not a file inside the scenario's folder",
        ));
    // Allowed with --data-root; the 100,000-character cell is quoted as a
    // short excerpt.
    let assert = bin()
        .arg("validate")
        .arg(&file)
        .arg("--data-root")
        .arg(outer.path())
        .assert()
        .code(2);
    let stderr = stderr_of(&assert);
    assert!(stderr.contains("is not a number"), "{stderr}");
    assert!(stderr.len() < 1_000, "{} bytes of error", stderr.len());
}

#[test]
fn a_byte_order_mark_is_accepted_and_columns_count_characters() {
    let corpus = repo_file("tests/data/hostile");
    bin()
        .arg("validate")
        .arg(corpus.join("bom.json"))
        .assert()
        .success();
    // An error after non-ASCII text on its line: the column counts
    // characters (é is two bytes), as an editor does.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.json");
    std::fs::write(
        &file,
        "{\"name\": \"café\", \"horizon_days\": \"x\",\n \"leads\": {}, \"partners\": [{\"name\": \"a\"}], \"policies\": [{\"name\": \"p\"}]}",
    )
    .unwrap();
    // serde reports the error at byte 37 of the line, where `"x"` ends; é
    // is two bytes, so that is character 36.
    bin()
        .arg("validate")
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("s.json:1:36: horizon_days"));
}
