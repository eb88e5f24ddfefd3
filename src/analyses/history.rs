//! Reading a CRM export of past leads (issue 16's `calibrate` and
//! `backtest` read it): one row per lead with `lead_id, created_at, region,
//! vertical, score, partner, first_contact_at, qualified, closed_at, won,
//! amount`, renamed to a real export's names with a column map
//! (`created_at=CreatedDate,partner=Owner__c`).
//!
//! Timestamps are ISO 8601 with or without an offset (without one, UTC);
//! `partner` is blank for the house or unassigned, `first_contact_at` blank
//! when never contacted, `closed_at`/`won`/`amount` blank while open. A
//! defect that makes the export untrustworthy is an error naming the row
//! (the file's line) and the column; a row that merely cannot be used (a
//! repeated `lead_id`, no creation time) is set aside and counted, never
//! dropped silently.

use std::collections::HashSet;

use anyhow::{bail, Context};

/// The fields an export must carry, in the order the issue lists them.
pub const FIELDS: [&str; 11] = [
    "lead_id",
    "created_at",
    "region",
    "vertical",
    "score",
    "partner",
    "first_contact_at",
    "qualified",
    "closed_at",
    "won",
    "amount",
];

/// The export's column name for each of [`FIELDS`].
#[derive(Debug, Clone, PartialEq)]
pub struct Columns(pub [String; 11]);

impl Default for Columns {
    fn default() -> Self {
        Columns(FIELDS.map(String::from))
    }
}

/// Parses `field=Column,field=Column` over the default names.
pub fn parse_columns(spec: &str) -> anyhow::Result<Columns> {
    let mut columns = Columns::default();
    let mut mapped = [false; 11];
    for part in spec.split(',').filter(|p| !p.trim().is_empty()) {
        let (field, column) = part
            .split_once('=')
            .with_context(|| format!("--columns `{part}`: expected FIELD=COLUMN"))?;
        let field = field.trim();
        let i = FIELDS.iter().position(|f| *f == field).with_context(|| {
            format!(
                "--columns `{part}`: `{field}` is not a field (fields: {}){}",
                FIELDS.join(", "),
                crate::scenario::errors::did_you_mean(field, FIELDS.iter().copied())
            )
        })?;
        if std::mem::replace(&mut mapped[i], true) {
            bail!("--columns: `{field}` is mapped twice; map each field once");
        }
        columns.0[i] = column.trim().to_string();
    }
    // Two fields reading one column (`partner=region` while `region` is
    // still read from `region`) would fit one from the other.
    for (i, (field, column)) in FIELDS.iter().zip(&columns.0).enumerate() {
        if let Some(j) = (0..i).find(|&j| &columns.0[j] == column) {
            bail!(
                "--columns: `{}` and `{field}` would both read the column `{}`; map one of them to another column",
                FIELDS[j],
                crate::format::excerpt(column)
            );
        }
    }
    Ok(columns)
}

/// The most data rows an export may have (as for any data file).
pub const MAX_ROWS: usize = crate::scenario::data::MAX_DATA_ROWS;

/// One usable lead. Times are hours since the Unix epoch, UTC.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The file's line (the header is line 1).
    pub line: u64,
    pub lead_id: String,
    pub created: f64,
    pub region: Option<String>,
    pub vertical: Option<String>,
    pub score: Option<f64>,
    pub partner: Option<String>,
    pub first_contact: Option<f64>,
    pub qualified: Option<bool>,
    pub closed: Option<f64>,
    pub won: Option<bool>,
    pub amount: Option<f64>,
}

impl Row {
    /// Hours from creation to first contact, when contacted.
    pub fn ttfc(&self) -> Option<f64> {
        self.first_contact.map(|c| c - self.created)
    }

    /// Qualified: said so, or won.
    pub fn qualified(&self) -> bool {
        self.qualified == Some(true) || self.won == Some(true)
    }
}

/// The weekday (Monday 0) of the UTC day `hours` since the epoch falls
/// in (the epoch was a Thursday).
pub fn weekday(hours: f64) -> usize {
    ((hours / 24.0).floor() as i64 + 3).rem_euclid(7) as usize
}

impl History {
    /// The first creation (hours since the epoch); `None` without rows.
    pub fn first_created(&self) -> Option<f64> {
        self.rows.iter().map(|r| r.created).min_by(f64::total_cmp)
    }

