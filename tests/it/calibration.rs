//! Calibration from data: `empirical` from a CSV column and lead replay,
//! with clear errors for bad data.

use leadsim::engine::leads::draw_world;
use leadsim::engine::rng::{replication_seed, Streams};

use serde_json::json;

use super::common::{bin, repo_file, Scenario};

/// Three partners and one policy; `leads` is the `leads` section and
/// `partner` is merged into the partner line.
fn scenario(
    dir: &std::path::Path,
    leads: serde_json::Value,
    partner: serde_json::Value,
) -> std::path::PathBuf {
    Scenario::new(json!({
        "name": "calib", "horizon_days": 30,
        "leads": leads,
        "partners": [{"name": "P", "count": 3, "capacity": 50}],
        "policies": [{"name": "rr"}]
    }))
    .merge_partners(partner)
    .write(dir, "scenario.json")
}

fn error_of(file: &std::path::Path) -> String {
    let out = bin().arg("validate").arg(file).assert().code(2);
    String::from_utf8(out.get_output().stderr.clone()).unwrap()
}

#[test]
fn empirical_reads_a_csv_column_relative_to_the_scenario() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("data")).unwrap();
    std::fs::write(
        dir.path().join("data/hours.csv"),
        "id,hours\n1,2\n2,4\n3,6\n",
    )
    .unwrap();
    let file = scenario(
        dir.path(),
        json!({"arrivals_per_day": 10}),
        json!({"response_hours": {"empirical": {"csv": "data/hours.csv", "column": "hours"}}}),
    );
    let model = leadsim::load_file(&file).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(model.partners[0].team.response_hours.mean(), 4.0);
    // A missing column lists the columns there are; a bad value names its row.
    std::fs::write(dir.path().join("data/hours.csv"), "id,hrs\n1,2\n").unwrap();
    assert!(error_of(&file).contains("has no column `hours`; its columns are: `id`, `hrs`"));
    std::fs::write(dir.path().join("data/hours.csv"), "id,hours\n1,2\n2,two\n").unwrap();
    assert!(error_of(&file).contains("row 3, column `hours`: `two` is not a number"));
    std::fs::write(dir.path().join("data/hours.csv"), "id,hours\n1,-2\n").unwrap();
    assert!(error_of(&file).contains("row 2, column `hours`: -2 is negative"));
    std::fs::write(dir.path().join("data/hours.csv"), "").unwrap();
    assert!(error_of(&file).contains("is empty"));
    std::fs::remove_file(dir.path().join("data/hours.csv")).unwrap();
    assert!(error_of(&file)
        .contains("partners[0].response_hours.empirical: `data/hours.csv` is not a file inside"));
}

#[test]
fn exact_replay_gives_the_files_leads_every_replication() {
    let file = repo_file("scenarios/replay-last-quarter.json");
    let model = leadsim::load_file(&file).unwrap();
    let rows: Vec<csv::StringRecord> =
        csv::Reader::from_path(repo_file("scenarios/data/last-quarter-leads.csv"))
            .unwrap()
            .records()
            .map(|r| r.unwrap())
            .collect();
    for r in 0..3 {
        let world = draw_world(&model, r, Streams::new(replication_seed(9, r)), 0);
        assert_eq!(world.leads.len(), rows.len());
        for (lead, row) in world.leads.iter().zip(&rows) {
            let day: f64 = row[0].parse().unwrap();
            assert!((lead.arrival_hours - day * 24.0).abs() < 1e-9);
            assert_eq!(lead.deal_size, row[4].parse::<f64>().unwrap());
            let segment = &model.leads.segments[lead.segment as usize];
            assert_eq!(model.regions[segment.region.unwrap()], row[1]);
            assert_eq!(model.verticals[segment.vertical.unwrap()], row[2]);
        }
        // The historical score is what every signal reads.
        let n = model.leads.signals.len();
        for (i, row) in rows.iter().enumerate().take(50) {
            let score: f64 = row[3].parse().unwrap();
            assert!(world.signals[i * n..(i + 1) * n]
                .iter()
                .all(|&s| s == score));
        }
    }
}

#[test]
fn bootstrap_replay_resamples_whole_historical_leads() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("leads.csv"),
        "arrival_day,region,vertical,quality,deal_size\n0.5,na,retail,0.2,1000\n1.0,na,retail,0.4,2000\n2.0,emea,finance,0.9,50000\n4.0,na,retail,0.3,3000\n",
    )
    .unwrap();
    let file = scenario(
        dir.path(),
        json!({"replay": {"csv": "leads.csv", "mode": "bootstrap"}}),
        json!({}),
    );
    let model = leadsim::load_file(&file).unwrap_or_else(|e| panic!("{e}"));
    // 4 leads over 3.5 days: the historical rate.
    assert!((model.leads.arrivals_per_hour * 24.0 - 4.0 / 3.5).abs() < 1e-9);
    let world = draw_world(&model, 0, Streams::new(replication_seed(1, 0)), 0);
    assert!(world.leads.len() > 10);
    for lead in &world.leads {
        // Quality and deal size come from the same historical row.
        let row = [(0.2, 1000.0), (0.4, 2000.0), (0.9, 50000.0), (0.3, 3000.0)]
            .into_iter()
            .find(|&(q, d)| lead.quality == q && lead.deal_size == d);
        assert!(row.is_some(), "{lead:?} is no historical lead");
        let segment = &model.leads.segments[lead.segment as usize];
        assert_eq!(
            model.regions[segment.region.unwrap()] == "emea",
            lead.deal_size == 50000.0
        );
    }
}

#[test]
fn bad_replay_files_get_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let file = scenario(
        dir.path(),
        json!({"replay": {"csv": "leads.csv", "mode": "exact"}}),
        json!({}),
    );
    let cases = [
        ("arrival_day,region,deal_size\n1,na,100\n", "needs a `quality` or a `score` column; its columns are: `arrival_day`, `region`, `deal_size`"),
        ("arrival_day,score\n1,0.3\n", "has no column `deal_size`"),
        ("arrival_day,score,deal_size\n1,0.3,100\n0.5,0.2,100\n", "row 3, column `arrival_day`: 0.5 comes before the previous row's 1"),
        ("arrival_day,score,deal_size\n1,0.3,-100\n", "row 2, column `deal_size`: -100 is negative"),
        ("arrival_day,score,deal_size\n1,1.3,100\n", "row 2, column `score`: 1.3 is outside [0, 1]"),
        ("arrival_day,score,deal_size\n1,x,100\n", "row 2, column `score`: `x` is not a number"),
        ("arrival_day,score,deal_size\n", "no data rows"),
        ("arrival_day,score,deal_size\n45,0.3,100\n", "arrive after the horizon"),
    ];
    for (csv_text, expected) in cases {
        std::fs::write(dir.path().join("leads.csv"), csv_text).unwrap();
        let e = error_of(&file);
        assert!(e.contains(expected), "expected `{expected}` in:\n{e}");
        assert!(e.contains("leads.csv"), "{e}");
    }
}
