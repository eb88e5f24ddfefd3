//! Money a finance team would sign (net revenue, the house's cost), the
//! window a run is read in (warm-up, readout, pilots read when they end),
//! fairness on the leads partners kept, and the overload warning.

use leadsim::analyses::power::{power, PilotSpec, Unit};
use leadsim::engine::rng::{replication_seed, Streams};
use leadsim::engine::{simulate, Scratch, Unobserved};
use leadsim::metrics::Metric;
use leadsim::runner::measure::compute;
use leadsim::stats::fairness::gini;
use serde_json::json;

use super::common::{bin, metric, observe, repo_file, run, standard_error, stderr_of, Scenario};

/// Two identical partners, plenty of room, every lead qualified; deals of
/// exactly 10,000 at no discount.
fn shop() -> Scenario {
    Scenario::new(json!({
        "name": "shop", "horizon_days": 60, "seed": 5, "replications": 40,
        "leads": {"arrivals_per_day": 20,
                  "segments": [{"name": "all", "deal_size": {"fixed": 10000},
                                "quality": {"fixed": 1}}]},
        "speed_to_lead": {"half_life_hours": 1, "floor": 1},
        "economics": {"gross_margin": 0.8},
        "partners": [{"name": "P", "count": 2, "capacity": 100000,
                      "response_hours": {"fixed": 1}, "work_days": {"fixed": 5},
                      "qualify_rate": 1, "win_rate": 0.5, "discount": 0}],
        "policies": [{"name": "p", "payout": {"commission": [{"from": 0, "rate": 0.1}],
                                             "clawback": 1}}]
    }))
}

#[test]
fn churned_revenue_is_lost_and_churn_never_raises_profit() {
    // Churn c, no discount factor, loss L: each won deal's revenue is lost
    // with probability c, in part L, so net revenue = revenue x (1 - c L).
    for (c, loss) in [(0.3, 1.0), (0.5, 0.4)] {
        let m = shop()
            .set("economics.churn_rate", json!(c))
            .set("economics.churn_revenue_loss", json!(loss))
            .model();
        let s = run(&m, 40, 5);
        let revenue = metric(&s, "p", Metric::Revenue).mean;
        let net = metric(&s, "p", Metric::NetRevenue);
        let expected = revenue * (1.0 - c * loss);
        // The churn draws are per deal: about 600 wins a replication, so the
        // lost share's standard error is sqrt(c (1 - c) / 600) of revenue;
        // 4 standard errors of the mean over 40 replications.
        let se = revenue * loss * (c * (1.0 - c) / 600.0 / 40.0).sqrt();
        assert!(
            (net.mean - expected).abs() < 4.0 * se,
            "c {c}, L {loss}: {} against {expected} (se {se})",
            net.mean
        );
    }
    // Gross profit falls as churn rises, with the full clawback: a churned
    // deal loses its margin (80 %) and gets back its commission (10 %).
    let profit = |c: f64| {
        let m = shop().set("economics.churn_rate", json!(c)).model();
        metric(&run(&m, 20, 5), "p", Metric::GrossProfit).mean
    };
    let (none, some, most) = (profit(0.0), profit(0.3), profit(0.9));
    assert!(none > some && some > most, "{none} {some} {most}");
}

#[test]
fn the_house_costs_exactly_its_leads() {
    // Half the leads go to the house (partners full); the only change is
    // the house's cost per lead, so in every replication gross profit falls
    // by exactly k x volume.to_house.
    let base = shop()
        .set("partners.0.capacity", json!(1))
        .set("partners.0.response_hours", json!({"fixed": 200}))
        .merge(json!({
            "house": {"capacity": 100000, "response_hours": {"fixed": 2},
                      "work_days": {"fixed": 5}, "qualify_rate": 1, "win_rate": 0.3},
            "policies": [{"name": "p", "sla": {"first_contact_hours": 24, "then": "house"}}]
        }));
    let free = base.model();
    let paid = base.set("house.cost_per_lead", json!(120)).model();
    let k = 120.0;
    for r in 0..5 {
        let world = leadsim::engine::leads::draw_world(
            &free,
            r,
            Streams::new(replication_seed(free.seed, r)),
            0,
        );
        let a = simulate(&free, &free.policies[0], &world, &mut Scratch::default());
        let b = simulate(&paid, &paid.policies[0], &world, &mut Scratch::default());
        let (ma, mb) = (compute(&free, &a), compute(&paid, &b));
        assert!(ma[Metric::ToHouse] > 100.0, "the house works leads");
        assert_eq!(ma[Metric::ToHouse], mb[Metric::ToHouse]);
        assert_eq!(mb[Metric::HouseCost], k * mb[Metric::ToHouse]);
        let fall = ma[Metric::GrossProfit] - mb[Metric::GrossProfit];
        assert!(
            (fall - k * ma[Metric::ToHouse]).abs() < 1e-6 * fall,
            "replication {r}: {fall} against {}",
            k * ma[Metric::ToHouse]
        );
        assert_eq!(ma[Metric::HouseCost], 0.0);
    }
}

