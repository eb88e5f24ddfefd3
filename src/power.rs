//! `leadsim power`: if we pilot policy B against policy A in the real world
//! with N partners for W weeks, how likely is the pilot to show the
//! difference? Simulates the pilot itself many times, one realisation each,
//! and analyses each as a real pilot would be analysed.
//!
//! The pilot uses the partners the user names (or the scenario's first N,
//! file order, after `count`), with the lead flow scaled to their share of
//! the programme's capacity, in the base world.
//! - Lead randomisation: each lead joins arm A or B with probability 1/2;
//!   both arms use the same partners (same skills), each arm getting half of
//!   each partner's capacity. Analysis: a two-proportion z-test on
//!   lead-to-win.
//! - Partner randomisation: each realisation splits the N partners into two
//!   random halves, one per arm; each arm gets the lead flow in proportion
//!   to its capacity. Analysis: a cluster-robust comparison, Welch's t-test
//!   on the partners' own win rates (wins per lead received).

use rand::seq::SliceRandom;
use rayon::prelude::*;
use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

use crate::engine::leads::{draw_skills, draw_world};
use crate::engine::rng::{key, replication_seed, Purpose, Streams};
use crate::engine::{simulate, PolicyRun, Scratch};
use crate::model::{Model, HOURS_PER_DAY};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Lead,
    Partner,
}

#[derive(Debug, Clone)]
pub struct PilotSpec {
    /// The candidate (B) and the comparison (A), as policy indices.
    pub policy: usize,
    pub versus: usize,
    /// The pilot's partners, as partner indices (after `count`), ascending.
    pub partners: Vec<usize>,
    pub weeks: f64,
    pub unit: Unit,
    pub alpha: f64,
    /// Simulated pilots.
    pub pilots: u64,
    pub seed: u64,
}

/// What the simulated pilots showed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PowerResult {
    pub weeks: f64,
    /// Share of pilots whose test rejected "no difference" at `alpha`.
    pub power: f64,
    /// Monte Carlo standard error of `power`.
    pub power_se: f64,
    /// Mean lead-to-win of each arm, and leads per arm, over the pilots.
    pub rate_a: f64,
    pub rate_b: f64,
    pub leads_per_arm: f64,
    /// The smallest difference in lead-to-win the pilot detects with 80 %
    /// power (normal approximation with the pilots' own variances).
    pub mde: f64,
}

/// A pilot arm's model: one policy, some partners (capacity scaled), the
/// lead flow scaled, the pilot's length, the base world.
fn arm_model(
    model: &Model,
    policy: usize,
    partners: &[usize],
    capacity_scale: f64,
    arrival_scale: f64,
    hours: f64,
) -> Model {
    let mut m = model.clone();
    m.partners = partners
        .iter()
        .map(|&p| {
            let mut partner = model.partners[p].clone();
            partner.team.capacity =
                ((partner.team.capacity as f64 * capacity_scale).round() as u32).max(1);
            partner
        })
        .collect();
    let mut pol = model.policies[policy].clone();
    pol.routing.weights = partners
        .iter()
        .map(|&p| model.policies[policy].routing.weights[p])
        .collect();
    m.policies = vec![pol];
    m.baseline = 0;
    m.worlds.truncate(1);
    m.expectations.clear();
    m.leads.arrivals_per_hour *= arrival_scale;
    m.horizon_hours = hours;
    m
}

fn capacity(model: &Model, partners: &[usize]) -> f64 {
    partners
        .iter()
        .map(|&p| model.partners[p].team.capacity as f64)
        .sum()
}

/// One arm's run, its partners' skills those of the full scenario.
fn run_arm(
    arm: &Model,
    partners: &[usize],
    skills: &[crate::engine::leads::Skill],
    streams: Streams,
    scratch: &mut Scratch,
) -> PolicyRun {
    let mut world = draw_world(arm, 0, streams, 0);
    let house = skills.last().copied().filter(|_| arm.house.is_some());
    world.skills = partners.iter().map(|&p| skills[p]).chain(house).collect();
    simulate(arm, &arm.policies[0], &world, scratch)
}

/// What one simulated pilot showed.
#[derive(Debug, Clone, Copy)]
struct PilotOutcome {
    reject: bool,
    rate_a: f64,
    rate_b: f64,
    leads_a: f64,
    leads_b: f64,
    /// The variance of the tested difference (NaN when it could not be tested).
    variance: f64,
}

