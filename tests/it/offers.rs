//! Offers: partners accept, refuse or stay silent, against the closed-form
//! shares and times; selectivity shifts the scores partners take by the
//! formula's amount; and every offer field's errors.

use leadsim::engine::leads::draw_world;
use leadsim::engine::rng::{replication_seed, Streams};
use leadsim::engine::{simulate, Event, Observer, Scratch};
use leadsim::metrics::Metric;
use serde_json::json;

use super::common::{metric, observe, run, Scenario};

/// `n` identical partners with room for everything and the house behind
/// them; `partner` is merged into the partner line and `offer` is the
/// policy's `offer`.
fn scenario(n: u32, partner: serde_json::Value, offer: serde_json::Value) -> Scenario {
    Scenario::new(json!({
        "name": "offers", "horizon_days": 60, "seed": 6,
        "leads": {"arrivals_per_day": 50},
        "house": {"capacity": 100000},
        "partners": [{"name": "P", "count": n, "capacity": 100000}],
        "policies": [{"name": "p", "offer": offer}]
    }))
    .merge_partners(partner)
}

/// Leads' shares going to the house (offers exhausted), over replications.
fn house_share(s: &Scenario) -> f64 {
    let m = s.model();
    let (mut house, mut leads) = (0u32, 0u32);
    let mut scratch = Scratch::default();
    for r in 0..10 {
        let world = draw_world(&m, r, Streams::new(replication_seed(1, r)), 0);
        let run = simulate(&m, &m.policies[0], &world, &mut scratch);
        house += run.to_house;
        leads += run.leads;
    }
    house as f64 / leads as f64
}

#[test]
fn refusals_send_the_expected_share_to_then() {
    // Single offers, each accepted with probability 0.5, two rounds: a
    // lead reaches the house after two refusals, 0.5^2 = 1/4. About 30,000
    // leads: the standard error of the share is 0.0025; 4 of them is 0.01.
    let single = scenario(
        4,
        json!({"accept_rate": 0.5}),
        json!({"mode": "single", "max_rounds": 2}),
    );
    let share = house_share(&single);
    assert!((share - 0.25).abs() < 0.01, "single: {share}");
    // Broadcast to 3, one round: 0.5^3 = 1/8 (standard error 0.0019).
    let broadcast = scenario(
        3,
        json!({"accept_rate": 0.5}),
        json!({"mode": "broadcast", "to": 3, "max_rounds": 1}),
    );
    let share = house_share(&broadcast);
    assert!((share - 0.125).abs() < 0.008, "broadcast: {share}");
    // Offers and refusals add up: every lead gets 3 offers, and the
    // refusals are the offers not accepted.
    let s = run(&broadcast.model(), 10, 1);
    let offers = metric(&s, "p", Metric::Offers).mean;
    let leads = metric(&s, "p", Metric::Leads).mean;
    assert!((offers / leads - 3.0).abs() < 1e-9);
    assert_eq!(metric(&s, "p", Metric::OfferTimeouts).mean, 0.0);
}

#[test]
fn the_first_of_four_to_answer_takes_the_lead_in_a_quarter_of_the_time() {
    // Four partners answer after exponential times of mean 2 hours and all
    // accept: the first answer is exponential of rate 4 x 1/2 = 2 an hour,
    // median ln 2 / 2 = 0.347 h, mean 0.5 h.
    let s = scenario(
        4,
        json!({"accept_hours": {"exponential": {"mean": 2}}}),
        json!({"mode": "broadcast", "to": 4, "window_hours": 1000}),
    );
    let summary = run(&s.model(), 20, 2);
    let median = metric(&summary, "p", Metric::TimeToAcceptMedian);
    // Each replication's median of about 3,000 draws has a standard error
    // of about 0.009 h; the mean of 20, 0.002; allow 0.01.
    assert!(
        (median.mean - std::f64::consts::LN_2 / 2.0).abs() < 0.01,
        "{}",
        median.mean
    );
    // The mean, from the assignments' times.
    #[derive(Default)]
    struct Waits(Vec<f64>, Vec<f64>);
    impl Observer for Waits {
        fn event(&mut self, time: f64, event: Event) {
            match event {
                Event::Arrived { .. } => {
                    self.0.push(time);
                }
                Event::Assigned { lead, .. } => {
                    self.1.push(time - self.0[lead as usize]);
                }
                _ => {}
            }
        }
    }
    let m = s.model();
    let mut waits = Waits::default();
    for r in 0..5 {
        waits.0.clear();
        observe(&m, 0, 4, r, &mut waits);
    }
    let mean = waits.1.iter().sum::<f64>() / waits.1.len() as f64;
    // About 15,000 waits of standard deviation 0.5: standard error 0.004.
    assert!((mean - 0.5).abs() < 0.02, "{mean}");
}

