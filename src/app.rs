//! What each command does, between the command line and the library.

use std::io::{IsTerminal, Write};

use indicatif::{ProgressBar, ProgressStyle};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;

use crate::cli::{Cli, Command, Format, PilotUnit, PowerArgs, RunArgs, SweepArgs, TraceArgs};
use leadsim::runner::RunConfig;

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        None => run_scenario(cli.run, false),
        Some(Command::Run(args)) => run_scenario(args, false),
        Some(Command::Check(args)) => run_scenario(args, true),
        Some(Command::Validate { scenario }) => validate(&scenario),
        Some(Command::Trace(args)) => trace(args),
        Some(Command::Diff {
            old,
            new,
            fail_on_change,
        }) => diff(&old, &new, fail_on_change),
        Some(Command::Sweep(args)) => sweep(args),
        Some(Command::Merge {
            parts,
            out,
            heatmap,
            quiet,
        }) => merge(&parts, out, &heatmap, quiet),
        Some(Command::Power(args)) => power(args),
        Some(Command::Schema) => {
            println!("{}", leadsim::schema::render());
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::New { name, full }) => new_scenario(&name, full),
    }
}

fn new_scenario(name: &str, full: bool) -> anyhow::Result<ExitCode> {
    let text = leadsim::starter_scenario(name, full)?;
    let path = PathBuf::from(format!("{name}.json"));
    if path.exists() {
        anyhow::bail!(
            "{} already exists; pick another name or move it away",
            path.display()
        );
    }
    leadsim::report::write_atomic(&path, text.as_bytes())?;
    eprintln!(
        "wrote {}: edit it, then `leadsim validate {}` and `leadsim run {}`",
        path.display(),
        path.display(),
        path.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn sweep(args: SweepArgs) -> anyhow::Result<ExitCode> {
    use leadsim::metrics::{index_of, METRICS};
    let text = std::fs::read_to_string(&args.scenario)
        .with_context(|| format!("cannot read {}", args.scenario.display()))?;
    let model = leadsim::load_text(&text, &args.scenario)?;
    let axes = args
        .set
        .iter()
        .map(|s| leadsim::sweep::parse_axis(s))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let metric = |name: &str| {
        index_of(name.trim()).ok_or_else(|| {
            anyhow::anyhow!(
                "--pareto: `{name}` is no metric{}",
                leadsim::scenario::errors::did_you_mean(
                    name.trim(),
                    METRICS.iter().map(|m| m.name)
                )
            )
        })
    };
    let pairs = args
        .pareto
        .iter()
        .map(|p| {
            let (a, b) = p
                .split_once(',')
                .ok_or_else(|| anyhow::anyhow!("--pareto `{p}`: expected METRIC,METRIC"))?;
            Ok((metric(a)?, metric(b)?))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    // Every path and every grid point is checked before anything runs.
    let points = leadsim::sweep::grid(&text, &args.scenario, &axes)?;
    let config = RunConfig {
        replications: args.replications.unwrap_or(model.replications),
        seed: args.seed.unwrap_or(model.seed),
        threads: args.threads.map(|t| t as usize),
    };
    let bar = if args.quiet || !std::io::stderr().is_terminal() {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(config.replications * points.len() as u64)
    };
    let heatmap_policy = model
        .policies
        .iter()
        .position(|p| axes[0].path.starts_with(&format!("policies[{}]", p.name)))
        .unwrap_or(model.baseline);
    let out_dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("output").join(&model.name).join("sweep"));
    if let Some(spec) = &args.shard {
        let shard = leadsim::shard::parse_shard(spec)?;
        let partial = leadsim::shard::run_sweep(
            &points,
            &axes,
            &pairs,
            heatmap_policy,
            &text,
            &args.scenario,
            &config,
            shard,
        )?;
        let path = out_dir.join(format!("sweep-part-{}-of-{}.json", shard.0, shard.1));
        leadsim::report::write_atomic(&path, &serde_json::to_vec(&partial)?)?;
        if !args.quiet {
            eprintln!(
                "sweep shard {}/{}: {} grid points; wrote {}",
                shard.0,
                shard.1,
                partial.points.len(),
                path.display()
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    let runs = leadsim::sweep::run(&points, &config, &|n| bar.inc(n));
    bar.finish_and_clear();
    let runs = runs?;
    let files = leadsim::sweep::outputs(&axes, &runs, &pairs, heatmap_policy)?;
    for (name, bytes) in &files {
        leadsim::report::write_atomic(&out_dir.join(name), bytes)?;
    }
    if !args.quiet {
        eprintln!(
            "swept {} points x {} replications; wrote {} files to {}",
            points.len(),
            config.replications,
            files.len(),
            out_dir.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn power(args: PowerArgs) -> anyhow::Result<ExitCode> {
    use leadsim::power::{PilotSpec, Unit};
    let model = leadsim::load_file(&args.scenario)?;
    let names: Vec<&str> = model.policies.iter().map(|p| p.name.as_str()).collect();
    let find = |flag: &str, name: &str| {
        names.iter().position(|n| *n == name).ok_or_else(|| {
            anyhow::anyhow!(
                "{flag}: `{name}` names no policy (policies: {}){}",
                names.join(", "),
                leadsim::scenario::errors::did_you_mean(name, names.iter().copied())
            )
        })
    };
    let policy = find("--policy", &args.policy)?;
    let versus = find("--vs", &args.versus)?;
    if args.partners as usize > model.partners.len() {
        anyhow::bail!(
            "--partners: the scenario has {} partners, not {}",
            model.partners.len(),
            args.partners
        );
    }
    if !(args.weeks.is_finite() && args.weeks > 0.0) {
        anyhow::bail!(
            "--weeks: expected a positive number of weeks, got {}",
            args.weeks
        );
    }
    if !(args.alpha > 0.0 && args.alpha < 1.0) {
        anyhow::bail!("--alpha: expected a level in (0, 1), got {}", args.alpha);
    }
    if matches!(model.leads.replay, Some(leadsim::model::Replay::Exact(_))) {
        anyhow::bail!(
            "a pilot splits the lead flow, which an exact replay cannot: use `mode: bootstrap`"
        );
    }
    let spec = PilotSpec {
        policy,
        versus,
        partners: args.partners as usize,
        weeks: args.weeks,
        unit: if args.unit == PilotUnit::Lead {
            Unit::Lead
        } else {
            Unit::Partner
        },
        alpha: args.alpha,
        pilots: args.pilots,
        seed: args.seed.unwrap_or(model.seed),
    };
    // The curve: a quarter of the length to twice it.
    let mut lengths: Vec<f64> = [0.25, 0.5, 0.75, 1.0, 1.5, 2.0]
        .iter()
        .map(|f| (args.weeks * f).max(1.0).round())
        .collect();
    lengths.push(args.weeks);
    lengths.sort_by(f64::total_cmp);
    lengths.dedup();
    let curve: Vec<leadsim::power::PowerResult> = lengths
        .iter()
        .map(|&w| leadsim::power::power(&model, &spec, w))
        .collect();
    let at = curve
        .iter()
        .find(|p| p.weeks == args.weeks)
        .copied()
        .expect("the requested length is on the curve");
    let unit = if spec.unit == Unit::Lead {
        "lead"
    } else {
        "partner"
    };
    println!(
        "pilot: {} (B) against {} (A), {} partners, {} weeks, {unit} randomisation, {} simulated pilots",
        args.policy, args.versus, args.partners, args.weeks, args.pilots
    );
    println!(
        "lead-to-win: A {:.2}%, B {:.2}% (difference {:+.2} points), {:.0} leads per arm",
        at.rate_a * 100.0,
        at.rate_b * 100.0,
        (at.rate_b - at.rate_a) * 100.0,
        at.leads_per_arm
    );
    println!(
        "power at alpha {}: {:.1}% (Monte Carlo ±{:.1})",
        args.alpha,
        at.power * 100.0,
        2.0 * at.power_se * 100.0
    );
    println!(
        "minimum detectable difference at 80% power: {:.2} points of lead-to-win",
        at.mde * 100.0
    );
    match curve.iter().find(|p| p.power >= 0.8) {
        Some(p) => println!("80% power from about {} weeks", p.weeks),
        None => println!(
            "80% power not reached within {} weeks",
            lengths.last().copied().unwrap_or(args.weeks)
        ),
    }
    let out_dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("output").join(&model.name).join("power"));
    let mut csv_out = csv::Writer::from_writer(Vec::new());
    csv_out.write_record([
        "weeks",
        "power",
        "power_se",
        "lead_to_win_a",
        "lead_to_win_b",
        "leads_per_arm",
        "mde",
    ])?;
    for p in &curve {
        csv_out.write_record(
            [
                p.weeks,
                p.power,
                p.power_se,
                p.rate_a,
                p.rate_b,
                p.leads_per_arm,
                p.mde,
            ]
            .map(leadsim::report::format::file_number),
        )?;
    }
    let title = format!(
        "Pilot of {} against {} ({} partners, {unit} randomisation)",
        args.policy, args.versus, args.partners
    );
    let svg = leadsim::plot::power::render(&title, &curve)
        .map_err(|e| anyhow::anyhow!("cannot draw power.svg: {e}"))?;
    leadsim::report::write_atomic(&out_dir.join("power.csv"), &csv_out.into_inner()?)?;
    leadsim::report::write_atomic(&out_dir.join("power.svg"), svg.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

fn heatmap_metric(name: &str) -> anyhow::Result<usize> {
    leadsim::metrics::index_of(name).ok_or_else(|| {
        anyhow::anyhow!(
            "--heatmap: `{name}` is no metric{}",
            leadsim::scenario::errors::did_you_mean(
                name,
                leadsim::metrics::METRICS.iter().map(|m| m.name)
            )
        )
    })
}

fn merge(
    parts: &[PathBuf],
    out: Option<PathBuf>,
    heatmap: &str,
    quiet: bool,
) -> anyhow::Result<ExitCode> {
    let heatmap = heatmap_metric(heatmap)?;
    // Sweep parts merge into a sweep's files.
    let sweeps: Vec<Option<leadsim::shard::SweepPartial>> = parts
        .iter()
        .map(|p| {
            std::fs::read(p)
                .ok()
                .and_then(|b| serde_json::from_slice(&b).ok())
        })
        .collect();
    if !sweeps.is_empty() && sweeps.iter().all(Option::is_some) {
        let sweeps: Vec<leadsim::shard::SweepPartial> = sweeps.into_iter().flatten().collect();
        let name = leadsim::load_text(&sweeps[0].scenario_text, &sweeps[0].scenario_file)?.name;
        let files = leadsim::shard::merge_sweep(sweeps)?;
        let out_dir = out.unwrap_or_else(|| PathBuf::from("output").join(name).join("sweep"));
        for (file, bytes) in &files {
            leadsim::report::write_atomic(&out_dir.join(file), bytes)?;
        }
        if !quiet {
            eprintln!(
                "merged {} sweep parts; wrote {} files to {}",
                parts.len(),
                files.len(),
                out_dir.display()
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    let (model, config, results) = leadsim::shard::merge(parts)?;
    let summary = leadsim::summary::summarise(&model, &config, &results);
    let out_dir = out.unwrap_or_else(|| PathBuf::from("output").join(&model.name));
    let files = leadsim::report::render_all(&summary, heatmap)?;
    let written = leadsim::report::write_all(&out_dir, &files)?;
    if !quiet {
        print!("{}", leadsim::report::table::render(&summary));
        eprintln!(
            "merged {} parts ({} replications); wrote {} files to {}",
            parts.len(),
            summary.replications,
            written.len(),
            out_dir.display()
        );
    }
    let failed = summary.checks.iter().any(|c| !c.passed);
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn diff(old: &Path, new: &Path, fail_on_change: bool) -> anyhow::Result<ExitCode> {
    let read = |path: &Path| -> anyhow::Result<leadsim::report::json::SummaryJson> {
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        serde_json::from_slice(&bytes)
            .with_context(|| format!("{} is not a leadsim summary.json", path.display()))
    };
    let d = leadsim::diff::diff(&read(old)?, &read(new)?);
    print!("{}", leadsim::diff::render(&d));
    let changed = !d.moved.is_empty() || !d.only_old.is_empty() || !d.only_new.is_empty();
    Ok(if fail_on_change && changed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn trace(args: TraceArgs) -> anyhow::Result<ExitCode> {
    let model = leadsim::load_file(&args.scenario)?;
    let Some(policy) = model.policies.iter().position(|p| p.name == args.policy) else {
        let names: Vec<&str> = model.policies.iter().map(|p| p.name.as_str()).collect();
        anyhow::bail!(
            "--policy: `{}` names no policy in {} (policies: {}){}",
            args.policy,
            args.scenario.display(),
            names.join(", "),
            leadsim::scenario::errors::did_you_mean(&args.policy, names.iter().copied())
        );
    };
    let Some(world) = model.worlds.iter().position(|w| w.name == args.world) else {
        let names: Vec<&str> = model.worlds.iter().map(|w| w.name.as_str()).collect();
        anyhow::bail!(
            "--world: `{}` names no world in {} (worlds: {}){}",
            args.world,
            args.scenario.display(),
            names.join(", "),
            leadsim::scenario::errors::did_you_mean(&args.world, names.iter().copied())
        );
    };
    let seed = args.seed.unwrap_or(model.seed);
    let (leads, run) = leadsim::trace::trace(&model, seed, policy, world, args.replication);
    let out = args.out.clone().unwrap_or_else(|| {
        PathBuf::from("output").join(&model.name).join(format!(
            "trace-{}-{}-{}.csv",
            model.policies[policy].name, args.world, args.replication
        ))
    });
    leadsim::report::write_atomic(&out, &leadsim::trace::render(&model, &leads, args.leads))?;
    let o = run.outcomes;
    eprintln!(
        "wrote {} ({} of {} leads): won {}, lost {}, disqualified {}, dropped {}, unrouted {}, below threshold {}",
        out.display(),
        args.leads.map_or(leads.len(), |k| k.min(leads.len())),
        leads.len(),
        o.won,
        o.lost,
        o.disqualified,
        o.dropped,
        o.unrouted,
        o.below_threshold
    );
    Ok(ExitCode::SUCCESS)
}

fn load(scenario: Option<&Path>) -> anyhow::Result<leadsim::model::Model> {
    Ok(match scenario {
        Some(path) => leadsim::load_file(path)?,
        None => leadsim::load_text(
            leadsim::DEFAULT_SCENARIO,
            Path::new(leadsim::DEFAULT_SCENARIO_FILE),
        )?,
    })
}

fn validate(path: &Path) -> anyhow::Result<ExitCode> {
    let model = leadsim::load_file(path)?;
    print!("{}", leadsim::describe::describe(&model));
    println!("\n{}: ok", path.display());
    Ok(ExitCode::SUCCESS)
}

/// `run --shard I/N`: one shard's partial result, for `merge`.
fn run_shard(
    args: &RunArgs,
    model: &leadsim::model::Model,
    config: &RunConfig,
    spec: &str,
) -> anyhow::Result<ExitCode> {
    let shard = leadsim::shard::parse_shard(spec)?;
    if args.precision.is_some() {
        anyhow::bail!(
            "--shard and --precision do not combine: a shard cannot see the others' precision"
        );
    }
    let (file, text) = match &args.scenario {
        Some(path) => (
            path.clone(),
            std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?,
        ),
        None => (
            PathBuf::from(leadsim::DEFAULT_SCENARIO_FILE),
            leadsim::DEFAULT_SCENARIO.to_string(),
        ),
    };
    let partial = leadsim::shard::run(model, &text, &file, config, shard, &|_| {})?;
    let out_dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("output").join(&model.name));
    let path = out_dir.join(format!("part-{}-of-{}.json", shard.0, shard.1));
    leadsim::report::write_atomic(&path, &serde_json::to_vec(&partial)?)?;
    if !args.quiet {
        eprintln!(
            "shard {}/{}: {} replications; wrote {}",
            shard.0,
            shard.1,
            partial.parts.len(),
            path.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `run`, or with `check_only` the `check` command: no table and no files
/// (unless `--out`), just the assertions.
fn run_scenario(args: RunArgs, check_only: bool) -> anyhow::Result<ExitCode> {
    let model = load(args.scenario.as_deref())?;
    let config = RunConfig {
        replications: args.replications.unwrap_or(model.replications),
        seed: args.seed.unwrap_or(model.seed),
        threads: args.threads.map(|t| t as usize),
    };
    let heatmap = heatmap_metric(&args.heatmap)?;
    if let Some(spec) = &args.shard {
        return run_shard(&args, &model, &config, spec);
    }
    let out_dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("output").join(&model.name));
    let bar = if args.quiet || !std::io::stderr().is_terminal() {
        ProgressBar::hidden()
    } else {
        let bar = ProgressBar::new(config.replications);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} {bar:32} {pos}/{len} replications  {per_sec}  {elapsed_precise} elapsed, about {eta} left",
            )
            .expect("the progress template is valid"),
        );
        bar
    };
    let summary = match args.precision {
        None => leadsim::simulate(&model, &config, &|n| bar.inc(n)),
        Some(precision) => {
            if !(precision.is_finite() && precision > 0.0) {
                anyhow::bail!("--precision: expected a positive relative half-width such as 0.02, got {precision}");
            }
            bar.set_length(args.max_replications);
            leadsim::simulate_to_precision(
                &model,
                &config,
                precision,
                args.max_replications,
                &|n| bar.inc(n),
            )
            .map(|(summary, reached)| {
                if !args.quiet || !reached {
                    eprintln!(
                        "precision {precision}: {} after {} replications",
                        if reached { "reached" } else { "NOT reached" },
                        summary.replications
                    );
                }
                summary
            })
        }
    };
    bar.finish_and_clear();
    let summary = summary?;
    let write_files = !check_only || args.out.is_some();
    let written = if write_files {
        let files = leadsim::report::render_all(&summary, heatmap)?;
        leadsim::report::write_all(&out_dir, &files)?
    } else {
        Vec::new()
    };
    let checks = leadsim::checks::render(&summary.checks);
    let failed = summary.checks.iter().any(|c| !c.passed);
    if check_only {
        if summary.checks.is_empty() {
            anyhow::bail!("{} has no `expect` assertions to check", model.name);
        }
        print!("{checks}");
        return Ok(if failed {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        });
    }

    let mut stdout = std::io::stdout().lock();
    match args.format {
        Format::Json => {
            stdout
                .write_all(&leadsim::report::json::render(&summary))
                .context("cannot write to standard output")?;
        }
        Format::Table if !args.quiet => {
            write!(stdout, "{}", leadsim::report::table::render(&summary))
                .context("cannot write to standard output")?;
        }
        Format::Table => {}
    }
    if !summary.checks.is_empty() {
        // Assertions go with the table, or to stderr beside JSON output.
        if args.format == Format::Table && !args.quiet {
            write!(stdout, "\n{checks}").context("cannot write to standard output")?;
        } else if failed || !args.quiet {
            eprint!("{checks}");
        }
    }
    if !args.quiet {
        eprintln!("wrote {} files to {}", written.len(), out_dir.display());
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
