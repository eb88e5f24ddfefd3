//! Invariants that hold for every seed and policy: every arrived lead ends
//! in exactly one outcome, and the counts agree with each other.

use leadsim::engine::leads::draw_world;
use leadsim::engine::rng::{replication_seed, Streams};
use leadsim::engine::{simulate_observed, Event, Observer, Scratch};
use proptest::prelude::*;

use serde_json::json;

use super::common::{model, Scenario};

#[derive(Debug, Clone)]
struct Variant {
    rule: &'static str,
    threshold: f64,
    sla_hours: Option<f64>,
    max_reroutes: u32,
    then_house: bool,
    has_house: bool,
    skip_when_full: bool,
    vertical: &'static str,
    capacity: u32,
    /// 0 none, 1 caps, 2 away and join windows, 3 behaviour with exits,
    /// 4 stress events (exit, join, consolidation) run in their world, 5
    /// speed-to-lead curves with reach, and slots freed at first contact, 6
    /// a working week (calendar, arrival pattern, hours, business clock), 7
    /// offers (single or broadcast, refusals, silence, selectivity), 8 the
    /// channel programme all at once (tiers that move, payouts by tier,
    /// SPIFFs, a cap, incumbents, registrations, nurture, partner-sourced
    /// leads and MDF that buys them, a sourcing partner leaving and one
    /// acquired), in its stress world.
    feature: u8,
}

/// The programme feature's `payout.cap_per_period`.
const CAP: f64 = 2500.0;

