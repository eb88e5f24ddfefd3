//! SVG charts, one file per chart kind; this module decides their names,
//! their order and the policy colours every chart shares.
//!
//! Charts are pure: a summary in, SVG text out. Text is left to the viewer
//! (plotters without its `ttf` feature writes `<text>` elements), so no
//! system font or C library is needed to build or run.

mod bands;
pub mod calibrate;
mod headline;
mod heatmap;
mod lorenz;
pub mod optimize;
mod partners;
pub mod power;
pub mod sensitivity;
pub mod sweep;
mod tradeoff;
mod ttfc;
mod ttfc_week;

use plotters::style::RGBColor;

use crate::metrics::{Metric, Unit};
use crate::stats::Estimate;
use crate::summary::{Cell, Summary};

/// One chart: its file name, its title, a one-line caption saying how to
/// read it, and its SVG.
#[derive(Debug, Clone)]
pub struct Chart {
    pub file: &'static str,
    pub title: &'static str,
    pub caption: &'static str,
    pub svg: String,
}

/// Policy colours (Tableau 10), by policy index, the same in every chart.
const PALETTE: [RGBColor; 10] = [
    RGBColor(78, 121, 167),
    RGBColor(242, 142, 43),
    RGBColor(225, 87, 89),
    RGBColor(118, 183, 178),
    RGBColor(89, 161, 79),
    RGBColor(237, 201, 72),
    RGBColor(176, 122, 161),
    RGBColor(255, 157, 167),
    RGBColor(156, 117, 95),
    RGBColor(186, 176, 172),
];

pub fn colour(policy: usize) -> RGBColor {
    PALETTE[policy % PALETTE.len()]
}

/// The colour as CSS, for the HTML report's legend swatches.
pub fn css_colour(policy: usize) -> String {
    let RGBColor(r, g, b) = colour(policy);
    format!("#{r:02x}{g:02x}{b:02x}")
}

pub(crate) const FONT: &str = "sans-serif";

/// A metric's estimate in a cell, if defined.
pub(crate) fn estimate(cell: &Cell, metric: Metric) -> Option<Estimate> {
    cell.metrics[metric]
}

/// A title with the summary's currency and, for totals, its period (see
/// [`crate::format::with_money_units`]).
pub(crate) fn with_money_units(summary: &Summary, metric: Metric, title: &str) -> String {
    crate::format::with_money_units(
        metric,
        title,
        summary.currency.as_deref(),
        summary.horizon_days,
    )
}

/// The base-world cells, one per policy (stress worlds get their own charts).
pub(crate) fn cells(summary: &Summary) -> Vec<&Cell> {
    summary
        .cells
        .iter()
        .filter(|c| c.world == crate::summary::BASE_WORLD)
        .collect()
}

/// A rectangle with margins (top, bottom, left, right) in pixels.
pub(crate) fn inset<C, S: Into<plotters::style::ShapeStyle>>(
    corners: [C; 2],
    style: S,
    margins: (u32, u32, u32, u32),
) -> plotters::element::Rectangle<C> {
    let mut rect = plotters::element::Rectangle::new(corners, style);
    rect.set_margin(margins.0, margins.1, margins.2, margins.3);
    rect
}

/// A categorical axis of `n` (>= 1) slots, for `into_segmented`: plotters
/// counts an integer range's end as a slot of its own.
pub(crate) fn slots(n: usize) -> std::ops::Range<usize> {
    0..n.max(1) - 1
}

/// The label of a categorical axis slot: `names[i]` at the centre of slot
/// `i`, nothing elsewhere.
pub(crate) fn category_name(
    names: &[String],
    v: &plotters::coord::ranged1d::SegmentValue<usize>,
) -> String {
    match v {
        plotters::coord::ranged1d::SegmentValue::CenterOf(i) => {
            names.get(*i).cloned().unwrap_or_default()
        }
        _ => String::new(),
    }
}

/// Money for axis labels: 350k, 1.2M.
pub(crate) fn money_label(v: f64) -> String {
    let a = v.abs();
    if a >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if a >= 1e3 {
        format!("{:.0}k", v / 1e3)
    } else {
        format!("{v:.0}")
    }
}

/// A label font, turned upright when `rotate` (long category names).
pub(crate) fn category_font(rotate: bool) -> plotters::style::TextStyle<'static> {
    use plotters::style::{FontTransform, IntoFont};
    let font = (FONT, 12).into_font();
    if rotate {
        font.transform(FontTransform::Rotate90).into()
    } else {
        font.into()
    }
}

pub type DrawResult<T> = Result<T, Box<dyn std::error::Error>>;

/// One line per policy, in the policy's colour and named in the legend,
/// then the legend box in the upper left (over any series drawn before).
pub(crate) fn policy_lines<'a, DB, CT>(
    chart: &mut plotters::chart::ChartContext<'a, DB, CT>,
    lines: impl IntoIterator<Item = (String, Vec<(f64, f64)>)>,
) -> DrawResult<()>
where
    DB: plotters::prelude::DrawingBackend + 'a,
    DB::ErrorType: 'static,
    CT: plotters::coord::CoordTranslate<From = (f64, f64)>,
{
    use plotters::prelude::*;
    for (i, (label, points)) in lines.into_iter().enumerate() {
        let c = colour(i);
        chart
            .draw_series(LineSeries::new(points, c.stroke_width(3)))?
            .label(label)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(3)));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .label_font((FONT, 14))
        .draw()?;
    Ok(())
}

