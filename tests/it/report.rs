//! Charts and the HTML report: valid SVG with one series per policy, every
//! policy and headline metric in the report, every user string escaped.

use std::path::{Path, PathBuf};

use super::common::{bin, repo_file};

const HOSTILE: &str = "<script>alert(1)</script>";

/// Runs the baseline scenario with a hostile partner name added; returns
/// the output folder (kept alive by the returned TempDir).
pub fn hostile_run() -> (tempfile::TempDir, PathBuf) {
    let text = std::fs::read_to_string(repo_file("scenarios/baseline.json")).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["partners"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({"name": HOSTILE, "tier": "bronze", "capacity": 3}));
    v["policies"][0]["description"] = "Round robin <b>today</b> & \"tomorrow\"".into();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("hostile.json");
    std::fs::write(&file, v.to_string()).unwrap();
    let out = dir.path().join("out");
    bin()
        .arg("run")
        .arg(&file)
        .args(["--replications", "6", "--quiet", "--out"])
        .arg(&out)
        .assert()
        .success();
    (dir, out)
}

/// Policy colours as plotters writes them.
const COLOURS: [&str; 4] = ["#4E79A7", "#F28E2B", "#E15759", "#76B7B2"];

fn svg(out: &Path, name: &str) -> String {
    let text = std::fs::read_to_string(out.join(name)).unwrap();
    roxmltree::Document::parse(&text)
        .unwrap_or_else(|e| panic!("{name} is not valid SVG/XML: {e}"));
    text
}

/// Elements named `tag` whose `attr` is `value` and that satisfy `extra`.
fn count(
    text: &str,
    tag: &str,
    attr: &str,
    value: &str,
    extra: impl Fn(&roxmltree::Node) -> bool,
) -> usize {
    let doc = roxmltree::Document::parse(text).unwrap();
    doc.descendants()
        .filter(|n| n.has_tag_name(tag) && n.attribute(attr) == Some(value) && extra(n))
        .count()
}

#[test]
fn charts_are_svg_with_one_series_per_policy() {
    let (_dir, out) = hostile_run();
    let long_line = |n: &roxmltree::Node| {
        n.attribute("points")
            .is_some_and(|p| p.split_whitespace().count() > 10)
    };
    for colour in COLOURS {
        // One CDF line per policy (legend swatches are two-point paths).
        assert_eq!(
            count(
                &svg(&out, "ttfc-cdf.svg"),
                "polyline",
                "stroke",
                colour,
                long_line
            ),
            1,
            "ttfc {colour}"
        );
        // One Lorenz curve per policy over 19 partners (20 points).
        assert_eq!(
            count(
                &svg(&out, "lorenz.svg"),
                "polyline",
                "stroke",
                colour,
                long_line
            ),
            1,
            "lorenz {colour}"
        );
        // One bar per headline panel (6), one band per outcome panel (2),
        // one bar per partner per panel (2 x 19) plus one legend swatch,
        // one point plus one legend mark on the trade-off map.
        assert_eq!(
            count(&svg(&out, "headline.svg"), "rect", "fill", colour, |_| true),
            6,
            "headline {colour}"
        );
        assert_eq!(
            count(
                &svg(&out, "outcome-bands.svg"),
                "rect",
                "fill",
                colour,
                |_| true
            ),
            2,
            "bands {colour}"
        );
        assert_eq!(
            count(&svg(&out, "partners.svg"), "rect", "fill", colour, |_| true),
            2 * 19 + 1,
            "partners {colour}"
        );
        assert_eq!(
            count(&svg(&out, "tradeoff.svg"), "circle", "fill", colour, |_| {
                true
            }),
            2,
            "tradeoff {colour}"
        );
    }
    // Every partner is named on the per-partner chart, the hostile one
    // escaped by the SVG writer.
    let partners = svg(&out, "partners.svg");
    assert!(partners.contains("Reseller-6") && partners.contains("Agency-5"));
    assert!(partners.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!partners.contains(HOSTILE));
    // Axis labels carry units.
    assert!(svg(&out, "ttfc-cdf.svg").contains("hours from arrival to first contact"));
    // The partners chart names every policy in its own legend; the
    // trade-off chart names each policy once, in the legend beside the
    // plot, never on top of a point.
    let texts = |name: &str| -> Vec<String> {
        let text = svg(&out, name);
        let doc = roxmltree::Document::parse(&text).unwrap();
        doc.descendants()
            .filter(|n| n.has_tag_name("text"))
            .map(|n| n.text().unwrap_or("").trim().to_string())
            .collect()
    };
    let partner_texts = texts("partners.svg");
    let tradeoff_texts = texts("tradeoff.svg");
    for policy in [
        "round-robin",
        "tiered-fast",
        "least-loaded",
        "tier-weighted",
    ] {
        assert!(
            partner_texts.iter().any(|t| t == policy),
            "{policy}: {partner_texts:?}"
        );
        let mentions = tradeoff_texts.iter().filter(|t| t.contains(policy)).count();
        assert_eq!(
            mentions, 1,
            "{policy} on the trade-off chart: {tradeoff_texts:?}"
        );
    }
    // Totals state their period: money per 90-day horizon.
    assert!(
        partner_texts
            .iter()
            .any(|t| t == "Payouts (mean per 90-day horizon)"),
        "{partner_texts:?}"
    );
    assert!(texts("headline.svg")
        .iter()
        .any(|t| t == "Gross profit (millions, per 90-day horizon)"));
}

