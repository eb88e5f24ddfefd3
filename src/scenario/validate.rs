//! Validation: raw serde structs in, the typed [`Model`] out.
//!
//! This is the only place that checks values and cross-references. It
//! collects every problem (with its field path) before failing, applies the
//! documented defaults, resolves names to indices, and suggests the nearest
//! valid name for a typo. It never panics on any input.

use super::checker::{Checker, Names};
use super::errors::FieldErrors;
use super::limits::{
    self, MAX_EXPECTED_LEADS, MAX_FOLLOW_UP_DAYS, MAX_HORIZON_DAYS, MAX_REPLICATIONS,
    MIN_REVIEW_DAYS,
};
use super::raw::*;
use crate::model::*;

/// Turns a parsed scenario into a model, or every problem found. One
/// function per section; they record problems in the [`Checker`] and
/// return `None` for a section they could not build.
pub fn validate(raw: &RawScenario, data: &super::data::DataAccess) -> Result<Model, FieldErrors> {
    let mut c = Checker {
        errors: FieldErrors::default(),
        warnings: Vec::new(),
        data,
    };
    let mut regions = Names::default();
    let mut verticals = Names::default();
    let mut tiers = Names::default();

    if !sizes(&mut c, raw) {
        // Validating a list this long would take long for nothing.
        return Err(c.errors);
    }
    run_settings(&mut c, raw);
    let calendar = super::week::calendar(&mut c, raw.calendar.as_ref());
    let leads = leads(&mut c, raw, (&mut regions, &mut verticals), &calendar);
    let decay = super::speed::speed_to_lead(&mut c, &raw.speed_to_lead);
    let economics = economics(&mut c, raw);
    let house = raw.house.as_ref().and_then(|h| house(&mut c, h, &calendar));
    let partners = super::partners::partners(
        &mut c,
        &raw.partners,
        &mut regions,
        &mut verticals,
        &mut tiers,
        &calendar,
    );
    let tier_programme = raw
        .tiers
        .as_ref()
        .and_then(|t| tier_programme(&mut c, t, &mut tiers));
    let policies = policies(
        &mut c,
        raw,
        &partners,
        (&tiers.0, &regions.0, &verticals.0),
        &leads,
    );
    let baseline = baseline(&mut c, raw);
    let worlds = super::worlds::worlds(&mut c, raw, partners.as_deref(), &regions, &verticals);
    let expectations = super::worlds::expectations(&mut c, raw, &worlds);
    let decision = super::decision::decision(&mut c, raw.decision.as_ref());
    if let (Some(l), Some(ps)) = (&leads, &partners) {
        lead_volume(&mut c, l, ps, &worlds, raw.horizon_days);
    }
    currency(&mut c, raw);

    if !c.errors.is_empty() {
        return Err(c.errors);
    }
    let (Some(leads), Some(partners), Some(policies), Some(decay)) =
        (leads, partners, policies, decay)
    else {
        // Every validator records an error when it returns None; should one
        // ever not, refuse the file rather than run with a part missing.
        c.fail(
            "",
            "part of the scenario could not be validated and no reason was recorded; \
             this is a bug in leadsim, please report it with the file",
        );
        return Err(c.errors);
    };
    let mut warnings = std::mem::take(&mut c.warnings);
    warnings.extend(super::warnings::warnings_of(
        raw, &leads, &partners, &regions, &verticals,
    ));
    warnings.extend(super::warnings::unreachable_pools(
        &policies, &partners, &leads,
    ));
    let (n_regions, n_verticals) = (regions.0.len(), verticals.0.len());
    let partners = partners
        .into_iter()
        .map(|mut p| {
            p.covers_region.resize(n_regions, false);
            p.covers_vertical.resize(n_verticals, false);
            p
        })
        .collect();

    Ok(Model {
        name: raw.name.clone(),
        description: raw.description.clone(),
        horizon_hours: raw.horizon_days * HOURS_PER_DAY,
        warmup_hours: raw.warmup_days * HOURS_PER_DAY,
        readout_hours: raw.readout_day.map(|d| d * HOURS_PER_DAY),
        replications: raw.replications as u64,
        seed: raw.seed,
        baseline,
        regions: regions.0,
        verticals: verticals.0,
        tiers: tiers.0,
        leads,
        decay,
        start_weekday: calendar.start_weekday,
        economics,
        tier_programme,
        house,
        partners,
        policies,
        worlds,
        expectations,
        decision,
        warnings,
        currency: raw.currency.clone(),
        data_files: data.files(),
    })
}

