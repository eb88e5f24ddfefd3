//! Reading a scenario file into its raw serde form, and loading it (read,
//! parse, validate) into the typed model.
//!
//! Owns the translation of parser errors into messages a person can act on:
//! `file:line:col`, the field path, what was expected, and a suggestion when
//! an unknown name looks like a typo of a known one. It does not validate
//! values; that is `validate.rs`.

use std::path::{Path, PathBuf};

use super::errors::{did_you_mean, ScenarioError};
use super::raw::RawScenario;
use crate::model::Model;

/// Parses scenario text; `file` names it in error messages.
pub fn parse_str(text: &str, file: &Path) -> Result<RawScenario, ScenarioError> {
    // A UTF-8 byte-order mark (some Windows editors write one) is not
    // content; serde_json would refuse it.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(ScenarioError::Empty {
            file: file.to_path_buf(),
        });
    }
    // serde would read an array positionally into a struct; a scenario is an object.
    let start = text.len() - text.trim_start().len();
    if !text[start..].starts_with('{') {
        let line = text[..start].matches('\n').count() + 1;
        let column = start - text[..start].rfind('\n').map_or(0, |i| i + 1) + 1;
        return Err(ScenarioError::Parse {
            file: file.to_path_buf(),
            line,
            column,
            path: String::new(),
            message: "expected a JSON object `{...}` describing the scenario".into(),
        });
    }
    let located = |err: serde_path_to_error::Error<serde_json::Error>| {
        let path = err.path().to_string();
        let inner = err.inner();
        let path = if path == "." || path.is_empty() {
            String::new()
        } else {
            format!("{path}: ")
        };
        ScenarioError::Parse {
            file: file.to_path_buf(),
            line: inner.line(),
            column: char_column_of(text, inner.line(), inner.column()),
            path,
            message: explain(inner),
        }
    };
    let mut de = serde_json::Deserializer::from_str(text);
    let raw = serde_path_to_error::deserialize(&mut de).map_err(located)?;
    // Trailing content after the object is an error too.
    de.end().map_err(|err| ScenarioError::Parse {
        file: file.to_path_buf(),
        line: err.line(),
        column: char_column_of(text, err.line(), err.column()),
        path: String::new(),
        message: explain(&err),
    })?;
    // A key given twice in one object (`"gold": 3, "gold": 0` in weights,
    // or in any map): JSON parsers keep one silently; refused here, as a
    // repeated field already is.
    let mut de = serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize::<_, crate::files::UniqueKeys>(&mut de).map_err(located)?;
    Ok(raw)
}

/// serde_json's column counts bytes; a person's editor counts characters.
fn char_column_of(text: &str, line: usize, byte_column: usize) -> usize {
    let line_start = if line <= 1 {
        0
    } else {
        text.match_indices('\n')
            .nth(line - 2)
            .map_or(text.len(), |(i, _)| i + 1)
    };
    if byte_column == 0 {
        return 0;
    }
    super::locate::char_column(text, line_start, line_start + byte_column - 1)
}

/// The parser's message without its position suffix, with a typo suggestion
/// for unknown fields and variants.
fn explain(err: &serde_json::Error) -> String {
    let full = err.to_string();
    let message = match full.rfind(" at line ") {
        Some(i) => full[..i].to_string(),
        None => full,
    };
    if message.starts_with("unknown field `") || message.starts_with("unknown variant `") {
        let quoted: Vec<&str> = message.split('`').skip(1).step_by(2).collect();
        if let Some((given, known)) = quoted.split_first() {
            let hint = did_you_mean(given, known.iter().copied());
            return format!("{message}{hint}");
        }
    }
    if message.starts_with("EOF while parsing") {
        return format!("{message}: the JSON ends early (a missing closing brace or bracket?)");
    }
    plain_words(&message)
}

/// Rust type names and parser jargon in serde's messages, in a user's words.
fn plain_words(message: &str) -> String {
    match message {
        "trailing comma" => {
            return "a trailing comma: JSON allows no comma before a closing `}` or `]`".into()
        }
        "expected value" => {
            return "expected a value here (a number, text in double quotes, true, false, \
                    null, a list `[...]` or an object `{...}`)"
                .into()
        }
        "key must be a string" => {
            return "expected a field name in double quotes (a trailing comma before `}`?)".into()
        }
        "expected `,` or `}`" => {
            return "expected `,` or `}` after a field (a missing comma?)".into()
        }
        "expected `,` or `]`" => {
            return "expected `,` or `]` after a list item (a missing comma?)".into()
        }
        "expected `:`" => return "expected `:` between a field name and its value".into(),
        _ => {}
    }
    let mut out = message.to_string();
    if let Some(rest) = out.strip_prefix("invalid type: ") {
        out = format!("got {rest}");
    }
    if let Some(rest) = out.strip_prefix("invalid value: ") {
        out = format!("got {rest}");
    }
    for (rust, plain) in [
        ("got floating point `", "got the number `"),
        ("got integer `", "got the whole number `"),
        ("got string \"", "got the text \""),
        ("got boolean `", "got `"),
        ("got map,", "got an object,"),
        ("got sequence,", "got a list,"),
        ("got unit value,", "got null,"),
        ("expected f64", "expected a number"),
        ("expected f32", "expected a number"),
        ("expected i64", "expected a whole number"),
        ("expected i32", "expected a whole number"),
        ("expected u64", "expected a whole number, 0 or more"),
        ("expected u32", "expected a whole number, 0 or more"),
        ("expected u16", "expected a whole number, 0 or more"),
        ("expected u8", "expected a whole number, 0 or more"),
        ("expected usize", "expected a whole number, 0 or more"),
        (
            "expected a borrowed string",
            "expected text in double quotes",
        ),
        ("expected a string", "expected text in double quotes"),
    ] {
        out = out.replace(rust, plain);
    }
    if out.contains("out of range for") || out.contains("too large") {
        out.push_str(" (the number is out of range for this field)");
    }
    out
}