#[test]
fn report_has_every_policy_metric_and_chart_and_escapes_user_strings() {
    let (_dir, out) = hostile_run();
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    for policy in [
        "round-robin",
        "tiered-fast",
        "least-loaded",
        "tier-weighted",
    ] {
        assert!(html.contains(policy), "{policy}");
    }
    for metric in leadsim::report::html::REPORT_METRICS {
        let label = metric.info().label;
        assert!(
            html.contains(&format!("data-metric=\"{metric}\"")),
            "{metric}"
        );
        // minijinja escapes `/` too.
        assert!(
            html.contains(&label.replace('/', "&#x2f;").replace('\'', "&#x27;")),
            "{label}"
        );
    }
    for chart in [
        "headline",
        "ttfc-cdf",
        "ttfc-by-hour",
        "lorenz",
        "partners",
        "tradeoff",
        "outcome-bands",
    ] {
        assert!(
            html.contains(&format!("<figure id=\"chart-{chart}\">")),
            "{chart}"
        );
    }
    assert_eq!(html.matches("<svg ").count(), 7, "every chart inline");
    assert!(!html.contains(HOSTILE), "the hostile name must be escaped");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;"));
    assert!(html.contains("Round robin &lt;b&gt;today&lt;&#x2f;b&gt; &amp; &quot;tomorrow&quot;"));
    assert!(!html.contains("<script"), "no script at all");
    // Nothing is fetched: no external source, link or stylesheet (the only
    // URLs are SVG namespace names).
    for fetch in ["src=", "href=\"http", "url(", "@import", "<link"] {
        assert!(
            !html.contains(fetch),
            "the report fetches something: {fetch}"
        );
    }
    // Verdicts: tiered-fast converts better than round robin in this scenario.
    assert!(html.contains("better") && html.contains("worse"));
    // The terminal's backticks around names become code, never literal.
    let text_outside_code_blocks = html.replace("<code>", "").replace("</code>", "");
    assert!(
        !text_outside_code_blocks.contains('`'),
        "literal backticks in the report"
    );
    assert!(
        html.contains("<code>round-robin</code>"),
        "names set as code"
    );
}

#[test]
fn prose_sets_backticked_names_as_code_and_escapes_the_rest() {
    use leadsim::report::html::prose;
    assert_eq!(
        prose("under `tiered-fast` the <queue> of `a&b`").to_string(),
        "under <code>tiered-fast</code> the &lt;queue&gt; of <code>a&amp;b</code>"
    );
    assert_eq!(
        prose("`<script>`").to_string(),
        "<code>&lt;script&gt;</code>"
    );
    // An unpaired backtick is left as written.
    assert_eq!(prose("it's 5` long").to_string(), "it&#x27;s 5` long");
}
