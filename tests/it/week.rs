//! The working week: response time as working time, against the exact
//! mean over a week; the arrival pattern; the SLA's business clock; the
//! after-hours share; and every new field's errors.

use leadsim::engine::leads::draw_world;
use leadsim::engine::rng::{replication_seed, Streams};
use leadsim::engine::{Event, Observer};
use leadsim::metrics::Metric;
use serde_json::json;

use super::common::{metric, observe, run, standard_error, Scenario};

/// One partner working Monday to Friday, 9 to 17 at `utc_offset`, that
/// first-contacts every lead after exactly one working hour, with room for
/// every lead; four whole weeks from a Monday.
fn office(utc_offset: f64) -> Scenario {
    Scenario::new(json!({
        "name": "office", "horizon_days": 28, "seed": 4,
        "leads": {"arrivals_per_day": 40},
        "partners": [{"name": "P", "capacity": 1000000, "response_hours": {"fixed": 1},
                      "hours": {"days": ["mon", "tue", "wed", "thu", "fri"],
                                "from": 9, "to": 17, "utc_offset": utc_offset}}],
        "policies": [{"name": "p"}]
    }))
}

#[test]
fn time_to_first_contact_is_the_exact_mean_over_the_week() {
    // Arrivals uniform over the week (Poisson), contact one working hour
    // after arrival. Hour h of a Monday-to-Thursday (local): before 9 the
    // contact is at 10 (10 - h); from 9 to 16, one hour; from 16 to 17 the
    // hour ends next morning (17 h); after 17, next day at 10 (34 - h).
    // Friday after 16 waits for Monday (89 h, then 82 - h); Saturday
    // 58 - h; Sunday 34 - h. Integrals over each day:
    let early = 10.0 * 9.0 - 81.0 / 2.0; // ∫0..9 (10 - h) = 49.5
    let late = |k: f64| k * 7.0 - (24.0 * 24.0 - 17.0 * 17.0) / 2.0; // ∫17..24 (k - h)
    let weekday = early + 7.0 + 17.0 + late(34.0); // 168
    let friday = early + 7.0 + 89.0 + late(82.0); // 576
    let saturday = 58.0 * 24.0 - 24.0 * 24.0 / 2.0; // 1104
    let sunday = 34.0 * 24.0 - 24.0 * 24.0 / 2.0; // 528
    let exact = (4.0 * weekday + friday + saturday + sunday) / 168.0;
    assert!((exact - 2880.0 / 168.0).abs() < 1e-12);
    for offset in [0.0, -5.0] {
        let s = run(&office(offset).model(), 30, 9);
        let e = metric(&s, "p", Metric::TtfcMean);
        // 4 standard errors of the across-replication mean.
        let tolerance = 4.0 * standard_error(&e);
        assert!(
            (e.mean - exact).abs() < tolerance,
            "UTC{offset:+}: {} against {exact}, tolerance {tolerance}",
            e.mean
        );
        // Open 40 of the week's 168 hours: the rest arrive after hours.
        let after = metric(&s, "p", Metric::AfterHoursShare);
        assert!((after.mean - 128.0 / 168.0).abs() < 4.0 * standard_error(&after) + 1e-3);
    }
}

/// First contacts: (arrival, contact) per lead.
#[derive(Default)]
struct Contacts(Vec<(f64, f64)>, Vec<f64>);
impl Observer for Contacts {
    fn event(&mut self, time: f64, event: Event) {
        match event {
            Event::Arrived { .. } => {
                self.1.push(time);
            }
            Event::Contacted { lead, .. } => {
                self.0.push((self.1[lead as usize], time));
            }
            _ => {}
        }
    }
}

#[test]
fn a_friday_evening_lead_is_contacted_monday_at_ten_local() {
    for offset in [0.0f64, -5.0] {
        let m = office(offset).model();
        let mut seen = Contacts::default();
        observe(&m, 0, 2, 0, &mut seen);
        // Local Friday 17:00 to Monday 09:00 of the first week, in UTC.
        let (from, to) = (4.0 * 24.0 + 17.0 - offset, 7.0 * 24.0 + 9.0 - offset);
        let weekend: Vec<_> = seen
            .0
            .iter()
            .filter(|(a, _)| (from..to).contains(a))
            .collect();
        assert!(weekend.len() > 50, "{}", weekend.len());
        for (arrival, contact) in weekend {
            assert_eq!(*contact, 7.0 * 24.0 + 10.0 - offset, "arrived at {arrival}");
        }
    }
}

