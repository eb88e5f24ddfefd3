//! Stress events that change the partner network mid-run (docs/scenario-format.md,
//! "Stress worlds"): a partner exits, one partner acquires another, a partner joins late.
//! Arrival surges and market skews change the leads, not the partners, and
//! live in `leads.rs`.

use super::events::EventKind;
use super::{Observer, Phase, Sim};
use crate::model::WorldEventKind;

impl<O: Observer + ?Sized> Sim<'_, '_, O> {
    /// Applies joins at once and puts exits and consolidations on the
    /// calendar.
    pub(super) fn schedule_world_events(&mut self) {
        let spec = &self.model.worlds[self.world.spec];
        for (i, e) in spec.events.iter().enumerate() {
            match e.kind {
                WorldEventKind::PartnerJoin { partner } => {
                    self.scratch.partner_states[partner].joins_hours = e.hours;
                    self.run.partners[partner].active_at_start = e.hours <= 0.0;
                }
                WorldEventKind::PartnerExit { .. } | WorldEventKind::Consolidation { .. } => {
                    self.scratch
                        .calendar
                        .schedule(e.hours, EventKind::World { event: i as u16 });
                }
                WorldEventKind::MarketSkew { .. } | WorldEventKind::Demand { .. } => {}
            }
        }
    }

    pub(super) fn world_event(&mut self, index: usize, t: f64) {
        match self.model.worlds[self.world.spec].events[index].kind {
            WorldEventKind::PartnerExit { partner }
                if !self.scratch.partner_states[partner].left =>
            {
                self.leave(partner as u32, t);
            }
            WorldEventKind::Consolidation { acquirer, acquired } => {
                self.consolidate(acquirer as u32, acquired as u32, t)
            }
            _ => {}
        }
    }

    /// `acquired` stops taking leads; its queue, its open work and its
    /// capacity move to `acquirer`, whose other parameters stay its own.
    /// Work in progress keeps its schedule; what happens at its next step
    /// (qualification, the close, payouts) is the acquirer's.
    fn consolidate(&mut self, acquirer: u32, acquired: u32, t: f64) {
        if self.scratch.partner_states[acquired as usize].left {
            return;
        }
        if self.scratch.partner_states[acquirer as usize].left {
            // An acquirer that already left cannot take anything on.
            self.leave(acquired, t);
            return;
        }
        self.scratch.partner_states[acquired as usize].left = true;
        self.scratch.partner_states[acquired as usize].successor = acquirer;
        self.run.partners[acquired as usize].left_at_hours = Some(t);

        // Open work: the acquirer now holds it (and has held it, for re-routing).
        for lead in 0..self.scratch.lead_states.len() {
            let st = self.scratch.lead_states[lead];
            if st.holder == acquired && matches!(st.phase, Phase::Working | Phase::Opportunity) {
                self.move_lead(t, lead as u32, acquirer);
            }
        }
        // Its capacity and the leads it works go to the acquirer; its
        // queue, in its order, after the acquirer's own.
        let queue = self.scratch.holders.absorb(acquired, acquirer);
        for (lead, attempt) in queue {
            let st = self.scratch.lead_states[lead as usize];
            if st.phase == Phase::Queued && st.attempt == attempt && st.holder == acquired {
                self.move_lead(t, lead, acquirer);
                self.scratch.holders.enqueue(acquirer, lead, attempt);
            }
        }
        self.fill_slots(acquirer, t);
    }

    fn move_lead(&mut self, t: f64, lead: u32, to: u32) {
        let st = &mut self.scratch.lead_states[lead as usize];
        self.observer.moved(t, lead, st.holder, to);
        super::push_partner(
            &mut self.scratch.held,
            &mut st.held_head,
            &mut st.held_mask,
            to,
        );
        st.holder = to;
    }
}