/// One realisation of the pilot, analysed.
fn pilot(
    model: &Model,
    spec: &PilotSpec,
    weeks: f64,
    r: u64,
    scratch: &mut Scratch,
) -> PilotOutcome {
    let hours = weeks * 7.0 * HOURS_PER_DAY;
    let chosen: Vec<usize> = spec.partners.clone();
    let load =
        capacity(model, &chosen) / capacity(model, &(0..model.partners.len()).collect::<Vec<_>>());
    let rep = replication_seed(spec.seed, r);
    let skills = draw_skills(model, Streams::new(rep));
    // Each arm its own leads (independent streams), both arms the same skills.
    let arm_streams = |arm: u64| Streams::new(key(&[rep, 0xA4A4, arm]));
    let z = Normal::new(0.0, 1.0).expect("standard normal");
    match spec.unit {
        Unit::Lead => {
            let a = run_arm(
                &arm_model(model, spec.versus, &chosen, 0.5, 0.5 * load, hours),
                &chosen,
                &skills,
                arm_streams(0),
                scratch,
            );
            let b = run_arm(
                &arm_model(model, spec.policy, &chosen, 0.5, 0.5 * load, hours),
                &chosen,
                &skills,
                arm_streams(1),
                scratch,
            );
            let (na, nb) = (a.leads as f64, b.leads as f64);
            let (pa, pb) = (
                a.outcomes.won as f64 / na.max(1.0),
                b.outcomes.won as f64 / nb.max(1.0),
            );
            let pooled = (a.outcomes.won + b.outcomes.won) as f64 / (na + nb).max(1.0);
            let se = (pooled * (1.0 - pooled) * (1.0 / na.max(1.0) + 1.0 / nb.max(1.0))).sqrt();
            let reject = se > 0.0 && ((pb - pa) / se).abs() > z.inverse_cdf(1.0 - spec.alpha / 2.0);
            let var = pa * (1.0 - pa) / na.max(1.0) + pb * (1.0 - pb) / nb.max(1.0);
            PilotOutcome {
                reject,
                rate_a: pa,
                rate_b: pb,
                leads_a: na,
                leads_b: nb,
                variance: var,
            }
        }
        Unit::Partner => {
            let mut order = chosen.clone();
            order.shuffle(&mut Streams::new(rep).rng(Purpose::Route, u64::MAX, 0));
            let (group_a, group_b) = order.split_at(order.len() / 2);
            let (mut group_a, mut group_b) = (group_a.to_vec(), group_b.to_vec());
            group_a.sort_unstable();
            group_b.sort_unstable();
            let total = capacity(model, &chosen);
            let share = |g: &[usize]| capacity(model, g) / total;
            let a = run_arm(
                &arm_model(
                    model,
                    spec.versus,
                    &group_a,
                    1.0,
                    load * share(&group_a),
                    hours,
                ),
                &group_a,
                &skills,
                arm_streams(0),
                scratch,
            );
            let b = run_arm(
                &arm_model(
                    model,
                    spec.policy,
                    &group_b,
                    1.0,
                    load * share(&group_b),
                    hours,
                ),
                &group_b,
                &skills,
                arm_streams(1),
                scratch,
            );
            let rates = |run: &PolicyRun| -> Vec<f64> {
                run.partners
                    .iter()
                    .filter(|p| p.leads > 0)
                    .map(|p| p.wins as f64 / p.leads as f64)
                    .collect()
            };
            let (ra, rb) = (rates(&a), rates(&b));
            let mean_var = |x: &[f64]| {
                let n = x.len() as f64;
                let m = x.iter().sum::<f64>() / n;
                (
                    m,
                    x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1.0).max(1.0),
                )
            };
            let (pa, pb) = (
                a.outcomes.won as f64 / (a.leads as f64).max(1.0),
                b.outcomes.won as f64 / (b.leads as f64).max(1.0),
            );
            if ra.len() < 2 || rb.len() < 2 {
                return PilotOutcome {
                    reject: false,
                    rate_a: pa,
                    rate_b: pb,
                    leads_a: a.leads as f64,
                    leads_b: b.leads as f64,
                    variance: f64::NAN,
                };
            }
            let ((ma, va), (mb, vb)) = (mean_var(&ra), mean_var(&rb));
            let (ka, kb) = (ra.len() as f64, rb.len() as f64);
            let se2 = va / ka + vb / kb;
            // Welch–Satterthwaite degrees of freedom.
            let df = se2 * se2 / ((va / ka).powi(2) / (ka - 1.0) + (vb / kb).powi(2) / (kb - 1.0));
            let reject = se2 > 0.0
                && df.is_finite()
                && StudentsT::new(0.0, 1.0, df).is_ok_and(|t| {
                    ((mb - ma) / se2.sqrt()).abs() > t.inverse_cdf(1.0 - spec.alpha / 2.0)
                });
            PilotOutcome {
                reject,
                rate_a: pa,
                rate_b: pb,
                leads_a: a.leads as f64,
                leads_b: b.leads as f64,
                variance: se2,
            }
        }
    }
}

