//! `deploy/`, checked without a cluster: the image's Dockerfile, the
//! manifests against the command line they drive, and the local stand-ins
//! for an Indexed Job and a Slurm array, byte for byte against one run.

use std::path::Path;

use serde_json::json;
use yaml_rust2::{Yaml, YamlLoader};

use super::common::{bin, files, repo_file, stdout_of, Scenario};

fn read(rel: &str) -> String {
    std::fs::read_to_string(repo_file(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn yaml(rel: &str) -> Yaml {
    let mut docs = YamlLoader::load_from_str(&read(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    assert_eq!(docs.len(), 1, "{rel}: one document");
    docs.remove(0)
}

/// The long flags `leadsim COMMAND --help` lists.
fn flags_of(command: &str) -> Vec<String> {
    let help = stdout_of(&bin().args([command, "--help"]).assert().success());
    help.split_whitespace()
        .filter(|w| w.starts_with("--"))
        .map(|w| {
            w.trim_end_matches(',')
                .split('=')
                .next()
                .unwrap()
                .to_string()
        })
        .collect()
}

/// The long flags a command line uses.
fn flags_in(command_line: &str) -> Vec<String> {
    command_line
        .split_whitespace()
        .filter(|w| w.starts_with("--"))
        .map(|w| w.split('=').next().unwrap().to_string())
        .collect()
}

/// The one container's command line (its `args`, folded to one line).
fn container_command(job: &Yaml) -> String {
    let container = &job["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(
        container["command"],
        Yaml::Array(vec![
            Yaml::String("/bin/sh".into()),
            Yaml::String("-c".into())
        ])
    );
    container["args"][0]
        .as_str()
        .expect("one args string")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether `name` matches a shell glob with `*` as the only wildcard.
fn glob_matches(glob: &str, name: &str) -> bool {
    let parts: Vec<&str> = glob.split('*').collect();
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !name.starts_with(first) || !name.ends_with(last) || name.len() < first.len() + last.len() {
        return false;
    }
    let mut rest = &name[first.len()..name.len() - last.len()];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(i) => rest = &rest[i + middle.len()..],
            None => return false,
        }
    }
    true
}

/// The file names `run --shard I/N` writes, from a real run.
fn part_names(n: usize) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let file = tiny().write(dir.path(), "s.json");
    for i in 0..n {
        bin()
            .arg("run")
            .arg(&file)
            .args(["--shard", &format!("{i}/{n}"), "--quiet", "--out"])
            .arg(dir.path().join("parts"))
            .assert()
            .success();
    }
    files(&dir.path().join("parts"))
        .into_iter()
        .map(|(name, _)| name)
        .collect()
}

fn tiny() -> Scenario {
    Scenario::new(json!({
        "name": "tiny", "horizon_days": 20, "replications": 12, "seed": 5,
        "leads": {"arrivals_per_day": 10},
        "partners": [{"name": "P", "count": 3}],
        "policies": [{"name": "rr"}, {"name": "ll", "routing": {"rule": "least_loaded"}}]
    }))
}

#[test]
fn the_dockerfile_builds_the_locked_binary_and_runs_it_as_a_user() {
    let docker = read("Dockerfile");
    let lines: Vec<&str> = docker
        .lines()
        .map(str::trim)
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .collect();
    let from: Vec<&&str> = lines.iter().filter(|l| l.starts_with("FROM ")).collect();
    assert_eq!(from.len(), 2, "a build stage and a runtime stage");
    assert!(lines
        .iter()
        .any(|l| l.starts_with("RUN cargo build --release --locked")));
    assert!(lines
        .iter()
        .any(|l| l.starts_with("COPY --from=build") && l.contains("target/release/leadsim")));
    assert!(lines.contains(&"ENTRYPOINT [\"leadsim\"]"));
    // The last USER is not root, and comes after everything that needs root.
    let user = lines
        .iter()
        .rposition(|l| l.starts_with("USER "))
        .expect("a USER line");
    let who = lines[user].trim_start_matches("USER ").trim();
    assert!(who != "root" && who != "0", "{who}");
    assert!(!lines[user..].iter().any(|l| l.starts_with("RUN ")));
    // The manifests' scenario path is inside the image.
    assert!(lines
        .iter()
        .any(|l| l.starts_with("COPY") && l.ends_with("scenarios /scenarios")));
    let ignore = read(".dockerignore");
    assert!(ignore.lines().any(|l| l.trim() == "target/"));
}

#[test]
fn the_kubernetes_manifests_agree_with_the_command_line() {
    let shards = yaml("deploy/kubernetes/leadsim-shards.yaml");
    let merge = yaml("deploy/kubernetes/leadsim-merge.yaml");
    let spec = &shards["spec"];
    assert_eq!(spec["completionMode"].as_str(), Some("Indexed"));
    let completions = spec["completions"].as_i64().expect("completions");
    assert!(spec["parallelism"].as_i64().unwrap_or(completions) <= completions);
    let run = container_command(&shards);
    assert!(run.starts_with("leadsim run "), "{run}");
    // The shard count is `completions`, and the index is the variable an
    // Indexed Job sets.
    assert!(
        run.contains(&format!("--shard ${{JOB_COMPLETION_INDEX}}/{completions} ")),
        "{run} against completions {completions}"
    );
    let run_flags = flags_of("run");
    for flag in flags_in(&run) {
        assert!(run_flags.contains(&flag), "`leadsim run` has no {flag}");
    }
    // The scenario is one the image holds (the Dockerfile copies
    // scenarios/ to /scenarios).
    let scenario = run.split_whitespace().nth(2).unwrap();
    let in_repo = scenario
        .strip_prefix("/scenarios/")
        .expect("under /scenarios");
    assert!(
        repo_file(&format!("scenarios/{in_repo}")).is_file(),
        "{scenario}"
    );
    // The merge reads every part of this job: its glob, with this shard
    // count, matches the names `run --shard` writes, and only those.
    let merge_command = container_command(&merge);
    let glob = merge_command
        .split_whitespace()
        .find(|w| w.contains("part-"))
        .expect("a parts glob");
    let out = run
        .split_whitespace()
        .skip_while(|w| *w != "--out")
        .nth(1)
        .unwrap();
    let file_glob = glob
        .strip_prefix(&format!("{out}/"))
        .expect("in the shards' --out");
    assert_eq!(file_glob, format!("part-*-of-{completions}.json"));
    let merge_flags = flags_of("merge");
    for flag in flags_in(&merge_command) {
        assert!(merge_flags.contains(&flag), "`leadsim merge` has no {flag}");
    }
    let names = part_names(3);
    assert_eq!(names.len(), 3);
    for name in &names {
        assert!(glob_matches("part-*-of-3.json", name), "{name}");
        assert!(!glob_matches("part-*-of-4.json", name), "{name}");
    }
    assert_eq!(
        shards["spec"]["template"]["spec"]["containers"][0]["image"],
        merge["spec"]["template"]["spec"]["containers"][0]["image"]
    );
}

#[test]
fn the_slurm_scripts_agree_with_the_command_line() {
    let shards = read("deploy/slurm/leadsim-shards.sbatch");
    let merge = read("deploy/slurm/leadsim-merge.sbatch");
    let array = shards
        .lines()
        .find_map(|l| l.strip_prefix("#SBATCH --array=0-"))
        .expect("an array 0-M");
    let size: usize = array.trim().parse::<usize>().expect("0-M") + 1;
    let default_shards = |text: &str| -> usize {
        text.lines()
            .find_map(|l| l.strip_prefix("SHARDS=${SHARDS:-"))
            .and_then(|rest| rest.strip_suffix('}'))
            .expect("SHARDS=${SHARDS:-N}")
            .parse()
            .unwrap()
    };
    assert_eq!(default_shards(&shards), size, "--array against SHARDS");
    assert_eq!(default_shards(&merge), size, "the merge's SHARDS");
    assert!(shards.contains("--shard \"${SLURM_ARRAY_TASK_ID}/${SHARDS}\""));
    let run_line: String = shards
        .split("leadsim run")
        .nth(1)
        .expect("a run command")
        .replace("\\\n", " ");
    let run_flags = flags_of("run");
    for flag in flags_in(&run_line) {
        assert!(run_flags.contains(&flag), "`leadsim run` has no {flag}");
    }
    assert!(merge.contains("\"$RESULTS\"/part-*-of-${SHARDS}.json"));
    let merge_line = merge
        .split("leadsim merge")
        .nth(1)
        .expect("a merge command");
    let merge_flags = flags_of("merge");
    for flag in flags_in(merge_line) {
        assert!(
            merge_flags.contains(&flag.trim_matches('"').to_string()),
            "`leadsim merge` has no {flag}"
        );
    }
}

/// Runs `script 3 SCENARIO` and returns the files it wrote.
fn run_local(script: &str, scenario: &Path, out: &Path) -> Vec<(String, Vec<u8>)> {
    let leadsim = assert_cmd::cargo::cargo_bin("leadsim");
    let status = std::process::Command::new("bash")
        .arg(repo_file(script))
        .arg("3")
        .arg(scenario)
        .env("LEADSIM", &leadsim)
        .env("OUT", out)
        .env_remove("REPLICATIONS")
        .status()
        .unwrap();
    assert!(status.success(), "{script}");
    files(out)
}

#[test]
fn the_local_indexed_job_and_slurm_array_equal_one_run_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = tiny().write(dir.path(), "s.json");
    bin()
        .arg("run")
        .arg(&scenario)
        .args(["--quiet", "--out"])
        .arg(dir.path().join("one"))
        .assert()
        .success();
    let one = files(&dir.path().join("one"));
    assert!(one.iter().any(|(name, _)| name == "summary.json"));
    for script in ["deploy/local-indexed-job.sh", "deploy/local-slurm-array.sh"] {
        let out = dir.path().join(script.replace('/', "-"));
        assert_eq!(run_local(script, &scenario, &out), one, "{script}");
    }
}
