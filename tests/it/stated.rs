//! Every figure the README and the bundled scenarios' descriptions state as
//! a conclusion, against a fresh run: `tests/data/stated-figures.json` lists
//! each one with the sentence that states it, the scenario (and horizon)
//! it comes from, the policy, world and metric (or the paired difference
//! from the baseline), and the value as written with half a unit of its
//! last digit as tolerance. A test fails when a sentence is reworded
//! without its entry, or when a change to the engine moves a stated figure:
//! then rerun the scenario and rewrite the sentence and its entry.

use std::collections::BTreeMap;

use leadsim::metrics::Metric;
use leadsim::runner::RunConfig;
use leadsim::summary::Summary;

use super::common::repo_file;

#[derive(serde::Deserialize)]
struct Claim {
    file: String,
    says: String,
    scenario: String,
    #[serde(default)]
    horizon_days: Option<f64>,
    policy: String,
    #[serde(default = "base")]
    world: String,
    metric: String,
    #[serde(default)]
    diff: bool,
    value: f64,
    within: f64,
}

fn base() -> String {
    "base".into()
}

/// Runs of whitespace as one space: prose is wrapped differently in
/// Markdown and in JSON strings.
fn folded(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The prose a file states: the README's text, or every string of a
/// scenario file (its description, its policies' and worlds').
fn prose(file: &str) -> String {
    let text = std::fs::read_to_string(repo_file(file)).unwrap();
    if !file.ends_with(".json") {
        return folded(&text);
    }
    fn strings(v: &serde_json::Value, out: &mut String) {
        match v {
            serde_json::Value::String(s) => {
                out.push_str(s);
                out.push(' ');
            }
            serde_json::Value::Array(a) => a.iter().for_each(|v| strings(v, out)),
            serde_json::Value::Object(m) => m.values().for_each(|v| strings(v, out)),
            _ => {}
        }
    }
    let mut out = String::new();
    strings(&serde_json::from_str(&text).unwrap(), &mut out);
    folded(&out)
}

fn run(scenario: &str, horizon_days: Option<f64>) -> Summary {
    let text = std::fs::read_to_string(repo_file(scenario)).unwrap();
    let mut doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    if let Some(h) = horizon_days {
        doc["horizon_days"] = serde_json::json!(h);
    }
    let model =
        leadsim::load_text(&doc.to_string(), &repo_file(scenario)).expect("a bundled scenario");
    leadsim::simulate(&model, &RunConfig::from_model(&model), &|_| {}).unwrap()
}

#[test]
fn every_stated_figure_matches_a_fresh_run() {
    let claims: Vec<Claim> = serde_json::from_str(
        &std::fs::read_to_string(repo_file("tests/data/stated-figures.json")).unwrap(),
    )
    .unwrap();
    let mut runs: BTreeMap<(String, Option<u64>), Summary> = BTreeMap::new();
    let mut wrong = Vec::new();
    for c in &claims {
        if !prose(&c.file).contains(&folded(&c.says)) {
            wrong.push(format!("{}: no longer says \"{}\"", c.file, c.says));
            continue;
        }
        let key = (c.scenario.clone(), c.horizon_days.map(f64::to_bits));
        let summary = runs
            .entry(key)
            .or_insert_with(|| run(&c.scenario, c.horizon_days));
        let metric: Metric =
            leadsim::analyses::optimize::metric_named("stated", &c.metric).unwrap();
        let cell = summary
            .cells
            .iter()
            .find(|x| x.policy == c.policy && x.world == c.world)
            .unwrap_or_else(|| panic!("{}: no policy {} in {}", c.scenario, c.policy, c.world));
        let estimate = if c.diff {
            cell.vs_baseline[metric]
        } else {
            cell.metrics[metric]
        };
        let measured = estimate.map_or(f64::NAN, |e| e.mean);
        // NaN (undefined) never holds.
        let holds = (measured - c.value).abs() <= c.within;
        if !holds {
            wrong.push(format!(
                "{} says \"{}\": {} {} of {} in `{}`{} is {measured}, not {} ± {}",
                c.file,
                c.says,
                c.scenario,
                c.metric,
                c.policy,
                c.world,
                if c.diff { " (difference)" } else { "" },
                c.value,
                c.within
            ));
        }
    }
    assert!(claims.len() >= 100, "the list lost entries");
    assert!(
        wrong.is_empty(),
        "stated figures that no longer hold:\n{}",
        wrong.join("\n")
    );
}
