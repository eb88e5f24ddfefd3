//! The working week (docs/scenario-format.md, "A working week"): time 0 is
//! 00:00 UTC on the calendar's first weekday; holders with `hours` work on
//! some weekdays between two local times, except on holidays; an arrival
//! pattern reshapes the lead rate within the week. A leaf: the engine and
//! the scenario's validation both use it.

/// Hours in a week.
pub const WEEK_HOURS: f64 = 168.0;

/// Weekday names, Monday first, as the scenario format spells them.
pub const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// The hour of the week, 0 (Monday 00:00 UTC) to 167, of time `t` when day
/// 0 is `start_weekday`.
#[inline]
pub fn hour_of_week(start_weekday: u8, t: f64) -> usize {
    // Integer arithmetic: this runs at every first contact.
    ((start_weekday as u64 * 24 + t.max(0.0) as u64) % WEEK_HOURS as u64) as usize
}

/// The weekday (0 = Monday) of day number `day` (0-based from time 0) when
/// day 0 is `start_weekday`.
#[inline]
pub fn weekday(start_weekday: u8, day: i64) -> usize {
    (start_weekday as i64 + day).rem_euclid(7) as usize
}

/// When a partner or the house works: on `days`, from `from` to `to` in
/// local time (UTC + `utc_offset`), except on `holidays` (local day numbers,
/// the calendar's and its own, sorted).
#[derive(Debug, Clone, PartialEq)]
pub struct Hours {
    pub days: [bool; 7],
    pub from: f64,
    pub to: f64,
    pub utc_offset: f64,
    pub holidays: Vec<i64>,
    /// The calendar's first weekday (0 = Monday), copied here so a holder's
    /// hours are self-contained.
    pub start_weekday: u8,
    /// Working hours in a week without holidays.
    week_hours: f64,
}

impl Hours {
    pub fn new(
        days: [bool; 7],
        from: f64,
        to: f64,
        utc_offset: f64,
        holidays: Vec<i64>,
        start_weekday: u8,
    ) -> Self {
        let week_hours = days.iter().filter(|d| **d).count() as f64 * (to - from);
        Hours {
            days,
            from,
            to,
            utc_offset,
            holidays,
            start_weekday,
            week_hours,
        }
    }

    /// Whether local day `day`, a `weekday` (0 = Monday), is a working day.
    #[inline]
    fn works_on(&self, day: i64, weekday: usize) -> bool {
        self.days[weekday]
            && (self.holidays.is_empty() || self.holidays.binary_search(&day).is_err())
    }

    /// Whether the holder is working at `t` (UTC hours from time 0).
    pub fn is_working(&self, t: f64) -> bool {
        let local = t + self.utc_offset;
        let day = floor_div(local, 24.0);
        let within = local - day as f64 * 24.0;
        self.works_on(day, weekday(self.start_weekday, day))
            && within >= self.from
            && within < self.to
    }

    /// The moment `working` hours of work started at `t` are done: the
    /// clock runs only while the holder works. Zero hours started outside
    /// working time end at the next opening. Infinite stays infinite.
    pub fn add_working(&self, t: f64, working: f64) -> f64 {
        let week = self.week_hours;
        if !(working.is_finite() && t.is_finite() && week > 0.0) {
            return f64::INFINITY;
        }
        let offset = self.utc_offset;
        let local = t + offset;
        let mut left = working.max(0.0);
        let mut day = floor_div(local, 24.0);
        let mut wd = weekday(self.start_weekday, day);
        // The day `t` falls in counts from `t`, not from its opening.
        let day_start = day as f64 * 24.0;
        if self.works_on(day, wd) {
            let start = local.max(day_start + self.from);
            let close = day_start + self.to;
            if start < close {
                if left <= close - start {
                    return start + left - offset;
                }
                left -= close - start;
            }
        }
        // Then whole working days, from each one's opening.
        let daily = self.to - self.from;
        let last_holiday = self.holidays.last().copied().unwrap_or(i64::MIN);
        loop {
            day += 1;
            wd = if wd == 6 { 0 } else { wd + 1 };
            // Past the last holiday every week holds `week` working hours:
            // skip whole weeks while more than one is left (hostile
            // response times of a million hours stay cheap).
            if left > week && day > last_holiday {
                let weeks = (left / week).ceil() - 1.0;
                day += weeks as i64 * 7;
                left -= weeks * week;
            }
            if self.works_on(day, wd) {
                if left <= daily {
                    return day as f64 * 24.0 + self.from + left - offset;
                }
                left -= daily;
            }
        }
    }
}

/// `floor(x / d)` as an integer, without a call to libm's `floor` (these
/// run several times per lead): exact for the magnitudes a run reaches.
#[inline]
fn floor_div(x: f64, d: f64) -> i64 {
    let q = x / d;
    let i = q as i64;
    if (i as f64) > q {
        i - 1
    } else {
        i
    }
}

/// `leads.arrival_pattern`: the lead rate's shape within the week, by UTC
/// hour of day and by weekday, normalised so the weekly mean is unchanged.
#[derive(Debug, Clone, PartialEq)]
pub struct ArrivalPattern {
    /// Monday first.
    pub weekdays: [f64; 7],
    /// Hours of the day, UTC.
    pub hours: [f64; 24],
    /// The calendar's first weekday (0 = Monday).
    pub start_weekday: u8,
    /// Mean of `weekdays[d] x hours[h]` over the week's 168 hours.
    mean: f64,
}

