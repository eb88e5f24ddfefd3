//! Routing (docs/scenario-format.md, "How a policy handles one lead",
//! steps 2 and 3): the part that chooses who gets a lead. [`Router`] owns
//! routing's state from run to run; the coordinator lends it a [`Ctx`]
//! (what it reads of the run) and hears what it did besides choosing
//! through [`Router::notes`]. Who may receive a lead is `eligibility.rs`;
//! the rules' own choices among the eligible are `routing.rs`.
//!
//! Cost per lead is one pass over the partners plus the rule's pass over the
//! candidates.

use super::behaviour::PartnerState;
use super::holders::Holder;
use super::lead::LeadState;
use super::leads::World;
use super::routing::{Candidates, Choice, Learning, RuleState};
use crate::model::{Model, Policy, Rule, VerticalMode};

/// Where a choice's candidates are.
#[derive(Clone, Copy)]
pub(super) enum Source {
    /// A first routing's fixed candidates for the lead's segment.
    Fast,
    /// `Router::candidates`, as `fill_candidates` left them.
    Candidates,
    /// `Router::preferred`: in a ranking, the candidates that cover the
    /// lead's vertical, while any is left.
    Preferred,
    /// The segment's pool (its partners covering the lead's vertical when
    /// `preferred`) less the partners in `skip`, with the pools' masks.
    Pool { skip: u64, preferred: bool },
}

/// Where a ranking's candidate lists are: `Router::candidates` and
/// `Router::preferred` (filled by `fill_eligible`), or the segment's pools
/// less the partners in `skip` (with the pools' masks).
#[derive(Clone, Copy)]
pub(super) enum Lists {
    Scratch,
    Pool { skip: u64 },
}

/// Routing's own state, kept from run to run so routing does not allocate:
/// the pools each segment's leads may go to, the rules' memories, the cap
/// counters, and the lists a choice is made from. The coordinator asks it
/// for a choice ([`Router::route`], [`Router::rank`],
/// [`Router::route_to_pool`]) with a [`Ctx`] that lends it what it reads,
/// and hears what it did through [`Router::notes`].
#[derive(Debug, Default)]
pub(super) struct Router {
    /// Per segment: partners the policy's region and vertical rules allow.
    pub(super) pools: Vec<Vec<(u32, bool)>>,
    /// Per segment: its turn pool, an index shared by every segment whose
    /// leads could go to exactly the same partners (`round_robin` keeps one
    /// turn per pool; docs/scenario-format.md, "Routing").
    pub(super) pool_of: Vec<u32>,
    /// How many distinct turn pools there are.
    pub(super) n_pools: usize,
    /// Rule memory per (tier, pool), `[tier * n_pools + pool]`, for first
    /// routings in the first half and for re-routings (`sla.reroute_rule`,
    /// or the policy's) in the second: a re-route never moves the turn of
    /// first routings.
    pub(super) rules: Vec<RuleState>,
    /// Per segment: a first routing's candidates, when they cannot change.
    pub(super) fast: Vec<Vec<u32>>,
    /// Per segment: the pool's partners, and those of them that cover the
    /// segment's vertical (what `fill_eligible` finds when eligibility
    /// cannot change and nobody has held or been offered the lead).
    pub(super) pool_all: Vec<Vec<u32>>,
    pub(super) pool_preferred: Vec<Vec<u32>>,
    /// The same lists as bit masks (partner `p` is bit `p`), when there are
    /// fewer than 64 partners and eligibility cannot change: a routing's
    /// candidates are then a mask less the lead's history
    /// (`Candidates::Bits`), with no list copied.
    pub(super) pool_all_mask: Vec<u64>,
    pub(super) pool_preferred_mask: Vec<u64>,
    /// With the pools' masks: each `score_tiered` tier's partners, as bits.
    pub(super) tier_masks: Vec<u64>,
    /// `weighted`'s weight of each partner, as its current tier gives it.
    pub(super) weights: Vec<f64>,
    /// The eligible partners, and those of them covering the lead's
    /// vertical (filled by `fill_eligible`).
    pub(super) candidates: Vec<u32>,
    pub(super) preferred: Vec<u32>,
    /// A tier's candidates.
    pub(super) in_tier: Vec<u32>,
    /// In a ranking, the candidates that do not cover the lead's vertical.
    pub(super) others: Vec<u32>,
    /// Per partner: on the history of the lead being routed (all false
    /// between routings).
    pub(super) excluded: Vec<bool>,
    /// Per partner: the cap counters (assignments on a day and in a payout
    /// period).
    pub(super) counts: Vec<CapCount>,
    /// Partner assignments in the current payout period (for `max_share`).
    pub(super) period: u64,
    pub(super) period_routed: u32,
    /// Whether eligibility can change during the run (see `build_pools`).
    pub(super) static_eligibility: bool,
    /// Eligibility cannot change and there are fewer than 64 partners: the
    /// pools' masks are filled.
    pub(super) pool_masks: bool,
    /// Some partner holds an exclusive territory.
    pub(super) exclusive_any: bool,
    /// Partners eligible at the last routing decision (for observers).
    pub(super) last_eligible: u32,
    /// What the last call did beyond its choice, in order, for the
    /// coordinator to tell the observer and count.
    pub(super) notes: Vec<Note>,
}

