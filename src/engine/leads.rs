//! The lead stream and partner skills of one replication: the world every
//! policy in that replication shares.
//!
//! Drawn once per replication and read by every policy, which is what makes
//! policy comparisons paired. Arrival epochs come from one sequential stream
//! of unit-rate exponential gaps mapped through the cumulative arrival rate;
//! every per-lead attribute has its own keyed stream, so adding a signal or a
//! segment does not shift any other draw.

use rand::Rng;
use rand_distr::StandardNormal;

use super::rng::{Purpose, Streams};
use crate::model::{Model, Partner, Replay, WorldEventKind, WorldSpec};

/// One arrived lead, as the world made it (before any policy sees it).
#[derive(Debug, Clone, Copy)]
pub struct Lead {
    pub arrival_hours: f64,
    pub segment: u32,
    /// True quality `q` in [0, 1].
    pub quality: f64,
    pub deal_size: f64,
}

/// A partner's (or the house's) skill for one replication.
#[derive(Debug, Clone, Copy)]
pub struct Skill {
    pub qualify_rate: f64,
    pub win_rate: f64,
    pub accept_rate: f64,
}

/// Everything random that a replication's policies share, in one world.
#[derive(Debug, Clone)]
pub struct World {
    pub replication: u64,
    /// Index of the world's spec in `Model::worlds` (0: the base world).
    pub spec: usize,
    pub streams: Streams,
    pub leads: Vec<Lead>,
    /// Observed signals, `signals.len() / leads.len()` per lead, lead-major.
    pub signals: Vec<f64>,
    /// One per partner, then the house's last (when there is a house).
    pub skills: Vec<Skill>,
    /// Per lead, its account's incumbent partner and the partner whose
    /// deal registration it matches (`u32::MAX`: none); empty when the
    /// scenario has no existing accounts or registrations.
    pub incumbent: Vec<u32>,
    pub registrant: Vec<u32>,
}

impl World {
    /// The observed signals of lead `i`.
    #[inline]
    pub fn signals_of(&self, i: usize, n_signals: usize) -> &[f64] {
        &self.signals[i * n_signals..(i + 1) * n_signals]
    }
}

/// The arrival rate and the segment mix over time in one world: piecewise
/// constant, changing at stress events.
struct Schedule {
    /// Start of each piece, in hours; the first is 0.
    starts: Vec<f64>,
    /// Leads per hour in each piece.
    rates: Vec<f64>,
    /// Cumulative normalised segment shares in each piece.
    cumulative: Vec<Vec<f64>>,
    /// The rate's shape within the week, hour by hour.
    pattern: Option<crate::calendar::ArrivalPattern>,
    /// No arrival is needed after the horizon.
    horizon_hours: f64,
}

impl Schedule {
    fn new(model: &Model, spec: &WorldSpec) -> Schedule {
        let mut starts = vec![0.0];
        for e in &spec.events {
            match e.kind {
                WorldEventKind::Demand { until_hours, .. } => starts.extend([e.hours, until_hours]),
                WorldEventKind::MarketSkew { .. } => starts.push(e.hours),
                _ => {}
            }
        }
        starts.retain(|t| t.is_finite());
        starts.sort_by(f64::total_cmp);
        starts.dedup();
        let mut rates = Vec::new();
        let mut cumulative = Vec::new();
        for &start in &starts {
            let mut rate = model.leads.arrivals_per_hour;
            let mut shares: Vec<f64> = model.leads.segments.iter().map(|s| s.share).collect();
            for e in spec.events.iter().filter(|e| e.hours <= start) {
                match e.kind {
                    WorldEventKind::Demand {
                        factor,
                        until_hours,
                    } if start < until_hours => rate *= factor,
                    WorldEventKind::MarketSkew {
                        region,
                        vertical,
                        factor,
                    } => {
                        for (share, seg) in shares.iter_mut().zip(&model.leads.segments) {
                            let hit = (region.is_some() && seg.region == region)
                                || (vertical.is_some() && seg.vertical == vertical);
                            if hit {
                                *share *= factor;
                            }
                        }
                    }
                    _ => {}
                }
            }
            let total: f64 = shares.iter().sum();
            if total <= 0.0 {
                // A skew of 0 on every segment: no lead arrives.
                rate = 0.0;
            }
            cumulative.push(
                shares
                    .iter()
                    .scan(0.0, |acc, s| {
                        *acc += s / total.max(f64::MIN_POSITIVE);
                        Some(*acc)
                    })
                    .collect(),
            );
            rates.push(rate);
        }
        Schedule {
            starts,
            rates,
            cumulative,
            pattern: model.leads.arrival_pattern.clone(),
            horizon_hours: model.horizon_hours,
        }
    }

