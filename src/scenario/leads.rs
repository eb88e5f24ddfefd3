//! Validation of `leads`: signals, segments, and replayed historical leads.

use super::checker::{Checker, Names};
use super::defaults;
use super::dist::{Dist, Support};
use super::raw::*;
use crate::model::*;

/// `leads`: the arrival rate, the signals, and either segments or a replay.
pub(super) fn lead_model(
    c: &mut Checker,
    raw: &RawLeads,
    horizon_days: f64,
    regions: &mut Names,
    verticals: &mut Names,
) -> Option<LeadModel> {
    if let Some(rate) = raw.arrivals_per_day {
        c.non_negative("leads.arrivals_per_day", rate);
    }
    let signals = signals(c, raw.signals.as_deref());
    if let Some(replay) = &raw.replay {
        if raw.segments.is_some() {
            c.fail(
                "leads.segments",
                "give `segments` or `replay`, not both: a replay's segments come from its file",
            );
            return None;
        }
        return replay_model(
            c,
            replay,
            raw.arrivals_per_day,
            horizon_days,
            signals,
            regions,
            verticals,
        );
    }
    let segments = segments(c, raw.segments.as_deref(), regions, verticals)?;
    Some(LeadModel {
        arrivals_per_hour: raw.arrivals_per_day.unwrap_or(defaults::ARRIVALS_PER_DAY)
            / HOURS_PER_DAY,
        signals,
        segments,
        replay: None,
        arrival_pattern: None,
        existing_account_share: raw.existing_account_share,
        registered_share: raw.registered_share,
    })
}

/// `leads.signals`: one default `score` signal when left out.
fn signals(c: &mut Checker, list: Option<&[RawSignal]>) -> Vec<Signal> {
    let Some(list) = list else {
        return vec![Signal {
            name: defaults::SIGNAL.into(),
            noise: defaults::SIGNAL_NOISE,
        }];
    };
    if list.is_empty() {
        c.fail(
            "leads.signals",
            "needs at least one signal (or leave it out for the default `score`)",
        );
    }
    let mut seen = Vec::new();
    for (i, s) in list.iter().enumerate() {
        if s.name.trim().is_empty() {
            c.fail(format!("leads.signals[{i}].name"), "must not be empty");
        } else if seen.contains(&s.name) {
            c.fail(
                format!("leads.signals[{i}].name"),
                format!("`{}` is declared twice", s.name),
            );
        }
        seen.push(s.name.clone());
        c.non_negative(&format!("leads.signals[{i}].noise"), s.noise);
    }
    list.iter()
        .map(|s| Signal {
            name: s.name.clone(),
            noise: s.noise,
        })
        .collect()
}

/// `leads.segments`, shares normalised to sum to 1; one segment `all`
/// when left out. `None` when any segment (or anything before) failed.
fn segments(
    c: &mut Checker,
    raw: Option<&[RawSegment]>,
    regions: &mut Names,
    verticals: &mut Names,
) -> Option<Vec<Segment>> {
    let default_segment = [RawSegment {
        name: "all".into(),
        share: defaults::WEIGHT,
        region: None,
        vertical: None,
        deal_size: None,
        quality: None,
    }];
    let raw_segments: &[RawSegment] = raw.unwrap_or(&default_segment);
    if raw_segments.is_empty() {
        c.fail(
            "leads.segments",
            "needs at least one segment (or leave it out for one segment covering every lead)",
        );
    }
    let mut names = std::collections::HashSet::new();
    let mut segments = Vec::new();
    for (i, s) in raw_segments.iter().enumerate() {
        let path = format!("leads.segments[{i}]");
        c.name(&format!("{path}.name"), &s.name, false);
        if let Some(r) = &s.region {
            c.name(&format!("{path}.region"), r, false);
        }
        if let Some(v) = &s.vertical {
            c.name(&format!("{path}.vertical"), v, false);
        }
        if !names.insert(&s.name) {
            c.fail(
                format!("{path}.name"),
                format!("`{}` is declared twice", s.name),
            );
        }
        segments.extend(segment(c, &path, s, regions, verticals));
    }
    let total: f64 = raw_segments
        .iter()
        .map(|s| s.share)
        .filter(|s| s.is_finite())
        .sum();
    if !raw_segments.is_empty() && total <= 0.0 {
        c.fail(
            "leads.segments",
            "the segments' shares sum to 0: at least one share must be positive",
        );
    }
    if segments.len() != raw_segments.len() || total <= 0.0 || !c.errors.is_empty() {
        return None;
    }
    for s in &mut segments {
        s.share /= total;
    }
    Some(segments)
}

