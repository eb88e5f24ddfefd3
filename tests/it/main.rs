//! leadsim's integration tests: one binary, a module per topic.

mod bad_input;
mod cli;
mod closed_forms;
mod common;
mod crn;
mod fairness;
mod fuzz;
mod invariants;
mod queueing;
mod schema;