#[test]
fn a_run_read_at_day_60_counts_only_deals_closed_by_then() {
    // Contact after exactly 1 hour, every lead qualified, deals close 30
    // days later and are won with probability 1/2; leads arrive uniformly
    // over [0, 60) and the run is read at day 60. A lead arriving at day a
    // is decided at a + 30 days + 1 hour, so it counts as won only if
    // a <= 30 - 1/24: lead-to-win = 0.5 x (30 - 1/24) / 60.
    let m = shop()
        .set("partners.0.work_days", json!({"fixed": 30}))
        .set("readout_day", json!(60))
        .model();
    let s = run(&m, 40, 5);
    let exact = 0.5 * (30.0 - 1.0 / 24.0) / 60.0;
    let e = metric(&s, "p", Metric::LeadToWin);
    let tolerance = 4.0 * standard_error(&e);
    assert!(
        (e.mean - exact).abs() < tolerance,
        "{} against {exact} (tolerance {tolerance})",
        e.mean
    );
    // Every arrived lead is decided or open at the readout; about half are
    // open (those that arrived after day 30).
    for r in 0..5 {
        let runs = observe(&m, 0, m.seed, r, &mut Unobserved);
        let metrics = compute(&m, &runs);
        assert_eq!(
            runs.outcomes.total() + runs.open_at_readout,
            runs.leads,
            "replication {r}"
        );
        let open = metrics[Metric::OpenAtReadout] / metrics[Metric::Leads];
        assert!((open - 0.5).abs() < 0.08, "open share {open}");
    }
    // Followed to the end, every lead is decided.
    let s = run(
        &shop()
            .set("partners.0.work_days", json!({"fixed": 30}))
            .model(),
        10,
        5,
    );
    assert_eq!(metric(&s, "p", Metric::OpenAtReadout).mean, 0.0);
    let followed = metric(&s, "p", Metric::LeadToWin);
    assert!((followed.mean - 0.5).abs() < 0.02, "{}", followed.mean);
}

#[test]
fn a_warm_up_counts_only_later_arrivals_and_starts_the_count_loaded() {
    // One partner, one slot, 20 leads a day, exponential responses of
    // 0.96 h: an M/M/1 queue at load 0.8, empty at the start, whose mean
    // time in system settles at 1 / (mu - lambda) = 4.8 h within a few
    // days (relaxation time about 1 / (mu (1 - sqrt rho)^2) = 3.6 days).
    let busy = |warmup: f64, horizon: f64| {
        Scenario::new(json!({
            "name": "busy", "horizon_days": horizon, "warmup_days": warmup, "seed": 6,
            "leads": {"arrivals_per_day": 20},
            "partners": [{"name": "P", "capacity": 1,
                          "response_hours": {"exponential": {"mean": 0.96}},
                          "qualify_rate": 0, "work_days": {"fixed": 1}}],
            "policies": [{"name": "p"}]
        }))
        .model()
    };
    // volume.leads: only arrivals from the warm-up's end, 20 a day.
    let s = run(&busy(20.0, 50.0), 40, 6);
    let leads = metric(&s, "p", Metric::Leads);
    // Poisson: sd of 600 arrivals is sqrt(600) per replication; 4 se.
    assert!(
        (leads.mean - 600.0).abs() < 4.0 * (600.0f64 / 40.0).sqrt(),
        "{}",
        leads.mean
    );
    // The same two days read from an empty start, after 5 days of warm-up
    // and after 15: the first differs from the second by more than the
    // second from the third (the queue's start-up is over).
    let ttfc = |warmup: f64| {
        metric(
            &run(&busy(warmup, warmup + 2.0), 400, 6),
            "p",
            Metric::TtfcMean,
        )
    };
    let (cold, warm, warmer) = (ttfc(0.0), ttfc(5.0), ttfc(15.0));
    let se = |a: &leadsim::stats::Estimate, b: &leadsim::stats::Estimate| {
        (standard_error(a).powi(2) + standard_error(b).powi(2)).sqrt()
    };
    // Loaded against empty: 4 standard errors of the difference.
    assert!(
        warm.mean - cold.mean > 4.0 * se(&cold, &warm),
        "cold {} warm {}",
        cold.mean,
        warm.mean
    );
    // Warm against warmer: within 4 standard errors, and smaller.
    assert!(
        (warm.mean - warmer.mean).abs() < 4.0 * se(&warm, &warmer)
            && (warm.mean - warmer.mean).abs() < warm.mean - cold.mean,
        "cold {} warm {} warmer {}",
        cold.mean,
        warm.mean,
        warmer.mean
    );
}

