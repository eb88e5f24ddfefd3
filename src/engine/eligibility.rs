//! Who may receive a lead (docs/scenario-format.md, "How a policy handles
//! one lead", step 2): each segment's pools, the partners eligible at a
//! moment (active, present, not full when full ones are skipped, within
//! the caps, not on the lead's history), the cap counters, and the picks
//! that bypass the rule (a registrant or incumbent, an exclusive
//! territory, the reserve).

use super::behaviour::PartnerState;
use super::history;
use super::leads::World;
use super::router::{Ctx, Note, Router, Source};
use crate::model::{Model, Policy, RegionMode, VerticalMode, WhenFull, MAX_SHARE_WARMUP};

impl Router {
    /// Fills `self.pools`: for each segment, the partners the policy's
    /// region and vertical rules allow (with whether they cover the
    /// vertical). These never change during a run, so the per-lead pass
    /// only visits partners that could take the lead.
    pub(super) fn build_pools(
        &mut self,
        model: &Model,
        policy: &Policy,
        world: &World,
        partners: &[PartnerState],
    ) {
        let e = policy.eligibility;
        self.pools.resize_with(model.leads.segments.len(), Vec::new);
        for (pool, segment) in self.pools.iter_mut().zip(&model.leads.segments) {
            pool.clear();
            for (p, partner) in model.partners.iter().enumerate() {
                let (region_ok, vertical_ok) = partner.covers(segment.region, segment.vertical);
                if (region_ok || e.region == RegionMode::Ignore)
                    && (vertical_ok || e.vertical != VerticalMode::Require)
                {
                    pool.push((p as u32, vertical_ok));
                }
            }
        }
        // When nothing can change who is eligible during the run (no caps,
        // no skipping full partners, nobody joining, away, or leaving), a
        // lead's first routing has the same candidates every time: the pool
        // with the vertical preference applied. Keep them ready.
        let caps = policy.caps;
        let partners_fixed = model
            .partners
            .iter()
            .all(|p| p.joins_hours.is_none() && p.away.is_empty() && !p.has_behaviour());
        let world_fixed = model.worlds[world.spec].events.iter().all(|e| {
            matches!(
                e.kind,
                crate::model::WorldEventKind::MarketSkew { .. }
                    | crate::model::WorldEventKind::Demand { .. }
            )
        });
        self.static_eligibility = partners_fixed
            && world_fixed
            && caps.max_share.is_none()
            && caps.per_day.is_none()
            && caps.per_period.is_none()
            && caps.when_full == WhenFull::Queue;
        self.fast.resize_with(model.leads.segments.len(), Vec::new);
        for (fast, pool) in self.fast.iter_mut().zip(&self.pools) {
            fast.clear();
            let prefer = e.vertical == VerticalMode::Prefer && pool.iter().any(|&(_, v)| v);
            fast.extend(pool.iter().filter(|&&(_, v)| v || !prefer).map(|&(p, _)| p));
        }
        for (segment, pool) in self.pools.iter().enumerate() {
            for (lists, preferred_only) in [
                (&mut self.pool_all, false),
                (&mut self.pool_preferred, true),
            ] {
                lists.resize_with(model.leads.segments.len(), Vec::new);
                lists[segment].clear();
                lists[segment].extend(
                    pool.iter()
                        .filter(|&&(_, v)| v || !preferred_only)
                        .map(|&(p, _)| p),
                );
            }
        }
        self.pool_masks = self.static_eligibility && model.partners.len() < 64;
        let mask = |list: &Vec<u32>| list.iter().fold(0, |m, &p| m | super::partner_bit(p));
        self.pool_all_mask.clear();
        self.pool_preferred_mask.clear();
        if self.pool_masks {
            self.pool_all_mask.extend(self.pool_all.iter().map(mask));
            self.pool_preferred_mask
                .extend(self.pool_preferred.iter().map(mask));
        }
        self.fill_tier_masks(policy, partners);
        // Turn pools: segments whose leads could ever go to the same
        // partners (the preference applied) share one rotation; segments
        // with different partners rotate independently, so one region's
        // flow never skips another region's partners.
        self.pool_of.clear();
        let mut ids: std::collections::HashMap<&[u32], u32> = std::collections::HashMap::new();
        for fast in &self.fast {
            let next = ids.len() as u32;
            self.pool_of
                .push(*ids.entry(fast.as_slice()).or_insert(next));
        }
        self.n_pools = ids.len().max(1);
        // First routings and re-routings (SLA take-backs, escalations,
        // exits) keep separate turns, per pool and score tier, so a
        // re-route never moves the turn of first routings.
        let states = policy.routing.tiers.len().max(1) * self.n_pools;
        self.rules.clear();
        self.rules
            .resize(2 * states, super::routing::RuleState::default());
    }

