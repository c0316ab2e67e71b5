//! Golden tests: every committed results JSON regenerates its Markdown and CSV byte for byte.
//! A change to the format on purpose regenerates the samples (and the README's quotes of
//! them: `python3 scripts/promote-sample.py --regenerate`) in the same commit.

use std::path::{Path, PathBuf};

use avt_harness::binaries::project_root;
use avt_harness::{Results, output};

/// Every committed `<name>.json` with a `<name>.md` beside it, under results/sample/.
fn samples() -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut folders = vec![project_root().join("results/sample")];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "json")
                && path.with_extension("md").is_file()
            {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

fn load(json: &Path) -> Results {
    let text = std::fs::read_to_string(json).unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", json.display()))
}

#[test]
fn committed_samples_regenerate_their_markdown_and_csv_byte_for_byte() {
    let samples = samples();
    assert!(samples.len() >= 4, "the four samples the README quotes, at least: {samples:?}");
    for json in samples {
        let results = load(&json);
        let md = std::fs::read_to_string(json.with_extension("md")).unwrap();
        assert!(output::markdown(&results) == md, "{} no longer regenerates", json.display());
        let csv = json.with_extension("csv");
        if csv.is_file() {
            let csv_text = std::fs::read_to_string(&csv).unwrap();
            assert!(output::csv(&results) == csv_text, "{} no longer regenerates", csv.display());
        }
    }
}

#[test]
fn a_sample_written_again_reads_back_the_same() {
    for json in samples() {
        let results = load(&json);
        let again: Results = serde_json::from_str(&serde_json::to_string(&results).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", json.display()));
        assert_eq!(again, results, "{}", json.display());
        assert_eq!(output::markdown(&again), output::markdown(&results));
    }
}

#[test]
fn older_files_know_their_baselines_and_python_rows() {
    // Written before groups knew their section and rows their role.
    let results = load(&project_root().join("results/sample/16-cores/run-all.json"));
    let cpu = results.groups.iter().find(|g| g.label.starts_with("cpu: ")).unwrap();
    assert_eq!(cpu.baseline().map(|r| r.approach.as_str()), Some("sequential"));
    let python = results.groups.iter().find(|g| g.label.starts_with("cpu, the Python")).unwrap();
    assert_eq!(python.baseline().map(|r| r.approach.as_str()), Some("python-sequential"));
    assert!(python.rows.iter().all(|r| r.python));
    assert!(cpu.rows.iter().all(|r| !r.python));
}