/// A partner's assignments on `day` and in payout `period` (the caps).
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct CapCount {
    pub(super) day: u64,
    pub(super) day_leads: u32,
    pub(super) period: u64,
    pub(super) period_leads: u32,
}

/// What a routing did besides choosing, for the coordinator.
#[derive(Debug, Clone, Copy)]
pub(super) enum Note {
    /// The lead went to `partner` because it registered the deal
    /// (`registration`) or holds the account.
    Account { partner: u32, registration: bool },
    /// The lead went (or was offered) to `partner` under its exclusive
    /// territory.
    Exclusive { partner: u32 },
    /// The reserve chose `partner`, bypassing the rule.
    Reserved { partner: u32 },
}

/// What routing reads of the run: the scenario, the lead being routed and
/// its history, the partners' and holders' states, and the learning
/// rules' posteriors (which their draws update).
pub(super) struct Ctx<'a> {
    pub model: &'a Model,
    pub policy: &'a Policy,
    pub world: &'a World,
    pub lead: u32,
    pub segment: usize,
    pub state: &'a LeadState,
    pub held: &'a [(u32, u32)],
    pub offered: &'a [(u32, u32)],
    pub partners: &'a [PartnerState],
    pub holders: &'a [Holder],
    pub learning: &'a mut [Learning],
}

impl Router {
    /// Ready for a run of `policy` in `world`: pools, rule memories, tier
    /// masks, weights and cap counters.
    pub(super) fn start(
        &mut self,
        model: &Model,
        policy: &Policy,
        world: &World,
        partners: &[PartnerState],
    ) {
        let n = model.partners.len();
        self.excluded.clear();
        self.excluded.resize(n + 1, false);
        self.counts.clear();
        self.counts.resize(n, CapCount::default());
        self.period = 0;
        self.period_routed = 0;
        self.last_eligible = 0;
        self.notes.clear();
        self.weights.clear();
        self.weights.extend_from_slice(&policy.routing.weights);
        self.exclusive_any = false;
        self.build_pools(model, policy, world, partners);
    }

    /// Partner `p`'s `weighted` weight from now on (its tier moved).
    pub(super) fn set_weight(&mut self, p: usize, weight: f64) {
        self.weights[p] = weight;
    }

    /// Whether any partner holds an exclusive territory, from now on.
    pub(super) fn set_exclusive_any(&mut self, any: bool) {
        self.exclusive_any = any;
    }

    /// Nobody was eligible for the last decision (an escalation to `then`,
    /// offers run out).
    pub(super) fn nobody_eligible(&mut self) {
        self.last_eligible = 0;
    }

    /// Picks a partner for the lead among the eligible ones at time `t`, or
    /// `None`.
    pub(super) fn route(&mut self, c: &mut Ctx, t: f64) -> Option<u32> {
        let state = c.state;
        let first = state.held_head == super::NONE && state.offered_head == super::NONE;
        if first {
            if let Some(p) = self.account_pick(c, t) {
                return Some(p);
            }
        }
        if self.exclusive_any {
            if let Some(p) = self.exclusive_pick(c, t) {
                return Some(p);
            }
        }
        if first && c.policy.reserve.is_some() {
            if let Some(p) = self.reserve_pick(c, t) {
                return Some(p);
            }
        }
        if self.pool_masks && !self.exclusive_any {
            // The pool less the lead's history (none on a first routing),
            // its specialists while any is left, as `fill_candidates` would
            // list them.
            let skip = self.history_mask(c);
            let preferred = self.prefers_specialists(c, skip);
            return self.pick(c, Source::Pool { skip, preferred }, 0);
        }
        if self.static_eligibility && first && !self.exclusive_any {
            return self.pick(c, Source::Fast, 0);
        }
        self.fill_candidates(c, t);
        self.pick(c, Source::Candidates, 0)
    }

