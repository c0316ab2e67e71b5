//! run-all's `mistakes` and `shared` sections: a quick run over the real crates (every row
//! verified or ending as it expects: the deadlock detected, a Python race's lost updates
//! counted), and over stand-ins, a Rust row that loses an update fails the run.

mod common;

use avt_common::shared::DEADLOCK_MARKER;
use avt_harness::outcome::{Expect, Failure};
use avt_harness::plan::{Example, Section};
use common::{assert_svg, harness, python_or_note, stand_in, temp_dir};

#[test]
fn quick_mistakes_and_shared_over_the_real_crates_meet_every_rows_expectation() {
    let args = ["--sections", "mistakes,shared", "--quick", "--threads", "2"];
    let (out, results, out_dir) = harness("run-all", "sections-quick", &args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "run-all {args:?} failed:\n{stderr}");
    assert!(results.ok && !results.partial);
    let with_python = python_or_note("the Python rows of the mistakes and shared sections");
    let sections: Vec<Section> = results.groups.iter().map(|g| g.section).collect();
    assert!(sections.iter().all(|s| [Section::Mistakes, Section::Shared].contains(s)));
    let rounds: Vec<_> = results.settings.rounds.iter().map(|r| (r.section, r.runs)).collect();
    assert_eq!(rounds, [(Section::Mistakes, 1), (Section::Shared, 1)]);
    let rows = || results.groups.iter().flat_map(|g| g.rows.iter().map(move |r| (g, r)));
    for (group, row) in rows() {
        let what = format!("{} in {}", row.approach, group.label);
        assert!(!row.failed() && row.failure.is_none(), "{what}: {:?}", row.failure);
        assert_eq!(row.runs, 1, "{what}");
        // Every row names its variant, and ran it.
        if !row.baseline {
            assert!(row.approach.contains(" ("), "{what}");
            assert!(row.params.variant.is_some(), "{what}");
        }
        match &row.expect {
            Expect::Failure(marker) => {
                assert_eq!(marker, DEADLOCK_MARKER);
                let detected = matches!(&row.outcome,
                    Some(Failure::Exit { code: 1, message }) if message.contains(marker));
                assert!(detected && row.outcome_runs == 1, "{what}: {:?}", row.outcome);
                assert!(row.wall_ms.is_some(), "{what}: its time is shown");
            }
            Expect::LostUpdates => {
                assert!(row.python, "{what}: only a Python race may lose updates");
                let lost = row.metrics.get("lost").map(|s| s.median);
                let total = group.expected.result.unwrap();
                assert_eq!(lost, Some((total - row.result.unwrap()) as f64), "{what}");
                if row.approach.contains("forced-race") {
                    assert!(lost.unwrap() > 0.0, "{what}: the forced race loses updates");
                    assert!(matches!(row.outcome, Some(Failure::WrongResult { .. })), "{what}");
                }
            }
            Expect::Success => {
                assert_eq!(row.checksum, group.expected.checksum, "{what}");
                assert!(row.outcome.is_none(), "{what}");
            }
            other => panic!("{what}: {other:?}"),
        }
        if group.section == Section::Mistakes && !row.baseline {
            for key in ["ticker.p99_us", "ticker.max_us", "ticker.ticks"] {
                assert!(row.metrics.contains_key(key), "{what}: no {key}");
            }
        }
        if group.section == Section::Shared && row.outcome.is_none() {
            assert!(row.metrics.contains_key("increments_per_s"), "{what}");
        }
    }
    let names = |section, example| -> Vec<&str> {
        let groups = results.groups.iter().filter(|g| g.section == section && g.example == example);
        groups.flat_map(|g| &g.rows).map(|r| r.approach.as_str()).collect()
    };
    let io = names(Section::Mistakes, Example::Io);
    for name in ["tokio (join-set)", "tokio (blocking-sleep, 1 thread)", "smol (current-thread)"] {
        assert!(io.contains(&name), "{io:?}");
    }
    let cpu = names(Section::Mistakes, Example::Cpu);
    for name in ["sequential", "tokio (rayon-inline, 1 thread)", "std-threads (oversubscribed)"] {
        assert!(cpu.contains(&name), "{cpu:?}");
    }
    let shared = names(Section::Shared, Example::Shared);
    for name in ["tokio (async-mutex)", "rayon (sharded)", "std-threads (deadlock)"] {
        assert!(shared.contains(&name), "{shared:?}");
    }
    assert_eq!(io.iter().any(|n| n.starts_with("python-")), with_python);
    assert_eq!(shared.contains(&"python-threading (forced-race)"), with_python);
    // A blocked thread shows: the blocking sleep on one thread waits out every fetch.
    let row = |name: &str| results.groups.iter().find_map(|g| g.row(name)).unwrap();
    let x = |name: &str| row(name).x_ideal.unwrap();
    assert!(x("tokio (blocking-sleep, 1 thread)") > x("tokio (join-set)") + 1.0);

    let table = String::from_utf8_lossy(&out.stdout);
    for text in ["p99 ms", "max ms", "deadlock detected", "1 counted run, no warm-up", "incr/s"] {
        assert!(table.contains(text), "no {text:?} in:\n{table}");
    }
    assert!(!table.contains("FAILED"), "{table}");
    let md = std::fs::read_to_string(out_dir.join("run-all.md")).unwrap();
    assert!(md.contains("| ticker p99 ms |") && md.contains("| lost updates |"), "{md}");
    let csv = std::fs::read_to_string(out_dir.join("run-all.csv")).unwrap();
    assert!(csv.lines().next().unwrap().contains("ticker.p99_us"), "metric columns in the CSV");
    // Only the sections asked for: their chart, and not the io/cpu bars.
    assert!(!out_dir.join("run-all.svg").exists());
    let series: Vec<&str> =
        io.iter().chain(&cpu).filter(|n| !n.ends_with("sequential")).copied().collect();
    assert_svg(&out_dir.join("run-all-mistakes.svg"), &series);
    let _ = std::fs::remove_dir_all(out_dir);
}

#[test]
fn a_rust_row_that_loses_an_update_fails_the_run() {
    let bins = temp_dir("sections-lose-bins");
    stand_in(&bins, "avt-async-std", "");
    stand_in(&bins, "avt-rayon", "--lose 1");
    let args = [
        "--bin-dir",
        bins.to_str().unwrap(),
        "--only",
        "async-std,rayon",
        "--sections",
        "shared",
        "--quick",
        "--no-python",
    ];
    let (out, results, dir) = harness("run-all", "sections-lose", &args);
    let _ = std::fs::remove_dir_all(&bins);
    let _ = std::fs::remove_dir_all(dir);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!results.ok);
    let group = &results.groups[0];
    let total = group.expected.result.unwrap();
    for row in &group.rows {
        if row.approach.starts_with("rayon") {
            let lost = matches!(row.failure, Some(Failure::WrongResult { result, .. }) if result == total - 1);
            assert!(row.failed() && lost, "{}: {:?}", row.approach, row.failure);
        } else {
            assert!(!row.failed() && row.runs == 1, "{}: {:?}", row.approach, row.failure);
        }
    }
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains("rayon (sharded)") && table.contains("FAILED: wrong result"), "{table}");
}