fn scenario(v: &Variant) -> String {
    let routing = match v.rule {
        "score_tiered" => json!({"rule": "score_tiered", "tiers": [
            {"min_score": 0.4, "partner_tiers": ["gold"]},
            {"min_score": 0.0, "partner_tiers": ["silver"]}], "then": "least_loaded"}),
        "weighted" => json!({"rule": "weighted", "weights": {"gold": 3, "silver": 1}}),
        rule => json!({"rule": rule}),
    };
    let mut doc = Scenario::new(json!({
        "name": "invariants", "horizon_days": 20,
        "leads": {"arrivals_per_day": 30, "segments": [
            {"name": "a", "share": 2, "region": "na", "vertical": "retail"},
            {"name": "b", "share": 1, "region": "emea", "vertical": "finance"},
            {"name": "c", "share": 1, "region": "apac", "vertical": "tech"}]},
        "partners": [
            {"name": "G", "count": 2, "tier": "gold", "regions": ["na", "emea"], "verticals": ["finance"],
             "capacity": v.capacity,
             "response_hours": {"lognormal": {"median": 3, "p90": 20}},
             "work_days": {"exponential": {"mean": 5}}},
            {"name": "S", "count": 3, "tier": "silver", "regions": ["na"], "capacity": v.capacity,
             "response_hours": {"triangular": {"min": 0, "mode": 10, "max": 60}},
             "qualify_rate": {"beta": {"mean": 0.6, "concentration": 5}}}],
        "economics": {"review_days": 5},
        "policies": [{"name": "p", "routing": routing,
                      "eligibility": {"vertical": v.vertical},
                      "scoring": {"threshold": v.threshold},
                      "caps": {"when_full": if v.skip_when_full { "skip" } else { "queue" }},
                      "payout": {"per_qualified_lead": 10, "commission": [{"from": 0, "rate": 0.1}]}}]
    }));
    if v.has_house {
        doc = doc.merge(json!({
            "house": {"capacity": 3, "response_hours": {"exponential": {"mean": 12}}}
        }));
    }
    if let Some(h) = v.sla_hours {
        let then = if v.then_house && v.has_house {
            "house"
        } else {
            "drop"
        };
        doc = doc.set(
            "policies.0.sla",
            json!({"first_contact_hours": h, "max_reroutes": v.max_reroutes, "then": then}),
        );
    }
    doc = match v.feature {
        1 => doc
            .set("policies.0.caps.max_share", json!(0.5))
            .set("policies.0.caps.per_day", json!(4)),
        2 => doc
            .set("partners.1.away", json!([{"from_day": 3, "to_day": 8}]))
            .set("partners.1.joins_day", json!(2)),
        3 => doc
            .set("partners.1.effort_elasticity", json!(0.7))
            .set("partners.1.min_period_earnings", json!(500))
            .set("partners.1.patience_periods", json!(1)),
        5 => doc
            .merge(json!({"speed_to_lead": {
                "qualify": {"points": [[0, 1], [4, 0.5], [48, 0.1]]},
                "reach": {"half_life_hours": 10, "floor": 0.4}}}))
            .set("partners.0.opportunities_hold_slots", json!(false)),
        6 => {
            let doc = doc
                .merge(
                    json!({"calendar": {"start_weekday": "thu", "holidays": [2]},
                              "leads": {"arrival_pattern": {"weekdays": [1, 1, 1, 1, 1, 0.2, 0]}}}),
                )
                .set(
                    "partners.0.hours",
                    json!({"from": 8, "to": 18, "utc_offset": -5}),
                )
                .set(
                    "partners.1.hours",
                    json!({"days": ["mon", "wed", "sat"], "holidays": [9]}),
                );
            match v.sla_hours {
                Some(_) => doc.set("policies.0.sla.clock", json!("business")),
                None => doc,
            }
        }
        7 => doc
            .set(
                "policies.0.offer",
                json!({"mode": if v.skip_when_full { "single" } else { "broadcast" },
                       "window_hours": 3, "max_rounds": 2}),
            )
            .set(
                "partners.0.accept_rate",
                json!({"beta": {"mean": 0.6, "concentration": 4}}),
            )
            .set(
                "partners.0.accept_hours",
                json!({"exponential": {"mean": 2}}),
            )
            .set("partners.1.selectivity", json!(1.5))
            .set("partners.1.reject_when_full", json!(true))
            .set("partners.1.hours", json!({"from": 8, "to": 20})),
        8 => doc
            .merge(json!({
                "tiers": {"review_days": 5, "levels": [
                    {"name": "gold", "min_revenue": 200000}, {"name": "silver", "min_revenue": 0}]},
                "leads": {"existing_account_share": 0.3, "registered_share": 0.3},
                "economics": {"incumbent_win_factor": 1.5},
                "stress": [{"name": "programme", "events": [
                    {"day": 7, "partner_exit": {"partner": "G-1"}},
                    {"day": 9, "consolidation": {"acquirer": "S-1", "acquired": "G-2"}}]}]}))
            .set("partners.0.sourced_per_day", json!(1.5))
            .set("partners.0.leads_per_mdf_1000", json!(5))
            .set("partners.1.sourced_per_day", json!(0.5))
            .set("policies.0.payout.mdf_rate", json!(0.05))
            .set("policies.0.payout.period_days", json!(4))
            .set("policies.0.payout.cap_per_period", json!(CAP))
            .set(
                "policies.0.payout.by_tier",
                json!({"gold": {"commission": [{"from": 0, "rate": 0.2}]}}),
            )
            .set(
                "policies.0.payout.spiffs",
                json!([{"region": "na", "from_day": 2, "to_day": 12, "amount": 300}]),
            )
            .set(
                "policies.0.eligibility.incumbent",
                json!(if v.then_house { "prefer" } else { "ignore" }),
            )
            .set(
                "policies.0.eligibility.registration",
                json!(if v.skip_when_full { "honor" } else { "ignore" }),
            )
            .set(
                "policies.0.nurture",
                json!({"share": 0.5, "after_days": {"exponential": {"mean": 3}}}),
            ),
        4 => doc.merge(json!({"stress": [{"name": "shock", "events": [
            {"day": 4, "partner_exit": {"partner": "S-1"}},
            {"day": 6, "consolidation": {"acquirer": "G-1", "acquired": "S-2"}},
            {"day": 3, "partner_join": {"partner": "S-3"}}]}]})),
        _ => doc,
    };
    doc.text()
}

