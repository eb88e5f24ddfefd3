//! The words of `expect` assertions and their outcomes: what `leadsim
//! check` prints and what the report's assertions table shows.

use crate::checks::{CheckResult, Measured, Test};
use crate::format::{human, human_diff};
use crate::metrics::Unit;
use crate::model::BASE_WORLD;

/// The assertion, as a person reads it: "tiered-fast in world `surge`:
/// speed.ttfc_p90_hours <= 168.0".
pub fn assertion(c: &CheckResult) -> String {
    let place = if c.world == BASE_WORLD {
        String::new()
    } else {
        format!(" in world `{}`", c.world)
    };
    let (name, metric, unit) = (&c.policy, c.metric.name(), c.metric.unit());
    match &c.test {
        Test::Max(limit) => format!("{name}{place}: {metric} <= {}", human(*limit, unit)),
        Test::Min(limit) => format!("{name}{place}: {metric} >= {}", human(*limit, unit)),
        Test::BetterThan(other) => format!("{name}{place}: {metric} better than {other}"),
        Test::NotWorseThan { other, margin } => format!(
            "{name}{place}: {metric} not worse than {other} by more than {}",
            human(*margin, unit)
        ),
    }
}

fn interval(ci: Option<(f64, f64)>, unit: Unit, diff: bool) -> String {
    let f = |v| {
        if diff {
            human_diff(v, unit)
        } else {
            human(v, unit)
        }
    };
    ci.map_or("no interval (one replication)".into(), |(lo, hi)| {
        format!("95% CI {} to {}", f(lo), f(hi))
    })
}

/// The measured value and its 95 % interval.
pub fn measured(c: &CheckResult) -> String {
    let unit = c.metric.unit();
    match c.measured {
        Measured::Undefined => "undefined in every replication".into(),
        Measured::Value { mean, ci95 } => {
            format!("{} ({})", human(mean, unit), interval(ci95, unit, false))
        }
        Measured::Difference { mean, ci95: None } => format!(
            "difference {} from one replication: no interval, so no difference can be shown; run at least 2 replications",
            human_diff(mean, unit)
        ),
        Measured::Difference { mean, ci95 } => format!(
            "difference {} ({})",
            human_diff(mean, unit),
            interval(ci95, unit, true)
        ),
    }
}

/// The checks as lines for a terminal.
pub fn render(checks: &[CheckResult]) -> String {
    let mut out = String::new();
    for c in checks {
        out.push_str(&format!(
            "{}  {}: {}\n",
            if c.passed { "PASS" } else { "FAIL" },
            assertion(c),
            measured(c)
        ));
    }
    let failed = checks.iter().filter(|c| !c.passed).count();
    out.push_str(&format!(
        "{} of {} assertions passed\n",
        checks.len() - failed,
        checks.len()
    ));
    out
}