#[test]
fn selective_partners_take_the_better_leads_by_the_formulas_amount() {
    // Accept with clamp(0.5 + 0.8 (s - 0.5), 0, 1): over the offered
    // leads' scores, the accepted ones average sum(s p(s)) / sum(p(s)) and
    // the refused ones sum(s (1 - p(s))) / sum(1 - p(s)).
    let s = scenario(
        1,
        json!({"accept_rate": 0.5, "selectivity": 0.8}),
        json!({"mode": "single", "max_rounds": 1}),
    );
    #[derive(Default)]
    struct Scores {
        score: Vec<f64>,
        offered: Vec<f64>,
        accepted: Vec<f64>,
        refused: Vec<f64>,
    }
    impl Observer for Scores {
        fn event(&mut self, _time: f64, event: Event) {
            match event {
                Event::Arrived { score, .. } => {
                    self.score.push(score);
                }
                Event::Offered { lead, .. } => {
                    self.offered.push(self.score[lead as usize]);
                }
                Event::Assigned {
                    lead, holder: 0, ..
                } => {
                    self.accepted.push(self.score[lead as usize]);
                }
                Event::Rejected { lead, .. } => {
                    self.refused.push(self.score[lead as usize]);
                }
                _ => {}
            }
        }
    }
    let m = s.model();
    let mut seen = Scores::default();
    for r in 0..10 {
        seen.score.clear();
        observe(&m, 0, 8, r, &mut seen);
    }
    let p = |s: f64| (0.5 + 0.8 * (s - 0.5)).clamp(0.0, 1.0);
    let expect_accepted = seen.offered.iter().map(|&s| s * p(s)).sum::<f64>()
        / seen.offered.iter().map(|&s| p(s)).sum::<f64>();
    let expect_refused = seen.offered.iter().map(|&s| s * (1.0 - p(s))).sum::<f64>()
        / seen.offered.iter().map(|&s| 1.0 - p(s)).sum::<f64>();
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let offered = mean(&seen.offered);
    // Scores have a standard deviation near 0.18; 15,000 accepted or
    // refused: a standard error of 0.0015; allow 0.006.
    assert!(expect_accepted > offered + 0.01 && expect_refused < offered - 0.01);
    assert!((mean(&seen.accepted) - expect_accepted).abs() < 0.006);
    assert!((mean(&seen.refused) - expect_refused).abs() < 0.006);
}

#[test]
fn full_partners_that_refuse_do_so_at_once_and_silence_times_out() {
    // One slot each and `reject_when_full`: with a day's work per lead most
    // offers meet a full partner and are refused at once.
    let full = scenario(
        2,
        json!({"capacity": 1, "reject_when_full": true, "work_days": {"fixed": 1}}),
        json!({"mode": "single"}),
    );
    let s = run(&full.model(), 5, 3);
    assert!(metric(&s, "p", Metric::Rejections).mean > 1000.0);
    // Answers that take 10 hours against a 4-hour window: every offer times out.
    let slow = scenario(
        2,
        json!({"accept_hours": {"fixed": 10}}),
        json!({"mode": "single", "window_hours": 4, "max_rounds": 2}),
    );
    let s = run(&slow.model(), 5, 3);
    let offers = metric(&s, "p", Metric::Offers).mean;
    assert!(offers > 0.0);
    assert_eq!(metric(&s, "p", Metric::OfferTimeouts).mean, offers);
    assert_eq!(
        metric(&s, "p", Metric::ToHouse).mean,
        metric(&s, "p", Metric::Leads).mean
    );
}