/// The pilot's partners from `--partners`: a count N (the scenario's first
/// N partners, file order, after `count`) or a comma-separated list of
/// names, where a line's name (`Agency`) stands for all its copies.
pub fn pilot_partners(model: &Model, spec: &str) -> anyhow::Result<Vec<usize>> {
    let n = model.partners.len();
    if let Ok(count) = spec.trim().parse::<usize>() {
        if count < 2 || count > n {
            anyhow::bail!(
                "--partners: expected 2 to {n} (the scenario has {n} partners) or a list of names, got {count}"
            );
        }
        return Ok((0..count).collect());
    }
    let mut chosen = Vec::new();
    for name in spec.split(',').map(str::trim) {
        let exact: Vec<usize> = (0..n).filter(|&p| model.partners[p].name == name).collect();
        let line: Vec<usize> = (0..n)
            .filter(|&p| {
                model.partners[p]
                    .name
                    .strip_prefix(name)
                    .and_then(|rest| rest.strip_prefix('-'))
                    .is_some_and(|k| !k.is_empty() && k.bytes().all(|b| b.is_ascii_digit()))
            })
            .collect();
        let found = if exact.is_empty() { line } else { exact };
        if found.is_empty() {
            let names: Vec<&str> = model.partners.iter().map(|p| p.name.as_str()).collect();
            anyhow::bail!(
                "--partners: `{name}` names no partner (partners: {}){}",
                names.join(", "),
                crate::scenario::errors::did_you_mean(name, names.iter().copied())
            );
        }
        chosen.extend(found);
    }
    chosen.sort_unstable();
    chosen.dedup();
    if chosen.len() < 2 {
        anyhow::bail!(
            "--partners: a pilot needs at least 2 partners, got {}",
            chosen.len()
        );
    }
    Ok(chosen)
}

/// Simulates `spec.pilots` pilots of `weeks` weeks.
pub fn power(model: &Model, spec: &PilotSpec, weeks: f64) -> PowerResult {
    // Pilots run in chunks of a fixed size, each summed in pilot order, so
    // memory does not grow with the number of pilots and the sums do not
    // depend on the thread count.
    const CHUNK: u64 = 4096;
    let mut sums = [0.0f64; 4];
    let (mut var_sum, mut var_n) = (0.0f64, 0u64);
    let mut start = 0;
    while start < spec.pilots {
        let end = (start + CHUNK).min(spec.pilots);
        let outcomes: Vec<PilotOutcome> = (start..end)
            .into_par_iter()
            .map_init(Scratch::default, |scratch, r| {
                pilot(model, spec, weeks, r, scratch)
            })
            .collect();
        for o in &outcomes {
            sums[0] += o.reject as u8 as f64;
            sums[1] += o.rate_a;
            sums[2] += o.rate_b;
            sums[3] += (o.leads_a + o.leads_b) / 2.0;
            if o.variance.is_finite() {
                var_sum += o.variance;
                var_n += 1;
            }
        }
        start = end;
    }
    let k = spec.pilots.max(1) as f64;
    let power = sums[0] / k;
    let var = var_sum / (var_n as f64).max(1.0);
    let z = Normal::new(0.0, 1.0).expect("standard normal");
    let mde = (z.inverse_cdf(1.0 - spec.alpha / 2.0) + z.inverse_cdf(0.8)) * var.sqrt();
    PowerResult {
        weeks,
        power,
        power_se: (power * (1.0 - power) / k).sqrt(),
        rate_a: sums[1] / k,
        rate_b: sums[2] / k,
        leads_per_arm: sums[3] / k,
        mde,
    }
}

/// Power of a two-sided two-proportion z-test with `n` leads per arm
/// (normal approximation): the closed form the lead-randomised simulation is
/// checked against.
pub fn two_proportion_power(pa: f64, pb: f64, n: f64, alpha: f64) -> f64 {
    let z = Normal::new(0.0, 1.0).expect("standard normal");
    let se = (pa * (1.0 - pa) / n + pb * (1.0 - pb) / n).sqrt();
    let crit = z.inverse_cdf(1.0 - alpha / 2.0);
    let d = (pb - pa).abs() / se;
    z.cdf(d - crit) + z.cdf(-d - crit)
}