/// One segment, its share not yet normalised.
fn segment(
    c: &mut Checker,
    path: &str,
    s: &RawSegment,
    regions: &mut Names,
    verticals: &mut Names,
) -> Option<Segment> {
    c.non_negative(&format!("{path}.share"), s.share);
    let deal_size = c.dist(
        s.deal_size.as_ref(),
        defaults::DEAL_SIZE,
        &format!("{path}.deal_size"),
        Support::NonNegative,
    );
    let quality = c.dist(
        s.quality.as_ref(),
        defaults::QUALITY,
        &format!("{path}.quality"),
        Support::Unit,
    );
    Some(Segment {
        name: s.name.clone(),
        share: s.share,
        region: s.region.as_deref().map(|r| regions.intern(r)),
        vertical: s.vertical.as_deref().map(|v| verticals.intern(v)),
        deal_size: deal_size?,
        quality: quality?,
    })
}

/// `leads.replay`: reads the historical leads, derives one segment per
/// (region, vertical) found in the file, and the arrival rate.
/// A replay's segments: one per (region, vertical) in `keys`, its leads
/// (`by_segment`) giving its share and its deal sizes and qualities as
/// empirical distributions.
fn replay_segments(
    keys: &[(Option<String>, Option<String>)],
    by_segment: &[Vec<u32>],
    leads: &[ReplayLead],
    regions: &mut Names,
    verticals: &mut Names,
) -> Vec<Segment> {
    keys.iter()
        .zip(by_segment)
        .map(|((region, vertical), members)| {
            let values = |f: fn(&ReplayLead) -> f64| -> std::sync::Arc<[f64]> {
                members.iter().map(|&i| f(&leads[i as usize])).collect()
            };
            Segment {
                name: format!(
                    "{}/{}",
                    region.as_deref().unwrap_or("any"),
                    vertical.as_deref().unwrap_or("any")
                ),
                share: members.len() as f64 / leads.len() as f64,
                region: region.as_deref().map(|r| regions.intern(r)),
                vertical: vertical.as_deref().map(|v| verticals.intern(v)),
                deal_size: Dist::Empirical(values(|l| l.deal_size)),
                quality: Dist::Empirical(values(|l| l.quality)),
            }
        })
        .collect()
}

/// A replay's rate is rows / span, so one stray date stretches the span:
/// a warning when a single gap between consecutive leads' `days` holds
/// more than a quarter of it.
fn stray_gap(c: &mut Checker, days: &[f64], span: f64, path: &std::path::Path) {
    if let Some((i, gap)) = days
        .windows(2)
        .map(|w| w[1] - w[0])
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .filter(|&(_, gap)| span > 0.0 && gap > 0.25 * span)
    {
        c.warnings.push(format!(
            "leads.replay: {} leads over {span} days give {:.3} a day, but {gap} of those days are one gap between rows {} and {} of {}: if a date is wrong, fix it, or give `leads.arrivals_per_day`",
            days.len(),
            days.len() as f64 / span,
            i + 2,
            i + 3,
            path.display()
        ));
    }
}