#[test]
fn a_pilot_read_when_it_ends_sees_fewer_wins_than_one_followed_up() {
    // Deals take 6 weeks to close: a 4-week pilot read on its last day sees
    // no wins at all; followed up 10 weeks it sees them all.
    let m = Scenario::new(json!({
        "name": "slow deals", "horizon_days": 90, "seed": 7,
        "leads": {"arrivals_per_day": 30,
                  "segments": [{"name": "all", "quality": {"fixed": 1}}]},
        "speed_to_lead": {"half_life_hours": 1, "floor": 1},
        "partners": [{"name": "P", "count": 12, "capacity": 1000,
                      "response_hours": {"fixed": 2}, "work_days": {"fixed": 42},
                      "qualify_rate": 0.8, "win_rate": 0.3}],
        "policies": [{"name": "a"},
                     {"name": "b", "eligibility": {"region": "require"},
                      "scoring": {"threshold": 0.0}}]
    }))
    .model();
    let spec = |follow_up_weeks: f64| PilotSpec {
        policy: 1,
        versus: 0,
        partners: (0..12).collect(),
        weeks: 4.0,
        follow_up_weeks,
        unit: Unit::Lead,
        alpha: 0.05,
        pilots: 40,
        seed: 9,
    };
    let at = |w: f64| power(&m, &spec(w), 4.0).rate_a;
    let (read_at_end, some, followed) = (at(0.0), at(4.0), at(10.0));
    assert_eq!(read_at_end, 0.0, "nothing closes within the pilot");
    assert!(
        some > 0.0 && some < followed,
        "{read_at_end} {some} {followed}"
    );
    // Followed to the end, the arm's rate is qualify x mean win rate.
    assert!((followed - 0.24).abs() < 0.03, "{followed}");
}

#[test]
fn gini_kept_counts_leads_worked_not_leads_offered() {
    // A is offered 4 leads in 5 but never contacts one before its SLA
    // (response 100 h, SLA 2 h, no re-route: the house takes them); B is
    // offered 1 in 5 and keeps them all.
    let m = Scenario::new(json!({
        "name": "offered", "horizon_days": 30, "seed": 8,
        "leads": {"arrivals_per_day": 20},
        "partners": [
            {"name": "A", "tier": "gold", "capacity": 1000, "response_hours": {"fixed": 100}},
            {"name": "B", "tier": "silver", "capacity": 1000, "response_hours": {"fixed": 1}}],
        "house": {"capacity": 1000, "response_hours": {"fixed": 4}},
        "policies": [{"name": "p", "routing": {"rule": "weighted", "weights": {"gold": 4, "silver": 1}},
                      "sla": {"first_contact_hours": 2, "max_reroutes": 0, "then": "house"}}]
    }))
    .model();
    for r in 0..3 {
        let run = observe(&m, 0, m.seed, r, &mut Unobserved);
        let metrics = compute(&m, &run);
        let (a, b) = (run.partners[0], run.partners[1]);
        assert!(
            a.leads > 3 * b.leads,
            "A offered more: {} vs {}",
            a.leads,
            b.leads
        );
        assert_eq!(a.contacts, 0);
        assert_eq!(b.contacts, b.leads);
        // Offered: A looks favoured. Kept: B has them all (Gini 1/2 of
        // two partners, one with everything).
        let offered = gini(&[a.leads as f64, b.leads as f64]).unwrap();
        assert!((metrics[Metric::GiniLeads] - offered).abs() < 1e-12);
        assert_eq!(metrics[Metric::GiniKept], 0.5);
        // Value kept: score x deal size of B's leads, all of it B's.
        assert!(b.value_kept > 0.0 && a.value_kept == 0.0);
        assert_eq!(metrics[Metric::GiniValue], 0.5);
    }
}

