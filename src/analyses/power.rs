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
//!   lead-to-win. Giving each arm half of every partner's capacity removes
//!   the queue interference of a real pilot, where both arms' leads wait in
//!   the same partner queues; the engine runs one policy per queue, so a
//!   shared-queue design is not offered (docs/scenario-format.md, "Pilot
//!   power").
//! - Partner randomisation: each realisation splits the N partners into two
//!   arms, stratified by tier and capacity (within each stratum, half to
//!   each arm, an odd one out to a random arm); each arm gets the lead flow in proportion to
//!   its capacity. Analysis: a randomisation (permutation) test on the
//!   pilot's own design: the statistic is the lead-weighted difference in
//!   lead-to-win between the arms (each arm's wins over the leads its
//!   partners were first given, wherever those leads closed, the house
//!   after an SLA included; every partner counted, those with no lead too),
//!   and its null distribution comes from
//!   re-drawing the stratified split [`PERMUTATIONS`] times. Its size is
//!   alpha by construction, whatever the mix of partner types (Welch's t on
//!   partners' own rates, used before, rejected 1-3 % at a nominal 5 %).

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
    /// Weeks after the pilot's last lead before it is read (`--follow-up-weeks`).
    pub follow_up_weeks: f64,
    pub unit: Unit,
    pub alpha: f64,
    /// Simulated pilots.
    pub pilots: u64,
    pub seed: u64,
}

/// Re-drawn splits per partner-randomised pilot's permutation test.
pub const PERMUTATIONS: u64 = 999;

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
    /// power: for lead randomisation, solved from the two-proportion power
    /// at arm A's rate and the leads per arm (so it does not depend on
    /// which policy is piloted); for partner randomisation, the standard
    /// error of the lead-weighted difference under the design's own
    /// randomisation times (t(1 - alpha/2) + t(0.8)) with partners - 2
    /// degrees of freedom. Both in lead-to-win (a share: 0.01 is a point).
    pub mde: f64,
}

