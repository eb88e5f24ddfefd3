//! `validate`, `trace`, `diff` and `new`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;

use crate::app::cli::TraceArgs;

pub(super) fn validate(path: &Path, options: &leadsim::LoadOptions) -> anyhow::Result<ExitCode> {
    let model = leadsim::load_file_with(path, options)?;
    super::print_warnings(&model);
    out!("{}", leadsim::analyses::describe::describe(&model));
    outln!("\n{}: ok", path.display());
    Ok(ExitCode::SUCCESS)
}

pub(super) fn trace(args: TraceArgs, options: &leadsim::LoadOptions) -> anyhow::Result<ExitCode> {
    let model = leadsim::load_file_with(&args.scenario, options)?;
    super::print_warnings(&model);
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
    if args.replication >= model.replications {
        anyhow::bail!(
            "--replication {}: {} runs replications 0 to {}; a trace's outcomes are those of one of them",
            args.replication,
            args.scenario.display(),
            model.replications - 1
        );
    }
    let seed = args.seed.unwrap_or(model.seed);
    let out = args.out.clone().unwrap_or_else(|| {
        leadsim::report::output::default_dir(&model.name).join(format!(
            "trace-{}-{}-{}.csv",
            model.policies[policy].name, args.world, args.replication
        ))
    });
    leadsim::report::output::check_own_file(&out, "trace", &leadsim::report::trace::is_trace)?;
    let (leads, run) =
        leadsim::analyses::trace::trace(&model, seed, policy, world, args.replication);
    leadsim::report::output::write_own_file(
        &out,
        &leadsim::report::trace::render(&model, policy, &leads, args.leads),
        "trace",
        &leadsim::report::trace::is_trace,
    )?;
    let o = run.outcomes;
    let arrived = leads.iter().filter(|l| l.arrived).count();
    errln!(
        "wrote {} ({} of {} leads): won {}, lost {}, disqualified {}, dropped {}, unrouted {}, below threshold {}",
        out.display(),
        args.leads.map_or(arrived, |k| k.min(arrived)),
        arrived,
        o.won,
        o.lost,
        o.disqualified,
        o.dropped,
        o.unrouted,
        o.below_threshold
    );
    Ok(ExitCode::SUCCESS)
}

pub(super) fn diff(old: &Path, new: &Path, fail_on_change: bool) -> anyhow::Result<ExitCode> {
    let read = |path: &Path| -> anyhow::Result<leadsim::report::json::SummaryJson> {
        let bytes = leadsim::read_bounded(path, leadsim::MAX_SCENARIO_BYTES * 4)
            .with_context(|| format!("cannot read {}", path.display()))?;
        serde_json::from_slice::<leadsim::files::UniqueKeys>(&bytes)
            .with_context(|| format!("{} is not a leadsim summary.json", path.display()))?;
        let summary = serde_json::from_slice(&bytes)
            .with_context(|| format!("{} is not a leadsim summary.json", path.display()))?;
        leadsim::report::diff::check(&summary, &path.display().to_string())
            .map_err(anyhow::Error::msg)?;
        Ok(summary)
    };
    let d = leadsim::report::diff::diff(&read(old)?, &read(new)?);
    out!("{}", leadsim::report::diff::render(&d));
    let changed = d.changed();
    Ok(if fail_on_change && changed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

pub(super) fn new_scenario(name: &str, full: bool) -> anyhow::Result<ExitCode> {
    let text = leadsim::starter_scenario(name, full)?;
    let path = PathBuf::from(format!("{name}.json"));
    if path.exists() {
        anyhow::bail!(
            "{} already exists; pick another name or move it away",
            path.display()
        );
    }
    leadsim::report::write_atomic(&path, text.as_bytes())?;
    errln!(
        "wrote {}: edit it, then `leadsim validate {}` and `leadsim run {}`",
        path.display(),
        path.display(),
        path.display()
    );
    Ok(ExitCode::SUCCESS)
}