/// `leads`, with its accounts, registrations and arrival pattern.
fn leads(
    c: &mut Checker,
    raw: &RawScenario,
    (regions, verticals): (&mut Names, &mut Names),
    calendar: &super::week::CalendarSpec,
) -> Option<LeadModel> {
    let mut leads = super::leads::lead_model(c, &raw.leads, raw.horizon_days, regions, verticals);
    if let Some(l) = &mut leads {
        l.existing_account_share = raw.leads.existing_account_share;
        l.registered_share = raw.leads.registered_share;
    }
    if let Some(pattern) = &raw.leads.arrival_pattern {
        let pattern = super::week::arrival_pattern(c, pattern, calendar);
        if let Some(l) = &mut leads {
            l.arrival_pattern = pattern;
        }
    }
    leads
}

/// The scenario's name and the sizes of its lists, against the limits.
/// False when a list is too long to validate at all.
fn sizes(c: &mut Checker, raw: &RawScenario) -> bool {
    if raw.name.trim().is_empty() {
        c.fail("name", "must not be empty: it names the output folder");
    } else {
        c.name("name", &raw.name, true);
    }
    let sizes_ok = [
        c.at_most("policies", raw.policies.len(), limits::POLICIES),
        c.at_most("stress", raw.stress.len(), limits::WORLDS),
        c.at_most("expect", raw.expect.len(), limits::EXPECTATIONS),
        c.at_most(
            "leads.segments",
            raw.leads.segments.as_ref().map_or(0, Vec::len),
            limits::SEGMENTS,
        ),
        c.at_most(
            "leads.signals",
            raw.leads.signals.as_ref().map_or(0, Vec::len),
            limits::SIGNALS,
        ),
    ];
    let cells = raw.policies.len() * (raw.stress.len() + 1);
    if cells > limits::CELLS {
        c.fail(
            "stress",
            format!(
                "{} policies x {} worlds make {cells} results; at most {} are supported",
                raw.policies.len(),
                raw.stress.len() + 1,
                limits::CELLS
            ),
        );
    }
    let partner_total: u64 = raw
        .partners
        .iter()
        .map(|p| p.count.unwrap_or(1).clamp(1, i64::MAX) as u64)
        .fold(0u64, u64::saturating_add);
    if partner_total > limits::PARTNERS {
        c.fail(
            "partners",
            format!(
                "{partner_total} partners after `count`; at most {} are supported",
                limits::PARTNERS
            ),
        );
    }
    !(sizes_ok.contains(&false) || cells > limits::CELLS || partner_total > limits::PARTNERS)
}

