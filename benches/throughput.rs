//! Throughput benchmark: lead-simulations per second per core.
//!
//! `cargo bench --bench throughput` runs the bundled benchmark scenarios and
//! prints leads x policies x replications per wall-clock second per thread:
//! `bench-20` (20 partners, four classic rules, capacity and SLAs) on one
//! thread and on every core, and `bench-200` / `bench-200-dense` (200
//! partners, Thompson sampling, partner behaviour, caps) on one thread, with
//! the mean number of partners eligible per routing decision, which is what
//! a learning rule's cost grows with; and `bench-week` (bench-20 with a
//! working week, offers and speed-to-lead curves) and `bench-programme`
//! (bench-20 with the whole channel programme) on one thread. A plain harness, because one long run
//! per setting is what the targets are stated in; repeat the command to see
//! the machine's noise. `LEADSIM_BENCH_REPLICATIONS` overrides the count;
//! `LEADSIM_BENCH_ONLY=bench-week` (comma-separated names) runs only those.

use std::path::Path;
use std::time::Instant;

use leadsim::engine::leads::draw_world;
use leadsim::engine::rng::{replication_seed, Streams};
use leadsim::engine::{simulate_observed, Event, Observer, Scratch};
use leadsim::model::Model;
use leadsim::runner::{run, RunConfig};

fn load(name: &str) -> Model {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios/bench")
        .join(name);
    leadsim::load_file(&path).unwrap_or_else(|e| panic!("{e}"))
}

/// Lead-simulations per second per thread, and the seconds taken.
fn measure(model: &Model, replications: u64, threads: usize) -> (f64, f64) {
    let config = RunConfig {
        replications,
        seed: 1,
        threads: Some(threads),
        cancel: Default::default(),
    };
    let start = Instant::now();
    let results = run(model, &config, &|_| {}).unwrap();
    let seconds = start.elapsed().as_secs_f64();
    let volume = &results.metrics[0][leadsim::metrics::Metric::Leads].moments;
    let lead_sims = volume.mean * volume.n as f64 * model.policies.len() as f64;
    (lead_sims / seconds / threads as f64, seconds)
}

struct Eligible {
    decisions: u64,
    eligible: u64,
}
impl Observer for Eligible {
    fn event(&mut self, _time: f64, event: Event) {
        if let Event::Assigned { eligible, .. } = event {
            self.decisions += 1;
            self.eligible += eligible as u64;
        }
    }
}

/// Mean eligible partners per routing decision, over one replication.
fn mean_eligible(model: &Model) -> f64 {
    let world = draw_world(model, 0, Streams::new(replication_seed(1, 0)), 0);
    let mut seen = Eligible {
        decisions: 0,
        eligible: 0,
    };
    let mut scratch = Scratch::default();
    for policy in &model.policies {
        simulate_observed(model, policy, &world, &mut scratch, &mut seen);
    }
    seen.eligible as f64 / seen.decisions.max(1) as f64
}

/// Whether the setting `name` runs: all of them, or those named in
/// `LEADSIM_BENCH_ONLY` (comma-separated, e.g. `bench-week`), so that one
/// setting can be timed many times over, interleaved with another build's.
fn selected(name: &str) -> bool {
    std::env::var("LEADSIM_BENCH_ONLY")
        .map_or(true, |only| only.split(',').any(|n| n.trim() == name))
}

fn main() {
    let replications: Option<u64> = std::env::var("LEADSIM_BENCH_REPLICATIONS")
        .ok()
        .and_then(|v| v.parse().ok());
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());

    let small = load("bench-20.json");
    let reps = replications.unwrap_or(200);
    // A short warm-up run (page faults, allocator, caches).
    run(
        &small,
        &RunConfig {
            replications: 4,
            seed: 1,
            threads: Some(1),
            cancel: Default::default(),
        },
        &|_| {},
    )
    .unwrap();
    // bench-20 on one thread is what the others are compared with.
    let mut one = None;
    if selected("bench-20") {
        let (per_core, one_s) = measure(&small, reps, 1);
        one = Some(per_core);
        println!(
            "bench-20 ({} partners, {} policies, {reps} replications): 1 thread {:.2} M lead-simulations/s per core",
            small.partners.len(),
            small.policies.len(),
            per_core / 1e6
        );
        if cores > 1 {
            let (all, all_s) = measure(&small, reps, cores);
            println!(
                "bench-20: {cores} threads {:.2} M/s per core; speed-up from 1 to {cores} threads {:.2}x",
                all / 1e6,
                one_s / all_s
            );
        }
    }
    let of_bench_20 = |per_core: f64| {
        one.map_or(String::new(), |one| {
            format!(", {:.2} of bench-20's", per_core / one)
        })
    };
    for name in ["bench-200", "bench-200-dense"] {
        if !selected(name) {
            continue;
        }
        let model = load(&format!("{name}.json"));
        let reps = replications.unwrap_or(20);
        let (per_core, _) = measure(&model, reps, 1);
        println!(
            "{} ({} partners, {:.1} eligible per routing decision, {reps} replications): 1 thread {:.0} k lead-simulations/s per core",
            model.name,
            model.partners.len(),
            mean_eligible(&model),
            per_core / 1e3
        );
    }
    // `LEADSIM_BENCH_SKIP_WEEK=1` leaves out the two below, so the three
    // older settings can be compared with an older build by instruction
    // count.
    if std::env::var_os("LEADSIM_BENCH_SKIP_WEEK").is_some() {
        return;
    }
    // bench-week: the second edition's per-lead work (a working week,
    // offers and speed-to-lead curves) on bench-20's network.
    // bench-programme: the channel programme's bookkeeping on it (tiers
    // that move, payouts by tier, a SPIFF, incumbents, registrations,
    // nurture, partner-sourced leads and MDF that buys them; sourced leads
    // count as leads).
    for (name, what) in [
        (
            "bench-week",
            "bench-20 with hours, an arrival pattern, offers and curves",
        ),
        (
            "bench-programme",
            "bench-20 with the whole channel programme",
        ),
    ] {
        if !selected(name) {
            continue;
        }
        let model = load(&format!("{name}.json"));
        let (per_core, _) = measure(&model, reps, 1);
        println!(
            "{name} ({what}, {reps} replications): 1 thread {:.2} M lead-simulations/s per core{}",
            per_core / 1e6,
            of_bench_20(per_core)
        );
    }
}
