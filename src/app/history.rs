//! `calibrate` and `backtest`: the commands that read a CRM export.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;

use crate::app::cli::{BacktestArgs, CalibrateArgs};

/// Reads and parses an export, bounded like any data file.
fn read_history(
    path: &Path,
    columns: Option<&str>,
) -> anyhow::Result<leadsim::analyses::history::History> {
    let columns = match columns {
        Some(spec) => leadsim::analyses::history::parse_columns(spec)?,
        None => leadsim::analyses::history::Columns::default(),
    };
    let bytes = leadsim::files::read_bounded(path, leadsim::scenario::data::MAX_DATA_BYTES)
        .with_context(|| format!("cannot read {}", path.display()))?;
    leadsim::analyses::history::read(&path.display().to_string(), &bytes, &columns)
}

/// A file's name, for sentences and descriptions.
fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

pub(super) fn calibrate(
    args: CalibrateArgs,
    options: &leadsim::LoadOptions,
) -> anyhow::Result<ExitCode> {
    // The scenario written must not replace a file leadsim did not write
    // (the export itself, a hand-written scenario).
    leadsim::report::output::check_own_file(
        &args.out,
        "calibrated scenario",
        &leadsim::analyses::calibrate::is_calibrated_scenario,
    )?;
    let history = read_history(&args.history, args.columns.as_deref())?;
    let template = match &args.template {
        Some(path) => {
            // The template must be a valid scenario itself.
            let text = leadsim::read_scenario(path)?;
            leadsim::load_text_with(&text, path, options)?;
            Some(serde_json::from_str::<serde_json::Value>(&text)?)
        }
        None => None,
    };
    let name = args
        .out
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .filter(|s| !s.is_empty())
        .with_context(|| {
            format!(
                "--out {}: expected a file name such as calibrated.json",
                args.out.display()
            )
        })?;
    let source = file_name(&args.history);
    let fitted = leadsim::analyses::calibrate::fit(&source, &history)?;
    let scenario = fitted.scenario(&name, template.as_ref());
    let mut text = serde_json::to_string_pretty(&scenario)?;
    text.push('\n');
    // What is written must load: checked before anything is written. The
    // text is not on disk, so the error names the fit, not a file's line.
    let model =
        leadsim::load_text_with(&text, Path::new("(fitted scenario)"), options).map_err(|e| {
            anyhow::anyhow!(
                "the scenario fitted from {source} is not valid, so nothing was written: {}{}",
                e,
                leadsim::analyses::calibrate::which_fits(&scenario, &e.to_string(), &history)
            )
        })?;
    let report_dir = args
        .report
        .clone()
        .unwrap_or_else(|| leadsim::report::output::default_dir(&model.name).join("calibration"));
    leadsim::report::output::check_dir(&report_dir)?;
    let html = leadsim::report::calibrate::html(&fitted, &args.out.display().to_string())?;
    let csv = leadsim::report::calibrate::csv(&fitted);
    leadsim::report::output::write_own_file(
        &args.out,
        text.as_bytes(),
        "calibrated scenario",
        &leadsim::analyses::calibrate::is_calibrated_scenario,
    )?;
    leadsim::report::output::write_set(
        &report_dir,
        "calibrate",
        &[("calibration.html", html), ("calibration.csv", csv)],
    )?;
    // Warnings are never hidden, --quiet or not.
    super::print_warnings(&model);
    if !args.quiet {
        let partners = fitted.holders.iter().filter(|h| !h.house).count();
        outln!(
            "calibrated {} from {}: {} leads over {} days ({:.1} a day), {} segments, {} partners{}; {} rows set aside{}",
            args.out.display(),
            source,
            fitted.leads,
            fitted.horizon_days,
            fitted.per_day,
            fitted.segments.len(),
            partners,
            if fitted.holders.iter().any(|h| h.house) {
                " and the house"
            } else {
                ""
            },
            fitted.set_aside.len(),
            if fitted.set_aside.is_empty() {
                String::new()
            } else {
                format!(
                    " ({})",
                    fitted
                        .set_aside
                        .iter()
                        .take(3)
                        .map(|(l, why)| format!("line {l}: {why}"))
                        .collect::<Vec<_>>()
                        .join("; ")
                        + if fitted.set_aside.len() > 3 { "; ..." } else { "" }
                )
            }
        );
        errln!(
            "wrote {} and calibration.html, calibration.csv in {}",
            args.out.display(),
            report_dir.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) fn backtest(
    args: BacktestArgs,
    options: &leadsim::LoadOptions,
) -> anyhow::Result<ExitCode> {
    let model = leadsim::load_file_with(&args.scenario, options)?;
    super::print_warnings(&model);
    let history = read_history(&args.history, args.columns.as_deref())?;
    let cancel = leadsim::runner::Cancel::default();
    let config = args.exec.config(&model, &cancel);
    leadsim::check_work(&model, config.replications, 1, args.exec.force)?;
    let source = file_name(&args.history);
    let out_dir = args
        .out
        .clone()
        .unwrap_or_else(|| leadsim::report::output::default_dir(&model.name).join("backtest"));
    leadsim::report::output::check_dir(&out_dir)?;
    let result =
        leadsim::analyses::backtest::backtest(model, &source, &history, &args.policy, &config)?;
    let section = leadsim::report::backtest::section(&result)?;
    let extra = vec![(
        "backtest.csv".to_string(),
        leadsim::report::backtest::csv(&result),
    )];
    let written =
        super::analysis::write_run_with(&out_dir, "backtest", &result.summary, &section, extra)?;
    if !args.exec.quiet {
        for s in leadsim::report::backtest::sentences(&result) {
            outln!("- {s}");
        }
        errln!("wrote {written} files to {}", out_dir.display());
    }
    Ok(if result.flagged().next().is_some() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
