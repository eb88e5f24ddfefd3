//! The output folder: no command deletes or overwrites a file it did not
//! write, a folder holds one command's complete set, and leadsim's own
//! working names cannot be claimed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use assert_cmd::prelude::*;
use serde_json::json;

fn leadsim() -> Command {
    Command::cargo_bin("leadsim").unwrap()
}

fn repo_file(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// A small scenario with two policies, a house and an assertion: every
/// command below runs on it in a fraction of a second.
fn small(dir: &Path, name: &str) -> PathBuf {
    let doc = json!({
        "name": name,
        "seed": 3,
        "replications": 2,
        "horizon_days": 20,
        "leads": {"arrivals_per_day": 15},
        "partners": [
            {"name": "A", "count": 2, "capacity": 4},
            {"name": "B", "capacity": 6}
        ],
        "house": {"capacity": 3},
        "policies": [
            {"name": "rr"},
            {"name": "ll", "routing": {"rule": "least_loaded"},
             "sla": {"first_contact_hours": 24, "max_reroutes": 1}}
        ],
        "expect": [{"policy": "ll", "metric": "volume.routed", "min": 0}]
    });
    let path = dir.join(format!("{name}.json"));
    std::fs::write(&path, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    path
}

/// Every entry below `dir` with its bytes (folders as a marker).
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    fn walk(root: &Path, at: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(at).unwrap() {
            let e = e.unwrap();
            let rel = e
                .path()
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            if e.file_type().unwrap().is_dir() {
                out.insert(format!("{rel}/"), Vec::new());
                walk(root, &e.path(), out);
            } else {
                out.insert(rel, std::fs::read(e.path()).unwrap());
            }
        }
    }
    walk(dir, dir, &mut out);
    out
}

/// A user's project folder: a scenario, a text file and a subfolder.
fn project(dir: &Path) -> PathBuf {
    let proj = dir.join("proj");
    std::fs::create_dir_all(proj.join("data")).unwrap();
    small(&proj, "mine");
    std::fs::write(proj.join("notes.txt"), "my notes\n").unwrap();
    std::fs::write(proj.join("data").join("keep.csv"), "a,b\n1,2\n").unwrap();
    proj
}

/// Each command that writes a folder, as arguments before `--out DIR`,
/// given a scenario and a scratch folder holding what it needs (a shard
/// part for `merge`).
fn folder_commands(scenario: &Path, scratch: &Path) -> Vec<(&'static str, Vec<String>)> {
    let s = scenario.display().to_string();
    let part = scratch.join("part-0-of-1.json");
    if !part.exists() {
        leadsim()
            .args(["run", &s, "--shard", "0/1", "--quiet", "--out"])
            .arg(scratch)
            .assert()
            .success();
    }
    let export = repo_file("scenarios/data/crm-export.csv")
        .display()
        .to_string();
    let truth = repo_file("scenarios/data/crm-ground-truth.json")
        .display()
        .to_string();
    let v = |a: &[&str]| a.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    vec![
        ("run", v(&["run", &s, "--quiet"])),
        ("check", v(&["check", &s])),
        (
            "sweep",
            v(&[
                "sweep",
                &s,
                "--set",
                "policies[ll].sla.first_contact_hours=8,24",
                "--quiet",
            ]),
        ),
        (
            "optimize",
            v(&[
                "optimize",
                &s,
                "--policy",
                "ll",
                "--vary",
                "policies[ll].sla.first_contact_hours=4:48",
                "--maximize",
                "economics.gross_profit",
                "--budget",
                "3",
                "--quiet",
            ]),
        ),
        (
            "sensitivity",
            v(&[
                "sensitivity",
                &s,
                "--policy",
                "ll",
                "--vs",
                "rr",
                "--metric",
                "conversion.lead_to_win",
                "--vary",
                "leads.arrivals_per_day=10:20",
                "--quiet",
            ]),
        ),
        (
            "power",
            v(&[
                "power",
                &s,
                "--policy",
                "ll",
                "--vs",
                "rr",
                "--partners",
                "3",
                "--weeks",
                "2",
                "--pilots",
                "20",
            ]),
        ),
        (
            "backtest",
            v(&[
                "backtest",
                &truth,
                "--history",
                &export,
                "--policy",
                "round-robin",
                "--replications",
                "2",
                "--quiet",
            ]),
        ),
        (
            "merge",
            v(&["merge", &part.display().to_string(), "--quiet"]),
        ),
        (
            "calibrate",
            vec![
                "calibrate".into(),
                export.clone(),
                "--quiet".into(),
                "--out".into(),
                scratch.join("calibrated.json").display().to_string(),
                "--report".into(),
            ],
        ),
    ]
}

/// The `--out` flag of a command (calibrate's folder is `--report`).
fn with_out(args: &[String], dir: &Path) -> Vec<String> {
    let mut a = args.to_vec();
    if a[0] != "calibrate" {
        a.push("--out".into());
    }
    a.push(dir.display().to_string());
    a
}

#[test]
fn every_command_refuses_a_folder_of_the_users_and_leaves_it_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let scratch = dir.path().join("scratch");
    std::fs::create_dir(&scratch).unwrap();
    let scenario = small(&scratch, "small");
    let proj = project(dir.path());
    let before = snapshot(dir.path());
    let before_proj = snapshot(&proj);
    for (name, args) in folder_commands(&scenario, &scratch) {
        let before_scratch = snapshot(&scratch);
        let out = leadsim().args(with_out(&args, &proj)).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {err}");
        assert!(
            err.contains("holds files leadsim did not write")
                && err.contains("`notes.txt`")
                && err.contains("`data/`"),
            "{name}: {err}"
        );
        // Refused before anything is simulated or written: the project,
        // its parent (no lock, no staging folder) and the scratch folder
        // are as they were.
        assert_eq!(snapshot(&proj), before_proj, "{name} changed the project");
        assert_eq!(snapshot(&scratch), before_scratch, "{name}");
        let mut now = snapshot(dir.path());
        now.retain(|k, _| !k.starts_with("scratch"));
        let mut was = before.clone();
        was.retain(|k, _| !k.starts_with("scratch"));
        assert_eq!(now, was, "{name} changed the folder tree");
        // The same command into a new folder works and names itself in the
        // manifest (a refusal of every folder would pass the lines above).
        let fresh = scratch.join(format!("out-{name}"));
        let out = leadsim().args(with_out(&args, &fresh)).output().unwrap();
        // backtest exits 1 when a KPI falls outside its band (2 replications
        // make narrow bands), with its files written.
        let ok = out.status.success() || (name == "backtest" && out.status.code() == Some(1));
        assert!(ok, "{name}: {}", String::from_utf8_lossy(&out.stderr));
        let manifest: serde_json::Value =
            serde_json::from_slice(&std::fs::read(fresh.join(".leadsim.json")).unwrap()).unwrap();
        assert_eq!(manifest["written_by"], format!("leadsim {name}"));
        // And again into the folder it wrote: its own set is replaced.
        let out = leadsim().args(with_out(&args, &fresh)).output().unwrap();
        assert_ne!(out.status.code(), Some(2), "{name} again");
    }
}

