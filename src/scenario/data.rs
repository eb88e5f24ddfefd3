//! Reading users' data: a CSV column for an `empirical` distribution, and a
//! file of historical leads for `leads.replay`.
//!
//! Every problem names the file, and where it can the row and column: a
//! missing column lists the columns found, an unparseable value gives its
//! row (1-based, as a spreadsheet shows it, header included) and column.

use super::limits::MAX_MAGNITUDE;
use std::cell::RefCell;
use std::path::{Component, Path, PathBuf};

/// The largest data file read, in bytes.
pub const MAX_DATA_BYTES: u64 = 256 * 1024 * 1024;

/// The most data rows a file may have.
pub const MAX_DATA_ROWS: usize = 1_000_000;

pub use crate::files::excerpt;

pub use crate::model::DataFile;

/// Where a scenario may read data files, and what it read.
///
/// A scenario is untrusted: by default it may read only regular files in
/// its own folder tree (no absolute path, no `..` out of it, no symbolic
/// link out of it); `--data-root DIR` allows a second tree. Files must be
/// regular files of at most [`MAX_DATA_BYTES`] (not a FIFO or a device).
#[derive(Debug)]
pub struct DataAccess {
    /// The scenario file's folder (the current folder for a bare name).
    base_dir: PathBuf,
    /// A second folder data may come from.
    extra_root: Option<PathBuf>,
    read: RefCell<Vec<DataFile>>,
}

impl DataAccess {
    pub fn new(base_dir: Option<&Path>, extra_root: Option<&Path>) -> DataAccess {
        DataAccess {
            base_dir: base_dir.map_or_else(|| PathBuf::from("."), Path::to_path_buf),
            extra_root: extra_root.map(Path::to_path_buf),
            read: RefCell::new(Vec::new()),
        }
    }

    /// The data files read so far.
    pub fn files(&self) -> Vec<DataFile> {
        self.read.borrow().clone()
    }

    /// Reads `file` (as written in the scenario) if the rules allow it.
    pub fn read(&self, file: &str) -> Result<(PathBuf, Vec<u8>), String> {
        let given = Path::new(file);
        let shown = excerpt(file);
        let escapes = given.is_absolute()
            || given
                .components()
                .any(|c| matches!(c, Component::ParentDir | Component::Prefix(_)));
        let candidate = if given.is_absolute() {
            given.to_path_buf()
        } else {
            self.base_dir.join(given)
        };
        // One answer for a file that is missing and one that is outside:
        // a scenario must not be able to probe which files exist elsewhere
        // on the machine that runs it.
        let refused = || {
            format!(
                "`{shown}` is not a file inside the scenario's folder ({}): it is missing, or outside that folder tree (a path with `..`, an absolute path or a link out of it); a scenario may read only files in its own folder tree, and --data-root DIR allows another",
                self.base_dir.display()
            )
        };
        let real = candidate.canonicalize().map_err(|_| refused())?;
        let inside = |root: &Path| root.canonicalize().is_ok_and(|root| real.starts_with(root));
        let allowed_here = !escapes && inside(&self.base_dir);
        let allowed_extra = self.extra_root.as_deref().is_some_and(inside);
        if !(allowed_here || allowed_extra) {
            return Err(refused());
        }
        let bytes = crate::files::read_bounded(&real, MAX_DATA_BYTES)
            .map_err(|e| format!("cannot read `{shown}`: {e}"))?;
        self.read.borrow_mut().push(DataFile {
            path: file.to_string(),
            digest: digest_bytes(&bytes),
        });
        Ok((candidate, bytes))
    }
}

