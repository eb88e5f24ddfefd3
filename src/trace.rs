//! `leadsim trace`: a per-lead audit log of one policy in one replication,
//! answering "why did this lead go there?".
//!
//! An [`Observer`] records what the engine does to each lead; `render`
//! turns the records into CSV, one row per lead. The run it watches is the
//! same one `leadsim run` makes for that replication (same seed, same world).

use crate::engine::leads::draw_world;
use crate::engine::rng::{replication_seed, Streams};
use crate::engine::{simulate_observed, Observer, PolicyRun, Scratch, TakeBack};
use crate::model::Model;

/// What happened to one lead.
#[derive(Debug, Clone, Default)]
pub struct LeadTrace {
    pub arrival_hours: f64,
    pub segment: u32,
    pub score: f64,
    /// Each routing decision, in order, for people to read.
    pub decisions: Vec<String>,
    pub sla_takebacks: u32,
    /// Hours spent waiting in holders' queues.
    pub queued_hours: f64,
    pub first_contact_hours: Option<f64>,
    /// Index of the holder at the end (a partner, or the house).
    pub holder: Option<u32>,
    pub outcome: &'static str,
    pub revenue: f64,
    pub payouts: f64,
    queued_since: Option<f64>,
}

/// Records every lead's story.
pub struct Recorder<'m> {
    model: &'m Model,
    rule: String,
    pub leads: Vec<LeadTrace>,
}

impl<'m> Recorder<'m> {
    pub fn new(model: &'m Model, policy: usize) -> Self {
        let routing = &model.policies[policy].routing;
        let rule = if routing.tiers.is_empty() {
            routing.rule.name().to_string()
        } else {
            format!("score_tiered/{}", routing.rule.name())
        };
        Recorder {
            model,
            rule,
            leads: Vec::new(),
        }
    }

    fn holder_name(&self, holder: u32) -> &str {
        self.model
            .partners
            .get(holder as usize)
            .map_or("house", |p| p.name.as_str())
    }

    fn lead(&mut self, lead: u32) -> &mut LeadTrace {
        let i = lead as usize;
        if self.leads.len() <= i {
            self.leads.resize_with(i + 1, LeadTrace::default);
        }
        &mut self.leads[i]
    }
}

impl Observer for Recorder<'_> {
    fn arrived(&mut self, time: f64, lead: u32, score: f64) {
        let l = self.lead(lead);
        l.arrival_hours = time;
        l.score = score;
    }
    fn below_threshold(&mut self, _time: f64, lead: u32) {
        self.lead(lead).outcome = "below_threshold";
    }
    fn assigned(&mut self, time: f64, lead: u32, holder: u32, eligible: u32) {
        let name = self.holder_name(holder).to_string();
        let text = if (holder as usize) < self.model.partners.len() {
            format!(
                "{time:.2}h {} among {eligible} eligible -> {name}",
                self.rule
            )
        } else if self
            .lead(lead)
            .decisions
            .last()
            .is_some_and(|d| d.ends_with("applies"))
        {
            format!("{time:.2}h -> house")
        } else {
            format!("{time:.2}h no partner eligible -> house")
        };
        let l = self.lead(lead);
        l.decisions.push(text);
        l.holder = Some(holder);
    }
    fn queued(&mut self, time: f64, lead: u32, _holder: u32) {
        self.lead(lead).queued_since = Some(time);
    }
    fn started(&mut self, time: f64, lead: u32, _holder: u32) {
        let l = self.lead(lead);
        if let Some(since) = l.queued_since.take() {
            l.queued_hours += time - since;
        }
    }
    fn taken_back(&mut self, time: f64, lead: u32, _holder: u32, why: TakeBack) {
        let l = self.lead(lead);
        if let Some(since) = l.queued_since.take() {
            l.queued_hours += time - since;
        }
        match why {
            TakeBack::Sla => {
                l.sla_takebacks += 1;
                l.decisions
                    .push(format!("{time:.2}h SLA deadline passed, taken back"));
            }
            TakeBack::PartnerLeft => l
                .decisions
                .push(format!("{time:.2}h holder left the programme, taken back")),
        }
    }
    fn contacted(&mut self, time: f64, lead: u32, _holder: u32, opportunity: bool) {
        let l = self.lead(lead);
        l.first_contact_hours = Some(time);
        if !opportunity {
            l.outcome = "disqualified";
        }
    }
    fn closed(&mut self, _time: f64, lead: u32, _holder: u32, won: bool, revenue: f64) {
        let l = self.lead(lead);
        l.outcome = if won { "won" } else { "lost" };
        l.revenue = revenue;
    }
    fn paid(&mut self, _time: f64, lead: u32, _holder: u32, amount: f64) {
        self.lead(lead).payouts += amount;
    }
    fn moved(&mut self, time: f64, lead: u32, _from: u32, to: u32) {
        let name = self.holder_name(to).to_string();
        let l = self.lead(lead);
        l.decisions
            .push(format!("{time:.2}h holder acquired: moved to {name}"));
        l.holder = Some(to);
    }
    fn escalated(&mut self, time: f64, lead: u32) {
        self.lead(lead).decisions.push(format!(
            "{time:.2}h re-routes used up: the SLA's `then` applies"
        ));
    }
    fn unrouted(&mut self, _time: f64, lead: u32) {
        self.lead(lead).outcome = "unrouted";
    }
    fn dropped(&mut self, time: f64, lead: u32) {
        let l = self.lead(lead);
        l.outcome = "dropped";
        l.decisions.push(format!("{time:.2}h dropped"));
    }
}

/// Runs replication `replication` of policy `policy` in world `world` (an
/// index into `model.worlds`) and records it.
pub fn trace(
    model: &Model,
    seed: u64,
    policy: usize,
    world: usize,
    replication: u64,
) -> (Vec<LeadTrace>, PolicyRun) {
    let world = draw_world(
        model,
        replication,
        Streams::new(replication_seed(seed, replication)),
        world,
    );
    let mut recorder = Recorder::new(model, policy);
    let run = simulate_observed(
        model,
        &model.policies[policy],
        &world,
        &mut Scratch::default(),
        &mut recorder,
    );
    let mut leads = recorder.leads;
    leads.resize_with(world.leads.len(), LeadTrace::default);
    for (l, lead) in leads.iter_mut().zip(&world.leads) {
        l.segment = lead.segment;
    }
    (leads, run)
}

/// The trace as CSV, one row per lead (the first `limit` leads, if given).
pub fn render(model: &Model, leads: &[LeadTrace], limit: Option<usize>) -> Vec<u8> {
    use crate::report::csv::text_cell;
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
    ])
    .expect("writing to memory");
    let hours = |h: f64| format!("{h:.3}");
    for (i, l) in leads.iter().enumerate().take(limit.unwrap_or(usize::MAX)) {
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
            format!("{:.4}", l.score),
            text_cell(&l.decisions.join(" | ")),
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
        ])
        .expect("writing to memory");
    }
    w.into_inner().expect("writing to memory")
}
