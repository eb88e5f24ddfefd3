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
        // File by file: each is entirely the old run's or the new run's.
        for (name, bytes) in files(&target) {
            let was_old = old.iter().any(|(n, b)| *n == name && *b == bytes);
            let is_new = new.iter().any(|(n, b)| *n == name && *b == bytes);
            assert!(
                was_old || is_new,
                "{name} is neither complete result after a kill at {delay_ms} ms"
            );
        }
    }
}