#[test]
fn bad_offer_fields_are_refused_with_the_field_named() {
    let cases = [
        (
            json!({"mode": "broadcast", "to": 0}),
            "policies[0].offer.to: must be between 1 and 1000",
        ),
        (
            json!({"mode": "single", "to": 3}),
            "policies[0].offer.to: `to` only applies to `broadcast`",
        ),
        (
            json!({"mode": "single", "window_hours": 0}),
            "policies[0].offer.window_hours: must be a positive number",
        ),
        (
            json!({"mode": "single", "max_rounds": 0}),
            "policies[0].offer.max_rounds: must be between 1 and 100",
        ),
        (json!({"mode": "claim"}), "unknown variant"),
    ];
    for (offer, expected) in cases {
        let text = scenario(2, json!({}), offer.clone()).text();
        let err = leadsim::load_text(&text, std::path::Path::new("s.json"))
            .expect_err(&offer.to_string())
            .to_string();
        assert!(
            err.contains(expected),
            "{offer}: expected `{expected}` in {err}"
        );
    }
    let text = scenario(2, json!({"selectivity": -1}), json!({"mode": "single"})).text();
    let err = leadsim::load_text(&text, std::path::Path::new("s.json"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("partners[0].selectivity: must be a number >= 0"),
        "{err}"
    );
}

/// Records, per lead, the partners offered it in order.
#[derive(Default)]
struct Offered(std::collections::BTreeMap<u32, Vec<u32>>);

impl Observer for Offered {
    fn event(&mut self, _time: f64, event: Event) {
        if let Event::Offered { lead, partner } = event {
            self.0.entry(lead).or_default().push(partner);
        }
    }
}

/// The offer sequences of every lead over `replications` replications.
fn offer_sequences(s: &Scenario, replications: u64) -> Vec<Vec<u32>> {
    let m = s.model();
    let mut all = Vec::new();
    for r in 0..replications {
        let mut seen = Offered::default();
        observe(&m, 0, 11, r, &mut seen);
        all.extend(seen.0.into_values());
    }
    all
}

/// Three partners of equal standing; only the last (C, partner 2) accepts.
fn three_equal_only_c_accepts(rule: serde_json::Value, offer: serde_json::Value) -> Scenario {
    Scenario::new(json!({
        "name": "draws", "horizon_days": 40, "seed": 6,
        "leads": {"arrivals_per_day": 50},
        "house": {"capacity": 100000},
        "partners": [
            {"name": "A", "capacity": 100000, "accept_rate": 0},
            {"name": "B", "capacity": 100000, "accept_rate": 0},
            {"name": "C", "capacity": 100000, "accept_rate": 1}
        ],
        "policies": [{"name": "p", "routing": rule, "offer": offer}]
    }))
}

#[test]
fn single_offer_rounds_are_draws_without_replacement() {
    // Weighted, equal weights, single offers, two rounds: C is among the
    // first two of a uniformly random order with probability 2/3, so 1/3
    // of leads reach the house. Reusing one draw for both rounds gave 1/2.
    // About 10,000 leads: the share's standard error is 0.0047; the
    // tolerance, 0.02, is over four of them.
    let s = three_equal_only_c_accepts(
        json!({"rule": "weighted"}),
        json!({"mode": "single", "max_rounds": 2}),
    );
    let share = house_share(&s);
    assert!((share - 1.0 / 3.0).abs() < 0.02, "weighted: {share}");
    // Each position of the order is uniform: the first offer goes to each
    // partner a third of the time, and the second to each of the other
    // two half the time (standard errors 0.0047 and 0.006).
    let seqs = offer_sequences(&s, 5);
    let n = seqs.len() as f64;
    for p in 0..3u32 {
        let first = seqs.iter().filter(|q| q[0] == p).count() as f64 / n;
        assert!(
            (first - 1.0 / 3.0).abs() < 0.02,
            "first offer to {p}: {first}"
        );
    }
    for first in [0u32, 1] {
        let after: Vec<&Vec<u32>> = seqs.iter().filter(|q| q[0] == first).collect();
        let to_c = after.iter().filter(|q| q.get(1) == Some(&2)).count() as f64;
        let share = to_c / after.len() as f64;
        assert!(
            (share - 0.5).abs() < 0.03,
            "after {first}, C second: {share}"
        );
    }
    // Thompson sampling with exchangeable partners (the same prior, and
    // nobody ever wins: no lead is accepted by A or B, and C's wins do not
    // separate it within the first leads' ties): the same 1/3 at the start.
    // Checked on the first lead of each of many replications, where every
    // partner's posterior is still the prior: 400 leads, standard error
    // 0.024; tolerance 0.1.
    let t = three_equal_only_c_accepts(
        json!({"rule": "thompson"}),
        json!({"mode": "single", "max_rounds": 2}),
    );
    let m = t.model();
    let mut house = 0;
    let reps = 400;
    for r in 0..reps {
        let mut seen = Offered::default();
        observe(&m, 0, 13, r, &mut seen);
        let first_lead = seen.0.into_values().next().unwrap();
        if !first_lead.contains(&2) {
            house += 1;
        }
    }
    let share = house as f64 / reps as f64;
    assert!((share - 1.0 / 3.0).abs() < 0.1, "thompson: {share}");
}

#[test]
fn a_broadcast_offers_each_pair_a_third_of_the_time() {
    // Broadcast to 2 of 3 equal weights: each pair {A,B}, {A,C}, {B,C} is
    // offered to a third of the leads. One reused draw never offered
    // {A, C}. About 10,000 leads: standard error 0.0047; tolerance 0.02.
    let s = three_equal_only_c_accepts(
        json!({"rule": "weighted"}),
        json!({"mode": "broadcast", "to": 2, "max_rounds": 1}),
    );
    let seqs = offer_sequences(&s, 5);
    let n = seqs.len() as f64;
    for pair in [[0u32, 1], [0, 2], [1, 2]] {
        let share = seqs
            .iter()
            .filter(|q| {
                let mut q = (*q).clone();
                q.sort_unstable();
                q == pair
            })
            .count() as f64
            / n;
        assert!((share - 1.0 / 3.0).abs() < 0.02, "pair {pair:?}: {share}");
    }
    // Weights 1, 2, 3: the first pick is A, B, C with 1/6, 2/6, 3/6; the
    // pair {A, B} is offered with P(A then B) + P(B then A) =
    // 1/6 * 2/5 + 2/6 * 1/4 = 0.15 (draws without replacement).
    let w = three_equal_only_c_accepts(
        json!({"rule": "weighted", "weights": {"A": 1, "B": 2, "C": 3}}),
        json!({"mode": "broadcast", "to": 2, "max_rounds": 1}),
    );
    let seqs = offer_sequences(&w, 5);
    let n = seqs.len() as f64;
    let ab = seqs
        .iter()
        .filter(|q| q.len() == 2 && q[0] != 2 && q[1] != 2)
        .count() as f64
        / n;
    assert!((ab - 0.15).abs() < 0.015, "pair A,B by weight: {ab}");
}

#[test]
fn an_acceptance_from_a_partner_that_has_left_is_passed_over() {
    // P answers every offer in 10 hours, Q in 20, both accept; broadcasts
    // to both. In the world where P exits on day 10 (hour 240), the offers
    // made in the ten hours before get P's acceptance after it left: it is
    // passed over, and Q's takes the lead. No lead is assigned to P after
    // it left.
    #[derive(Default)]
    struct Log {
        offered_to_p_late: u32,
        assigned_to_p_after: u32,
        assigned_to_q_late: u32,
    }
    impl Observer for Log {
        fn event(&mut self, time: f64, event: Event) {
            match event {
                Event::Offered { partner, .. } => {
                    let t = time;
                    if partner == 0 && (230.0..240.0).contains(&t) {
                        self.offered_to_p_late += 1;
                    }
                }
                Event::Assigned { holder, .. } => {
                    let t = time;
                    if holder == 0 && t > 240.0 {
                        self.assigned_to_p_after += 1;
                    }
                    if holder == 1 && (250.0..260.0).contains(&t) {
                        self.assigned_to_q_late += 1;
                    }
                }
                _ => {}
            }
        }
    }
    let m = Scenario::new(json!({
        "name": "exit", "horizon_days": 20, "seed": 6,
        "leads": {"arrivals_per_day": 50},
        "house": {"capacity": 100000},
        "partners": [
            {"name": "P", "capacity": 100000, "accept_hours": {"fixed": 10}},
            {"name": "Q", "capacity": 100000, "accept_hours": {"fixed": 20}}],
        "policies": [{"name": "p", "offer": {"mode": "broadcast", "to": 2, "window_hours": 48}}],
        "stress": [{"name": "p-exits", "events": [{"day": 10, "partner_exit": {"partner": "P"}}]}]
    }))
    .model();
    let mut log = Log::default();
    let world = draw_world(&m, 0, Streams::new(replication_seed(6, 0)), 1);
    leadsim::engine::simulate_observed(
        &m,
        &m.policies[0],
        &world,
        &mut Scratch::default(),
        &mut log,
    );
    assert!(
        log.offered_to_p_late > 10,
        "the case needs late offers: {}",
        log.offered_to_p_late
    );
    assert_eq!(log.assigned_to_p_after, 0);
    // Those leads went to Q, 20 hours after their offers.
    assert!(
        log.assigned_to_q_late >= log.offered_to_p_late,
        "{} {}",
        log.assigned_to_q_late,
        log.offered_to_p_late
    );
}