    /// The export's end: its latest time of any kind, when a lead not
    /// contacted or not closed is censored.
    pub fn end(&self) -> Option<f64> {
        self.rows
            .iter()
            .flat_map(|r| [Some(r.created), r.first_contact, r.closed])
            .flatten()
            .max_by(f64::total_cmp)
    }
}

/// The usable rows, and the rows set aside with why.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    pub rows: Vec<Row>,
    pub set_aside: Vec<(u64, String)>,
}

/// An ISO 8601 time, with or without an offset (without: UTC), as hours
/// since the epoch.
pub fn parse_time(text: &str) -> Option<f64> {
    let text = text.trim();
    if let Ok(ts) = text.parse::<jiff::Timestamp>() {
        return Some(ts.as_millisecond() as f64 / 3_600_000.0);
    }
    let civil: jiff::civil::DateTime = text.parse().ok()?;
    let ts = civil
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .ok()?
        .timestamp();
    Some(ts.as_millisecond() as f64 / 3_600_000.0)
}

/// Hours since the epoch as an ISO 8601 time in UTC, to the second.
pub fn format_time(hours: f64) -> String {
    let seconds = (hours * 3600.0).round() as i64;
    match jiff::Timestamp::from_second(seconds) {
        Ok(ts) => ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
        Err(_) => format!("{hours} hours after 1970-01-01"),
    }
}

fn parse_bool(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "y" | "t" => Some(true),
        "false" | "0" | "no" | "n" | "f" => Some(false),
        _ => None,
    }
}

/// Reads an export. `name` names the file in errors.
/// One record's cells, read as the export's fields (untrusted: quoted in
/// messages at most 40 characters, control characters escaped).
struct Cells<'a> {
    name: &'a str,
    line: u64,
    record: &'a csv::StringRecord,
    at: &'a [usize; 11],
    columns: &'a Columns,
}

impl Cells<'_> {
    fn cell(&self, f: usize) -> &str {
        self.record.get(self.at[f]).unwrap_or("").trim()
    }

    fn shown(&self, f: usize) -> String {
        crate::format::excerpt(self.cell(f))
    }

    fn blank(&self, f: usize) -> bool {
        self.cell(f).is_empty()
    }

    fn at_cell(&self, f: usize) -> String {
        format!(
            "{}: line {}, column `{}`",
            self.name, self.line, self.columns.0[f]
        )
    }

    fn time(&self, f: usize) -> anyhow::Result<Option<f64>> {
        if self.blank(f) {
            return Ok(None);
        }
        parse_time(self.cell(f)).map(Some).with_context(|| {
            format!(
                "{}: `{}` is not an ISO 8601 time (e.g. 2026-07-01T09:30:00Z)",
                self.at_cell(f),
                self.shown(f)
            )
        })
    }

    fn number(&self, f: usize) -> anyhow::Result<Option<f64>> {
        if self.blank(f) {
            return Ok(None);
        }
        let v = self
            .cell(f)
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .with_context(|| format!("{}: `{}` is not a number", self.at_cell(f), self.shown(f)))?;
        if v.abs() > crate::scenario::dist::MAX_MAGNITUDE {
            bail!(
                "{}: {} is beyond ±{:e}, the largest magnitude leadsim reads",
                self.at_cell(f),
                self.shown(f),
                crate::scenario::dist::MAX_MAGNITUDE
            );
        }
        Ok(Some(v))
    }

    fn flag(&self, f: usize) -> anyhow::Result<Option<bool>> {
        if self.blank(f) {
            return Ok(None);
        }
        parse_bool(self.cell(f)).map(Some).with_context(|| {
            format!(
                "{}: `{}` is not true or false",
                self.at_cell(f),
                self.shown(f)
            )
        })
    }

    /// Region, vertical and partner become names in the scenario.
    fn text(&self, f: usize) -> anyhow::Result<Option<String>> {
        if self.blank(f) {
            return Ok(None);
        }
        if self.cell(f).chars().count() > crate::scenario::limits::MAX_NAME_CHARS
            || self.cell(f).chars().any(char::is_control)
        {
            bail!(
                "{}: `{}` is not a name (at most {} characters, no control characters)",
                self.at_cell(f),
                self.shown(f),
                crate::scenario::limits::MAX_NAME_CHARS
            );
        }
        Ok(Some(self.cell(f).to_string()))
    }
}

