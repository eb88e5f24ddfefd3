//! Conversion and deal size against closed forms, with no queueing (capacity
//! far above the load) and a fixed response time.

use super::common::{metric, model, run, standard_error};
use leadsim::metrics::Metric;

const SCENARIO: &str = r#"{
    "name": "closed-form", "horizon_days": 60, "seed": 3,
    "leads": {"arrivals_per_day": 40,
              "segments": [{"name": "all",
                            "quality": {"beta": {"mean": 0.3, "concentration": 6}},
                            "deal_size": {"lognormal": {"median": 20000, "p90": 60000}}}]},
    "speed_to_lead": {"half_life_hours": 6, "floor": 0.2},
    "partners": [{"name": "solo", "capacity": 100000, "response_hours": {"fixed": 3},
                  "work_days": {"fixed": 10}, "qualify_rate": 0.6, "win_rate": 0.25}],
    "policies": [{"name": "direct"}]
}"#;

#[test]
fn conversion_matches_quality_times_qualify_rate_times_decay() {
    let s = run(&model(SCENARIO), 200, 21);
    let decay = 0.2 + 0.8 * 2f64.powf(-3.0 / 6.0);
    let to_opportunity = 0.3 * 0.6 * decay;
    let to_win = to_opportunity * 0.25;
    // Tolerance: 4 standard errors of the across-replication mean (a false
    // failure about 1 run in 16,000).
    for (name, truth) in [
        (Metric::LeadToOpportunity, to_opportunity),
        (Metric::LeadToWin, to_win),
        (Metric::OpportunityToWin, 0.25),
    ] {
        let e = metric(&s, "direct", name);
        let tolerance = 4.0 * standard_error(&e);
        assert!(
            (e.mean - truth).abs() < tolerance,
            "{name}: simulated {:.5}, closed form {truth:.5}, tolerance {tolerance:.5}",
            e.mean
        );
    }
    // Nothing waits: time to first contact is exactly the response time.
    assert_eq!(metric(&s, "direct", Metric::TtfcMedian).mean, 3.0);
}

#[test]
fn lognormal_median_p90_gives_the_right_mean_deal_size() {
    let s = run(&model(SCENARIO), 400, 8);
    // sigma = ln(p90 / median) / z(0.9); mean = median * exp(sigma^2 / 2).
    let sigma = 3f64.ln() / 1.281_551_565_5;
    let truth = 20_000.0 * (sigma * sigma / 2.0).exp();
    let e = metric(&s, "direct", Metric::AvgDealSize);
    // Winning is independent of deal size here, so the mean won deal is the
    // mean deal. 4 standard errors (about 3 % of the mean with 400 runs).
    let tolerance = 4.0 * standard_error(&e);
    assert!(
        (e.mean - truth).abs() < tolerance,
        "avg deal: simulated {:.0}, closed form {truth:.0}, tolerance {tolerance:.0}",
        e.mean
    );
}