    /// Each `score_tiered` tier's partners as a mask, as their tiers stand
    /// (with the pools' masks; called again when tiers move).
    pub(super) fn fill_tier_masks(&mut self, policy: &Policy, partners: &[PartnerState]) {
        self.tier_masks.clear();
        if !self.pool_masks {
            return;
        }
        for tier in &policy.routing.tiers {
            let mask = partners
                .iter()
                .enumerate()
                .filter(|(_, ps)| tier.partner_tiers[ps.tier])
                .fold(0, |mask, (p, _)| mask | super::partner_bit(p as u32));
            self.tier_masks.push(mask);
        }
    }

    /// The lead's earlier holders and the partners offered it in this
    /// routing, as a mask (with the pools' masks).
    pub(super) fn history_mask(&self, c: &Ctx) -> u64 {
        let state = c.state;
        debug_assert_eq!(
            state.held_mask | state.offered_mask,
            history(c.held, state.held_head, c.offered, state.offered_head)
                .fold(0, |mask, p| mask | super::partner_bit(p)),
            "the masks follow the lists"
        );
        state.held_mask | state.offered_mask
    }

    /// Whether a choice among the pool less `skip` goes to the partners
    /// covering the lead's vertical: the policy prefers them and one is
    /// left (with the pools' masks).
    pub(super) fn prefers_specialists(&self, c: &Ctx, skip: u64) -> bool {
        let segment = c.segment;
        c.policy.eligibility.vertical == VerticalMode::Prefer
            && self.pool_preferred_mask[segment] & !skip != 0
    }

    /// For a first routing: the lead's registrant when the policy honours
    /// registrations, else its account's incumbent when the policy prefers
    /// incumbents, whichever is eligible.
    pub(super) fn account_pick(&mut self, c: &mut Ctx, t: f64) -> Option<u32> {
        let e = c.policy.eligibility;
        let of = |v: &[u32]| {
            v.get(c.lead as usize)
                .copied()
                .filter(|&p| p != super::NONE)
        };
        let wanted = [
            of(&c.world.registrant).filter(|_| e.honor_registration),
            of(&c.world.incumbent).filter(|_| e.prefer_incumbent),
        ];
        if wanted.iter().all(Option::is_none) {
            return None;
        }
        self.fill_eligible(c, t);
        let [registrant, _] = wanted;
        let chosen = wanted
            .into_iter()
            .flatten()
            .find(|p| self.candidates.contains(p))?;
        self.last_eligible = self.candidates.len() as u32;
        self.notes.push(Note::Account {
            partner: chosen,
            registration: registrant == Some(chosen),
        });
        Some(chosen)
    }

    /// The rule's choice among the eligible partners holding an exclusive
    /// territory the lead falls in, or `None` when there is none.
    pub(super) fn exclusive_pick(&mut self, c: &mut Ctx, t: f64) -> Option<u32> {
        self.fill_eligible(c, t);
        let mut holders = std::mem::take(&mut self.candidates);
        holders.retain(|&p| Router::holds_territory(c, p));
        self.candidates = holders;
        if self.candidates.is_empty() {
            return None;
        }
        let chosen = self.pick(c, Source::Candidates, 0)?;
        self.notes.push(Note::Exclusive { partner: chosen });
        Some(chosen)
    }

    /// The reserve's partner for a lead's first routing, when the lead is
    /// reserved (its own draw against `reserve.share`) and the reserve has
    /// an eligible partner: the least served per unit of capacity in the
    /// payout period (among partners that joined within `new_days` for
    /// `newest`), ties to the first in file order.
    pub(super) fn reserve_pick(&mut self, c: &mut Ctx, t: f64) -> Option<u32> {
        let reserve = c.policy.reserve?;
        let u = c
            .world
            .streams
            .uniform(super::rng::Purpose::Reserve, c.lead as u64, 0);
        if u >= reserve.share {
            return None;
        }
        self.fill_candidates(c, t);
        let period = (t / c.policy.payout.period_hours) as u64;
        let chosen = self
            .candidates
            .iter()
            .copied()
            .filter(|&p| match reserve.to {
                crate::model::ReserveTo::LeastServed => true,
                crate::model::ReserveTo::Newest { within_hours } => {
                    let joins = c.partners[p as usize].joins_hours;
                    joins > 0.0 && t - joins <= within_hours
                }
            })
            .map(|p| {
                let ps = &c.partners[p as usize];
                let kept = if ps.kept_period == period {
                    ps.kept_in_period
                } else {
                    0
                };
                (
                    p,
                    kept as f64 / c.holders[p as usize].capacity().max(1) as f64,
                )
            })
            .fold(None, |best: Option<(u32, f64)>, (p, v)| match best {
                Some((_, b)) if b <= v => best,
                _ => Some((p, v)),
            })
            .map(|(p, _)| p)?;
        self.last_eligible = self.candidates.len() as u32;
        self.notes.push(Note::Reserved { partner: chosen });
        Some(chosen)
    }

