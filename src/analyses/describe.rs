//! `leadsim validate`'s account of what a scenario would simulate.

use std::fmt::Write;

use crate::model::{Curve, Model, Policy, RegionMode, SlaThen, VerticalMode, WhenFull};

fn names(model_names: &[String], mask: &[bool]) -> String {
    if mask.iter().all(|&b| b) {
        return "all".into();
    }
    let picked: Vec<&str> = model_names
        .iter()
        .zip(mask)
        .filter(|(_, &b)| b)
        .map(|(n, _)| n.as_str())
        .collect();
    if picked.is_empty() {
        "none".into()
    } else {
        picked.join(", ")
    }
}

/// A plain-text description of the model, for a person checking a file:
/// the run, the leads, the house and the tier programme, the partners,
/// and each policy.
pub fn describe(model: &Model) -> String {
    let mut o = String::new();
    run(&mut o, model);
    leads(&mut o, model);
    house(&mut o, model);
    partners(&mut o, model);
    demand(&mut o, model);
    let _ = writeln!(o, "\npolicies ({}):", model.policies.len());
    for p in &model.policies {
        policy(&mut o, model, p);
        policy_extras(&mut o, model, p);
    }
    o
}

/// The scenario, its horizon, window and economics.
fn run(o: &mut String, model: &Model) {
    let _ = writeln!(o, "scenario `{}`", model.name);
    if !model.description.is_empty() {
        let _ = writeln!(o, "  {}", model.description);
    }
    let _ = writeln!(
        o,
        "horizon {} days, {} replications, seed {}, baseline `{}`",
        model.horizon_hours / 24.0,
        model.replications,
        model.seed,
        model.policies[model.baseline].name
    );
    let _ = writeln!(
        o,
        "window: {}",
        crate::format::window(
            model.horizon_days(),
            model.warmup_hours / 24.0,
            model.readout_hours.map(|h| h / 24.0)
        )
    );
    let e = &model.economics;
    if e.churn_rate > 0.0 {
        let _ = writeln!(
            o,
            "churn: {:.0} % of won customers (more with discounts), losing {:.0} % of their revenue",
            e.churn_rate * 100.0,
            e.churn_revenue_loss * 100.0
        );
    }
}

