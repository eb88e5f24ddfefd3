//! What the seed articles ask for (MODEL-2 §10): escalation to a preferred
//! pool, re-routes to a better fit, and the rest, each against what it
//! must do lead by lead.

use std::collections::HashMap;

use leadsim::engine::{Event, Observer};
use leadsim::metrics::Metric;
use serde_json::json;

use super::common::{observe, Scenario};

/// Every holder (partner index, or the house) each lead was assigned to,
/// in order.
#[derive(Default)]
struct Holders(HashMap<u32, Vec<u32>>);

impl Observer for Holders {
    fn event(&mut self, _time: f64, event: Event) {
        if let Event::Assigned { lead, holder, .. } = event {
            self.0.entry(lead).or_default().push(holder);
        }
    }
}

/// Two slow silver partners that never answer within the SLA, two quick
/// gold ones; first routings go to silver only (weighted 0 for gold).
fn escalation(pool: serde_json::Value) -> Scenario {
    Scenario::new(json!({
        "name": "escalation", "horizon_days": 20, "seed": 3,
        "leads": {"arrivals_per_day": 30},
        "partners": [
            {"name": "Slow", "count": 2, "tier": "silver", "capacity": 1000,
             "response_hours": {"fixed": 100}},
            {"name": "Quick", "count": 2, "tier": "gold", "capacity": 1000,
             "response_hours": {"fixed": 0.5}}],
        "house": {"capacity": 1000, "response_hours": {"fixed": 4}},
        "policies": [{"name": "p",
            "routing": {"rule": "weighted", "weights": {"silver": 1, "gold": 0}},
            "sla": {"first_contact_hours": 1, "max_reroutes": 0, "then": {"pool": pool},
                    "reroute_rule": "least_loaded"}}]
    }))
}

#[test]
fn taken_back_leads_escalate_to_the_pool_and_nowhere_else() {
    let m = escalation(json!({"tiers": ["gold"]})).model();
    let mut seen = Holders::default();
    let run = observe(&m, 0, 3, 0, &mut seen);
    let house = m.partners.len() as u32;
    assert!(run.escalated > 400, "{}", run.escalated);
    for (lead, holders) in &seen.0 {
        // First a silver partner (0 or 1); it never answers within the
        // hour, so the lead escalates to a gold one (2 or 3), which keeps it.
        assert!(holders[0] < 2, "lead {lead}: {holders:?}");
        assert_eq!(holders.len(), 2, "lead {lead}: {holders:?}");
        assert!((2..4).contains(&holders[1]), "lead {lead}: {holders:?}");
        assert_ne!(holders[1], house);
    }
    assert_eq!(run.escalated, seen.0.len() as u32);
    assert_eq!(run.to_house, 0);
    // A pool with nobody eligible (by name, the pool is one silver partner,
    // who held the lead or cannot take it within the SLA): the house.
    let m = escalation(json!({"partners": ["Slow-1"]})).model();
    let mut seen = Holders::default();
    let run = observe(&m, 0, 3, 0, &mut seen);
    for (lead, holders) in &seen.0 {
        match holders[..] {
            // Slow-1 first: it may not hold the lead again, so the house.
            [0, h] => assert_eq!(h, house, "lead {lead}"),
            // Slow-2 first: escalated to Slow-1, who breaches too; its
            // re-routes are spent, so the next escalation finds nobody.
            [1, 0, h] => assert_eq!(h, house, "lead {lead}"),
            _ => panic!("lead {lead}: {holders:?}"),
        }
    }
    assert!(run.to_house as usize == seen.0.len());
}

/// Counts escalation events and the leads they happened to.
#[derive(Default)]
struct Escalations {
    events: u32,
    leads: std::collections::BTreeSet<u32>,
}

impl Observer for Escalations {
    fn event(&mut self, _time: f64, event: Event) {
        if let Event::Escalated { lead } = event {
            self.events += 1;
            self.leads.insert(lead);
        }
    }
}

#[test]
fn volume_escalated_counts_each_lead_once() {
    // The pool is Slow-1, who misses the SLA too: a lead Slow-2 held
    // escalates to Slow-1, then again (to the house). Two events, one lead.
    let m = escalation(json!({"partners": ["Slow-1"]})).model();
    let mut seen = Escalations::default();
    let run = observe(&m, 0, 3, 0, &mut seen);
    assert!(
        seen.events as usize > seen.leads.len() + 100,
        "the case needs leads escalated twice: {} events, {} leads",
        seen.events,
        seen.leads.len()
    );
    assert_eq!(run.escalated as usize, seen.leads.len());
    let metrics = leadsim::runner::measure::compute(&m, &run);
    assert_eq!(metrics[Metric::Escalated], seen.leads.len() as f64);
}

