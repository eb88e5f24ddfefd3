//! Stress worlds: consolidation conserves leads and open work and sums
//! capacity; a skew moves the segment mix by its factor; an exit re-routes
//! the queue and loses nothing; a late joiner gets nothing before its day.

use std::collections::HashMap;

use leadsim::engine::leads::draw_world;
use leadsim::engine::rng::{replication_seed, Streams};
use leadsim::engine::{simulate_observed, Event, Observer, Scratch};

use serde_json::json;

use super::common::{bin, model, Scenario};

fn scenario(events: serde_json::Value) -> String {
    let line = |name: &str, capacity: u32| {
        json!({"name": name, "capacity": capacity, "response_hours": {"fixed": 6},
               "work_days": {"fixed": 4}, "qualify_rate": 0.9})
    };
    Scenario::new(json!({
        "name": "stress", "horizon_days": 60,
        "leads": {"arrivals_per_day": 40, "segments": [
            {"name": "na", "share": 0.4, "region": "na"},
            {"name": "emea", "share": 0.6, "region": "emea"}]},
        "speed_to_lead": {"half_life_hours": 1000, "floor": 1},
        "partners": [line("A", 2), line("B", 3), line("C", 3), {"name": "Late", "capacity": 3}],
        "policies": [{"name": "rr", "routing": {"rule": "round_robin"}}],
        "stress": [{"name": "world", "events": events}]
    }))
    .text()
}

/// Follows every lead: who holds it, who works it, what happened.
#[derive(Default)]
struct Watch {
    assigned: Vec<(f64, u32, u32)>,
    working: HashMap<u32, u32>,
    concurrency: HashMap<u32, u32>,
    peak_after: HashMap<u32, u32>,
    event_hours: f64,
    moved: Vec<(u32, u32, u32)>,
    finished_by: HashMap<u32, u32>,
}

impl Watch {
    fn change(&mut self, time: f64, holder: u32, up: bool) {
        let c = self.concurrency.entry(holder).or_insert(0);
        if up {
            *c += 1;
        } else {
            *c -= 1;
        }
        if time >= self.event_hours {
            let peak = self.peak_after.entry(holder).or_insert(0);
            *peak = (*peak).max(*c);
        }
    }
}

impl Observer for Watch {
    fn event(&mut self, time: f64, event: Event) {
        match event {
            Event::Assigned { lead, holder, .. } => {
                self.assigned.push((time, lead, holder));
            }
            Event::Started { lead, holder } => {
                self.working.insert(lead, holder);
                self.change(time, holder, true);
            }
            Event::Moved { lead, from, to } => {
                self.moved.push((lead, from, to));
                if let Some(h) = self.working.get_mut(&lead) {
                    *h = to;
                    self.change(time, from, false);
                    self.change(time, to, true);
                }
            }
            Event::Contacted {
                lead,
                holder,
                opportunity,
            } if !opportunity => {
                self.working.remove(&lead);
                self.change(time, holder, false);
                self.finished_by.insert(lead, holder);
            }
            Event::Closed { lead, holder, .. } => {
                self.working.remove(&lead);
                self.change(time, holder, false);
                self.finished_by.insert(lead, holder);
            }
            _ => {}
        }
    }
}

#[test]
fn consolidation_conserves_leads_and_work_and_sums_capacity() {
    let m = model(&scenario(
        json!([{"day": 20, "consolidation": {"acquirer": "A", "acquired": "B"}}]),
    ));
    let mut scratch = Scratch::default();
    for r in 0..5 {
        let world = draw_world(&m, r, Streams::new(replication_seed(3, r)), 1);
        let mut watch = Watch {
            event_hours: 20.0 * 24.0,
            ..Watch::default()
        };
        let run = simulate_observed(&m, &m.policies[0], &world, &mut scratch, &mut watch);
        assert_eq!(run.outcomes.total(), run.leads, "every lead ends once");
        // B's open work and queue moved to A, and all of it finished under A.
        assert!(!watch.moved.is_empty(), "B had work at day 20");
        for &(lead, from, to) in &watch.moved {
            assert_eq!((from, to), (1, 0));
            assert_eq!(
                watch.finished_by.get(&lead),
                Some(&0),
                "lead {lead} moved to A and finished there"
            );
        }
        // Nothing is assigned to B after the merger; A works up to 2 + 3.
        assert!(watch
            .assigned
            .iter()
            .all(|&(t, _, p)| p != 1 || t < 20.0 * 24.0));
        assert!(watch.peak_after[&0] > 2, "A uses the acquired capacity");
        assert!(watch.peak_after[&0] <= 5, "but never more than the sum");
        assert_eq!(
            watch.concurrency.values().sum::<u32>(),
            0,
            "every slot freed at the end"
        );
        assert!(run.partners[1].left_at_hours == Some(20.0 * 24.0));
    }
}

