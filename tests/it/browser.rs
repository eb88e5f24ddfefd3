//! The report in a real browser: headless Chromium renders it; the DOM has
//! every chart and the screenshot is not blank.
//!
//! Needs Debian's `chromium` (`.ci/run` installs it). Without it the test
//! fails under CI and is skipped, with a message, elsewhere.

use std::process::Command;

fn chromium() -> Option<&'static str> {
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|b| {
            Command::new(b)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
}

fn headless(browser: &str, profile: &std::path::Path) -> Command {
    let mut c = Command::new(browser);
    c.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
    ])
    .arg(format!("--user-data-dir={}", profile.display()));
    c
}

#[test]
fn report_renders_in_headless_chromium() {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have chromium: .ci/run installs it"
        );
        eprintln!("skipped: no chromium on this machine (apt-get install chromium)");
        return;
    };
    let (dir, out) = super::report::hostile_run();
    let url = format!("file://{}", out.join("report.html").display());
    let dom = headless(browser, &dir.path().join("profile-dom"))
        .arg("--dump-dom")
        .arg(&url)
        .output()
        .unwrap();
    assert!(
        dom.status.success(),
        "{}",
        String::from_utf8_lossy(&dom.stderr)
    );
    let dom = String::from_utf8(dom.stdout).unwrap();
    for chart in [
        "headline",
        "ttfc-cdf",
        "lorenz",
        "partners",
        "tradeoff",
        "outcome-bands",
    ] {
        let start = dom
            .find(&format!("id=\"chart-{chart}\""))
            .unwrap_or_else(|| panic!("chart {chart} missing from the DOM"));
        let figure = &dom[start..start + dom[start..].find("</figure>").unwrap()];
        assert!(
            figure.contains("<svg"),
            "chart {chart} has no SVG in the DOM"
        );
    }
    assert!(dom.contains("id=\"comparison\""));
    // The decision page opens the report: the recommendation, then what
    // it does not price, before the comparison.
    let decision = dom.find("id=\"decision\"").expect("the decision page");
    assert!(decision < dom.find("id=\"comparison\"").unwrap());
    let page = &dom[decision..dom.find("id=\"comparison\"").unwrap()];
    assert!(page.contains("Recommended: <code>"), "{page}");
    assert!(page.contains("What this does not price"), "{page}");
    assert!(
        !dom.contains("<script>alert(1)"),
        "the hostile name did not become markup"
    );

    let shot = dir.path().join("report.png");
    let status = headless(browser, &dir.path().join("profile-shot"))
        .arg(format!("--screenshot={}", shot.display()))
        .arg("--window-size=1280,2000")
        .arg(&url)
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let decoder = png::Decoder::new(std::fs::File::open(&shot).unwrap());
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut pixels).unwrap();
    let channels = info.color_type.samples();
    let mut colours = std::collections::HashSet::new();
    let mut dark = 0usize;
    for px in pixels[..info.buffer_size()].chunks(channels) {
        colours.insert((px[0], px[1], px[2]));
        dark += (px[0] < 128 && px[1] < 128 && px[2] < 128) as usize;
    }
    // A blank page is one colour; text, tables and bars give hundreds, and
    // dark text covers a visible part of the page.
    assert!(
        colours.len() > 100,
        "only {} colours: the page looks blank",
        colours.len()
    );
    assert!(dark > 1000, "only {dark} dark pixels: no text rendered");
}