#[test]
fn a_pool_the_weights_exclude_still_takes_the_escalations() {
    // Weighted with gold at 0 (gold takes no first routings) and the gold
    // tier as the pool, under the policy's own rule: the escalated leads
    // go to the gold partners, drawn uniformly, never to the house.
    let m = escalation(json!({"tiers": ["gold"]}))
        .set(
            "policies.0.sla",
            json!({"first_contact_hours": 1, "max_reroutes": 0,
                   "then": {"pool": {"tiers": ["gold"]}}}),
        )
        .model();
    let mut seen = Holders::default();
    let run = observe(&m, 0, 3, 0, &mut seen);
    assert_eq!(run.to_house, 0);
    let mut per_gold = [0u32; 2];
    for holders in seen.0.values() {
        assert_eq!(holders.len(), 2, "{holders:?}");
        assert!((2..4).contains(&holders[1]), "{holders:?}");
        per_gold[holders[1] as usize - 2] += 1;
    }
    // About 600 escalations, each gold partner drawn with 1/2: the
    // standard deviation of one's count is about 12; 60 is five of them.
    let n = per_gold[0] + per_gold[1];
    assert!(n > 400, "{n}");
    assert!(
        (per_gold[0] as f64 - n as f64 / 2.0).abs() < 60.0,
        "{per_gold:?}"
    );
}

#[test]
fn re_routes_keep_their_own_turn_by_default() {
    // Round robin over and P; the SLA takes back the leads the A
    // partners miss and escalates them to P. A re-route that moved the
    // first routings' turn would send the next lead to A-1 every time:
    // A-1 got about twice A-2's leads. With their own turn, first routings
    // alternate exactly, so the two identical partners differ by at most
    // one lead, and the default behaves exactly as naming the rule does.
    let scenario = |reroute_rule: Option<&str>| {
        let mut sla = json!({"first_contact_hours": 1, "max_reroutes": 0,
                             "then": {"pool": {"partners": ["P"]}}});
        if let Some(r) = reroute_rule {
            sla["reroute_rule"] = json!(r);
        }
        Scenario::new(json!({
            "name": "turns", "horizon_days": 40, "seed": 8,
            "leads": {"arrivals_per_day": 30},
            "partners": [
                {"name": "A", "count": 2, "capacity": 1000,
                 "response_hours": {"exponential": {"mean": 1}}},
                {"name": "P", "capacity": 1000, "response_hours": {"fixed": 0.5}}],
            "house": {"capacity": 1000},
            "policies": [{"name": "p", "sla": sla}]
        }))
        .model()
    };
    let default = observe(&scenario(None), 0, 8, 0, &mut Holders::default());
    let named = observe(
        &scenario(Some("round_robin")),
        0,
        8,
        0,
        &mut Holders::default(),
    );
    let leads = |run: &leadsim::engine::PolicyRun| -> Vec<u32> {
        run.partners.iter().map(|p| p.leads).collect()
    };
    assert_eq!(leads(&default), leads(&named));
    assert_eq!(default.escalated, named.escalated);
    let l = leads(&default);
    assert!(default.escalated > 200, "{}", default.escalated);
    assert!(l[0].abs_diff(l[1]) <= 1, "{l:?}");
}

#[test]
fn a_pool_no_lead_can_reach_is_warned_about() {
    let m = Scenario::new(json!({
        "name": "far", "horizon_days": 10,
        "leads": {"arrivals_per_day": 10,
                  "segments": [{"name": "na", "region": "na"}]},
        "partners": [
            {"name": "Here", "regions": ["na"], "capacity": 10},
            {"name": "Away", "regions": ["emea"], "capacity": 10, "tier": "gold"}],
        "house": {"capacity": 10},
        "policies": [{"name": "p", "sla": {"first_contact_hours": 4, "max_reroutes": 0,
                                           "then": {"pool": {"tiers": ["gold"]}}}}]
    }))
    .model();
    assert!(
        m.warnings
            .iter()
            .any(|w| w.contains("policy `p`") && w.contains("never receives a lead")),
        "{:?}",
        m.warnings
    );
}

