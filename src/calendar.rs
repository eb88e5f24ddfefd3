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

    /// Whether local day `day` is a working day.
    #[inline]
    fn works_on(&self, day: i64) -> bool {
        self.days[weekday(self.start_weekday, day)]
            && (self.holidays.is_empty() || self.holidays.binary_search(&day).is_err())
    }

    /// Whether the holder is working at `t` (UTC hours from time 0).
    pub fn is_working(&self, t: f64) -> bool {
        let local = t + self.utc_offset;
        let day = (local / 24.0).floor();
        let within = local - day * 24.0;
        self.works_on(day as i64) && within >= self.from && within < self.to
    }

    /// The moment `working` hours of work started at `t` are done: the
    /// clock runs only while the holder works. Zero hours started outside
    /// working time end at the next opening. Infinite stays infinite.
    pub fn add_working(&self, t: f64, working: f64) -> f64 {
        if !(working.is_finite() && t.is_finite()) {
            return f64::INFINITY;
        }
        let week = self.week_hours;
        let last_holiday = self.holidays.last().copied().unwrap_or(i64::MIN);
        let mut local = t + self.utc_offset;
        let mut left = working.max(0.0);
        loop {
            let day = (local / 24.0).floor();
            // Past the last holiday every week holds `week` working hours,
            // so whole weeks can be skipped (hostile response times of a
            // million hours stay cheap).
            if day as i64 > last_holiday && week > 0.0 && left > 2.0 * week {
                let weeks = (left / week).floor() - 1.0;
                local += weeks * WEEK_HOURS;
                left -= weeks * week;
                continue;
            }
            let day_start = day * 24.0;
            if self.works_on(day as i64) {
                let start = local.max(day_start + self.from);
                let close = day_start + self.to;
                if start < close {
                    if left <= close - start {
                        return start + left - self.utc_offset;
                    }
                    left -= close - start;
                }
            }
            local = day_start + 24.0;
        }
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
        let hour = t.floor();
        let day = (hour / 24.0).floor();
        let h = (hour - day * 24.0) as usize;
        self.weekdays[weekday(self.start_weekday, day as i64)] * self.hours[h.min(23)] / self.mean
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
