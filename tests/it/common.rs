//! Helpers shared by the integration tests.

use std::path::Path;

use leadsim::metrics::Metric;
use leadsim::model::Model;
use leadsim::runner::RunConfig;
use leadsim::stats::Estimate;
use leadsim::summary::Summary;

/// A scenario for a test, built as JSON values rather than `format!`
/// templates (no `{{ }}` escapes, no text splicing): start from a
/// `json!` document, then `set` fields by dotted path or `merge` patches.
#[derive(Debug, Clone)]
pub struct Scenario(pub serde_json::Value);

impl Scenario {
    pub fn new(doc: serde_json::Value) -> Self {
        Scenario(doc)
    }

    /// Sets the field at a dotted path (`leads.arrivals_per_day`,
    /// `partners.0.capacity`), creating objects on the way.
    pub fn set(mut self, path: &str, value: serde_json::Value) -> Self {
        let mut at = &mut self.0;
        for key in path.split('.') {
            at = match key.parse::<usize>() {
                Ok(i) => &mut at[i],
                Err(_) => &mut at[key],
            };
        }
        *at = value;
        self
    }

    /// Merges `patch` into the document: objects key by key, recursively;
    /// anything else replaces what was there.
    pub fn merge(mut self, patch: serde_json::Value) -> Self {
        fn merge(into: &mut serde_json::Value, patch: serde_json::Value) {
            match (into, patch) {
                (serde_json::Value::Object(a), serde_json::Value::Object(b)) => {
                    for (k, v) in b {
                        merge(a.entry(k).or_insert(serde_json::Value::Null), v);
                    }
                }
                (slot, v) => *slot = v,
            }
        }
        merge(&mut self.0, patch);
        self
    }

    /// Merges `patch` into every partner line.
    pub fn merge_partners(mut self, patch: serde_json::Value) -> Self {
        let n = self.0["partners"].as_array().map_or(0, Vec::len);
        for i in 0..n {
            let line = std::mem::take(&mut self.0["partners"][i]);
            self.0["partners"][i] = Scenario(line).merge(patch.clone()).0;
        }
        self
    }

    pub fn text(&self) -> String {
        serde_json::to_string_pretty(&self.0).expect("JSON")
    }

    pub fn model(&self) -> Model {
        model(&self.text())
    }

    /// Writes the scenario to `dir/name` and returns its path.
    pub fn write(&self, dir: &Path, name: &str) -> std::path::PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, self.text()).unwrap();
        path
    }
}

pub fn model(json: &str) -> Model {
    leadsim::load_text(json, Path::new("test.json")).unwrap_or_else(|e| panic!("{e}"))
}

/// One policy's run in replication `replication` of the base world, as
/// `leadsim run` with `seed` makes it, watched by `observer`.
pub fn observe(
    model: &Model,
    policy: usize,
    seed: u64,
    replication: u64,
    observer: &mut impl leadsim::engine::Observer,
) -> leadsim::engine::PolicyRun {
    use leadsim::engine::rng::{replication_seed, Streams};
    let world = leadsim::engine::leads::draw_world(
        model,
        replication,
        Streams::new(replication_seed(seed, replication)),
        0,
    );
    leadsim::engine::simulate_observed(
        model,
        &model.policies[policy],
        &world,
        &mut leadsim::engine::Scratch::default(),
        observer,
    )
}

pub fn run(model: &Model, replications: u64, seed: u64) -> Summary {
    let config = RunConfig {
        replications,
        seed,
        threads: None,
        cancel: Default::default(),
    };
    leadsim::simulate(model, &config, &|_| {}).expect("run")
}

fn cell<'a>(summary: &'a Summary, policy: &str) -> &'a leadsim::summary::Cell {
    summary
        .cells
        .iter()
        .find(|c| c.policy == policy)
        .expect("policy")
}

pub fn metric(summary: &Summary, policy: &str, metric: Metric) -> Estimate {
    cell(summary, policy).metrics[metric].unwrap_or_else(|| panic!("{metric} undefined"))
}

pub fn diff(summary: &Summary, policy: &str, metric: Metric) -> Estimate {
    cell(summary, policy).vs_baseline[metric].unwrap_or_else(|| panic!("{metric} undefined"))
}

/// Standard error of an estimate's mean, recovered from its 95 % interval.
pub fn standard_error(e: &Estimate) -> f64 {
    e.half_width().expect("more than one replication") / leadsim::stats::t_975(e.n - 1)
}

pub fn bin() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("leadsim").expect("binary")
}

pub fn repo_file(rel: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// The regular, non-hidden files of `dir` as (name, bytes), sorted by name.
pub fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && !p.file_name().unwrap().to_string_lossy().starts_with('.'))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

/// Standard error of a finished command, as text.
pub fn stderr_of(assert: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&assert.get_output().stderr).into_owned()
}

/// Standard output of a finished command, as text.
pub fn stdout_of(assert: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&assert.get_output().stdout).into_owned()
}

/// The error loading `text` gives, as the user reads it (the scenario must
/// be refused).
pub fn load_error(text: &str) -> String {
    leadsim::load_text(text, Path::new("s.json"))
        .expect_err("the scenario should be refused")
        .to_string()
}

/// Every lead goes to a house (the only partner covers another region)
/// that contacts it within the hour and wins it with probability equal to
/// its score, which is its quality exactly (uniform on [0, 1]): 10,000 at a
/// 50 % margin, for 1,500 a lead worked; 100 leads a day for 30 days, 20
/// replications, seed 5. A lead scored q is worth 5,000 q - 1,500, so the
/// profit over a threshold t is 3,000 x (2,500 (1 - t^2) - 1,500 (1 - t)).
pub fn house_by_score(policies: serde_json::Value) -> Scenario {
    Scenario::new(serde_json::json!({
        "name": "house-by-score", "horizon_days": 30, "seed": 5, "replications": 20,
        "leads": {"arrivals_per_day": 100, "signals": [{"name": "s", "noise": 0}],
                  "segments": [{"name": "all", "region": "na", "deal_size": {"fixed": 10000},
                                "quality": {"uniform": {"min": 0, "max": 1}}}]},
        "speed_to_lead": {"half_life_hours": 1, "floor": 1},
        "economics": {"gross_margin": 0.5, "churn_rate": 0},
        "house": {"capacity": 100000, "response_hours": {"fixed": 1}, "work_days": {"fixed": 1},
                  "qualify_rate": 1, "win_rate": 1, "cost_per_lead": 1500},
        "partners": [{"name": "Elsewhere", "regions": ["emea"]}],
        "policies": policies
    }))
}