#[test]
fn re_routes_keep_the_vertical_preference_and_can_use_their_own_rule() {
    // Health leads; two health specialists (one never answers in time),
    // three generalists in retail. A lead taken from the slow specialist
    // goes to the other specialist, not to a generalist.
    let m = Scenario::new(json!({
        "name": "fit", "horizon_days": 20, "seed": 4,
        "leads": {"arrivals_per_day": 20,
                  "segments": [{"name": "health", "region": "na", "vertical": "health"}]},
        "partners": [
            {"name": "SlowHealth", "regions": ["na"], "verticals": ["health"], "capacity": 1000,
             "response_hours": {"fixed": 100}},
            {"name": "QuickHealth", "regions": ["na"], "verticals": ["health"], "capacity": 1000,
             "response_hours": {"fixed": 1}},
            {"name": "Generalist", "count": 3, "regions": ["na"], "verticals": ["retail"],
             "capacity": 1000, "response_hours": {"fixed": 1}}],
        "policies": [{"name": "p", "routing": {"rule": "round_robin"},
                      "eligibility": {"vertical": "prefer"},
                      "sla": {"first_contact_hours": 2, "max_reroutes": 3, "then": "drop"}}]
    }))
    .model();
    let mut seen = Holders::default();
    observe(&m, 0, 4, 0, &mut seen);
    let mut rerouted = 0;
    for holders in seen.0.values() {
        if holders[0] == 0 {
            assert_eq!(holders[1..], [1], "{holders:?}");
            rerouted += 1;
        } else {
            assert_eq!(holders[..], [1], "{holders:?}");
        }
    }
    assert!(rerouted > 100, "{rerouted}");

    // `reroute_rule: fastest`: whoever a lead is taken from, its next
    // holder is the fastest partner left (1 h, against 10 h and 30 h).
    let m = Scenario::new(json!({
        "name": "fastest", "horizon_days": 20, "seed": 5,
        "leads": {"arrivals_per_day": 20},
        "partners": [
            {"name": "S", "capacity": 1000, "response_hours": {"fixed": 100}},
            {"name": "F1", "capacity": 1000, "response_hours": {"fixed": 1}},
            {"name": "F10", "capacity": 1000, "response_hours": {"fixed": 10}},
            {"name": "F30", "capacity": 1000, "response_hours": {"fixed": 30}}],
        "policies": [{"name": "p", "routing": {"rule": "round_robin"},
                      "sla": {"first_contact_hours": 2, "max_reroutes": 3, "then": "drop",
                              "reroute_rule": "fastest"}}]
    }))
    .model();
    let mut seen = Holders::default();
    let run = observe(&m, 0, 5, 0, &mut seen);
    let leads_per = |p: usize| run.partners[p].leads;
    for holders in seen.0.values() {
        if holders.len() > 1 {
            assert_eq!(holders[1..], [1], "{holders:?}");
        }
    }
    // Round robin alone gives each a quarter; F1 also gets every re-route.
    assert!(leads_per(1) > 2 * leads_per(0), "{:?}", run.partners);
    let metrics = leadsim::runner::measure::compute(&m, &run);
    assert_eq!(metrics[Metric::Escalated], 0.0, "no re-routes ran out");
}

#[test]
fn bad_pools_and_reroute_rules_are_refused_with_a_suggestion() {
    let cases = [
        (
            json!({"tiers": ["golf"]}),
            "sla.then.pool.tiers[0]: `golf` is no partner's tier; did you mean `gold`?",
        ),
        (
            json!({"partners": ["Quik-1"]}),
            "sla.then.pool.partners[0]: `Quik-1` names no partner; did you mean `Quick-1`?",
        ),
        (json!({}), "sla.then.pool: names nobody"),
    ];
    for (pool, expected) in cases {
        let text = escalation(pool.clone()).text();
        let err = super::common::load_error(&text);
        assert!(
            err.contains(expected),
            "{pool}: expected `{expected}` in {err}"
        );
    }
    let text = escalation(json!({"tiers": ["gold"]}))
        .set("policies.0.sla.reroute_rule", json!("score_tiered"))
        .text();
    let err = super::common::load_error(&text);
    assert!(err.contains("sla.reroute_rule"), "{err}");
}

/// Every lead qualifies and every deal is won, at 10,000 and a 30 %
/// discount, unless the floor or discipline says otherwise.
fn discounts() -> Scenario {
    Scenario::new(json!({
        "name": "floor", "horizon_days": 30, "seed": 6, "replications": 30,
        "leads": {"arrivals_per_day": 20,
                  "segments": [{"name": "all", "deal_size": {"fixed": 10000},
                                "quality": {"fixed": 1}}]},
        "speed_to_lead": {"half_life_hours": 1, "floor": 1},
        "partners": [{"name": "P", "capacity": 100000, "response_hours": {"fixed": 1},
                      "work_days": {"fixed": 2}, "qualify_rate": 1, "win_rate": 1,
                      "discount": 0.3}],
        "policies": [{"name": "p", "payout": {"commission": [{"from": 0, "rate": 0.1}],
                                             "max_discount": 0.2}}]
    }))
}

#[test]
fn the_margin_floor_renegotiates_and_loses_some_deals() {
    let floor = discounts()
        .set("economics.max_discount_approved", json!(0.2))
        .set("economics.floor_win_factor", json!(0.5));
    let s = super::common::run(&floor.model(), 30, 6);
    let opportunities = super::common::metric(&s, "p", Metric::LeadToOpportunity).mean;
    let win = super::common::metric(&s, "p", Metric::OpportunityToWin);
    // Every deal is above the floor: half are still signed. 600 deals a
    // replication, so the share's se is 0.5 / sqrt(600 x 30); 4 se.
    assert_eq!(opportunities, 1.0);
    assert!(
        (win.mean - 0.5).abs() < 4.0 * 0.5 / (600.0f64 * 30.0).sqrt(),
        "{}",
        win.mean
    );
    // At the approved discount: 10,000 x (1 - 0.2), exactly.
    let deal = super::common::metric(&s, "p", Metric::AvgDealSize);
    assert!((deal.mean - 8_000.0).abs() < 1e-6, "{}", deal.mean);
    // Without a floor every deal is won at 30 % off.
    let s = super::common::run(&discounts().model(), 5, 6);
    assert_eq!(
        super::common::metric(&s, "p", Metric::OpportunityToWin).mean,
        1.0
    );
    assert!((super::common::metric(&s, "p", Metric::AvgDealSize).mean - 7_000.0).abs() < 1e-6);
}

