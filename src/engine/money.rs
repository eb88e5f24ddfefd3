//! Money (docs/scenario-format.md, "`payout`", "Partner behaviour",
//! "Channel programme"): marginal commission brackets, the per-period cap,
//! each partner's running account ([`Account`]), and the money part the
//! coordinator pays through ([`Money`]): what each partner has earned and
//! not yet received (`pay_lag_days`), what its next review will see, the
//! MDF its next MDF review spends, and enablement's periods and gains.
//!
//! No events and no draws: the coordinator says what was earned and when;
//! this part says how much is actually paid.

use std::collections::VecDeque;

use crate::model::{Bracket, Enablement, Model, Payout, Policy};

/// The payout a partner in `tier` is paid under: the policy's, or its
/// tier's (`payout.by_tier`).
pub(super) fn payout_for(policy: &Policy, tier: usize) -> &Payout {
    policy.payout_by_tier.get(tier).unwrap_or(&policy.payout)
}

/// Every partner's money within one run.
#[derive(Debug, Default)]
pub(super) struct Money {
    accounts: Vec<Account>,
    /// Per partner: money earned and not yet received (`pay_lag_days`), as
    /// (when it arrives, amount), in order.
    pending: Vec<VecDeque<(f64, f64)>>,
    /// Per partner: money received since its last review.
    received: Vec<f64>,
    /// Per partner: MDF received in the current payout period
    /// (`leads_per_mdf_1000`).
    mdf: Vec<f64>,
}

impl Money {
    /// Ready for a run with `n` partners.
    pub(super) fn start(&mut self, n: usize) {
        self.accounts.clear();
        self.accounts.resize(n, Account::default());
        self.pending.resize_with(n, VecDeque::new);
        self.pending.truncate(n);
        self.pending.iter_mut().for_each(VecDeque::clear);
        self.received.clear();
        self.received.resize(n, 0.0);
        self.mdf.clear();
        self.mdf.resize(n, 0.0);
    }

    /// Money earned by partner `p` at `t` under `payout`: what its reviews
    /// see, at once or `pay_lag_days` later.
    pub(super) fn earn(&mut self, p: u32, payout: &Payout, t: f64, amount: f64) {
        if payout.pay_lag_hours > 0.0 {
            self.pending[p as usize].push_back((t + payout.pay_lag_hours, amount));
        } else {
            self.received[p as usize] += amount;
        }
    }

    /// What partner `p` received since its last review, by `t` (money
    /// still on its way stays pending), and a new window begins.
    pub(super) fn take_received(&mut self, p: usize, t: f64) -> f64 {
        let pending = &mut self.pending[p];
        while let Some(&(at, amount)) = pending.front() {
            if at > t {
                break;
            }
            self.received[p] += amount;
            pending.pop_front();
        }
        std::mem::take(&mut self.received[p])
    }

    /// The speed bonus for a first contact `hours` after assignment.
    pub(super) fn first_contact(&mut self, p: u32, payout: &Payout, t: f64, hours: f64) -> f64 {
        self.accounts[p as usize].first_contact(payout, t, hours)
    }

    /// The per-lead fee for a qualified lead.
    pub(super) fn qualified_lead(&mut self, p: u32, payout: &Payout, t: f64) -> f64 {
        self.accounts[p as usize].qualified_lead(payout, t)
    }

    /// A won deal: its commission (times `share` when co-sold) and MDF,
    /// and the clawback booked at once when the deal churns.
    pub(super) fn won_deal(
        &mut self,
        p: u32,
        payout: &Payout,
        t: f64,
        (revenue, discount): (f64, f64),
        share: Option<f64>,
        churned: bool,
    ) -> (DealPayout, f64) {
        let account = &mut self.accounts[p as usize];
        let mut deal = account.won_deal(payout, t, revenue, discount);
        if let Some(share) = share {
            deal.commission *= share;
        }
        // Churn is decided at the close, so its clawback is booked then.
        let clawback = if churned {
            account.churned(payout, deal.commission)
        } else {
            0.0
        };
        self.mdf[p as usize] += deal.mdf;
        (deal, clawback)
    }

    /// A SPIFF of `amount` on a win, as far as the period's cap allows.
    pub(super) fn spiff(&mut self, p: u32, payout: &Payout, t: f64, amount: f64) -> f64 {
        self.accounts[p as usize].spiff(payout, t, amount)
    }

    /// The MDF partner `p` received since the last MDF review; a new
    /// period begins.
    pub(super) fn take_mdf(&mut self, p: usize) -> f64 {
        std::mem::take(&mut self.mdf[p])
    }
}

/// The payout periods a partner that joins at `joins` (and leaves at
/// `left`, if it does) is spent on by `enablement`: from the first period
/// starting after it joins to the last starting before the horizon ends or
/// it leaves, as (first, last) period numbers.
pub(super) fn enablement_periods(
    model: &Model,
    policy: &Policy,
    joins: f64,
    left: Option<f64>,
) -> (f64, f64) {
    let period = policy.payout.period_hours;
    let horizon = model.horizon_hours;
    let until = left.map_or(horizon, |left| left.min(horizon));
    (
        (joins.max(0.0) / period).ceil(),
        (until / period).ceil() - 1.0,
    )
}