fn replay_model(
    c: &mut Checker,
    raw: &RawReplay,
    arrivals_per_day: Option<f64>,
    horizon_days: f64,
    signals: Vec<Signal>,
    regions: &mut Names,
    verticals: &mut Names,
) -> Option<LeadModel> {
    let exact = raw.mode == RawReplayMode::Exact;
    let path = std::path::Path::new(&raw.csv);
    let read = c.data.read(&raw.csv).and_then(|(path, bytes)| {
        super::data::read_leads(&path, &bytes, exact || arrivals_per_day.is_none())
    });
    let rows = match read {
        Ok(rows) => rows,
        Err(e) => {
            c.fail("leads.replay.csv", e);
            return None;
        }
    };
    // Segments: (region, vertical) combinations in order of first sight.
    let mut keys: Vec<(Option<String>, Option<String>)> = Vec::new();
    let mut leads = Vec::with_capacity(rows.len());
    for row in &rows {
        let key = (row.region.clone(), row.vertical.clone());
        let segment = match keys.iter().position(|k| *k == key) {
            Some(i) => i,
            None => {
                keys.push(key);
                keys.len() - 1
            }
        };
        leads.push(ReplayLead {
            arrival_hours: row.arrival_day.unwrap_or(0.0) * HOURS_PER_DAY,
            segment: segment as u32,
            quality: row.quality.or(row.score).unwrap_or(0.0),
            score: if row.quality.is_some() {
                None
            } else {
                row.score
            },
            deal_size: row.deal_size,
        });
    }
    if keys.len() > super::limits::SEGMENTS {
        c.fail(
            "leads.replay.csv",
            format!(
                "{}: {} (region, vertical) combinations, each a segment; at most {} segments",
                path.display(),
                keys.len(),
                super::limits::SEGMENTS
            ),
        );
        return None;
    }
    let mut by_segment = vec![Vec::new(); keys.len()];
    for (i, l) in leads.iter().enumerate() {
        by_segment[l.segment as usize].push(i as u32);
    }
    let segments = replay_segments(&keys, &by_segment, &leads, regions, verticals);
    let days: Vec<f64> = rows.iter().filter_map(|r| r.arrival_day).collect();
    let span = match (days.first(), days.last()) {
        (Some(first), Some(last)) => last - first,
        _ => 0.0,
    };
    if !exact && arrivals_per_day.is_none() {
        stray_gap(c, &days, span, path);
    }
    let rate_per_day = match arrivals_per_day {
        Some(rate) => rate,
        // An exact replay's rate only sizes memory: its leads are the file's.
        None if exact => rows.len() as f64 / horizon_days.max(1e-9),
        None if span > 0.0 => rows.len() as f64 / span,
        None => {
            c.fail(
                "leads.replay.csv",
                format!("{}: all leads arrive on one day, so the historical rate is unknown: give `leads.arrivals_per_day`", path.display()),
            );
            return None;
        }
    };
    let replay = if exact {
        if arrivals_per_day.is_some() {
            c.fail(
                "leads.arrivals_per_day",
                "an exact replay's arrivals are the file's: leave `arrivals_per_day` out",
            );
        }
        let inside = leads
            .iter()
            .filter(|l| l.arrival_hours < horizon_days * HOURS_PER_DAY)
            .count();
        if inside < leads.len() {
            c.fail(
                "horizon_days",
                format!(
                    "{} of the {} leads in {} arrive after the horizon ({horizon_days} days): lengthen `horizon_days` to cover the file",
                    leads.len() - inside,
                    leads.len(),
                    path.display()
                ),
            );
        }
        Replay::Exact(leads)
    } else {
        Replay::Bootstrap { leads, by_segment }
    };
    Some(LeadModel {
        arrivals_per_hour: rate_per_day / HOURS_PER_DAY,
        signals,
        segments,
        replay: Some(replay),
        arrival_pattern: None,
        // Set from `leads` by the caller.
        existing_account_share: 0.0,
        registered_share: 0.0,
    })
}
