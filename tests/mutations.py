#!/usr/bin/env python3
"""Applies each deliberate bug below to a copy of the committed tree, runs
`cargo test` in full, and records whether a test failed (CAUGHT) or not
(MISSED). docs/testing.md lists the last run's results. Takes about a
minute and a half per mutation on two cores."""
import subprocess, sys, os
M = [
 ("verdicts inverted", "src/summary.rs", "let better = (k.direction() == Direction::HigherIsBetter) == higher;", "let better = (k.direction() == Direction::HigherIsBetter) != higher;"),
 ("CI with n df instead of n-1", "src/stats/accumulator.rs", "let half = t_975(m.n - 1) * sd", "let half = t_975(m.n) * sd"),
 ("t replaced by 1.96", "src/stats/accumulator.rs", "let half = t_975(m.n - 1) * sd", "let half = 1.96 * sd"),
 ("effort elasticity ignored", "src/engine/behaviour.rs", "        .powf(elasticity)\n", "        .powf(1.0)\n"),
 ("effort clamp narrowed", "src/engine/behaviour.rs", "pub const EFFORT_RANGE: (f64, f64) = (0.5, 1.5);", "pub const EFFORT_RANGE: (f64, f64) = (0.6, 1.4);"),
 ("sweep coordinates transposed", "src/analyses/sweep.rs", "[a, b] => vec![a.values[i / b.values.len()], b.values[i % b.values.len()]],", "[a, b] => vec![a.values[i % a.values.len()], b.values[i / a.values.len()]],"),
 ("SLA take-backs not counted by learning", "src/engine/handlers.rs", "        learned.responded(self.sla_hours);\n        learned.resolved(false);\n", ""),
 ("gini_earnings on leads", "src/runner/measure.rs", "let earnings: Vec<f64> = at_start.iter().map(|&i| run.partners[i].payouts).collect();", "let earnings: Vec<f64> = at_start.iter().map(|&i| run.partners[i].leads as f64).collect();"),
 ("gamma scale = mean x shape", "src/scenario/dist.rs", "mean / p.shape", "mean * p.shape"),
 ("re-routed lead back to an earlier holder", "src/engine/eligibility.rs", "        state.held_mask | state.offered_mask\n    }", "        state.offered_mask\n    }"),
 ("gini_leads not per capacity", "src/runner/measure.rs", ".map(|&i| run.partners[i].leads as f64 / model.partners[i].team.capacity as f64)", ".map(|&i| run.partners[i].leads as f64)"),
 ("round robin one turn for all pools", "src/engine/router.rs", "return choose(candidates, &mut self.rules[at + pool], routing.rule);", "return choose(candidates, &mut self.rules[at], routing.rule);"),
 ("Holm adjusted p not capped / step-up", "src/stats/hypothesis.rs", "running = running.max(((m - k) as f64 * p_values[i]).min(1.0));", "running = ((m - k) as f64 * p_values[i]).min(1.0);"),
 ("permutation ties not broken (conservative)", "src/analyses/power.rs", "let p_value = (beyond as f64 + u * (tied + 1) as f64) / (1 + PERMUTATIONS) as f64;", "let p_value = (beyond as f64 + (tied + 1) as f64) / (1 + PERMUTATIONS) as f64 + 0.0 * u;"),
 ("CSV formula not neutralised", "src/report/csv.rs", "if s.starts_with(['=', '+', '-', '@', '\\t', '\\r']) {", "if false {"),
 ("churned revenue kept", "src/engine/handlers.rs", "run.churned_revenue += revenue * econ.churn_revenue_loss;", "run.churned_revenue += 0.0 * revenue * econ.churn_revenue_loss;"),
 ("house free", "src/runner/measure.rs", "let house_cost = run.to_house as f64 * model.economics.house_cost_per_lead;", "let house_cost = 0.0 * run.to_house as f64 * model.economics.house_cost_per_lead;"),
 ("warm-up leads counted", "src/engine/sim.rs", "let counted = arrival >= self.model.warmup_hours;", "let counted = arrival >= 0.0 * self.model.warmup_hours;"),
 ("readout ignored", "src/engine/sim.rs", "let readout = self.model.readout_hours.unwrap_or(f64::INFINITY);", "let readout = f64::INFINITY;"),
 ("gini_kept on leads offered", "src/runner/measure.rs", "let kept_per_capacity = per_capacity(&|p| p.contacts as f64);", "let kept_per_capacity = per_capacity(&|p| p.leads as f64);"),
 ("escalation ignores the pool", "src/engine/router.rs", "s.candidates.retain(|&p| pool[p as usize]);", "s.candidates.retain(|&p| pool[p as usize] || true);"),
 ("exclusivity never revoked", "src/engine/behaviour.rs", "        slow_to_qualify || breaches\n", "        false && (slow_to_qualify || breaches)\n"),
 ("co-sold deals pay full commission", "src/engine/money.rs", "deal.commission *= share;", "deal.commission *= 1.0 + 0.0 * share;"),
 ("enablement gains uncapped", "src/engine/money.rs", "(k * e.qualify_gain).min(e.max_gain),", "k * e.qualify_gain,"),
 ("data files not confined", "src/scenario/data.rs", "let allowed_here = !escapes && inside(&self.base_dir);", "let allowed_here = true;"),
 ("SPIFF paid outside its window", "src/engine/handlers.rs", "if spiff.segments[segment] && t >= spiff.from_hours && t < spiff.to_hours {", "if spiff.segments[segment] {"),
 ("incumbent factor on every lead", "src/engine/handlers.rs", "let incumbent = self.world.incumbent.get(lead as usize) == Some(&holder);", "let incumbent = !self.world.incumbent.is_empty();"),
 ("nurtured more than once", "src/engine/sim.rs", "if st.recycled || self.world.streams.uniform(Purpose::Nurture, lead as u64, 0) >= n.share {", "if self.world.streams.uniform(Purpose::Nurture, lead as u64, 0) >= n.share {"),
 ("tiers on revenue since the start", "src/engine/behaviour.rs", "let revenue = std::mem::take(&mut self.window_revenue);", "let revenue = self.window_revenue;"),
 ("sourced pipeline not counted at exit", "src/engine/handlers.rs", "run.sourced_pipeline_lost += value;", "run.sourced_pipeline_lost += 0.0 * value;"),
 ("MDF buys twice the leads", "src/engine/handlers.rs", "let mean = per_unit * mdf;", "let mean = 2.0 * per_unit * mdf;"),
 ("registrants by capacity only", "src/engine/leads.rs", "let by_sourcing = |p: &Partner| p.sourced_per_hour;", "let by_sourcing = |p: &Partner| p.team.capacity as f64 + 0.0 * p.sourced_per_hour;"),
 ("a left partner's own leads still arrive", "src/engine/handlers.rs", "while self.scratch.partner_states[p as usize].left {", "while false && self.scratch.partner_states[p as usize].left {"),
 ("selection margin ignores the variance", "src/stats/selection.rs", "(h2 * s2[i][l] / (delta * delta) - r as f64)", "(0.0 * h2 * s2[i][l] / (delta * delta) - r as f64)"),
 ("optimize judges only the base world", "src/analyses/optimize.rs", "if self.problem.all_worlds {\n            0..self.worlds.len()", "if false && self.problem.all_worlds {\n            0..self.worlds.len()"),
 ("infeasible settings ranked by objective", "src/analyses/optimize.rs", "if !e.feasible {\n            return 1e300 * (1.0 + e.violation.min(1e6) * 1e-7);\n        }", ""),
 ("an acceptance from a partner that has left is honoured", "src/engine/handlers.rs", "        if accept && gone {", "        if false && accept && gone {"),
 ("a late joiner's own leads start on day 0", "src/engine/mod.rs", "let from = self.partner_states[p].joins_hours.max(0.0);", "let from = 0.0 * self.partner_states[p].joins_hours.max(0.0);"),
 ("weekday and holiday from the UTC day", "src/calendar.rs", "        let day = day_of(local);\n        let within", "        let day = day_of(t);\n        let within"),
 ("selection margin with 4 r", "src/stats/selection.rs", "let w = (delta / (2.0 * r as f64)", "let w = (delta / (4.0 * r as f64)"),
 ("first-stage variance over n0", "src/stats/selection.rs", ".sum::<f64>() / (n0 as f64 - 1.0);", ".sum::<f64>() / (n0 as f64);"),
 ("one draw for every choice of an offer routing", "src/engine/routing.rs", "    attempt | (draw << 32)", "    attempt | (0 * draw << 32)"),
 ("an escalation counted at every event", "src/engine/sim.rs", "                if !state.escalated {", "                if true {"),
 ("re-routes move the first routings' turn", "src/engine/router.rs", "let at = rule_states(rerouting, self.rules.len());", "let at = rule_states(false, self.rules.len());"),
 ("a pool the weights exclude sends escalations to the house", "src/engine/router.rs", "        if candidates.is_empty() {\n            return None;\n        }\n        let attempt", "        if true {\n            return None;\n        }\n        let attempt"),
 ("a folder of the user's files is written into", "src/report/output.rs", "    if !foreign.is_empty() {", "    if false && !foreign.is_empty() {"),
 ("a user's file in a leadsim folder is not carried over", "src/report/output.rs", "        if text.starts_with(TEMP_PREFIX) || owned.contains(text.as_ref()) {", "        if true {"),
 ("a closed standard error panics", "src/main.rs", "        let _ = writeln!(std::io::stderr(), $($t)*);", "        writeln!(std::io::stderr(), $($t)*).unwrap();"),
 ("a dot ends a name in brackets", "src/analyses/sweep.rs", "                    match chars[i] {\n                        '[' => depth += 1,", "                    match chars[i] {\n                        '.' => break,\n                        '[' => depth += 1,"),
]
# Runs on a copy of the committed tree (git archive HEAD), so the working
# tree is never touched: python3 tests/mutations.py [LOG [NAME-PART ...]]
# (with NAME-PARTs, only the mutations whose names contain one of them).
import tempfile
repo = subprocess.run(["git", "rev-parse", "--show-toplevel"], capture_output=True, text=True).stdout.strip()
root = tempfile.mkdtemp(prefix="leadsim-mutants-")
subprocess.run(f"git -C '{repo}' archive HEAD | tar -x -C '{root}'", shell=True, check=True)
env = {k: v for k, v in os.environ.items() if k != "CI"}
env["CARGO_TARGET_DIR"] = os.path.join(root, "target")
out = open(sys.argv[1] if len(sys.argv) > 1 else "mutations.log", "w")
def failures(stdout):
    """Names of failed tests, from cargo test's `failures:` list."""
    names, inside = [], False
    for line in stdout.splitlines():
        if line.strip() == "failures:":
            inside = True
        elif inside and line.startswith("    "):
            names.append(line.strip())
        elif inside and line.startswith("test result"):
            inside = False
    return sorted(set(n for n in names if "::" in n))

# The unmutated tree must pass, or every "CAUGHT" below means nothing.
r = subprocess.run(["cargo", "test", "--quiet", "--no-fail-fast"], cwd=root, env=env, capture_output=True, text=True)
out.write(f"baseline (no mutation): {'passes' if r.returncode == 0 else 'FAILS: ' + ', '.join(failures(r.stdout))}\n"); out.flush()
only = sys.argv[2:]
for name, f, old, new in M:
    if only and not any(part in name for part in only):
        continue
    p = os.path.join(root, f)
    s = open(p).read()
    if old not in s:
        out.write(f"SKIP (pattern not found): {name}\n"); out.flush(); continue
    open(p, "w").write(s.replace(old, new, 1))
    r = subprocess.run(["cargo", "test", "--quiet", "--no-fail-fast"], cwd=root, env=env, capture_output=True, text=True)
    open(p, "w").write(s)
    failed = failures(r.stdout)
    status = "CAUGHT" if r.returncode != 0 else "MISSED"
    out.write(f"{status}: {name}: {', '.join(failed[:4])}\n"); out.flush()
out.write("DONE\n")