#[test]
fn the_overload_warning_names_the_growing_house_only() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = std::fs::read_to_string(repo_file("scenarios/baseline.json")).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&baseline).unwrap();
    let warnings_of = |scenario: Scenario, name: &str| {
        let file = scenario.write(dir.path(), name);
        let assert = bin()
            .arg("run")
            .arg(&file)
            .args(["--replications", "6", "--quiet", "--out"])
            .arg(dir.path().join(name.trim_end_matches(".json")))
            .assert()
            .success();
        stderr_of(&assert)
    };
    let stderr = warnings_of(Scenario::new(doc.clone()), "loaded.json");
    assert!(
        stderr.contains("problem: The house cannot keep up under `tiered-fast`"),
        "{stderr}"
    );
    assert!(!stderr.contains("Queues are still growing"), "{stderr}");
    let roomy = Scenario::new(doc).set("house.capacity", json!(400));
    let stderr = warnings_of(roomy, "roomy.json");
    assert!(!stderr.contains("The house cannot keep up"), "{stderr}");
}

#[test]
fn bad_window_and_money_fields_are_refused_with_the_field_named() {
    let cases = [
        (
            "economics.churn_revenue_loss",
            json!(1.5),
            "economics.churn_revenue_loss",
        ),
        (
            "economics.churn_revenue_loss",
            json!(-0.1),
            "economics.churn_revenue_loss",
        ),
        ("house", json!({"cost_per_lead": -5}), "house.cost_per_lead"),
        ("warmup_days", json!(-1), "warmup_days"),
        (
            "warmup_days",
            json!(60),
            "must be shorter than `horizon_days`",
        ),
        (
            "readout_day",
            json!(0),
            "readout_day: must be after `warmup_days`",
        ),
        (
            "readout_day",
            json!(100000),
            "readout_day: must be at most 3710",
        ),
    ];
    for (path, value, expected) in cases {
        let text = shop().set(path, value.clone()).text();
        let err = super::common::load_error(&text);
        assert!(
            err.contains(expected),
            "{path} = {value}: expected `{expected}` in {err}"
        );
    }
    // Warm-up and readout together: the readout must come after.
    let text = shop()
        .set("warmup_days", json!(20))
        .set("readout_day", json!(10))
        .text();
    let err = super::common::load_error(&text);
    assert!(
        err.contains("readout_day: must be after `warmup_days` (20)"),
        "{err}"
    );
}

#[test]
fn the_window_and_the_kept_leads_reach_every_output() {
    let dir = tempfile::tempdir().unwrap();
    let file = shop()
        .set("warmup_days", json!(10))
        .set("readout_day", json!(50))
        .set("replications", json!(4))
        .write(dir.path(), "w.json");
    let out = dir.path().join("out");
    let assert = bin()
        .arg("run")
        .arg(&file)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let table = super::common::stdout_of(&assert);
    let window = "leads arriving from day 10 to day 60 (the first 10 days warm queues and learning up and are not counted), read at day 50";
    assert!(table.contains(window), "{table}");
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains(&format!("Window: {window}")), "report");
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["warmup_days"], 10.0);
    assert_eq!(summary["readout_day"], 50.0);
    // The headline leads with net revenue and Gini kept, and so does the
    // Lorenz chart.
    assert!(table.contains("net revenue") && table.contains("Gini kept"));
    let lorenz = std::fs::read_to_string(out.join("lorenz.svg")).unwrap();
    assert!(lorenz.contains("Leads kept per unit of capacity"));
    // partners.csv: leads offered, leads kept, and their value; a partner
    // keeps at most what it was offered, and with deals of exactly 10,000
    // and every score in [0, 1] the value kept is at most 10,000 a lead.
    let csv = std::fs::read_to_string(out.join("partners.csv")).unwrap();
    let mut rows = csv.lines();
    let header: Vec<&str> = rows.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (leads, kept, value) = (col("leads"), col("leads_kept"), col("value_kept"));
    let mut n = 0;
    for row in rows {
        let f: Vec<f64> = row
            .split(',')
            .map(|v| v.parse().unwrap_or(f64::NAN))
            .collect();
        assert!(f[kept] > 0.0 && f[kept] <= f[leads], "{row}");
        assert!(f[value] > 0.0 && f[value] <= 10_000.0 * f[kept], "{row}");
        n += 1;
    }
    assert_eq!(n, 2);
}
