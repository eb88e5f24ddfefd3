//! The errors a scenario file can produce, shaped for the person who wrote it.
//!
//! Parse errors carry `file:line:col`; validation errors carry the field path
//! (`partners[2].response_hours.lognormal.p90`). Validation collects every
//! problem before it reports, so one run of `leadsim validate` shows them all.

use std::fmt;
use std::path::PathBuf;

/// One problem with one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub path: String,
    pub message: String,
    /// 1-based (line, column) in the file, where it could be found.
    pub position: Option<(usize, usize)>,
}

/// Every problem found while validating, in the order found.
#[derive(Debug, Clone, Default)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    pub fn push(&mut self, path: String, message: String) {
        self.0.push(FieldError {
            path,
            message,
            position: None,
        });
    }
    /// Fills in each error's position from the file's text.
    pub fn locate(&mut self, locator: &super::locate::Locator<'_>) {
        for e in &mut self.0 {
            e.position = locator.locate(&e.path);
        }
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn iter(&self) -> impl Iterator<Item = &FieldError> {
        self.0.iter()
    }
}

impl ScenarioError {
    /// The errors of a scenario derived from the user's file (a setting
    /// `optimize` or `sensitivity` tries: the file's document with fields
    /// changed and its policies reduced, then written out again) told
    /// against that file: `policies[i]` of the derived document is
    /// `policies[kept[i]]` of the file, and each error is placed where its
    /// field (or its nearest written ancestor) stands in the file's text.
    pub fn against(self, original: &str, file: &std::path::Path, kept: &[usize]) -> ScenarioError {
        let ScenarioError::Invalid { errors, .. } = self else {
            return self;
        };
        let remap = |path: &str| -> String {
            let Some(rest) = path.strip_prefix("policies[") else {
                return path.to_string();
            };
            let Some(end) = rest.find(']') else {
                return path.to_string();
            };
            match rest[..end].parse::<usize>().ok().and_then(|i| kept.get(i)) {
                Some(k) => format!("policies[{k}]{}", &rest[end + 1..]),
                None => path.to_string(),
            }
        };
        let locator = super::locate::Locator::new(original);
        let errors = FieldErrors(
            errors
                .0
                .into_iter()
                .map(|e| {
                    let path = remap(&e.path);
                    FieldError {
                        position: locator.locate(&path),
                        path,
                        message: e.message,
                    }
                })
                .collect(),
        );
        ScenarioError::Invalid {
            file: file.to_path_buf(),
            errors,
        }
    }
}

/// Why a scenario could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    // The I/O error is in the message, not a `source`, so that an error
    // chain printed with `{:#}` does not say it twice.
    #[error("{file}: cannot read the scenario: {error}")]
    Read {
        file: PathBuf,
        error: std::io::Error,
    },
    #[error("{file}: the file is empty; expected a JSON object describing a scenario")]
    Empty { file: PathBuf },
    #[error("{file}:{line}:{column}: {path}{message}")]
    Parse {
        file: PathBuf,
        line: usize,
        column: usize,
        /// The field path followed by ": ", or empty when the error is at the top.
        path: String,
        message: String,
    },
    #[error("{}", InvalidDisplay { file, errors })]
    Invalid { file: PathBuf, errors: FieldErrors },
}

struct InvalidDisplay<'a> {
    file: &'a PathBuf,
    errors: &'a FieldErrors,
}

impl fmt::Display for InvalidDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.errors.len();
        write!(
            f,
            "{}: {n} problem{} in the scenario:",
            self.file.display(),
            if n == 1 { "" } else { "s" }
        )?;
        for e in self.errors.iter() {
            match e.position {
                Some((line, column)) => write!(f, "\n  {}:{line}:{column}: ", self.file.display())?,
                None => write!(f, "\n  {}: ", self.file.display())?,
            }
            write!(f, "{}: {}", e.path, e.message)?;
        }
        Ok(())
    }
}

/// The nearest of `candidates` to `name`, if one is close enough to be a typo.
pub fn nearest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::normalized_damerau_levenshtein(name, c), c))
        .filter(|(score, _)| *score >= 0.5)
        // The first of equally close names, so suggestions follow file order.
        .fold(None, |best: Option<(f64, &str)>, (score, c)| match best {
            Some((b, _)) if b >= score => best,
            _ => Some((score, c)),
        })
        .map(|(_, c)| c)
}

/// "; did you mean `x`?" or nothing.
pub fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    nearest(name, candidates)
        .map(|c| format!("; did you mean `{c}`?"))
        .unwrap_or_default()
}

/// Records an error at `path` unless `v` is a number in [0, 1].
pub(super) fn unit(errors: &mut FieldErrors, path: String, v: f64) {
    if !(0.0..=1.0).contains(&v) {
        errors.push(path, format!("must be a number in [0, 1], got {v}"));
    }
}
