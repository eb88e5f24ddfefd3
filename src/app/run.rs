//! `run`, `check`, `run --shard` and `merge`.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use indicatif::{ProgressBar, ProgressStyle};

use super::{heatmap_metric, source};
use crate::app::cli::{Format, RunArgs};
use leadsim::runner::RunConfig;

/// `run --shard I/N`: one shard's partial result, for `merge`.
fn run_shard(
    args: &RunArgs,
    model: &leadsim::model::Model,
    config: &RunConfig,
    (file, text): (&Path, &str),
    spec: &str,
) -> anyhow::Result<ExitCode> {
    let shard = leadsim::analyses::shard::parse_shard(spec)?;
    if args.precision.is_some() {
        anyhow::bail!(
            "--shard and --precision do not combine: a shard cannot see the others' precision"
        );
    }
    let out_dir = args
        .out
        .clone()
        .unwrap_or_else(|| leadsim::report::output::default_dir(&model.name));
    let path = out_dir.join(format!("part-{}-of-{}.json", shard.0, shard.1));
    leadsim::report::output::check_own_file(
        &path,
        "shard part",
        &leadsim::analyses::shard::is_part,
    )?;
    let key = super::part_key();
    let partial =
        leadsim::analyses::shard::run(model, text, file, config, shard, key.as_deref(), &|_| {})?;
    leadsim::report::output::write_own_file(
        &path,
        &serde_json::to_vec(&partial)?,
        "shard part",
        &leadsim::analyses::shard::is_part,
    )?;
    if !args.exec.quiet {
        errln!(
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
pub(super) fn run_scenario(
    args: RunArgs,
    check_only: bool,
    options: &leadsim::LoadOptions,
    cancel: &leadsim::runner::Cancel,
) -> anyhow::Result<ExitCode> {
    let (file, text) = source(args.scenario.as_deref())?;
    let model = leadsim::load_text_with(&text, &file, options)?;
    super::print_warnings(&model);
    if check_only && model.expectations.is_empty() {
        anyhow::bail!(
            "{}: `{}` has no `expect` assertions, so there is nothing to check; add an \
             `expect` list (docs/scenario-format.md, \"expect\") or use `leadsim run`",
            file.display(),
            model.name
        );
    }
    let config = args.exec.config(&model, cancel);
    let heatmap = heatmap_metric(&args.heatmap)?;
    let planned = match args.precision {
        Some(_) => args.max_replications.max(config.replications),
        None => config.replications,
    };
    leadsim::check_work(&model, planned, 1, args.exec.force)?;
    if let Some(spec) = &args.shard {
        return run_shard(&args, &model, &config, (&file, &text), spec);
    }
    let out_dir = args
        .out
        .clone()
        .unwrap_or_else(|| leadsim::report::output::default_dir(&model.name));
    let write_files = !check_only || args.out.is_some();
    if write_files {
        // A folder that cannot take the files is refused before simulating.
        leadsim::report::output::check_dir(&out_dir)?;
    }
    let bar = progress_bar(args.exec.quiet, config.replications);
    let summary = simulate_run(&args, &model, &config, &bar);
    bar.finish_and_clear();
    let summary = summary?;
    // Warnings the run itself found (the scenario's were printed at load).
    for w in summary.warnings.iter().skip(model.warnings.len()) {
        errln!("warning: {w}");
    }
    // What makes the figures unfit to act on, one line per kind.
    for h in &summary.health {
        errln!("problem: {}", h.sentence);
    }
    let written = if write_files {
        let files = leadsim::report::render_all(&summary, heatmap)?;
        leadsim::report::write_all(&out_dir, if check_only { "check" } else { "run" }, &files)?
    } else {
        Vec::new()
    };
    let checks = leadsim::report::checks::render(&summary.checks);
    let failed = summary.checks.iter().any(|c| !c.passed);
    if check_only {
        out!("{checks}");
        return Ok(if failed {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        });
    }

    let mut stdout = std::io::stdout().lock();
    match args.format {
        Format::Json => {
            super::stdout_result(stdout.write_all(&leadsim::report::json::render(&summary)))?;
        }
        Format::Table if !args.exec.quiet => {
            super::stdout_result(write!(
                stdout,
                "{}",
                leadsim::report::table::render(&summary)
            ))?;
        }
        Format::Table => {}
    }
    if !summary.checks.is_empty() {
        // Assertions go with the table, or to stderr beside JSON output.
        if args.format == Format::Table && !args.exec.quiet {
            super::stdout_result(write!(stdout, "\n{checks}"))?;
        } else if failed || !args.exec.quiet {
            err!("{checks}");
        }
    }
    if !args.exec.quiet {
        errln!("wrote {} files to {}", written.len(), out_dir.display());
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The replications' progress bar on a terminal, hidden when quiet or
/// when stderr is not a terminal.
fn progress_bar(quiet: bool, replications: u64) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        ProgressBar::hidden()
    } else {
        let bar = ProgressBar::new(replications);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} {bar:32} {pos}/{len} replications  {per_sec}  {elapsed_precise} elapsed, about {eta} left",
            )
            .expect("the progress template is valid"),
        );
        bar
    }
}