    /// The policy's rule (or `reroute_rule`) among the escalation pool's
    /// eligible members that have not held the lead (the vertical
    /// preference applied among them); a uniform draw among them when the
    /// rule excludes them all; `None` when there is none.
    pub(super) fn route_to_pool(&mut self, c: &mut Ctx, t: f64) -> Option<u32> {
        debug_assert!(c.state.offered_head == super::NONE && c.state.offered_n == 0);
        self.fill_eligible(c, t);
        let s = &mut *self;
        let pool = &c.policy.escalation_pool;
        s.candidates.retain(|&p| pool[p as usize]);
        s.preferred.retain(|&p| pool[p as usize]);
        if c.policy.eligibility.vertical == VerticalMode::Prefer && !s.preferred.is_empty() {
            std::mem::swap(&mut s.candidates, &mut s.preferred);
        }
        if let Some(p) = self.pick(c, Source::Candidates, 0) {
            return Some(p);
        }
        // The rule excludes every eligible member (weights of 0, a score
        // below every tier): the pool exists to take these leads, so one
        // member is drawn uniformly.
        let candidates = &self.candidates;
        if candidates.is_empty() {
            return None;
        }
        let attempt = c.state.attempt as u64;
        let u = c.world.streams.uniform(
            crate::engine::rng::Purpose::Route,
            c.lead as u64,
            super::routing::draw_key(attempt, 0),
        );
        let i = ((u * candidates.len() as f64) as usize).min(candidates.len() - 1);
        self.last_eligible = candidates.len() as u32;
        Some(candidates[i])
    }

    /// The rule's first `k` choices for the lead at `t`, best first, into
    /// `out`: exactly what `k` calls of [`Self::route`] would choose if each
    /// choice were excluded before the next (as an offer round does), with
    /// one pass over the partners instead of `k`.
    pub(super) fn rank(&mut self, c: &mut Ctx, t: f64, k: u32, out: &mut Vec<u32>) {
        out.clear();
        let state = c.state;
        let state_first = state.held_head == super::NONE && state.offered_head == super::NONE;
        // The registrant or incumbent, then the reserve's partner, are
        // offered first; the rule ranks the rest.
        let account = if state_first {
            self.account_pick(c, t)
        } else {
            None
        };
        let reserved = if state_first && c.policy.reserve.is_some() {
            self.reserve_pick(c, t)
        } else {
            None
        };
        let prefer = c.policy.eligibility.vertical == VerticalMode::Prefer;
        if self.pool_masks && !self.exclusive_any {
            // The pools less the lead's history and the choices so far.
            let mut skip = self.history_mask(c);
            if let Some(p) = account {
                out.push(p);
                skip |= super::partner_bit(p);
            }
            if let Some(p) = reserved.filter(|p| !out.contains(p) && out.len() < k as usize) {
                out.push(p);
                skip |= super::partner_bit(p);
            }
            if out.len() < k as usize
                && self.rank_at_once(c, prefer, k as usize, out, Lists::Pool { skip })
            {
                return;
            }
            for _ in out.len()..k as usize {
                let preferred = self.prefers_specialists(c, skip);
                let Some(p) = self.pick(c, Source::Pool { skip, preferred }, out.len()) else {
                    break;
                };
                out.push(p);
                skip |= super::partner_bit(p);
            }
            return;
        }
        self.fill_eligible(c, t);
        if let Some(p) = account {
            out.push(p);
            self.drop_candidate(p);
        }
        if self.exclusive_any {
            // Partners holding the lead's territory are offered it first.
            let holders: Vec<u32> = self
                .candidates
                .iter()
                .copied()
                .filter(|&p| Router::holds_territory(c, p))
                .take((k as usize).saturating_sub(out.len()))
                .collect();
            for p in holders {
                self.notes.push(Note::Exclusive { partner: p });
                out.push(p);
                self.drop_candidate(p);
            }
        }
        if let Some(p) = reserved.filter(|p| !out.contains(p) && out.len() < k as usize) {
            out.push(p);
            self.drop_candidate(p);
        }
        if out.len() < k as usize && self.rank_at_once(c, prefer, k as usize, out, Lists::Scratch) {
            return;
        }
        for _ in out.len()..k as usize {
            // As `fill_candidates` would: the preferred ones while any is left.
            let source = if prefer && !self.preferred.is_empty() {
                Source::Preferred
            } else {
                Source::Candidates
            };
            let Some(p) = self.pick(c, source, out.len()) else {
                break;
            };
            out.push(p);
            if out.len() == k as usize {
                break;
            }
            self.drop_candidate(p);
        }
    }

