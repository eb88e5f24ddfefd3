//! `leadsim trace`'s CSV: one row per lead, its routing decisions in words.

use super::csv::text_cell;
use crate::analyses::trace::{Decision, LeadTrace, ToHouse};
use crate::model::Model;

/// The rule as the trace names it: `least_loaded`, or
/// `score_tiered/round_robin` for a tiered policy.
fn rule_name(model: &Model, policy: usize) -> String {
    let routing = &model.policies[policy].routing;
    if routing.tiers.is_empty() {
        routing.rule.name().to_string()
    } else {
        format!("score_tiered/{}", routing.rule.name())
    }
}

/// One decision for a person: "12.50h least_loaded among 4 eligible ->
/// Contoso".
fn words<'m>(d: &Decision, rule: &str, holder: impl Fn(u32) -> &'m str) -> String {
    match *d {
        Decision::Offered { hours, partner } => {
            format!("{hours:.2}h offered to {}", holder(partner))
        }
        Decision::Refused { hours, partner } => {
            format!("{hours:.2}h {} refused", holder(partner))
        }
        Decision::OffersExpired {
            hours,
            ref partners,
        } => {
            let names: Vec<&str> = partners.iter().map(|&p| holder(p)).collect();
            format!("{hours:.2}h no answer from {}", names.join(", "))
        }
        Decision::Routed {
            hours,
            partner,
            eligible,
        } => format!(
            "{hours:.2}h {rule} among {eligible} eligible -> {}",
            holder(partner)
        ),
        Decision::ToHouse { hours, why } => match why {
            ToHouse::Escalated => format!("{hours:.2}h -> house"),
            ToHouse::NoneEligible => format!("{hours:.2}h no partner eligible -> house"),
            ToHouse::OffersRanOut => {
                format!("{hours:.2}h offers ran out: nobody asked took it -> house")
            }
        },
        Decision::SlaTakeBack { hours } => format!("{hours:.2}h SLA deadline passed, taken back"),
        Decision::HolderLeft { hours } => {
            format!("{hours:.2}h holder left the programme, taken back")
        }
        Decision::Moved { hours, to } => {
            format!("{hours:.2}h holder acquired: moved to {}", holder(to))
        }
        Decision::Escalated { hours } => {
            format!("{hours:.2}h re-routes used up: the SLA's `then` applies")
        }
        Decision::Dropped { hours } => format!("{hours:.2}h dropped"),
        Decision::Exclusive { hours, partner } => {
            format!("{hours:.2}h exclusive territory of {}", holder(partner))
        }
        Decision::ExclusivityRevoked { hours, partner } => format!(
            "{hours:.2}h {} lost its exclusivity at the review (a guardrail broken)",
            holder(partner)
        ),
        Decision::Spiff { hours, amount } => format!("{hours:.2}h SPIFF paid: {amount:.2}"),
        Decision::Nurtured { hours, back } => {
            format!("{hours:.2}h nurtured: back at {back:.2}h")
        }
        Decision::CameBack { hours, score } => {
            format!("{hours:.2}h back from nurture, score {score:.4}")
        }
        Decision::CoSold { hours } => {
            format!("{hours:.2}h big deal: co-sold with the house")
        }
        Decision::TierChanged {
            hours,
            partner,
            promoted,
            ref to,
        } => format!(
            "{hours:.2}h {} {} to {to} at the tier review",
            holder(partner),
            if promoted { "promoted" } else { "demoted" }
        ),
        Decision::Reserved { hours, partner } => {
            format!("{hours:.2}h reserve -> {}", holder(partner))
        }
        Decision::Account {
            hours,
            partner,
            registration,
        } => format!(
            "{hours:.2}h {} -> {}",
            if registration {
                "registration honoured"
            } else {
                "incumbent preferred"
            },
            holder(partner)
        ),
        Decision::Conflict { hours, registrant } => format!(
            "{hours:.2}h channel conflict: registered to {}",
            holder(registrant)
        ),
        Decision::Renegotiated { hours, won } => format!(
            "{hours:.2}h discount beyond the approved maximum renegotiated: {}",
            if won { "signed" } else { "lost" }
        ),
    }
}

/// The trace as CSV, one row per lead that arrived, in order of arrival
/// (the first `limit` leads, if given).
/// The first columns of a trace's header line.
const TRACE_HEADER: &[u8] = b"lead,arrival_hours,segment,";

/// Whether a file's first bytes are a trace's (so `trace` may replace it).
pub fn is_trace(head: &[u8]) -> bool {
    head.starts_with(TRACE_HEADER)
}

pub fn render(model: &Model, policy: usize, leads: &[LeadTrace], limit: Option<usize>) -> Vec<u8> {
    let rule = rule_name(model, policy);
    let holder = |h: u32| {
        model
            .partners
            .get(h as usize)
            .map_or("house", |p| p.name.as_str())
    };
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "lead",
        "arrival_hours",
        "segment",
        "region",
        "vertical",
        "score",
        "decisions",
        "sla_takebacks",
        "queued_hours",
        "first_contact_hours",
        "ttfc_hours",
        "holder",
        "outcome",
        "revenue",
        "payouts",
        "source",
    ])
    .expect("writing to memory");
    let hours = |h: f64| format!("{h:.3}");
    // A partner's own leads are numbered after the vendor's: in order of
    // arrival they fall among them (a stable sort keeps ties in id order).
    let mut rows: Vec<(usize, &LeadTrace)> = leads
        .iter()
        .enumerate()
        .filter(|(_, l)| l.arrived)
        .collect();
    rows.sort_by(|a, b| a.1.arrival_hours.total_cmp(&b.1.arrival_hours));
    for (i, l) in rows.into_iter().take(limit.unwrap_or(usize::MAX)) {
        let segment = &model.leads.segments[l.segment as usize];
        w.write_record([
            i.to_string(),
            hours(l.arrival_hours),
            text_cell(&segment.name),
            segment
                .region
                .map_or(String::new(), |r| text_cell(&model.regions[r])),
            segment
                .vertical
                .map_or(String::new(), |v| text_cell(&model.verticals[v])),
            // A partner's own lead is not scored.
            match l.sourced_by {
                Some(_) => String::new(),
                None => format!("{:.4}", l.score),
            },
            text_cell(
                &l.decisions
                    .iter()
                    .map(|d| words(d, &rule, holder))
                    .collect::<Vec<_>>()
                    .join(" | "),
            ),
            l.sla_takebacks.to_string(),
            hours(l.queued_hours),
            l.first_contact_hours.map_or(String::new(), hours),
            l.first_contact_hours
                .map_or(String::new(), |c| hours(c - l.arrival_hours)),
            l.holder.map_or(String::new(), |h| {
                model
                    .partners
                    .get(h as usize)
                    .map_or("house".into(), |p| text_cell(&p.name))
            }),
            l.outcome.to_string(),
            format!("{:.2}", l.revenue),
            format!("{:.2}", l.payouts),
            l.sourced_by.map_or("vendor".into(), |p| {
                text_cell(&format!("sourced by {}", holder(p)))
            }),
        ])
        .expect("writing to memory");
    }
    w.into_inner().expect("writing to memory")
}