/// A heatmap cell: its fill, its text, and whether the text must be white
/// to read on it.
pub(crate) struct HeatCell {
    pub fill: RGBColor,
    pub text: String,
    pub dark: bool,
}

/// The cell of `value` on a scale from `lo` (pale blue) to `hi` (deep
/// blue); grey "n/a" where undefined. Both heatmaps (policy x world, and a
/// two-field sweep) draw their cells from this.
pub(crate) fn heat_cell(value: Option<f64>, lo: f64, hi: f64, unit: Unit) -> HeatCell {
    match value {
        None => HeatCell {
            fill: RGBColor(240, 240, 240),
            text: "n/a".to_string(),
            dark: false,
        },
        Some(v) => {
            let share = if hi > lo { (v - lo) / (hi - lo) } else { 0.5 };
            let mix = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * share).round() as u8;
            HeatCell {
                fill: RGBColor(mix(222, 33), mix(235, 82), mix(247, 150)),
                text: crate::format::human(v, unit),
                dark: hi > lo && share > 0.55,
            }
        }
    }
}

/// An axis range plotters can draw in bounded time: finite, and wide enough
/// that its tick step stays far above the spacing of floating-point numbers
/// there (with a step below it, plotters' tick loop never advances). A
/// degenerate or non-finite range becomes a small range around its centre.
pub(crate) fn safe_range(range: std::ops::Range<f64>) -> std::ops::Range<f64> {
    let (lo, hi) = (range.start, range.end);
    if !(lo.is_finite() && hi.is_finite()) || lo > hi {
        return 0.0..1.0;
    }
    let magnitude = lo.abs().max(hi.abs());
    let min_span = magnitude * 1e-6 + 1e-9;
    if hi - lo >= min_span {
        lo..hi
    } else {
        let centre = lo / 2.0 + hi / 2.0;
        (centre - min_span)..(centre + min_span)
    }
}

/// (file, title, caption, renderer).
type ChartSpec = (
    &'static str,
    &'static str,
    &'static str,
    fn(&Summary) -> DrawResult<String>,
);

/// Every chart of a run, in report order; with stress worlds, also the
/// policy x world heatmap coloured by metric `heatmap_metric`.
pub fn render_all(summary: &Summary, heatmap_metric: Metric) -> anyhow::Result<Vec<Chart>> {
    let charts: [ChartSpec; 7] = [
        (
            "headline.svg",
            "Headline metrics",
            "Each bar is a policy's mean over replications; the whisker is its 95% confidence interval. Bars whose whiskers overlap may not differ: the paired differences in the table decide.",
            headline::render,
        ),
        (
            "ttfc-cdf.svg",
            "Time to first contact",
            "The share of contacted leads reached within a given time, every lead of every replication pooled: a curve further up and to the left is faster. The crosses on the 50% line are the table's medians (the mean of each replication's median), which can sit off the pooled curve when replications differ in volume.",
            ttfc::render,
        ),
        (
            "ttfc-by-hour.svg",
            "Time to first contact by hour of the week",
            "The mean time to first contact of leads by the hour of the week they arrived in (UTC), every lead of every replication pooled: where partners keep working hours, evening and weekend arrivals wait for the next opening, and the line rises after each working day and over the weekend.",
            ttfc_week::render,
        ),
        (
            "lorenz.svg",
            "Fairness: Lorenz curves of leads per unit of capacity",
            "Partners sorted from fewest to most leads per unit of capacity; the diagonal is a perfectly even split. The further a curve sags below it, the less even the split (Gini in the legend).",
            lorenz::render,
        ),
        (
            "partners.svg",
            "Leads and earnings per partner",
            "Mean leads received and mean payouts per replication, per partner and policy, partners sorted by leads received: who gains and who loses under each policy.",
            partners::render,
        ),
        (
            "tradeoff.svg",
            "Trade-off: fairness against conversion",
            "Each policy at its mean Gini of leads (left is fairer) and lead-to-win (up is better), with 95% confidence whiskers; the larger the point, the larger the gross profit.",
            tradeoff::render,
        ),
        (
            "outcome-bands.svg",
            "Outcome bands: revenue and gross profit",
            "Each bar spans the 10th to the 90th percentile of a policy's result across replications, with the median marked: the range of quarters to expect, not the uncertainty of the mean.",
            bands::render,
        ),
    ];
    let mut rendered = charts
        .into_iter()
        .map(|(file, title, caption, render)| {
            let svg = render(summary).map_err(|e| anyhow::anyhow!("cannot draw {file}: {e}"))?;
            Ok(Chart {
                file,
                title,
                caption,
                svg,
            })
        })
        .collect::<anyhow::Result<Vec<Chart>>>()?;
    if summary.worlds.len() > 1 {
        let svg = heatmap::render(summary, heatmap_metric)
            .map_err(|e| anyhow::anyhow!("cannot draw heatmap.svg: {e}"))?;
        rendered.push(Chart {
            file: "heatmap.svg",
            title: "Policies across stress worlds",
            caption: "Each cell is a policy's mean in one world; compare along a row to see how a policy holds up, down a column to see who copes best with that world.",
            svg,
        });
    }
    Ok(rendered)
}