#[test]
fn disciplined_partners_keep_within_the_commission_limit() {
    // Discipline 0.6: 60 % of deals at the payout's 20 % limit (commission
    // paid), 40 % at the partner's 30 % (no commission).
    let m = discounts()
        .set("partners.0.discount_discipline", json!(0.6))
        .model();
    let s = super::common::run(&m, 30, 6);
    let discount = super::common::metric(&s, "p", Metric::AvgDiscount);
    let expected = 0.6 * 0.2 + 0.4 * 0.3;
    // sd of one deal's discount is 0.1 x sqrt(0.6 x 0.4) = 0.049; 600 deals
    // a replication, 30 replications: se 0.00037; 4 se.
    assert!(
        (discount.mean - expected).abs() < 0.0015,
        "{}",
        discount.mean
    );
    // Commission is 10 % of the disciplined deals' revenue (8,000 each).
    let wins = super::common::metric(&s, "p", Metric::Wins).mean;
    let payouts = super::common::metric(&s, "p", Metric::Payouts).mean;
    let disciplined = payouts / 800.0;
    assert!(
        (disciplined / wins - 0.6).abs() < 0.01,
        "{}",
        disciplined / wins
    );
    // A bad value names the field.
    let err = super::common::load_error(
        &discounts()
            .set("partners.0.discount_discipline", json!(1.5))
            .text(),
    );
    assert!(err.contains("partners[0].discount_discipline"), "{err}");
    let err = super::common::load_error(
        &discounts()
            .set("economics.floor_win_factor", json!(-1))
            .text(),
    );
    assert!(err.contains("economics.floor_win_factor"), "{err}");
}

/// Watches reviews and payments.
#[derive(Default)]
struct Money {
    /// (time, partner, received, effort) per review.
    reviews: Vec<(f64, u32, f64, f64)>,
    /// (time, partner, amount) per payment on account of a lead.
    paid: Vec<(f64, u32, f64)>,
    signed: Vec<(f64, u32, f64)>,
}

impl Observer for Money {
    fn event(&mut self, time: f64, event: Event) {
        match event {
            Event::Reviewed {
                partner,
                received,
                effort,
            } => {
                let t = time;
                self.reviews.push((t, partner, received, effort));
            }
            Event::Paid { holder, amount, .. } => {
                let t = time;
                self.paid.push((t, holder, amount));
            }
            Event::Signed { partner, amount } => {
                let t = time;
                self.signed.push((t, partner, amount));
            }
            _ => {}
        }
    }
}

fn paid_partners(lag_days: f64) -> Scenario {
    Scenario::new(json!({
        "name": "lag", "horizon_days": 90, "seed": 7,
        "leads": {"arrivals_per_day": 10},
        "economics": {"review_days": 30, "reference_earnings_per_lead": 100},
        "partners": [{"name": "P", "count": 3, "capacity": 100, "effort_elasticity": 1,
                      "response_hours": {"exponential": {"mean": 4}}}],
        "policies": [{"name": "p", "payout": {"per_qualified_lead": 200, "pay_lag_days": lag_days,
                                             "signing_bonus": 1000}}]
    }))
}

#[test]
fn reviews_see_money_received_and_signing_bonuses_are_paid_on_joining() {
    let plain = paid_partners(0.0).model();
    let lagged = paid_partners(10.0).model();
    let (mut a, mut b) = (Money::default(), Money::default());
    let run_a = observe(&plain, 0, 7, 0, &mut a);
    observe(&lagged, 0, 7, 0, &mut b);
    // Up to the first review (day 30) both runs are the same; the lagged
    // partner sees 10 days' less money: exactly what it earned (fees and
    // its signing bonus) in (20, 30] days.
    for p in 0..3u32 {
        let first = |m: &Money| {
            *m.reviews
                .iter()
                .find(|r| r.1 == p)
                .expect("a review at day 30")
        };
        let (ra, rb) = (first(&a), first(&b));
        assert_eq!(ra.0, 720.0);
        let late: f64 = a
            .paid
            .iter()
            .filter(|&&(t, h, _)| h == p && t > 480.0 && t <= 720.0)
            .map(|x| x.2)
            .sum();
        assert!(late > 0.0);
        assert!(
            (ra.2 - rb.2 - late).abs() < 1e-6,
            "partner {p}: {} - {} against {late}",
            ra.2,
            rb.2
        );
        assert!(rb.3 <= ra.3, "less money seen, no more effort");
    }
    // Every partner got its signing bonus at day 0, counted in payouts.
    assert_eq!(
        a.signed,
        vec![(0.0, 0, 1000.0), (0.0, 1, 1000.0), (0.0, 2, 1000.0)]
    );
    let fees: f64 = a.paid.iter().map(|x| x.2).sum();
    assert!((run_a.payouts - fees - 3000.0).abs() < 1e-6);
    // A partner joining on day 40 is paid then; during a warm-up it is
    // paid but not counted.
    let late_joiner = paid_partners(0.0)
        .set("partners.0.joins_day", json!(40))
        .set("warmup_days", json!(20))
        .model();
    let mut c = Money::default();
    let run = observe(&late_joiner, 0, 7, 0, &mut c);
    assert_eq!(c.signed.len(), 3);
    assert!(c.signed.iter().all(|s| s.0 == 960.0), "{:?}", c.signed);
    let counted_fees: f64 = c
        .paid
        .iter()
        .filter(|x| x.0 >= 0.0)
        .map(|x| x.2)
        .sum::<f64>();
    assert!(run.payouts <= counted_fees + 3000.0 + 1e-6);
    assert!(run.payouts >= 3000.0, "the day-40 bonuses count");
    let err = super::common::load_error(&paid_partners(-1.0).text());
    assert!(err.contains("policies[0].payout.pay_lag_days"), "{err}");
}

