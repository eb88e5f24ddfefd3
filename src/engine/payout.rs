//! Payout arithmetic (docs/scenario-format.md, "`payout`"): marginal commission brackets, the
//! per-period cap, and each partner's running account.
//!
//! Pure money maths, no events: the engine tells an [`Account`] what was
//! earned and when; the account says how much is actually paid.

use crate::model::{Bracket, Payout};

/// Commission on revenue `r` under marginal brackets (like tax brackets: a
/// bracket's rate applies to the revenue inside it).
pub fn commission_on(brackets: &[Bracket], revenue: f64) -> f64 {
    let mut total = 0.0;
    for (k, b) in brackets.iter().enumerate() {
        if revenue <= b.from {
            break;
        }
        let top = brackets.get(k + 1).map_or(f64::INFINITY, |next| next.from);
        total += (revenue.min(top) - b.from) * b.rate;
    }
    total
}

/// What a won deal brought a partner.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct DealPayout {
    /// Commission actually paid (after `max_discount` and the period cap).
    pub commission: f64,
    /// Market development funds the vendor spends on the partner.
    pub mdf: f64,
}

/// One partner's running account.
#[derive(Debug, Clone, Copy, Default)]
pub struct Account {
    period: u64,
    /// Commissionable revenue won so far in `period`.
    period_revenue: f64,
    /// Paid so far in `period` (what `cap_per_period` limits).
    period_paid: f64,
    /// Totals over the run.
    pub paid: f64,
    pub clawed_back: f64,
    pub mdf: f64,
}

impl Account {
    fn roll_to(&mut self, payout: &Payout, time: f64) {
        // Times are >= 0, so truncation is the floor (and `as` saturates).
        let period = (time / payout.period_hours) as u64;
        if period != self.period {
            self.period = period;
            self.period_revenue = 0.0;
            self.period_paid = 0.0;
        }
    }

    /// Pays `amount` earned at `time`, as far as the period's cap allows.
    fn pay(&mut self, payout: &Payout, time: f64, amount: f64) -> f64 {
        self.roll_to(payout, time);
        let room = payout
            .cap_per_period
            .map_or(f64::INFINITY, |cap| (cap - self.period_paid).max(0.0));
        let paid = amount.min(room);
        self.period_paid += paid;
        self.paid += paid;
        paid
    }

    /// The per-qualified-lead fee for an opportunity created at `time`.
    pub fn qualified_lead(&mut self, payout: &Payout, time: f64) -> f64 {
        if payout.per_qualified_lead == 0.0 {
            return 0.0;
        }
        self.pay(payout, time, payout.per_qualified_lead)
    }

    /// The speed bonus, for a first contact `hours_to_contact` after
    /// assignment, at `time`.
    pub fn first_contact(&mut self, payout: &Payout, time: f64, hours_to_contact: f64) -> f64 {
        match payout.speed_bonus {
            Some(bonus) if hours_to_contact <= bonus.within_hours => {
                self.pay(payout, time, bonus.amount)
            }
            _ => 0.0,
        }
    }

    /// Commission and MDF on a deal won at `time`. A deal discounted above
    /// `max_discount` earns no commission and does not count towards the
    /// period's brackets; MDF is spent on every won deal.
    pub fn won_deal(
        &mut self,
        payout: &Payout,
        time: f64,
        revenue: f64,
        discount: f64,
    ) -> DealPayout {
        self.roll_to(payout, time);
        let mdf = payout.mdf_rate * revenue;
        self.mdf += mdf;
        if discount > payout.max_discount || payout.commission.is_empty() {
            return DealPayout {
                commission: 0.0,
                mdf,
            };
        }
        let before = commission_on(&payout.commission, self.period_revenue);
        self.period_revenue += revenue;
        let earned = commission_on(&payout.commission, self.period_revenue) - before;
        DealPayout {
            commission: self.pay(payout, time, earned),
            mdf,
        }
    }

    /// A SPIFF of `amount` for a win at `time`, as far as the cap allows.
    pub fn spiff(&mut self, payout: &Payout, time: f64, amount: f64) -> f64 {
        self.pay(payout, time, amount)
    }

