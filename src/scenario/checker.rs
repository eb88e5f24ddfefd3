//! The validators' shared tools: [`Checker`] collects every problem with its
//! field path and checks the value kinds every section uses; [`Names`]
//! interns names. A leaf of `scenario/`: the section validators (`leads`,
//! `partners`, `policy`, `worlds`) and `validate` use it, it uses none of
//! them.

use super::dist::{Dist, Rate, Support};
use super::errors::{did_you_mean, FieldErrors};
use super::limits::MAX_NAME_CHARS;
use super::raw::{RawDist, RawEmpirical, RawRate};

/// Interns names in order of first mention.
#[derive(Default)]
pub(crate) struct Names(pub(crate) Vec<String>);

impl Names {
    pub(crate) fn intern(&mut self, name: &str) -> usize {
        match self.0.iter().position(|n| n == name) {
            Some(i) => i,
            None => {
                self.0.push(name.to_string());
                self.0.len() - 1
            }
        }
    }
}

pub(crate) struct Checker<'a> {
    pub(crate) errors: FieldErrors,
    /// What validation found worth saying that is not an error (a data
    /// file's suspicious row), added to the model's warnings.
    pub(crate) warnings: Vec<String>,
    /// Where CSV data may be read from (relative to the scenario's folder).
    pub(crate) data: &'a super::data::DataAccess,
}

impl Checker<'_> {
    pub(crate) fn fail(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.errors.push(path.into(), message.into());
    }
    /// A name: not empty, at most [`MAX_NAME_CHARS`] characters, no control
    /// characters (escape sequences would reach terminals and files). With
    /// `in_file_names`, also usable in a file or folder name: no `/` or `\`,
    /// not `.` or `..`, and not starting with `.leadsim` (the staging
    /// folders and locks beside an output folder are named so).
    pub(crate) fn name(&mut self, path: &str, name: &str, in_file_names: bool) {
        let shown = crate::format::excerpt(name);
        if name.trim().is_empty() {
            self.fail(path, "must not be empty");
        } else if name.chars().count() > MAX_NAME_CHARS {
            self.fail(
                path,
                format!(
                    "is {} characters long; at most {MAX_NAME_CHARS} (it starts \"{shown}\")",
                    name.chars().count()
                ),
            );
        } else if name.chars().any(char::is_control) {
            self.fail(
                path,
                format!("\"{shown}\" holds a control character (a tab, newline or escape); names must be plain text"),
            );
        } else if in_file_names && (name.contains(['/', '\\']) || name == "." || name == "..") {
            self.fail(
                path,
                format!(
                    "`{name}` is used in file names: avoid `/` and `\\`, and `.` or `..` alone"
                ),
            );
        } else if in_file_names && name.starts_with(".leadsim") {
            self.fail(
                path,
                format!(
                    "`{shown}` is used in file names, and names starting with `.leadsim` are leadsim's own working files (staging folders, locks): choose another name"
                ),
            );
        }
    }
    /// The index of `name` among `candidates`, or a failure at `path`:
    /// "`{name}` {missing}" and the nearest candidate as a suggestion
    /// (`missing` says what it should have named: "names no partner").
    pub(crate) fn resolve<'n>(
        &mut self,
        path: impl Into<String>,
        name: &str,
        candidates: impl Iterator<Item = &'n str> + Clone,
        missing: &str,
    ) -> Option<usize> {
        let found = candidates.clone().position(|c| c == name);
        if found.is_none() {
            let hint = did_you_mean(name, candidates);
            self.fail(path, format!("`{name}` {missing}{hint}"));
        }
        found
    }

    /// Exactly one of the alternatives is given; otherwise `message` (which
    /// names them) is recorded at `path`.
    pub(crate) fn exactly_one(&mut self, path: &str, given: &[bool], message: &str) -> bool {
        let ok = given.iter().filter(|g| **g).count() == 1;
        if !ok {
            self.fail(path, message);
        }
        ok
    }

    /// At most `max` items in the list at `path`.
    pub(crate) fn at_most(&mut self, path: &str, len: usize, max: usize) -> bool {
        if len > max {
            self.fail(
                path,
                format!("has {len} entries; at most {max} are supported"),
            );
            false
        } else {
            true
        }
    }
    pub(crate) fn positive(&mut self, path: &str, v: f64) {
        if !(v.is_finite() && v > 0.0) {
            self.fail(path, format!("must be a positive number, got {v}"));
        }
    }
    pub(crate) fn non_negative(&mut self, path: &str, v: f64) {
        if !(v.is_finite() && v >= 0.0) {
            self.fail(path, format!("must be a number >= 0, got {v}"));
        }
    }
    pub(crate) fn unit(&mut self, path: &str, v: f64) {
        if !(0.0..=1.0).contains(&v) {
            self.fail(path, format!("must be a probability in [0, 1], got {v}"));
        }
    }
    pub(crate) fn dist(
        &mut self,
        raw: Option<&RawDist>,
        default: &str,
        path: &str,
        support: Support,
    ) -> Option<Dist> {
        match raw {
            Some(raw) => {
                let raw = self.inline(raw, path, support == Support::NonNegative)?;
                super::dist::build(&raw, path, support, &mut self.errors)
            }
            None => super::dist::build(&default_dist(default), path, support, &mut self.errors),
        }
    }
    pub(crate) fn rate(&mut self, raw: Option<&RawRate>, default: f64, path: &str) -> Option<Rate> {
        match raw {
            Some(RawRate::Dist(d)) => {
                let d = self.inline(d, path, true)?;
                super::dist::rate(&RawRate::Dist(d), path, &mut self.errors)
            }
            Some(raw) => super::dist::rate(raw, path, &mut self.errors),
            None => Some(Rate::Fixed(default)),
        }
    }

    /// A CSV-backed `empirical` distribution read into an inline one; any
    /// other distribution as it is.
    fn inline(&mut self, raw: &RawDist, path: &str, non_negative: bool) -> Option<RawDist> {
        let RawDist::Empirical(RawEmpirical::Csv(csv)) = raw else {
            return Some(raw.clone());
        };
        let read = self.data.read(&csv.csv);
        let read = read.and_then(|(file, bytes)| {
            super::data::read_column(&file, &bytes, &csv.column, non_negative)
        });
        match read {
            Ok(values) => Some(RawDist::Empirical(RawEmpirical::Values(values))),
            Err(e) => {
                self.fail(format!("{path}.empirical"), e);
                None
            }
        }
    }
}

/// A built-in default distribution (`defaults.rs`), parsed.
fn default_dist(json: &str) -> RawDist {
    serde_json::from_str(json).expect("built-in default distributions parse")
}