/// Four partners; weighted routing never picks `Starved` (weight 0).
fn reserve(reserve: serde_json::Value) -> Scenario {
    Scenario::new(json!({
        "name": "reserve", "horizon_days": 60, "seed": 8, "replications": 20,
        "leads": {"arrivals_per_day": 20},
        "partners": [
            {"name": "Big", "count": 3, "capacity": 20, "response_hours": {"fixed": 2}},
            {"name": "Starved", "capacity": 20, "response_hours": {"fixed": 2}},
            {"name": "Late", "capacity": 20, "response_hours": {"fixed": 2}, "joins_day": 30}],
        "policies": [{"name": "p",
                      "routing": {"rule": "weighted", "weights": {"Starved": 0, "Late": 0}},
                      "reserve": reserve}]
    }))
}

#[test]
fn the_reserve_takes_its_share_for_the_least_served_or_the_newest() {
    let m = reserve(json!({"share": 0.2, "to": "least_served"})).model();
    let s = super::common::run(&m, 20, 8);
    let reserved = super::common::metric(&s, "p", Metric::Reserved).mean;
    let routed = super::common::metric(&s, "p", Metric::Routed).mean;
    // Binomial share of ~1,200 routed leads a replication over 20
    // replications: se sqrt(0.16 / 24,000) = 0.0026; 4 se.
    assert!(
        (reserved / routed - 0.2).abs() < 0.011,
        "{}",
        reserved / routed
    );
    let mut seen = Holders::default();
    let run = observe(&m, 0, 8, 0, &mut seen);
    // The rule never picks `Starved` or `Late`: whatever they get is the
    // reserve's, and the least served gets it.
    let (starved, late) = (run.partners[3].leads, run.partners[4].leads);
    assert!(starved > 50 && late > 50, "starved {starved}, late {late}");
    assert_eq!(
        starved + late + run.partners[..3].iter().map(|p| p.leads).sum::<u32>(),
        run.routed
    );
    assert!(run.reserved >= starved + late);

    // `newest`: only the partner that joined on day 30 gets reserved leads,
    // and only within 20 days of joining.
    let m = reserve(json!({"share": 0.2, "to": "newest", "new_days": 20})).model();
    #[derive(Default)]
    struct Reserved(Vec<(f64, u32)>);
    impl Observer for Reserved {
        fn event(&mut self, time: f64, event: Event) {
            if let Event::Reserved { partner, .. } = event {
                let t = time;
                self.0.push((t, partner));
            }
        }
    }
    let mut r = Reserved::default();
    let run = observe(&m, 0, 8, 0, &mut r);
    assert!(r.0.len() > 50, "{}", r.0.len());
    for &(t, p) in &r.0 {
        assert_eq!(p, 4, "only the newcomer");
        assert!(
            (720.0..=1200.0).contains(&t),
            "within 20 days of day 30: {t}"
        );
    }
    assert_eq!(run.partners[3].leads, 0, "not new: never reserved");
    // Errors name the field.
    for (patch, expected) in [
        (
            json!({"share": 1.5, "to": "newest"}),
            "policies[0].reserve.share",
        ),
        (
            json!({"share": 0.1, "to": "least_served", "new_days": 5}),
            "policies[0].reserve.new_days",
        ),
        (
            json!({"share": 0.1, "to": "newest", "new_days": 0}),
            "policies[0].reserve.new_days",
        ),
    ] {
        let err = super::common::load_error(&reserve(patch).text());
        assert!(err.contains(expected), "{err}");
    }
}

fn territories(exclusivity: serde_json::Value, qualify: f64) -> Scenario {
    Scenario::new(json!({
        "name": "territories", "horizon_days": 90, "seed": 9,
        "leads": {"arrivals_per_day": 20, "segments": [
            {"name": "na", "region": "na"}, {"name": "emea", "region": "emea"}]},
        "partners": [
            {"name": "Exclusive", "regions": ["emea"], "capacity": 100,
             "response_hours": {"fixed": 2}, "qualify_rate": qualify,
             "exclusive": {"region": "emea"}},
            {"name": "Other", "count": 2, "regions": ["na", "emea"], "capacity": 100,
             "response_hours": {"fixed": 2}}],
        "policies": [{"name": "p", "routing": {"rule": "round_robin"},
                      "exclusivity": exclusivity}]
    }))
}

