//! Tests that would catch a wrong answer (issue 20): each compares the
//! program with an independent reference (a hand value, a closed form, or a
//! quantity the test computes itself from raw per-replication values), never
//! with the program's own interval or mean.

use leadsim::engine::leads::draw_world;
use leadsim::engine::rng::{replication_seed, Streams};
use leadsim::engine::{simulate, Scratch};
use leadsim::metrics::Metric;
use leadsim::runner::run_block;
use rand::SeedableRng;

use super::common::{bin, model, run, Scenario};

/// Fast partners against slow ones; `fast` sends every lead to the fast
/// pair, the baseline `slow` to the slow pair, `twin` is `slow` again.
const EFFECTS: &str = r#"{
  "name": "effects", "horizon_days": 30, "seed": 5,
  "leads": {"arrivals_per_day": 40},
  "speed_to_lead": {"half_life_hours": 4, "floor": 0.1},
  "partners": [
    {"name": "Fast", "count": 2, "tier": "fast", "capacity": 50, "response_hours": {"fixed": 0.5}},
    {"name": "Slow", "count": 2, "tier": "slow", "capacity": 50, "response_hours": {"fixed": 48}}],
  "policies": [
    {"name": "slow", "routing": {"rule": "weighted", "weights": {"fast": 0, "slow": 1}},
     "payout": {"commission": [{"from": 0, "rate": 0.05}]}},
    {"name": "fast", "routing": {"rule": "weighted", "weights": {"fast": 1, "slow": 0}},
     "payout": {"commission": [{"from": 0, "rate": 0.05}]}},
    {"name": "twin", "routing": {"rule": "weighted", "weights": {"fast": 0, "slow": 1}},
     "payout": {"commission": [{"from": 0, "rate": 0.05}]}}]
}"#;

#[test]
fn verdicts_name_large_effects_and_a_null_twin_in_json_and_report() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("effects.json");
    std::fs::write(&file, EFFECTS).unwrap();
    let out = dir.path().join("out");
    bin()
        .arg("run")
        .arg(&file)
        .args(["--replications", "20", "--quiet", "--out"])
        .arg(&out)
        .assert()
        .success();
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    let verdict = |policy: &str, metric: &str| -> (String, f64) {
        let cell = summary["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["policy"] == policy)
            .unwrap();
        let d = &cell["vs_baseline"][metric];
        (
            d["verdict"].as_str().unwrap_or("null").to_string(),
            d["p_holm"].as_f64().unwrap_or(f64::NAN),
        )
    };
    // Contact in half an hour instead of two days: far more wins (better),
    // and so far more commission paid (payouts: lower is better, so worse).
    for (metric, want) in [
        ("conversion.lead_to_win", "better"),
        ("speed.ttfc_median_hours", "better"),
        ("economics.payouts", "worse"),
    ] {
        let (v, p) = verdict("fast", metric);
        assert_eq!(v, want, "fast {metric} (p_holm {p})");
        assert!(p <= 0.05, "{metric}: {p}");
    }
    // The twin is the baseline again: every difference is exactly 0.
    for metric in ["conversion.lead_to_win", "economics.payouts"] {
        let (v, p) = verdict("twin", metric);
        assert_eq!(v, "no_clear_difference", "twin {metric}");
        assert_eq!(p, 1.0);
    }
    // The baseline has no verdict of its own; metrics with no side neither.
    assert_eq!(verdict("slow", "conversion.lead_to_win").0, "null");
    assert_eq!(verdict("fast", "volume.leads").0, "null");
    // The same verdicts in the report's cells for that metric.
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let row_start = html
        .find("<tr data-metric=\"conversion.lead_to_win\">")
        .unwrap();
    let row = &html[row_start..row_start + html[row_start..].find("</tr>").unwrap()];
    let cells: Vec<&str> = row.split("<td").skip(2).collect();
    assert_eq!(cells.len(), 3, "{row}");
    assert!(
        !cells[0].contains("class=\"better\""),
        "baseline: {}",
        cells[0]
    );
    assert!(
        cells[1].contains("class=\"better\"") && cells[1].contains("· better"),
        "{}",
        cells[1]
    );
    assert!(
        cells[2].contains("class=\"unclear\"") && cells[2].contains("· no clear difference"),
        "{}",
        cells[2]
    );
    // And summary.csv carries them too.
    let csv_text = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    let line = csv_text
        .lines()
        .find(|l| l.starts_with("fast,base,economics.payouts,"))
        .unwrap();
    assert!(line.contains(",worse,"), "{line}");
}