/// The leads: arrivals, their pattern and week, signals, accounts and
/// registrations, segments.
fn leads(o: &mut String, model: &Model) {
    let e = &model.economics;
    let _ = writeln!(
        o,
        "\nleads: {} per day",
        model.leads.arrivals_per_hour * 24.0
    );
    if let Some(p) = &model.leads.arrival_pattern {
        let _ = writeln!(
            o,
            "  arrivals shaped by weekday ({}) and UTC hour, weekly mean kept",
            p.weekdays
                .iter()
                .map(|w| format!("{w}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if model.start_weekday != 0 {
        let _ = writeln!(
            o,
            "  day 0 is a {}",
            crate::calendar::WEEKDAYS[model.start_weekday as usize]
        );
    }
    if model.decay.reach.is_some() || matches!(model.decay.qualify, Curve::Points(_)) {
        let _ = writeln!(
            o,
            "  speed to lead: qualify {}; reach {}",
            curve(&model.decay.qualify),
            model.decay.reach.as_ref().map_or("always".into(), curve)
        );
    }
    let signals: Vec<String> = model
        .leads
        .signals
        .iter()
        .map(|s| format!("{} (noise {})", s.name, s.noise))
        .collect();
    let _ = writeln!(o, "  signals: {}", signals.join(", "));
    if model.leads.existing_account_share > 0.0 {
        let _ = writeln!(
            o,
            "  {:.0}% from existing accounts, each with an incumbent partner (its win rate there x{})",
            model.leads.existing_account_share * 100.0,
            e.incumbent_win_factor
        );
    }
    if model.leads.registered_share > 0.0 {
        let _ = writeln!(
            o,
            "  {:.0}% match a partner's deal registration",
            model.leads.registered_share * 100.0
        );
    }
    for s in &model.leads.segments {
        let region = s.region.map_or("any", |r| model.regions[r].as_str());
        let vertical = s.vertical.map_or("any", |v| model.verticals[v].as_str());
        let _ = writeln!(
            o,
            "  segment {:<20} share {:>5.1}%  region {:<8} vertical {:<10} mean quality {:.2}  mean deal {:.0}",
            s.name,
            s.share * 100.0,
            region,
            vertical,
            s.quality.mean(),
            s.deal_size.mean()
        );
    }
}

/// The house and the tier programme.
fn house(o: &mut String, model: &Model) {
    let e = &model.economics;
    match &model.house {
        Some(h) => {
            let _ = writeln!(
                o,
                "\nhouse: capacity {}, mean response {:.1} h, {}",
                h.capacity,
                h.response_hours.mean(),
                if e.house_cost_per_lead > 0.0 {
                    format!("costs {} a lead", e.house_cost_per_lead)
                } else {
                    "free (no `cost_per_lead`)".to_string()
                }
            );
            team_extras(o, h);
        }
        None => {
            let _ = writeln!(o, "\nhouse: none (leads no partner can take are unrouted)");
        }
    }
    if let Some(programme) = &model.tier_programme {
        let levels: Vec<String> = programme
            .levels
            .iter()
            .map(|&(t, min)| format!("{} from {min}", model.tiers[t]))
            .collect();
        let _ = writeln!(
            o,
            "\ntiers move every {} days on won revenue: {}",
            programme.review_hours / 24.0,
            levels.join(", ")
        );
    }
}

/// Leads a team can take a day: each slot is held from assignment to
/// first contact (mean response) and, when opportunities hold slots, for
/// the qualified share (qualify rate x the leads' mean quality, at once:
/// an upper bound, as slower contact qualifies fewer) of the mean work
/// time after it; the clock runs around the week (working hours make it
/// fewer).
pub fn leads_per_day(team: &crate::model::Team, mean_quality: f64) -> f64 {
    let mut hold = team.response_hours.mean();
    if team.opportunities_hold_slots {
        hold += team.qualify_rate.mean() * mean_quality * team.work_days.mean() * 24.0;
    }
    team.capacity as f64 * 24.0 / hold.max(1e-9)
}

/// Demand against capacity per region: the vendor's leads a day in the
/// region (from the segments' shares) against what its partners can take
/// (a partner in several regions counted in each at an even share); where
/// demand is higher, queues grow whatever the policy.
fn demand(o: &mut String, model: &Model) {
    if model.regions.is_empty() {
        return;
    }
    let per_day = model.leads.arrivals_per_hour * 24.0;
    let mean_quality: f64 = model
        .leads
        .segments
        .iter()
        .map(|s| s.share * s.quality.mean())
        .sum();
    let _ = writeln!(
        o,
        "\ndemand against capacity (leads a day; capacity = slots x 24 / mean hours a slot is held; a partner in several regions counted in each at an even share):"
    );
    for (r, region) in model.regions.iter().enumerate() {
        let demand: f64 = model
            .leads
            .segments
            .iter()
            .filter(|s| s.region == Some(r))
            .map(|s| s.share * per_day)
            .sum();
        let capacity: f64 = model
            .partners
            .iter()
            .filter(|p| p.covers_region.get(r).copied().unwrap_or(false))
            .map(|p| {
                let regions = p.covers_region.iter().filter(|c| **c).count().max(1);
                leads_per_day(&p.team, mean_quality) / regions as f64
            })
            .sum();
        let verdict = if demand > capacity {
            format!(
                "SHORT by {:.1} a day: partners' queues grow whatever the policy{}",
                demand - capacity,
                if model.house.is_some() {
                    ", unless re-routing to the house takes the rest"
                } else {
                    ""
                }
            )
        } else {
            format!("ok ({:.0}% used)", 100.0 * demand / capacity.max(1e-9))
        };
        let _ = writeln!(
            o,
            "  {region:<12} demand {demand:>8.1}  capacity {capacity:>8.1}  {verdict}"
        );
    }
}

/// The partners, one line each.
fn partners(o: &mut String, model: &Model) {
    let _ = writeln!(o, "\npartners ({}):", model.partners.len());
    for p in &model.partners {
        let _ = writeln!(
            o,
            "  {:<18} tier {:<8} capacity {:>4}  regions {:<16} verticals {:<28} qualify {:.2}  win {:.2}  mean response {:.1} h",
            p.name,
            model.tiers[p.tier],
            p.team.capacity,
            names(&model.regions, &p.covers_region),
            names(&model.verticals, &p.covers_vertical),
            p.team.qualify_rate.mean(),
            p.team.win_rate.mean(),
            p.team.response_hours.mean()
        );
        team_extras(o, &p.team);
        match p.exclusive {
            Some(crate::model::Territory::Region(r)) => {
                let _ = writeln!(o, "    exclusive region {}", model.regions[r]);
            }
            Some(crate::model::Territory::Vertical(v)) => {
                let _ = writeln!(o, "    exclusive vertical {}", model.verticals[v]);
            }
            None => {}
        }
        if p.discount_discipline > 0.0 {
            let _ = writeln!(
                o,
                "    keeps within a payout's max_discount {:.0}% of the time",
                p.discount_discipline * 100.0
            );
        }
        if p.sourced_per_hour > 0.0 || p.leads_per_mdf > 0.0 {
            let mdf = if p.leads_per_mdf > 0.0 {
                format!(
                    ", and {} more per 1000 of MDF received in a payout period",
                    p.leads_per_mdf * 1000.0
                )
            } else {
                String::new()
            };
            let _ = writeln!(
                o,
                "    sources {} leads a day of its own{mdf}",
                p.sourced_per_hour * 24.0
            );
        }
    }
}

/// A policy's line: its rule, threshold, eligibility, capacity, SLA and
/// payout.
fn policy(o: &mut String, model: &Model, p: &Policy) {
    let rule = if p.routing.tiers.is_empty() {
        p.routing.rule.name().to_string()
    } else {
        format!(
            "score_tiered ({} tiers, then {})",
            p.routing.tiers.len(),
            p.routing.rule.name()
        )
    };
    let sla = match p.sla {
        None => "no SLA".to_string(),
        Some(s) => {
            format!(
                "SLA {} {}h, {} reroute(s), then {}",
                s.first_contact_hours,
                if s.clock == crate::model::SlaClock::Business {
                    "working "
                } else {
                    ""
                },
                s.max_reroutes,
                match s.then {
                    SlaThen::House => "house".to_string(),
                    SlaThen::Drop => "drop".to_string(),
                    SlaThen::Pool => {
                        let members: Vec<&str> = model
                            .partners
                            .iter()
                            .zip(&p.escalation_pool)
                            .filter(|(_, &m)| m)
                            .map(|(q, _)| q.name.as_str())
                            .collect();
                        format!("escalate to {} (else house)", members.join(", "))
                    }
                }
            ) + &s
                .reroute_rule
                .map_or(String::new(), |r| format!(", re-routes by {}", r.name()))
        }
    };
    let _ = writeln!(
        o,
        "  {:<18} {}; threshold {}; region {}, vertical {}; {}; {}; {} commission bracket(s), {} per qualified lead",
        p.name,
        rule,
        p.scoring.threshold,
        if p.eligibility.region == RegionMode::Require { "required" } else { "ignored" },
        match p.eligibility.vertical {
            VerticalMode::Require => "required",
            VerticalMode::Prefer => "preferred",
            VerticalMode::Ignore => "ignored",
        },
        if p.caps.when_full == WhenFull::Skip { "full partners skipped" } else { "full partners queue" },
        sla,
        p.payout.commission.len(),
        p.payout.per_qualified_lead
    );
}

/// A policy's other constructs (reserve, exclusivity, programme,
/// nurture, enablement, co-selling, pay lag, signing bonus, offers), on
/// the lines after its own.
fn policy_extras(o: &mut String, model: &Model, p: &Policy) {
    let mut extras = Vec::new();
    if let Some(r) = p.reserve {
        extras.push(format!(
            "reserve {:.0}% to {}",
            r.share * 100.0,
            match r.to {
                crate::model::ReserveTo::LeastServed => "the least served".to_string(),
                crate::model::ReserveTo::Newest { within_hours } =>
                    format!("partners new within {} days", within_hours / 24.0),
            }
        ));
    }
    if model.partners.iter().any(|q| q.exclusive.is_some()) {
        let ex = p.exclusivity;
        extras.push(if !ex.honor {
            "exclusive territories ignored".to_string()
        } else if ex.min_lead_to_opportunity.is_none() && ex.max_sla_breach_rate.is_none() {
            "exclusive territories honoured".to_string()
        } else {
            format!(
                "exclusive territories honoured, reviewed every {} days",
                ex.review_hours / 24.0
            )
        });
    }
    if !p.payout_by_tier.is_empty() {
        extras.push("payout by tier".to_string());
    }
    if !p.spiffs.is_empty() {
        extras.push(format!("{} SPIFF(s)", p.spiffs.len()));
    }
    if model.leads.registered_share > 0.0 {
        extras.push(
            if p.eligibility.honor_registration {
                "registrations honoured"
            } else {
                "registrations ignored"
            }
            .to_string(),
        );
    }
    if model.leads.existing_account_share > 0.0 && p.eligibility.prefer_incumbent {
        extras.push("incumbents preferred".to_string());
    }
    if let Some(n) = &p.nurture {
        extras.push(format!(
            "nurtures {:.0}% of discarded leads, back after {:.0} days on average",
            n.share * 100.0,
            n.after_days.mean()
        ));
    }
    if let Some(e) = p.enablement {
        extras.push(format!(
            "enablement {} a partner a period",
            e.per_partner_per_period
        ));
    }
    if let Some(c) = p.co_sell {
        extras.push(format!(
            "co-sells deals from {} with the house",
            c.min_deal_size
        ));
    }
    if p.payout.pay_lag_days() > 0.0 {
        extras.push(format!(
            "pays {} days after earning",
            p.payout.pay_lag_days()
        ));
    }
    if p.payout.signing_bonus > 0.0 {
        extras.push(format!("signing bonus {}", p.payout.signing_bonus));
    }
    if !extras.is_empty() {
        let _ = writeln!(o, "  {:<18} {}", "", extras.join("; "));
    }
    if let Some(offer) = p.offer {
        let _ = writeln!(
            o,
            "  {:<18} offers: {}, {} h window, {} round(s)",
            "",
            match offer.mode {
                crate::model::OfferMode::Single => "single".to_string(),
                crate::model::OfferMode::Broadcast => format!("broadcast to {}", offer.to),
            },
            offer.window_hours,
            offer.max_rounds
        );
    }
}

/// A speed-to-lead curve, in a few words.
fn curve(c: &Curve) -> String {
    match c {
        Curve::HalfLife {
            half_life_hours,
            floor,
        } => format!("half-life {half_life_hours} h, floor {floor}"),
        Curve::Points(points) => points
            .iter()
            .map(|(h, m)| format!("{m} at {h} h"))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// The lines of a team's second-edition fields, only where they differ from
/// the defaults (so a first-edition scenario reads as before).
fn team_extras(o: &mut String, team: &crate::model::Team) {
    if let Some(h) = &team.hours {
        let days: Vec<&str> = crate::calendar::WEEKDAYS
            .iter()
            .zip(h.days)
            .filter(|(_, on)| *on)
            .map(|(d, _)| *d)
            .collect();
        let _ = writeln!(
            o,
            "    works {} {}-{} at UTC{:+}{}",
            days.join(","),
            h.from,
            h.to,
            h.utc_offset,
            if h.holidays.is_empty() {
                String::new()
            } else {
                format!(", {} holiday(s)", h.holidays.len())
            }
        );
    }
    let accept = team.accept_rate.mean();
    if accept < 1.0
        || team.selectivity > 0.0
        || team.accept_hours.mean() > 0.0
        || team.reject_when_full
    {
        let _ = writeln!(
            o,
            "    offers: accepts {:.0}%, answers in {:.1} h on average, selectivity {}{}",
            accept * 100.0,
            team.accept_hours.mean(),
            team.selectivity,
            if team.reject_when_full {
                ", refuses when full"
            } else {
                ""
            }
        );
    }
    if !team.opportunities_hold_slots {
        let _ = writeln!(o, "    slots freed at first contact");
    }
}