#[derive(Default)]
struct Territory {
    holders: Holders,
    revoked: Vec<(f64, u32)>,
}

impl Observer for Territory {
    fn event(&mut self, time: f64, event: Event) {
        match event {
            Event::Assigned { .. } => self.holders.event(time, event),
            Event::ExclusivityRevoked { partner } => {
                let t = time;
                self.revoked.push((t, partner));
            }
            _ => {}
        }
    }
}

#[test]
fn an_exclusive_territory_holds_until_a_guardrail_breaks() {
    let emea_first_holders = |m: &leadsim::model::Model, obs: &mut Territory| {
        observe(m, 0, 9, 0, obs);
        let world = leadsim::engine::leads::draw_world(
            m,
            0,
            leadsim::engine::rng::Streams::new(leadsim::engine::rng::replication_seed(9, 0)),
            0,
        );
        let mut out: Vec<(f64, u32)> = obs
            .holders
            .0
            .iter()
            .filter(|(&lead, _)| world.leads[lead as usize].segment == 1)
            .map(|(&lead, h)| (world.leads[lead as usize].arrival_hours, h[0]))
            .collect();
        out.sort_by(|a, b| a.0.total_cmp(&b.0));
        out
    };
    // Honoured, no guardrail: every EMEA lead goes to the exclusive partner.
    let m = territories(json!({"honor": true}), 0.5).model();
    let mut obs = Territory::default();
    let emea = emea_first_holders(&m, &mut obs);
    assert!(emea.len() > 500);
    assert!(emea.iter().all(|&(_, h)| h == 0));
    assert!(obs.revoked.is_empty());
    // Not honoured: round robin shares EMEA among the three.
    let m = territories(json!({"honor": false}), 0.5).model();
    let mut obs = Territory::default();
    let emea = emea_first_holders(&m, &mut obs);
    let to_exclusive = emea.iter().filter(|&&(_, h)| h == 0).count() as f64 / emea.len() as f64;
    assert!((to_exclusive - 1.0 / 3.0).abs() < 0.05, "{to_exclusive}");
    // A guardrail it breaks (it qualifies nothing, against a floor of 8 %):
    // exclusive until the first review (day 30), not before, then shared.
    let m = territories(
        json!({"review_days": 30, "min_lead_to_opportunity": 0.08}),
        0.0,
    )
    .model();
    let mut obs = Territory::default();
    let emea = emea_first_holders(&m, &mut obs);
    assert_eq!(obs.revoked, vec![(720.0, 0)]);
    assert!(emea.iter().filter(|e| e.0 < 720.0).all(|&(_, h)| h == 0));
    let after: Vec<u32> = emea.iter().filter(|e| e.0 > 720.0).map(|e| e.1).collect();
    let share = after.iter().filter(|&&h| h == 0).count() as f64 / after.len() as f64;
    assert!((share - 1.0 / 3.0).abs() < 0.06, "{share}");
    // A partner that meets its guardrail keeps its territory.
    let m = territories(
        json!({"review_days": 30, "min_lead_to_opportunity": 0.08}),
        0.9,
    )
    .model();
    let mut obs = Territory::default();
    emea_first_holders(&m, &mut obs);
    assert!(obs.revoked.is_empty());
    // The metric and partners.csv say who lost it and when.
    let s = super::common::run(
        &territories(
            json!({"review_days": 30, "min_lead_to_opportunity": 0.08}),
            0.0,
        )
        .model(),
        4,
        9,
    );
    assert_eq!(
        super::common::metric(&s, "p", Metric::ExclusivityRevoked).mean,
        1.0
    );
    let row = &s.cells[0].partners[0];
    assert_eq!(row.exclusivity_revoked_share, 1.0);
    assert_eq!(row.exclusivity_revoked_mean_day, Some(30.0));
    // Errors and warnings.
    let err = super::common::load_error(
        &territories(json!({}), 0.5)
            .set("partners.0.exclusive", json!({"region": "apac"}))
            .text(),
    );
    assert!(
        err.contains("partners[0].exclusive.region: `apac` is not among this partner's `regions`"),
        "{err}"
    );
    let m = territories(json!({}), 0.5)
        .set("partners.0.regions", json!(["emea", "latam"]))
        .set("partners.0.exclusive", json!({"region": "latam"}))
        .model();
    assert!(
        m.warnings
            .iter()
            .any(|w| w.contains("exclusive region `latam` is in no segment")),
        "{:?}",
        m.warnings
    );
}