#[test]
fn intervals_equal_hand_computed_t_intervals() {
    // Five replications: the test takes each replication's lead-to-win from
    // its own one-replication run, then computes mean, sd (n - 1) and the
    // t interval with t(0.975, 4) = 2.7764451 (R: qt(0.975, 4)).
    let m = model(EFFECTS);
    let k = Metric::LeadToWin;
    let mut scratch = Scratch::default();
    let values: Vec<f64> = (0..5)
        .map(|r| {
            run_block(&m, 5, r..r + 1, &mut scratch).metrics[1][k]
                .moments
                .mean
        })
        .collect();
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let sd = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    let half = 2.776_445_105_2 * sd / n.sqrt();
    let s = run(&m, 5, 5);
    let e = super::common::metric(&s, "fast", Metric::LeadToWin);
    assert_eq!(e.n, 5);
    assert!((e.mean - mean).abs() < 1e-12);
    assert!((e.sd.unwrap() - sd).abs() < 1e-12);
    let (lo, hi) = e.ci95.unwrap();
    assert!((lo - (mean - half)).abs() < 1e-9, "{lo} vs {}", mean - half);
    assert!((hi - (mean + half)).abs() < 1e-9);
    // The paired difference: the same with the per-replication differences.
    let base: Vec<f64> = (0..5)
        .map(|r| {
            run_block(&m, 5, r..r + 1, &mut scratch).metrics[0][k]
                .moments
                .mean
        })
        .collect();
    let diffs: Vec<f64> = values.iter().zip(&base).map(|(a, b)| a - b).collect();
    let dm = diffs.iter().sum::<f64>() / n;
    let dsd = (diffs.iter().map(|v| (v - dm).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    let d = super::common::diff(&s, "fast", Metric::LeadToWin);
    let (dlo, dhi) = d.ci95.unwrap();
    assert!((dlo - (dm - 2.776_445_105_2 * dsd / n.sqrt())).abs() < 1e-9);
    assert!((dhi - (dm + 2.776_445_105_2 * dsd / n.sqrt())).abs() < 1e-9);
}

/// Mean and variance of `n` draws of a distribution given as JSON.
fn moments_of(json: &str, n: usize) -> (f64, f64) {
    let raw: leadsim::scenario::raw::RawDist = serde_json::from_str(json).unwrap();
    let mut errors = leadsim::scenario::errors::FieldErrors::default();
    let dist = leadsim::scenario::dist::build(
        &raw,
        "d",
        leadsim::scenario::dist::Support::NonNegative,
        &mut errors,
    )
    .expect("valid");
    let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(42);
    let xs: Vec<f64> = (0..n).map(|_| dist.sample(&mut rng)).collect();
    let mean = xs.iter().sum::<f64>() / n as f64;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n as f64 - 1.0);
    (mean, var)
}

#[test]
fn samplers_have_the_textbook_mean_and_variance() {
    // Hand values from each family's formulas; 200,000 draws, tolerance
    // 5 standard errors of the sample mean and (for the variance) a 3 %
    // relative band, far beyond sampling error yet catching a wrong
    // parameterisation (a gamma scale of mean x shape is off by shape^2).
    let n = 200_000;
    for (json, mean, var) in [
        // Gamma shape 2, mean 18: scale 9, variance 2 x 81 = 162.
        (r#"{"gamma": {"shape": 2, "mean": 18}}"#, 18.0, 162.0),
        // Exponential mean 5: variance 25.
        (r#"{"exponential": {"mean": 5}}"#, 5.0, 25.0),
        // Lognormal median 20, p90 60: sigma = ln 3 / 1.2815516 = 0.857241;
        // mean 20 e^(sigma^2/2) = 28.8803; variance mean^2 (e^(sigma^2) - 1)
        // = 834.07 x 1.0845 = 904.6.
        (
            r#"{"lognormal": {"median": 20, "p90": 60}}"#,
            28.8803,
            904.6,
        ),
        // Triangular 1, 8, 72: mean 27; variance (a²+b²+c²-ab-ac-bc)/18
        // = (1 + 64 + 5184 - 8 - 72 - 576) / 18 = 255.06.
        (
            r#"{"triangular": {"min": 1, "mode": 8, "max": 72}}"#,
            27.0,
            255.0556,
        ),
        // Weibull shape 2, scale 10: mean 10 Γ(1.5) = 8.86227; variance
        // 100 (Γ(2) - Γ(1.5)²) = 21.4602.
        (
            r#"{"weibull": {"shape": 2, "scale": 10}}"#,
            8.862_269,
            21.460_2,
        ),
        // Beta mean 0.3, concentration 10 (alpha 3, beta 7): variance
        // 0.3 x 0.7 / 11 = 0.0190909.
        (
            r#"{"beta": {"mean": 0.3, "concentration": 10}}"#,
            0.3,
            0.019_090_9,
        ),
        // Uniform 2..8: variance 36 / 12 = 3.
        (r#"{"uniform": {"min": 2, "max": 8}}"#, 5.0, 3.0),
    ] {
        let (m, v) = moments_of(json, n);
        let se = (var / n as f64).sqrt();
        assert!((m - mean).abs() < 5.0 * se, "{json}: mean {m} vs {mean}");
        assert!(
            (v / var - 1.0).abs() < 0.03,
            "{json}: variance {v} vs {var}"
        );
    }
}

#[test]
fn fairness_with_unequal_capacities_and_earnings_match_hand_values() {
    // Two partners, capacities 1 and 3, round robin: leads alternate, so
    // per unit of capacity x = (L_a / 1, L_b / 3). The test recomputes the
    // Gini from the run's own lead counts with the textbook formula, and
    // the earnings Gini from payouts (not from leads).
    let text = r#"{
      "name": "uneven", "horizon_days": 20, "seed": 2,
      "leads": {"arrivals_per_day": 10},
      "partners": [{"name": "A", "capacity": 1, "response_hours": {"fixed": 1}, "work_days": {"fixed": 0.1}},
                   {"name": "B", "capacity": 3, "response_hours": {"fixed": 1}, "work_days": {"fixed": 0.1}}],
      "policies": [{"name": "rr", "routing": {"rule": "round_robin"},
                    "payout": {"per_qualified_lead": 10, "commission": [{"from": 0, "rate": 0.1}]}}]
    }"#;
    let m = model(text);
    let world = draw_world(&m, 0, Streams::new(replication_seed(2, 0)), 0);
    let r = simulate(&m, &m.policies[0], &world, &mut Scratch::default());
    let gini2 = |a: f64, b: f64| (a - b).abs() / (2.0 * (a + b));
    let (la, lb) = (r.partners[0].leads as f64, r.partners[1].leads as f64);
    assert!((la - lb).abs() <= 1.0, "round robin alternates: {la} {lb}");
    let values = leadsim::runner::measure::compute(&m, &r);
    let gini_leads = values[Metric::GiniLeads];
    assert!((gini_leads - gini2(la, lb / 3.0)).abs() < 1e-12);
    // About 0.25 with equal lead counts: |L - L/3| / (2 (L + L/3)).
    assert!((gini_leads - 0.25).abs() < 0.01, "{gini_leads}");
    let (pa, pb) = (r.partners[0].payouts, r.partners[1].payouts);
    let gini_earnings = values[Metric::GiniEarnings];
    assert!(
        (gini_earnings - gini2(pa, pb)).abs() < 1e-12,
        "{gini_earnings} vs {pa} {pb}"
    );
    let jain = values[Metric::JainLeads];
    let (xa, xb) = (la, lb / 3.0);
    assert!((jain - (xa + xb).powi(2) / (2.0 * (xa * xa + xb * xb))).abs() < 1e-12);
}

#[test]
fn sweep_rows_carry_their_coordinates_and_the_exact_pareto_set() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("effects.json");
    std::fs::write(&file, EFFECTS).unwrap();
    let out = dir.path().join("sweep");
    bin()
        .arg("sweep")
        .arg(&file)
        .args([
            "--set",
            "leads.arrivals_per_day=10,40",
            "--set",
            "horizon_days=10,30",
            "--pareto",
            "economics.payouts,conversion.lead_to_win",
            "--replications",
            "4",
            "--quiet",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    let text = std::fs::read_to_string(out.join("sweep.csv")).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let mut leads = std::collections::HashMap::new();
    for r in reader.records() {
        let r = r.unwrap();
        if &r[2] == "slow" && &r[4] == "volume.leads" {
            let (a, h): (f64, f64) = (r[0].parse().unwrap(), r[1].parse().unwrap());
            leads.insert((a as u64, h as u64), r[5].parse::<f64>().unwrap());
        }
    }
    // Leads ~ arrivals x horizon on every row: a transposed coordinate puts
    // 40 x 10 where 10 x 30 should be (400 against 300) and fails.
    for ((a, h), mean) in &leads {
        let expected = (*a * *h) as f64;
        assert!(
            (mean / expected - 1.0).abs() < 0.1,
            "arrivals {a}, horizon {h}: {mean} leads (expected about {expected})"
        );
    }
    assert_eq!(leads.len(), 4);
    // The Pareto file's frontier, recomputed here: a candidate is on it
    // unless another is at least as good on both (fewer payouts, more
    // lead-to-win) and better on one.
    let pareto =
        std::fs::read_to_string(out.join("pareto-economics.payouts-conversion.lead_to_win.csv"))
            .unwrap();
    let rows: Vec<(f64, f64, bool)> = csv::Reader::from_reader(pareto.as_bytes())
        .records()
        .map(|r| {
            let r = r.unwrap();
            (
                r[1].parse().unwrap(),
                r[2].parse().unwrap(),
                &r[3] == "true",
            )
        })
        .collect();
    assert!(rows.len() >= 4);
    for (i, &(x, y, on)) in rows.iter().enumerate() {
        let dominated = rows
            .iter()
            .enumerate()
            .any(|(j, &(ox, oy, _))| j != i && ox <= x && oy >= y && (ox < x || oy > y));
        assert_eq!(on, !dominated, "row {i}: ({x}, {y})");
    }
}

#[test]
fn best_win_rate_avoids_a_partner_that_always_breaches_its_sla() {
    // Breacher answers in 30 hours against a 4-hour SLA: every lead it gets
    // is taken back, which the learning rule counts as a resolved lead with
    // no win. Good's wins arrive only after its deals' work time, so early
    // on its own posterior falls too (disqualifications resolve first) and
    // Breacher gets leads in bursts; over the month it gets well under a
    // quarter of Good's. Were take-backs not counted, Breacher would never
    // resolve a lead, keep its 0.3 prior, and take most leads.
    let text = r#"{
      "name": "breach", "horizon_days": 30, "seed": 3,
      "leads": {"arrivals_per_day": 20},
      "house": {"capacity": 100},
      "partners": [
        {"name": "Breacher", "capacity": 50, "response_hours": {"fixed": 30}, "win_rate": 0.3},
        {"name": "Good", "capacity": 50, "response_hours": {"fixed": 1}, "win_rate": 0.3}],
      "policies": [{"name": "learn", "routing": {"rule": "best_win_rate"},
                    "sla": {"first_contact_hours": 4, "max_reroutes": 1, "then": "house"}}]
    }"#;
    let m = model(text);
    let world = draw_world(&m, 0, Streams::new(replication_seed(3, 0)), 0);
    let r = simulate(&m, &m.policies[0], &world, &mut Scratch::default());
    let (breacher, good) = (r.partners[0].leads, r.partners[1].leads);
    assert!(
        breacher * 4 < good,
        "breacher {breacher} leads, good {good}: the rule must learn from take-backs"
    );
}

#[test]
fn thin_comparisons_are_flagged_and_every_estimate_states_its_n() {
    // One lead a day for five days: many replications win nothing, so the
    // average deal is undefined there, and the paired difference rests on
    // the few replications where both policies won something.
    let text = r#"{
      "name": "thin", "horizon_days": 5, "seed": 4,
      "leads": {"arrivals_per_day": 1},
      "partners": [{"name": "P", "count": 2, "capacity": 5}],
      "policies": [{"name": "rr", "routing": {"rule": "round_robin"}},
                   {"name": "ll", "routing": {"rule": "least_loaded"}}]
    }"#;
    let m = model(text);
    let s = run(&m, 40, 4);
    let k = Metric::AvgDealSize;
    let ll = s.cells.iter().find(|c| c.policy == "ll").unwrap();
    let own = ll.metrics[k].unwrap().n;
    let paired = ll.vs_baseline[k].unwrap().n;
    assert!(own < 40 && paired <= own, "n {own}, paired n {paired}");
    assert!(
        (paired as f64) < 0.8 * 40.0,
        "the case must be thin: {paired}"
    );
    assert!(
        s.warnings.iter().any(|w| w.contains("policy `ll`")
            && w.contains(&format!("deals.avg_deal_size ({paired} of 40)"))),
        "{:?}",
        s.warnings
    );
    // summary.json states n for the metric and the paired difference.
    let json: serde_json::Value =
        serde_json::from_slice(&leadsim::report::json::render(&s)).unwrap();
    let cell = &json["results"][1];
    assert_eq!(cell["metrics"]["deals.avg_deal_size"]["n"], own);
    assert_eq!(cell["vs_baseline"]["deals.avg_deal_size"]["n"], paired);
    assert_eq!(cell["metrics"]["volume.leads"]["n"], 40);
}

#[test]
fn expect_with_one_replication_cannot_pass_a_comparison() {
    let effects: serde_json::Value = serde_json::from_str(EFFECTS).unwrap();
    let m = Scenario::new(effects)
        .merge(serde_json::json!({
            "expect": [{"policy": "fast", "metric": "conversion.lead_to_win", "better_than": "slow"}]
        }))
        .model();
    let one = run(&m, 1, 5);
    assert!(!one.checks[0].passed, "{:?}", one.checks[0]);
    assert!(leadsim::report::checks::measured(&one.checks[0]).contains("from one replication"));
    let many = run(&m, 10, 5);
    assert!(many.checks[0].passed, "{:?}", many.checks[0]);
}
