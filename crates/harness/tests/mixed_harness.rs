//! run-all's `mixed` section and the load sweep, end to end: over the real crates (quick), and
//! over stand-ins that fail or leave requests late in known ways.

mod common;

use avt_harness::outcome::{Expect, Failure};
use avt_harness::plan::Example;
use common::{assert_svg, harness, python_or_note, stand_in, stand_ins, temp_dir};

/// The Rust rows of the mixed section, in order: each crate's right way, then its mistakes.
const RUST_ROWS: [&str; 13] = [
    "std-threads",
    "tokio",
    "tokio rayon-bridge",
    "tokio cpu-inline",
    "tokio rayon-inline",
    "tokio current-thread",
    "async-std",
    "async-std cpu-inline",
    "async-std current-thread",
    "smol",
    "smol cpu-inline",
    "smol current-thread",
    "rayon",
];

#[test]
fn quick_mixed_section_over_the_real_crates_meets_every_expectation() {
    let args = ["--sections", "mixed", "--quick", "--threads", "2"];
    let (out, results, dir) = harness("run-all", "mixed-quick", &args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "run-all --sections mixed --quick failed:\n{stderr}");
    assert!(results.ok && !results.partial);
    let mixed = results.settings.mixed.as_ref().expect("the mixed settings are recorded");
    assert!(mixed.rust.cost_ms > 0.0 && mixed.loads == [0.5] && !mixed.sweep);
    let with_python = python_or_note("the Python rows of the mixed section");
    assert_eq!(results.groups.len(), if with_python { 2 } else { 1 });
    let rust = &results.groups[0];
    let names: Vec<&str> = rust.rows.iter().map(|r| r.approach.as_str()).collect();
    assert_eq!(names, RUST_ROWS);
    // The same N, R and W for every Rust row, at half the measured capacity.
    let rate = rust.rows[0].params.rate.unwrap();
    assert!((rate / mixed.rust.per_s - 0.5).abs() < 0.01, "{rate} vs {}", mixed.rust.per_s);
    for group in &results.groups {
        assert_eq!(group.example, Example::Mixed);
        for row in &group.rows {
            assert_eq!(row.failure, None, "{}", row.approach);
            assert_eq!(row.runs, 1, "{}", row.approach);
            assert_eq!(row.params.rate, group.rows[0].params.rate);
            assert_eq!(row.params.work, group.rows[0].params.work);
            // Verified, or the late requests its row allows.
            match &row.outcome {
                None => assert!(row.metrics.contains_key("latency.p99_us"), "{}", row.approach),
                Some(f) => {
                    assert!(matches!(f, Failure::Late { .. }), "{}: {f}", row.approach);
                    assert_eq!(row.expect, Expect::Late, "{}", row.approach);
                }
            }
        }
        let right = group.rows.iter().filter(|r| r.expect.is_success()).count();
        assert!(right >= 3, "{}: the right ways expect success", group.label);
    }
    assert_eq!(rust.row("rayon").unwrap().expect, Expect::Late, "the wrong tool may be late");
    if with_python {
        let python = &results.groups[1];
        let names: Vec<&str> = python.rows.iter().map(|r| r.approach.as_str()).collect();
        assert_eq!(
            names,
            [
                "python-asyncio",
                "python-asyncio process-pool",
                "python-asyncio cpu-inline",
                "python-threading"
            ]
        );
        assert!(python.rows.iter().all(|r| r.python));
        assert_eq!(python.rows[0].params.work, Some(mixed.rust.work / 20));
    }
    let table = String::from_utf8_lossy(&out.stdout);
    for text in ["p99 ms", "got /s", "at 50% load", "Target at 50% load (Rust", "std-threads'"] {
        assert!(table.contains(text), "no {text:?} in:\n{table}");
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_failing_right_way_fails_the_run_and_a_late_wrong_tool_does_not() {
    let bins = temp_dir("mixed-fail-bins");
    stand_ins(&bins, "");
    // smol's ways all exit 1; std-threads, a right way, leaves requests late; rayon, the
    // wrong tool, leaves requests late as its row allows.
    stand_in(&bins, "avt-smol", "--exit 1 --message 'smol: error: boom'");
    stand_in(&bins, "avt-std", "--late 3");
    stand_in(&bins, "avt-rayon", "--late 7");
    let args = ["--bin-dir", bins.to_str().unwrap(), "--sections", "mixed", "--quick"];
    let (out, results, dir) =
        harness("run-all", "mixed-fail", &[&args[..], &["--no-python", "--threads", "2"]].concat());
    let _ = std::fs::remove_dir_all(&bins);
    let _ = std::fs::remove_dir_all(dir);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!results.ok);
    let group = &results.groups[0];
    let row = |name: &str| group.row(name).unwrap();
    assert!(matches!(row("smol").failure, Some(Failure::Exit { code: 1, .. })));
    assert_eq!(row("std-threads").failure, Some(Failure::Late { late: 3 }));
    let rayon = row("rayon");
    assert_eq!((&rayon.failure, &rayon.outcome), (&None, &Some(Failure::Late { late: 7 })));
    for ok in ["tokio", "tokio cpu-inline", "async-std current-thread"] {
        assert_eq!((&row(ok).failure, &row(ok).outcome), (&None, &None), "{ok}");
    }
}

#[test]
fn a_tiny_load_sweep_writes_its_charts() {
    let args = [
        "--loads",
        "25,100",
        "--only",
        "std-threads,rayon",
        "--no-python",
        "--seconds",
        "0.2",
        "--deadline-ms",
        "800",
        "--work",
        "2000",
        "--runs",
        "1",
        "--threads",
        "2",
    ];
    let (out, results, dir) = harness("load", "load-tiny", &args);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mixed = results.settings.mixed.as_ref().unwrap();
    assert!(mixed.sweep && mixed.loads == [0.25, 1.0]);
    assert_eq!(results.groups.len(), 2, "one group per load");
    for group in &results.groups {
        let names: Vec<&str> = group.rows.iter().map(|r| r.approach.as_str()).collect();
        assert_eq!(names, ["std-threads", "rayon"]);
        assert!(group.rows.iter().all(|r| r.expect == Expect::Late && r.failure.is_none()));
    }
    for chart in ["p99", "achieved"] {
        assert_svg(&dir.join(format!("load-{chart}.svg")), &["std-threads", "rayon"]);
    }
    let _ = std::fs::remove_dir_all(dir);
}
