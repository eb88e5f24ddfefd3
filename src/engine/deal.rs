//! The deal (docs/scenario-format.md, "Economics", "Partner behaviour"):
//! whether an opportunity's buyer signs, at what discount, and whether the
//! customer churns. Every draw comes from the lead's own streams, so
//! policies that close the same lead with the same holder close the same
//! deal.

use super::rng::{Purpose, Streams};
use crate::model::{Economics, Team};

/// What closing a deal depends on, besides the lead's streams.
pub(super) struct Deal<'a> {
    pub team: &'a Team,
    /// The chance the buyer signs (the holder's win rate with its gains,
    /// factors and fit), capped at 1 here.
    pub win_chance: f64,
    /// A partner's payout's `max_discount` and its `discount_discipline`:
    /// the chance it keeps a larger discount down to that cap. None for
    /// the house.
    pub discipline: Option<(f64, f64)>,
    pub economics: &'a Economics,
}

/// How a deal closed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Closing {
    pub won: bool,
    /// The discount of a won deal (0 when lost).
    pub discount: f64,
    /// The deal went beyond the approved discount and was renegotiated to
    /// it; `won` then says whether the buyer still signed.
    pub renegotiated: bool,
}

impl Deal<'_> {
    /// The deal's close for lead `lead`: won with its win chance; a won
    /// deal's discount drawn from the holder's, kept within `max_discount`
    /// by a disciplined partner, and beyond the approved discount
    /// renegotiated to it (then won with `floor_win_factor`, else lost).
    pub(super) fn close(&self, streams: &Streams, lead: u32) -> Closing {
        let lead = lead as u64;
        let won = streams.uniform(Purpose::Win, lead, 0) < self.win_chance.min(1.0);
        if !won {
            return Closing {
                won: false,
                discount: 0.0,
                renegotiated: false,
            };
        }
        let mut rng = streams.rng(Purpose::Discount, lead, 0);
        let mut discount = self.team.discount.sample(&mut rng);
        if let Some((cap, discipline)) = self.discipline {
            if discount > cap && streams.uniform(Purpose::Discipline, lead, 0) < discipline {
                discount = cap;
            }
        }
        let econ = self.economics;
        if discount > econ.max_discount_approved {
            let won = streams.uniform(Purpose::Renegotiate, lead, 0) < econ.floor_win_factor;
            return Closing {
                won,
                discount: econ.max_discount_approved,
                renegotiated: true,
            };
        }
        Closing {
            won: true,
            discount,
            renegotiated: false,
        }
    }

    /// Whether a deal won at `discount` churns: with the churn rate, raised
    /// by `discount_churn_factor` per unit of discount (at most 1).
    pub(super) fn churns(&self, streams: &Streams, lead: u32, discount: f64) -> bool {
        let econ = self.economics;
        let p_churn = (econ.churn_rate * (1.0 + econ.discount_churn_factor * discount)).min(1.0);
        streams.uniform(Purpose::Churn, lead as u64, 0) < p_churn
    }
}