    /// The rest of [`Self::rank`]'s choices, up to `k` in `out`, in one
    /// pass over the candidates when the rule allows (`round_robin` and
    /// `least_loaded` outside score tiers, see [`RuleState::rank`]): the
    /// partners covering the lead's vertical first when the policy prefers
    /// them, then the others, as successive choices would. `false`, with
    /// nothing done, for any other rule.
    pub(super) fn rank_at_once(
        &mut self,
        c: &mut Ctx,
        prefer: bool,
        k: usize,
        out: &mut Vec<u32>,
        lists: Lists,
    ) -> bool {
        let policy = c.policy;
        let rerouting = self.rerouting(c);
        let rule = match self.reroute_rule(c) {
            Some(rule) => rule,
            None if policy.routing.tiers.is_empty() => policy.routing.rule,
            None => return false,
        };
        if !matches!(rule, Rule::RoundRobin | Rule::LeastLoaded) {
            return false;
        }
        let segment = c.segment;
        let s = &mut *self;
        let pool = s.pool_of[segment] as usize;
        let at = rule_states(rerouting, s.rules.len());
        let state = &mut s.rules[at + pool];
        let holders = c.holders;
        let load = |p: u32| holders[p as usize].load();
        let (candidates, preferred) = match lists {
            Lists::Scratch => (
                Candidates::all(&s.candidates),
                Candidates::all(&s.preferred),
            ),
            Lists::Pool { skip } => (
                Candidates::Bits(s.pool_all_mask[segment] & !skip),
                Candidates::Bits(s.pool_preferred_mask[segment] & !skip),
            ),
        };
        let before = out.len();
        let preferred_first = prefer && !preferred.is_empty();
        let first = if preferred_first {
            preferred
        } else {
            candidates
        };
        let ranked = state.rank(rule, first, &load, k - out.len(), out);
        debug_assert!(ranked, "the rule was checked above");
        if out.len() < k && preferred_first {
            // Every preferred one was chosen: the others follow. They are
            // the candidates less the preferred ones (both in file order).
            let others = match lists {
                Lists::Scratch => {
                    s.others.clear();
                    let mut preferred = s.preferred.iter().peekable();
                    for &p in &s.candidates {
                        if preferred.next_if_eq(&&p).is_none() {
                            s.others.push(p);
                        }
                    }
                    Candidates::all(&s.others)
                }
                Lists::Pool { skip } => Candidates::Bits(
                    s.pool_all_mask[segment] & !(skip | s.pool_preferred_mask[segment]),
                ),
            };
            let from = out.len();
            state.rank(rule, others, &load, k - from, out);
            if out.len() == k {
                self.last_eligible = (others.len() - (k - from - 1)) as u32;
                return true;
            }
        } else if out.len() == k {
            // Each choice saw the list less the choices before it.
            self.last_eligible = (first.len() - (k - before - 1)) as u32;
            return true;
        }
        // A last choice found nobody left.
        self.last_eligible = 0;
        true
    }

    /// Takes partner `p` out of a ranking's candidate lists, keeping their
    /// order.
    pub(super) fn drop_candidate(&mut self, p: u32) {
        for list in [&mut self.candidates, &mut self.preferred] {
            if let Some(i) = list.iter().position(|&c| c == p) {
                list.remove(i);
            }
        }
    }

    /// Whether the lead is being re-routed (it was held before: an SLA
    /// take-back, an escalation, its holder leaving): re-routings keep
    /// their own turn (the second half of [`Router::rules`]).
    pub(super) fn rerouting(&self, c: &Ctx) -> bool {
        c.state.held_head != super::NONE
    }

