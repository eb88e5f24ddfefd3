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
    /// Days from each weekday to the next working weekday (0: none).
    gaps: [u8; 7],
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
        let gaps = std::array::from_fn(|wd| {
            (1..=7u8)
                .find(|&gap| days[(wd + gap as usize) % 7])
                .unwrap_or(0)
        });
        Hours {
            days,
            from,
            to,
            utc_offset,
            holidays,
            start_weekday,
            week_hours,
            gaps,
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
        let day = day_of(local);
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
        let mut day = day_of(local);
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

/// A stretch of a holder's local time, `from` up to `until`, in which
/// [`Hours::add_working`] takes one path, remembered between calls (a
/// holder's times mostly move forward, and a holder is asked many times a
/// day). **Open**: the holder works until its closing `edge`. **Closed**:
/// the holder does not work until its next opening `edge`, and works
/// `bound` hours that day. After that day come the openings of the next
/// seven working days (enough for any work up to a week's hours), found
/// when first needed: `next[..filled]`, the last of them on day `last`.
///
/// [`Hours::add_working_from`] gives exactly (bit for bit) what
/// [`Hours::add_working`] gives: it makes the same sums and subtractions
/// in the same order (the first day's hours, then each working day's), and
/// every time inside a stretch falls on a day the general path treats
/// alike. Stretches end at an opening, a closing or a midnight `24 k`, and
/// `floor(x / 24)` rounds every `x < 24 k` below `k` (dividing by 8 is
/// exact, and the gap below `3 k` divided by 3 is more than half the gap
/// below `k`), so no time inside a stretch is counted on the next day.
#[derive(Debug, Clone, Copy, Default)]
pub struct Span {
    head: Stretch,
    next: [f64; 7],
}

/// A [`Span`] but its openings after the first day: what finding a new
/// stretch writes.
#[derive(Debug, Clone, Copy)]
struct Stretch {
    from: f64,
    until: f64,
    /// The closing (open) or the next opening (closed).
    edge: f64,
    open: bool,
    bound: f64,
    filled: u8,
    /// The last working day found: its weekday and number.
    last_wd: u8,
    last: i64,
}

impl Default for Stretch {
    /// A stretch holding no time: the first call finds its own.
    fn default() -> Self {
        Stretch {
            from: f64::INFINITY,
            until: f64::NEG_INFINITY,
            edge: 0.0,
            open: false,
            bound: 0.0,
            filled: 0,
            last_wd: 0,
            last: 0,
        }
    }
}

impl Stretch {
    #[inline]
    fn holds(&self, local: f64) -> bool {
        local >= self.from && local < self.until
    }
}

impl Hours {
    /// [`Self::add_working`], through (and updating) the holder's
    /// remembered stretch `span`: the same result, bit for bit.
    #[inline]
    pub fn add_working_from(&self, span: &mut Span, t: f64, working: f64) -> f64 {
        let offset = self.utc_offset;
        let local = t + offset;
        // More than a week's work skips whole weeks (and a non-number is
        // none): the general path, as for a time no stretch holds.
        if working.is_nan() || working > self.week_hours || !self.stretch_for(span, local) {
            return self.add_working(t, working);
        }
        let head = &mut span.head;
        let mut left = working.max(0.0);
        // The first day, as the general path: from `local` when open,
        // from the opening when closed.
        if head.open {
            let room = head.edge - local;
            if left <= room {
                return local + left - offset;
            }
            left -= room;
        } else {
            if left <= head.bound {
                return head.edge + left - offset;
            }
            left -= head.bound;
        }
        // Then whole working days, from each one's opening.
        let daily = self.to - self.from;
        for i in 0..span.next.len() {
            if i == head.filled as usize {
                let Some((day, wd)) = self.working_day_after(head.last, head.last_wd as usize)
                else {
                    break;
                };
                span.next[i] = day as f64 * 24.0 + self.from;
                head.filled += 1;
                head.last = day;
                head.last_wd = wd as u8;
            }
            if left <= daily {
                return span.next[i] + left - offset;
            }
            left -= daily;
        }
        self.add_working(t, working)
    }

    /// The earliest time (UTC) any work started at `t` can end, through
    /// the remembered stretch `span`: `t` itself while the holder works,
    /// else its next opening. [`Self::add_working_from`] of any hours
    /// from `t` is no earlier.
    #[inline]
    pub fn earliest_from(&self, span: &mut Span, t: f64) -> f64 {
        let local = t + self.utc_offset;
        if !self.stretch_for(span, local) {
            return t;
        }
        if span.head.open {
            t
        } else {
            span.head.edge - self.utc_offset
        }
    }

    /// Whether `span` holds local time `local`, after finding the stretch
    /// that does when the remembered one does not (none holds a time that
    /// is not finite, or any time of a holder that never works).
    #[inline]
    fn stretch_for(&self, span: &mut Span, local: f64) -> bool {
        if span.head.holds(local) {
            return true;
        }
        if !local.is_finite() {
            return false;
        }
        span.head = self.stretch_at(local);
        span.head.holds(local)
    }

    /// The working day after `day` (a `wd`), within a week and the
    /// holidays; `None` when there is none.
    fn working_day_after(&self, day: i64, wd: usize) -> Option<(i64, usize)> {
        if self.holidays.last().is_none_or(|&last| day >= last) {
            // Past the holidays only the weekday counts.
            let gap = self.gaps[wd];
            return (gap > 0).then(|| (day + gap as i64, (wd + gap as usize) % 7));
        }
        let (mut day, mut wd) = (day, wd);
        for _ in 0..7 + self.holidays.len() {
            day += 1;
            wd = if wd == 6 { 0 } else { wd + 1 };
            if self.works_on(day, wd) {
                return Some((day, wd));
            }
        }
        None
    }

    /// The stretch holding local time `local` (finite), as the general
    /// path of [`Self::add_working`] would walk from it; a stretch holding
    /// nothing when the holder never works.
    fn stretch_at(&self, local: f64) -> Stretch {
        if !(self.week_hours > 0.0 && self.from < self.to) {
            return Stretch::default();
        }
        let day = day_of(local);
        let wd = weekday(self.start_weekday, day);
        let day_start = day as f64 * 24.0;
        // The same sums as the general path.
        let open = day_start + self.from;
        let close = day_start + self.to;
        let works = self.works_on(day, wd);
        if works && local < close {
            let (from, until, is_open) = if local >= open {
                (open, close, true)
            } else {
                (day_start, open, false)
            };
            return Stretch {
                from,
                until,
                edge: until,
                open: is_open,
                bound: close - open,
                filled: 0,
                last_wd: wd as u8,
                last: day,
            };
        }
        // After the closing, or a day off: the next working day's opening.
        let Some((next, next_wd)) = self.working_day_after(day, wd) else {
            return Stretch::default();
        };
        let midnight = next as f64 * 24.0;
        Stretch {
            from: if works { close } else { day_start },
            until: midnight,
            edge: midnight + self.from,
            open: false,
            bound: self.to - self.from,
            filled: 0,
            last_wd: next_wd as u8,
            last: next,
        }
    }
}

/// The day number of local time `x` (hours): `floor(x / 24)`, without a
/// division. A product with 1/24 lands within an ulp or so of the
/// quotient, and one step corrects it against exact multiples of 24
/// (integers times 24 are exact below 2^48 days), so this is the exact
/// floor; and the rounded quotient's floor ([`floor_div`]) is the same
/// (see [`Span`]), which the tests check.
#[inline]
fn day_of(x: f64) -> i64 {
    let mut day = (x * (1.0 / 24.0)) as i64;
    let start = day as f64 * 24.0;
    if start > x {
        day -= 1;
    } else if start + 24.0 <= x {
        day += 1;
    }
    day
}

/// `floor(x / d)` as an integer, without a call to libm's `floor` (the
/// arrival pattern's hour at each arrival): exact for the magnitudes a run
/// reaches.
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
    fn weekdays_and_holidays_are_read_in_local_time_at_every_offset() {
        // A reference written from the definition: local time is UTC plus
        // the offset; the local day's weekday and holiday decide, and work
        // is counted a quarter-hour at a time (opening hours, offsets and
        // the times tried all fall on quarter hours, so the count is exact).
        // At a positive offset the local day starts before UTC's (Monday
        // 10:00 at UTC+12 is Sunday 22:00 UTC), at a negative one after.
        for &offset in &[-11.0, -5.5, -1.0, 0.0, 1.0, 5.5, 9.0, 12.0, 14.0] {
            for start_weekday in [0u8, 3] {
                let days = [true, true, true, true, true, false, false];
                let holidays = vec![3, 10];
                let h = Hours::new(days, 9.0, 17.0, offset, holidays.clone(), start_weekday);
                let working = |t: f64| {
                    let local = t + offset;
                    let day = (local / 24.0).floor() as i64;
                    let hour = local - day as f64 * 24.0;
                    days[(start_weekday as i64 + day).rem_euclid(7) as usize]
                        && !holidays.contains(&day)
                        && (9.0..17.0).contains(&hour)
                };
                let mut t = -48.0;
                while t < 21.0 * 24.0 {
                    assert_eq!(
                        h.is_working(t),
                        working(t),
                        "offset {offset}, start {start_weekday}, t {t}"
                    );
                    for work in [0.25, 1.0, 7.75, 8.0, 20.5] {
                        let (mut at, mut done) = (t, 0.0);
                        while done < work {
                            if working(at) {
                                done += 0.25;
                            }
                            at += 0.25;
                        }
                        assert_eq!(
                            h.add_working(t, work),
                            at,
                            "offset {offset}, start {start_weekday}, t {t}, work {work}"
                        );
                        let mut span = Span::default();
                        assert_eq!(h.add_working_from(&mut span, t, work), at);
                    }
                    t += 1.75;
                }
            }
        }
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
    fn remembered_stretches_give_the_general_paths_results_bit_for_bit() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(31);
        let (mut fast_paths, mut silences) = (0, 0);
        for case in 0..2_000 {
            let mut days = [false; 7];
            for d in &mut days {
                *d = rng.random_bool(0.7);
            }
            // Some holders never work.
            if case % 50 != 0 {
                days[case % 7] = true;
            }
            let from =
                rng.random_range(0..20) as f64 + [0.0, 0.5, 1.0 / 3.0][rng.random_range(0..3)];
            let to = (from
                + rng.random_range(1..10) as f64
                + if rng.random_bool(0.2) { 0.1 } else { 0.0 })
            .min(24.0);
            let holidays: Vec<i64> = if rng.random_bool(0.5) {
                let mut v: Vec<i64> = (0..rng.random_range(1..8))
                    .map(|_| rng.random_range(-2..40))
                    .collect();
                v.sort_unstable();
                v.dedup();
                v
            } else {
                Vec::new()
            };
            let offset =
                rng.random_range(-12..15) as f64 + if rng.random_bool(0.1) { 0.5 } else { 0.0 };
            let h = Hours::new(days, from, to, offset, holidays, (case % 7) as u8);
            let mut span = Span::default();
            // Times mostly moving forward, sometimes back; on the hour
            // (openings, closings, midnights) and just either side of it.
            let mut t: f64 = 0.0;
            for _ in 0..200 {
                t = match rng.random_range(0..6) {
                    0 => (t - rng.random_range(0.0..30.0)).max(0.0),
                    1 => (t + rng.random_range(0..30) as f64).round(),
                    2 => {
                        let whole = (t + rng.random_range(0..30) as f64).round();
                        let ulps = rng.random_range(-3i64..=3);
                        f64::from_bits((whole.to_bits() as i64 + ulps).max(0) as u64)
                    }
                    _ => t + rng.random_range(0.0..6.0),
                };
                let working = match rng.random_range(0..8) {
                    0 => 0.0,
                    1 => -1.0,
                    2 => rng.random_range(0.0..300.0),
                    3 => f64::NAN,
                    _ => rng.random_range(0.0..6.0),
                };
                let before = span;
                let general = h.add_working(t, working);
                let remembered = h.add_working_from(&mut span, t, working);
                assert_eq!(
                    general.to_bits(),
                    remembered.to_bits(),
                    "{h:?} t {t:?} working {working:?} span before {before:?}: {general} vs {remembered}"
                );
                if span.head.holds(t + h.utc_offset) {
                    fast_paths += 1;
                }
                // What the offers use `earliest_from` for: an answer due
                // more than a window after `t` at the earliest is silence.
                let window = rng.random_range(0.0..12.0);
                if h.earliest_from(&mut span, t) - t > window {
                    assert!(
                        general - t > window,
                        "{h:?} t {t} working {working} window {window}: {general}"
                    );
                    silences += 1;
                }
            }
        }
        // The stretches are used, not only looked for.
        assert!(
            fast_paths > 200_000 && silences > 10_000,
            "{fast_paths} {silences}"
        );
    }

    #[test]
    fn days_without_a_division_are_the_rounded_quotients_floor() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(8);
        for _ in 0..1_000_000 {
            let x = match rng.random_range(0..4) {
                0 => rng.random_range(-48.0..5_000.0),
                1 => rng.random_range(-1e6..1e9),
                // Whole and half hours, and their neighbours.
                2 => {
                    let whole = rng.random_range(-100i64..20_000) as f64 / 2.0;
                    let ulps = rng.random_range(-4i64..=4);
                    if whole == 0.0 {
                        ulps as f64 * f64::MIN_POSITIVE
                    } else {
                        f64::from_bits((whole.to_bits() as i64 + ulps) as u64)
                    }
                }
                _ => rng.random_range(0..200_000) as f64 * 24.0,
            };
            assert_eq!(day_of(x), floor_div(x, 24.0), "{x:?}");
        }
    }

    #[test]
    fn times_just_before_midnight_fall_on_the_day_before() {
        // What the stretches rely on: the last double before `24 k` is
        // counted on day `k - 1`, for every day a run (or a hostile
        // response time) can reach, and either side of time 0.
        for k in (-10_000i64..200_000).chain((0..60).map(|e| 1i64 << e.min(47))) {
            let midnight = k as f64 * 24.0;
            let before = if midnight > 0.0 {
                f64::from_bits(midnight.to_bits() - 1)
            } else if midnight < 0.0 {
                f64::from_bits(midnight.to_bits() + 1)
            } else {
                // (Local times are a time >= 0 plus an offset: never
                // closer to 0 than the smallest normal number.)
                -f64::MIN_POSITIVE
            };
            assert_eq!(floor_div(midnight, 24.0), k, "{midnight}");
            assert_eq!(floor_div(before, 24.0), k - 1, "{before:?}");
            assert_eq!(day_of(midnight), k, "{midnight}");
            assert_eq!(day_of(before), k - 1, "{before:?}");
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