#[test]
fn every_command_refuses_the_current_folder_before_simulating() {
    let dir = tempfile::tempdir().unwrap();
    let scratch = dir.path().join("scratch");
    std::fs::create_dir(&scratch).unwrap();
    let scenario = small(&scratch, "small");
    // An empty current folder: even then `.` cannot be swapped out.
    let here = dir.path().join("here");
    std::fs::create_dir(&here).unwrap();
    for (name, args) in folder_commands(&scenario, &scratch) {
        for out_arg in [".", "..", "../here"] {
            let out = leadsim()
                .current_dir(&here)
                .args(with_out(&args, Path::new(out_arg)))
                .output()
                .unwrap();
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{name} {out_arg}: {err}");
            assert!(
                err.contains("must be a folder of its own"),
                "{name} {out_arg}: {err}"
            );
            assert!(!err.contains("busy"), "{err}");
        }
        assert_eq!(std::fs::read_dir(&here).unwrap().count(), 0, "{name}");
    }
}

#[test]
fn a_users_file_in_a_leadsim_folder_is_carried_over_and_sets_do_not_mix() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = small(dir.path(), "small");
    let out = dir.path().join("out");
    let s = scenario.display().to_string();
    leadsim()
        .args([
            "optimize",
            &s,
            "--policy",
            "ll",
            "--vary",
            "policies[ll].sla.first_contact_hours=4:48",
            "--maximize",
            "economics.gross_profit",
            "--budget",
            "3",
            "--quiet",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    assert!(out.join("best.json").is_file());
    assert!(out.join("optimize.csv").is_file());
    // The user adds notes and a folder of their own to leadsim's folder.
    std::fs::write(out.join("notes.txt"), "keep me\n").unwrap();
    std::fs::create_dir(out.join("mine")).unwrap();
    std::fs::write(out.join("mine").join("x.txt"), "x\n").unwrap();
    leadsim()
        .args(["run", &s, "--quiet", "--out"])
        .arg(&out)
        .assert()
        .success();
    let names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!names.contains(&"best.json".to_string()), "{names:?}");
    assert!(!names.contains(&"optimize.csv".to_string()), "{names:?}");
    assert!(!names.contains(&"optimize-convergence.svg".to_string()));
    assert_eq!(
        std::fs::read_to_string(out.join("notes.txt")).unwrap(),
        "keep me\n"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("mine").join("x.txt")).unwrap(),
        "x\n"
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join(".leadsim.json")).unwrap()).unwrap();
    assert_eq!(manifest["written_by"], "leadsim run");
    let listed: Vec<&str> = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(listed.contains(&"summary.json") && !listed.contains(&"notes.txt"));
    // The run's set is exactly the manifest, the user's entries and itself.
    let mut expected: Vec<String> = listed.iter().map(|s| s.to_string()).collect();
    expected.extend(["notes.txt", "mine", ".leadsim.json"].map(String::from));
    let mut names = names;
    names.sort();
    expected.sort();
    assert_eq!(names, expected);
    // A user's file named like a file of the next set is never replaced.
    std::fs::write(out.join("sweep.csv"), "mine\n").unwrap();
    let refused = leadsim()
        .args([
            "sweep",
            &s,
            "--set",
            "policies[ll].sla.first_contact_hours=8,24",
            "--quiet",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr)
        .contains("sweep.csv exists and leadsim did not write it"));
    assert_eq!(
        std::fs::read_to_string(out.join("sweep.csv")).unwrap(),
        "mine\n"
    );
    assert!(
        out.join("summary.json").is_file(),
        "the run's set is intact"
    );
}