/// A record as a row; `Ok(Err(why))` when it cannot be used and is set
/// aside (no lead id, no creation time, a repeated lead id); an error for
/// a defect that makes the export untrustworthy.
fn record_row(c: &Cells, seen: &mut HashSet<String>) -> anyhow::Result<Result<Row, String>> {
    let (lead_id, created_col) = (0, 1);
    if c.blank(lead_id) {
        return Ok(Err("no lead_id".into()));
    }
    let Some(created) = c.time(created_col)? else {
        return Ok(Err("no creation time".into()));
    };
    if !seen.insert(c.cell(lead_id).to_string()) {
        return Ok(Err(format!(
            "lead_id `{}` repeats an earlier row",
            c.shown(lead_id)
        )));
    }
    let first_contact = c.time(6)?;
    if first_contact.is_some_and(|c| c < created) {
        bail!(
            "{}: first contact {} is before the lead was created ({})",
            c.at_cell(6),
            c.shown(6),
            c.shown(created_col)
        );
    }
    let closed = c.time(8)?;
    let won = c.flag(9)?;
    if won.is_some() && closed.is_none() {
        bail!("{}: `won` is given but `closed_at` is blank", c.at_cell(9));
    }
    if closed.is_some_and(|c| c < created) {
        bail!(
            "{}: closed {} before the lead was created ({})",
            c.at_cell(8),
            c.shown(8),
            c.shown(created_col)
        );
    }
    if let (Some(contact), Some(close)) = (first_contact, closed) {
        if close < contact {
            bail!(
                "{}: closed {} before its first contact ({}): a lead is contacted, then closed",
                c.at_cell(8),
                c.shown(8),
                c.shown(6)
            );
        }
    }
    let amount = c.number(10)?;
    if amount.is_some_and(|a| a < 0.0) {
        bail!("{}: a negative amount, {}", c.at_cell(10), c.shown(10));
    }
    let score = c.number(4)?;
    if score.is_some_and(|s| !(0.0..=1.0).contains(&s)) {
        bail!(
            "{}: a score of {}, outside [0, 1]",
            c.at_cell(4),
            c.shown(4)
        );
    }
    Ok(Ok(Row {
        line: c.line,
        lead_id: c.cell(lead_id).to_string(),
        created,
        region: c.text(2)?,
        vertical: c.text(3)?,
        score,
        partner: c.text(5)?,
        first_contact,
        qualified: c.flag(7)?,
        closed,
        won,
        amount,
    }))
}

