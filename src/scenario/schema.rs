//! `leadsim schema`: the JSON Schema of the scenario format, derived from
//! the parser's own serde structs (schemars), so the two cannot drift.

use crate::scenario::raw::RawScenario;

/// The schema, pretty-printed.
pub fn render() -> String {
    let mut schema = schemars::schema_for!(RawScenario);
    schema.insert("title".into(), "leadsim scenario".into());
    serde_json::to_string_pretty(&schema).expect("a schema serialises")
}
