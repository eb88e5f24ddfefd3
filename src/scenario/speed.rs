//! Validation of `speed_to_lead`: the `qualify` and `reach` curves, each a
//! half-life with a floor or a list of points; the old top-level
//! `half_life_hours` and `floor` still mean `qualify`.

use super::checker::Checker;
use super::defaults;
use super::raw::{RawCurve, RawSpeedToLead};
use crate::model::{Curve, SpeedToLead};

/// The most points a curve may have.
pub const MAX_POINTS: usize = 1_000;

pub(super) fn speed_to_lead(c: &mut Checker, raw: &RawSpeedToLead) -> Option<SpeedToLead> {
    let old_form = raw.half_life_hours.is_some() || raw.floor.is_some();
    let qualify = match &raw.qualify {
        Some(_) if old_form => {
            c.fail(
                "speed_to_lead",
                "give `qualify` or the older `half_life_hours` and `floor` (which mean `qualify`), not both",
            );
            None
        }
        Some(curve) => self::curve(c, "speed_to_lead.qualify", curve),
        None => half_life(c, "speed_to_lead", raw.half_life_hours, raw.floor),
    };
    let reach = match &raw.reach {
        None => Some(None),
        Some(curve) => self::curve(c, "speed_to_lead.reach", curve).map(Some),
    };
    Some(SpeedToLead {
        qualify: qualify?,
        reach: reach?,
    })
}

/// One curve: exactly one of its two forms.
fn curve(c: &mut Checker, path: &str, raw: &RawCurve) -> Option<Curve> {
    let half_life_form = raw.half_life_hours.is_some() || raw.floor.is_some();
    match &raw.points {
        Some(_) if half_life_form => {
            c.fail(
                path,
                "give `points` or `half_life_hours` and `floor`, not both",
            );
            None
        }
        Some(points) => self::points(c, path, points),
        None => half_life(c, path, raw.half_life_hours, raw.floor),
    }
}

/// `floor + (1 - floor) x 2^(-hours / half_life_hours)`, with the defaults
/// of docs/scenario-format.md for what is left out.
fn half_life(
    c: &mut Checker,
    path: &str,
    half_life_hours: Option<f64>,
    floor: Option<f64>,
) -> Option<Curve> {
    let half_life_hours = half_life_hours.unwrap_or(defaults::HALF_LIFE);
    let floor = floor.unwrap_or(defaults::DECAY_FLOOR);
    let before = c.errors.len();
    c.positive(&format!("{path}.half_life_hours"), half_life_hours);
    c.unit(&format!("{path}.floor"), floor);
    (c.errors.len() == before).then_some(Curve::HalfLife {
        half_life_hours,
        floor,
    })
}

/// `[[hours, multiplier], ...]`: from hour 0, hours ascending, multipliers
/// in [0, 1] and not increasing.
fn points(c: &mut Checker, path: &str, points: &[[f64; 2]]) -> Option<Curve> {
    let path = format!("{path}.points");
    if points.is_empty() {
        c.fail(&path, "needs at least one point, [0, multiplier]");
        return None;
    }
    if !c.at_most(&path, points.len(), MAX_POINTS) {
        return None;
    }
    let before = c.errors.len();
    if points[0][0] != 0.0 {
        c.fail(
            format!("{path}[0]"),
            format!(
                "the first point must be at hour 0 (the multiplier at once), got hour {}",
                points[0][0]
            ),
        );
    }
    for (k, &[hours, multiplier]) in points.iter().enumerate() {
        if !hours.is_finite() || hours < 0.0 {
            c.fail(
                format!("{path}[{k}]"),
                format!("hours must be a number >= 0, got {hours}"),
            );
        }
        if !(0.0..=1.0).contains(&multiplier) {
            c.fail(
                format!("{path}[{k}]"),
                format!("the multiplier must be in [0, 1], got {multiplier}"),
            );
        }
        if k > 0 {
            let [prev_hours, prev_multiplier] = points[k - 1];
            if hours <= prev_hours {
                c.fail(
                    format!("{path}[{k}]"),
                    format!("hours must ascend: {hours} comes after {prev_hours}"),
                );
            }
            if multiplier > prev_multiplier {
                c.fail(
                    format!("{path}[{k}]"),
                    format!(
                        "multipliers must not increase with the delay: {multiplier} comes after {prev_multiplier}"
                    ),
                );
            }
        }
    }
    (c.errors.len() == before).then(|| Curve::Points(points.iter().map(|p| (p[0], p[1])).collect()))
}