#[test]
fn output_from_before_manifests_is_recognised_by_its_names() {
    // The repository ships output/baseline/headline.svg without a manifest;
    // a folder of such names (and traces, parts, subfolders) is leadsim's.
    let dir = tempfile::tempdir().unwrap();
    let scenario = small(dir.path(), "small");
    let out = dir.path().join("old");
    std::fs::create_dir_all(out.join("sweep")).unwrap();
    std::fs::write(out.join("headline.svg"), "<svg/>").unwrap();
    std::fs::write(out.join("summary.json"), "{}").unwrap();
    std::fs::write(out.join("best.json"), "{}").unwrap();
    std::fs::write(
        out.join("trace-rr-base-0.csv"),
        "lead,arrival_hours,segment,\n",
    )
    .unwrap();
    leadsim()
        .args(["run", &scenario.display().to_string(), "--quiet", "--out"])
        .arg(&out)
        .assert()
        .success();
    assert!(!out.join("best.json").exists(), "a set file of the old set");
    assert!(out.join("trace-rr-base-0.csv").is_file());
    assert!(out.join("sweep").is_dir());
    assert_ne!(std::fs::read(out.join("summary.json")).unwrap(), b"{}");
}

#[test]
fn single_files_replace_only_what_leadsim_wrote() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = small(dir.path(), "small");
    let s = scenario.display().to_string();
    // trace --out naming a user's file.
    let mine = dir.path().join("mine.csv");
    std::fs::write(&mine, "precious\n").unwrap();
    let out = leadsim()
        .args(["trace", &s, "--policy", "rr", "--out"])
        .arg(&mine)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not a trace leadsim wrote"));
    assert_eq!(std::fs::read_to_string(&mine).unwrap(), "precious\n");
    // A trace replaces its own earlier trace.
    let t = dir.path().join("t.csv");
    for _ in 0..2 {
        leadsim()
            .args(["trace", &s, "--policy", "rr", "--out"])
            .arg(&t)
            .assert()
            .success();
    }
    // calibrate --out naming the export itself, or a hand-written scenario.
    let export = dir.path().join("export.csv");
    std::fs::copy(repo_file("scenarios/data/crm-export.csv"), &export).unwrap();
    let before = std::fs::read(&export).unwrap();
    for target in [&export, &scenario] {
        let was = std::fs::read(target).unwrap();
        let out = leadsim()
            .arg("calibrate")
            .arg(&export)
            .arg("--out")
            .arg(target)
            .arg("--report")
            .arg(dir.path().join("cal"))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", target.display());
        assert!(String::from_utf8_lossy(&out.stderr)
            .contains("is not a calibrated scenario leadsim wrote"));
        assert_eq!(std::fs::read(target).unwrap(), was);
        assert!(!dir.path().join("cal").exists());
    }
    assert_eq!(std::fs::read(&export).unwrap(), before);
    // A calibrated scenario is replaced by the next calibration.
    let cal = dir.path().join("calibrated.json");
    for _ in 0..2 {
        leadsim()
            .arg("calibrate")
            .arg(&export)
            .arg("--quiet")
            .arg("--out")
            .arg(&cal)
            .arg("--report")
            .arg(dir.path().join("cal"))
            .assert()
            .success();
    }
    // A shard part is written only over a part.
    let part_dir = dir.path().join("parts");
    std::fs::create_dir(&part_dir).unwrap();
    std::fs::write(part_dir.join("part-1-of-2.json"), "{\"mine\": 1}").unwrap();
    let out = leadsim()
        .args(["run", &s, "--shard", "1/2", "--quiet", "--out"])
        .arg(&part_dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        std::fs::read_to_string(part_dir.join("part-1-of-2.json")).unwrap(),
        "{\"mine\": 1}"
    );
}

