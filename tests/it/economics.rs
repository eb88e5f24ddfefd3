//! Economics to the cent, on hand-built leads whose every payment can be
//! worked out by hand.

use leadsim::engine::leads::{Lead, Skill, World};
use leadsim::engine::rng::{Purpose, Streams};
use leadsim::engine::{simulate, Scratch};
use leadsim::metrics::Metric;
use leadsim::runner::measure::compute;

use super::common::model;

/// Two partners: A discounts 10 % (within `max_discount`), B 30 % (above).
/// Everything is certain: quality 1, qualify and win 1, no decay, response
/// 1 hour, work 1 day. Periods are 10 days; the cap is 30,000 a period.
const SCENARIO: &str = r#"{
    "name": "cents", "horizon_days": 20,
    "leads": {"arrivals_per_day": 1},
    "speed_to_lead": {"half_life_hours": 1, "floor": 1},
    "economics": {"gross_margin": 0.7, "churn_rate": 0.5},
    "partners": [
        {"name": "A", "capacity": 10, "response_hours": {"fixed": 1}, "work_days": {"fixed": 1},
         "qualify_rate": 1, "win_rate": 1, "discount": 0.1},
        {"name": "B", "capacity": 10, "response_hours": {"fixed": 1}, "work_days": {"fixed": 1},
         "qualify_rate": 1, "win_rate": 1, "discount": 0.3}],
    "policies": [{"name": "pay", "routing": {"rule": "round_robin"},
        "payout": {"per_qualified_lead": 100, "speed_bonus": {"within_hours": 2, "amount": 50},
                   "commission": [{"from": 0, "rate": 0.1}, {"from": 100000, "rate": 0.2}],
                   "period_days": 10, "cap_per_period": 30000, "clawback": 0.5,
                   "max_discount": 0.2, "mdf_rate": 0.01}}]
}"#;

fn cents(v: f64) -> i64 {
    (v * 100.0).round() as i64
}

#[test]
fn payouts_mdf_clawbacks_and_profit_match_hand_computation() {
    let m = model(SCENARIO);
    // (arrival hour, deal size); round robin sends them to A, B, A, B, A, B, A.
    let leads = [
        (0.0, 100_000.0),
        (1.0, 50_000.0),
        (2.0, 100_000.0),
        (3.0, 20_000.0),
        (4.0, 200_000.0),
        (252.0, 10_000.0),
        (253.0, 10_000.0),
    ];
    let world = World {
        replication: 0,
        spec: 0,
        streams: Streams::new(2024),
        leads: leads
            .iter()
            .map(|&(t, d)| Lead {
                arrival_hours: t,
                segment: 0,
                quality: 1.0,
                deal_size: d,
            })
            .collect(),
        signals: vec![0.5; leads.len()],
        incumbent: Vec::new(),
        registrant: Vec::new(),
        skills: vec![
            Skill {
                qualify_rate: 1.0,
                win_rate: 1.0,
                accept_rate: 1.0,
            };
            2
        ],
    };
    let run = simulate(&m, &m.policies[0], &world, &mut Scratch::default());

    // A's deals (leads 0, 2, 4, 6), revenue after its 10 % discount:
    // 90k, 90k, 180k in period 0 and 9k in period 1. Fees: 100 + 50 speed
    // bonus at each first contact (1 h after assignment, within 2 h).
    //   contacts at 1, 3, 5 h: 3 x 150 = 450 paid in period 0
    //   lead 0 closes at 25 h: 90k in the 10 % bracket          ->  9,000
    //   lead 2 closes at 27 h: 10k at 10 % + 80k at 20 %          -> 17,000
    //   lead 4 closes at 29 h: 180k at 20 % = 36,000, but the cap leaves
    //          30,000 - (450 + 9,000 + 17,000) = 3,550             ->  3,550
    //   period 1: lead 6 fee 150, then 9k at 10 %                 ->    900
    let a_commissions = [9_000.0, 17_000.0, 3_550.0, 900.0];
    let a_paid = 4.0 * 150.0 + a_commissions.iter().sum::<f64>();
    // B's deals are discounted 30 %, above max_discount: fees only.
    let b_paid = 3.0 * 150.0;
    assert_eq!(cents(run.partners[0].payouts), cents(a_paid));
    assert_eq!(cents(run.partners[1].payouts), cents(b_paid));
    assert_eq!(cents(run.payouts), cents(31_500.0));

    let revenue = 90_000.0 + 90_000.0 + 180_000.0 + 9_000.0 + 35_000.0 + 14_000.0 + 7_000.0;
    assert_eq!(cents(run.revenue), cents(revenue));
    assert_eq!(cents(run.mdf), cents(0.01 * revenue));

    // Churn: each won customer churns with probability 0.5, by its own draw;
    // only churned deals are clawed back, 50 % of their commission.
    let churned = |lead: u64| world.streams.uniform(Purpose::Churn, lead, 0) < 0.5;
    let clawbacks: f64 = [0u64, 2, 4, 6]
        .iter()
        .zip(a_commissions)
        .filter(|(lead, _)| churned(**lead))
        .map(|(_, c)| 0.5 * c)
        .sum();
    assert!(
        (0..7).any(churned) && (0..7).any(|l| !churned(l)),
        "the seed should give both churned and kept deals"
    );
    assert_eq!(cents(run.clawbacks), cents(clawbacks));
    assert_eq!(run.churned as usize, (0..7).filter(|&l| churned(l)).count());

    // A churned customer's revenue is lost (`churn_revenue_loss` 1 by
    // default): net revenue is booked revenue less the churned deals'.
    let by_lead = [
        90_000.0, 35_000.0, 90_000.0, 14_000.0, 180_000.0, 7_000.0, 9_000.0,
    ];
    let churned_revenue: f64 = (0..7u64)
        .filter(|&l| churned(l))
        .map(|l| by_lead[l as usize])
        .sum();
    assert_eq!(cents(run.churned_revenue), cents(churned_revenue));
    let metrics = compute(&m, &run);
    let get = |name: &str| metrics[Metric::from_name(name).unwrap()];
    assert_eq!(cents(get("deals.revenue")), cents(revenue));
    assert_eq!(cents(get("deals.churned_revenue")), cents(churned_revenue));
    assert_eq!(
        cents(get("deals.net_revenue")),
        cents(revenue - churned_revenue)
    );
    let profit = (revenue - churned_revenue) * 0.7 - 31_500.0 - 0.01 * revenue + clawbacks;
    assert_eq!(cents(get("economics.gross_profit")), cents(profit));
    assert_eq!(cents(get("economics.payouts")), cents(31_500.0));
    let net_cost = 31_500.0 + 0.01 * revenue - clawbacks;
    assert!((get("economics.payout_ratio") - net_cost / revenue).abs() < 1e-12);
    assert!((get("economics.cost_per_win") - net_cost / 7.0).abs() < 1e-9);
    assert_eq!(get("deals.wins"), 7.0);
    assert!((get("deals.avg_discount") - (4.0 * 0.1 + 3.0 * 0.3) / 7.0).abs() < 1e-12);
}