    /// The SLA's `reroute_rule` when the lead is being re-routed, which then
    /// replaces the policy's rule.
    pub(super) fn reroute_rule(&self, c: &Ctx) -> Option<Rule> {
        c.policy
            .sla
            .as_ref()
            .and_then(|s| s.reroute_rule)
            .filter(|_| self.rerouting(c))
    }

    /// The rule's choice among the candidates in `source`. `ranked` is
    /// how many choices a ranking has made before this one: with the
    /// partners offered the lead earlier in this routing, it keys the draw
    /// of the rules that draw (`weighted`, `thompson`), so that successive
    /// choices of one routing are successive independent draws without
    /// replacement (the first choice keeps the routing's own key).
    pub(super) fn pick(&mut self, c: &mut Ctx, source: Source, ranked: usize) -> Option<u32> {
        let policy = c.policy;
        let (score, attempt, draw) = {
            let state = c.state;
            (
                state.score,
                state.attempt,
                state.offered_n as u64 + ranked as u64,
            )
        };
        let reroute_rule = self.reroute_rule(c);
        let rerouting = self.rerouting(c);
        let segment = c.segment;
        let candidates = match source {
            Source::Fast => Candidates::all(&self.fast[segment]),
            Source::Candidates => Candidates::all(&self.candidates),
            Source::Preferred => Candidates::all(&self.preferred),
            Source::Pool {
                skip,
                preferred: true,
            } => Candidates::Bits(self.pool_preferred_mask[segment] & !skip),
            Source::Pool {
                skip,
                preferred: false,
            } => Candidates::Bits(self.pool_all_mask[segment] & !skip),
        };
        self.last_eligible = candidates.len() as u32;
        let holders = &c.holders;
        let load = |p: u32| holders[p as usize].load();
        let routing = &policy.routing;
        let learning = &mut *c.learning;
        let streams = &c.world.streams;
        let mut choose = |candidates: Candidates,
                          state: &mut super::routing::RuleState,
                          rule: crate::model::Rule| {
            state.pick(
                rule,
                &mut Choice {
                    candidates,
                    weights: &self.weights,
                    load: &load,
                    learning,
                    streams,
                    lead: c.lead as u64,
                    attempt: super::routing::draw_key(attempt as u64, draw),
                },
            )
        };
        let pool = self.pool_of[segment] as usize;
        let n_pools = self.n_pools;
        if let Some(rule) = reroute_rule {
            let at = rule_states(true, self.rules.len());
            return choose(candidates, &mut self.rules[at + pool], rule);
        }
        let at = rule_states(rerouting, self.rules.len());
        if routing.tiers.is_empty() {
            return choose(candidates, &mut self.rules[at + pool], routing.rule);
        }
        // score_tiered: the first tier the score reaches that has a candidate.
        let mut in_tier = std::mem::take(&mut self.in_tier);
        let mut chosen = None;
        for (k, tier) in routing.tiers.iter().enumerate() {
            if score < tier.min_score {
                continue;
            }
            let in_this_tier = |p: &u32| tier.partner_tiers[c.partners[*p as usize].tier];
            let tier_candidates = match candidates {
                Candidates::Bits(bits) => {
                    debug_assert_eq!(
                        bits & self.tier_masks[k],
                        candidates
                            .iter()
                            .filter(in_this_tier)
                            .fold(0, |bits, p| bits | super::partner_bit(p)),
                        "the tier masks follow the partners' tiers"
                    );
                    Candidates::Bits(bits & self.tier_masks[k])
                }
                Candidates::List(_) => {
                    in_tier.clear();
                    in_tier.extend(candidates.iter().filter(in_this_tier));
                    Candidates::all(&in_tier)
                }
            };
            chosen = choose(
                tier_candidates,
                &mut self.rules[at + k * n_pools + pool],
                routing.rule,
            );
            if chosen.is_some() {
                break;
            }
        }
        self.in_tier = in_tier;
        chosen
    }
}

/// Where the rule memories of first routings (`false`) or of re-routings
/// (`true`) start in [`Router::rules`], of length `len`: two halves, each
/// indexed by tier and pool.
#[inline]
fn rule_states(rerouting: bool, len: usize) -> usize {
    if rerouting {
        len / 2
    } else {
        0
    }
}