    /// The eligible partners for the lead at time `t`, into
    /// `self.candidates`: the pool less whoever is inactive, away, full
    /// (with `when_full: skip`), capped, or has held the lead before.
    pub(super) fn fill_candidates(&mut self, c: &mut Ctx, t: f64) {
        self.fill_eligible(c, t);
        if c.policy.eligibility.vertical == VerticalMode::Prefer && !self.preferred.is_empty() {
            std::mem::swap(&mut self.candidates, &mut self.preferred);
        }
    }

    /// The eligible partners into `self.candidates`, and those of
    /// them that cover the lead's vertical into `self.preferred`.
    pub(super) fn fill_eligible(&mut self, c: &mut Ctx, t: f64) {
        let model = c.model;
        let policy = c.policy;
        let (held_head, offered_head) = {
            let state = c.state;
            (state.held_head, state.offered_head)
        };
        let segment = c.segment;
        self.candidates.clear();
        self.preferred.clear();
        if self.static_eligibility {
            // Nobody's eligibility changes during the run: the pool less
            // the lead's own history (earlier holders, partners offered it
            // in this routing), a few entries taken out of a copy.
            let s = &mut *self;
            s.candidates.extend_from_slice(&s.pool_all[segment]);
            s.preferred.extend_from_slice(&s.pool_preferred[segment]);
            for p in history(c.held, held_head, c.offered, offered_head) {
                for list in [&mut s.candidates, &mut s.preferred] {
                    if let Some(i) = list.iter().position(|&c| c == p) {
                        list.remove(i);
                    }
                }
            }
            return;
        }
        let caps = policy.caps;
        let day = (t / 24.0) as u64;
        let period = (t / policy.payout.period_hours) as u64;
        let period_routed = if period == self.period {
            self.period_routed
        } else {
            0
        };
        // The lead's own history, marked once instead of searched per
        // partner.
        self.mark_history(c, true);
        for &(p, vertical_ok) in &self.pools[segment] {
            let ps = &c.partners[p as usize];
            if ps.left
                || t < ps.joins_hours
                || (ps.has_away && model.partners[p as usize].is_away(t))
            {
                continue;
            }
            let holder = &c.holders[p as usize];
            if caps.when_full == WhenFull::Skip && holder.is_full() {
                continue;
            }
            let count = &self.counts[p as usize];
            let day_leads = if count.day == day { count.day_leads } else { 0 };
            if caps.per_day.is_some_and(|cap| day_leads >= cap) {
                continue;
            }
            let period_leads = if count.period == period {
                count.period_leads
            } else {
                0
            };
            if caps.per_period.is_some_and(|cap| period_leads >= cap) {
                continue;
            }
            if let Some(share) = caps.max_share {
                let after = (period_leads + 1) as f64 / (period_routed + 1) as f64;
                if period_routed >= MAX_SHARE_WARMUP && after > share {
                    continue;
                }
            }
            if self.excluded[p as usize] {
                continue;
            }
            self.candidates.push(p);
            if vertical_ok {
                self.preferred.push(p);
            }
        }
        self.mark_history(c, false);
    }

    /// Sets (or clears) `Router::excluded` for the partners on the two
    /// lists that start at `held` and `offered`.
    pub(super) fn mark_history(&mut self, c: &Ctx, on: bool) {
        for p in history(c.held, c.state.held_head, c.offered, c.state.offered_head) {
            self.excluded[p as usize] = on;
        }
    }

    /// Counts an assignment to partner `p` at `t` for the caps.
    pub(super) fn count_assignment(&mut self, policy: &Policy, p: u32, t: f64) {
        let caps = policy.caps;
        if caps.max_share.is_none() && caps.per_day.is_none() && caps.per_period.is_none() {
            return;
        }
        let day = (t / 24.0) as u64;
        let period = (t / policy.payout.period_hours) as u64;
        if period != self.period {
            self.period = period;
            self.period_routed = 0;
        }
        self.period_routed += 1;
        let ps = &mut self.counts[p as usize];
        if ps.day != day {
            ps.day = day;
            ps.day_leads = 0;
        }
        ps.day_leads += 1;
        if ps.period != period {
            ps.period = period;
            ps.period_leads = 0;
        }
        ps.period_leads += 1;
    }

    /// Whether partner `p` holds an exclusive territory the lead falls in.
    pub(super) fn holds_territory(c: &Ctx, p: u32) -> bool {
        if !c.partners[p as usize].exclusive {
            return false;
        }
        let segment = &c.model.leads.segments[c.segment];
        match c.model.partners[p as usize].exclusive {
            Some(crate::model::Territory::Region(r)) => segment.region == Some(r),
            Some(crate::model::Territory::Vertical(v)) => segment.vertical == Some(v),
            None => false,
        }
    }
}