/// The run: its replications, or with `--precision` as many as it takes
/// (saying how far it got).
fn simulate_run(
    args: &RunArgs,
    model: &leadsim::model::Model,
    config: &leadsim::runner::RunConfig,
    bar: &ProgressBar,
) -> anyhow::Result<leadsim::summary::Summary> {
    match args.precision {
        None => leadsim::simulate(model, config, &|n| bar.inc(n)),
        Some(precision) => {
            if !(precision.is_finite() && precision > 0.0) {
                anyhow::bail!("--precision: expected a positive relative half-width such as 0.02, got {precision}");
            }
            bar.set_length(args.max_replications);
            leadsim::simulate_to_precision(
                model,
                config,
                precision,
                args.max_replications,
                &|n| bar.inc(n),
            )
            .map(|(summary, reached)| {
                if !args.exec.quiet || !reached {
                    errln!(
                        "precision {precision}: every headline metric's 95% half-width {} {precision} x |mean| after {} replications",
                        if reached { "is within" } else { "is NOT yet within" },
                        summary.replications
                    );
                    for (policy, world, metric, relative) in
                        leadsim::precision_shortfalls(&summary, precision)
                    {
                        errln!(
                            "  short: {policy} in `{world}`, {metric}: half-width {:.2}% of the mean",
                            relative * 100.0
                        );
                    }
                }
                summary
            })
        }
    }
}

pub(super) fn merge(
    parts: &[PathBuf],
    scenario: Option<&Path>,
    out: Option<PathBuf>,
    heatmap: &str,
    quiet: bool,
    options: &leadsim::LoadOptions,
) -> anyhow::Result<ExitCode> {
    let heatmap = heatmap_metric(heatmap)?;
    // Sweep parts merge into a sweep's files.
    let sweeps: Vec<Option<leadsim::analyses::shard::SweepPartial>> = parts
        .iter()
        .map(|p| {
            leadsim::read_bounded(p, leadsim::analyses::shard::MAX_PART_BYTES)
                .ok()
                .and_then(|b| serde_json::from_slice(&b).ok())
        })
        .collect();
    if !sweeps.is_empty() && sweeps.iter().all(Option::is_some) {
        let sweeps: Vec<leadsim::analyses::shard::SweepPartial> =
            sweeps.into_iter().flatten().collect();
        let file = leadsim::analyses::shard::scenario_location(
            &parts[0],
            &sweeps[0].scenario_file,
            &sweeps[0].scenario_text,
            scenario,
        )?;
        let name = leadsim::load_text_with(&sweeps[0].scenario_text, &file, options)?.name;
        let merged = leadsim::analyses::shard::merge_sweep(
            sweeps,
            &file,
            super::part_key().as_deref(),
            options,
        )?;
        let files = leadsim::report::sweep::outputs(
            &merged.axes,
            &merged.summaries,
            &merged.pareto,
            merged.heatmap_policy,
        )?;
        let out_dir =
            out.unwrap_or_else(|| leadsim::report::output::default_dir(&name).join("sweep"));
        leadsim::report::output::check_dir(&out_dir)?;
        let files: Vec<(&str, Vec<u8>)> =
            files.iter().map(|(n, b)| (n.as_str(), b.clone())).collect();
        leadsim::report::output::write_set(&out_dir, "merge", &files)?;
        if !quiet {
            errln!(
                "merged {} sweep parts; wrote {} files to {}",
                parts.len(),
                files.len(),
                out_dir.display()
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    let (model, config, results) =
        leadsim::analyses::shard::merge(parts, scenario, super::part_key().as_deref(), options)?;
    let out_dir = out.unwrap_or_else(|| leadsim::report::output::default_dir(&model.name));
    leadsim::report::output::check_dir(&out_dir)?;
    let summary = leadsim::summary::summarise(&model, &config, &results);
    let files = leadsim::report::render_all(&summary, heatmap)?;
    let written = leadsim::report::write_all(&out_dir, "merge", &files)?;
    if !quiet {
        out!("{}", leadsim::report::table::render(&summary));
        errln!(
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