/// How a scenario is loaded: where its data files may come from.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// A folder data files may come from besides the scenario's own folder
    /// tree (`--data-root`).
    pub data_root: Option<PathBuf>,
}

/// The largest scenario file read, in bytes.
pub const MAX_SCENARIO_BYTES: u64 = 64 * 1024 * 1024;

/// Reads a scenario file's text.
pub fn read_scenario(file: &Path) -> Result<String, ScenarioError> {
    let bytes = crate::files::read_bounded(file, MAX_SCENARIO_BYTES).map_err(|error| {
        ScenarioError::Read {
            file: file.to_path_buf(),
            error,
        }
    })?;
    String::from_utf8(bytes).map_err(|_| ScenarioError::Read {
        file: file.to_path_buf(),
        error: std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "the file is not UTF-8 text",
        ),
    })
}

/// Parses and validates scenario text; `file` names it in errors.
pub fn load_text(text: &str, file: &Path) -> Result<Model, ScenarioError> {
    load_text_with(text, file, &LoadOptions::default())
}

/// [`load_text`] with options.
pub fn load_text_with(
    text: &str,
    file: &Path,
    options: &LoadOptions,
) -> Result<Model, ScenarioError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let raw = parse_str(text, file)?;
    let locate = |mut errors: super::errors::FieldErrors| {
        errors.locate(&super::locate::Locator::new(text));
        ScenarioError::Invalid {
            file: file.to_path_buf(),
            errors,
        }
    };
    // The text parsed as a scenario, so it parses as JSON.
    if let Ok(value) = serde_json::from_str::<serde_json::Value>(text) {
        let too_big = super::validate::magnitudes(&value);
        if !too_big.is_empty() {
            return Err(locate(too_big));
        }
    }
    let base_dir = file.parent().filter(|d| !d.as_os_str().is_empty());
    let data = super::data::DataAccess::new(base_dir, options.data_root.as_deref());
    super::validate::validate(&raw, &data).map_err(locate)
}

/// Reads, parses and validates a scenario file.
pub fn load_file(file: &Path) -> Result<Model, ScenarioError> {
    load_text(&read_scenario(file)?, file)
}

/// [`load_file`] with options.
pub fn load_file_with(file: &Path, options: &LoadOptions) -> Result<Model, ScenarioError> {
    load_text_with(&read_scenario(file)?, file, options)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str) -> String {
        parse_str(text, Path::new("s.json"))
            .unwrap_err()
            .to_string()
    }

    const MINIMAL: &str =
        r#"{"name": "x", "leads": {}, "partners": [{"name": "a"}], "policies": [{"name": "p"}]}"#;

    #[test]
    fn minimal_scenario_parses() {
        parse_str(MINIMAL, Path::new("s.json")).unwrap();
    }

    #[test]
    fn unknown_field_gets_position_path_and_suggestion() {
        let text = "{\"name\": \"x\", \"leads\": {},\n \"partners\": [{\"name\": \"a\", \"capacty\": 3}], \"policies\": [{\"name\": \"p\"}]}";
        let e = error(text);
        assert!(e.starts_with("s.json:2:"), "{e}");
        assert!(e.contains("partners[0].capacty"), "{e}");
        assert!(e.contains("did you mean `capacity`?"), "{e}");
    }

    #[test]
    fn unknown_rule_suggests_the_nearest() {
        let text = MINIMAL.replace(
            r#"{"name": "p"}"#,
            r#"{"name": "p", "routing": {"rule": "round_robbin"}}"#,
        );
        let e = error(&text);
        assert!(e.contains("policies[0].routing.rule"), "{e}");
        assert!(e.contains("did you mean `round_robin`?"), "{e}");
    }

    #[test]
    fn empty_and_malformed_files_are_clear() {
        assert!(error("  \n").contains("the file is empty"));
        let e = error("{\"name\": \"x\",\n \"leads\": {},\n}");
        assert!(e.starts_with("s.json:3:1:"), "{e}");
        assert!(e.contains("a trailing comma"), "{e}");
        let e =
            error(r#"{"name": "x", "leads": {}, "partners": [{"name": "a", "capacity": 2.5}]}"#);
        assert!(e.contains("partners[0].capacity"), "{e}");
        assert!(e.contains("expected a whole number"), "{e}");
        assert!(
            !e.contains("u32") && !e.contains("i64") && !e.contains("f64"),
            "{e}"
        );
        let e = error("{\"name\": \"x\",");
        assert!(e.starts_with("s.json:1:"), "{e}");
        let e = error(r#"{"name": 3}"#);
        assert!(
            e.contains("name: got the whole number `3`, expected text in double quotes"),
            "{e}"
        );
    }

    #[test]
    fn distribution_with_two_keys_is_rejected() {
        let text = MINIMAL.replace(
            r#"{"name": "a"}"#,
            r#"{"name": "a", "response_hours": {"fixed": 2, "exponential": {"mean": 3}}}"#,
        );
        let e = error(&text);
        assert!(e.contains("partners[0].response_hours"), "{e}");
        assert!(
            e.contains("exactly one key, its family; `fixed` is followed by `exponential`"),
            "{e}"
        );
        let text = MINIMAL.replace(
            r#"{"name": "a"}"#,
            r#"{"name": "a", "work_days": {"lognormall": {}}}"#,
        );
        let e = error(&text);
        assert!(e.contains("partners[0].work_days"), "{e}");
        assert!(e.contains("did you mean `lognormal`?"), "{e}");
    }
}
