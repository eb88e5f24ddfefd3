//! `sweep` and `power`.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use indicatif::ProgressBar;

use crate::cli::{PilotUnit, PowerArgs, SweepArgs};
use leadsim::runner::RunConfig;

pub(super) fn sweep(args: SweepArgs, options: &leadsim::LoadOptions) -> anyhow::Result<ExitCode> {
    let text = leadsim::read_scenario(&args.scenario)?;
    let model = leadsim::load_text_with(&text, &args.scenario, options)?;
    super::print_warnings(&model);
    let axes = args
        .set
        .iter()
        .map(|s| leadsim::sweep::parse_axis(s))
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
    let config = RunConfig {
        replications: args.replications.unwrap_or(model.replications),
        seed: args.seed.unwrap_or(model.seed),
        threads: args.threads.map(|t| t as usize),
    };
    let n_points: u64 = axes.iter().map(|a| a.values.len() as u64).product();
    leadsim::check_work(&model, config.replications, n_points, args.force)?;
    let points = leadsim::sweep::grid_with(&text, &args.scenario, &axes, options)?;
    let bar = if args.quiet || !std::io::stderr().is_terminal() {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(config.replications * points.len() as u64)
    };
    // The policy every swept field belongs to, when there is one.
    let swept_policy = |path: &str| {
        (0..model.policies.len()).find(|&i| {
            path.starts_with(&format!("policies[{}]", model.policies[i].name))
                || path.starts_with(&format!("policies[{i}]"))
        })
    };
    let only_policy = swept_policy(&axes[0].path)
        .filter(|&p| axes.iter().all(|a| swept_policy(&a.path) == Some(p)));
    let heatmap_policy = swept_policy(&axes[0].path).unwrap_or(model.baseline);
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
    let files = leadsim::report::sweep::outputs(&axes, &runs, &pairs, heatmap_policy)?;
    let files: Vec<(&str, Vec<u8>)> = files.iter().map(|(n, b)| (n.as_str(), b.clone())).collect();
    // Shard parts of an earlier sharded sweep are kept.
    leadsim::report::output::write_set(&out_dir, &files, &|n| !n.starts_with("sweep-part-"))?;
    if !args.quiet {
        print!(
            "{}",
            leadsim::report::table::render_sweep(&axes, &runs, only_policy)
        );
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

pub(super) fn power(args: PowerArgs, options: &leadsim::LoadOptions) -> anyhow::Result<ExitCode> {
    use leadsim::power::{PilotSpec, Unit};
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
    let partners = leadsim::power::pilot_partners(&model, &args.partners)?;
    if !(args.weeks.is_finite() && args.weeks > 0.0 && args.weeks <= 520.0) {
        anyhow::bail!(
            "--weeks: expected a positive number of weeks, at most 520, got {}",
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
        partners: partners.clone(),
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
    let names: Vec<&str> = partners
        .iter()
        .map(|&p| model.partners[p].name.as_str())
        .collect();
    println!(
        "pilot: {} (B) against {} (A), {} partners ({}), {} weeks, {unit} randomisation, {} simulated pilots",
        args.policy,
        args.versus,
        partners.len(),
        names.join(", "),
        args.weeks,
        args.pilots
    );
    println!(
        "lead-to-win: A {:.2}%, B {:.2}% (difference {:+.2} points), {:.0} leads per arm",
        at.rate_a * 100.0,
        at.rate_b * 100.0,
        (at.rate_b - at.rate_a) * 100.0,
        at.leads_per_arm
    );
    // The same design with B = A: how often it "finds" a difference that
    // is not there. It should be alpha, within Monte Carlo error.
    let aa = leadsim::power::power(
        &model,
        &PilotSpec {
            policy: spec.versus,
            ..spec.clone()
        },
        args.weeks,
    );
    println!(
        "power at alpha {}: {:.1}% (Monte Carlo ±{:.1}); A/A size (B = A, no real difference): {:.1}% (±{:.1})",
        args.alpha,
        at.power * 100.0,
        2.0 * at.power_se * 100.0,
        aa.power * 100.0,
        2.0 * aa.power_se * 100.0
    );
    println!(
        "minimum detectable difference at 80% power: {:.2} points of lead-to-win{}",
        at.mde * 100.0,
        if spec.unit == Unit::Lead {
            " (over A's rate, leads randomised)"
        } else {
            " (lead-weighted difference between the two arms of partners)"
        }
    );
    if at.power < args.alpha {
        println!(
            "note: power is below alpha ({:.1}% < {}%): the test's size is alpha (the A/A line), \
             so B's difference from A on lead-to-win is too small for this pilot to see, and the \
             gap to alpha is Monte Carlo error (±{:.1}). Pilot longer, with more partners, or \
             randomise by lead.",
            at.power * 100.0,
            args.alpha * 100.0,
            2.0 * at.power_se * 100.0
        );
    }
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
            .map(leadsim::format::file_number),
        )?;
    }
    let title = format!(
        "Pilot of {} against {} ({} partners, {unit} randomisation)",
        args.policy,
        args.versus,
        partners.len()
    );
    let svg = leadsim::plot::power::render(&title, &curve)
        .map_err(|e| anyhow::anyhow!("cannot draw power.svg: {e}"))?;
    leadsim::report::output::write_set(
        &out_dir,
        &[
            ("power.csv", csv_out.into_inner()?),
            ("power.svg", svg.into_bytes()),
        ],
        &|_| true,
    )?;
    Ok(ExitCode::SUCCESS)
}
