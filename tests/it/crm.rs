//! `calibrate` and `backtest` on the synthetic CRM export
//! (scenarios/data/crm-export.csv), whose ground truth is
//! scenarios/data/crm-ground-truth.json.

use super::common::{bin, repo_file, stderr_of, stdout_of};
use leadsim::analyses::calibrate::{lognormal_censored, Calibration, LogNormal};
use leadsim::dist::{Dist, Rate};

#[path = "../../examples/crm_export.rs"]
mod crm_export;

const EXPORT: &str = "scenarios/data/crm-export.csv";
const TRUTH: &str = "scenarios/data/crm-ground-truth.json";

fn history() -> leadsim::analyses::history::History {
    let bytes = std::fs::read(repo_file(EXPORT)).unwrap();
    leadsim::analyses::history::read(EXPORT, &bytes, &Default::default()).unwrap()
}

fn calibration() -> Calibration {
    leadsim::analyses::calibrate::fit("crm-export.csv", &history()).unwrap()
}

fn truth() -> leadsim::model::Model {
    leadsim::load_file(&repo_file(TRUTH)).unwrap()
}

/// The ground truth's lognormal of a distribution.
fn lognormal(d: &Dist) -> LogNormal {
    match d {
        Dist::LogNormal { median, sigma, .. } => LogNormal {
            mu: median.ln(),
            sigma: *sigma,
        },
        other => panic!("the ground truth uses lognormals, not {other:?}"),
    }
}

fn fixed(r: &Rate) -> f64 {
    match r {
        Rate::Fixed(v) => *v,
        other => panic!("the ground truth's rates are fixed, not {other:?}"),
    }
}

#[test]
fn the_bundled_export_is_what_its_generator_writes_from_the_ground_truth() {
    let written = crm_export::export(&repo_file(TRUTH));
    let committed = std::fs::read_to_string(repo_file(EXPORT)).unwrap();
    assert!(
        written == committed,
        "scenarios/data/crm-export.csv is stale: run `cargo run --release --example crm_export`"
    );
}

#[test]
fn calibrate_recovers_the_ground_truth() {
    let c = calibration();
    let truth = truth();
    // Four rows set aside: three repeated ids and a blank creation time.
    assert_eq!(c.set_aside.len(), 4, "{:?}", c.set_aside);
    assert_eq!(c.horizon_days, 91);

    // Arrival rate: the Poisson count's standard error is sqrt(36 × 91) =
    // 57 leads, 0.63 a day; within 3 se.
    assert!((c.per_day - 36.0).abs() < 3.0 * 0.63, "{}", c.per_day);
    // The hour-of-week shape: the fitted rate of each of the 168 hours
    // against the truth's, correlation at least 0.97 (hourly counts of
    // 5 to 35 leads carry Poisson noise of 20-45 %; the separable fit
    // pools it over 13 weeks).
    let pattern = truth.leads.arrival_pattern.as_ref().unwrap();
    let true_rate: Vec<f64> = (0..168)
        .map(|h| pattern.weekdays[h / 24] * pattern.hours[h % 24])
        .collect();
    let fitted: Vec<f64> = (0..168)
        .map(|h| c.weekdays[h / 24] * c.hours[h % 24])
        .collect();
    let r = correlation(&true_rate, &fitted);
    assert!(r > 0.97, "hour-of-week correlation {r}");
    for d in 0..7 {
        // Each weekday's weight rests on ~460 leads (4.7 % relative se):
        // within 0.1 of the truth's, relative to the largest.
        let t = pattern.weekdays[d] / pattern.weekdays.iter().copied().fold(0.0, f64::max);
        assert!(
            (c.weekdays[d] - t).abs() < 0.1,
            "weekday {d}: {} vs {t}",
            c.weekdays[d]
        );
    }

    // Response times: each partner with 100 or more contacted leads has
    // its median and p90 within 3 standard errors of the truth's, the
    // errors of a lognormal fit to n values (ln median: sigma / sqrt n;
    // ln p90 adds 1.28² sigma² / 2n).
    let mut checked = 0;
    for h in c.holders.iter().filter(|h| !h.house && h.contacted >= 100) {
        let p = truth.partners.iter().find(|p| p.name == h.name).unwrap();
        let t = lognormal(&p.team.response_hours);
        let n = h.contacted as f64;
        let se_median = t.sigma / n.sqrt();
        let se_p90 = (t.sigma.powi(2) / n + 1.2816f64.powi(2) * t.sigma.powi(2) / (2.0 * n)).sqrt();
        let (dm, dp) = (
            (h.response.median() / t.median()).ln(),
            (h.response.p90() / t.p90()).ln(),
        );
        assert!(
            dm.abs() < 3.0 * se_median,
            "{}: median {} vs {}",
            h.name,
            h.response.median(),
            t.median()
        );
        assert!(
            dp.abs() < 3.0 * se_p90,
            "{}: p90 {} vs {}",
            h.name,
            h.response.p90(),
            t.p90()
        );
        checked += 1;
    }
    assert_eq!(checked, 9, "every partner but Linden has 100+ contacts");

    // Win rates: the truth inside the fitted 90 % interval for at least
    // 80 % of partners (a 90 % interval should miss about one in ten).
    let partners: Vec<_> = c.holders.iter().filter(|h| !h.house).collect();
    let inside = partners
        .iter()
        .filter(|h| {
            let p = truth.partners.iter().find(|p| p.name == h.name).unwrap();
            let (lo, hi) = h.win.interval();
            (lo..=hi).contains(&fixed(&p.team.win_rate))
        })
        .count();
    assert!(
        inside * 10 >= partners.len() * 8,
        "{inside} of {} partners' win rates inside their interval",
        partners.len()
    );
    // The partner with a dozen leads gets a wide, shrunk interval; the
    // busiest a narrow one.
    let linden = partners.iter().find(|h| h.name == "Linden").unwrap();
    assert!(linden.leads < 20, "{}", linden.leads);
    let alder = partners.iter().find(|h| h.name == "Alder").unwrap();
    let width =
        |h: &leadsim::analyses::calibrate::HolderFit| h.win.interval().1 - h.win.interval().0;
    assert!(
        width(linden) > 1.5 * width(alder),
        "{} vs {}",
        width(linden),
        width(alder)
    );
    let prior_mean = c.win_prior.0 / (c.win_prior.0 + c.win_prior.1);
    assert!((linden.win.mean() - prior_mean).abs() < 0.02);

    // The speed-to-lead curve falls: the slowest bin keeps well under
    // half of the fastest's chance (the truth's floor is 0.3).
    let last = c.curve.last().unwrap();
    assert!(
        c.curve[0].fitted == 1.0 && last.fitted < 0.5,
        "{:?}",
        c.curve
    );
    assert!(c.curve.windows(2).all(|w| w[1].fitted <= w[0].fitted));
}