    /// Returns `clawback` x the commission of a churned deal; the amount
    /// returned.
    pub fn churned(&mut self, payout: &Payout, commission: f64) -> f64 {
        let back = payout.clawback * commission;
        self.clawed_back += back;
        back
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SpeedBonus;

    const DAY: f64 = 24.0;

    fn payout() -> Payout {
        Payout {
            per_qualified_lead: 150.0,
            commission: vec![
                Bracket {
                    from: 0.0,
                    rate: 0.08,
                },
                Bracket {
                    from: 250_000.0,
                    rate: 0.12,
                },
            ],
            period_hours: 90.0 * DAY,
            speed_bonus: Some(SpeedBonus {
                within_hours: 2.0,
                amount: 40.0,
            }),
            cap_per_period: None,
            pay_lag_hours: 0.0,
            signing_bonus: 0.0,
            clawback: 1.0,
            max_discount: 0.2,
            mdf_rate: 0.02,
        }
    }

    fn cents(v: f64) -> i64 {
        (v * 100.0).round() as i64
    }

    #[test]
    fn brackets_are_marginal_at_and_across_edges() {
        let b = payout().commission;
        assert_eq!(commission_on(&b, 0.0), 0.0);
        assert_eq!(cents(commission_on(&b, 100_000.0)), cents(8_000.00));
        // Exactly at the edge: all of it at 8 %.
        assert_eq!(cents(commission_on(&b, 250_000.0)), cents(20_000.00));
        // 100 over the edge: those 100 earn 12 %.
        assert_eq!(cents(commission_on(&b, 250_100.0)), cents(20_012.00));
        // Just under the edge: still all at 8 %.
        assert_eq!(cents(commission_on(&b, 249_900.0)), cents(19_992.00));
        // 250k at 8 % plus 50k at 12 %.
        assert_eq!(cents(commission_on(&b, 300_000.0)), cents(26_000.00));
        // A first bracket starting above 0 pays nothing below it.
        let late = [Bracket {
            from: 10_000.0,
            rate: 0.1,
        }];
        assert_eq!(cents(commission_on(&late, 15_000.0)), cents(500.00));
    }

    #[test]
    fn a_deal_straddling_two_brackets_pays_each_part_at_its_rate() {
        let p = payout();
        let mut a = Account::default();
        assert_eq!(
            cents(a.won_deal(&p, 10.0, 200_000.0, 0.05).commission),
            cents(16_000.00)
        );
        // 50k left in the 8 % bracket, 50k above it at 12 %: 4000 + 6000.
        assert_eq!(
            cents(a.won_deal(&p, 20.0, 100_000.0, 0.05).commission),
            cents(10_000.00)
        );
        // The next period starts again at the bottom bracket.
        assert_eq!(
            cents(a.won_deal(&p, 90.0 * DAY + 1.0, 100_000.0, 0.0).commission),
            cents(8_000.00)
        );
        assert_eq!(cents(a.qualified_lead(&p, 5.0)), cents(150.00));
        assert_eq!(cents(a.paid), cents(34_150.00));
        // MDF: 2 % of every won deal's revenue.
        assert_eq!(cents(a.mdf), cents(8_000.00));
    }

    #[test]
    fn no_commission_above_max_discount() {
        let p = payout();
        let mut a = Account::default();
        let over = a.won_deal(&p, 1.0, 100_000.0, 0.25);
        assert_eq!(over.commission, 0.0);
        assert_eq!(cents(over.mdf), cents(2_000.00), "MDF is still spent");
        // Exactly at the limit still earns, and the earlier deal did not use
        // up the 8 % bracket.
        assert_eq!(
            cents(a.won_deal(&p, 2.0, 250_000.0, 0.2).commission),
            cents(20_000.00)
        );
    }

    #[test]
    fn cap_is_reached_mid_period_and_resets_at_the_next() {
        let mut p = payout();
        p.cap_per_period = Some(10_000.0);
        let mut a = Account::default();
        assert_eq!(
            cents(a.won_deal(&p, 1.0, 100_000.0, 0.0).commission),
            cents(8_000.00)
        );
        // 8000 more earned, 2000 of room left.
        assert_eq!(
            cents(a.won_deal(&p, 2.0, 100_000.0, 0.0).commission),
            cents(2_000.00)
        );
        assert_eq!(a.qualified_lead(&p, 3.0), 0.0);
        assert_eq!(a.first_contact(&p, 3.0, 1.0), 0.0);
        // Next period: room again, and brackets start again.
        assert_eq!(cents(a.qualified_lead(&p, 90.0 * DAY)), cents(150.00));
        assert_eq!(
            cents(a.won_deal(&p, 90.0 * DAY + 5.0, 200_000.0, 0.0).commission),
            cents(9_850.00)
        );
        assert_eq!(cents(a.paid), cents(20_000.00));
    }

    #[test]
    fn speed_bonus_only_within_the_window() {
        let p = payout();
        let mut a = Account::default();
        assert_eq!(cents(a.first_contact(&p, 1.0, 2.0)), cents(40.00));
        assert_eq!(a.first_contact(&p, 1.0, 2.01), 0.0);
    }

    #[test]
    fn clawback_returns_its_share_of_the_commission() {
        let mut p = payout();
        p.clawback = 0.5;
        let mut a = Account::default();
        let deal = a.won_deal(&p, 1.0, 50_000.0, 0.0);
        assert_eq!(cents(a.churned(&p, deal.commission)), cents(2_000.00));
        assert_eq!(cents(a.clawed_back), cents(2_000.00));
    }
}
