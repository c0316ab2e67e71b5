//! `run-all` end to end: over stand-in binaries that fail in known ways, and over the real
//! five crates with --quick.

mod common;

use std::process::Command;

use common::{HARNESS, harness, stand_in, temp_dir};

#[test]
fn failing_rows_are_marked_and_the_others_still_run() {
    let bin_dir = temp_dir("bins");
    stand_in(&bin_dir, "avt-std", "");
    stand_in(&bin_dir, "avt-tokio", "--exit 3");
    stand_in(&bin_dir, "avt-async-std", "--wrong-checksum");
    stand_in(&bin_dir, "avt-smol", "--hold-ms 60000");
    stand_in(&bin_dir, "avt-rayon", "");
    let (out, results, _) = harness(
        "run-all",
        "failing",
        &[
            "--bin-dir",
            bin_dir.to_str().unwrap(),
            "--runs",
            "2",
            "--warmup",
            "0",
            "--timeout-s",
            "1",
            "--limit",
            "1000",
            "--jobs",
            "4",
            "--no-python",
        ],
    );
    let _ = std::fs::remove_dir_all(&bin_dir);
    assert_eq!(out.status.code(), Some(1), "any failed row makes run-all exit 1");
    assert!(!results.ok);
    let table = String::from_utf8_lossy(&out.stdout);
    for group in &results.groups {
        let failure = |a: &str| group.row(a).unwrap().failure.clone().unwrap_or_default();
        assert!(failure("tokio").starts_with("exit code 3"), "{}", failure("tokio"));
        assert!(failure("async-std").starts_with("wrong result"), "{}", failure("async-std"));
        assert!(failure("smol").starts_with("timed out after 1 s"), "{}", failure("smol"));
        for ok in ["std-threads", "rayon"] {
            let row = group.row(ok).unwrap();
            assert_eq!((row.failure.as_deref(), row.runs), (None, 2), "{ok} in {}", group.label);
        }
        // A failed row is not run again after its first failure.
        let smol_runs = results.runs.iter().filter(|r| r.approach == "smol").count();
        assert_eq!(smol_runs, results.groups.len());
    }
    assert!(table.contains(&format!("{:<17} FAILED: exit code 3", "tokio")), "{table}");
}

#[test]
fn quick_run_all_over_the_five_crates_verifies_every_row() {
    // The harness builds the example binaries beside itself (here: the dev profile).
    let (out, results, out_dir) = harness("run-all", "quick", &["--quick"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "run-all --quick failed:\n{stderr}");
    assert!(results.ok);
    let names = ["std-threads", "tokio", "async-std", "smol", "rayon"];
    let python = ["python-asyncio", "python-threading"];
    let [io, cpu, cpu_python] = &results.groups[..] else {
        panic!("three groups: {:?}", results.groups)
    };
    for (group, expected) in [
        (io, names.iter().chain(&python).copied().collect::<Vec<_>>()),
        (cpu, ["sequential"].iter().chain(&names).copied().collect()),
        (cpu_python, vec!["python-sequential", "python-threading"]),
    ] {
        let got: Vec<&str> = group.rows.iter().map(|r| r.approach.as_str()).collect();
        assert_eq!(got, expected);
        for row in &group.rows {
            assert_eq!((&row.failure, row.runs), (&None, 1), "{}", row.approach);
            assert_eq!(row.checksum, group.expected.checksum, "{}", row.approach);
            assert!(row.wall_ms.is_some() && row.max_rss_kib.is_some());
        }
    }
    assert_eq!(cpu.expected.source, "π table");
    assert_eq!(results.environment.profile, "dev", "the binaries report their own build");
    assert!(cpu.row("sequential").unwrap().speedup.is_some());
    assert!(cpu_python.row("python-threading").unwrap().speedup.is_some());
    assert!(io.row("tokio").unwrap().x_ideal.is_some_and(|x| x < 5.0));
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.contains("io: 20 fetches") && table.contains("cpu: 2 threads, primes"),
        "{table}"
    );
    common::assert_svg(&out_dir.join("run-all.svg"), &[&names[..], &python[..]].concat());
    let _ = std::fs::remove_dir_all(out_dir);
}

#[test]
fn bad_options_are_usage_errors() {
    for args in [&["run-all", "--only", "java"][..], &["run-all", "--runs", "0"], &["nope"]] {
        let out = Command::new(HARNESS).args(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    }
}