fn correlation(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let cov: f64 = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f64 = a.iter().map(|x| (x - ma).powi(2)).sum();
    let vb: f64 = b.iter().map(|y| (y - mb).powi(2)).sum();
    cov / (va * vb).sqrt()
}

#[test]
fn censoring_the_never_contacted_matters() {
    // Dogwood answers slowly (truth: median 36 h, p90 500 h); 40 of its
    // leads were not contacted by the export's end. Fitted with them
    // censored, its p90 is within 3 se of the truth; with them dropped,
    // the fit sees only the leads answered in time and its p90 falls
    // more than 3 se below.
    let h = history();
    let end = h.end().unwrap();
    let rows: Vec<_> = h
        .rows
        .iter()
        .filter(|r| r.partner.as_deref() == Some("Dogwood"))
        .collect();
    let (observed, censored) = leadsim::analyses::calibrate::response_times(&rows, end);
    assert_eq!(censored.len(), 40);
    let t = lognormal(
        &truth()
            .partners
            .iter()
            .find(|p| p.name == "Dogwood")
            .unwrap()
            .team
            .response_hours,
    );
    let n = observed.len() as f64;
    let se_p90 = (t.sigma.powi(2) / n + 1.2816f64.powi(2) * t.sigma.powi(2) / (2.0 * n)).sqrt();
    let with = lognormal_censored(&observed, &censored).unwrap();
    let without = lognormal_censored(&observed, &[]).unwrap();
    let gap = |f: &LogNormal| (f.p90() / t.p90()).ln();
    assert!(
        gap(&with).abs() < 3.0 * se_p90,
        "censored fit p90 {}",
        with.p90()
    );
    assert!(
        gap(&without) < -3.0 * se_p90,
        "dropped fit p90 {}",
        without.p90()
    );
    assert!(without.median() < with.median());
}

/// Writes the calibrated scenario (with the ground truth as template) into
/// `dir`; its path.
fn calibrated(dir: &std::path::Path) -> std::path::PathBuf {
    let out = dir.join("crm.json");
    let run = bin()
        .arg("calibrate")
        .arg(repo_file(EXPORT))
        .arg("--out")
        .arg(&out)
        .arg("--template")
        .arg(repo_file(TRUTH))
        .arg("--report")
        .arg(dir.join("calibration"))
        .assert()
        .success();
    let stdout = stdout_of(&run);
    assert!(stdout.contains("3216 leads over 91 days"), "{stdout}");
    assert!(
        stdout.contains("4 rows set aside (line 103: lead_id `00Q000100` repeats an earlier row"),
        "{stdout}"
    );
    out
}