#[test]
fn enablement_raises_rates_period_by_period_and_costs_once_per_partner_period() {
    // Qualify 0.3 and win 0.2, fixed; 2,000 a partner a 10-day period buys
    // 0.02 qualify and 0.01 win per period, capped 0.05 above the start.
    let m = Scenario::new(json!({
        "name": "enablement", "horizon_days": 60, "seed": 10,
        "leads": {"arrivals_per_day": 40, "segments": [{"name": "all", "quality": {"fixed": 1}}]},
        "speed_to_lead": {"half_life_hours": 1, "floor": 1},
        "partners": [{"name": "P", "count": 3, "capacity": 1000, "response_hours": {"fixed": 1},
                      "work_days": {"fixed": 1}, "qualify_rate": 0.3, "win_rate": 0.2}],
        "policies": [{"name": "p", "payout": {"period_days": 10},
                      "enablement": {"per_partner_per_period": 2000, "qualify_gain_per_1000": 0.01,
                                     "win_gain_per_1000": 0.005, "max_gain": 0.05}}]
    }))
    .model();
    #[derive(Default)]
    struct Contacts(Vec<(f64, bool)>, Vec<(f64, bool)>);
    impl Observer for Contacts {
        fn event(&mut self, time: f64, event: Event) {
            match event {
                Event::Contacted { opportunity, .. } => {
                    let t = time;
                    self.0.push((t, opportunity));
                }
                Event::Closed { won, .. } => {
                    let t = time;
                    self.1.push((t, won));
                }
                _ => {}
            }
        }
    }
    let mut all = Contacts::default();
    let mut run = None;
    for r in 0..30 {
        let mut c = Contacts::default();
        let one = observe(&m, 0, 10, r, &mut c);
        all.0.extend(c.0);
        all.1.extend(c.1);
        run.get_or_insert(one);
    }
    // Rates within each period k (k completed periods): start + min(k x
    // gain, 0.05). About 1,200 contacts a period over 30 replications: se
    // of a rate near 0.3 is 0.0024; 4 se.
    let rate = |events: &[(f64, bool)], k: f64| {
        let inside: Vec<bool> = events
            .iter()
            .filter(|e| e.0 >= k * 240.0 && e.0 < (k + 1.0) * 240.0)
            .map(|e| e.1)
            .collect();
        (
            inside.iter().filter(|&&x| x).count() as f64 / inside.len() as f64,
            inside.len(),
        )
    };
    for k in 0..6 {
        let (q, n) = rate(&all.0, k as f64);
        let expected = 0.3 + (k as f64 * 0.02).min(0.05);
        let se = (expected * (1.0 - expected) / n as f64).sqrt();
        assert!(
            (q - expected).abs() < 4.0 * se,
            "period {k}: {q} against {expected} (n {n})"
        );
    }
    for k in 1..5 {
        // Closes one day after contact: the period of the close decides.
        let (w, n) = rate(&all.1, k as f64);
        let expected = 0.2 + (k as f64 * 0.01).min(0.05);
        let se = (expected * (1.0 - expected) / n as f64).sqrt();
        assert!(
            (w - expected).abs() < 4.0 * se,
            "period {k}: {w} against {expected} (n {n})"
        );
    }
    // Cost: 3 partners x 6 periods x 2,000, once each, in gross profit.
    let run = run.unwrap();
    assert_eq!(run.enablement, 36_000.0);
    let metrics = leadsim::runner::measure::compute(&m, &run);
    assert_eq!(metrics[Metric::Enablement], 36_000.0);
}

