//! `leadsim sweep`: a grid over one or two numeric fields of a scenario,
//! addressed by path, run on common random numbers (every grid point uses
//! the same seed, so points are paired as policies are).
//!
//! Paths read like the errors print them: `leads.arrivals_per_day`,
//! `policies[tiered-fast].scoring.threshold`, `partners[Northwind].capacity`,
//! `policies[0].payout.commission[1].rate`. A bracket holds an index or the
//! `name` of an element. Every path and every grid point is checked before
//! anything runs.

use std::path::Path;

use anyhow::{bail, Context};
use serde_json::Value;

use crate::metrics::{Direction, Metric};
use crate::model::Model;
use crate::runner::RunConfig;
use crate::summary::Summary;

/// One swept field: its path and its values.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    pub path: String,
    pub values: Vec<f64>,
}

/// The most points one axis may have.
pub const MAX_AXIS_POINTS: usize = 1000;

/// Parses `PATH=from:to:step` (or `PATH=v1,v2,...`).
pub fn parse_axis(spec: &str) -> anyhow::Result<Axis> {
    let (path, range) = split_assignment(spec)
        .with_context(|| format!("--set `{spec}`: expected PATH=from:to:step or PATH=v1,v2,..."))?;
    let number = |s: &str| -> anyhow::Result<f64> {
        s.trim()
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .with_context(|| format!("--set `{spec}`: `{s}` is not a number"))
    };
    let values = if range.contains(':') {
        let parts: Vec<&str> = range.split(':').collect();
        let [from, to, step] = parts[..] else {
            bail!("--set `{spec}`: expected from:to:step");
        };
        let (from, to, step) = (number(from)?, number(to)?, number(step)?);
        if step <= 0.0 || to < from {
            bail!("--set `{spec}`: expected from <= to and a positive step");
        }
        let count = ((to - from) / step + 1e-9).floor() as usize + 1;
        if count > MAX_AXIS_POINTS {
            bail!("--set `{spec}`: {count} points; at most {MAX_AXIS_POINTS} per field");
        }
        // Rounded to the step's precision so 0.1 + 0.2 prints as 0.3.
        (0..count)
            .map(|k| crate::format::round_sig(from + k as f64 * step))
            .collect()
    } else {
        range
            .split(',')
            .map(number)
            .collect::<anyhow::Result<Vec<f64>>>()?
    };
    if values.is_empty() {
        bail!("--set `{spec}`: no values");
    }
    Ok(Axis {
        path: path.trim().to_string(),
        values,
    })
}

/// The steps of a path: object keys and array selectors.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Key(String),
    Index(usize),
    Name(String),
}

/// Parses a field path such as `policies[threshold-0.15].scoring.threshold`:
/// keys separated by dots, each followed by selectors in brackets, an index
/// (`[2]`) or a name (`[least-loaded]`). Brackets are read before dots, so a
/// name may hold dots, spaces and balanced brackets; any other name is
/// written as a JSON string, `["odd ] name"]`.
pub fn parse_path(path: &str) -> anyhow::Result<Vec<Step>> {
    let chars: Vec<char> = path.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    loop {
        // A key: up to the next `.` or `[`.
        let start = i;
        while i < chars.len() && chars[i] != '.' && chars[i] != '[' {
            if chars[i] == ']' {
                bail!("`{path}`: a `]` with no `[` before it");
            }
            i += 1;
        }
        let key: String = chars[start..i].iter().collect();
        if key.trim().is_empty() {
            bail!("`{path}`: empty field name");
        }
        out.push(Step::Key(key));
        // Its selectors.
        while i < chars.len() && chars[i] == '[' {
            i += 1;
            let selector = if chars.get(i) == Some(&'"') {
                // A JSON string, then `]`.
                let from = i;
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    i += if chars[i] == '\\' { 2 } else { 1 };
                }
                if i >= chars.len() {
                    bail!("`{path}`: unclosed `\"` in a selector");
                }
                i += 1;
                let quoted: String = chars[from..i].iter().collect();
                let name: String = serde_json::from_str(&quoted)
                    .map_err(|e| anyhow::anyhow!("`{path}`: {quoted} is not a JSON string: {e}"))?;
                if chars.get(i) != Some(&']') {
                    bail!("`{path}`: expected `]` after {quoted}");
                }
                i += 1;
                Step::Name(name)
            } else {
                // Up to the `]` that balances the `[`.
                let from = i;
                let mut depth = 1;
                while i < chars.len() {
                    match chars[i] {
                        '[' => depth += 1,
                        ']' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    i += 1;
                }
                if i >= chars.len() {
                    bail!("`{path}`: unclosed `[`");
                }
                let selector: String = chars[from..i].iter().collect();
                i += 1;
                match selector.parse::<usize>() {
                    Ok(n) => Step::Index(n),
                    Err(_) if selector.is_empty() => bail!("`{path}`: empty `[]`"),
                    Err(_) => Step::Name(selector),
                }
            };
            out.push(selector);
        }
        match chars.get(i) {
            None => break,
            Some('.') => i += 1,
            Some(c) => bail!("`{path}`: unexpected `{c}`"),
        }
    }
    Ok(out)
}