/// A pilot arm's model: one policy, some partners (capacity scaled), the
/// lead flow scaled, the base world; leads arrive for the pilot's length
/// (after the scenario's warm-up, if any) and the pilot is read at its
/// last day plus the follow-up: `window` is (pilot hours, follow-up hours).
fn arm_model(
    model: &Model,
    policy: usize,
    partners: &[usize],
    capacity_scale: f64,
    arrival_scale: f64,
    window: (f64, f64),
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
    let (hours, follow_up) = window;
    m.horizon_hours = model.warmup_hours + hours;
    m.readout_hours = Some(m.horizon_hours + follow_up);
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

/// A partner's stratum: its tier and its capacity, so that each arm gets
/// half of each kind of partner (and about half the capacity).
fn stratum(model: &Model, p: usize) -> (usize, u32) {
    (model.partners[p].tier, model.partners[p].team.capacity)
}

/// The stratified split of `partners` into arms A and B: within each
/// stratum (tier and capacity), shuffled, alternately to A and B from a
/// random first arm.
fn stratified_split(
    model: &Model,
    partners: &[usize],
    rng: &mut impl rand::Rng,
) -> (Vec<usize>, Vec<usize>) {
    let mut strata: Vec<(usize, u32)> = partners.iter().map(|&p| stratum(model, p)).collect();
    strata.sort_unstable();
    strata.dedup();
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for s in strata {
        let mut members: Vec<usize> = partners
            .iter()
            .copied()
            .filter(|&p| stratum(model, p) == s)
            .collect();
        members.shuffle(rng);
        let first_to_a = rng.random::<bool>();
        for (i, p) in members.into_iter().enumerate() {
            if (i % 2 == 0) == first_to_a {
                a.push(p);
            } else {
                b.push(p);
            }
        }
    }
    a.sort_unstable();
    b.sort_unstable();
    (a, b)
}

/// The lead-weighted difference in lead-to-win, B minus A, of partners'
/// (leads, wins) under an assignment (`in_b[i]` for partner i of the
/// pilot); `None` when an arm received no lead.
fn weighted_difference(outcomes: &[(f64, f64)], in_b: &[bool]) -> Option<f64> {
    let (mut la, mut wa, mut lb, mut wb) = (0.0, 0.0, 0.0, 0.0);
    for (&(leads, wins), &b) in outcomes.iter().zip(in_b) {
        if b {
            lb += leads;
            wb += wins;
        } else {
            la += leads;
            wa += wins;
        }
    }
    (la > 0.0 && lb > 0.0).then(|| wb / lb - wa / la)
}

/// One realisation of the pilot, analysed.
/// A lead-randomised pilot's two-proportion z-test of arm B's lead-to-win
/// against arm A's, at `alpha`.
fn two_proportions(a: &PolicyRun, b: &PolicyRun, alpha: f64) -> PilotOutcome {
    let z = Normal::new(0.0, 1.0).expect("standard normal");
    let (na, nb) = (a.leads as f64, b.leads as f64);
    let (pa, pb) = (
        a.outcomes.won as f64 / na.max(1.0),
        b.outcomes.won as f64 / nb.max(1.0),
    );
    let pooled = (a.outcomes.won + b.outcomes.won) as f64 / (na + nb).max(1.0);
    let se = (pooled * (1.0 - pooled) * (1.0 / na.max(1.0) + 1.0 / nb.max(1.0))).sqrt();
    let reject = se > 0.0 && ((pb - pa) / se).abs() > z.inverse_cdf(1.0 - alpha / 2.0);
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

/// A partner-randomised pilot's randomisation test: the stratified split
/// of `chosen` re-drawn [`PERMUTATIONS`] times from `rng`, each applied to
/// the partners' observed (leads, wins) `outcomes`; the p-value of the
/// `observed` difference (ties broken at random) and the variance of the
/// re-drawn differences.
fn randomisation_test(
    model: &Model,
    chosen: &[usize],
    outcomes: &[(f64, f64)],
    observed: f64,
    rng: &mut impl rand::Rng,
) -> (f64, f64) {
    let assignment = |b_group: &[usize]| -> Vec<bool> {
        chosen
            .iter()
            .map(|p| b_group.binary_search(p).is_ok())
            .collect()
    };
    let (mut beyond, mut tied, mut sum, mut sum2, mut count) = (0u64, 0u64, 0.0, 0.0, 0.0);
    let scale = observed.abs().max(1e-12);
    for _ in 0..PERMUTATIONS {
        let (_, b_perm) = stratified_split(model, chosen, rng);
        if let Some(t) = weighted_difference(outcomes, &assignment(&b_perm)) {
            let gap = t.abs() - observed.abs();
            if gap.abs() <= 1e-9 * scale {
                tied += 1;
            } else if gap > 0.0 {
                beyond += 1;
            }
            sum += t;
            sum2 += t * t;
            count += 1.0;
        } else {
            // An arm without leads is as extreme as anything.
            beyond += 1;
        }
    }
    // The split has few distinct values (with identical partners in a
    // tier, many splits tie), so ties are broken at random: the p-value is
    // then uniform under the null and the test's size is alpha, not below
    // it (Lehmann & Romano, Testing Statistical Hypotheses, 15.2,
    // randomised permutation tests).
    let u: f64 = rand::Rng::random(rng);
    let p_value = (beyond as f64 + u * (tied + 1) as f64) / (1 + PERMUTATIONS) as f64;
    let variance = if count > 1.0 {
        (sum2 - sum * sum / count) / (count - 1.0)
    } else {
        f64::NAN
    };
    (p_value, variance)
}

fn pilot(
    model: &Model,
    spec: &PilotSpec,
    weeks: f64,
    r: u64,
    scratch: &mut Scratch,
) -> PilotOutcome {
    let hours = (
        weeks * 7.0 * HOURS_PER_DAY,
        spec.follow_up_weeks * 7.0 * HOURS_PER_DAY,
    );
    let chosen: Vec<usize> = spec.partners.clone();
    let load =
        capacity(model, &chosen) / capacity(model, &(0..model.partners.len()).collect::<Vec<_>>());
    let rep = replication_seed(spec.seed, r);
    let skills = draw_skills(model, Streams::new(rep));
    // Each arm its own leads (independent streams), both arms the same skills.
    let arm_streams = |arm: u64| Streams::new(key(&[rep, Purpose::PilotArm as u64, arm]));
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
            two_proportions(&a, &b, spec.alpha)
        }
        Unit::Partner => {
            let mut rng = Streams::new(rep).rng(Purpose::Route, u64::MAX, 0);
            let (group_a, group_b) = stratified_split(model, &chosen, &mut rng);
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
            // (leads, wins) of every pilot partner, in `chosen` order.
            let outcome_of = |p: usize| -> (f64, f64) {
                let (group, run) = match group_a.binary_search(&p) {
                    Ok(i) => (i, &a),
                    Err(_) => (group_b.binary_search(&p).unwrap_or(0), &b),
                };
                let t = &run.partners[group];
                (t.first_leads as f64, t.first_wins as f64)
            };
            let outcomes: Vec<(f64, f64)> = chosen.iter().map(|&p| outcome_of(p)).collect();
            let assignment = |b_group: &[usize]| -> Vec<bool> {
                chosen
                    .iter()
                    .map(|p| b_group.binary_search(p).is_ok())
                    .collect()
            };
            let (pa, pb) = (
                a.outcomes.won as f64 / (a.leads as f64).max(1.0),
                b.outcomes.won as f64 / (b.leads as f64).max(1.0),
            );
            let Some(observed) = weighted_difference(&outcomes, &assignment(&group_b)) else {
                return PilotOutcome {
                    reject: false,
                    rate_a: pa,
                    rate_b: pb,
                    leads_a: a.leads as f64,
                    leads_b: b.leads as f64,
                    variance: f64::NAN,
                };
            };
            // The randomisation distribution: the same stratified split,
            // re-drawn, applied to the partners' observed outcomes.
            let mut perm_rng = Streams::new(rep).rng(Purpose::Route, u64::MAX - 1, 0);
            let (p_value, variance) =
                randomisation_test(model, &chosen, &outcomes, observed, &mut perm_rng);
            PilotOutcome {
                reject: p_value <= spec.alpha,
                rate_a: pa,
                rate_b: pb,
                leads_a: a.leads as f64,
                leads_b: b.leads as f64,
                variance,
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
    let (rate_a, leads_per_arm) = (sums[1] / k, sums[3] / k);
    let mde = match spec.unit {
        Unit::Lead => lead_mde(rate_a, leads_per_arm, spec.alpha),
        Unit::Partner => {
            let df = (spec.partners.len() as f64 - 2.0).max(1.0);
            let t = StudentsT::new(0.0, 1.0, df).expect("positive degrees of freedom");
            (t.inverse_cdf(1.0 - spec.alpha / 2.0) + t.inverse_cdf(0.8)) * var.sqrt()
        }
    };
    PowerResult {
        weeks,
        power,
        power_se: (power * (1.0 - power) / k).sqrt(),
        rate_a,
        rate_b: sums[2] / k,
        leads_per_arm,
        mde,
    }
}

/// A pilot study: the power curve over pilot lengths around the one asked
/// for, the result at that length, and the A/A check at it.
#[derive(Debug, Clone)]
pub struct Study {
    pub spec: PilotSpec,
    /// A quarter of the length to twice it, with the length itself.
    pub curve: Vec<PowerResult>,
    /// The result at the length asked for.
    pub at: PowerResult,
    /// The same design with B = A: how often it "finds" a difference that
    /// is not there. It should be alpha, within Monte Carlo error.
    pub aa: PowerResult,
}

impl Study {
    /// The longest pilot on the curve.
    pub fn longest_weeks(&self) -> f64 {
        self.curve.last().map_or(self.spec.weeks, |p| p.weeks)
    }

    /// The shortest pilot on the curve with 80 % power, if any.
    pub fn weeks_to_80(&self) -> Option<f64> {
        self.curve.iter().find(|p| p.power >= 0.8).map(|p| p.weeks)
    }
}

/// Runs the study of `spec`: pilots at a quarter, half, three quarters,
/// one, one and a half and two times `spec.weeks` (rounded to whole weeks,
/// at least one), and the A/A check at `spec.weeks`.
pub fn study(model: &Model, spec: &PilotSpec) -> Study {
    let mut lengths: Vec<f64> = [0.25, 0.5, 0.75, 1.0, 1.5, 2.0]
        .iter()
        .map(|f| (spec.weeks * f).max(1.0).round())
        .collect();
    lengths.push(spec.weeks);
    lengths.sort_by(f64::total_cmp);
    lengths.dedup();
    let curve: Vec<PowerResult> = lengths.iter().map(|&w| power(model, spec, w)).collect();
    let at = *curve
        .iter()
        .find(|p| p.weeks == spec.weeks)
        .expect("the requested length is on the curve");
    let aa = power(
        model,
        &PilotSpec {
            policy: spec.versus,
            ..spec.clone()
        },
        spec.weeks,
    );
    Study {
        spec: spec.clone(),
        curve,
        at,
        aa,
    }
}

/// The smallest lift over `pa` a two-proportion test with `n` leads per
/// arm detects with 80 % power at `alpha`: the `d` solving
/// `two_proportion_power(pa, pa + d, n, alpha) = 0.8`, by bisection. It
/// depends only on arm A's rate and the arm size.
pub fn lead_mde(pa: f64, n: f64, alpha: f64) -> f64 {
    if !(n > 0.0 && (0.0..1.0).contains(&pa)) {
        return f64::NAN;
    }
    let (mut lo, mut hi) = (0.0, 1.0 - pa);
    if two_proportion_power(pa, pa + hi, n, alpha) < 0.8 {
        return f64::NAN;
    }
    for _ in 0..100 {
        let mid = (lo + hi) / 2.0;
        if two_proportion_power(pa, pa + mid, n, alpha) < 0.8 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    hi
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
