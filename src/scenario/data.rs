//! Reading users' data: a CSV column for an `empirical` distribution, and a
//! file of historical leads for `leads.replay`.
//!
//! Every problem names the file, and where it can the row and column: a
//! missing column lists the columns found, an unparseable value gives its
//! row (1-based, as a spreadsheet shows it, header included) and column.

use std::path::{Path, PathBuf};

/// Resolves `file` against the folder of the scenario file (the current
/// folder for a scenario without one, like the bundled default).
pub fn resolve(base_dir: Option<&Path>, file: &str) -> PathBuf {
    let p = Path::new(file);
    match base_dir {
        Some(dir) if p.is_relative() => dir.join(p),
        _ => p.to_path_buf(),
    }
}

/// A CSV file read whole, with its header.
pub struct Table {
    pub path: PathBuf,
    pub headers: Vec<String>,
    pub rows: Vec<csv::StringRecord>,
}

impl Table {
    pub fn read(path: &Path) -> Result<Table, String> {
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_path(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
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
        let mut rows = Vec::new();
        for (i, record) in reader.records().enumerate() {
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

    /// The index of a column, or an error listing the columns there are.
    pub fn column(&self, name: &str) -> Result<usize, String> {
        self.headers.iter().position(|h| h == name).ok_or_else(|| {
            format!(
                "{} has no column `{name}`; its columns are: {}",
                self.path.display(),
                self.headers
                    .iter()
                    .map(|h| format!("`{h}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
    }

    /// The number in `column` of data row `row` (0-based).
    pub fn number(&self, row: usize, column: usize) -> Result<f64, String> {
        let text = self.rows[row].get(column).unwrap_or("");
        match text.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(v),
            _ => Err(format!(
                "{}: row {}, column `{}`: `{text}` is not a number",
                self.path.display(),
                row + 2,
                self.headers[column]
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
pub fn read_column(path: &Path, column: &str, non_negative: bool) -> Result<Vec<f64>, String> {
    let table = Table::read(path)?;
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

    fn file(text: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.csv");
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    #[test]
    fn reads_a_column_and_explains_bad_data() {
        let (_d, p) = file("day,deal_size\n1,100\n2, 250.5\n");
        assert_eq!(
            read_column(&p, "deal_size", true).unwrap(),
            vec![100.0, 250.5]
        );
        let e = read_column(&p, "size", true).unwrap_err();
        assert!(
            e.ends_with("has no column `size`; its columns are: `day`, `deal_size`"),
            "{e}"
        );
        let (_d, p) = file("deal_size\n100\nabc\n");
        let e = read_column(&p, "deal_size", true).unwrap_err();
        assert!(
            e.ends_with("row 3, column `deal_size`: `abc` is not a number"),
            "{e}"
        );
        let (_d, p) = file("deal_size\n100\n-5\n");
        assert!(read_column(&p, "deal_size", true)
            .unwrap_err()
            .ends_with("row 3, column `deal_size`: -5 is negative"));
        let (_d, p) = file("");
        assert!(read_column(&p, "x", true).unwrap_err().contains("is empty"));
        let (_d, p) = file("deal_size\n");
        assert!(read_column(&p, "deal_size", true)
            .unwrap_err()
            .contains("no data rows"));
        assert!(read_column(Path::new("/nonexistent/x.csv"), "x", true)
            .unwrap_err()
            .starts_with("cannot read"));
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
pub fn read_leads(path: &Path, need_arrivals: bool) -> Result<Vec<HistoricalLead>, String> {
    let table = Table::read(path)?;
    let optional = |name: &str| table.headers.iter().position(|h| h == name);
    let deal = table.column("deal_size")?;
    let arrival = if need_arrivals {
        Some(table.column("arrival_day")?)
    } else {
        optional("arrival_day")
    };
    let (quality, score) = (optional("quality"), optional("score"));
    if quality.is_none() && score.is_none() {
        return Err(format!(
            "{} needs a `quality` or a `score` column; its columns are: {}",
            path.display(),
            table
                .headers
                .iter()
                .map(|h| format!("`{h}`"))
                .collect::<Vec<_>>()
                .join(", ")
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
    let text = |row: usize, column: Option<usize>| {
        column
            .map(|c| table.text(row, c).to_string())
            .filter(|t| !t.is_empty())
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
            region: text(row, region),
            vertical: text(row, vertical),
            quality: quality.map(|c| unit(row, c)).transpose()?,
            score: score.map(|c| unit(row, c)).transpose()?,
            deal_size,
        });
    }
    Ok(leads)
}