/// A name as a path's selector: `[name]`, or `["name"]` when the name
/// would not read back as itself (unbalanced brackets, a leading quote, a
/// number).
pub fn name_selector(name: &str) -> String {
    let plain = format!("[{name}]");
    match parse_path(&format!("x{plain}")).ok().as_deref() {
        Some([Step::Key(_), Step::Name(n)]) if n == name => plain,
        _ => format!("[{}]", serde_json::Value::String(name.to_string())),
    }
}

/// Writes steps back as a path that [`parse_path`] reads as the same steps.
pub fn render_path(steps: &[Step]) -> String {
    let mut out = String::new();
    for step in steps {
        match step {
            Step::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Step::Index(i) => out.push_str(&format!("[{i}]")),
            Step::Name(n) => out.push_str(&name_selector(n)),
        }
    }
    out
}

/// Splits `PATH=VALUE` at the first `=` outside the path's brackets, so a
/// policy name may hold `=`.
pub fn split_assignment(spec: &str) -> Option<(&str, &str)> {
    let mut depth = 0i32;
    let mut quoted = false;
    let mut escaped = false;
    let mut prev = ' ';
    for (i, c) in spec.char_indices() {
        let after = std::mem::replace(&mut prev, c);
        if quoted {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => quoted = false,
                _ => {}
            }
            continue;
        }
        match c {
            // A quoted selector starts right after its `[`.
            '"' if after == '[' => quoted = true,
            '[' => depth += 1,
            ']' => depth -= 1,
            '=' if depth <= 0 => return Some((&spec[..i], &spec[i + 1..])),
            _ => {}
        }
    }
    None
}

/// The policy a path's field belongs to (`policies[NAME]...` or
/// `policies[I]...`), as an index into `names`.
pub fn policy_of_path(path: &str, names: &[&str]) -> Option<usize> {
    match parse_path(path).ok()?.get(..2)? {
        [Step::Key(k), Step::Index(i)] if k == "policies" && *i < names.len() => Some(*i),
        [Step::Key(k), Step::Name(n)] if k == "policies" => names.iter().position(|p| p == n),
        _ => None,
    }
}

fn steps(path: &str) -> anyhow::Result<Vec<Step>> {
    parse_path(path)
}

/// Refuses a field that a sweep, an optimisation or a sensitivity analysis
/// cannot vary (`seed`, `replications`: every setting they compare runs on
/// the same seed and replications, set with `--seed` and `--replications`)
/// and a field given twice (`flag` names the option). Paths compare as
/// parsed, so `policies[p].x` and `policies[p] .x` are one field.
pub fn check_varied(flag: &str, paths: &[&str]) -> anyhow::Result<()> {
    let mut seen: Vec<Vec<Step>> = Vec::new();
    for path in paths {
        let steps = parse_path(path).with_context(|| format!("{flag} `{path}`"))?;
        if let [Step::Key(k)] = &steps[..] {
            if k == "seed" || k == "replications" {
                bail!(
                    "{flag} `{path}`: `{k}` cannot be varied: every setting is compared on the same seed and replications (common random numbers); set them with --{k}"
                );
            }
        }
        if seen.contains(&steps) {
            bail!("{flag} `{path}` is given twice");
        }
        seen.push(steps);
    }
    Ok(())
}

