//! Fuzzes the scenario loader: any bytes are either a scenario or a clean
//! error, never a panic. A loaded scenario is also simulated for one short
//! replication, so the engine sees what the loader accepts.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(model) = leadsim::load_text(text, std::path::Path::new("fuzz.json")) {
        // Keep each input cheap: skip scenarios with many expected leads.
        if model.leads.arrivals_per_hour * model.horizon_hours < 5_000.0
            && model.partners.len() < 200
        {
            let mut scratch = leadsim::engine::Scratch::default();
            let _ = leadsim::runner::run_block(&model, 1, 0..1, &mut scratch);
        }
    }
});
