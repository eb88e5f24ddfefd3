//! Payout arithmetic: marginal commission brackets and the per-partner,
//! per-period ledger.
//!
//! Pure money maths, no events: the engine tells the ledger what was earned
//! and when, the ledger says how much it pays.

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

/// One partner's running account within the current payout period.
#[derive(Debug, Clone, Copy, Default)]
pub struct Account {
    period: u64,
    /// Commissionable revenue won so far in `period`.
    period_revenue: f64,
    /// Total paid out, all periods.
    pub paid: f64,
}

impl Account {
    fn roll_to(&mut self, period: u64) {
        if period != self.period {
            self.period = period;
            self.period_revenue = 0.0;
        }
    }

    /// Pays the per-qualified-lead fee for an opportunity created at `time`.
    pub fn qualified_lead(&mut self, payout: &Payout, time: f64) -> f64 {
        self.roll_to(period_of(payout, time));
        let amount = payout.per_qualified_lead;
        self.paid += amount;
        amount
    }

    /// Pays commission on a deal won at `time`: the increase of the bracket
    /// commission that the deal's revenue adds to the period's revenue.
    pub fn won_deal(&mut self, payout: &Payout, time: f64, revenue: f64) -> f64 {
        self.roll_to(period_of(payout, time));
        let before = commission_on(&payout.commission, self.period_revenue);
        self.period_revenue += revenue;
        let amount = commission_on(&payout.commission, self.period_revenue) - before;
        self.paid += amount;
        amount
    }
}

#[inline]
fn period_of(payout: &Payout, time: f64) -> u64 {
    (time / payout.period_hours).floor().max(0.0) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brackets() -> Vec<Bracket> {
        vec![
            Bracket {
                from: 0.0,
                rate: 0.08,
            },
            Bracket {
                from: 250_000.0,
                rate: 0.12,
            },
        ]
    }

    fn payout() -> Payout {
        Payout {
            per_qualified_lead: 150.0,
            commission: brackets(),
            period_hours: 90.0 * 24.0,
            speed_bonus: None,
            cap_per_period: None,
            clawback: 0.0,
            max_discount: 1.0,
            mdf_rate: 0.0,
        }
    }

    #[test]
    fn brackets_are_marginal() {
        let b = brackets();
        assert_eq!(commission_on(&b, 0.0), 0.0);
        assert!((commission_on(&b, 100_000.0) - 8_000.0).abs() < 1e-9);
        // Exactly at the edge: all of it at 8 %.
        assert!((commission_on(&b, 250_000.0) - 20_000.0).abs() < 1e-9);
        // 250k at 8 % plus 50k at 12 %.
        assert!((commission_on(&b, 300_000.0) - 26_000.0).abs() < 1e-9);
    }

    #[test]
    fn a_deal_straddling_two_brackets_pays_each_part_at_its_rate() {
        let p = payout();
        let mut a = Account::default();
        assert!((a.won_deal(&p, 10.0, 200_000.0) - 16_000.0).abs() < 1e-9);
        // 50k left in the 8 % bracket, 50k above it at 12 %: 4000 + 6000.
        assert!((a.won_deal(&p, 20.0, 100_000.0) - 10_000.0).abs() < 1e-9);
        // A new period starts again at the bottom bracket.
        assert!((a.won_deal(&p, 90.0 * 24.0 + 1.0, 100_000.0) - 8_000.0).abs() < 1e-9);
        assert!((a.qualified_lead(&p, 5.0) - 150.0).abs() < 1e-12);
        assert!((a.paid - 34_150.0).abs() < 1e-9);
    }
}