/// A field's kind in words: "a number", "text", "a list".
pub(crate) fn describe_value(v: &Value) -> &'static str {
    describe(v)
}

/// The field at `path` in `doc`, whatever it holds, or why there is none.
#[cfg(test)]
fn field_any<'v>(doc: &'v mut Value, path: &str) -> anyhow::Result<&'v mut Value> {
    walk(doc, path, false)
}

/// The field at `path` in `doc`, created (null, inside objects created as
/// needed) when the file leaves it to its default: the scenario's
/// validation then judges the name and the value.
pub(crate) fn field_or_default<'v>(
    doc: &'v mut Value,
    path: &str,
) -> anyhow::Result<&'v mut Value> {
    walk(doc, path, true)
}

fn walk<'v>(doc: &'v mut Value, path: &str, create: bool) -> anyhow::Result<&'v mut Value> {
    let mut node = doc;
    let mut walked = String::new();
    let steps = steps(path)?;
    let n_steps = steps.len();
    for (at, step) in steps.into_iter().enumerate() {
        node = match step {
            Step::Key(k) => {
                let here = if walked.is_empty() {
                    "the scenario".to_string()
                } else {
                    format!("`{walked}`")
                };
                walked = if walked.is_empty() {
                    k.clone()
                } else {
                    format!("{walked}.{k}")
                };
                let Value::Object(map) = node else {
                    bail!("`{path}`: {here} is not an object")
                };
                if create && !map.contains_key(&k) {
                    let inner = match steps_after(at, n_steps) {
                        true => Value::Object(Default::default()),
                        false => Value::Null,
                    };
                    map.insert(k.clone(), inner);
                }
                let keys: Vec<String> = map.keys().cloned().collect();
                map.get_mut(&k).with_context(|| {
                    format!(
                        "`{path}`: `{walked}` names nothing in the file (fields there: {}){}",
                        keys.join(", "),
                        crate::scenario::errors::did_you_mean(&k, keys.iter().map(String::as_str))
                    )
                })?
            }
            Step::Index(i) => {
                walked = format!("{walked}[{i}]");
                let Value::Array(items) = node else {
                    bail!("`{path}`: `{walked}` is not a list")
                };
                let len = items.len();
                items.get_mut(i).with_context(|| {
                    format!("`{path}`: `{walked}` is out of range (the list has {len})")
                })?
            }
            Step::Name(name) => {
                walked = format!("{walked}[{name}]");
                let Value::Array(items) = node else {
                    bail!("`{path}`: `{walked}` is not a list")
                };
                let names: Vec<String> = items
                    .iter()
                    .filter_map(|i| i.get("name")?.as_str().map(str::to_string))
                    .collect();
                let pos = items
                    .iter()
                    .position(|i| i.get("name").and_then(Value::as_str) == Some(name.as_str()));
                let Some(pos) = pos else {
                    bail!(
                        "`{path}`: `{walked}` names nothing (names there: {}){}",
                        names.join(", "),
                        crate::scenario::errors::did_you_mean(
                            &name,
                            names.iter().map(String::as_str)
                        )
                    );
                };
                &mut items[pos]
            }
        };
    }
    Ok(node)
}

/// Whether steps follow step `at` of `n`.
fn steps_after(at: usize, n: usize) -> bool {
    at + 1 < n
}