#[test]
fn a_skew_moves_the_segment_mix_by_its_factor() {
    let m = model(&scenario(
        json!([{"day": 30, "market_skew": {"region": "na", "factor": 3}}]),
    ));
    let (mut before, mut after) = ((0usize, 0usize), (0usize, 0usize));
    for r in 0..20 {
        let streams = Streams::new(replication_seed(8, r));
        let base = draw_world(&m, r, streams, 0);
        let skewed = draw_world(&m, r, streams, 1);
        // Same arrivals (no demand change) and the same draws per lead.
        assert_eq!(base.leads.len(), skewed.leads.len());
        for (a, b) in base.leads.iter().zip(&skewed.leads) {
            assert_eq!(a.arrival_hours, b.arrival_hours);
            let bucket = if b.arrival_hours < 30.0 * 24.0 {
                &mut before
            } else {
                &mut after
            };
            bucket.0 += (b.segment == 0) as usize;
            bucket.1 += 1;
            if b.arrival_hours < 30.0 * 24.0 {
                assert_eq!(a.segment, b.segment, "nothing changes before the event");
            }
        }
    }
    // na's share: 0.4 before; 3 x 0.4 / (3 x 0.4 + 0.6) = 2/3 after. About
    // 12,000 leads each side: standard error ~0.0045; 4 se = 0.018.
    let share = |(na, all): (usize, usize)| na as f64 / all as f64;
    assert!((share(before) - 0.4).abs() < 0.018, "{}", share(before));
    assert!((share(after) - 2.0 / 3.0).abs() < 0.018, "{}", share(after));
}

#[test]
fn a_demand_event_scales_arrivals_in_its_window_and_keeps_draws_paired() {
    let m = model(&scenario(
        json!([{"day": 20, "demand": {"factor": 2, "until_day": 40}}]),
    ));
    let (mut base_in, mut world_in) = (0usize, 0usize);
    for r in 0..20 {
        let streams = Streams::new(replication_seed(5, r));
        let base = draw_world(&m, r, streams, 0);
        let surge = draw_world(&m, r, streams, 1);
        let window = |t: f64| (20.0 * 24.0..40.0 * 24.0).contains(&t);
        base_in += base
            .leads
            .iter()
            .filter(|l| window(l.arrival_hours))
            .count();
        world_in += surge
            .leads
            .iter()
            .filter(|l| window(l.arrival_hours))
            .count();
        // The k-th lead has the same draws in both worlds.
        for (a, b) in base.leads.iter().zip(&surge.leads) {
            assert_eq!((a.quality, a.deal_size), (b.quality, b.deal_size));
        }
    }
    // 20 days x 40 a day x 20 replications = 16,000 expected in the base
    // window (Poisson sd 126); twice that in the surge.
    let ratio = world_in as f64 / base_in as f64;
    assert!((ratio - 2.0).abs() < 0.06, "{ratio}");
}

#[test]
fn an_exit_reroutes_the_queue_and_a_join_waits_for_its_day() {
    let m = model(&scenario(
        json!([{"day": 25, "partner_exit": {"partner": "C"}}, {"day": 35, "partner_join": {"partner": "Late"}}]),
    ));
    let mut scratch = Scratch::default();
    for r in 0..5 {
        let world = draw_world(&m, r, Streams::new(replication_seed(6, r)), 1);
        let mut watch = Watch {
            event_hours: f64::INFINITY,
            ..Watch::default()
        };
        let run = simulate_observed(&m, &m.policies[0], &world, &mut scratch, &mut watch);
        assert_eq!(run.outcomes.total(), run.leads, "no lead lost");
        let exit = 25.0 * 24.0;
        assert!(
            watch.assigned.iter().all(|&(t, _, p)| p != 2 || t < exit),
            "C gets nothing after exiting"
        );
        assert!(
            watch.assigned.iter().any(|&(t, _, p)| p != 2 && t == exit),
            "C's queue was routed again at the exit"
        );
        let join = 35.0 * 24.0;
        assert!(
            watch.assigned.iter().all(|&(t, _, p)| p != 3 || t >= join),
            "Late gets nothing before day 35"
        );
        assert!(
            watch.assigned.iter().any(|&(_, _, p)| p == 3),
            "Late gets leads after joining"
        );
        assert!(!run.partners[3].active_at_start);
    }
}

#[test]
fn stress_runs_report_every_policy_in_every_world() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let assert = bin()
        .arg("run")
        .arg(super::common::repo_file("scenarios/market-skew.json"))
        .args([
            "--replications",
            "4",
            "--heatmap",
            "economics.gross_profit",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    let stdout = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    for world in [
        "base",
        "emea-surge",
        "demand-spike",
        "northwind-buys-contoso",
    ] {
        assert!(
            stdout.contains(&format!("== world `{world}` ==")),
            "{world}"
        );
    }
    assert!(stdout.contains("robustness across 4 worlds"));
    let summary: leadsim::report::json::SummaryJson =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary.results.len(), 4 * 4);
    assert_eq!(summary.results[4].world, "emea-surge");
    let heatmap = std::fs::read_to_string(out.join("heatmap.svg")).unwrap();
    roxmltree::Document::parse(&heatmap).unwrap();
    assert!(heatmap.contains("economics.gross_profit by policy and world"));
    // One coloured cell per policy and world.
    assert_eq!(heatmap.matches("<rect").count(), 1 + 16);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("id=\"robustness\"") && html.contains("chart-heatmap"));
    bin()
        .arg("run")
        .arg(super::common::repo_file("scenarios/market-skew.json"))
        .args(["--replications", "2", "--heatmap", "conversion.lead_to_wim"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "did you mean `conversion.lead_to_win`?",
        ));
}