impl ArrivalPattern {
    pub fn new(weekdays: [f64; 7], hours: [f64; 24], start_weekday: u8) -> Self {
        let mean = weekdays.iter().sum::<f64>() / 7.0 * hours.iter().sum::<f64>() / 24.0;
        ArrivalPattern {
            weekdays,
            hours,
            start_weekday,
            mean,
        }
    }

    /// The rate multiplier at `t` (constant within each UTC hour).
    #[inline]
    pub fn factor(&self, t: f64) -> f64 {
        let hour = floor_div(t, 1.0);
        let day = hour.div_euclid(24);
        let h = hour.rem_euclid(24) as usize;
        self.weekdays[weekday(self.start_weekday, day)] * self.hours[h.min(23)] / self.mean
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nine_to_five(offset: f64) -> Hours {
        Hours::new(
            [true, true, true, true, true, false, false],
            9.0,
            17.0,
            offset,
            Vec::new(),
            0,
        )
    }

    #[test]
    fn working_time_skips_nights_weekends_and_holidays() {
        let h = nine_to_five(0.0);
        // Monday 10:00 + 1 h = 11:00.
        assert_eq!(h.add_working(10.0, 1.0), 11.0);
        // Monday 16:30 + 1 h = Tuesday 09:30.
        assert_eq!(h.add_working(16.5, 1.0), 24.0 + 9.5);
        // Friday 18:00 (day 4) + 1 h = Monday 10:00 (day 7).
        assert_eq!(h.add_working(4.0 * 24.0 + 18.0, 1.0), 7.0 * 24.0 + 10.0);
        // 40 working hours from Monday 09:00 end Friday 17:00.
        assert_eq!(h.add_working(9.0, 40.0), 4.0 * 24.0 + 17.0);
        // A week's worth skipped in one step lands where day-by-day would.
        let far = h.add_working(9.0, 40.0 * 30.0 + 3.0);
        assert_eq!(far, (30.0 * 7.0) * 24.0 + 12.0);
        // Monday a holiday: Friday 18:00 + 1 h = Tuesday 10:00.
        let mut holiday = nine_to_five(0.0);
        holiday.holidays = vec![7];
        // (week_hours ignores holidays by definition.)
        assert_eq!(
            holiday.add_working(4.0 * 24.0 + 18.0, 1.0),
            8.0 * 24.0 + 10.0
        );
        // UTC-5: 09:00 local is 14:00 UTC.
        let ny = nine_to_five(-5.0);
        assert_eq!(ny.add_working(0.0, 1.0), 15.0);
        assert!(ny.is_working(14.5) && !ny.is_working(13.5));
        // Zero hours outside working time wait for the opening.
        assert_eq!(h.add_working(20.0, 0.0), 24.0 + 9.0);
        assert_eq!(h.add_working(f64::INFINITY, 1.0), f64::INFINITY);
    }

    /// The plain definition: walk day by day, counting each day's working
    /// hours from `t` on.
    fn add_working_by_days(h: &Hours, t: f64, working: f64) -> f64 {
        let mut local = t + h.utc_offset;
        let mut left = working;
        loop {
            let day = (local / 24.0).floor();
            let day_start = day * 24.0;
            let wd = weekday(h.start_weekday, day as i64);
            if h.days[wd] && !h.holidays.contains(&(day as i64)) {
                let start = local.max(day_start + h.from);
                let close = day_start + h.to;
                if start < close {
                    if left <= close - start {
                        return start + left - h.utc_offset;
                    }
                    left -= close - start;
                }
            }
            local = day_start + 24.0;
        }
    }

    #[test]
    fn week_skips_land_where_walking_day_by_day_does() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(12);
        for case in 0..20_000 {
            let mut days = [false; 7];
            for d in &mut days {
                *d = rng.random_bool(0.7);
            }
            days[case % 7] = true;
            let from =
                rng.random_range(0..20) as f64 + if rng.random_bool(0.3) { 0.5 } else { 0.0 };
            let to = (from + rng.random_range(1..8) as f64).min(24.0);
            let holidays: Vec<i64> = if rng.random_bool(0.5) {
                let mut v: Vec<i64> = (0..rng.random_range(1..6))
                    .map(|_| rng.random_range(0..60))
                    .collect();
                v.sort_unstable();
                v.dedup();
                v
            } else {
                Vec::new()
            };
            let h = Hours::new(
                days,
                from,
                to,
                rng.random_range(-12..15) as f64,
                holidays,
                (case % 7) as u8,
            );
            let t = rng.random_range(0.0..2000.0);
            let working = match case % 3 {
                0 => rng.random_range(0.0..12.0),
                1 => rng.random_range(0.0..200.0),
                _ => rng.random_range(0.0..3000.0),
            };
            let fast = h.add_working(t, working);
            let slow = add_working_by_days(&h, t, working);
            // Whole-week steps subtract a week's hours at once where the
            // walk subtracts day by day: the same instant up to rounding.
            assert!(
                (fast - slow).abs() <= 1e-9 * slow.abs().max(1.0),
                "{h:?} t {t} working {working}: {fast} vs {slow}"
            );
        }
    }

    #[test]
    fn the_pattern_keeps_the_weekly_mean() {
        let mut hours = [1.0; 24];
        hours[3] = 0.0;
        hours[12] = 5.0;
        let p = ArrivalPattern::new([1.0, 1.0, 1.0, 1.0, 1.0, 0.3, 0.2], hours, 2);
        let mean: f64 = (0..168).map(|h| p.factor(h as f64 + 0.5)).sum::<f64>() / 168.0;
        assert!((mean - 1.0).abs() < 1e-12, "{mean}");
        // Day 0 is a Wednesday: day 3 is Saturday.
        assert!(p.factor(3.0 * 24.0 + 1.0) < p.factor(1.0));
    }
}
