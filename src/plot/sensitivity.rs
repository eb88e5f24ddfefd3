//! The tornado chart of `leadsim sensitivity`: for each assumption, a bar
//! from the paired difference at its low end to the one at its high end,
//! largest swing on top, with zero and the file's own difference marked.

use plotters::prelude::*;

use super::{colour, DrawResult, FONT};

/// One bar: its label, the difference at the low and high ends.
pub struct Bar {
    pub label: String,
    pub low: f64,
    pub high: f64,
}

/// `tick` formats the difference axis (in the metric's unit).
pub fn tornado(
    title: &str,
    bars: &[Bar],
    base: f64,
    tick: &dyn Fn(f64) -> String,
) -> DrawResult<String> {
    let values = bars
        .iter()
        .flat_map(|b| [b.low, b.high])
        .chain([0.0, base])
        .filter(|v| v.is_finite());
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    let pad = ((hi - lo) * 0.08).max(1e-9);
    let n = bars.len().max(1);
    let mut svg = String::new();
    {
        let height = 120 + 44 * n as u32;
        let root = SVGBackend::with_string(&mut svg, (900, height)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FONT, 17))
            .margin(14)
            .x_label_area_size(40)
            .y_label_area_size(300)
            .build_cartesian_2d(
                super::safe_range((lo - pad)..(hi + pad)),
                super::safe_range(0.0..n as f64),
            )?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(0)
            .x_label_formatter(&|x| tick(*x))
            .x_desc("paired difference (policy - comparison)")
            .label_style((FONT, 12))
            .axis_desc_style((FONT, 12))
            .draw()?;
        for (i, b) in bars.iter().enumerate() {
            let y = (n - 1 - i) as f64;
            let (l, h) = (b.low.min(b.high), b.low.max(b.high));
            chart.draw_series(std::iter::once(Rectangle::new(
                [(l, y + 0.2), (h, y + 0.8)],
                colour(0).mix(0.7).filled(),
            )))?;
            for (x, text) in [(b.low, "low"), (b.high, "high")] {
                if x.is_finite() {
                    chart.draw_series(std::iter::once(Text::new(
                        text.to_string(),
                        (x, y + 0.95),
                        (FONT, 11),
                    )))?;
                }
            }
            // The bar's label (its assumption and range), right-aligned
            // beside the axis at the bar's middle.
            let (px, py) = chart.backend_coord(&(lo - pad, y + 0.5));
            let style = TextStyle::from((FONT, 12).into_font()).pos(
                plotters::style::text_anchor::Pos::new(
                    plotters::style::text_anchor::HPos::Right,
                    plotters::style::text_anchor::VPos::Center,
                ),
            );
            // Two lines: the assumption, then its range (` (lo to hi)`),
            // each cut to what the label area holds.
            let (first, second) = match b.label.rfind(" (") {
                Some(i) => (&b.label[..i], b.label[i + 1..].to_string()),
                None => (b.label.as_str(), String::new()),
            };
            for (text, dy) in [(fit(first, 46), -7), (second, 8)] {
                root.draw(&Text::new(text, (px - 8, py + dy), style.clone()))?;
            }
        }
        for (x, style) in [
            (0.0, BLACK.stroke_width(1)),
            (base, colour(1).stroke_width(2)),
        ] {
            if x.is_finite() {
                chart.draw_series(LineSeries::new([(x, 0.0), (x, n as f64)], style))?;
            }
        }
        root.present()?;
    }
    Ok(svg)
}

/// `text` in at most `max` characters: its start and its end around `…`.
fn fit(text: &str, max: usize) -> String {
    let n = text.chars().count();
    if n <= max {
        return text.to_string();
    }
    let keep = max - 1;
    let head: String = text.chars().take(keep / 2).collect();
    let tail: String = text.chars().skip(n - (keep - keep / 2)).collect();
    format!("{head}…{tail}")
}