pub fn read(name: &str, bytes: &[u8], columns: &Columns) -> anyhow::Result<History> {
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(bytes);
    let header = reader
        .headers()
        .with_context(|| format!("{name}: cannot read the header line"))?
        .clone();
    let mut at = [0usize; 11];
    for (i, column) in columns.0.iter().enumerate() {
        at[i] = header.iter().position(|h| h.trim() == column).with_context(|| {
            let names: Vec<&str> = header.iter().collect();
            format!(
                "{name}: no column `{column}` for `{}` (columns: {}){}; map it with --columns {}=NAME",
                FIELDS[i],
                names.join(", "),
                crate::scenario::errors::did_you_mean(column, names.iter().copied()),
                FIELDS[i]
            )
        })?;
    }
    let mut history = History {
        rows: Vec::new(),
        set_aside: Vec::new(),
    };
    let mut seen = HashSet::new();
    let mut any_partner = false;
    for (k, record) in reader.records().enumerate() {
        let line = k as u64 + 2;
        if k >= MAX_ROWS {
            bail!("{name} has more than {MAX_ROWS} rows; at most {MAX_ROWS} are read");
        }
        let record = record.with_context(|| format!("{name}: line {line} is not valid CSV"))?;
        let c = Cells {
            name,
            line,
            record: &record,
            at: &at,
            columns,
        };
        match record_row(&c, &mut seen)? {
            Ok(row) => {
                any_partner |= row.partner.is_some();
                history.rows.push(row);
            }
            Err(why) => history.set_aside.push((line, why)),
        }
    }
    if !history.rows.is_empty() && !any_partner {
        bail!(
            "{name}: column `{}` (partner) is empty in every row: map the export's owner column with --columns partner=NAME",
            columns.0[5]
        );
    }
    Ok(history)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "lead_id,created_at,region,vertical,score,partner,first_contact_at,qualified,closed_at,won,amount\n";

    fn read_text(body: &str) -> anyhow::Result<History> {
        read(
            "h.csv",
            format!("{HEADER}{body}").as_bytes(),
            &Columns::default(),
        )
    }

    #[test]
    fn times_with_and_without_an_offset() {
        // 2026-07-01T09:30Z is 1,782,898,200 s after the epoch.
        let z = 1_782_898_200.0 / 3600.0;
        assert_eq!(parse_time("2026-07-01T09:30:00Z"), Some(z));
        assert_eq!(parse_time("2026-07-01T11:30:00+02:00"), Some(z));
        assert_eq!(parse_time("2026-07-01T09:30:00"), Some(z));
        assert_eq!(parse_time("2026-07-01 09:30"), Some(z));
        assert_eq!(parse_time("1 July"), None);
    }

    #[test]
    fn rows_are_read_and_unusable_ones_set_aside_with_why() {
        let h = read_text(
            "a,2026-07-01T09:00:00Z,na,finance,0.7,Contoso,2026-07-01T10:00:00Z,true,2026-07-20T00:00:00Z,true,12000\n\
             b,2026-07-01T09:00:00Z,na,,,,,,,,\n\
             a,2026-07-02T09:00:00Z,na,,,Contoso,,,,,\n\
             c,,emea,,,Contoso,,,,,\n",
        )
        .unwrap();
        assert_eq!(h.rows.len(), 2);
        let a = &h.rows[0];
        assert_eq!(
            (a.line, a.partner.as_deref(), a.won, a.amount),
            (2, Some("Contoso"), Some(true), Some(12000.0))
        );
        assert_eq!(a.first_contact.unwrap() - a.created, 1.0);
        let b = &h.rows[1];
        assert_eq!(
            (b.partner.clone(), b.first_contact, b.closed),
            (None, None, None)
        );
        assert_eq!(
            h.set_aside,
            vec![
                (4, "lead_id `a` repeats an earlier row".to_string()),
                (5, "no creation time".to_string())
            ]
        );
    }

    #[test]
    fn each_defect_names_its_row_and_column() {
        let ok = "2026-07-01T09:00:00Z";
        for (row, expected) in [
            (
                "a,yesterday,na,,,P,,,,,".to_string(),
                "line 2, column `created_at`: `yesterday` is not an ISO 8601 time",
            ),
            (
                format!("a,{ok},na,,,P,2026-06-30T09:00:00Z,,,,"),
                "line 2, column `first_contact_at`: first contact 2026-06-30T09:00:00Z is before",
            ),
            (
                format!("a,{ok},na,,,P,,,,true,"),
                "line 2, column `won`: `won` is given but `closed_at` is blank",
            ),
            (
                format!("a,{ok},na,,,P,,,{ok},true,-5"),
                "line 2, column `amount`: a negative amount",
            ),
            (
                format!("a,{ok},na,,,,,,,,"),
                "(partner) is empty in every row",
            ),
            (
                format!("a,{ok},na,,1.5,P,,,,,"),
                "line 2, column `score`: a score of 1.5, outside [0, 1]",
            ),
            (
                format!("a,{ok},na,,high,P,,,,,"),
                "line 2, column `score`: `high` is not a number",
            ),
        ] {
            let e = read_text(&format!("{row}\n")).unwrap_err().to_string();
            assert!(e.contains(expected), "expected `{expected}` in {e}");
        }
    }

    #[test]
    fn a_real_exports_names_are_mapped() {
        let cols = parse_columns("created_at=CreatedDate, partner=Owner__c").unwrap();
        let text = "lead_id,CreatedDate,region,vertical,score,Owner__c,first_contact_at,qualified,closed_at,won,amount\n\
                    x,2026-07-01,na,,,Fabrikam,,,,,\n";
        let h = read("sf.csv", text.as_bytes(), &cols).unwrap();
        assert_eq!(h.rows[0].partner.as_deref(), Some("Fabrikam"));
        let e = read("sf.csv", text.as_bytes(), &Columns::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("no column `created_at`"), "{e}");
        assert!(e.contains("--columns created_at=NAME"), "{e}");
        let e = parse_columns("owner=Owner__c").unwrap_err().to_string();
        assert!(e.contains("`owner` is not a field"), "{e}");
    }
}
