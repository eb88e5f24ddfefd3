//! The coordinator's event handlers: what happens when a first contact is
//! made, an opportunity closes, an SLA deadline passes, an offer is
//! answered or its window closes, a partner reviews its earnings or its
//! tier, a stress world's partner event comes, a partner's own lead
//! arrives, MDF buys leads, a nurtured lead returns, or a partner signs.
//! Each handler checks that its event still applies (the lead's attempt
//! and phase), then calls the parts.

use super::deal::{self, Deal};
use super::events::EventKind;
use super::leads::rescore;
use super::offers::{Offer, Reply};
use super::rng::Purpose;
use super::sim::{team_of, Sim};
use super::sourced::{arrivals_end, mdf_leads};
use super::{listed, Event, LeadState, Observer, Phase, TakeBack, NONE};
use crate::model::WorldEventKind;

impl<'a, O: Observer + ?Sized> Sim<'a, '_, O> {
    pub(super) fn handle(&mut self, t: f64, kind: EventKind) {
        match kind {
            EventKind::Contact { lead, attempt } => self.contact(lead, attempt, t),
            EventKind::Deadline { lead, attempt } => self.deadline(lead, attempt, t),
            EventKind::Close { lead } => self.close(lead, t),
            EventKind::Review => self.review(t),
            EventKind::World { event } => self.world_event(event as usize, t),
            EventKind::Join { partner } => self.sign(partner, t),
            EventKind::ExclusivityReview => self.review_exclusivity(t),
            EventKind::TierReview => self.review_tiers(t),
            EventKind::Return { lead } => self.come_back(lead, t),
            EventKind::Sourced { lead } => self.sourced_arrives(lead, t),
            EventKind::MdfReview => self.review_mdf(t),
            EventKind::OfferAnswer {
                lead,
                attempt,
                round,
                reply,
            } => self.offer_answer(lead, attempt, round, reply, t),
            EventKind::OfferExpire {
                lead,
                attempt,
                round,
            } => self.offer_expired(lead, attempt, round, t),
        }
    }

    pub(super) fn contact(&mut self, lead: u32, attempt: u16, t: f64) {
        let st = self.scratch.lead_states[lead as usize];
        if st.attempt != attempt || st.phase != Phase::Working {
            return;
        }
        let the_lead = self.lead(lead);
        let delay = t - st.arrived_at;
        let hour = crate::calendar::hour_of_week(self.model.start_weekday, st.arrived_at);
        let holder = st.holder;
        let is_partner = self.is_partner(holder);
        // Partner tallies, learning and per-lead fees are for the leads the
        // policy gives partners, not their own.
        let routed_partner = is_partner && !st.sourced;
        if st.counted {
            self.scratch.ttfc.push(delay);
        }
        self.tally(lead).contacted(hour, delay);
        if routed_partner {
            let period = (t / self.policy.payout.period_hours) as u64;
            self.scratch.partner_states[holder as usize].kept(period);
            let value = st.score * the_lead.deal_size;
            self.tally(lead).partners[holder as usize].kept(value, delay);
            self.scratch.learning[holder as usize].responded(t - st.assigned_at);
            let payout = self.payout_of(holder);
            let bonus = self
                .scratch
                .money
                .first_contact(holder, payout, t, t - st.assigned_at);
            self.pay(t, lead, holder, bonus);
        }
        if let Some(reach) = &self.model.decay.reach {
            let u = self.world.streams.uniform(Purpose::Reach, lead as u64, 0);
            if u >= reach.at(delay) {
                self.tell(t, Event::Unreached { lead, holder });
                self.tally(lead).outcomes.unreached += 1;
                self.scratch.lead_states[lead as usize].phase = Phase::Done;
                if routed_partner {
                    self.scratch.learning[holder as usize].resolved(false);
                }
                self.free_slot(holder, t);
                return;
            }
        }
        let skill = self.world.skills[holder as usize];
        let qualify_rate = (skill.qualify_rate + self.enabled(holder, t).0).min(1.0);
        let p_opportunity = (the_lead.quality * qualify_rate * self.effort(holder)).min(1.0)
            * self.fit(lead, holder)
            * self.model.decay.qualify.at(delay);
        let u = self.world.streams.uniform(Purpose::Qualify, lead as u64, 0);
        self.tell(
            t,
            Event::Contacted {
                lead,
                holder,
                opportunity: u < p_opportunity,
            },
        );
        if u < p_opportunity {
            self.tally(lead).opportunities += 1;
            self.scratch.lead_states[lead as usize].phase = Phase::Opportunity;
            if routed_partner {
                self.tally(lead).partners[holder as usize].opportunities += 1;
                self.scratch.partner_states[holder as usize].opportunities += 1;
                let payout = self.payout_of(holder);
                let fee = self.scratch.money.qualified_lead(holder, payout, t);
                self.pay(t, lead, holder, fee);
            }
            let co_sell = self.policy.co_sell.is_some_and(|c| {
                is_partner
                    && the_lead.deal_size * team_of(self.model, holder).deal_size_factor
                        >= c.min_deal_size
            });
            if co_sell {
                self.start_co_sell(lead, t);
            } else {
                let work_hours = self.work_hours(lead, holder);
                self.scratch
                    .calendar
                    .schedule(t + work_hours, EventKind::Close { lead });
            }
            if !team_of(self.model, holder).opportunities_hold_slots {
                self.scratch.lead_states[lead as usize].slot_released = true;
                self.free_slot(holder, t);
            }
        } else {
            if st.sourced || !self.nurture(lead, t) {
                self.tally(lead).outcomes.disqualified += 1;
                self.scratch.lead_states[lead as usize].phase = Phase::Done;
            }
            if routed_partner {
                self.scratch.learning[holder as usize].resolved(false);
            }
            self.free_slot(holder, t);
        }
    }

    /// An opportunity closes at `t`: won or lost ([`Self::decide`]), the
    /// holder learns of it, a win is booked ([`Self::book_win`]), and the
    /// holder's slot (and a co-sold deal's house slot) comes free.
    pub(super) fn close(&mut self, lead: u32, t: f64) {
        let st = self.scratch.lead_states[lead as usize];
        if st.phase != Phase::Opportunity {
            // A sourced opportunity its partner took with it when it left.
            debug_assert!(st.sourced && st.phase == Phase::Done);
            return;
        }
        let holder = st.holder;
        let (won, discount) = self.decide(lead, &st, t);
        if self.is_partner(holder) && !st.sourced {
            self.scratch.learning[holder as usize].resolved(won);
        }
        let revenue = if won {
            self.book_win(lead, &st, discount, t)
        } else {
            self.tally(lead).outcomes.lost += 1;
            0.0
        };
        self.tell(
            t,
            Event::Closed {
                lead,
                holder,
                won,
                revenue,
            },
        );
        self.scratch.lead_states[lead as usize].phase = Phase::Done;
        if !st.slot_released {
            self.free_slot(holder, t);
        }
        if st.co_sell {
            let house = self.house.expect("co-selling needs a house (validated)");
            self.free_slot(house, t);
        }
    }

    /// Whether the buyer signs the lead's deal, and at what discount: the
    /// holder's win rate (with enablement, an incumbent's factor, the fit
    /// and co-selling), then its discount, which a disciplined partner
    /// keeps within its payout's `max_discount`, and the margin floor,
    /// which renegotiates a deal beyond the approved discount (won then
    /// with `floor_win_factor`).
    pub(super) fn decide(&mut self, lead: u32, st: &LeadState, t: f64) -> (bool, f64) {
        let deal = self.deal(lead, st, t);
        let closing = deal.close(&self.world.streams, lead);
        if closing.renegotiated {
            let (holder, won) = (st.holder, closing.won);
            self.tell(t, Event::Renegotiated { lead, holder, won });
        }
        (closing.won, closing.discount)
    }

    /// What closing the lead's deal depends on: the holder's win rate
    /// (with enablement, an incumbent's factor, the fit and co-selling),
    /// its team, and a partner's discount discipline.
    fn deal(&self, lead: u32, st: &LeadState, t: f64) -> Deal<'a> {
        let holder = st.holder;
        let skill = self.world.skills[holder as usize];
        let win_rate = (skill.win_rate + self.enabled(holder, t).1).min(1.0);
        let co_sell = self.policy.co_sell.filter(|_| st.co_sell);
        // An incumbent wins its own accounts more (or less) often.
        let incumbent = self.world.incumbent.get(lead as usize) == Some(&holder);
        let win_rate = if incumbent {
            win_rate * self.model.economics.incumbent_win_factor
        } else {
            win_rate
        };
        Deal {
            team: team_of(self.model, holder),
            win_chance: win_rate * self.fit(lead, holder) * co_sell.map_or(1.0, |c| c.win_factor),
            // A disciplined partner keeps within the payout's
            // `max_discount` (where commission stops).
            discipline: self
                .model
                .partners
                .get(holder as usize)
                .map(|p| (self.payout_of(holder).max_discount, p.discount_discipline)),
            economics: &self.model.economics,
        }
    }

    /// A won deal: its revenue (the lead's deal size, the holder's factor,
    /// less the discount), whether it churns, the run's and partners'
    /// tallies, and a partner's pay ([`Self::pay_win`]). Returns the
    /// revenue.
    pub(super) fn book_win(&mut self, lead: u32, st: &LeadState, discount: f64, t: f64) -> f64 {
        let holder = st.holder;
        let econ = self.model.economics;
        let team = team_of(self.model, holder);
        let revenue = self.lead(lead).deal_size * team.deal_size_factor * (1.0 - discount);
        let churned = deal::churns(&econ, &self.world.streams, lead, discount);
        let run = self.tally(lead);
        run.churned += churned as u32;
        if churned {
            run.churned_revenue += revenue * econ.churn_revenue_loss;
        }
        run.outcomes.won += 1;
        run.revenue += revenue;
        if st.sourced {
            run.sourced_revenue += revenue;
            run.partners[holder as usize].sourced_revenue += revenue;
        }
        run.discount_sum += discount;
        // The lead's first partner: the tail of its list of holders.
        let head = self.scratch.lead_states[lead as usize].held_head;
        if let Some(p) = listed(&self.scratch.held, head).last() {
            self.tally(lead).partners[p as usize].first_wins += 1;
        }
        if self.is_partner(holder) {
            let share = self
                .policy
                .co_sell
                .filter(|_| st.co_sell)
                .map(|c| c.partner_share);
            self.pay_win(lead, holder, (revenue, discount), share, churned, t);
        }
        revenue
    }

    /// A partner's pay on a won deal: commission (its `share` when
    /// co-sold), the SPIFFs running for the lead's segment, the clawback
    /// when the deal churns, and MDF; with the tallies they feed.
    pub(super) fn pay_win(
        &mut self,
        lead: u32,
        holder: u32,
        (revenue, discount): (f64, f64),
        share: Option<f64>,
        churned: bool,
        t: f64,
    ) {
        let payout = self.payout_of(holder);
        self.scratch.partner_states[holder as usize].window_revenue += revenue;
        let (deal, clawback) =
            self.scratch
                .money
                .won_deal(holder, payout, t, (revenue, discount), share, churned);
        self.pay(t, lead, holder, deal.commission);
        let segment = self.lead(lead).segment as usize;
        for spiff in &self.policy.spiffs {
            if spiff.segments[segment] && t >= spiff.from_hours && t < spiff.to_hours {
                let payout = self.payout_of(holder);
                let paid = self.scratch.money.spiff(holder, payout, t, spiff.amount);
                self.tell(
                    t,
                    Event::Spiff {
                        lead,
                        holder,
                        amount: paid,
                    },
                );
                self.pay(t, lead, holder, paid);
            }
        }
        self.earn(holder, t, -clawback);
        let run = self.tally(lead);
        run.mdf += deal.mdf;
        run.clawbacks += clawback;
        let tally = &mut run.partners[holder as usize];
        tally.wins += 1;
        tally.revenue += revenue;
        tally.clawbacks += clawback;
    }

    pub(super) fn deadline(&mut self, lead: u32, attempt: u16, t: f64) {
        let st = self.scratch.lead_states[lead as usize];
        if st.attempt != attempt {
            return;
        }
        match st.phase {
            // Left in the queue as a stale entry; `queued` counts live ones.
            Phase::Queued => self.scratch.holders.forget_queued(st.holder),
            Phase::Working if st.contact_at > t => self.free_slot(st.holder, t),
            _ => return,
        }
        self.tally(lead).sla_breaches += 1;
        if let Some(ps) = self.scratch.partner_states.get_mut(st.holder as usize) {
            ps.breached();
        }
        self.tell(
            t,
            Event::TakenBack {
                lead,
                holder: st.holder,
                why: TakeBack::Sla,
            },
        );
        // The partner was at least this slow, and the lead is lost to it.
        let learned = &mut self.scratch.learning[st.holder as usize];
        learned.responded(self.sla_hours);
        learned.resolved(false);
        self.reroute(lead, t, true);
    }

    /// A nurtured lead comes back as a new arrival: the same lead (same
    /// quality and deal size), scored afresh from new signals, with no
    /// history of holders.
    pub(super) fn come_back(&mut self, lead: u32, t: f64) {
        let quality = self.lead(lead).quality;
        let mut noise = self.world.streams.rng(Purpose::Nurture, lead as u64, 2);
        let score = rescore(self.model, self.policy, quality, &mut noise);
        self.tally(lead).recycled += 1;
        self.scratch.lead_states[lead as usize].come_back(t, score);
        self.tell(t, Event::CameBack { lead, score });
        self.enter(lead, t);
    }

    /// The signing bonus, counted in the metrics when paid within the
    /// run's window (after the warm-up).
    pub(super) fn sign(&mut self, p: u32, t: f64) {
        if self.scratch.partner_states[p as usize].left {
            return;
        }
        let amount = self.payout_of(p).signing_bonus;
        if amount <= 0.0 {
            return;
        }
        self.tell(t, Event::Signed { partner: p, amount });
        let run = self.at(t);
        run.payouts += amount;
        run.partners[p as usize].payouts += amount;
        self.earn(p, t, amount);
    }

    /// The answer that decides the round, if nothing has changed since:
    /// an acceptance assigns the lead, the last refusal starts the next
    /// round. A partner that left since the offer does neither: its answer
    /// is passed over.
    pub(super) fn offer_answer(&mut self, lead: u32, attempt: u16, round: u16, reply: u32, t: f64) {
        let st = self.scratch.lead_states[lead as usize];
        if st.phase != Phase::Offered || st.attempt != attempt || st.round != round {
            return;
        }
        let (partner, Reply { accept, .. }) = self.scratch.offers.get(reply);
        let gone = self
            .scratch
            .partner_states
            .get(partner as usize)
            .is_some_and(|p| p.left);
        if accept && gone {
            return self.schedule_decision(lead, Some((t, reply)));
        }
        if !accept && gone {
            // Everyone answered, the last from a partner that has left:
            // the round waits for its window to close.
            return self.schedule_expiry(lead, attempt, round, st.round_since);
        }
        self.count_refusals(lead, Some((t, reply)));
        if accept {
            if st.counted {
                self.scratch.accept_times.push(t - st.routing_since);
            }
            let st = &mut self.scratch.lead_states[lead as usize];
            st.phase = Phase::Unassigned;
            st.pending = 0;
            if st.rerouted {
                self.assign(lead, partner, t);
            } else {
                self.first_assignment(lead, partner, t);
            }
        } else {
            // Everyone asked said no: the next round at once.
            self.offer_round(lead, t);
        }
    }

    pub(super) fn offer_expired(&mut self, lead: u32, attempt: u16, round: u16, t: f64) {
        let st = self.scratch.lead_states[lead as usize];
        if st.phase != Phase::Offered || st.attempt != attempt || st.round != round {
            return;
        }
        self.count_refusals(lead, None);
        let timeouts = self.scratch.offers.timeouts(&st);
        self.tally(lead).offer_timeouts += timeouts;
        self.tell(t, Event::OffersExpired { lead });
        self.offer_round(lead, t);
    }

    /// `partner`'s answer to the offer of the lead in `round` at `t`
    /// ([`Offer::answer`]).
    pub(super) fn reply(
        &mut self,
        lead: u32,
        partner: u32,
        round: u16,
        t: f64,
        window: f64,
    ) -> Reply {
        let st = &self.scratch.lead_states[lead as usize];
        let offer = Offer {
            team: team_of(self.model, partner),
            full: !self.scratch.holders.has_room(partner),
            accept_rate: self.world.skills[partner as usize].accept_rate,
            score: st.score,
            lead,
            // One draw per (lead, routing, round, partner): paired across
            // policies that make the same offer.
            key: ((st.attempt as u64) << 40) | ((round as u64) << 24) | partner as u64,
        };
        offer.answer(
            &self.world.streams,
            self.scratch.holders.span(partner),
            t,
            window,
        )
    }

    /// Puts on the calendar what decides the lead's round next, after the
    /// answer `after` (see [`Decider`]).
    pub(super) fn schedule_decision(&mut self, lead: u32, after: Option<(f64, u32)>) {
        let st = &self.scratch.lead_states[lead as usize];
        let next = self.scratch.offers.decision(st, after);
        self.schedule_next(lead, next);
    }

    /// Counts the round's refusals that came up to `until` (all of them
    /// when `None`), and tells the observer, in the order they came.
    #[inline(always)]
    pub(super) fn count_refusals(&mut self, lead: u32, until: Option<(f64, u32)>) {
        let st = &self.scratch.lead_states[lead as usize];
        let ordered = self.observer.hears_refusals();
        let (count, refusals) = self.scratch.offers.refusals(st, until, ordered);
        for (at, partner) in refusals {
            self.observer.event(at, Event::Rejected { lead, partner });
        }
        self.tally(lead).rejections += count;
    }

    pub(super) fn review(&mut self, t: f64) {
        let econ = self.model.economics;
        for (p, partner) in self.model.partners.iter().enumerate() {
            let ps = &mut self.scratch.partner_states[p];
            if ps.left || !partner.has_joined(t) {
                continue;
            }
            // Money received by now (`pay_lag_days`).
            let earnings = self.scratch.money.take_received(p, t);
            let leaves = ps.review(partner, earnings, econ.reference_earnings_per_lead);
            self.observer.event(
                t,
                Event::Reviewed {
                    partner: p as u32,
                    received: earnings,
                    effort: ps.effort,
                },
            );
            if leaves {
                self.leave(p as u32, t);
            }
        }
    }

    /// Each partner whose starting tier is a level moves to the level its
    /// won revenue since the last review reaches; `weighted`'s weights
    /// follow.
    pub(super) fn review_tiers(&mut self, t: f64) {
        let Some(programme) = &self.model.tier_programme else {
            return;
        };
        let n_tiers = self.model.tiers.len();
        for (p, partner) in self.model.partners.iter().enumerate() {
            let ps = &mut self.scratch.partner_states[p];
            if ps.left || !partner.has_joined(t) || programme.rank(partner.tier).is_none() {
                ps.window_revenue = 0.0;
                continue;
            }
            let days = &mut self.scratch.tier_days[p * n_tiers..][..n_tiers];
            let Some((from, to)) = ps.review_tier(programme, t, days) else {
                continue;
            };
            let run = self.at(t);
            if programme.rank(to) < programme.rank(from) {
                run.promoted += 1;
            } else {
                run.demoted += 1;
            }
            let weight = self.policy.routing.weight_of(p, to);
            self.scratch.router.set_weight(p, weight);
            self.tell(
                t,
                Event::TierChanged {
                    partner: p as u32,
                    from,
                    to,
                },
            );
        }
        let s = &mut *self.scratch;
        s.router.fill_tier_masks(self.policy, &s.partner_states);
    }

    /// A partner whose results since the start break a guardrail (once it
    /// has worked [`EXCLUSIVITY_MIN_LEADS`] leads, or had that many under
    /// an SLA) loses its exclusivity for good.
    pub(super) fn review_exclusivity(&mut self, t: f64) {
        let ex = self.policy.exclusivity;
        for p in 0..self.scratch.partner_states.len() {
            let ps = &mut self.scratch.partner_states[p];
            if ps.exclusive && !ps.left && ps.breaks_guardrails(&ex) {
                ps.exclusive = false;
                self.run.partners[p].exclusivity_revoked_at = Some(t);
                self.observer
                    .event(t, Event::ExclusivityRevoked { partner: p as u32 });
            }
        }
        let any = self.scratch.partner_states.iter().any(|p| p.exclusive);
        self.scratch.router.set_exclusive_any(any);
    }

    /// Partner `p` leaves at `t`: it takes no new leads, finishes the leads
    /// it is working, and its queue is routed again; its own (sourced)
    /// leads leave with it, worked or not.
    pub(super) fn leave(&mut self, p: u32, t: f64) {
        self.scratch.partner_states[p as usize].left = true;
        self.run.partners[p as usize].left_at_hours = Some(t);
        self.take_sourced(p, t);
        let queue = self.scratch.holders.take_queue(p);
        for &(lead, attempt) in &queue {
            let st = self.scratch.lead_states[lead as usize];
            if st.phase == Phase::Queued && st.attempt == attempt && st.holder == p {
                self.scratch.holders.forget_queued(p);
                self.tell(
                    t,
                    Event::TakenBack {
                        lead,
                        holder: p,
                        why: super::TakeBack::PartnerLeft,
                    },
                );
                self.reroute(lead, t, false);
            }
        }
        debug_assert_eq!(self.scratch.holders.queued(p), 0);
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
    pub(super) fn consolidate(&mut self, acquirer: u32, acquired: u32, t: f64) {
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

    pub(super) fn move_lead(&mut self, t: f64, lead: u32, to: u32) {
        let st = &mut self.scratch.lead_states[lead as usize];
        self.observer.event(
            t,
            Event::Moved {
                lead,
                from: st.holder,
                to,
            },
        );
        super::push_partner(
            &mut self.scratch.held,
            &mut st.held_head,
            &mut st.held_mask,
            to,
        );
        st.holder = to;
    }

    /// A sourced lead arrives: its partner (or the partner that acquired
    /// it) takes it. A partner that has left takes its leads with it: they
    /// never arrive.
    pub(super) fn sourced_arrives(&mut self, lead: u32, t: f64) {
        let mut p = self.scratch.lead_states[lead as usize].holder;
        while self.scratch.partner_states[p as usize].left {
            p = self.scratch.partner_states[p as usize].successor;
            if p == NONE {
                return;
            }
        }
        let counted = t >= self.model.warmup_hours;
        let st = &mut self.scratch.lead_states[lead as usize];
        *st = LeadState {
            holder: st.holder,
            sourced: true,
            ..LeadState::arriving(st.score, t, counted)
        };
        let run = self.tally(lead);
        run.leads += 1;
        run.sourced += 1;
        run.partners[p as usize].sourced += 1;
        let segment = self.lead(lead).segment;
        self.tell(
            t,
            Event::Sourced {
                lead,
                partner: p,
                segment,
            },
        );
        self.assign(lead, p, t);
    }

    /// At the end of a payout period each partner's MDF received in it buys
    /// `leads_per_mdf_1000` leads per 1,000, a Poisson number spread
    /// evenly over the next period.
    pub(super) fn review_mdf(&mut self, t: f64) {
        let period = self.policy.payout.period_hours;
        let index = (t / period).round() as u64;
        let end = arrivals_end(self.model);
        for p in 0..self.model.partners.len() {
            let per_unit = self.model.partners[p].leads_per_mdf;
            let mdf = self.scratch.money.take_mdf(p);
            let ps = &self.scratch.partner_states[p];
            let mean = per_unit * mdf;
            if ps.left || mean <= 0.0 {
                continue;
            }
            let mut rng = self.world.streams.rng(Purpose::Mdf, p as u64, index);
            let mix = std::mem::take(&mut self.scratch.sourced_mix[p]);
            mdf_leads(self.model, &mix, &mut rng, mean, (t, period), |lead| {
                if lead.arrival_hours < end {
                    self.scratch.add_sourced(p as u32, lead);
                }
            });
            self.scratch.sourced_mix[p] = mix;
        }
    }

    /// Partner `p` leaves at `t` with its own leads still open: each ends
    /// as dropped, and its deal size counts as pipeline lost.
    pub(super) fn take_sourced(&mut self, p: u32, t: f64) {
        let first = self.world.leads.len();
        for lead in first..self.scratch.lead_states.len() {
            let st = self.scratch.lead_states[lead];
            if !st.sourced
                || st.holder != p
                || !matches!(
                    st.phase,
                    Phase::Queued | Phase::Working | Phase::Opportunity
                )
            {
                continue;
            }
            let holders = &mut self.scratch.holders;
            match st.phase {
                // Its entry in the queue is skipped now that it is done.
                Phase::Queued => holders.forget_queued(p),
                Phase::Working => holders.release_slot(p),
                _ => {
                    if !st.slot_released {
                        holders.release_slot(p);
                    }
                    if st.co_sell {
                        self.leave_co_sell(lead as u32, t);
                    }
                }
            }
            let value = self.lead(lead as u32).deal_size
                * self.model.partners[p as usize].team.deal_size_factor;
            let run = self.tally(lead as u32);
            run.outcomes.dropped += 1;
            run.sourced_pipeline_lost += value;
            self.scratch.lead_states[lead].phase = Phase::Done;
            self.tell(t, Event::Dropped { lead: lead as u32 });
        }
    }

    /// A co-sold opportunity leaves: the house slot it held (or its place
    /// in the house's queue) is given up.
    pub(super) fn leave_co_sell(&mut self, lead: u32, t: f64) {
        let house = self.house.expect("co-selling needs a house (validated)");
        let st = &mut self.scratch.lead_states[lead as usize];
        if std::mem::take(&mut st.co_sell_waiting) {
            self.scratch.holders.forget_queued(house);
        } else {
            self.free_slot(house, t);
        }
    }
}
