//! Writes `scenarios/data/crm-export.csv`, the synthetic CRM export that
//! `leadsim calibrate` and `leadsim backtest` are tested on, from the ground
//! truth `scenarios/data/crm-ground-truth.json`:
//!
//! ```sh
//! cargo run --release --example crm_export
//! ```
//!
//! The leads are replication 0 of the ground truth's `round-robin` (what
//! `leadsim trace` shows), day 0 being Monday 2026-06-01, exported at the
//! end of day 91 with the defects of a real export:
//!
//! - leads not yet contacted at the export have a blank `first_contact_at`
//!   (their times are censored), opportunities not yet closed blank
//!   `closed_at`, `won` and `amount`;
//! - times in the region's local offset (`-05:00` for NA, `+01:00` for
//!   EMEA, `Z` for APAC), and every tenth without an offset (UTC);
//! - three leads exported twice, and one row whose `created_at` is blank
//!   (both set aside by `calibrate`, and counted);
//! - the house's leads with a blank `partner`;
//! - Linden joins in the last week, so it has about a dozen leads.
//!
//! `tests/it/calibrate.rs` regenerates the export and checks it is the
//! committed file, byte for byte.

use std::fmt::Write as _;
use std::path::Path;

/// Midnight UTC of Monday 2026-06-01, in seconds since the epoch.
pub const DAY_ZERO: i64 = 1_780_272_000;

/// The export, as CSV text, from the ground truth scenario at `path`.
pub fn export(path: &Path) -> String {
    let model = leadsim::load_file(path).expect("the ground truth loads");
    let (leads, _) = leadsim::analyses::trace::trace(&model, model.seed, 0, 0, 0);
    let end = model.horizon_hours;
    let mut out = String::from(
        "lead_id,created_at,region,vertical,score,partner,first_contact_at,qualified,closed_at,won,amount\n",
    );
    let mut rows = Vec::new();
    for (i, l) in leads.iter().enumerate().filter(|(_, l)| l.arrived) {
        let segment = &model.leads.segments[l.segment as usize];
        let region = segment.region.map_or("", |r| model.regions[r].as_str());
        let vertical = segment.vertical.map_or("", |v| model.verticals[v].as_str());
        let offset = match region {
            "na" => -5,
            "emea" => 1,
            _ => 0,
        };
        let naive = i % 10 == 9;
        let time = |hours: f64| stamp(hours, offset, naive);
        let partner = l
            .holder
            .and_then(|h| model.partners.get(h as usize))
            .map_or("", |p| p.name.as_str());
        let contact = l.first_contact_hours.filter(|&c| c <= end);
        let closed = l.closed_hours.filter(|&c| c <= end && contact.is_some());
        let qualified = match (contact, l.outcome) {
            (None, _) => "",
            (Some(_), "won" | "lost") => "true",
            (Some(_), _) => "false",
        };
        let (won, amount) = match closed {
            Some(_) if l.outcome == "won" => ("true", format!("{:.2}", l.revenue)),
            Some(_) => ("false", String::new()),
            None => ("", String::new()),
        };
        let mut row = String::new();
        writeln!(
            row,
            "00Q{i:06},{},{region},{vertical},{:.4},{partner},{},{qualified},{},{won},{amount}",
            time(l.arrival_hours),
            l.score,
            contact.map_or(String::new(), time),
            closed.map_or(String::new(), time),
        )
        .expect("writing to a string");
        rows.push(row);
    }
    // Three leads exported twice, and one row that lost its creation time.
    for k in [100, 1000, 2000] {
        let again = rows[k].clone();
        rows.insert(k + 1, again);
    }
    let blank = rows[1500].clone();
    let mut cells: Vec<&str> = blank.trim_end().split(',').collect();
    cells[1] = "";
    rows[1500] = format!("{}\n", cells.join(","));
    for r in rows {
        out.push_str(&r);
    }
    out
}

/// `hours` after day zero as ISO 8601 at `offset` hours from UTC, or in
/// UTC without an offset when `naive`.
fn stamp(hours: f64, offset: i8, naive: bool) -> String {
    let ts = jiff::Timestamp::from_second(DAY_ZERO + (hours * 3600.0).round() as i64)
        .expect("a time in range");
    if naive {
        return ts.strftime("%Y-%m-%dT%H:%M:%S").to_string();
    }
    if offset == 0 {
        return ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
    }
    // The local wall-clock time, then its offset.
    let local = jiff::Timestamp::from_second(ts.as_second() + 3600 * offset as i64)
        .expect("a time in range");
    format!("{}{offset:+03}:00", local.strftime("%Y-%m-%dT%H:%M:%S"))
}

#[allow(dead_code)]
fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = export(&root.join("scenarios/data/crm-ground-truth.json"));
    let target = root.join("scenarios/data/crm-export.csv");
    std::fs::write(&target, text).expect("writing the export");
    println!("wrote {}", target.display());
}