    /// The time `unit_gap` units of cumulative rate after `t`, which lies in
    /// piece `piece` (updated). With one piece and no arrival pattern this
    /// is `t + gap / rate`; a pattern makes the rate constant within each
    /// hour, so the walk goes hour by hour.
    fn advance(&self, mut t: f64, mut unit_gap: f64, piece: &mut usize) -> f64 {
        loop {
            let piece_end = self
                .starts
                .get(*piece + 1)
                .copied()
                .unwrap_or(f64::INFINITY);
            let (end, rate) = match &self.pattern {
                None => (piece_end, self.rates[*piece]),
                Some(p) => (
                    piece_end.min(t.floor() + 1.0),
                    self.rates[*piece] * p.factor(t),
                ),
            };
            if rate > 0.0 {
                let next = t + unit_gap / rate;
                if next < end {
                    return next;
                }
                unit_gap -= (end - t) * rate;
            }
            if end.is_infinite() || end >= self.horizon_hours {
                return f64::INFINITY;
            }
            t = end;
            if end >= piece_end {
                *piece += 1;
            }
        }
    }
}

/// Builds replication `replication`'s leads in world `spec` (an index into
/// `model.worlds`). Every world of a replication uses the same streams: the
/// k-th lead of a stress world has the k-th lead's draws (segment uniform,
/// quality, deal size, signals) of the base world, at a time moved by the
/// world's arrival rate, so worlds are paired as policies are.
pub fn draw_world(model: &Model, replication: u64, streams: Streams, spec: usize) -> World {
    let n_signals = model.leads.signals.len();
    let schedule = Schedule::new(model, &model.worlds[spec]);
    let mut arrivals = streams.rng(Purpose::Arrivals, 0, 0);
    let expected = (model.leads.arrivals_per_hour * model.horizon_hours) as usize;
    let mut leads = Vec::with_capacity(expected + expected / 8 + 16);
    let mut signals = Vec::with_capacity(leads.capacity() * n_signals);
    let mut t = 0.0;
    let mut piece = 0;
    let exact = match &model.leads.replay {
        Some(Replay::Exact(rows)) => Some(rows),
        _ => None,
    };
    loop {
        // An exact replay takes the file's leads; otherwise the k-th arrival
        // of a unit-rate process, moved by the world's arrival rate.
        let id = leads.len() as u64;
        let (arrival, segment, row) = match exact {
            Some(rows) => match rows.get(id as usize) {
                Some(row) if row.arrival_hours < model.horizon_hours => {
                    (row.arrival_hours, row.segment as usize, Some(*row))
                }
                _ => break,
            },
            None => {
                let gap: f64 = arrivals.sample(rand_distr::Exp1);
                t = schedule.advance(t, gap, &mut piece);
                if t >= model.horizon_hours {
                    break;
                }
                let cumulative = &schedule.cumulative[piece];
                let u = streams.uniform(Purpose::Segment, id, 0);
                let segment = cumulative
                    .iter()
                    .position(|&c| u < c)
                    .unwrap_or(cumulative.len() - 1);
                let row = match &model.leads.replay {
                    Some(Replay::Bootstrap {
                        leads: rows,
                        by_segment,
                    }) => {
                        let members = &by_segment[segment];
                        let pick = (streams.uniform(Purpose::Replay, id, 0) * members.len() as f64)
                            as usize;
                        Some(rows[members[pick.min(members.len() - 1)] as usize])
                    }
                    _ => None,
                };
                (t, segment, row)
            }
        };
        let seg = &model.leads.segments[segment];
        let (quality, deal_size) = match row {
            Some(row) => (row.quality, row.deal_size),
            None => (
                seg.quality
                    .sample(&mut streams.rng(Purpose::Quality, id, 0))
                    .clamp(0.0, 1.0),
                seg.deal_size
                    .sample(&mut streams.rng(Purpose::DealSize, id, 0))
                    .max(0.0),
            ),
        };
        match row.and_then(|r| r.score) {
            // A historical score is what every signal read.
            Some(score) => signals.extend(std::iter::repeat_n(score, n_signals)),
            None => {
                let mut noise = streams.rng(Purpose::Signals, id, 0);
                for s in &model.leads.signals {
                    let z: f64 = noise.sample(StandardNormal);
                    signals.push((quality + s.noise * z).clamp(0.0, 1.0));
                }
            }
        }
        leads.push(Lead {
            arrival_hours: arrival,
            segment: segment as u32,
            quality,
            deal_size,
        });
    }

    let skills = draw_skills(model, streams);

    let by_capacity = |p: &Partner| p.team.capacity as f64;
    let incumbent = account_partners(
        model,
        &leads,
        streams,
        (Purpose::Incumbent, model.leads.existing_account_share),
        &by_capacity,
    );
    // Registrants are the partners that source deals, in proportion; where
    // no partner covering the region sources any, by capacity.
    let by_sourcing = |p: &Partner| p.sourced_per_hour;
    let registrant = account_partners(
        model,
        &leads,
        streams,
        (Purpose::Registration, model.leads.registered_share),
        &by_sourcing,
    );
    World {
        replication,
        spec,
        streams,
        leads,
        signals,
        skills,
        incumbent,
        registrant,
    }
}

