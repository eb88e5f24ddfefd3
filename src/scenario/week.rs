//! Validation of the working week: `calendar`, `leads.arrival_pattern`, and
//! the `hours` of partners and the house.

use super::checker::Checker;
use super::raw::{RawArrivalPattern, RawCalendar, RawHours};
use crate::calendar::{ArrivalPattern, Hours, WEEKDAYS};

/// The validated `calendar`: time 0's weekday and the days off for all.
#[derive(Debug, Clone, Default)]
pub(super) struct CalendarSpec {
    pub start_weekday: u8,
    pub holidays: Vec<i64>,
}

/// The widest UTC offsets in use: UTC-12 to UTC+14.
pub const UTC_OFFSETS: (f64, f64) = (-12.0, 14.0);

/// The latest holiday day number accepted (ten years, the longest horizon).
pub const MAX_HOLIDAY_DAY: i64 = 3650;

/// The defaults of `hours`: Monday to Friday, 9 to 17, UTC.
pub const DEFAULT_DAYS: [&str; 5] = ["mon", "tue", "wed", "thu", "fri"];
pub const DEFAULT_FROM: f64 = 9.0;
pub const DEFAULT_TO: f64 = 17.0;

fn weekday(c: &mut Checker, path: &str, name: &str) -> Option<u8> {
    c.resolve(
        path,
        name,
        WEEKDAYS.iter().copied(),
        "is no weekday (mon, tue, wed, thu, fri, sat, sun)",
    )
    .map(|d| d as u8)
}

/// Holiday day numbers: whole days from 0, sorted and deduplicated.
fn holidays(c: &mut Checker, path: &str, days: &[i64]) -> Vec<i64> {
    for (k, &d) in days.iter().enumerate() {
        if !(0..=MAX_HOLIDAY_DAY).contains(&d) {
            c.fail(
                format!("{path}[{k}]"),
                format!("must be a day number from 0 to {MAX_HOLIDAY_DAY}, got {d}"),
            );
        }
    }
    let mut days = days.to_vec();
    days.sort_unstable();
    days.dedup();
    days
}

pub(super) fn calendar(c: &mut Checker, raw: Option<&RawCalendar>) -> CalendarSpec {
    let Some(raw) = raw else {
        return CalendarSpec::default();
    };
    let start_weekday = match &raw.start_weekday {
        None => 0,
        Some(name) => weekday(c, "calendar.start_weekday", name).unwrap_or(0),
    };
    CalendarSpec {
        start_weekday,
        holidays: holidays(c, "calendar.holidays", &raw.holidays),
    }
}

/// A team's `hours`, with the calendar's holidays added to its own.
pub(super) fn hours(
    c: &mut Checker,
    path: &str,
    raw: &RawHours,
    calendar: &CalendarSpec,
) -> Option<Hours> {
    let path = format!("{path}.hours");
    let before = c.errors.len();
    let mut days = [false; 7];
    let names: Vec<String> = match &raw.days {
        Some(list) => list.clone(),
        None => DEFAULT_DAYS.iter().map(|d| d.to_string()).collect(),
    };
    if names.is_empty() {
        c.fail(
            format!("{path}.days"),
            "needs at least one working day (leave `hours` out to work around the clock)",
        );
    }
    for (k, name) in names.iter().enumerate() {
        if let Some(d) = weekday(c, &format!("{path}.days[{k}]"), name) {
            if days[d as usize] {
                c.fail(
                    format!("{path}.days[{k}]"),
                    format!("`{name}` is listed twice"),
                );
            }
            days[d as usize] = true;
        }
    }
    let from = raw.from.unwrap_or(DEFAULT_FROM);
    let to = raw.to.unwrap_or(DEFAULT_TO);
    for (field, v) in [("from", from), ("to", to)] {
        if !(0.0..=24.0).contains(&v) {
            c.fail(
                format!("{path}.{field}"),
                format!("must be an hour of the day in [0, 24], got {v}"),
            );
        }
    }
    if from >= to {
        c.fail(
            format!("{path}.from"),
            format!("must come before `to` ({to}), got {from}: working hours are within one day"),
        );
    }
    let utc_offset = raw.utc_offset.unwrap_or(0.0);
    if !(UTC_OFFSETS.0..=UTC_OFFSETS.1).contains(&utc_offset) {
        c.fail(
            format!("{path}.utc_offset"),
            format!(
                "must be between {} and {} hours, got {utc_offset}",
                UTC_OFFSETS.0, UTC_OFFSETS.1
            ),
        );
    }
    let mut all = holidays(c, &format!("{path}.holidays"), &raw.holidays);
    all.extend(&calendar.holidays);
    all.sort_unstable();
    all.dedup();
    (c.errors.len() == before)
        .then(|| Hours::new(days, from, to, utc_offset, all, calendar.start_weekday))
}

/// 7 weekday weights and 24 hour weights: each list of its length,
/// non-negative, not all zero; a list left out is flat.
/// The smallest largest weight of an arrival pattern's list.
const MIN_LARGEST_WEIGHT: f64 = 1e-6;

pub(super) fn arrival_pattern(
    c: &mut Checker,
    raw: &RawArrivalPattern,
    calendar: &CalendarSpec,
) -> Option<ArrivalPattern> {
    let before = c.errors.len();
    let mut list = |field: &str, values: &Option<Vec<f64>>, n: usize| -> Vec<f64> {
        let path = format!("leads.arrival_pattern.{field}");
        let Some(values) = values else {
            return vec![1.0; n];
        };
        if values.len() != n {
            c.fail(&path, format!("needs {n} weights, got {}", values.len()));
            return vec![1.0; n];
        }
        for (k, &v) in values.iter().enumerate() {
            if !(v.is_finite() && v >= 0.0) {
                c.fail(
                    format!("{path}[{k}]"),
                    format!("must be a number >= 0, got {v}"),
                );
            }
        }
        if values.iter().all(|&v| v == 0.0) {
            c.fail(&path, "the weights are all 0: no lead would ever arrive");
        } else {
            // Weights are relative; a largest weight near 0 (5e-324) would
            // make their mean underflow and the rate explode.
            let largest = values.iter().copied().fold(0.0, f64::max);
            if largest < MIN_LARGEST_WEIGHT {
                c.fail(
                    &path,
                    format!("the largest weight is {largest:e}: weights are relative, so scale them up (the largest at least {MIN_LARGEST_WEIGHT})"),
                );
            } else if largest > super::limits::MAX_MAGNITUDE {
                c.fail(
                    &path,
                    format!("the largest weight is {largest:e}, beyond {:e}: weights are relative, so scale them down", super::limits::MAX_MAGNITUDE),
                );
            }
        }
        values.clone()
    };
    let weekdays = list("weekdays", &raw.weekdays, 7);
    let hours = list("hours", &raw.hours, 24);
    (c.errors.len() == before).then(|| {
        ArrivalPattern::new(
            weekdays.try_into().expect("7 weights"),
            hours.try_into().expect("24 weights"),
            calendar.start_weekday,
        )
    })
}
