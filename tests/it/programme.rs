//! The channel programme (MODEL-2 §9): payouts by tier, and tiers that
//! move on won revenue.

use leadsim::engine::{Event, Observer, Unobserved};
use leadsim::metrics::Metric;
use serde_json::json;

use super::common::{load_error, metric, observe, run, standard_error, Scenario};

/// Everything certain: quality 1, every lead qualified and won after one
/// day at exactly 10,000, no discount.
fn certain(partners: serde_json::Value, policy: serde_json::Value) -> Scenario {
    Scenario::new(json!({
        "name": "programme", "horizon_days": 30, "seed": 13,
        "leads": {"arrivals_per_day": 5,
                  "segments": [{"name": "all", "deal_size": {"fixed": 10000}, "quality": {"fixed": 1}}]},
        "speed_to_lead": {"half_life_hours": 1, "floor": 1},
        "partners": partners,
        "policies": [policy]
    }))
}

fn sure(name: &str, tier: &str) -> serde_json::Value {
    json!({"name": name, "tier": tier, "capacity": 1000, "response_hours": {"fixed": 1},
           "work_days": {"fixed": 1}, "qualify_rate": 1, "win_rate": 1})
}

#[test]
fn a_tier_is_paid_its_own_brackets_and_others_the_policys() {
    let m = certain(
        json!([sure("Gold", "gold"), sure("Silver", "silver")]),
        json!({"name": "p", "routing": {"rule": "round_robin"},
               "payout": {"per_qualified_lead": 100,
                          "commission": [{"from": 0, "rate": 0.1}],
                          "by_tier": {"gold": {"commission": [{"from": 0, "rate": 0.2}]}}}}),
    )
    .model();
    for r in 0..3 {
        let run = observe(&m, 0, 13, r, &mut Unobserved);
        let (gold, silver) = (run.partners[0], run.partners[1]);
        assert!(gold.wins > 20 && silver.wins > 20);
        // Gold: its own brackets (20 %) and the policy's fee, field by field.
        let cents = |v: f64| (v * 100.0).round() as i64;
        assert_eq!(
            cents(gold.payouts),
            cents(0.2 * gold.revenue + 100.0 * gold.opportunities as f64)
        );
        assert_eq!(
            cents(silver.payouts),
            cents(0.1 * silver.revenue + 100.0 * silver.opportunities as f64)
        );
    }
}

#[test]
fn partners_are_promoted_at_the_review_their_revenue_reaches_and_not_before() {
    // One lead a day, each won 1 day and 1 hour after it arrives for
    // 10,000. The first review (day 10) counts the wins of leads that
    // arrived by 215 hours: Poisson with mean 215 / 24 = 8.958. Gold needs
    // 100,000: ten wins. P(N >= 10) = 0.40710 (computed by hand from the
    // Poisson sum).
    let m = certain(
        json!([sure("P", "silver")]),
        json!({"name": "p", "routing": {"rule": "round_robin"}}),
    )
    .set("leads.arrivals_per_day", json!(1))
    .set("horizon_days", json!(12))
    .merge(json!({"tiers": {"review_days": 10, "levels": [
        {"name": "gold", "min_revenue": 100000}, {"name": "silver", "min_revenue": 0}]}}))
    .model();
    let s = run(&m, 2000, 13);
    let promoted = metric(&s, "p", Metric::Promoted);
    // Binomial over 2,000 replications: se 0.011; 4 se.
    assert!(
        (promoted.mean - 0.40710).abs() < 4.0 * standard_error(&promoted),
        "{} (se {})",
        promoted.mean,
        standard_error(&promoted)
    );
    assert_eq!(metric(&s, "p", Metric::Demoted).mean, 0.0);
    // When it happens, it is at the review, not before.
    #[derive(Default)]
    struct Moves(Vec<(f64, usize, usize)>);
    impl Observer for Moves {
        fn event(&mut self, time: f64, event: Event) {
            if let Event::TierChanged { from, to, .. } = event {
                let t = time;
                self.0.push((t, from, to));
            }
        }
    }
    let gold = m.tiers.iter().position(|t| t == "gold").unwrap();
    let silver = m.tiers.iter().position(|t| t == "silver").unwrap();
    let mut seen = 0;
    for r in 0..40 {
        let mut moves = Moves::default();
        observe(&m, 0, 13, r, &mut moves);
        for &(t, from, to) in &moves.0 {
            assert_eq!((t, from, to), (240.0, silver, gold));
            seen += 1;
        }
    }
    assert!(seen > 5, "{seen}");
    // Without `tiers` nobody moves.
    let plain = certain(
        json!([sure("P", "silver")]),
        json!({"name": "p", "routing": {"rule": "round_robin"}}),
    )
    .model();
    let mut moves = Moves::default();
    let run = observe(&plain, 0, 13, 0, &mut moves);
    assert!(moves.0.is_empty() && run.promoted + run.demoted == 0);
}