/// `horizon_days` and `replications`.
fn run_settings(c: &mut Checker, raw: &RawScenario) {
    c.positive("horizon_days", raw.horizon_days);
    if raw.horizon_days > MAX_HORIZON_DAYS {
        c.fail(
            "horizon_days",
            format!(
                "must be at most {MAX_HORIZON_DAYS} days (ten years), got {}",
                raw.horizon_days
            ),
        );
    }
    c.non_negative("warmup_days", raw.warmup_days);
    if raw.horizon_days > 0.0 && raw.warmup_days.is_finite() && raw.warmup_days >= raw.horizon_days
    {
        c.fail(
            "warmup_days",
            format!(
                "must be shorter than `horizon_days` ({}), or no lead would be counted; got {}",
                raw.horizon_days, raw.warmup_days
            ),
        );
    }
    if let Some(day) = raw.readout_day {
        let latest = raw.horizon_days + MAX_FOLLOW_UP_DAYS;
        if !(day.is_finite() && day > raw.warmup_days) {
            c.fail(
                "readout_day",
                format!(
                    "must be after `warmup_days` ({}): the run is read after the first counted lead arrives; got {day}",
                    raw.warmup_days
                ),
            );
        } else if day > latest {
            c.fail(
                "readout_day",
                format!(
                    "must be at most {latest} (`horizon_days` plus {MAX_FOLLOW_UP_DAYS} days of follow-up), got {day}"
                ),
            );
        }
    }
    if raw.replications < 1 {
        c.fail(
            "replications",
            format!("must be at least 1, got {}", raw.replications),
        );
    } else if raw.replications > MAX_REPLICATIONS {
        c.fail(
            "replications",
            format!(
                "must be at most {MAX_REPLICATIONS}, got {}",
                raw.replications
            ),
        );
    }
}

/// The leads one replication holds in memory, at most: the vendor's
/// (`arrivals_per_day` x `horizon_days`, times the demand factors of the
/// busiest stress world) and the partners' own (`sourced_per_day`), against
/// [`MAX_EXPECTED_LEADS`].
fn lead_volume(
    c: &mut Checker,
    l: &LeadModel,
    partners: &[Partner],
    worlds: &[WorldSpec],
    horizon_days: f64,
) {
    let vendor = l.arrivals_per_hour * HOURS_PER_DAY * horizon_days;
    let (busiest, surge) = worlds
        .iter()
        .map(|w| {
            let factor: f64 = w
                .events
                .iter()
                .map(|e| match e.kind {
                    WorldEventKind::Demand { factor, .. } => factor.max(1.0),
                    _ => 1.0,
                })
                .product();
            (w.name.as_str(), factor)
        })
        .fold(("base", 1.0), |a, b| if b.1 > a.1 { b } else { a });
    let per_day: f64 = partners
        .iter()
        .map(|p| p.sourced_per_hour * HOURS_PER_DAY)
        .sum();
    let sourced = per_day * horizon_days;
    let expected = vendor * surge + sourced;
    if expected > MAX_EXPECTED_LEADS {
        let (path, what) = if vendor * surge >= sourced {
            (
                "leads.arrivals_per_day",
                format!(
                    "{:.1} leads a day for {horizon_days} days{}",
                    l.arrivals_per_hour * HOURS_PER_DAY,
                    if surge > 1.0 {
                        format!(", times {surge} in the stress world `{busiest}`")
                    } else {
                        String::new()
                    }
                ),
            )
        } else {
            (
                "partners",
                format!("the partners' sourced_per_day, {per_day:.1} leads a day for {horizon_days} days"),
            )
        };
        c.fail(
            path,
            format!(
                "{what}, with the rest, make {expected:.3e} leads per replication; the limit is {MAX_EXPECTED_LEADS:.0e} (each replication holds its leads in memory, about 170 bytes each)"
            ),
        );
    }
}