/// Enablement's gains on a partner's qualify and win rates at `t`: the
/// gains of its periods (`periods`, from [`enablement_periods`]) completed
/// by `t`, each capped at `max_gain`.
pub(super) fn enablement_gain(
    e: &Enablement,
    periods: (f64, f64),
    period: f64,
    t: f64,
) -> (f64, f64) {
    let (first, last) = periods;
    let completed = (t / period).floor() - 1.0;
    let k = (last.min(completed) - first + 1.0).max(0.0);
    (
        (k * e.qualify_gain).min(e.max_gain),
        (k * e.win_gain).min(e.max_gain),
    )
}

/// Adds enablement's cost for one partner to `total`: once per period
/// spent on that starts within the run's window (`from` the warm-up's end
/// to `to`, the readout).
pub(super) fn add_enablement_spend(
    e: &Enablement,
    periods: (f64, f64),
    period: f64,
    (from, to): (f64, f64),
    total: &mut f64,
) {
    let (first, last) = periods;
    let mut j = first;
    while j <= last {
        let at = j * period;
        if at >= from && at <= to {
            *total += e.per_partner_per_period;
        }
        j += 1.0;
    }
}

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

    #[test]
    fn money_reaches_reviews_after_the_pay_lag_and_once() {
        let mut money = Money::default();
        money.start(2);
        let now = payout();
        let lagged = Payout {
            pay_lag_hours: 10.0 * DAY,
            ..payout()
        };
        money.earn(0, &now, 1.0 * DAY, 100.0);
        money.earn(1, &lagged, 1.0 * DAY, 100.0);
        money.earn(1, &lagged, 5.0 * DAY, 50.0);
        // At once without a lag; each sum seen by one review only.
        assert_eq!(money.take_received(0, 2.0 * DAY), 100.0);
        assert_eq!(money.take_received(0, 3.0 * DAY), 0.0);
        // With a lag: nothing before day 11, the first 100 on day 11 (its
        // arrival counts), the 50 on day 15.
        assert_eq!(money.take_received(1, 10.9 * DAY), 0.0);
        assert_eq!(money.take_received(1, 11.0 * DAY), 100.0);
        assert_eq!(money.take_received(1, 14.0 * DAY), 0.0);
        assert_eq!(money.take_received(1, 15.0 * DAY), 50.0);
        // A new run starts with nothing in flight.
        money.earn(1, &lagged, 1.0 * DAY, 70.0);
        money.start(2);
        assert_eq!(money.take_received(1, 100.0 * DAY), 0.0);
    }

    #[test]
    fn a_won_deal_pays_its_share_claws_back_on_churn_and_funds_mdf() {
        let mut money = Money::default();
        money.start(1);
        let p = payout();
        // 100,000 at no discount: 8,000 of commission, 2,000 of MDF.
        let (deal, clawback) = money.won_deal(0, &p, DAY, (100_000.0, 0.0), None, false);
        assert_eq!(cents(deal.commission), cents(8_000.0));
        assert_eq!(clawback, 0.0);
        // Co-sold at half the commission, and churned: the full clawback
        // returns what was paid, the shared commission.
        let (deal, clawback) = money.won_deal(0, &p, DAY, (100_000.0, 0.0), Some(0.5), true);
        assert_eq!(cents(deal.commission), cents(4_000.0));
        assert_eq!(cents(clawback), cents(4_000.0));
        // MDF accrues per deal until the MDF review takes it.
        assert_eq!(cents(money.take_mdf(0)), cents(4_000.0));
        assert_eq!(money.take_mdf(0), 0.0);
    }

    #[test]
    fn enablement_spends_on_each_period_a_partner_is_in_within_the_window() {
        let e = Enablement {
            per_partner_per_period: 1_000.0,
            qualify_gain: 0.02,
            win_gain: 0.01,
            max_gain: 0.05,
        };
        // 30-day periods; a partner from day 0 to day 95 is spent on in
        // periods 0..=3 (starting days 0, 30, 60, 90).
        let period = 30.0 * DAY;
        let periods = (0.0_f64, (95.0 * DAY / period).ceil() - 1.0);
        let mut total = 0.0;
        add_enablement_spend(&e, periods, period, (0.0, f64::INFINITY), &mut total);
        assert_eq!(total, 4_000.0);
        // A warm-up to day 40 and a readout on day 61 count periods 2 only
        // (day 60).
        let mut total = 0.0;
        add_enablement_spend(&e, periods, period, (40.0 * DAY, 61.0 * DAY), &mut total);
        assert_eq!(total, 1_000.0);
        // Gains: periods completed by day 65 are 0 and 1 (2 x 0.02), capped
        // at 0.05 once five are done.
        let (q, w) = enablement_gain(&e, periods, period, 65.0 * DAY);
        assert!((q - 0.04).abs() < 1e-12 && (w - 0.02).abs() < 1e-12);
        let (q, _) = enablement_gain(&e, (0.0, 10.0), period, 400.0 * DAY);
        assert_eq!(q, 0.05);
    }
}
