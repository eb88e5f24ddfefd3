//! Fairness metrics on simulated runs whose answer is known.

use leadsim::engine::leads::draw_world;
use leadsim::engine::rng::{replication_seed, Streams};
use leadsim::engine::{simulate, Scratch};
use leadsim::metrics::Metric;

use super::common::{metric, model, run};

#[test]
fn round_robin_over_identical_partners_is_nearly_perfectly_fair() {
    let text = r#"{
        "name": "even", "horizon_days": 30,
        "leads": {"arrivals_per_day": 50},
        "partners": [{"name": "P", "count": 10, "capacity": 1000}],
        "policies": [{"name": "rr"}]
    }"#;
    let m = model(text);
    // Round robin hands out leads in turn: counts differ by at most one.
    let mut scratch = Scratch::default();
    for r in 0..20 {
        let world = draw_world(&m, r, Streams::new(replication_seed(5, r)), 0);
        let leads: Vec<u32> = simulate(&m, &m.policies[0], &world, &mut scratch)
            .partners
            .iter()
            .map(|p| p.leads)
            .collect();
        let (lo, hi) = (leads.iter().min().unwrap(), leads.iter().max().unwrap());
        assert!(hi - lo <= 1, "replication {r}: {leads:?}");
    }
    // So Gini = k (n - k) / (n^2 mean) <= 1 / (4 mean) for k partners with
    // one more lead; ~1500 leads over 10 partners: mean >= 135 (3.5 sd below
    // the expected 150), so Gini < 0.00186.
    let s = run(&m, 20, 5);
    let gini = metric(&s, "rr", Metric::GiniLeads);
    assert!(gini.p90 < 0.00186, "{gini:?}");
    let jain = metric(&s, "rr", Metric::JainLeads);
    assert!(jain.mean > 0.9999, "{jain:?}");
    let share = metric(&s, "rr", Metric::MaxShare);
    assert!((share.mean - 0.1).abs() < 0.001, "{share:?}");
    assert_eq!(metric(&s, "rr", Metric::StarvedPartners).mean, 0.0);
}

#[test]
fn one_partner_taking_everything_is_maximally_unfair() {
    // Only partner A covers the region the leads come from.
    let text = r#"{
        "name": "skewed", "horizon_days": 30,
        "leads": {"arrivals_per_day": 20, "segments": [{"name": "na", "region": "na"}]},
        "partners": [{"name": "A", "regions": ["na"], "capacity": 1000},
                     {"name": "B", "count": 3, "regions": ["emea"], "capacity": 1000}],
        "policies": [{"name": "rr"}]
    }"#;
    let s = run(&model(text), 5, 1);
    // x = [n, 0, 0, 0]: Gini (n - 1) / n = 0.75, Jain 1/n = 0.25.
    assert!((metric(&s, "rr", Metric::GiniLeads).mean - 0.75).abs() < 1e-12);
    assert!((metric(&s, "rr", Metric::JainLeads).mean - 0.25).abs() < 1e-12);
    assert_eq!(metric(&s, "rr", Metric::MaxShare).mean, 1.0);
    assert_eq!(metric(&s, "rr", Metric::StarvedPartners).mean, 3.0);
}

/// Leads per partner in each of `replications` replications of policy 0.
fn leads_per_partner(text: &str, replications: u64, seed: u64) -> Vec<Vec<u32>> {
    let m = model(text);
    let mut scratch = Scratch::default();
    (0..replications)
        .map(|r| {
            let world = draw_world(&m, r, Streams::new(replication_seed(seed, r)), 0);
            simulate(&m, &m.policies[0], &world, &mut scratch)
                .partners
                .iter()
                .map(|p| p.leads)
                .collect()
        })
        .collect()
}

/// In every replication, the partners of each group (index ranges) differ
/// by at most one lead, and each received more than `min`.
fn assert_even_within(text: &str, seed: u64, groups: &[std::ops::Range<usize>], min: u32) {
    for (r, leads) in leads_per_partner(text, 10, seed).iter().enumerate() {
        for group in groups {
            let group = &leads[group.clone()];
            let (lo, hi) = (group.iter().min().unwrap(), group.iter().max().unwrap());
            assert!(hi - lo <= 1, "replication {r}: {leads:?}");
            assert!(*lo > min, "replication {r}: every partner works: {leads:?}");
        }
    }
}

#[test]
fn round_robin_keeps_one_turn_per_region_pool() {
    // Six identical partners, three per region; two regions' leads
    // interleave. With one turn shared by every region (the first edition's
    // bug) the first partner of each region got ~4x the third's leads.
    let text = r#"{
        "name": "two-regions", "horizon_days": 60,
        "leads": {"arrivals_per_day": 40, "segments": [
            {"name": "na", "region": "na", "share": 0.7},
            {"name": "emea", "region": "emea", "share": 0.3}]},
        "partners": [
            {"name": "N", "count": 3, "regions": ["na"], "capacity": 1000},
            {"name": "E", "count": 3, "regions": ["emea"], "capacity": 1000}],
        "policies": [{"name": "rr", "routing": {"rule": "round_robin"}}]
    }"#;
    assert_even_within(text, 3, &[0..3, 3..6], 100);
}

#[test]
fn score_tiered_round_robin_rotates_evenly_inside_each_tier() {
    // Two gold and three silver partners in two regions; high scores go to
    // gold, the rest to silver, round robin inside the tier. Within a tier
    // and region, identical partners differ by at most one lead.
    let text = r#"{
        "name": "tiers", "horizon_days": 60,
        "leads": {"arrivals_per_day": 40, "segments": [
            {"name": "na", "region": "na", "share": 0.5},
            {"name": "emea", "region": "emea", "share": 0.5}]},
        "partners": [
            {"name": "G-na", "count": 2, "tier": "gold", "regions": ["na"], "capacity": 1000},
            {"name": "S-na", "count": 3, "tier": "silver", "regions": ["na"], "capacity": 1000},
            {"name": "G-emea", "count": 2, "tier": "gold", "regions": ["emea"], "capacity": 1000},
            {"name": "S-emea", "count": 3, "tier": "silver", "regions": ["emea"], "capacity": 1000}],
        "policies": [{"name": "tiered", "routing": {"rule": "score_tiered", "then": "round_robin",
            "tiers": [{"min_score": 0.5, "partner_tiers": ["gold"]},
                      {"min_score": 0.0, "partner_tiers": ["silver"]}]}}]
    }"#;
    assert_even_within(text, 9, &[0..2, 2..5, 5..7, 7..10], 50);
}
