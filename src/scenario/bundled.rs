//! The scenarios built into the binary: the default one `leadsim` runs with
//! no arguments, and the starter files `leadsim new` writes.

use std::path::Path;

/// The bundled default scenario, embedded in the binary.
pub const DEFAULT_SCENARIO: &str = include_str!("../../scenarios/baseline.json");

/// How the bundled scenario is named in messages.
pub const DEFAULT_SCENARIO_FILE: &str = "scenarios/baseline.json (bundled)";

/// A starter scenario named `name`: the smallest valid file, or one that
/// shows every feature (`full`). The text is checked to load before it is
/// returned.
pub fn starter_scenario(name: &str, full: bool) -> anyhow::Result<String> {
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !valid {
        anyhow::bail!("`{name}` cannot name a scenario file: use letters, digits, `-` and `_`");
    }
    let template = if full {
        include_str!("../../templates/full-scenario.json")
    } else {
        include_str!("../../templates/minimal-scenario.json")
    };
    let text = template.replace("{{name}}", name);
    super::load::load_text(&text, Path::new(&format!("{name}.json")))?;
    Ok(text)
}
