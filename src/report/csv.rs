//! `summary.csv` (one row per policy x world x metric) and `partners.csv`
//! (one row per policy x world x partner). Pure: summary in, bytes out.

use crate::format::file_number;
use crate::summary::Summary;

/// A text cell (a name) made safe for spreadsheets: a cell starting with
/// `=`, `+`, `-`, `@`, a tab or a carriage return is a formula to Excel and
/// LibreOffice, so it gets a leading `'` (OWASP's rule for CSV injection).
/// Numbers leadsim formats itself never go through here.
pub fn text_cell(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

/// A number for a file, or an empty cell when it is not finite.
pub(crate) fn finite(v: f64) -> String {
    if v.is_finite() {
        file_number(v)
    } else {
        String::new()
    }
}

fn num(v: Option<f64>) -> String {
    v.map(file_number).unwrap_or_default()
}

/// `comparison.csv`: one row per world and metric, one column per policy,
/// values formatted as the terminal table shows them ("12.42% ±0.22"),
/// metrics by their human names; with a UTF-8 byte-order mark so that a
/// spreadsheet reads its ± and → right.
pub fn comparison_csv(s: &Summary) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let base = s.world_cells(crate::summary::BASE_WORLD);
    let header = ["world", "metric", "unit"]
        .into_iter()
        .map(str::to_string)
        .chain(base.iter().map(|c| text_cell(&c.policy)));
    w.write_record(header).expect("writing to memory");
    for world in &s.worlds {
        let cells = s.world_cells(world);
        for k in crate::metrics::Metric::ALL {
            let unit = match k.unit() {
                crate::metrics::Unit::Rate => "%",
                crate::metrics::Unit::Hours => "hours",
                crate::metrics::Unit::Money => "money",
                crate::metrics::Unit::Count => "count",
                crate::metrics::Unit::Index => "index",
            };
            let row = [
                text_cell(world),
                k.info().label.to_string(),
                unit.to_string(),
            ]
            .into_iter()
            .chain(
                cells
                    .iter()
                    .map(|c| crate::format::estimate_text(c.metrics[k], k.unit(), false)),
            );
            w.write_record(row).expect("writing to memory");
        }
    }
    let mut out = "\u{feff}".as_bytes().to_vec();
    out.extend(w.into_inner().expect("in memory"));
    out
}

pub fn summary_csv(s: &Summary) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "policy",
        "world",
        "metric",
        "mean",
        "sd",
        "ci95_low",
        "ci95_high",
        "p10",
        "p50",
        "p90",
        "vs_baseline_mean",
        "vs_baseline_ci95_low",
        "vs_baseline_ci95_high",
        "n",
        "vs_baseline_n",
        "verdict",
        "p_holm",
    ])
    .expect("writing to memory");
    for c in &s.cells {
        for (k, &e) in c.metrics.iter() {
            let d = c.vs_baseline[k];
            w.write_record([
                text_cell(&c.policy),
                text_cell(&c.world),
                k.name().to_string(),
                num(e.map(|e| e.mean)),
                num(e.and_then(|e| e.sd)),
                num(e.and_then(|e| e.ci95).map(|c| c.0)),
                num(e.and_then(|e| e.ci95).map(|c| c.1)),
                num(e.map(|e| e.p10)),
                num(e.map(|e| e.p50)),
                num(e.map(|e| e.p90)),
                num(d.map(|d| d.mean)),
                num(d.and_then(|d| d.ci95).map(|c| c.0)),
                num(d.and_then(|d| d.ci95).map(|c| c.1)),
                e.map_or(0, |e| e.n).to_string(),
                d.map_or(0, |d| d.n).to_string(),
                super::json::verdict_word(c, k).unwrap_or("").to_string(),
                num(c.p_holm[k]),
            ])
            .expect("writing to memory");
        }
    }
    w.into_inner().expect("writing to memory")
}

pub fn partners_csv(s: &Summary) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = [
        "policy",
        "world",
        "partner",
        "tier",
        "leads",
        "leads_kept",
        "value_kept",
        "opportunities",
        "wins",
        "revenue",
        "payouts",
        "ttfc_mean_hours",
        "left_share",
        "left_mean_day",
        "exclusivity_revoked_share",
        "exclusivity_revoked_mean_day",
    ]
    .map(String::from)
    .to_vec();
    if s.partner_sourcing {
        header.extend(["sourced_leads".into(), "sourced_revenue".into()]);
    }
    // With `tiers`: where each partner ended, and its days in each tier.
    if !s.tier_names.is_empty() {
        header.push("tier_end".into());
        header.extend(s.tier_names.iter().map(|t| format!("days_in_{t}")));
    }
    w.write_record(&header).expect("writing to memory");
    for c in &s.cells {
        for p in &c.partners {
            let mut row = vec![
                text_cell(&c.policy),
                text_cell(&c.world),
                text_cell(&p.partner),
                text_cell(&p.tier),
                file_number(p.leads),
                file_number(p.kept),
                file_number(p.value_kept),
                file_number(p.opportunities),
                file_number(p.wins),
                file_number(p.revenue),
                file_number(p.payouts),
                num(p.ttfc_mean_hours),
                file_number(p.left_share),
                num(p.left_mean_day),
                file_number(p.exclusivity_revoked_share),
                num(p.exclusivity_revoked_mean_day),
            ];
            if s.partner_sourcing {
                row.extend([file_number(p.sourced), file_number(p.sourced_revenue)]);
            }
            if !s.tier_names.is_empty() {
                row.push(p.tier_end.as_deref().map_or(String::new(), text_cell));
                row.extend(p.tier_days.iter().map(|&d| file_number(d)));
            }
            w.write_record(&row).expect("writing to memory");
        }
    }
    w.into_inner().expect("writing to memory")
}

#[cfg(test)]
mod tests {
    use super::text_cell;

    #[test]
    fn formula_cells_are_neutralised() {
        for bad in ["=cmd|' /C calc'!A0", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(text_cell(bad), format!("'{bad}"));
        }
        assert_eq!(text_cell("Northwind"), "Northwind");
        assert_eq!(text_cell("a=b"), "a=b");
    }
}