#[test]
fn an_arrival_pattern_moves_leads_and_keeps_the_weekly_mean() {
    let weekdays_only = office(0.0).set(
        "leads.arrival_pattern",
        json!({"weekdays": [1, 1, 1, 1, 1, 0, 0]}),
    );
    let m = weekdays_only.model();
    let mut total = 0usize;
    for r in 0..20 {
        let world = draw_world(&m, r, Streams::new(replication_seed(3, r)), 0);
        total += world.leads.len();
        for lead in &world.leads {
            let day = (lead.arrival_hours / 24.0).floor() as i64 % 7;
            assert!(day < 5, "a lead arrived on day {day} of the week");
        }
    }
    // 40 a day for 28 days, Poisson: 1,120 a replication, sd 33.5; the mean
    // of 20 is within 4 standard errors (30).
    let mean = total as f64 / 20.0;
    assert!((mean - 1120.0).abs() < 30.0, "{mean}");
}

#[test]
fn the_business_clock_counts_working_hours_only() {
    // Response is 7 working hours; the SLA allows 8. On the business clock
    // nothing is ever late; on the calendar clock every lead that arrives
    // after 10:00 on a workday (or at the weekend) is.
    let with_sla = |clock: &str| {
        office(0.0)
            .set("partners.0.response_hours", json!({"fixed": 7}))
            .set(
                "policies.0.sla",
                json!({"first_contact_hours": 8, "max_reroutes": 0, "then": "drop", "clock": clock}),
            )
            .model()
    };
    let business = run(&with_sla("business"), 5, 1);
    assert_eq!(metric(&business, "p", Metric::SlaBreachRate).mean, 0.0);
    let calendar = run(&with_sla("calendar"), 5, 1);
    assert!(metric(&calendar, "p", Metric::SlaBreachRate).mean > 0.5);
}

#[test]
fn bad_week_fields_are_refused_with_the_field_named() {
    let cases = [
        (
            "partners.0.hours",
            json!({"from": 17, "to": 9}),
            "partners[0].hours.from: must come before `to` (9)",
        ),
        (
            "partners.0.hours",
            json!({"utc_offset": 15}),
            "partners[0].hours.utc_offset: must be between -12 and 14 hours",
        ),
        (
            "partners.0.hours",
            json!({"days": ["mon", "fryday"]}),
            "partners[0].hours.days[1]: `fryday` is no weekday",
        ),
        (
            "partners.0.hours",
            json!({"days": []}),
            "partners[0].hours.days: needs at least one working day",
        ),
        (
            "calendar",
            json!({"start_weekday": "sunday"}),
            "calendar.start_weekday: `sunday` is no weekday",
        ),
        (
            "calendar",
            json!({"holidays": [-1]}),
            "calendar.holidays[0]: must be a day number from 0",
        ),
        (
            "leads.arrival_pattern",
            json!({"weekdays": [1, 1, 1]}),
            "leads.arrival_pattern.weekdays: needs 7 weights, got 3",
        ),
        (
            "leads.arrival_pattern",
            json!({"hours": vec![0; 24]}),
            "leads.arrival_pattern.hours: the weights are all 0",
        ),
        (
            "leads.arrival_pattern",
            json!({"weekdays": [1, 1, 1, 1, 1, -1, 0]}),
            "leads.arrival_pattern.weekdays[5]: must be a number >= 0",
        ),
        (
            "policies.0.sla",
            json!({"first_contact_hours": 8, "clock": "office"}),
            "unknown variant",
        ),
    ];
    for (path, value, expected) in cases {
        let text = office(0.0).set(path, value.clone()).text();
        let err = leadsim::load_text(&text, std::path::Path::new("s.json"))
            .expect_err(&value.to_string())
            .to_string();
        assert!(
            err.contains(expected),
            "{value}: expected `{expected}` in {err}"
        );
    }
}
