//! `leadsim power`'s words and files: the terminal summary, `power.csv`
//! (one row per pilot length) and `power.svg` (the curve).

use std::fmt::Write;

use crate::analyses::power::{Study, Unit};
use crate::format::file_number;
use crate::model::Model;

fn unit_word(study: &Study) -> &'static str {
    if study.spec.unit == Unit::Lead {
        "lead"
    } else {
        "partner"
    }
}

/// What the study says, for a terminal.
pub fn text(model: &Model, study: &Study) -> String {
    let spec = &study.spec;
    let (at, aa) = (&study.at, &study.aa);
    let unit = unit_word(study);
    let names: Vec<&str> = spec
        .partners
        .iter()
        .map(|&p| model.partners[p].name.as_str())
        .collect();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "pilot: {} (B) against {} (A), {} partners ({}), {} weeks read {}, {unit} randomisation, {} simulated pilots",
        model.policies[spec.policy].name,
        model.policies[spec.versus].name,
        spec.partners.len(),
        names.join(", "),
        spec.weeks,
        if spec.follow_up_weeks > 0.0 {
            format!("{} weeks after its last lead", spec.follow_up_weeks)
        } else {
            "on its last day".to_string()
        },
        spec.pilots
    );
    let _ = writeln!(
        out,
        "lead-to-win: A {:.2}%, B {:.2}% (difference {:+.2} points), {:.0} leads per arm",
        at.rate_a * 100.0,
        at.rate_b * 100.0,
        (at.rate_b - at.rate_a) * 100.0,
        at.leads_per_arm
    );
    let _ = writeln!(
        out,
        "power at alpha {}: {:.1}% (Monte Carlo ±{:.1}); A/A size (B = A, no real difference): {:.1}% (±{:.1})",
        spec.alpha,
        at.power * 100.0,
        2.0 * at.power_se * 100.0,
        aa.power * 100.0,
        2.0 * aa.power_se * 100.0
    );
    let _ = writeln!(
        out,
        "minimum detectable difference at 80% power: {:.2} points of lead-to-win{}",
        at.mde * 100.0,
        if spec.unit == Unit::Lead {
            " (over A's rate, leads randomised)"
        } else {
            " (lead-weighted difference between the two arms of partners)"
        }
    );
    if at.power < spec.alpha {
        let _ = writeln!(
            out,
            "note: power is below alpha ({:.1}% < {}%): the test's size is alpha (the A/A line), \
             so B's difference from A on lead-to-win is too small for this pilot to see, and the \
             gap to alpha is Monte Carlo error (±{:.1}). Pilot longer, with more partners, or \
             randomise by lead.",
            at.power * 100.0,
            spec.alpha * 100.0,
            2.0 * at.power_se * 100.0
        );
    }
    let _ = match study.weeks_to_80() {
        Some(weeks) => writeln!(out, "80% power from about {weeks} weeks"),
        None => writeln!(
            out,
            "80% power not reached within {} weeks",
            study.longest_weeks()
        ),
    };
    out
}

/// `power.csv` and `power.svg`.
pub fn files(model: &Model, study: &Study) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let mut csv_out = csv::Writer::from_writer(Vec::new());
    csv_out.write_record([
        "weeks",
        "power",
        "power_se",
        "lead_to_win_a",
        "lead_to_win_b",
        "leads_per_arm",
        "mde",
    ])?;
    for p in &study.curve {
        csv_out.write_record(
            [
                p.weeks,
                p.power,
                p.power_se,
                p.rate_a,
                p.rate_b,
                p.leads_per_arm,
                p.mde,
            ]
            .map(file_number),
        )?;
    }
    let spec = &study.spec;
    let title = format!(
        "Pilot of {} against {} ({} partners, {} randomisation)",
        model.policies[spec.policy].name,
        model.policies[spec.versus].name,
        spec.partners.len(),
        unit_word(study)
    );
    let svg = crate::plot::power::render(&title, &study.curve)
        .map_err(|e| anyhow::anyhow!("cannot draw power.svg: {e}"))?;
    Ok(vec![
        ("power.csv".into(), csv_out.into_inner()?),
        ("power.svg".into(), svg.into_bytes()),
    ])
}
