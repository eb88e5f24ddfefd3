//! A run stopped at any moment leaves the previous complete result or the
//! new complete result, never a mix or a half-written file.

use std::process::{Command, Stdio};
use std::time::Duration;

use super::common::{files, repo_file};

fn leadsim() -> Command {
    Command::new(assert_cmd::cargo::cargo_bin("leadsim"))
}

#[test]
fn ctrl_c_stops_promptly_and_keeps_the_previous_results() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let scenario = repo_file("scenarios/bench/bench-200-dense.json");
    let first = leadsim()
        .arg("run")
        .arg(&scenario)
        .args(["--replications", "2", "--quiet", "--out"])
        .arg(&out)
        .status()
        .unwrap();
    assert!(first.success());
    let before = files(&out);
    let child = leadsim()
        .arg("run")
        .arg(&scenario)
        .args(["--replications", "5000", "--seed", "99", "--out"])
        .arg(&out)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    let started = std::time::Instant::now();
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let result = child.wait_with_output().unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "workers stop promptly"
    );
    assert_eq!(result.status.code(), Some(130));
    let stderr = String::from_utf8(result.stderr).unwrap();
    assert!(
        stderr.contains("stopped: interrupted after") && stderr.contains("nothing was written"),
        "{stderr}"
    );
    assert_eq!(files(&out), before, "the previous results are untouched");
}

#[test]
fn a_killed_run_leaves_the_old_or_the_new_complete_result() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = repo_file("scenarios/baseline.json");
    let run = |seed: &str, out: &std::path::Path| {
        leadsim()
            .arg("run")
            .arg(&scenario)
            .args(["--replications", "6", "--quiet", "--seed", seed, "--out"])
            .arg(out)
            .status()
            .unwrap()
    };
    let (old_dir, new_dir, target) = (
        dir.path().join("old"),
        dir.path().join("new"),
        dir.path().join("target"),
    );
    assert!(run("1", &old_dir).success() && run("2", &new_dir).success());
    let (old, new) = (files(&old_dir), files(&new_dir));
    for delay_ms in [5u64, 40, 80, 120, 160, 200, 260, 330, 420, 600] {
        std::fs::remove_dir_all(&target).ok();
        assert!(run("1", &target).success());
        let mut child = leadsim()
            .arg("run")
            .arg(&scenario)
            .args(["--replications", "6", "--quiet", "--seed", "2", "--out"])
            .arg(&target)
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        child.kill().ok();
        child.wait().unwrap();
        // The folder as a whole is the old run's set or the new run's.
        let now = files(&target);
        assert!(
            now == old || now == new,
            "after a kill at {delay_ms} ms the folder holds neither complete set: {:?}",
            now.iter().map(|(n, _)| n).collect::<Vec<_>>()
        );
    }
    // The next successful run leaves no temporary file or folder behind.
    assert!(run("2", &target).success());
    assert_eq!(files(&target), new);
    let leftovers: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .chain(std::fs::read_dir(&target).unwrap())
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".leadsim-") && !n.ends_with(".lock"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn a_write_failing_half_way_leaves_the_previous_set() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = repo_file("tests/data/hostile/fee-near-limit.json");
    let out = dir.path().join("out");
    let first = leadsim()
        .arg("run")
        .arg(&scenario)
        .args(["--replications", "4", "--quiet", "--out"])
        .arg(&out)
        .status()
        .unwrap();
    assert!(first.success());
    let before = files(&out);
    // A 64 KiB file-size limit: the small files are staged, then the report
    // (larger) fails; the process is stopped by SIGXFSZ mid-way.
    let status = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "ulimit -f 64; exec '{}' run '{}' --replications 4 --seed 9 --quiet --out '{}'",
            assert_cmd::cargo::cargo_bin("leadsim").display(),
            scenario.display(),
            out.display()
        ))
        .status()
        .unwrap();
    assert!(!status.success());
    assert_eq!(files(&out), before, "the previous set is intact");
    // The next run cleans up what the failed one left and writes its set.
    let again = leadsim()
        .arg("run")
        .arg(&scenario)
        .args(["--replications", "4", "--seed", "9", "--quiet", "--out"])
        .arg(&out)
        .status()
        .unwrap();
    assert!(again.success());
    let stale: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".leadsim-stage-"))
        .collect();
    assert!(stale.is_empty(), "{stale:?}");
}

#[test]
fn concurrent_runs_into_one_folder_leave_one_complete_set() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = repo_file("tests/data/hostile/fee-near-limit.json");
    let run_into = |seed: &str, out: &std::path::Path| {
        leadsim()
            .arg("run")
            .arg(&scenario)
            .args(["--replications", "4", "--quiet", "--seed", seed, "--out"])
            .arg(out)
            .spawn()
            .unwrap()
    };
    let (a_dir, b_dir) = (dir.path().join("a"), dir.path().join("b"));
    assert!(run_into("111", &a_dir).wait().unwrap().success());
    assert!(run_into("222", &b_dir).wait().unwrap().success());
    let (a, b) = (files(&a_dir), files(&b_dir));
    for trial in 0..6 {
        let target = dir.path().join(format!("t{trial}"));
        let mut first = run_into("111", &target);
        let mut second = run_into("222", &target);
        assert!(first.wait().unwrap().success() && second.wait().unwrap().success());
        let now = files(&target);
        assert!(now == a || now == b, "trial {trial}: a mix of two runs");
    }
    // Files other commands wrote in the folder survive a run.
    let target = dir.path().join("t0");
    std::fs::write(target.join("trace-rr-base-0.csv"), "kept").unwrap();
    assert!(run_into("111", &target).wait().unwrap().success());
    assert_eq!(
        std::fs::read_to_string(target.join("trace-rr-base-0.csv")).unwrap(),
        "kept"
    );
}

/// A cancel handle belongs to one run: a cancelled run fails with a typed
/// error that says how far it got, and the next run (with its own handle)
/// runs in full. With the process-wide flag this replaced, the second run
/// would have stopped too.
#[test]
fn a_cancelled_run_stops_and_the_next_run_is_unaffected() {
    use leadsim::runner::{run, Cancel, RunConfig, RunError};
    let model = leadsim::load_file(&repo_file("scenarios/baseline.json")).unwrap();
    let cancel = Cancel::default();
    cancel.cancel();
    let config = RunConfig {
        replications: 20,
        seed: 1,
        threads: Some(1),
        cancel,
    };
    match run(&model, &config, &|_| {}) {
        Err(RunError::Interrupted { done, total }) => {
            assert_eq!((done, total), (0, 20));
        }
        other => panic!("expected an interrupted run, got {other:?}"),
    }
    let fresh = RunConfig {
        cancel: Cancel::default(),
        ..config
    };
    assert_eq!(run(&model, &fresh, &|_| {}).unwrap().replications, 20);
}
