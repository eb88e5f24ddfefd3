//! The engine against queueing theory: a single pool with Poisson arrivals,
//! zero response time, exponential work and every lead an opportunity is an
//! M/M/c queue, and time to first contact is the queueing delay.

use serde_json::json;

use super::common::{metric, model, run, standard_error, Scenario};
use leadsim::metrics::Metric;

/// Erlang's C formula: the probability that an arrival waits, for offered
/// load `a = lambda / mu` on `c` servers (Kleinrock, Queueing Systems I, 3.40).
fn erlang_c(c: u32, a: f64) -> f64 {
    let mut term = 1.0; // a^k / k!
    let mut below = 0.0;
    for k in 0..c {
        if k > 0 {
            term *= a / k as f64;
        }
        below += term;
    }
    let top = term * a / c as f64 * (c as f64 / (c as f64 - a));
    top / (below + top)
}

fn mmc_scenario(c: u32, arrivals_per_day: f64, work_mean_days: f64, horizon_days: f64) -> String {
    Scenario::new(json!({
        "name": "mmc", "horizon_days": horizon_days, "seed": 11,
        "leads": {"arrivals_per_day": arrivals_per_day, "signals": [{"name": "score", "noise": 0}],
                  "segments": [{"name": "all", "quality": {"fixed": 1}}]},
        "speed_to_lead": {"half_life_hours": 1, "floor": 1},
        "partners": [{"name": "pool", "capacity": c, "response_hours": {"fixed": 0},
                      "work_days": {"exponential": {"mean": work_mean_days}},
                      "qualify_rate": 1, "win_rate": 0.5}],
        "policies": [{"name": "fifo"}]
    }))
    .text()
}

#[test]
fn mmc_waiting_time_matches_erlang_c() {
    // c = 5 slots, lambda = 2 leads/day, mean work 2 days: a = 4, rho = 0.8.
    let (c, lambda_per_day, work_days) = (5, 2.0, 2.0);
    let m = model(&mmc_scenario(c, lambda_per_day, work_days, 3000.0));
    let s = run(&m, 40, 5);

    let lambda = lambda_per_day / 24.0; // per hour
    let mu = 1.0 / (work_days * 24.0);
    let p_wait = erlang_c(c, lambda / mu);
    // Waiting time: P(W > t) = C * exp(-(c mu - lambda) t).
    let mean_wait = p_wait / (c as f64 * mu - lambda);
    let p90_wait = (p_wait / 0.1).ln() / (c as f64 * mu - lambda);
    assert!(
        (p_wait - 128.0 / 231.0).abs() < 1e-12,
        "Erlang C(5, 4) = 128/231"
    );

    let mean = metric(&s, "fifo", Metric::TtfcMean);
    let p90 = metric(&s, "fifo", Metric::TtfcP90);
    // Tolerance: 4 standard errors across replications (waits are strongly
    // autocorrelated at rho = 0.8, which the across-replication spread
    // captures), plus 2 % for the empty-system start of each replication.
    for (name, est, truth) in [("mean", mean, mean_wait), ("p90", p90, p90_wait)] {
        let tolerance = 4.0 * standard_error(&est) + 0.02 * truth;
        assert!(
            (est.mean - truth).abs() < tolerance,
            "{name} wait: simulated {:.2} h, Erlang C {truth:.2} h, tolerance {tolerance:.2}",
            est.mean
        );
    }
    // Every lead becomes an opportunity.
    assert_eq!(metric(&s, "fifo", Metric::LeadToOpportunity).mean, 1.0);
}

#[test]
fn erlang_c_reference_values() {
    // M/M/1: C = rho.
    assert!((erlang_c(1, 0.7) - 0.7).abs() < 1e-12);
    // Tabulated: C(2, 1) = 1/3.
    assert!((erlang_c(2, 1.0) - 1.0 / 3.0).abs() < 1e-12);
}

/// With `opportunities_hold_slots: false`, a slot is held from assignment
/// to first contact only, so the pool is an M/M/c queue whose service is
/// the exponential response time, whatever the (long) work on open deals:
/// time to first contact = wait + response, against Erlang C.
#[test]
fn slots_freed_at_first_contact_queue_on_response_time_alone() {
    // c = 3 slots, lambda = 1 lead/hour, mean response 2.4 h: a = 2.4,
    // rho = 0.8. Work takes 60 days on average: with slots held by open
    // deals the queue would grow without bound.
    let (c, lambda, response_mean) = (3u32, 1.0, 2.4);
    let doc = Scenario::new(json!({
        "name": "mmc-response", "horizon_days": 400, "seed": 7,
        "leads": {"arrivals_per_day": lambda * 24.0, "signals": [{"name": "score", "noise": 0}],
                  "segments": [{"name": "all", "quality": {"fixed": 1}}]},
        "speed_to_lead": {"half_life_hours": 1, "floor": 1},
        "partners": [{"name": "pool", "capacity": c,
                      "response_hours": {"exponential": {"mean": response_mean}},
                      "work_days": {"exponential": {"mean": 60}},
                      "qualify_rate": 1, "win_rate": 0.5,
                      "opportunities_hold_slots": false}],
        "policies": [{"name": "fifo"}]
    }));
    let s = run(&doc.model(), 30, 3);
    let mu = 1.0 / response_mean;
    let p_wait = erlang_c(c, lambda / mu);
    let truth = p_wait / (c as f64 * mu - lambda) + response_mean;
    let mean = metric(&s, "fifo", Metric::TtfcMean);
    // 4 standard errors across replications, plus 2 % for the empty start.
    let tolerance = 4.0 * standard_error(&mean) + 0.02 * truth;
    assert!(
        (mean.mean - truth).abs() < tolerance,
        "simulated {:.3} h, Erlang C {truth:.3} h, tolerance {tolerance:.3}",
        mean.mean
    );
    // Holding slots for 60-day deals, the same pool falls far behind.
    let held = run(
        &doc.set("partners.0.opportunities_hold_slots", json!(true))
            .model(),
        4,
        3,
    );
    assert!(metric(&held, "fifo", Metric::TtfcMean).mean > 20.0 * truth);
}
