//! `sweep` end to end with tiny points: over the real crates, and over stand-ins that fail.

mod common;

use avt_harness::outcome::Failure;
use common::{assert_svg, harness, python_or_note, stand_in, temp_dir};

const NAMES: [&str; 5] = ["std-threads", "tokio", "async-std", "smol", "rayon"];

#[test]
fn tiny_sweep_over_the_real_crates_and_python() {
    let args = [
        "--tasks",
        "3,200",
        "--cpu-threads",
        "1,2",
        "--delay-ms",
        "100",
        "--limit",
        "100000",
        "--jobs",
        "16",
        "--runs",
        "1",
        "--cap-s",
        "3",
        // rayon's estimate below (⌈N/T⌉ waits) depends on --threads: pinned, not the cores.
        "--threads",
        "2",
    ];
    let (out, results, dir) = harness("sweep", "sweep-real", &args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "sweep failed:\n{stderr}");
    // io: two points; cpu: a Rust (and, with python3, a Python) group per thread count.
    let with_python = python_or_note("the Python rows of the tiny sweep");
    let labels: Vec<&str> = results.groups.iter().map(|g| g.label.as_str()).collect();
    assert_eq!(results.groups.len(), if with_python { 6 } else { 4 }, "{labels:?}");
    for group in &results.groups {
        for row in &group.rows {
            let skipped = row.skipped.is_some();
            // rayon at 200 tasks on 2 threads would wait 100 × 100 ms = 10 s > the 3 s cap;
            // every other row's estimate is one wait plus its start-up (well under 3 s even
            // on a loaded machine).
            let expect_skip = row.approach == "rayon" && row.params.tasks == Some(200);
            assert_eq!(
                skipped, expect_skip,
                "{} in {}: {:?}",
                row.approach, group.label, row.skipped
            );
            if expect_skip {
                assert!(row.skipped.as_deref().unwrap_or("").contains("would take ~"), "{row:?}");
                continue;
            }
            assert_eq!((&row.failure, row.runs), (&None, 1), "{} in {}", row.approach, group.label);
            assert_eq!(
                row.checksum, group.expected.checksum,
                "{} in {}",
                row.approach, group.label
            );
        }
    }
    if with_python {
        let python_cpu = results
            .groups
            .iter()
            .find(|g| g.label.starts_with("cpu, the Python originals"))
            .unwrap();
        assert_eq!(python_cpu.rows[1].params.limit, Some(10_000), "Python counts to a tenth");
        assert!(python_cpu.rows[1].speedup.is_some());
    }

    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains("skipped [1]") && table.contains("would take ~"), "{table}");
    let (python_io, python_cpu): (&[&str], &[&str]) = if with_python {
        (&["python-asyncio", "python-threading"], &["python-threading"])
    } else {
        (&[], &[])
    };
    assert_svg(&dir.join("sweep-io-wall.svg"), &[&NAMES[..], python_io].concat());
    assert_svg(&dir.join("sweep-io-memory.svg"), &NAMES);
    assert_svg(&dir.join("sweep-cpu-speedup.svg"), &[&NAMES[..], python_cpu, &["ideal"]].concat());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn unreachable_points_are_gaps_with_reasons() {
    let bins = temp_dir("sweep-bins");
    for (binary, flags) in [
        ("avt-std", "--exit 1"), // an approach that hits a limit: exit 1 naming it
        ("avt-tokio", ""),
        ("avt-async-std", ""),
        ("avt-smol", "--hold-ms 60000"), // an approach too slow for the timeout
        ("avt-rayon", ""),
    ] {
        stand_in(&bins, binary, flags);
    }
    let args = [
        "--bin-dir",
        bins.to_str().unwrap(),
        "--examples",
        "io",
        "--tasks",
        "3,50",
        "--delay-ms",
        "100",
        "--runs",
        "1",
        "--timeout-s",
        "1",
        "--no-python",
    ];
    let (out, results, dir) = harness("sweep", "sweep-fail", &args);
    let _ = std::fs::remove_dir_all(&bins);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "limits are results, not errors:\n{stderr}");
    let [small, large] = &results.groups[..] else { panic!("two points") };
    for group in [small, large] {
        // A failure that is quick to show runs again at every point.
        let std = group.row("std-threads").unwrap();
        assert!(matches!(std.failure, Some(Failure::Exit { code: 1, .. })), "{std:?}");
        assert!(!std.failed(), "a limit reached in a sweep is a result");
        assert!(std.wall_ms.is_none());
        assert!(group.row("tokio").unwrap().failure.is_none());
    }
    let smol_small = small.row("smol").unwrap();
    assert_eq!(smol_small.failure, Some(Failure::TimedOut { after_s: 1 }));
    let smol_large = large.row("smol").unwrap();
    assert_eq!(smol_large.skipped.as_deref(), Some("timed out at 3 tasks already"));
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains("failed [1]") && table.contains("could not be reached"), "{table}");
    // The charts are still drawn, each series marked with an ✕ and why where it ends.
    let ends = ["failed: exit code 1", "timed out after 1 s", "no point: see its ✕"];
    assert_svg(&dir.join("sweep-io-wall.svg"), &[&NAMES[..], &ends[..]].concat());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn the_bare_runtime_rows_join_the_async_crates_at_100_000_tasks_only() {
    let args = ["--tasks", "200,100000", "--delay-ms", "50", "--sections", "io"];
    let more = ["--only", "tokio,smol,rayon", "--runs", "1", "--no-python", "--threads", "2"];
    let (out, results, dir) = harness("sweep", "sweep-bare", &[&args[..], &more].concat());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let names = |g: &avt_harness::summary::GroupSummary| {
        g.rows.iter().map(|r| r.approach.clone()).collect::<Vec<_>>()
    };
    assert_eq!(names(&results.groups[0]), ["tokio", "smol", "rayon"]);
    assert_eq!(names(&results.groups[1]), ["tokio", "bare-tokio", "smol", "bare-smol", "rayon"]);
    let big = &results.groups[1];
    assert_eq!(big.row("tokio").unwrap().bare.as_deref(), Some("bare-tokio"));
    assert_eq!(big.row("bare-smol").unwrap().failure, None);
    let md = std::fs::read_to_string(dir.join("sweep.md")).unwrap();
    assert!(md.contains("Over the bare runtime at 100000 tasks"), "{md}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("over bare-smol"));
    let _ = std::fs::remove_dir_all(dir);
}