/// A digest of a file's bytes (64-bit FNV-1a: not cryptographic; it tells
/// shards apart that read different data, it does not authenticate them).
pub fn digest_bytes(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// A CSV file read whole, with its header.
pub struct Table {
    pub path: PathBuf,
    pub headers: Vec<String>,
    pub rows: Vec<csv::StringRecord>,
}

impl Table {
    /// Parses the bytes of the CSV file at `path` (for messages).
    pub fn parse(path: &Path, bytes: &[u8]) -> Result<Table, String> {
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(bytes);
        let headers: Vec<String> = reader
            .headers()
            .map_err(|e| format!("{}: {e}", path.display()))?
            .iter()
            .map(str::to_string)
            .collect();
        if headers.iter().all(|h| h.is_empty()) {
            return Err(format!(
                "{} is empty: expected a header row and data rows",
                path.display()
            ));
        }
        // A column named twice: which one a field reads would be a guess.
        for (i, h) in headers.iter().enumerate() {
            if let Some(j) = headers[..i].iter().position(|g| g == h) {
                return Err(format!(
                    "{}: the column `{}` is named twice (columns {} and {}); rename or remove one",
                    path.display(),
                    excerpt(h),
                    j + 1,
                    i + 1
                ));
            }
        }
        let mut rows = Vec::new();
        for (i, record) in reader.records().enumerate() {
            if i >= MAX_DATA_ROWS {
                return Err(format!(
                    "{} has more than {MAX_DATA_ROWS} data rows; at most {MAX_DATA_ROWS} are supported",
                    path.display()
                ));
            }
            rows.push(record.map_err(|e| format!("{}: row {}: {e}", path.display(), i + 2))?);
        }
        if rows.is_empty() {
            return Err(format!("{} has a header but no data rows", path.display()));
        }
        Ok(Table {
            path: path.to_path_buf(),
            headers,
            rows,
        })
    }

    /// The header names, quoted and shortened, for a message.
    fn listed_headers(&self) -> String {
        let mut names: Vec<String> = self
            .headers
            .iter()
            .take(20)
            .map(|h| format!("`{}`", excerpt(h)))
            .collect();
        if self.headers.len() > 20 {
            names.push(format!("and {} more", self.headers.len() - 20));
        }
        names.join(", ")
    }

    /// The index of a column, or an error listing the columns there are.
    pub fn column(&self, name: &str) -> Result<usize, String> {
        self.headers.iter().position(|h| h == name).ok_or_else(|| {
            format!(
                "{} has no column `{name}`; its columns are: {}",
                self.path.display(),
                self.listed_headers()
            )
        })
    }

    /// The number in `column` of data row `row` (0-based), within the
    /// magnitude every number of a scenario keeps ([`MAX_MAGNITUDE`]).
    pub fn number(&self, row: usize, column: usize) -> Result<f64, String> {
        let text = self.rows[row].get(column).unwrap_or("");
        match text.parse::<f64>() {
            Ok(v) if v.is_finite() && v.abs() > MAX_MAGNITUDE => Err(format!(
                "{}: row {}, column `{}`: {} is beyond ±{MAX_MAGNITUDE:e}, the largest magnitude leadsim reads",
                self.path.display(),
                row + 2,
                excerpt(&self.headers[column]),
                excerpt(text)
            )),
            Ok(v) if v.is_finite() => Ok(v),
            _ => Err(format!(
                "{}: row {}, column `{}`: `{}` is not a number",
                self.path.display(),
                row + 2,
                excerpt(&self.headers[column]),
                excerpt(text)
            )),
        }
    }

    /// The text in `column` of data row `row` (0-based).
    pub fn text(&self, row: usize, column: usize) -> &str {
        self.rows[row].get(column).unwrap_or("")
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

/// Every value of one column, checked to be numbers (and >= 0 when
/// `non_negative`).
pub fn read_column(
    path: &Path,
    bytes: &[u8],
    column: &str,
    non_negative: bool,
) -> Result<Vec<f64>, String> {
    let table = Table::parse(path, bytes)?;
    let c = table.column(column)?;
    (0..table.len())
        .map(|row| {
            let v = table.number(row, c)?;
            if non_negative && v < 0.0 {
                return Err(format!(
                    "{}: row {}, column `{column}`: {v} is negative",
                    path.display(),
                    row + 2
                ));
            }
            Ok(v)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `read_column` on the file `d.csv` holding `text`, read through the
    /// access rules of a scenario in the same folder.
    fn column(text: &str, name: &str) -> Result<Vec<f64>, String> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("d.csv"), text).unwrap();
        let access = DataAccess::new(Some(dir.path()), None);
        let (path, bytes) = access.read("d.csv")?;
        read_column(&path, &bytes, name, true)
    }

    #[test]
    fn reads_a_column_and_explains_bad_data() {
        assert_eq!(
            column("day,deal_size\n1,100\n2, 250.5\n", "deal_size").unwrap(),
            vec![100.0, 250.5]
        );
        let e = column("day,deal_size\n1,100\n2, 250.5\n", "size").unwrap_err();
        assert!(
            e.ends_with("has no column `size`; its columns are: `day`, `deal_size`"),
            "{e}"
        );
        let e = column("deal_size\n100\nabc\n", "deal_size").unwrap_err();
        assert!(
            e.ends_with("row 3, column `deal_size`: `abc` is not a number"),
            "{e}"
        );
        assert!(column("deal_size\n100\n-5\n", "deal_size")
            .unwrap_err()
            .ends_with("row 3, column `deal_size`: -5 is negative"));
        assert!(column("", "x").unwrap_err().contains("is empty"));
        assert!(column("deal_size\n", "deal_size")
            .unwrap_err()
            .contains("no data rows"));
        // A long value is quoted as a short excerpt.
        let long = "x".repeat(10_000);
        let e = column(&format!("deal_size\n{long}\n"), "deal_size").unwrap_err();
        assert!(e.len() < 200, "{e}");
    }

    #[test]
    fn a_scenario_reads_only_regular_files_in_its_tree() {
        let outer = tempfile::tempdir().unwrap();
        let dir = outer.path().join("scenarios");
        std::fs::create_dir_all(dir.join("data")).unwrap();
        std::fs::write(dir.join("data/in.csv"), "x\n1\n").unwrap();
        std::fs::write(outer.path().join("out.csv"), "x\n1\n").unwrap();
        let access = DataAccess::new(Some(&dir), None);
        assert!(access.read("data/in.csv").is_ok());
        assert!(access
            .read("./data/../data/in.csv")
            .unwrap_err()
            .contains("outside"));
        assert!(access.read("../out.csv").unwrap_err().contains("outside"));
        let abs = outer.path().join("out.csv");
        assert!(access
            .read(abs.to_str().unwrap())
            .unwrap_err()
            .contains("--data-root"));
        assert!(access.read("/etc/passwd").unwrap_err().contains("outside"));
        assert!(access
            .read("data")
            .unwrap_err()
            .contains("not a regular file"));
        // Missing and outside give one answer, word for word: a scenario
        // cannot tell whether a file exists outside its folder.
        let same = |a: &str, b: &str| {
            let (a, b) = (access.read(a).unwrap_err(), access.read(b).unwrap_err());
            assert_eq!(
                a.replace(&a[..a.find("` is").unwrap()], ""),
                b.replace(&b[..b.find("` is").unwrap()], "")
            );
        };
        same("nope.csv", "../out.csv");
        same("../out.csv", "../missing.csv");
        same("/etc/passwd", "/etc/no-such-file-here");
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(outer.path().join("out.csv"), dir.join("link.csv")).unwrap();
            std::os::unix::fs::symlink(outer.path().join("gone.csv"), dir.join("dangling.csv"))
                .unwrap();
            assert!(access.read("link.csv").unwrap_err().contains("outside"));
            same("link.csv", "dangling.csv");
        }
        // --data-root allows the other tree, and only it.
        let access = DataAccess::new(Some(&dir), Some(outer.path()));
        assert!(access.read("../out.csv").is_ok());
        assert!(access.read("/etc/passwd").is_err());
        assert_eq!(access.files().len(), 1);
    }
}

/// One historical lead, as read from a replay file.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoricalLead {
    pub arrival_day: Option<f64>,
    pub region: Option<String>,
    pub vertical: Option<String>,
    /// True quality, or the score the lead had (one of them is present).
    pub quality: Option<f64>,
    pub score: Option<f64>,
    pub deal_size: f64,
}

/// Reads a replay file: columns `deal_size` and one of `quality` or
/// `score` are required; `arrival_day` (required when `need_arrivals`),
/// `region` and `vertical` are optional. Arrivals must not go back in time.
pub fn read_leads(
    path: &Path,
    bytes: &[u8],
    need_arrivals: bool,
) -> Result<Vec<HistoricalLead>, String> {
    let table = Table::parse(path, bytes)?;
    let optional = |name: &str| table.headers.iter().position(|h| h == name);
    let deal = table.column("deal_size")?;
    let arrival = if need_arrivals {
        Some(table.column("arrival_day")?)
    } else {
        optional("arrival_day")
    };
    let (quality, score) = (optional("quality"), optional("score"));
    if quality.is_some() && score.is_some() {
        return Err(format!(
            "{} has both a `quality` and a `score` column: a replayed lead's quality is one of them (`quality`, the true chance it qualifies; `score`, what the scoring model said, used as its quality too); remove the one not meant",
            path.display()
        ));
    }
    if quality.is_none() && score.is_none() {
        return Err(format!(
            "{} needs a `quality` or a `score` column; its columns are: {}",
            path.display(),
            table.listed_headers()
        ));
    }
    let (region, vertical) = (optional("region"), optional("vertical"));
    let unit = |row: usize, column: usize| -> Result<f64, String> {
        let v = table.number(row, column)?;
        if (0.0..=1.0).contains(&v) {
            Ok(v)
        } else {
            Err(format!(
                "{}: row {}, column `{}`: {v} is outside [0, 1]",
                path.display(),
                row + 2,
                table.headers[column]
            ))
        }
    };
    // Region and vertical values become names in the outputs: the same
    // rules as names written in a scenario.
    let text = |row: usize, column: Option<usize>| -> Result<Option<String>, String> {
        let Some(c) = column else { return Ok(None) };
        let t = table.text(row, c);
        if t.chars().count() > crate::scenario::limits::MAX_NAME_CHARS
            || t.chars().any(char::is_control)
        {
            return Err(format!(
                "{}: row {}, column `{}`: `{}` is not a name (at most {} characters, no control characters)",
                path.display(),
                row + 2,
                table.headers[c],
                excerpt(t),
                crate::scenario::limits::MAX_NAME_CHARS
            ));
        }
        Ok((!t.is_empty()).then(|| t.to_string()))
    };
    let mut leads = Vec::with_capacity(table.len());
    let mut last_day = f64::NEG_INFINITY;
    for row in 0..table.len() {
        let deal_size = table.number(row, deal)?;
        if deal_size < 0.0 {
            return Err(format!(
                "{}: row {}, column `deal_size`: {deal_size} is negative",
                path.display(),
                row + 2
            ));
        }
        let arrival_day = match arrival {
            Some(c) => {
                let day = table.number(row, c)?;
                if day < 0.0 {
                    return Err(format!(
                        "{}: row {}, column `arrival_day`: {day} is negative",
                        path.display(),
                        row + 2
                    ));
                }
                if day < last_day {
                    return Err(format!(
                        "{}: row {}, column `arrival_day`: {day} comes before the previous row's {last_day}; sort the leads by arrival",
                        path.display(),
                        row + 2
                    ));
                }
                last_day = day;
                Some(day)
            }
            None => None,
        };
        leads.push(HistoricalLead {
            arrival_day,
            region: text(row, region)?,
            vertical: text(row, vertical)?,
            quality: quality.map(|c| unit(row, c)).transpose()?,
            score: score.map(|c| unit(row, c)).transpose()?,
            deal_size,
        });
    }
    Ok(leads)
}