/// `economics`.
fn economics(c: &mut Checker, raw: &RawScenario) -> Economics {
    let e = &raw.economics;
    c.unit("economics.gross_margin", e.gross_margin);
    c.unit("economics.churn_rate", e.churn_rate);
    c.non_negative("economics.discount_churn_factor", e.discount_churn_factor);
    c.unit("economics.churn_revenue_loss", e.churn_revenue_loss);
    c.unit("economics.max_discount_approved", e.max_discount_approved);
    c.unit("economics.floor_win_factor", e.floor_win_factor);
    c.non_negative("economics.incumbent_win_factor", e.incumbent_win_factor);
    c.unit(
        "leads.existing_account_share",
        raw.leads.existing_account_share,
    );
    c.unit("leads.registered_share", raw.leads.registered_share);
    let house_cost = raw
        .house
        .as_ref()
        .and_then(|h| h.cost_per_lead)
        .unwrap_or(0.0);
    c.non_negative("house.cost_per_lead", house_cost);
    if !(e.review_days.is_finite() && e.review_days >= MIN_REVIEW_DAYS) {
        c.fail(
        "economics.review_days",
        format!(
            "must be at least {MIN_REVIEW_DAYS} day (partners review their earnings at most daily), got {}",
            e.review_days
        ),
    );
    }
    c.positive(
        "economics.reference_earnings_per_lead",
        e.reference_earnings_per_lead,
    );
    Economics {
        gross_margin: e.gross_margin,
        churn_rate: e.churn_rate,
        discount_churn_factor: e.discount_churn_factor,
        churn_revenue_loss: e.churn_revenue_loss,
        house_cost_per_lead: house_cost,
        max_discount_approved: e.max_discount_approved,
        floor_win_factor: e.floor_win_factor,
        incumbent_win_factor: e.incumbent_win_factor,
        review_hours: e.review_days * HOURS_PER_DAY,
        reference_earnings_per_lead: e.reference_earnings_per_lead,
    }
}

/// The house team: a partner's team fields, less those of offers (the
/// house is never offered a lead: it takes what comes to it), which are
/// refused rather than silently ignored.
fn house(c: &mut Checker, h: &RawTeam, calendar: &super::week::CalendarSpec) -> Option<Team> {
    for (field, given) in [
        ("accept_rate", h.accept_rate.is_some()),
        ("accept_hours", h.accept_hours.is_some()),
        ("selectivity", h.selectivity.is_some()),
        ("reject_when_full", h.reject_when_full.is_some()),
    ] {
        if given {
            c.fail(
                format!("house.{field}"),
                "the house is never offered a lead (it takes every lead that comes to it), so an offer field has no effect here; remove it",
            );
        }
    }
    super::partners::team(c, "house", h.team_fields(), calendar)
}

/// The baseline policy: the first unless `baseline` names another.
fn baseline(c: &mut Checker, raw: &RawScenario) -> usize {
    let Some(name) = &raw.baseline else {
        return 0;
    };
    let names: Vec<String> = raw
        .policies
        .iter()
        .map(|p| format!("`{}`", p.name))
        .collect();
    c.resolve(
        "baseline",
        name,
        raw.policies.iter().map(|p| p.name.as_str()),
        &format!("names no policy (the policies are {})", names.join(", ")),
    )
    .unwrap_or(0)
}

/// `currency`: an ISO 4217 code.
fn currency(c: &mut Checker, raw: &RawScenario) {
    if let Some(code) = &raw.currency {
        if !(code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase())) {
            c.fail(
                "currency",
                format!(
                    "expected a three-letter ISO 4217 code such as \"EUR\" or \"USD\", got \"{}\"",
                    code.chars().take(40).collect::<String>()
                ),
            );
        }
    }
}