#[test]
fn big_deals_are_co_sold_with_the_house_at_the_closed_form_rate() {
    // Deals of 50k and 200k, half each; at 100k and above the house helps:
    // win 0.4 x 1.5 = 0.6 instead of 0.4, and the partner is paid half its
    // 10 % commission. One house slot, so co-sold deals may wait.
    let scenario = |co_sell: serde_json::Value| {
        Scenario::new(json!({
            "name": "co-sell", "horizon_days": 60, "seed": 11,
            "leads": {"arrivals_per_day": 20, "segments": [
                {"name": "small", "deal_size": {"fixed": 50000}, "quality": {"fixed": 1}},
                {"name": "big", "deal_size": {"fixed": 200000}, "quality": {"fixed": 1}}]},
            "speed_to_lead": {"half_life_hours": 1, "floor": 1},
            "house": {"capacity": 3, "response_hours": {"fixed": 1}, "work_days": {"fixed": 2}},
            "partners": [{"name": "P", "count": 4, "capacity": 1000, "response_hours": {"fixed": 1},
                          "work_days": {"fixed": 2}, "qualify_rate": 1, "win_rate": 0.4,
                          "discount": 0}],
            "policies": [{"name": "p", "payout": {"commission": [{"from": 0, "rate": 0.1}]},
                          "co_sell": co_sell}]
        }))
        .model()
    };
    let m = scenario(json!({"min_deal_size": 100000, "win_factor": 1.5, "partner_share": 0.5}));
    #[derive(Default)]
    struct Closes(Vec<(bool, f64)>, u32);
    impl Observer for Closes {
        fn event(&mut self, _time: f64, event: Event) {
            match event {
                Event::Closed { won, revenue, .. } => {
                    self.0.push((won, revenue));
                }
                Event::CoSold { .. } => {
                    self.1 += 1;
                }
                _ => {}
            }
        }
    }
    let (mut big, mut small, mut co_sold, mut payouts, mut revenue_big, mut revenue_small) =
        ((0, 0), (0, 0), 0, 0.0, 0.0, 0.0);
    for r in 0..20 {
        let mut c = Closes::default();
        let run = observe(&m, 0, 11, r, &mut c);
        // Wins by deal size, from revenue (no discount): 200k co-sold.
        let wins_big = c.0.iter().filter(|x| x.0 && x.1 == 200_000.0).count();
        let wins_small = c.0.iter().filter(|x| x.0 && x.1 == 50_000.0).count();
        assert_eq!(run.co_sold, c.1);
        co_sold += run.co_sold;
        big.0 += wins_big;
        small.0 += wins_small;
        small.1 += c.0.len() - run.co_sold as usize;
        big.1 += run.co_sold as usize;
        payouts += run.payouts;
        revenue_big += wins_big as f64 * 200_000.0;
        revenue_small += wins_small as f64 * 50_000.0;
    }
    let (p_big, p_small) = (big.0 as f64 / big.1 as f64, small.0 as f64 / small.1 as f64);
    // About 12,000 deals of each size; se of a rate near 0.5 is 0.0045; 4 se.
    assert!((p_big - 0.6).abs() < 0.018, "co-sold win rate {p_big}");
    assert!(
        (p_small - 0.4).abs() < 0.018,
        "partner-alone win rate {p_small}"
    );
    assert!(co_sold > 5000);
    // Commission: 10 % of small deals, 5 % of co-sold ones.
    let expected = 0.1 * revenue_small + 0.05 * revenue_big;
    assert!(
        (payouts - expected).abs() < 1e-3 * expected,
        "{payouts} against {expected}"
    );
    // Without a house it is refused.
    let mut doc = Scenario::new(json!({
        "name": "x", "leads": {"arrivals_per_day": 1},
        "partners": [{"name": "P"}],
        "policies": [{"name": "p", "co_sell": {"min_deal_size": 1}}]
    }));
    doc = doc.set("policies.0.co_sell.partner_share", json!(0.5));
    let err = super::common::load_error(&doc.text());
    assert!(
        err.contains("policies[0].co_sell: co-selling works deals with the house team"),
        "{err}"
    );
}

#[test]
fn the_trace_shows_exclusivity_reserve_renegotiation_and_co_selling() {
    let text = |m: &leadsim::model::Model, policy: usize| {
        let (leads, _) = leadsim::analyses::trace::trace(m, m.seed, policy, 0, 0);
        String::from_utf8(leadsim::report::trace::render(m, policy, &leads, None)).unwrap()
    };
    // The bundled scenario: Eurolink holds EMEA, then loses it at day 30.
    let m = leadsim::load_file(&super::common::repo_file(
        "scenarios/exclusive-territories.json",
    ))
    .unwrap();
    let guardrail = m
        .policies
        .iter()
        .position(|p| p.name == "honour-with-guardrail")
        .unwrap();
    let csv = text(&m, guardrail);
    assert!(
        csv.contains("exclusive territory of Eurolink"),
        "exclusive rows"
    );
    assert_eq!(
        csv.matches("720.00h Eurolink lost its exclusivity at the review")
            .count(),
        1,
        "one revocation, on the first lead after day 30"
    );
    // Escalations, the reserve, renegotiations and co-selling.
    let m = Scenario::new(json!({
        "name": "rows", "horizon_days": 20, "seed": 12,
        "leads": {"arrivals_per_day": 20,
                  "segments": [{"name": "all", "deal_size": {"fixed": 200000}, "quality": {"fixed": 1}}]},
        "speed_to_lead": {"half_life_hours": 1, "floor": 1},
        "economics": {"max_discount_approved": 0.1, "floor_win_factor": 0.5},
        "house": {"capacity": 50, "response_hours": {"fixed": 1}},
        "partners": [
            {"name": "Slow", "capacity": 100, "response_hours": {"fixed": 100}},
            {"name": "Quick", "tier": "gold", "capacity": 100, "response_hours": {"fixed": 1},
             "qualify_rate": 1, "win_rate": 1, "discount": 0.2}],
        "policies": [{"name": "p", "routing": {"rule": "round_robin"},
                      "sla": {"first_contact_hours": 2, "max_reroutes": 0,
                              "then": {"pool": {"tiers": ["gold"]}}},
                      "reserve": {"share": 0.2, "to": "least_served"},
                      "co_sell": {"min_deal_size": 100000}}]
    }))
    .model();
    let csv = text(&m, 0);
    for row in [
        "re-routes used up",
        "reserve -> ",
        "discount beyond the approved maximum renegotiated: signed",
        "discount beyond the approved maximum renegotiated: lost",
        "big deal: co-sold with the house",
    ] {
        assert!(csv.contains(row), "no `{row}` in the trace");
    }
}
