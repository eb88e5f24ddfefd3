//! `sweep`, `optimize`, `sensitivity` and `power`.

use std::io::IsTerminal;
use std::process::ExitCode;

use indicatif::ProgressBar;

use crate::app::cli::{
    DecideArgs, OptimizeArgs, OptimizeWorld, PilotUnit, PowerArgs, SensitivityArgs, SweepArgs,
};

pub(super) fn sweep(
    args: SweepArgs,
    options: &leadsim::LoadOptions,
    cancel: &leadsim::runner::Cancel,
) -> anyhow::Result<ExitCode> {
    let text = leadsim::read_scenario(&args.scenario)?;
    let model = leadsim::load_text_with(&text, &args.scenario, options)?;
    super::print_warnings(&model);
    let axes = args
        .set
        .iter()
        .map(|s| leadsim::analyses::sweep::parse_axis(s))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let metric = |name: &str| super::metric("--pareto", name);
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
    let config = args.exec.config(&model, cancel);
    let n_points: u64 = axes.iter().map(|a| a.values.len() as u64).product();
    leadsim::check_work(&model, config.replications, n_points, args.exec.force)?;
    let points = leadsim::analyses::sweep::grid_with(&text, &args.scenario, &axes, options)?;
    let bar = if args.exec.quiet || !std::io::stderr().is_terminal() {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(config.replications * points.len() as u64)
    };
    // The policy every swept field belongs to, when there is one.
    let names: Vec<&str> = model.policies.iter().map(|p| p.name.as_str()).collect();
    let swept_policy = |path: &str| leadsim::analyses::sweep::policy_of_path(path, &names);
    let only_policy = swept_policy(&axes[0].path)
        .filter(|&p| axes.iter().all(|a| swept_policy(&a.path) == Some(p)));
    let heatmap_policy = swept_policy(&axes[0].path).unwrap_or(model.baseline);
    let out_dir = args
        .out
        .clone()
        .unwrap_or_else(|| leadsim::report::output::default_dir(&model.name).join("sweep"));
    if args.shard.is_none() {
        leadsim::report::output::check_dir(&out_dir)?;
    }
    if let Some(spec) = &args.shard {
        let shard = leadsim::analyses::shard::parse_shard(spec)?;
        let path = out_dir.join(format!("sweep-part-{}-of-{}.json", shard.0, shard.1));
        leadsim::report::output::check_own_file(
            &path,
            "sweep shard part",
            &leadsim::analyses::shard::is_part,
        )?;
        let partial = leadsim::analyses::shard::run_sweep(
            &points,
            &axes,
            &pairs,
            heatmap_policy,
            &text,
            &args.scenario,
            &config,
            shard,
            super::part_key().as_deref(),
        )?;
        leadsim::report::output::write_own_file(
            &path,
            &serde_json::to_vec(&partial)?,
            "sweep shard part",
            &leadsim::analyses::shard::is_part,
        )?;
        if !args.exec.quiet {
            errln!(
                "sweep shard {}/{}: {} grid points; wrote {}",
                shard.0,
                shard.1,
                partial.points.len(),
                path.display()
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    let runs = leadsim::analyses::sweep::run(&points, &config, &|n| bar.inc(n));
    bar.finish_and_clear();
    let runs = runs?;
    let files = leadsim::report::sweep::outputs(&axes, &runs, &pairs, heatmap_policy)?;
    let files: Vec<(&str, Vec<u8>)> = files.iter().map(|(n, b)| (n.as_str(), b.clone())).collect();
    // Shard parts of an earlier sharded sweep are kept.
    leadsim::report::output::write_set(&out_dir, "sweep", &files)?;
    if !args.exec.quiet {
        out!(
            "{}",
            leadsim::report::table::render_sweep(&axes, &runs, only_policy)
        );
        errln!(
            "swept {} points x {} replications; wrote {} files to {}",
            points.len(),
            config.replications,
            files.len(),
            out_dir.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) fn power(args: PowerArgs, options: &leadsim::LoadOptions) -> anyhow::Result<ExitCode> {
    use leadsim::analyses::power::{PilotSpec, Unit};
    let model = leadsim::load_file_with(&args.scenario, options)?;
    super::print_warnings(&model);
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
    let partners = leadsim::analyses::power::pilot_partners(&model, &args.partners)?;
    if !(args.weeks.is_finite() && args.weeks > 0.0 && args.weeks <= 520.0) {
        anyhow::bail!(
            "--weeks: expected a positive number of weeks, at most 520, got {}",
            args.weeks
        );
    }
    if !(args.follow_up_weeks.is_finite()
        && args.follow_up_weeks >= 0.0
        && args.follow_up_weeks <= 520.0)
    {
        anyhow::bail!(
            "--follow-up-weeks: expected a number of weeks from 0 to 520, got {}",
            args.follow_up_weeks
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
        partners: partners.clone(),
        weeks: args.weeks,
        follow_up_weeks: args.follow_up_weeks,
        unit: if args.unit == PilotUnit::Lead {
            Unit::Lead
        } else {
            Unit::Partner
        },
        alpha: args.alpha,
        pilots: args.pilots,
        seed: args.seed.unwrap_or(model.seed),
    };
    let out_dir = args
        .out
        .clone()
        .unwrap_or_else(|| leadsim::report::output::default_dir(&model.name).join("power"));
    leadsim::report::output::check_dir(&out_dir)?;
    let study = leadsim::analyses::power::study(&model, &spec);
    out!("{}", leadsim::report::power::text(&model, &study));
    let files = leadsim::report::power::files(&model, &study)?;
    let files: Vec<(&str, Vec<u8>)> = files.iter().map(|(n, b)| (n.as_str(), b.clone())).collect();
    leadsim::report::output::write_set(&out_dir, "power", &files)?;
    Ok(ExitCode::SUCCESS)
}

pub(super) fn optimize(
    args: OptimizeArgs,
    options: &leadsim::LoadOptions,
) -> anyhow::Result<ExitCode> {
    let text = leadsim::read_scenario(&args.scenario)?;
    let model = leadsim::load_text_with(&text, &args.scenario, options)?;
    super::print_warnings(&model);
    if args.shard.is_some() {
        anyhow::bail!(
            "--shard: optimize cannot be sharded: each setting it tries depends on the ones before (Nelder-Mead is sequential); it already uses every core (--threads) within each evaluation"
        );
    }
    let cancel = leadsim::runner::Cancel::default();
    let config = args.exec.config(&model, &cancel);
    let problem = problem(&args, &config)?;
    let (objective, maximize) = (problem.objective, problem.maximize);
    let prepared = leadsim::analyses::optimize::prepare(problem, &text, &args.scenario, options)?;
    leadsim::check_work(
        &model,
        config.replications,
        args.budget as u64,
        args.exec.force,
    )?;
    let out_dir = args
        .out
        .clone()
        .unwrap_or_else(|| leadsim::report::output::default_dir(&model.name).join("optimize"));
    leadsim::report::output::check_dir(&out_dir)?;
    let bar = if args.exec.quiet || !std::io::stderr().is_terminal() {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(args.budget as u64)
    };
    let unit = objective.unit();
    let search = leadsim::analyses::optimize::search(&prepared, &|done, best| {
        bar.set_position(done as u64);
        bar.set_message(match best {
            Some(e) => format!("best {}", leadsim::format::human(e.score, unit)),
            None => "no feasible setting yet".to_string(),
        });
    });
    bar.finish_and_clear();
    let search = search?;
    let chosen = leadsim::analyses::optimum::select(&prepared, &search)?;
    let csv = leadsim::report::optimize::csv(&prepared, &search, chosen.as_ref());
    let Some(chosen) = chosen else {
        leadsim::report::output::write_set(&out_dir, "optimize", &[("optimize.csv", csv)])?;
        let closest = closest_setting(&prepared, &search);
        errln!(
            "no feasible setting among the {} tried{}; every setting is in {}",
            search.evaluations.len(),
            closest.map_or(String::new(), |c| format!(": {c}")),
            out_dir.join("optimize.csv").display()
        );
        return Ok(ExitCode::from(1));
    };
    let best = &search.evaluations[chosen.best()];
    let how = format!(
        "Found by leadsim optimize from `{}`: {} {} subject to [{}] over {}, {} settings searched on seed {} with {} replications each, chosen by Kim and Nelson's procedure at an indifference zone of {}% of the objective.",
        prepared.problem.policy,
        if maximize { "maximise" } else { "minimise" },
        objective,
        prepared
            .problem
            .constraints
            .iter()
            .map(|c| c.to_string())
            .collect::<Vec<_>>()
            .join(", "),
        prepared.describe(&best.values),
        search.evaluations.len(),
        config.seed,
        config.replications,
        args.delta * 100.0
    );
    let policy = prepared.best_policy(&best.values, &how)?;
    let comparison = prepared.comparison(policy.clone())?;
    let summary = leadsim::simulate(&comparison, &config, &|_| {})?;
    let figures = leadsim::report::optimize::figures(&prepared, &search, Some(&chosen))?;
    let violations = prepared.original_violations(&summary);
    let section =
        leadsim::report::optimize::section(&prepared, &search, &chosen, &figures, &violations);
    let mut best_json = serde_json::to_vec_pretty(&policy)?;
    best_json.push(b'\n');
    let mut extra = vec![
        ("optimize.csv".to_string(), csv),
        ("best.json".to_string(), best_json),
    ];
    extra.extend(figures.into_iter().map(|f| (f.file, f.svg.into_bytes())));
    let written = write_run_with(&out_dir, "optimize", &summary, &section, extra)?;
    // Beside the comparison, and never hidden by --quiet.
    for v in &violations {
        errln!("warning: {v}");
    }
    if !args.exec.quiet {
        out!("{}", leadsim::report::table::render(&summary));
        outln!(
            "\nChosen: {} ({} {}).",
            prepared.describe(&best.values),
            objective,
            leadsim::format::human(best.score, unit)
        );
        outln!(
            "{}",
            leadsim::report::optimize::guarantee(&prepared, &chosen)
        );

        errln!(
            "searched {} settings x {} replications; wrote {} files to {}",
            search.evaluations.len(),
            config.replications,
            written,
            out_dir.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The search `optimize`'s arguments ask for.
fn problem(
    args: &OptimizeArgs,
    config: &leadsim::runner::RunConfig,
) -> anyhow::Result<leadsim::analyses::optimize::Problem> {
    use leadsim::analyses::optimize::{parse_constraint, parse_vary, Problem};
    let varies = args
        .vary
        .iter()
        .map(|v| parse_vary(v))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let (objective, maximize) = match (&args.maximize, &args.minimize) {
        (Some(m), None) => (super::metric("--maximize", m)?, true),
        (None, Some(m)) => (super::metric("--minimize", m)?, false),
        _ => anyhow::bail!("give one of --maximize METRIC or --minimize METRIC"),
    };
    let constraints = args
        .subject_to
        .iter()
        .map(|c| parse_constraint(c))
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(Problem {
        policy: args.policy.clone(),
        varies,
        objective,
        maximize,
        constraints,
        all_worlds: args.world == OptimizeWorld::All,
        budget: args.budget,
        delta: args.delta,
        replications: config.replications,
        seed: config.seed,
        threads: config.threads,
    })
}

/// Where the search came closest to feasible, with each constraint's
/// measured interval there.
fn closest_setting(
    prepared: &leadsim::analyses::optimize::Prepared,
    search: &leadsim::analyses::optimize::Search,
) -> Option<String> {
    search.closest().map(|i| {
        let e = &search.evaluations[i];
        let unmet: Vec<String> = prepared
            .problem
            .constraints
            .iter()
            .map(|c| {
                let e = e.worlds[0][c.metric];
                format!(
                    "{c}: {}",
                    e.map_or("undefined".to_string(), |e| {
                        let (lo, hi) = e.ci95.unwrap_or((e.mean, e.mean));
                        format!("{} (95% CI {} to {})", e.mean, lo, hi)
                    })
                )
            })
            .collect();
        format!(
            "the closest was {} ({})",
            prepared.describe(&e.values),
            unmet.join("; ")
        )
    })
}

pub(super) fn sensitivity(
    args: SensitivityArgs,
    options: &leadsim::LoadOptions,
) -> anyhow::Result<ExitCode> {
    let text = leadsim::read_scenario(&args.scenario)?;
    let model = leadsim::load_text_with(&text, &args.scenario, options)?;
    super::print_warnings(&model);
    let metric = super::metric("--metric", &args.metric)?;
    let assumptions = args
        .vary
        .iter()
        .map(|v| leadsim::analyses::sensitivity::parse_assumption(v))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let cancel = leadsim::runner::Cancel::default();
    let config = args.exec.config(&model, &cancel);
    // Each assumption: two ends and at most a bisection's steps.
    let runs =
        1 + assumptions.len() as u64 * (2 + leadsim::analyses::sensitivity::BISECTION_STEPS as u64);
    leadsim::check_work(&model, config.replications, runs, args.exec.force)?;
    let out_dir = args
        .out
        .clone()
        .unwrap_or_else(|| leadsim::report::output::default_dir(&model.name).join("sensitivity"));
    leadsim::report::output::check_dir(&out_dir)?;
    let quiet = args.exec.quiet;
    let analysis = leadsim::analyses::sensitivity::analyse(
        &text,
        &args.scenario,
        options,
        &args.policy,
        &args.versus,
        metric,
        assumptions,
        config.clone(),
        &|what| {
            if !quiet && std::io::stderr().is_terminal() {
                errln!("simulating {what}");
            }
        },
    )?;
    let tornado = leadsim::report::sensitivity::tornado(&analysis)?;
    let section = leadsim::report::sensitivity::section(&analysis, &tornado);
    let extra = vec![
        (
            "sensitivity.csv".to_string(),
            leadsim::report::sensitivity::csv(&analysis),
        ),
        ("tornado.svg".to_string(), tornado.into_bytes()),
    ];
    let written = write_run_with(&out_dir, "sensitivity", &analysis.base, &section, extra)?;
    if !quiet {
        for s in leadsim::report::sensitivity::sentences(&analysis) {
            outln!("- {s}");
        }
        errln!("wrote {written} files to {}", out_dir.display());
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) fn decide(args: DecideArgs, options: &leadsim::LoadOptions) -> anyhow::Result<ExitCode> {
    use leadsim::analyses::decide;
    let text = leadsim::read_scenario(&args.scenario)?;
    let model = leadsim::load_text_with(&text, &args.scenario, options)?;
    super::print_warnings(&model);
    let extra = args
        .vary
        .iter()
        .map(|v| leadsim::analyses::sensitivity::parse_assumption(v))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let doc: serde_json::Value = serde_json::from_str(&text)?;
    let planned = decide::with_overrides(
        decide::default_assumptions(&doc, model.horizon_days()),
        extra.clone(),
    );
    let cancel = leadsim::runner::Cancel::default();
    let config = args.exec.config(&model, &cancel);
    // The full run, the two-policy run at the file's values, and each
    // assumption's two ends and at most a bisection's steps.
    let runs =
        2 + planned.len() as u64 * (2 + 3 * leadsim::analyses::sensitivity::BISECTION_STEPS as u64);
    leadsim::check_work(&model, config.replications, runs, args.exec.force)?;
    let out_dir = args
        .out
        .clone()
        .unwrap_or_else(|| leadsim::report::output::default_dir(&model.name).join("decide"));
    leadsim::report::output::check_dir(&out_dir)?;
    let quiet = args.exec.quiet;
    let decided = decide::decide(
        &text,
        &args.scenario,
        options,
        &model,
        extra,
        config,
        &|what| {
            if !quiet && std::io::stderr().is_terminal() {
                errln!("simulating {what}");
            }
        },
    )?;
    let tornado = match &decided.flips {
        Some(a) => Some(leadsim::report::sensitivity::tornado(a)?),
        None => None,
    };
    let section = leadsim::report::decide::section(&decided, tornado.clone());
    let mut extra = vec![(
        "decision.json".to_string(),
        leadsim::report::decide::json(&decided),
    )];
    if let Some(t) = tornado {
        extra.push(("tornado.svg".to_string(), t.into_bytes()));
    }
    for h in &decided.summary.health {
        errln!("problem: {}", h.sentence);
    }
    let written = write_run_with(&out_dir, "decide", &decided.summary, &section, extra)?;
    if !quiet {
        for line in leadsim::report::decision::sentences(&decided.summary) {
            outln!("{line}");
        }
        for s in leadsim::report::decide::sentences(&decided) {
            outln!("- {s}");
        }
        errln!("wrote {written} files to {}", out_dir.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes a run's outputs with another command's section in its report,
/// plus that command's own files, into `dir` as one set; how many files.
pub(super) fn write_run_with(
    dir: &std::path::Path,
    command: &str,
    summary: &leadsim::summary::Summary,
    section: &leadsim::report::html::Section,
    extra: Vec<(String, Vec<u8>)>,
) -> anyhow::Result<usize> {
    let files: Vec<(String, Vec<u8>)> = leadsim::report::render_all_with(
        summary,
        leadsim::metrics::Metric::LeadToWin,
        Some(section),
    )?
    .into_iter()
    .map(|(n, b)| (n.to_string(), b))
    .chain(extra)
    .collect();
    let files: Vec<(&str, Vec<u8>)> = files.iter().map(|(n, b)| (n.as_str(), b.clone())).collect();
    leadsim::report::output::write_set(dir, command, &files)?;
    Ok(files.len())
}