#[test]
fn the_current_tier_drives_weighted_routing_and_partners_csv() {
    // Two gold partners; `Idle` wins nothing, so the first review (day 10)
    // demotes it to silver, where `weighted` gives it weight 0.
    let idle = json!({"name": "Idle", "tier": "gold", "capacity": 1000,
                      "response_hours": {"fixed": 1}, "work_days": {"fixed": 1},
                      "qualify_rate": 1, "win_rate": 0});
    let m = certain(
        json!([idle, sure("Busy", "gold")]),
        json!({"name": "p", "routing": {"rule": "weighted", "weights": {"gold": 1, "silver": 0}}}),
    )
    .merge(json!({"tiers": {"review_days": 10, "levels": [
        {"name": "gold", "min_revenue": 1}, {"name": "silver", "min_revenue": 0}]}}))
    .model();
    #[derive(Default)]
    struct Given(Vec<(f64, u32)>);
    impl Observer for Given {
        fn event(&mut self, time: f64, event: Event) {
            if let Event::Assigned { holder, .. } = event {
                let t = time;
                self.0.push((t, holder));
            }
        }
    }
    let mut given = Given::default();
    let run = observe(&m, 0, 13, 0, &mut given);
    assert_eq!(run.demoted, 1);
    assert!(given.0.iter().any(|&(t, h)| h == 0 && t < 240.0));
    assert!(
        given.0.iter().all(|&(t, h)| h != 0 || t <= 240.0),
        "no leads after demotion"
    );
    assert!(given.0.iter().any(|&(t, h)| h == 1 && t > 240.0));
    // partners.csv: where each ended and its days in each tier (30 days in
    // all for partners there from the start).
    let s = super::common::run(&m, 4, 13);
    let csv = String::from_utf8(leadsim::report::csv::partners_csv(&s)).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (end, gold_days, silver_days) =
        (col("tier_end"), col("days_in_gold"), col("days_in_silver"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows[0][end], "silver");
    assert_eq!(rows[1][end], "gold");
    for row in &rows {
        let total: f64 =
            row[gold_days].parse::<f64>().unwrap() + row[silver_days].parse::<f64>().unwrap();
        assert!((total - 30.0).abs() < 1e-9, "{row:?}");
    }
    assert_eq!(rows[0][gold_days], "10");
}

#[test]
fn bad_tiers_and_tier_payouts_are_refused_with_the_field_named() {
    let base = || {
        certain(
            json!([sure("Gold", "gold"), sure("Silver", "silver")]),
            json!({"name": "p", "payout": {"commission": [{"from": 0, "rate": 0.1}]}}),
        )
    };
    let cases = [
        (
            base().set("policies.0.payout.by_tier", json!({"golf": {"per_qualified_lead": 5}})),
            "policies[0].payout.by_tier.golf: `golf` is no tier; did you mean `gold`?",
        ),
        (
            base().set("policies.0.payout.by_tier", json!({"gold": {"period_days": 30}})),
            "policies[0].payout.by_tier.gold.period_days: `period_days` applies to every tier",
        ),
        (
            base().set("policies.0.payout.by_tier", json!({"gold": {"clawback": 2}})),
            "policies[0].payout.by_tier.gold.clawback",
        ),
        (
            base().merge(json!({"tiers": {"levels": [
                {"name": "silver", "min_revenue": 0}, {"name": "gold", "min_revenue": 500000}]}})),
            "tiers.levels[1].min_revenue: levels must be listed from the highest `min_revenue` down",
        ),
        (
            base().merge(json!({"tiers": {"review_days": 0, "levels": [{"name": "gold", "min_revenue": 0}]}})),
            "tiers.review_days",
        ),
    ];
    for (scenario, expected) in cases {
        let err = load_error(&scenario.text());
        assert!(err.contains(expected), "expected `{expected}` in {err}");
    }
}

#[test]
fn spiffs_are_paid_inside_their_window_on_matching_wins_under_the_cap() {
    // Two segments, finance and retail; a 500 SPIFF on finance wins closed
    // in days [10, 20); no other pay. Each win closes 1 day and 1 hour
    // after its lead arrives.
    let m = certain(
        json!([sure("P", "gold")]),
        json!({"name": "p", "payout": {"spiffs": [
            {"vertical": "finance", "from_day": 10, "to_day": 20, "amount": 500}]}}),
    )
    .set(
        "leads.segments",
        json!([
            {"name": "fin", "vertical": "finance", "deal_size": {"fixed": 10000}, "quality": {"fixed": 1}},
            {"name": "ret", "vertical": "retail", "deal_size": {"fixed": 10000}, "quality": {"fixed": 1}}
        ]),
    )
    .model();
    #[derive(Default)]
    struct Paid(Vec<(f64, u32, f64)>);
    impl Observer for Paid {
        fn event(&mut self, time: f64, event: Event) {
            if let Event::Spiff { lead, amount, .. } = event {
                let t = time;
                self.0.push((t, lead, amount));
            }
        }
    }
    for r in 0..3 {
        let mut paid = Paid::default();
        let run = observe(&m, 0, 13, r, &mut paid);
        let world = leadsim::engine::leads::draw_world(
            &m,
            r,
            leadsim::engine::rng::Streams::new(leadsim::engine::rng::replication_seed(13, r)),
            0,
        );
        // Exactly the finance wins closing in the window, 500 each.
        let expected: Vec<u32> = (0..world.leads.len() as u32)
            .filter(|&i| {
                let l = &world.leads[i as usize];
                let close = l.arrival_hours + 25.0;
                l.segment == 0 && (240.0..480.0).contains(&close)
            })
            .collect();
        let got: Vec<u32> = paid.0.iter().map(|p| p.1).collect();
        assert_eq!(got, expected);
        assert!(paid
            .0
            .iter()
            .all(|p| p.2 == 500.0 && (240.0..480.0).contains(&p.0)));
        assert_eq!(run.payouts, 500.0 * expected.len() as f64);
    }
    // Under a cap of 1,200 a period (10 days here), a period's SPIFFs stop
    // at the cap like any payment.
    let capped = certain(
        json!([sure("P", "gold")]),
        json!({"name": "p", "payout": {"period_days": 10, "cap_per_period": 1200, "spiffs": [
            {"region": "na", "from_day": 0, "to_day": 30, "amount": 500}]}}),
    )
    .set(
        "leads.segments",
        json!([{"name": "na", "region": "na", "deal_size": {"fixed": 10000}, "quality": {"fixed": 1}}]),
    )
    .set("partners.0.regions", json!(["na"]))
    .model();
    let run = observe(&capped, 0, 13, 0, &mut Unobserved);
    // Three periods with more than enough wins: each pays exactly its cap
    // (two SPIFFs of 500 and 200 of a third).
    assert_eq!(run.payouts, 3.0 * 1200.0);
    // Errors name the field.
    for (spiff, expected) in [
        (
            json!({"vertical": "finanse", "from_day": 0, "to_day": 5, "amount": 1}),
            "spiffs[0].vertical: `finanse` is no vertical; did you mean `finance`?",
        ),
        (
            json!({"vertical": "finance", "from_day": 10, "to_day": 5, "amount": 1}),
            "spiffs[0].to_day: must be after `from_day` (10)",
        ),
        (
            json!({"from_day": 0, "to_day": 5, "amount": 1}),
            "spiffs[0]: give exactly one of",
        ),
    ] {
        let text = certain(
            json!([sure("P", "gold")]),
            json!({"name": "p", "payout": {"spiffs": [spiff]}}),
        )
        .set(
            "leads.segments",
            json!([{"name": "fin", "vertical": "finance"}]),
        )
        .text();
        let err = load_error(&text);
        assert!(err.contains(expected), "expected `{expected}` in {err}");
    }
}

/// Three partners covering the one region, capacities 10, 20 and 30.
fn accounts(leads: serde_json::Value, eligibility: serde_json::Value) -> Scenario {
    Scenario::new(json!({
        "name": "accounts", "horizon_days": 30, "seed": 14,
        "leads": leads,
        "partners": [
            {"name": "A", "capacity": 10, "response_hours": {"fixed": 1}, "win_rate": 0.2},
            {"name": "B", "capacity": 20, "response_hours": {"fixed": 1}, "win_rate": 0.2},
            {"name": "C", "capacity": 30, "response_hours": {"fixed": 1}, "win_rate": 0.2}],
        "policies": [{"name": "p", "routing": {"rule": "round_robin"}, "eligibility": eligibility}]
    }))
}

#[derive(Default)]
struct FirstHolder(std::collections::HashMap<u32, u32>);
impl Observer for FirstHolder {
    fn event(&mut self, _time: f64, event: Event) {
        if let Event::Assigned { lead, holder, .. } = event {
            self.0.entry(lead).or_insert(holder);
        }
    }
}

fn world_of(m: &leadsim::model::Model, r: u64) -> leadsim::engine::leads::World {
    leadsim::engine::leads::draw_world(
        m,
        r,
        leadsim::engine::rng::Streams::new(leadsim::engine::rng::replication_seed(m.seed, r)),
        0,
    )
}

#[test]
fn registered_leads_go_to_their_registrant_or_count_as_conflicts() {
    let leads = json!({"arrivals_per_day": 20, "registered_share": 1});
    // Honoured (the default): every lead goes to its registrant.
    let m = accounts(leads.clone(), json!({})).model();
    let world = world_of(&m, 0);
    // Registrants by capacity: A 1/6, B 2/6, C 3/6 of ~600 leads.
    let share = |p: u32| {
        world.registrant.iter().filter(|&&r| r == p).count() as f64 / world.registrant.len() as f64
    };
    for (p, expected) in [(0, 1.0 / 6.0), (1, 2.0 / 6.0), (2, 3.0 / 6.0)] {
        // Binomial over ~600 leads: se at most 0.02; 4 se.
        assert!((share(p) - expected).abs() < 0.08, "{p}: {}", share(p));
    }
    let mut first = FirstHolder::default();
    let run = observe(&m, 0, 14, 0, &mut first);
    for (&lead, &holder) in &first.0 {
        assert_eq!(holder, world.registrant[lead as usize], "lead {lead}");
    }
    assert_eq!(run.channel_conflicts, 0);
    // Ignored: routed by the rule; conflicts are exactly the leads whose
    // first holder is not their registrant.
    let m = accounts(leads, json!({"registration": "ignore"})).model();
    let mut first = FirstHolder::default();
    let run = observe(&m, 0, 14, 0, &mut first);
    let elsewhere = first
        .0
        .iter()
        .filter(|(&lead, &holder)| holder != world.registrant[lead as usize])
        .count() as u32;
    assert_eq!(run.channel_conflicts, elsewhere);
    assert!(
        elsewhere > 300,
        "round robin ignores registrations: {elsewhere}"
    );
    let metrics = leadsim::runner::measure::compute(&m, &run);
    assert_eq!(metrics[Metric::ChannelConflicts], elsewhere as f64);
}

#[test]
fn incumbents_get_their_accounts_and_the_win_factor_applies_only_there() {
    let leads = json!({"arrivals_per_day": 20, "existing_account_share": 0.5,
                       "segments": [{"name": "all", "quality": {"fixed": 1}}]});
    let m = accounts(leads.clone(), json!({"incumbent": "prefer"}))
        .merge(json!({"economics": {"incumbent_win_factor": 2}}))
        .merge(json!({"speed_to_lead": {"half_life_hours": 1, "floor": 1}}))
        .model();
    let mut first = FirstHolder::default();
    let world = world_of(&m, 0);
    let with = world.incumbent.iter().filter(|&&p| p != u32::MAX).count() as f64;
    // Half the leads are existing accounts: binomial over ~600; 4 se.
    assert!((with / world.incumbent.len() as f64 - 0.5).abs() < 0.09);
    observe(&m, 0, 14, 0, &mut first);
    for (&lead, &holder) in &first.0 {
        let inc = world.incumbent[lead as usize];
        if inc != u32::MAX {
            assert_eq!(holder, inc, "lead {lead}");
        }
    }
    // Win rates: 0.2 x 2 on the incumbent's own accounts, 0.2 elsewhere
    // (40 replications: about 7,000 opportunities each way).
    #[derive(Default)]
    struct Closes(Vec<(u32, u32, bool)>);
    impl Observer for Closes {
        fn event(&mut self, _time: f64, event: Event) {
            if let Event::Closed {
                lead, holder, won, ..
            } = event
            {
                self.0.push((lead, holder, won));
            }
        }
    }
    let (mut own, mut other) = ((0u32, 0u32), (0u32, 0u32));
    for r in 0..40 {
        let world = world_of(&m, r);
        let mut closes = Closes::default();
        observe(&m, 0, 14, r, &mut closes);
        for (lead, holder, won) in closes.0 {
            let slot = if world.incumbent[lead as usize] == holder {
                &mut own
            } else {
                &mut other
            };
            slot.0 += won as u32;
            slot.1 += 1;
        }
    }
    let (p_own, p_other) = (own.0 as f64 / own.1 as f64, other.0 as f64 / other.1 as f64);
    // se of a rate near 0.4 over 7,000: 0.006, near 0.2: 0.005; 0.03 is
    // 5 se.
    assert!(
        (p_own - 0.4).abs() < 0.03,
        "own accounts {p_own} (n {})",
        own.1
    );
    assert!(
        (p_other - 0.2).abs() < 0.03,
        "others {p_other} (n {})",
        other.1
    );
    // Errors name the field.
    let err = load_error(&accounts(json!({"existing_account_share": 1.5}), json!({})).text());
    assert!(err.contains("leads.existing_account_share"), "{err}");
    let err = load_error(&accounts(json!({"registered_share": -0.1}), json!({})).text());
    assert!(err.contains("leads.registered_share"), "{err}");
}

#[test]
fn nurtured_leads_come_back_once_after_the_delay_with_their_quality() {
    // Threshold 0.4 on one signal with noise 0.05; every discarded lead is
    // nurtured (share 1) and comes back exactly 10 days later.
    let m = Scenario::new(json!({
        "name": "nurture", "horizon_days": 30, "seed": 15,
        "leads": {"arrivals_per_day": 20, "signals": [{"name": "s", "noise": 0.05}]},
        "partners": [{"name": "P", "count": 3, "capacity": 100, "response_hours": {"fixed": 1}}],
        "policies": [{"name": "p", "scoring": {"threshold": 0.4},
                      "nurture": {"share": 1, "after_days": {"fixed": 10}}}]
    }))
    .model();
    #[derive(Default)]
    struct Story {
        below: Vec<(f64, u32)>,
        back: Vec<(f64, u32, f64)>,
        disqualified: Vec<(f64, u32)>,
    }
    impl Observer for Story {
        fn event(&mut self, time: f64, event: Event) {
            match event {
                Event::BelowThreshold { lead } => {
                    let t = time;
                    self.below.push((t, lead));
                }
                Event::CameBack { lead, score } => {
                    let t = time;
                    self.back.push((t, lead, score));
                }
                Event::Contacted {
                    lead, opportunity, ..
                } => {
                    let t = time;
                    if !opportunity {
                        self.disqualified.push((t, lead));
                    }
                }
                _ => {}
            }
        }
    }
    let mut story = Story::default();
    let run = observe(&m, 0, 15, 0, &mut story);
    let world = leadsim::engine::leads::draw_world(
        &m,
        0,
        leadsim::engine::rng::Streams::new(leadsim::engine::rng::replication_seed(15, 0)),
        0,
    );
    // Every lead discarded the first time (below the threshold at arrival,
    // or disqualified at its first contact) comes back once, 240 h later.
    let mut first_discard: std::collections::BTreeMap<u32, f64> = Default::default();
    for &(t, lead) in story.below.iter().chain(&story.disqualified) {
        first_discard
            .entry(lead)
            .and_modify(|d| *d = d.min(t))
            .or_insert(t);
    }
    let mut back: Vec<u32> = story.back.iter().map(|b| b.1).collect();
    back.sort_unstable();
    let before = back.len();
    back.dedup();
    assert_eq!(back.len(), before, "each comes back once");
    assert_eq!(back, first_discard.keys().copied().collect::<Vec<_>>());
    for &(t, lead, score) in &story.back {
        assert_eq!(t, first_discard[&lead] + 240.0, "lead {lead}");
        // Its own quality, read through new noise (sd 0.05; 6 sd).
        let q = world.leads[lead as usize].quality;
        assert!(
            (score - q).abs() < 0.3,
            "lead {lead}: score {score}, quality {q}"
        );
    }
    assert!(run.recycled > 100, "{}", run.recycled);
    assert_eq!(run.recycled as usize, story.back.len());
    // Still exactly one outcome per lead.
    assert_eq!(run.outcomes.total(), run.leads);
    assert!(load_error(
        &Scenario::new(json!({"name": "x", "leads": {"arrivals_per_day": 1},
            "partners": [{"name": "P"}],
            "policies": [{"name": "p", "nurture": {"share": 2, "after_days": {"fixed": 1}}}]}))
        .text()
    )
    .contains("policies[0].nurture.share"));
}

/// Partner S sources its own leads; partner O sources none. Every lead is
/// worth exactly 10,000; S qualifies every lead it contacts (quality 1, no
/// decay) and wins half; O is a default partner.
fn sourcing(per_day: f64, extra: serde_json::Value) -> Scenario {
    Scenario::new(json!({
        "name": "sourcing", "horizon_days": 60, "seed": 16,
        "leads": {"arrivals_per_day": 2,
                  "segments": [{"name": "all", "deal_size": {"fixed": 10000}, "quality": {"fixed": 1}}]},
        "speed_to_lead": {"half_life_hours": 1, "floor": 1},
        "partners": [
            {"name": "S", "capacity": 200, "response_hours": {"fixed": 2}, "win_rate": 0.5,
             "qualify_rate": 1, "work_days": {"fixed": 20}, "sourced_per_day": per_day},
            {"name": "O", "capacity": 100, "response_hours": {"fixed": 2}, "win_rate": 0.5}],
        "policies": [{"name": "p", "routing": {"rule": "round_robin"}}]
    }))
    .merge(extra)
}

/// What happened to partner-sourced leads, and who was assigned which lead.
#[derive(Default)]
struct Sourcing {
    arrivals: Vec<(f64, u32, u32)>,
    contacts: Vec<(u32, u32)>,
    assigned: Vec<u32>,
    dropped: Vec<u32>,
}
impl Observer for Sourcing {
    fn event(&mut self, time: f64, event: Event) {
        match event {
            Event::Sourced { lead, partner, .. } => {
                let t = time;
                self.arrivals.push((t, lead, partner));
            }
            Event::Contacted { lead, holder, .. } => {
                self.contacts.push((lead, holder));
            }
            Event::Assigned { lead, .. } => {
                self.assigned.push(lead);
            }
            Event::Dropped { lead } => {
                self.dropped.push(lead);
            }
            _ => {}
        }
    }
}

impl Sourcing {
    fn is_sourced(&self, lead: u32) -> bool {
        self.arrivals.iter().any(|a| a.1 == lead)
    }
}

#[test]
fn a_partners_own_leads_arrive_at_its_rate_and_only_it_works_them() {
    let m = sourcing(4.0, json!({})).model();
    let s = run(&m, 40, 16);
    // Poisson with mean 4 x 60 = 240 per replication; 4 se of the mean.
    let sourced = metric(&s, "p", Metric::Sourced);
    assert!(
        (sourced.mean - 240.0).abs() < 4.0 * standard_error(&sourced),
        "{sourced:?}"
    );
    // Leads counts them, and their won revenue is 10,000 a win.
    let leads = metric(&s, "p", Metric::Leads).mean;
    assert!(leads > sourced.mean + 100.0, "{leads}");
    let mut story = Sourcing::default();
    let run = observe(&m, 0, 16, 0, &mut story);
    assert_eq!(run.sourced as usize, story.arrivals.len());
    assert!(story.arrivals.iter().all(|a| a.2 == 0), "only S sources");
    // Never routed, and only S contacts them.
    assert!(story.assigned.iter().all(|&l| !story.is_sourced(l)));
    let contacted: Vec<_> = story
        .contacts
        .iter()
        .filter(|c| story.is_sourced(c.0))
        .collect();
    assert!(contacted.len() > 200, "{}", contacted.len());
    assert!(contacted.iter().all(|c| c.1 == 0));
    // Their wins are S's, paid like any: revenue is whole deals.
    assert_eq!(run.sourced_revenue % 10_000.0, 0.0);
    assert!(run.sourced_revenue > 0.0 && run.sourced_revenue <= run.partners[0].revenue);
    // The fairness tallies count the leads the policy gave: S is offered
    // half the vendor's leads, like O.
    let (s_leads, o_leads) = (run.partners[0].leads, run.partners[1].leads);
    assert!(s_leads.abs_diff(o_leads) <= 1, "{s_leads} vs {o_leads}");
}

#[test]
fn a_partner_that_leaves_takes_its_own_leads_and_its_open_pipeline() {
    let m = sourcing(
        4.0,
        json!({"stress": [{"name": "S leaves", "events": [
            {"day": 30, "partner_exit": {"partner": "S"}}]}]}),
    )
    .model();
    let mut total = 0.0;
    let reps = 30;
    for r in 0..reps {
        let world = leadsim::engine::leads::draw_world(
            &m,
            r,
            leadsim::engine::rng::Streams::new(leadsim::engine::rng::replication_seed(16, r)),
            1,
        );
        let mut story = Sourcing::default();
        let run = leadsim::engine::simulate_observed(
            &m,
            &m.policies[0],
            &world,
            &mut leadsim::engine::Scratch::default(),
            &mut story,
        );
        // Nothing of S's arrives after it leaves (day 30 = 720 hours).
        assert!(story.arrivals.iter().all(|a| a.0 < 720.0));
        total += story.arrivals.len() as f64;
        // Its open leads leave with it, dropped, worth 10,000 each: every
        // lead it sourced in the last 20 days is an open opportunity (it
        // qualifies all and works each 20 days), Poisson with mean 80.
        let dropped = story
            .dropped
            .iter()
            .filter(|&&l| story.is_sourced(l))
            .count();
        assert!((40..=130).contains(&dropped), "{dropped}");
        assert_eq!(run.sourced_pipeline_lost, 10_000.0 * dropped as f64);
        assert_eq!(run.outcomes.total(), run.leads);
    }
    // Poisson with mean 4 x 30 = 120 per replication: sd sqrt(120 x 30)
    // = 60 over the total of 3,600; 4 sd.
    assert!((total - 120.0 * reps as f64).abs() < 240.0, "{total}");
    // The summary says what the exit cost, with the run's own figures.
    let s = run(&m, 10, 16);
    let lost = s.cells[1].metrics[Metric::SourcedPipelineLost]
        .unwrap()
        .mean;
    let sentence = leadsim::report::executive::sentences(&s)
        .into_iter()
        .find(|x| x.contains("took their own deals"))
        .expect("a sentence on the pipeline taken");
    assert!(sentence.starts_with("In `S leaves`"), "{sentence}");
    assert!(
        sentence.contains(&leadsim::format::human(lost, leadsim::metrics::Unit::Money)),
        "{sentence} / {lost}"
    );
}

#[test]
fn an_acquired_partners_own_leads_go_on_arriving_to_its_acquirer() {
    let m = sourcing(
        4.0,
        json!({"stress": [{"name": "O buys S", "events": [
            {"day": 30, "consolidation": {"acquirer": "O", "acquired": "S"}}]}]}),
    )
    .model();
    let world = leadsim::engine::leads::draw_world(
        &m,
        0,
        leadsim::engine::rng::Streams::new(leadsim::engine::rng::replication_seed(16, 0)),
        1,
    );
    let mut story = Sourcing::default();
    leadsim::engine::simulate_observed(
        &m,
        &m.policies[0],
        &world,
        &mut leadsim::engine::Scratch::default(),
        &mut story,
    );
    // S's own stream, at the acquirer from day 30 (720 h) on: about 120
    // arrivals each side (Poisson sd 11), none dropped.
    let (before, after): (Vec<&(f64, u32, u32)>, Vec<_>) =
        story.arrivals.iter().partition(|a| a.0 < 720.0);
    assert!(before.iter().all(|a| a.2 == 0) && after.iter().all(|a| a.2 == 1));
    assert!(
        before.len() > 70 && after.len() > 70,
        "{} {}",
        before.len(),
        after.len()
    );
    assert!(story.dropped.iter().all(|&l| !story.is_sourced(l)));
}

#[test]
fn mdf_received_in_a_period_buys_sourced_leads_in_the_next() {
    // Two 30-day payout periods; 5 % MDF on every win (10,000 a deal, so
    // 500 of MDF a win); 2 leads per 1,000 of MDF. Nothing is sourced in
    // the first period, so the second period's sourced leads are Poisson
    // with mean 0.002 x the MDF received in the first, which a run read at
    // day 30 measures exactly (the same draws: common random numbers).
    let base = sourcing(0.0, json!({}))
        .set(
            "policies.0.payout",
            json!({"period_days": 30, "mdf_rate": 0.05}),
        )
        .set("partners.0.work_days", json!({"fixed": 3}));
    let buying = base
        .clone()
        .set("partners.0.leads_per_mdf_1000", json!(2))
        .model();
    let first_period = base.clone().set("readout_day", json!(30)).model();
    let (mut expected, mut got) = (0.0, 0.0);
    for r in 0..60 {
        let mdf_s = {
            // Only S's MDF buys leads: its share of the first period's MDF.
            let run = observe(&first_period, 0, 16, r, &mut Unobserved);
            run.partners[0].revenue * 0.05
        };
        let mut story = Sourcing::default();
        let run = observe(&buying, 0, 16, r, &mut story);
        assert!(story
            .arrivals
            .iter()
            .all(|a| (720.0..1440.0).contains(&a.0)));
        expected += 0.002 * mdf_s;
        got += run.sourced as f64;
    }
    // The total is Poisson given the MDF: sd sqrt(expected); 4 sd.
    assert!(expected > 500.0, "{expected}");
    assert!(
        (got - expected).abs() < 4.0 * expected.sqrt(),
        "{got} vs {expected}"
    );
    // 0 buys nothing, and changes no other draw.
    let zero = base
        .clone()
        .set("partners.0.leads_per_mdf_1000", json!(0))
        .model();
    let plain = base.model();
    for r in 0..3 {
        let (a, b) = (
            observe(&zero, 0, 16, r, &mut Unobserved),
            observe(&plain, 0, 16, r, &mut Unobserved),
        );
        assert_eq!(a.sourced, 0);
        assert_eq!(
            (a.leads, a.outcomes, a.revenue),
            (b.leads, b.outcomes, b.revenue)
        );
    }
}

#[test]
fn registrants_are_drawn_in_proportion_to_what_they_source() {
    let m = accounts(
        json!({"arrivals_per_day": 20, "registered_share": 1}),
        json!({}),
    )
    .set("partners.0.sourced_per_day", json!(3))
    .set("partners.1.sourced_per_day", json!(1))
    .model();
    let world = world_of(&m, 0);
    let share = |p: u32| {
        world.registrant.iter().filter(|&&r| r == p).count() as f64 / world.registrant.len() as f64
    };
    // Binomial over ~600 leads: se at most 0.02; 4 se. C sources nothing.
    for (p, expected) in [(0, 0.75), (1, 0.25)] {
        assert!((share(p) - expected).abs() < 0.08, "{p}: {}", share(p));
    }
    assert_eq!(share(2), 0.0);
}

#[test]
fn sourcing_fields_are_checked() {
    for (path, value, expected) in [
        (
            "partners.0.sourced_per_day",
            json!(-1),
            "partners[0].sourced_per_day",
        ),
        (
            "partners.0.leads_per_mdf_1000",
            json!(-0.5),
            "partners[0].leads_per_mdf_1000",
        ),
        ("partners.0.sourced_per_day", json!(1e6), "limit is 5e6"),
    ] {
        let err = load_error(&sourcing(1.0, json!({})).set(path, value).text());
        assert!(err.contains(expected), "expected `{expected}` in {err}");
    }
}

#[test]
fn the_trace_shows_registrations_conflicts_and_partners_own_leads_in_arrival_order() {
    let m = leadsim::load_file(&super::common::repo_file("scenarios/registration.json")).unwrap();
    let rows = |policy: usize| -> Vec<Vec<String>> {
        let (leads, run) = leadsim::analyses::trace::trace(&m, m.seed, policy, 0, 0);
        let bytes = leadsim::report::trace::render(&m, policy, &leads, None);
        let rows: Vec<Vec<String>> = csv::Reader::from_reader(&bytes[..])
            .records()
            .map(|r| r.unwrap().iter().map(String::from).collect())
            .collect();
        // One row per lead that arrived, vendor and sourced alike.
        assert_eq!(rows.len() as u32, run.leads);
        rows
    };
    let honour = rows(0);
    let arrivals: Vec<f64> = honour.iter().map(|r| r[1].parse().unwrap()).collect();
    assert!(
        arrivals.windows(2).all(|w| w[0] <= w[1]),
        "in order of arrival"
    );
    let sourced: Vec<&Vec<String>> = honour
        .iter()
        .filter(|r| r[15].starts_with("sourced by "))
        .collect();
    assert!(sourced.len() > 100, "{}", sourced.len());
    for r in &sourced {
        // Worked by its own partner, never routed, not scored.
        assert_eq!(r[15], format!("sourced by {}", r[11]), "{r:?}");
        assert_eq!(r[6], "", "{r:?}");
        assert_eq!(r[5], "", "{r:?}");
    }
    assert!(honour
        .iter()
        .any(|r| r[6].contains("registration honoured -> ")));
    assert!(!honour.iter().any(|r| r[6].contains("channel conflict")));
    let ignore = rows(1);
    let conflicts = ignore
        .iter()
        .filter(|r| r[6].contains("channel conflict: registered to "))
        .count();
    let (_, run) = leadsim::analyses::trace::trace(&m, m.seed, 1, 0, 0);
    assert_eq!(conflicts as u32, run.channel_conflicts);
    assert!(conflicts > 500, "{conflicts}");
}

#[test]
fn the_reports_partner_tables_show_own_leads_and_tier_moves() {
    // S sources 4 leads a day and wins half of them at 10,000: at the
    // 30-day review its revenue (about 60 wins) is far above gold's
    // 250,000, which O (about 30 vendor leads a period, won at most half
    // the time) would need 25 wins to reach.
    let m = sourcing(4.0, json!({}))
        .set("partners.0.tier", json!("silver"))
        .set("partners.1.tier", json!("silver"))
        .merge(json!({"tiers": {"review_days": 30, "levels": [
            {"name": "gold", "min_revenue": 250000}, {"name": "silver", "min_revenue": 0}]}}))
        .model();
    let s = run(&m, 4, 16);
    let html = String::from_utf8(leadsim::report::html::render(&s, &[]).unwrap()).unwrap();
    assert!(html.contains("<th>own leads (won revenue)</th>"));
    assert!(
        html.contains("<td>S</td><td>silver → gold</td>"),
        "S moved up"
    );
    let o_row = html.find("<td>O</td>").map(|i| &html[i..i + 40]);
    assert!(
        html.contains("<td>O</td><td>silver</td>"),
        "O stayed: {o_row:?}"
    );
    let csv = String::from_utf8(leadsim::report::csv::partners_csv(&s)).unwrap();
    let header = csv.lines().next().unwrap();
    assert!(header.contains("sourced_leads,sourced_revenue"), "{header}");
    // S's own leads: about 240 a replication; O's none.
    let row = |name: &str| -> Vec<String> {
        let line = csv
            .lines()
            .find(|l| l.contains(&format!(",{name},")))
            .unwrap();
        line.split(',').map(String::from).collect()
    };
    let col = header
        .split(',')
        .position(|c| c == "sourced_leads")
        .unwrap();
    let s_leads: f64 = row("S")[col].parse().unwrap();
    assert!((180.0..300.0).contains(&s_leads), "{s_leads}");
    assert_eq!(row("O")[col], "0");
}

#[test]
fn a_tier_review_counts_only_the_revenue_since_the_last_one() {
    // Reviews every 10 days; gold from 50,000. The one partner wins every
    // lead it gets (5 a day, 10,000 each, a day after arrival) until it
    // goes away on day 9: about 45 wins by the first review (promoted),
    // none between the first and the second (demoted at day 20, though its
    // revenue since the start is still far above the level).
    let mut partner = sure("P", "silver");
    partner["away"] = json!([{"from_day": 9, "to_day": 30}]);
    let m = certain(json!([partner]), json!({"name": "p"}))
        .merge(json!({"tiers": {"review_days": 10, "levels": [
            {"name": "gold", "min_revenue": 50000}, {"name": "silver", "min_revenue": 0}]}}))
        .model();
    #[derive(Default)]
    struct Moves(Vec<(f64, usize)>);
    impl Observer for Moves {
        fn event(&mut self, time: f64, event: Event) {
            if let Event::TierChanged { to, .. } = event {
                let t = time;
                self.0.push((t, to));
            }
        }
    }
    for r in 0..3 {
        let mut moves = Moves::default();
        let run = observe(&m, 0, 13, r, &mut moves);
        let gold = m.tiers.iter().position(|t| t == "gold").unwrap();
        let silver = m.tiers.iter().position(|t| t == "silver").unwrap();
        assert_eq!(
            moves.0,
            vec![(240.0, gold), (480.0, silver)],
            "replication {r}"
        );
        assert_eq!((run.promoted, run.demoted), (1, 1));
    }
}

#[test]
fn a_late_joiners_own_leads_start_when_it_joins() {
    // Two partners source 4 leads a day each; one joins on day 30. Its
    // own leads start then, not on day 0: none before hour 720, and about
    // 4 x 30 = 120 after (Poisson: 120 ± 11; at least 60 is five sd off).
    #[derive(Default)]
    struct Sourced(Vec<(f64, u32)>);
    impl leadsim::engine::Observer for Sourced {
        fn event(&mut self, t: f64, event: leadsim::engine::Event) {
            if let leadsim::engine::Event::Sourced { partner, .. } = event {
                self.0.push((t, partner));
            }
        }
    }
    let m = super::common::Scenario::new(serde_json::json!({
        "name": "late", "horizon_days": 60, "seed": 4,
        "leads": {"arrivals_per_day": 5},
        "partners": [
            {"name": "Early", "capacity": 100, "sourced_per_day": 4},
            {"name": "Late", "capacity": 100, "sourced_per_day": 4, "joins_day": 30}],
        "policies": [{"name": "p"}]
    }))
    .model();
    let mut seen = Sourced::default();
    super::common::observe(&m, 0, 4, 0, &mut seen);
    let late: Vec<f64> = seen.0.iter().filter(|s| s.1 == 1).map(|s| s.0).collect();
    let early_before = seen.0.iter().filter(|s| s.1 == 0 && s.0 < 720.0).count();
    assert!(early_before > 60, "{early_before}");
    assert!(
        late.iter().all(|&t| t >= 720.0),
        "{:?}",
        late.iter().take(5).collect::<Vec<_>>()
    );
    assert!(late.len() > 60, "{}", late.len());
}