fn describe(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// The coordinates of grid point `i` (the first axis varies slowest).
pub fn coordinates(axes: &[Axis], i: usize) -> Vec<f64> {
    match axes {
        [a] => vec![a.values[i]],
        [a, b] => vec![a.values[i / b.values.len()], b.values[i % b.values.len()]],
        _ => Vec::new(),
    }
}

/// One grid point: its coordinates and its validated model.
pub struct Point {
    pub values: Vec<f64>,
    pub model: Model,
}

/// The most grid points a sweep may have in all.
pub const MAX_POINTS: usize = 10_000;

/// Builds and validates every grid point before anything runs.
pub fn grid(text: &str, file: &Path, axes: &[Axis]) -> anyhow::Result<Vec<Point>> {
    grid_with(
        text,
        file,
        axes,
        &crate::scenario::load::LoadOptions::default(),
    )
}

/// [`grid`] with load options (where data files may come from).
pub fn grid_with(
    text: &str,
    file: &Path,
    axes: &[Axis],
    options: &crate::scenario::load::LoadOptions,
) -> anyhow::Result<Vec<Point>> {
    if axes.is_empty() || axes.len() > 2 {
        bail!("give one or two --set fields to sweep, got {}", axes.len());
    }
    check_varied(
        "--set",
        &axes.iter().map(|a| a.path.as_str()).collect::<Vec<_>>(),
    )?;
    let total: usize = axes.iter().map(|a| a.values.len()).product();
    if total > MAX_POINTS {
        bail!("the grid has {total} points; at most {MAX_POINTS} are supported");
    }
    let base: Value =
        serde_json::from_str(text).with_context(|| format!("{} is not JSON", file.display()))?;
    // A field the file leaves to its default may be swept: it is added,
    // and the scenario's validation judges its name and values.
    for axis in axes {
        let mut probe = base.clone();
        let here = field_or_default(&mut probe, &axis.path)?;
        if !(here.is_number() || here.is_null()) {
            bail!(
                "`{}` is not a numeric field (it holds {})",
                axis.path,
                describe(here)
            );
        }
    }
    let coordinates: Vec<Vec<f64>> = match axes {
        [a] => a.values.iter().map(|&v| vec![v]).collect(),
        [a, b] => a
            .values
            .iter()
            .flat_map(|&x| b.values.iter().map(move |&y| vec![x, y]))
            .collect(),
        _ => unreachable!(),
    };
    coordinates
        .into_iter()
        .map(|values| {
            let mut doc = base.clone();
            for (axis, &v) in axes.iter().zip(&values) {
                *field_or_default(&mut doc, &axis.path)? = json_number(v);
            }
            let at: Vec<String> = axes
                .iter()
                .zip(&values)
                .map(|(a, v)| format!("{}={v}", a.path))
                .collect();
            let model = crate::scenario::load::load_text_with(&doc.to_string(), file, options)
                .map_err(|e| point_error(e, file, axes, &values, &at.join(", ")))?;
            Ok(Point { values, model })
        })
        .collect()
}

/// A grid value as JSON: a whole value is written as an integer, so that
/// whole-number fields (`capacity`, `max_reroutes`) accept `4:12:4`; number
/// fields accept integers too.
pub(crate) fn json_number(v: f64) -> Value {
    if v.fract() == 0.0 && v.abs() < 9.0e15 {
        Value::Number((v as i64).into())
    } else {
        serde_json::Number::from_f64(v)
            .map(Value::Number)
            .unwrap_or(Value::Null)
    }
}

/// Why a grid point does not load, in terms of the point and its fields:
/// the file's own positions mean nothing for a document the sweep built.
fn point_error(
    error: crate::scenario::errors::ScenarioError,
    file: &Path,
    axes: &[Axis],
    values: &[f64],
    at: &str,
) -> anyhow::Error {
    use crate::scenario::errors::ScenarioError;
    let problems: Vec<String> = match error {
        ScenarioError::Parse { path, message, .. } => {
            if message.contains("expected a whole number") {
                let field = path.trim_end_matches(": ");
                let culprit = axes
                    .iter()
                    .zip(values)
                    .find(|(_, v)| v.fract() != 0.0)
                    .map(|(a, v)| format!("--set `{}`: {v} is not a whole number", a.path));
                return anyhow::anyhow!(
                    "{}: sweep point {at}: `{field}` takes a whole number{}",
                    file.display(),
                    culprit.map_or(String::new(), |c| format!("; {c}"))
                );
            }
            vec![format!("{path}{message}")]
        }
        ScenarioError::Invalid { errors, .. } => errors
            .iter()
            .map(|e| format!("{}: {}", e.path, e.message))
            .collect(),
        other => vec![other.to_string()],
    };
    anyhow::anyhow!(
        "{}: sweep point {at} is not a valid scenario:\n  {}",
        file.display(),
        problems.join("\n  ")
    )
}

/// Runs every point with the same seed and replications (paired points).
pub fn run(
    points: &[Point],
    config: &RunConfig,
    progress: &(dyn Fn(u64) + Sync),
) -> anyhow::Result<Vec<Summary>> {
    points
        .iter()
        .map(|p| crate::simulate::simulate(&p.model, config, progress))
        .collect()
}

/// One candidate on a Pareto chart: a grid point and policy, its label, and
/// its two metric means.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub label: String,
    pub policy: usize,
    pub x: f64,
    pub y: f64,
    pub on_frontier: bool,
}

