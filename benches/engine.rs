//! Micro-benchmarks of the engine with divan (`cargo bench --bench engine`):
//! one replication of one policy, and the lead stream shared by a
//! replication's policies, on the bundled benchmark scenarios. Divan reports
//! the spread over many samples; `benches/throughput.rs` turns whole runs
//! into lead-simulations per second per core.

use std::path::Path;

use divan::Bencher;
use leadsim::engine::leads::draw_world;
use leadsim::engine::rng::{replication_seed, Streams};
use leadsim::engine::{simulate, Scratch};
use leadsim::model::Model;

fn main() {
    divan::main();
}

fn load(name: &str) -> Model {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios/bench")
        .join(name);
    leadsim::load_file(&path).unwrap_or_else(|e| panic!("{e}"))
}

/// One replication's lead stream (shared by all its policies).
#[divan::bench(args = ["bench-20.json", "bench-200.json", "bench-week.json"])]
fn lead_stream(bencher: Bencher, scenario: &str) {
    let model = load(scenario);
    bencher.bench(|| {
        draw_world(&model, 0, Streams::new(replication_seed(1, 0)), 0)
            .leads
            .len()
    });
}

/// One replication's leads of `file` through its policy `policy`.
fn policy_through_leads(bencher: Bencher, file: &str, policy: usize) {
    let model = load(file);
    let world = draw_world(&model, 0, Streams::new(replication_seed(1, 0)), 0);
    let mut scratch = Scratch::default();
    let leads = world.leads.len() as u64;
    bencher
        .counter(divan::counter::ItemsCount::new(leads))
        .bench_local(|| {
            simulate(&model, &model.policies[policy], &world, &mut scratch)
                .outcomes
                .won
        });
}

/// One policy through one replication's leads, each policy of the scenario.
#[divan::bench(args = [0, 1, 2, 3])]
fn policy_bench20(bencher: Bencher, policy: usize) {
    policy_through_leads(bencher, "bench-20.json", policy);
}

/// Thompson sampling with partner behaviour over 200 partners.
#[divan::bench(args = [0, 1])]
fn policy_bench200(bencher: Bencher, policy: usize) {
    policy_through_leads(bencher, "bench-200.json", policy);
}

/// A working week, offers and speed-to-lead curves (issue 12), each policy.
#[divan::bench(args = [0, 1, 2, 3])]
fn policy_bench_week(bencher: Bencher, policy: usize) {
    policy_through_leads(bencher, "bench-week.json", policy);
}
