//! leadsim's integration tests: one binary, a module per topic.

mod bad_input;
mod behaviour;
mod browser;
mod calibration;
mod caps;
mod cli;
mod closed_forms;
mod common;
mod crn;
mod economics;
mod extreme;
mod fairness;
mod fuzz;
mod invariants;
mod learning;
mod library;
mod power;
mod queueing;
mod reliability;
mod report;
mod review;
mod schema;
mod shards;
mod stress;
mod sweep;
mod trace;