/// Marks the non-dominated candidates: none is at least as good on both
/// metrics and better on one (directions from the catalogue).
pub fn pareto(
    mut candidates: Vec<Candidate>,
    x_metric: Metric,
    y_metric: Metric,
) -> Vec<Candidate> {
    let sign = |k: Metric| {
        if k.direction() == Direction::LowerIsBetter {
            -1.0
        } else {
            1.0
        }
    };
    let (sx, sy) = (sign(x_metric), sign(y_metric));
    let snapshot = candidates.clone();
    for c in &mut candidates {
        c.on_frontier = !snapshot.iter().any(|o| {
            let (ox, oy, cx, cy) = (o.x * sx, o.y * sy, c.x * sx, c.y * sy);
            ox >= cx && oy >= cy && (ox > cx || oy > cy)
        });
    }
    candidates
}

/// The candidates of a Pareto frontier over metrics `x` and `y`: every
/// grid point and policy of the base world, with the frontier marked.
pub fn candidates(axes: &[Axis], runs: &[Summary], x: Metric, y: Metric) -> Vec<Candidate> {
    use crate::format::file_number;
    let coordinates = |i: usize| coordinates(axes, i);
    let mut candidates = Vec::new();
    for (i, s) in runs.iter().enumerate() {
        for (p, c) in s.world_cells(crate::summary::BASE_WORLD).iter().enumerate() {
            let (Some(ex), Some(ey)) = (c.metrics[x], c.metrics[y]) else {
                continue;
            };
            let at: Vec<String> = coordinates(i).iter().map(|v| file_number(*v)).collect();
            candidates.push(Candidate {
                label: format!("{} @ {}", c.policy, at.join(",")),
                policy: p,
                x: ex.mean,
                y: ey.mean,
                on_frontier: false,
            });
        }
    }
    // A policy the sweep does not touch has the same result at every
    // point (the points are paired): keep it once, named by itself.
    let mut unique: Vec<Candidate> = Vec::new();
    for c in candidates {
        let same: Vec<usize> = unique
            .iter()
            .enumerate()
            .filter(|(_, u)| u.policy == c.policy && u.x == c.x && u.y == c.y)
            .map(|(i, _)| i)
            .collect();
        match same.first() {
            Some(&i) => {
                unique[i].label = runs[0].world_cells(crate::summary::BASE_WORLD)[c.policy]
                    .policy
                    .clone()
            }
            None => unique.push(c),
        }
    }
    pareto(unique, x, y)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_parse_ranges_and_lists() {
        let a = parse_axis("policies[x].scoring.threshold=0:0.3:0.1").unwrap();
        assert_eq!(a.values, vec![0.0, 0.1, 0.2, 0.3]);
        assert_eq!(parse_axis("a.b=1,2.5").unwrap().values, vec![1.0, 2.5]);
        assert!(parse_axis("a.b=1:0:1").is_err());
        assert!(parse_axis("a.b").is_err());
    }

    #[test]
    fn paths_find_fields_or_say_why_not() {
        let mut doc: Value = serde_json::json!({
            "leads": {"arrivals_per_day": 10},
            "policies": [{"name": "a", "scoring": {"threshold": 0.2}, "payout": {"commission": [{"from": 0, "rate": 0.1}]}}]
        });
        assert_eq!(
            field_any(&mut doc, "policies[a].scoring.threshold").unwrap(),
            &serde_json::json!(0.2)
        );
        assert_eq!(
            field_any(&mut doc, "policies[0].payout.commission[0].rate").unwrap(),
            &serde_json::json!(0.1)
        );
        let e = field_any(&mut doc, "policies[b].scoring.threshold")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("`policies[b]` names nothing (names there: a)"),
            "{e}"
        );
        let e = field_any(&mut doc, "leads.arrivals_per_dya")
            .unwrap_err()
            .to_string();
        assert!(e.contains("did you mean `arrivals_per_day`?"), "{e}");
        // A field left to its default is added (inside new objects).
        *field_or_default(&mut doc, "policies[a].sla.first_contact_hours").unwrap() =
            serde_json::json!(8);
        assert_eq!(doc["policies"][0]["sla"]["first_contact_hours"], 8);
        assert!(field_any(&mut doc, "policies[3].scoring.threshold")
            .unwrap_err()
            .to_string()
            .contains("out of range"));
    }

    #[test]
    fn names_with_dots_brackets_spaces_and_equals_signs_are_addressable() {
        let names = [
            "threshold-0.15",
            "a b.c",
            "x[1].y",
            "odd ] name",
            "q\"uote",
            "7",
            "a=b",
        ];
        let policies: Vec<Value> = names
            .iter()
            .map(|n| serde_json::json!({"name": n, "scoring": {"threshold": 0.5}}))
            .collect();
        let mut doc = serde_json::json!({ "policies": policies });
        for (i, name) in names.iter().enumerate() {
            let path = format!("policies{}.scoring.threshold", name_selector(name));
            assert_eq!(
                parse_path(&path).unwrap(),
                vec![
                    Step::Key("policies".into()),
                    Step::Name(name.to_string()),
                    Step::Key("scoring".into()),
                    Step::Key("threshold".into()),
                ],
                "{path}"
            );
            assert_eq!(render_path(&parse_path(&path).unwrap()), path);
            *field_any(&mut doc, &path).unwrap() = serde_json::json!(i);
            assert_eq!(doc["policies"][i]["scoring"]["threshold"], i, "{path}");
            assert_eq!(policy_of_path(&path, &names), Some(i), "{path}");
            let axis = parse_axis(&format!("{path}=0.1,0.2")).unwrap();
            assert_eq!(axis.path, path);
            assert_eq!(axis.values, vec![0.1, 0.2]);
        }
        // As typed on a command line, without quotes.
        assert_eq!(
            parse_path("policies[threshold-0.15].scoring.threshold").unwrap()[1],
            Step::Name("threshold-0.15".into())
        );
        assert_eq!(
            name_selector("threshold-0.15"),
            "[threshold-0.15]",
            "plain names stay plain"
        );
        assert_eq!(
            name_selector("7"),
            "[\"7\"]",
            "a number-like name is quoted"
        );
        for bad in [
            "policies[a",
            "policies]",
            "a..b",
            "policies[]",
            "a[\"x].b",
            "a[0]x",
        ] {
            assert!(parse_path(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn pareto_keeps_the_non_dominated() {
        let win = Metric::LeadToWin;
        let gini = Metric::GiniLeads;
        let c = |label: &str, x: f64, y: f64| Candidate {
            label: label.into(),
            policy: 0,
            x,
            y,
            on_frontier: false,
        };
        // x = Gini (lower is better), y = lead-to-win (higher is better).
        let marked = pareto(
            vec![
                c("a", 0.2, 0.02),
                c("b", 0.3, 0.03),
                c("c", 0.3, 0.02),
                c("d", 0.1, 0.01),
            ],
            gini,
            win,
        );
        let on: Vec<&str> = marked
            .iter()
            .filter(|c| c.on_frontier)
            .map(|c| c.label.as_str())
            .collect();
        assert_eq!(on, vec!["a", "b", "d"]);
    }
}
