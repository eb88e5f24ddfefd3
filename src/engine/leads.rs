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
use crate::model::Model;

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
}

/// Everything random that a replication's policies share.
#[derive(Debug, Clone)]
pub struct World {
    pub replication: u64,
    pub streams: Streams,
    pub leads: Vec<Lead>,
    /// Observed signals, `signals.len() / leads.len()` per lead, lead-major.
    pub signals: Vec<f64>,
    /// One per partner, then the house's last (when there is a house).
    pub skills: Vec<Skill>,
}

impl World {
    /// The observed signals of lead `i`.
    #[inline]
    pub fn signals_of(&self, i: usize, n_signals: usize) -> &[f64] {
        &self.signals[i * n_signals..(i + 1) * n_signals]
    }
}

/// Builds replication `replication`'s world.
pub fn draw_world(model: &Model, replication: u64, streams: Streams) -> World {
    let n_signals = model.leads.signals.len();
    let cumulative: Vec<f64> = model
        .leads
        .segments
        .iter()
        .scan(0.0, |acc, s| {
            *acc += s.share;
            Some(*acc)
        })
        .collect();

    let rate = model.leads.arrivals_per_hour;
    let mut arrivals = streams.rng(Purpose::Arrivals, 0, 0);
    let expected = (rate * model.horizon_hours) as usize;
    let mut leads = Vec::with_capacity(expected + expected / 8 + 16);
    let mut signals = Vec::with_capacity(leads.capacity() * n_signals);
    let mut t = 0.0;
    loop {
        let gap: f64 = arrivals.sample(rand_distr::Exp1);
        t += gap / rate;
        if t >= model.horizon_hours {
            break;
        }
        let id = leads.len() as u64;
        let u = streams.uniform(Purpose::Segment, id, 0);
        let segment = cumulative
            .iter()
            .position(|&c| u < c)
            .unwrap_or(cumulative.len() - 1);
        let seg = &model.leads.segments[segment];
        let quality = seg
            .quality
            .sample(&mut streams.rng(Purpose::Quality, id, 0))
            .clamp(0.0, 1.0);
        let deal_size = seg
            .deal_size
            .sample(&mut streams.rng(Purpose::DealSize, id, 0))
            .max(0.0);
        let mut noise = streams.rng(Purpose::Signals, id, 0);
        for s in &model.leads.signals {
            let z: f64 = noise.sample(StandardNormal);
            signals.push((quality + s.noise * z).clamp(0.0, 1.0));
        }
        leads.push(Lead {
            arrival_hours: t,
            segment: segment as u32,
            quality,
            deal_size,
        });
    }

    let teams = model
        .partners
        .iter()
        .map(|p| &p.team)
        .chain(model.house.as_ref());
    let skills = teams
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
        })
        .collect();

    World {
        replication,
        streams,
        leads,
        signals,
        skills,
    }
}