#[test]
fn calibrate_writes_a_scenario_and_its_report() {
    let dir = tempfile::tempdir().unwrap();
    let out = calibrated(dir.path());
    let model = leadsim::load_file(&out).unwrap();
    assert_eq!(model.name, "crm");
    assert_eq!(model.partners.len(), 10);
    assert!(model.house.is_some());
    assert_eq!(model.policies[0].name, "round-robin");
    assert_eq!(model.leads.segments.len(), 6);
    // Rates are Beta distributions: drawn per replication.
    assert!(
        matches!(model.partners[0].team.win_rate, Rate::Dist(_)),
        "{:?}",
        model.partners[0].team.win_rate
    );

    let csv = std::fs::read_to_string(dir.path().join("calibration/calibration.csv")).unwrap();
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header,
        [
            "kind", "name", "quantity", "fitted", "low90", "high90", "observed", "n", "censored",
            "note"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let dogwood = rows
        .iter()
        .find(|r| &r[1] == "Dogwood" && &r[2] == "response_median_hours")
        .unwrap();
    assert_eq!(&dogwood[8], "40", "Dogwood's censored leads");
    let win = rows.iter().filter(|r| &r[2] == "win_rate").count();
    assert_eq!(win, 11, "ten partners and the house");
    let html = std::fs::read_to_string(dir.path().join("calibration/calibration.html")).unwrap();
    assert_eq!(html.matches("<svg").count(), 5, "five charts");
    assert!(html.contains("4 rows set aside"));
    assert!(html.contains("line 1502: no creation time"));
}

#[test]
fn calibrate_without_a_template_writes_a_placeholder_policy_and_reads_renamed_columns() {
    let dir = tempfile::tempdir().unwrap();
    // The export with Salesforce-style column names.
    let text = std::fs::read_to_string(repo_file(EXPORT)).unwrap();
    let renamed = text.replacen(
        "lead_id,created_at,region,vertical,score,partner,first_contact_at",
        "Id,CreatedDate,Region__c,Industry,Lead_Score__c,Owner__c,First_Touch__c",
        1,
    );
    let file = dir.path().join("sf.csv");
    std::fs::write(&file, renamed).unwrap();
    let out = dir.path().join("sf.json");
    bin()
        .arg("calibrate")
        .arg(&file)
        .arg("--out")
        .arg(&out)
        .arg("--report")
        .arg(dir.path().join("r"))
        .arg("--columns")
        .arg("lead_id=Id,created_at=CreatedDate,region=Region__c,vertical=Industry,score=Lead_Score__c,partner=Owner__c,first_contact_at=First_Touch__c")
        .assert()
        .success();
    let model = leadsim::load_file(&out).unwrap();
    assert_eq!(model.policies.len(), 1);
    assert!(model.policies[0].description.contains("placeholder"));
    // The same fit as from the original names.
    let a: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let c = calibration();
    assert_eq!(a["partners"], c.scenario("sf", None)["partners"]);
    // A column missing is named, with the flag to map it.
    let e = bin()
        .arg("calibrate")
        .arg(&file)
        .arg("--out")
        .arg(dir.path().join("x.json"))
        .assert()
        .code(2);
    assert!(
        stderr_of(&e).contains("no column `lead_id` for `lead_id`"),
        "{}",
        stderr_of(&e)
    );
    assert!(stderr_of(&e).contains("--columns lead_id=NAME"));
}

#[test]
fn a_calibrated_scenario_backtests_inside_its_bands_and_a_wrong_one_is_flagged() {
    let dir = tempfile::tempdir().unwrap();
    let out = calibrated(dir.path());
    let backtest = |scenario: &std::path::Path, name: &str, code: i32| {
        let run = bin()
            .arg("backtest")
            .arg(scenario)
            .arg("--history")
            .arg(repo_file(EXPORT))
            .arg("--policy")
            .arg("round-robin")
            .arg("--replications")
            .arg("60")
            .arg("--out")
            .arg(dir.path().join(name))
            .assert()
            .code(code);
        let csv = std::fs::read_to_string(dir.path().join(name).join("backtest.csv")).unwrap();
        let report = std::fs::read_to_string(dir.path().join(name).join("report.html")).unwrap();
        assert!(report.contains("Back-test: would the model have predicted this period?"));
        (stdout_of(&run), csv)
    };
    // Every headline KPI inside its p10-p90 (exit 0).
    let (stdout, csv) = backtest(&out, "good", 0);
    assert!(stdout.contains("Every KPI of the 3216 leads"), "{stdout}");
    assert_eq!(csv.lines().count(), 9, "{csv}");
    assert_eq!(csv.matches(",inside").count(), 8, "{csv}");

    // Halved response times: time to first contact flagged (exit 1).
    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let halve = |p: &mut serde_json::Value| {
        let l = &mut p["response_hours"]["lognormal"];
        for k in ["median", "p90"] {
            l[k] = serde_json::json!(l[k].as_f64().unwrap() / 2.0);
        }
    };
    for p in doc["partners"].as_array_mut().unwrap() {
        halve(p);
    }
    halve(&mut doc["house"]);
    let wrong = dir.path().join("halved.json");
    std::fs::write(&wrong, serde_json::to_string(&doc).unwrap()).unwrap();
    let (stdout, csv) = backtest(&wrong, "halved", 1);
    assert!(
        csv.contains("speed.ttfc_median_hours") && csv.contains(",above_p90"),
        "{csv}"
    );
    let ttfc = csv
        .lines()
        .find(|l| l.starts_with("speed.ttfc_median_hours"))
        .unwrap();
    assert!(ttfc.ends_with("above_p90"), "{ttfc}");
    assert!(stdout.contains("FLAGGED"), "{stdout}");
}

#[test]
fn a_backtest_sets_aside_rows_no_segment_matches_and_refuses_unknown_policies() {
    let dir = tempfile::tempdir().unwrap();
    let model = truth();
    let mut h = history();
    h.rows[0].region = Some("latam".into());
    let config = leadsim::runner::RunConfig {
        replications: 4,
        ..leadsim::runner::RunConfig::from_model(&model)
    };
    let b =
        leadsim::analyses::backtest::backtest(model.clone(), "x.csv", &h, "round-robin", &config)
            .unwrap();
    assert_eq!(b.leads, h.rows.len() - 1);
    assert!(
        b.set_aside
            .iter()
            .any(|(_, why)| why.contains("region latam")),
        "{:?}",
        b.set_aside
    );
    let e = leadsim::analyses::backtest::backtest(model, "x.csv", &h, "round-robbin", &config)
        .unwrap_err();
    assert!(e.to_string().contains("did you mean `round-robin`"), "{e}");
    // From the command line: exit 2, nothing written.
    bin()
        .arg("backtest")
        .arg(repo_file(TRUTH))
        .arg("--history")
        .arg(repo_file(EXPORT))
        .arg("--policy")
        .arg("nope")
        .arg("--out")
        .arg(dir.path().join("b"))
        .assert()
        .code(2);
    assert!(!dir.path().join("b").exists());
}

#[test]
fn each_defect_of_an_export_gets_its_error_and_nothing_is_written() {
    let text = std::fs::read_to_string(repo_file(EXPORT)).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    // Line 3 of the file: 00Q000001, an Alder lead contacted and lost.
    let row: Vec<&str> = lines[2].split(',').collect();
    let with = |i: usize, value: &str| {
        let mut r = row.clone();
        r[i] = value;
        r.join(",")
    };
    let dir = tempfile::tempdir().unwrap();
    for (bad, expected) in [
        (with(1, "31/05/2026"), "line 3, column `created_at`: `31/05/2026` is not an ISO 8601 time"),
        (with(6, "2026-05-01T00:00:00Z"), "line 3, column `first_contact_at`: first contact 2026-05-01T00:00:00Z is before the lead was created"),
        (with(8, ""), "line 3, column `won`: `won` is given but `closed_at` is blank"),
        (with(10, "-100"), "line 3, column `amount`: a negative amount, -100"),
    ] {
        let mut all = lines.clone();
        all[2] = &bad;
        let file = dir.path().join("bad.csv");
        std::fs::write(&file, all.join("\n")).unwrap();
        let out = dir.path().join("never.json");
        let e = bin()
            .arg("calibrate")
            .arg(&file)
            .arg("--out")
            .arg(&out)
            .arg("--report")
            .arg(dir.path().join("report"))
            .assert()
            .code(2);
        assert!(stderr_of(&e).contains(expected), "expected `{expected}` in {}", stderr_of(&e));
        assert!(!out.exists() && !dir.path().join("report").exists());
    }
    // A partner column empty everywhere.
    let blanked: Vec<String> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 {
                return l.to_string();
            }
            let mut r: Vec<&str> = l.split(',').collect();
            r[5] = "";
            r.join(",")
        })
        .collect();
    let file = dir.path().join("nobody.csv");
    std::fs::write(&file, blanked.join("\n")).unwrap();
    let e = bin()
        .arg("calibrate")
        .arg(&file)
        .arg("--out")
        .arg(dir.path().join("never.json"))
        .assert()
        .code(2);
    assert!(
        stderr_of(&e).contains("(partner) is empty in every row"),
        "{}",
        stderr_of(&e)
    );
    assert!(!dir.path().join("never.json").exists());
}