fn policies(
    c: &mut Checker,
    raw: &RawScenario,
    partners: &Option<Vec<Partner>>,
    (tiers, regions, verticals): (&[String], &[String], &[String]),
    leads: &Option<LeadModel>,
) -> Option<Vec<Policy>> {
    if raw.policies.is_empty() {
        c.fail("policies", "needs at least one policy");
        return None;
    }
    let before = c.errors.len();
    let mut out = Vec::new();
    for (i, p) in raw.policies.iter().enumerate() {
        let path = format!("policies[{i}]");
        c.name(&format!("{path}.name"), &p.name, true);
        if let Some(first) = raw.policies[..i].iter().position(|q| q.name == p.name) {
            c.fail(
                format!("{path}.name"),
                format!(
                    "policy `{}` is already declared at policies[{first}]",
                    p.name
                ),
            );
        }
        let routing =
            super::policy::routing(&mut c.errors, &path, &p.routing, partners.as_deref(), tiers);
        let eligibility = eligibility(c, &path, &p.eligibility);
        let scoring = leads
            .as_ref()
            .and_then(|l| super::policy::scoring(&mut c.errors, &path, &p.scoring, &l.signals));
        let sla = super::policy::sla(&mut c.errors, &path, p.sla.as_ref(), raw.house.is_some());
        let escalation_pool = super::policy::escalation_pool(
            &mut c.errors,
            &path,
            p.sla.as_ref(),
            partners.as_deref(),
            tiers,
        );
        let caps = super::policy::caps(&mut c.errors, &path, &p.caps);
        let payout = super::payout::payout(&mut c.errors, &path, &p.payout);
        if let (Some(routing), Some(partners), Some(leads)) = (&routing, partners, leads) {
            if routing.rule.learns()
                && !super::warnings::anyone_eligible(&eligibility, partners, leads)
            {
                c.fail(
                    format!("{path}.routing.rule"),
                    format!(
                        "`{}` learns from the partners it routes to, but no partner is eligible for any segment under this policy's `eligibility`",
                        routing.rule.name()
                    ),
                );
            }
        }
        if let (Some(routing), Some(scoring), Some(payout)) = (routing, scoring, payout) {
            let payout_by_tier = super::payout::payout_by_tier(
                &mut c.errors,
                &path,
                &p.payout,
                Some(&payout),
                tiers,
            );
            out.push(Policy {
                name: p.name.clone(),
                description: p.description.clone(),
                routing,
                eligibility,
                scoring,
                sla,
                caps,
                payout,
                offer: p
                    .offer
                    .as_ref()
                    .and_then(|o| super::policy::offer(&mut c.errors, &path, o)),
                escalation_pool,
                reserve: p
                    .reserve
                    .as_ref()
                    .and_then(|r| super::policy::reserve(&mut c.errors, &path, r)),
                exclusivity: super::policy::exclusivity(
                    &mut c.errors,
                    &path,
                    p.exclusivity.as_ref(),
                ),
                enablement: p
                    .enablement
                    .as_ref()
                    .and_then(|e| super::policy::enablement(&mut c.errors, &path, e)),
                payout_by_tier,
                spiffs: leads.as_ref().map_or(Vec::new(), |l| {
                    super::payout::spiffs(
                        &mut c.errors,
                        &path,
                        &p.payout.spiffs,
                        &l.segments,
                        (regions, verticals),
                    )
                }),
                nurture: p.nurture.as_ref().and_then(|n| nurture(c, &path, n)),
                co_sell: p.co_sell.as_ref().and_then(|e| {
                    super::policy::co_sell(&mut c.errors, &path, e, raw.house.is_some())
                }),
            });
        }
    }
    (c.errors.len() == before && out.len() == raw.policies.len()).then_some(out)
}

/// A policy's `eligibility`.
fn eligibility(c: &mut Checker, path: &str, raw: &RawEligibility) -> Eligibility {
    let eligibility = Eligibility {
        region: match raw.region {
            RawRegionMode::Require => RegionMode::Require,
            RawRegionMode::Ignore => RegionMode::Ignore,
        },
        vertical: match raw.vertical {
            RawVerticalMode::Require => VerticalMode::Require,
            RawVerticalMode::Prefer => VerticalMode::Prefer,
            RawVerticalMode::Ignore => VerticalMode::Ignore,
        },
        vertical_mismatch_fit: raw.vertical_mismatch_fit,
        honor_registration: raw.registration != Some(RawHonor::Ignore),
        prefer_incumbent: raw.incumbent == Some(RawPrefer::Prefer),
    };
    c.unit(
        &format!("{path}.eligibility.vertical_mismatch_fit"),
        eligibility.vertical_mismatch_fit,
    );
    eligibility
}