/// For `share` of the leads (each by its own draw), a partner covering the
/// lead's region, drawn with probability proportional to `weight` (or to
/// its capacity where no covering partner has any weight): an existing
/// account's incumbent, or a deal registration's registrant. Empty when
/// `share` is 0.
fn account_partners(
    model: &Model,
    leads: &[Lead],
    streams: Streams,
    (purpose, share): (Purpose, f64),
    weight: &dyn Fn(&Partner) -> f64,
) -> Vec<u32> {
    if share <= 0.0 {
        return Vec::new();
    }
    leads
        .iter()
        .enumerate()
        .map(|(i, lead)| {
            if streams.uniform(purpose, i as u64, 0) >= share {
                return u32::MAX;
            }
            let region = model.leads.segments[lead.segment as usize].region;
            let covers = |p: &Partner| region.is_none_or(|r| p.covers_region[r]);
            let weighted: f64 = model
                .partners
                .iter()
                .filter(|p| covers(p))
                .map(weight)
                .sum();
            let weight_of = |p: &Partner| {
                if weighted > 0.0 {
                    weight(p)
                } else {
                    p.team.capacity as f64
                }
            };
            let total: f64 = model
                .partners
                .iter()
                .filter(|p| covers(p))
                .map(weight_of)
                .sum();
            let mut target = streams.uniform(purpose, i as u64, 1) * total;
            let mut chosen = u32::MAX;
            for (k, p) in model.partners.iter().enumerate() {
                if !covers(p) || weight_of(p) <= 0.0 {
                    continue;
                }
                chosen = k as u32;
                target -= weight_of(p);
                if target < 0.0 {
                    break;
                }
            }
            chosen
        })
        .collect()
}

/// A lead of `quality` scored afresh under `policy` (a nurtured lead
/// coming back): each signal redrawn with its noise from `noise`, clamped
/// to [0, 1], and weighted.
pub fn rescore(
    model: &Model,
    policy: &crate::model::Policy,
    quality: f64,
    noise: &mut impl Rng,
) -> f64 {
    model
        .leads
        .signals
        .iter()
        .zip(&policy.scoring.weights)
        .map(|(s, w)| {
            let z: f64 = rand_distr::Distribution::sample(&rand_distr::StandardNormal, noise);
            (quality + s.noise * z).clamp(0.0, 1.0) * w
        })
        .sum()
}

/// The segments a partner's own leads fall in: those of its regions (every
/// segment when none of them is), as (cumulative share, segment).
pub fn sourced_mix(model: &Model, partner: &Partner) -> Vec<(f64, u32)> {
    let segments = &model.leads.segments;
    let in_region = |s: &crate::model::Segment| s.region.is_none_or(|r| partner.covers_region[r]);
    let any = segments.iter().any(|s| in_region(s) && s.share > 0.0);
    let chosen: Vec<(f64, u32)> = segments
        .iter()
        .enumerate()
        .filter(|(_, s)| !any || in_region(s))
        .map(|(i, s)| (s.share, i as u32))
        .collect();
    let total: f64 = chosen.iter().map(|c| c.0).sum();
    let mut acc = 0.0;
    chosen
        .into_iter()
        .map(|(share, i)| {
            acc += share / total.max(f64::MIN_POSITIVE);
            (acc, i)
        })
        .collect()
}

/// A partner-sourced lead arriving at `t` in one of `mix`'s segments: its
/// segment, quality and deal size drawn from `rng`, as a vendor lead's are
/// from the segment's distributions.
pub fn sourced_lead(model: &Model, mix: &[(f64, u32)], rng: &mut impl Rng, t: f64) -> Lead {
    let u: f64 = rng.random();
    let segment = mix
        .iter()
        .find(|&&(c, _)| u < c)
        .or(mix.last())
        .map_or(0, |&(_, s)| s);
    let seg = &model.leads.segments[segment as usize];
    Lead {
        arrival_hours: t,
        segment,
        quality: seg.quality.sample(rng).clamp(0.0, 1.0),
        deal_size: seg.deal_size.sample(rng).max(0.0),
    }
}

/// Each partner's (then the house's) skill for one replication: drawn once,
/// from streams keyed by the partner's index.
pub fn draw_skills(model: &Model, streams: Streams) -> Vec<Skill> {
    let teams = model
        .partners
        .iter()
        .map(|p| &p.team)
        .chain(model.house.as_ref());
    teams
        .enumerate()
        .map(|(i, team)| Skill {
            qualify_rate: team.qualify_rate.sample(&mut streams.rng(
                Purpose::SkillQualify,
                i as u64,
                0,
            )),
            win_rate: team
                .win_rate
                .sample(&mut streams.rng(Purpose::SkillWin, i as u64, 0)),
            accept_rate: team.accept_rate.sample(&mut streams.rng(
                Purpose::SkillAccept,
                i as u64,
                0,
            )),
        })
        .collect()
}