#[test]
fn leadsims_working_names_cannot_be_claimed() {
    let dir = tempfile::tempdir().unwrap();
    for name in [
        ".leadsim-stage-small-abcdef",
        ".leadsim-old-small-abc",
        ".leadsim-small.lock",
        ".leadsim.json",
    ] {
        let scenario = dir.path().join("s.json");
        let doc = json!({
            "name": name,
            "leads": {"arrivals_per_day": 5},
            "partners": [{"name": "A", "capacity": 2}],
            "policies": [{"name": "rr"}]
        });
        std::fs::write(&scenario, doc.to_string()).unwrap();
        let out = leadsim()
            .current_dir(dir.path())
            .args(["run", "s.json", "--replications", "1", "--quiet"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{name}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("leadsim's own working files"));
        let out = leadsim()
            .current_dir(dir.path())
            .args(["run", "s.json", "--replications", "1", "--quiet"])
            .arg("--out")
            .arg(dir.path().join(name))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{name}");
    }
    assert!(!dir.path().join("output").exists());
}

#[test]
fn a_folder_named_like_another_with_a_suffix_keeps_its_own_working_files() {
    // `a`'s writer must not take `a-b`'s staging or previous set as its own.
    let dir = tempfile::tempdir().unwrap();
    let scenario = small(dir.path(), "small");
    let s = scenario.display().to_string();
    let a = dir.path().join("a");
    leadsim()
        .args(["run", &s, "--quiet", "--out"])
        .arg(&a)
        .assert()
        .success();
    // What a killed writer of `a-b` left behind.
    let foreign_old = dir.path().join(".leadsim-old-a-b-XYZ123");
    std::fs::create_dir(&foreign_old).unwrap();
    std::fs::write(foreign_old.join("notes.txt"), "b's\n").unwrap();
    leadsim()
        .args(["run", &s, "--quiet", "--seed", "4", "--out"])
        .arg(&a)
        .assert()
        .success();
    assert!(!a.join("notes.txt").exists(), "b's leftovers moved into a");
    assert!(foreign_old.join("notes.txt").is_file());
}
