//! Throughput benchmark: lead-simulations per second per core.
//!
//! `cargo bench --bench throughput` runs the bundled benchmark scenario on 1
//! thread and on every core, and prints leads x policies x replications per
//! wall-clock second per thread, and the speed-up. A plain harness (no
//! statistics crate) because one long run per setting is what the target
//! is stated in; repeat the command to see the machine's noise.

use std::path::Path;
use std::time::Instant;

use leadsim::runner::{run, RunConfig};

fn main() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/bench/bench-20.json");
    let model = leadsim::load_file(&path).unwrap_or_else(|e| panic!("{e}"));
    let replications: u64 = std::env::var("LEADSIM_BENCH_REPLICATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "scenario {} ({} partners, {} policies), {replications} replications",
        model.name,
        model.partners.len(),
        model.policies.len()
    );
    // Warm-up: page in code and data.
    run(
        &model,
        &RunConfig {
            replications: 4,
            seed: 1,
            threads: Some(1),
        },
        &|_| {},
    )
    .unwrap();
    let mut single = None;
    for threads in [1, cores] {
        let config = RunConfig {
            replications,
            seed: 1,
            threads: Some(threads),
        };
        let start = Instant::now();
        let results = run(&model, &config, &|_| {}).unwrap();
        let seconds = start.elapsed().as_secs_f64();
        let volume = &results.metrics[0][0].moments;
        let leads = volume.mean * volume.n as f64;
        let lead_sims = leads * model.policies.len() as f64;
        let per_core = lead_sims / seconds / threads as f64;
        println!(
            "threads {threads}: {lead_sims:.0} lead-simulations in {seconds:.2} s = {:.2} M/s total, {:.2} M/s per core",
            lead_sims / seconds / 1e6,
            per_core / 1e6
        );
        match single {
            None => single = Some(seconds),
            Some(one) if threads > 1 => println!(
                "speed-up from 1 to {threads} threads: {:.2}x",
                one / seconds
            ),
            Some(_) => {}
        }
    }
}
