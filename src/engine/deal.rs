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

/// Whether a deal won at `discount` churns: with the churn rate, raised by
/// `discount_churn_factor` per unit of discount (at most 1).
pub(super) fn churns(econ: &Economics, streams: &Streams, lead: u32, discount: f64) -> bool {
    let p_churn = (econ.churn_rate * (1.0 + econ.discount_churn_factor * discount)).min(1.0);
    streams.uniform(Purpose::Churn, lead as u64, 0) < p_churn
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dist::{Dist, Rate};

    fn team() -> Team {
        Team {
            capacity: 1,
            response_hours: Dist::Fixed(1.0),
            work_days: Dist::Fixed(1.0),
            qualify_rate: Rate::Fixed(1.0),
            win_rate: Rate::Fixed(1.0),
            deal_size_factor: 1.0,
            // Every won deal asks for 30 %.
            discount: Rate::Fixed(0.3),
            opportunities_hold_slots: true,
            hours: None,
            accept_rate: Rate::Fixed(1.0),
            accept_hours: Dist::Fixed(1.0),
            selectivity: 0.0,
            reject_when_full: false,
        }
    }

    fn economics() -> Economics {
        Economics {
            gross_margin: 0.7,
            churn_rate: 0.1,
            discount_churn_factor: 2.0,
            churn_revenue_loss: 1.0,
            house_cost_per_lead: 0.0,
            max_discount_approved: 0.25,
            floor_win_factor: 0.6,
            incumbent_win_factor: 1.0,
            review_hours: 720.0,
            reference_earnings_per_lead: 100.0,
        }
    }

    /// Closed forms over 20,000 leads' own streams (each share's tolerance
    /// is 4 standard errors, at most 0.014: a rule applied at the wrong
    /// step moves a share by 0.1 or more). A partner that keeps half of
    /// its discounts within its 20 % cap wins 0.8 x (0.5 + 0.5 x 0.6) =
    /// 0.64 of its deals, 0.625 of them at 20 % and the rest renegotiated
    /// to the approved 25 %; the house, without discipline, wins 0.8 x 0.6
    /// = 0.48, all at 25 %; a deal at 25 % churns with 0.1 x (1 + 2 x
    /// 0.25) = 0.15.
    #[test]
    fn the_deal_closes_at_the_closed_forms() {
        let (team, econ) = (team(), economics());
        let streams = Streams::new(42);
        let partner = Deal {
            team: &team,
            win_chance: 0.8,
            discipline: Some((0.2, 0.5)),
            economics: &econ,
        };
        let house = Deal {
            discipline: None,
            ..partner
        };
        let n = 20_000u32;
        let share = |count: usize| count as f64 / n as f64;
        let closings: Vec<Closing> = (0..n).map(|l| partner.close(&streams, l)).collect();
        let won: Vec<&Closing> = closings.iter().filter(|c| c.won).collect();
        assert!(
            (share(won.len()) - 0.64).abs() < 0.014,
            "{}",
            share(won.len())
        );
        let at_cap = won.iter().filter(|c| c.discount == 0.2).count();
        assert!((at_cap as f64 / won.len() as f64 - 0.625).abs() < 0.02);
        assert!(won
            .iter()
            .all(|c| (c.discount == 0.2 && !c.renegotiated)
                || (c.discount == 0.25 && c.renegotiated)));
        let renegotiated = closings.iter().filter(|c| c.renegotiated).count();
        assert!((share(renegotiated) - 0.4).abs() < 0.014);
        assert!(closings
            .iter()
            .all(|c| c.won || c.discount == 0.0 || c.renegotiated));
        let house_won = (0..n).filter(|&l| house.close(&streams, l).won).count();
        assert!(
            (share(house_won) - 0.48).abs() < 0.014,
            "{}",
            share(house_won)
        );
        let churned = (0..n).filter(|&l| churns(&econ, &streams, l, 0.25)).count();
        assert!((share(churned) - 0.15).abs() < 0.011, "{}", share(churned));
        // Nothing is won at a chance of 0, everything at 1 (and above).
        let never = Deal {
            win_chance: 0.0,
            ..partner
        };
        assert!((0..1000).all(|l| !never.close(&streams, l).won));
        let always = Deal {
            win_chance: 1.5,
            discipline: Some((0.4, 0.0)),
            economics: &Economics {
                max_discount_approved: 0.5,
                ..econ
            },
            ..partner
        };
        assert!((0..1000).all(|l| always.close(&streams, l).won));
    }
}