/// A policy's `nurture`: the share of discarded leads nurtured, and when
/// they come back.
fn nurture(c: &mut Checker, path: &str, n: &RawNurture) -> Option<Nurture> {
    let path = format!("{path}.nurture");
    c.unit(&format!("{path}.share"), n.share);
    let after_days = c.dist(
        Some(&n.after_days),
        "",
        &format!("{path}.after_days"),
        super::dist::Support::NonNegative,
    )?;
    Some(Nurture {
        share: n.share,
        after_days,
    })
}

/// Every number in the file whose magnitude is beyond
/// [`super::dist::MAX_MAGNITUDE`] (1e12), except `seed`: no real amount,
/// rate or duration comes near it, and beyond it samplers, sums and chart
/// axes lose the precision they need. One rule for every field, present and
/// future.
pub fn magnitudes(value: &serde_json::Value) -> FieldErrors {
    fn walk(v: &serde_json::Value, path: &mut String, errors: &mut FieldErrors) {
        match v {
            serde_json::Value::Number(n) => {
                let x = n.as_f64().unwrap_or(f64::INFINITY);
                if path != "seed" && x.abs() > super::dist::MAX_MAGNITUDE {
                    errors.push(
                        path.clone(),
                        format!(
                            "{x:e} is beyond the supported magnitude ({:e}): no amount, count, rate or duration comes near it",
                            super::dist::MAX_MAGNITUDE
                        ),
                    );
                }
            }
            serde_json::Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    let len = path.len();
                    path.push_str(&format!("[{i}]"));
                    walk(item, path, errors);
                    path.truncate(len);
                }
            }
            serde_json::Value::Object(map) => {
                for (k, item) in map {
                    let len = path.len();
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(k);
                    walk(item, path, errors);
                    path.truncate(len);
                }
            }
            _ => {}
        }
    }
    let mut errors = FieldErrors::default();
    walk(value, &mut String::new(), &mut errors);
    errors
}

/// `tiers`: levels named as tiers (new names are interned), in strictly
/// decreasing order of `min_revenue`.
fn tier_programme(c: &mut Checker, raw: &RawTiers, tiers: &mut Names) -> Option<TierProgramme> {
    let before = c.errors.len();
    let days = raw.review_days.unwrap_or(super::defaults::TIER_REVIEW_DAYS);
    if !(days.is_finite() && days >= MIN_REVIEW_DAYS) {
        c.fail(
            "tiers.review_days",
            format!("must be at least {MIN_REVIEW_DAYS} day, got {days}"),
        );
    }
    if raw.levels.is_empty() {
        c.fail("tiers.levels", "needs at least one level");
    }
    let mut levels = Vec::new();
    for (i, l) in raw.levels.iter().enumerate() {
        let path = format!("tiers.levels[{i}]");
        c.name(&format!("{path}.name"), &l.name, false);
        if !(l.min_revenue.is_finite() && l.min_revenue >= 0.0) {
            c.fail(
                format!("{path}.min_revenue"),
                format!("must be revenue >= 0, got {}", l.min_revenue),
            );
        }
        if i > 0 && l.min_revenue >= raw.levels[i - 1].min_revenue {
            c.fail(
                format!("{path}.min_revenue"),
                format!(
                    "levels must be listed from the highest `min_revenue` down: {} follows {}",
                    l.min_revenue,
                    raw.levels[i - 1].min_revenue
                ),
            );
        }
        if raw.levels[..i].iter().any(|o| o.name == l.name) {
            c.fail(
                format!("{path}.name"),
                format!("`{}` is listed twice", l.name),
            );
        }
        levels.push((tiers.intern(&l.name), l.min_revenue));
    }
    (c.errors.len() == before).then_some(TierProgramme {
        review_hours: days * HOURS_PER_DAY,
        levels,
    })
}