fn variant() -> impl Strategy<Value = Variant> {
    (
        prop::sample::select(vec![
            "round_robin",
            "weighted",
            "least_loaded",
            "score_tiered",
            "fastest",
            "best_win_rate",
            "thompson",
        ]),
        prop::sample::select(vec![0.0, 0.2, 0.5]),
        prop::option::of(prop::sample::select(vec![1.0, 8.0, 48.0])),
        0u32..4,
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        prop::sample::select(vec!["require", "prefer", "ignore"]),
        1u32..6,
        0u8..9,
    )
        .prop_map(
            |(
                rule,
                threshold,
                sla_hours,
                max_reroutes,
                then_house,
                has_house,
                skip,
                vertical,
                capacity,
                feature,
            )| Variant {
                rule,
                threshold,
                sla_hours,
                max_reroutes,
                then_house,
                has_house,
                skip_when_full: skip,
                vertical,
                capacity,
                feature,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn every_lead_ends_in_exactly_one_outcome(v in variant(), seed in any::<u64>()) {
        let m = model(&scenario(&v));
        let mut scratch = Scratch::default();
        let world_index = if matches!(v.feature, 4 | 8) { 1 } else { 0 };
        for r in 0..3 {
            let world = draw_world(&m, r, Streams::new(replication_seed(seed, r)), world_index);
            let mut holders = Holders::default();
            let run = simulate_observed(&m, &m.policies[0], &world, &mut scratch, &mut holders);
            prop_assert!(holders.negative.is_empty(), "negative payments: {:?}", holders.negative);
            if v.feature == 8 {
                for (&(partner, period), &paid) in &holders.paid {
                    prop_assert!(paid <= CAP + 1e-6, "partner {partner} was paid {paid} in period {period}, over the cap");
                }
            }
            prop_assert!(holders.returned.is_empty(), "a re-routed lead went back to an earlier holder: {:?}", holders.returned);
            let first_leads: u32 = run.partners.iter().map(|p| p.first_leads).sum();
            let first_wins: u32 = run.partners.iter().map(|p| p.first_wins).sum();
            prop_assert!(first_leads <= run.routed);
            prop_assert!(first_wins <= run.outcomes.won);
            let o = run.outcomes;
            // Every lead, the vendor's and the partners' own, ends once
            // (a nurtured lead once, after it comes back).
            prop_assert_eq!(run.leads as usize, world.leads.len() + holders.sourced.len());
            prop_assert_eq!(run.sourced as usize, holders.sourced.len());
            prop_assert_eq!(o.total(), run.leads, "{:?}", o);
            prop_assert_eq!(holders.ended.len() as u32, run.leads, "a lead ended twice or never");
            if v.feature != 8 {
                prop_assert_eq!(run.routed + o.below_threshold + o.unrouted, run.leads);
                prop_assert!(o.dropped <= run.rerouted, "only a lead the SLA took back can be dropped");
            } else {
                // A nurtured lead may be routed, then discarded for good.
                prop_assert!(run.routed + o.below_threshold + o.unrouted + run.sourced >= run.leads);
                prop_assert!(run.recycled <= o.below_threshold + o.disqualified + run.routed);
                prop_assert!(o.dropped <= run.rerouted + run.sourced);
                prop_assert!(run.sourced_revenue <= run.revenue + 1e-6);
                prop_assert!(run.payouts >= 0.0 && run.mdf >= 0.0 && run.clawbacks >= 0.0);
            }
            // An open opportunity of a partner's own may leave with it
            // (dropped), and a lead nurtured after a first contact is
            // contacted again.
            prop_assert!(o.won + o.lost <= run.opportunities);
            prop_assert!(run.opportunities <= o.won + o.lost + o.dropped);
            let decided = o.disqualified + o.unreached + run.opportunities;
            prop_assert!(run.contacts >= decided && run.contacts <= decided + run.recycled);
            if v.feature != 8 {
                prop_assert_eq!(run.opportunities, o.won + o.lost);
                prop_assert_eq!(run.contacts, decided);
            }
            if v.sla_hours.is_none() {
                prop_assert_eq!(run.sla_breaches, 0);
                // Without an SLA only a partner leaving re-routes (its queue).
                if v.feature < 3 {
                    prop_assert_eq!(o.dropped + run.rerouted, 0);
                }
            }
            if !v.has_house {
                prop_assert_eq!(run.to_house, 0);
            } else if !(v.feature == 7 && v.sla_hours.is_some() && !v.then_house) {
                // Unless offers run out under an SLA whose `then` drops.
                prop_assert_eq!(o.unrouted, 0, "with a house nothing is unrouted");
            }
            let partner_contacts: u32 = run.partners.iter().map(|p| p.contacts).sum();
            prop_assert!(partner_contacts <= run.contacts);
            let partner_wins: u32 = run.partners.iter().map(|p| p.wins).sum();
            prop_assert!(partner_wins <= o.won);
            prop_assert!(run.ttfc_sum_hours >= 0.0);
            let assignments: u32 = run.partners.iter().map(|p| p.leads).sum();
            prop_assert_eq!(run.sla_breaches <= assignments, true);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// With a warm-up and a readout, every counted lead is decided or open
    /// at the readout, and only arrivals in the window are counted.
    #[test]
    fn every_counted_lead_is_decided_or_open_at_the_readout(
        v in variant(),
        seed in any::<u64>(),
        warmup in prop::sample::select(vec![0.0, 3.0, 8.0]),
        readout in prop::option::of(prop::sample::select(vec![10.0, 19.0, 40.0])),
    ) {
        let mut doc: serde_json::Value = serde_json::from_str(&scenario(&v)).unwrap();
        doc["warmup_days"] = json!(warmup);
        if let Some(day) = readout {
            doc["readout_day"] = json!(day);
        }
        let m = model(&doc.to_string());
        let world_index = if v.feature == 4 { 1 } else { 0 };
        let mut scratch = Scratch::default();
        for r in 0..2 {
            let world = draw_world(&m, r, Streams::new(replication_seed(seed, r)), world_index);
            let run = simulate_observed(&m, &m.policies[0], &world, &mut scratch, &mut leadsim::engine::Unobserved);
            let end = readout.map_or(f64::INFINITY, |d| d * 24.0);
            let counted = world
                .leads
                .iter()
                .filter(|l| l.arrival_hours >= warmup * 24.0 && l.arrival_hours <= end)
                .count();
            prop_assert_eq!((run.leads - run.sourced) as usize, counted);
            prop_assert_eq!(run.outcomes.total() + run.open_at_readout, run.leads);
            if readout.is_none() {
                prop_assert_eq!(run.open_at_readout, 0);
            }
            let o = run.outcomes;
            prop_assert!(o.won + o.lost <= run.opportunities);
            prop_assert!(run.contacts <= run.leads + run.rerouted + run.recycled);
        }
    }
}

/// Records every partner each lead was assigned to, and any lead assigned
/// again to a partner that held it before (consolidation moves excepted:
/// the acquirer takes the acquired partner's work as it is).
#[derive(Default)]
struct Holders {
    held: std::collections::HashMap<u32, Vec<u32>>,
    moved: std::collections::HashSet<u32>,
    returned: Vec<(u32, u32)>,
    /// Partner-sourced leads that arrived, and every lead that ended (a
    /// set: a lead ending twice shows as a count short of the leads).
    sourced: std::collections::HashSet<u32>,
    ended: std::collections::HashSet<u32>,
    /// Paid per (partner, payout period of 4 days), and any payment below 0.
    paid: std::collections::HashMap<(u32, u64), f64>,
    negative: Vec<f64>,
}

impl Holders {
    fn end(&mut self, lead: u32) {
        assert!(self.ended.insert(lead), "lead {lead} ended twice");
    }
}

impl Observer for Holders {
    fn event(&mut self, time: f64, event: Event) {
        match event {
            Event::Assigned { lead, holder, .. } => {
                let earlier = self.held.entry(lead).or_default();
                if earlier.contains(&holder) && !self.moved.contains(&lead) {
                    self.returned.push((lead, holder));
                }
                earlier.push(holder);
            }
            Event::Moved { lead, .. } => {
                self.moved.insert(lead);
            }
            Event::Sourced { lead, .. } => {
                self.sourced.insert(lead);
            }
            Event::Paid { holder, amount, .. } => {
                let t = time;
                if amount < 0.0 {
                    self.negative.push(amount);
                }
                *self.paid.entry((holder, (t / 96.0) as u64)).or_default() += amount;
            }
            Event::BelowThreshold { lead } => {
                self.end(lead);
            }
            Event::Unrouted { lead } => {
                self.end(lead);
            }
            Event::Dropped { lead } => {
                self.end(lead);
            }
            Event::Unreached { lead, .. } => {
                self.end(lead);
            }
            Event::Contacted {
                lead, opportunity, ..
            } if !opportunity => {
                self.end(lead);
            }
            Event::Closed { lead, .. } => {
                self.end(lead);
            }
            Event::Nurtured { lead, .. } => {
                // Not an end after all: it comes back, with no history of holders.
                self.ended.remove(&lead);
                self.held.remove(&lead);
            }
            _ => {}
        }
    }
}
