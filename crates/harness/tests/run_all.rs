//! `run-all` end to end: over stand-in binaries that fail in known ways, and over the real
//! five crates with --quick.

mod common;

use std::process::Command;

use avt_harness::outcome::Failure;
use avt_harness::plan::Section;
use common::{HARNESS, harness, python_or_note, stand_in, stand_ins, temp_dir};

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
            "--sections",
            "io,cpu",
        ],
    );
    let _ = std::fs::remove_dir_all(&bin_dir);
    assert_eq!(out.status.code(), Some(1), "any failed row makes run-all exit 1");
    assert!(!results.ok);
    let table = String::from_utf8_lossy(&out.stdout);
    for group in &results.groups {
        let failure = |a: &str| group.row(a).unwrap().failure.clone();
        assert!(matches!(failure("tokio"), Some(Failure::Exit { code: 3, .. })));
        assert!(matches!(failure("async-std"), Some(Failure::WrongResult { .. })));
        assert_eq!(failure("smol"), Some(Failure::TimedOut { after_s: 1 }));
        for ok in ["std-threads", "rayon"] {
            let row = group.row(ok).unwrap();
            assert_eq!((&row.failure, row.runs), (&None, 2), "{ok} in {}", group.label);
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
    let (out, results, out_dir) = harness("run-all", "quick", &["--quick", "--threads", "2"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "run-all --quick failed:\n{stderr}");
    assert!(results.ok && !results.partial);
    let names = ["std-threads", "tokio", "async-std", "smol", "rayon"];
    let with_python = python_or_note("the Python rows of the quick run-all");
    let python: &[&str] = if with_python { &["python-asyncio", "python-threading"] } else { &[] };
    // The sections with rows of their own (mistakes, shared): tests/sections.rs.
    let sections = [Section::Io, Section::Cpu];
    let groups: Vec<_> = results.groups.iter().filter(|g| sections.contains(&g.section)).collect();
    let (io, cpu) = (groups[0], groups[1]);
    let mut expected = vec![
        (io, names.iter().chain(python).copied().collect::<Vec<_>>()),
        (cpu, ["sequential"].iter().chain(&names).copied().collect()),
    ];
    if with_python {
        expected.push((groups[2], vec!["python-sequential", "python-threading"]));
    }
    assert_eq!(groups.len(), expected.len(), "{groups:?}");
    let others: Vec<Section> = results.groups.iter().map(|g| g.section).collect();
    assert!(others.contains(&Section::Mistakes) && others.contains(&Section::Shared), "{others:?}");
    for (group, expected) in expected {
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
    assert_eq!(cpu.baseline().map(|r| r.approach.as_str()), Some("sequential"));
    if with_python {
        let cpu_python = groups[2];
        assert!(cpu_python.row("python-threading").unwrap().speedup.is_some());
        assert!(cpu_python.rows.iter().all(|r| r.python));
    }
    assert!(io.row("tokio").unwrap().x_ideal.is_some_and(|x| x < 5.0));
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.contains("io: 20 fetches") && table.contains("cpu: 2 threads, primes"),
        "{table}"
    );
    common::assert_svg(&out_dir.join("run-all.svg"), &[&names[..], python].concat());
    let _ = std::fs::remove_dir_all(out_dir);
}

#[test]
fn bad_options_are_usage_errors() {
    let cases = [
        &["run-all", "--only", "java"][..],
        &["run-all", "--runs", "0"],
        &["run-all", "--limit", "5", "--jobs", "7"],
        &["sweep", "--limit", "5", "--jobs", "7"],
        &["nope"],
    ];
    for args in cases {
        let out = Command::new(HARNESS).args(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    }
}

#[test]
fn an_invalid_value_names_the_valid_ones_on_its_one_line() {
    for (args, valid) in [
        (&["run-all", "--only", "std"][..], "std-threads, tokio, async-std, smol, rayon"),
        (&["sweep", "--sections", "gpu"], "io, cpu"),
        (&["run-all", "--source", "udp"], "sleep, tcp"),
    ] {
        let out = Command::new(HARNESS).args(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
        assert!(stderr.contains(valid), "{args:?} should list {valid}: {stderr}");
    }
}

#[test]
fn an_approach_asked_for_twice_is_one_row() {
    let bins = temp_dir("dup-bins");
    stand_ins(&bins, "");
    let args =
        ["--bin-dir", bins.to_str().unwrap(), "--only", "tokio,smol,tokio", "--sections", "io,cpu"];
    let rest = ["--limit", "1000", "--jobs", "4", "--runs", "1", "--warmup", "0", "--no-python"];
    let (out, results, dir) = harness("run-all", "dup", &[&args[..], &rest].concat());
    let _ = std::fs::remove_dir_all(&bins);
    let _ = std::fs::remove_dir_all(dir);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(results.settings.approaches, ["tokio", "smol"]);
    for group in &results.groups {
        let names: Vec<&str> = group.rows.iter().map(|r| r.approach.as_str()).collect();
        let expected: &[&str] = if group.baseline().is_some() {
            &["sequential", "tokio", "smol"]
        } else {
            &["tokio", "smol"]
        };
        assert_eq!(names, expected, "{}", group.label);
    }
}

#[test]
fn examples_is_another_name_for_sections() {
    let bins = temp_dir("alias-bins");
    stand_ins(&bins, "");
    let args = ["--bin-dir", bins.to_str().unwrap(), "--examples", "cpu", "--only", "rayon"];
    let rest = ["--limit", "1000", "--jobs", "4", "--runs", "1", "--warmup", "0", "--no-python"];
    let (out, results, dir) = harness("run-all", "alias", &[&args[..], &rest].concat());
    let _ = std::fs::remove_dir_all(&bins);
    let _ = std::fs::remove_dir_all(dir);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let labels: Vec<&str> = results.groups.iter().map(|g| g.label.as_str()).collect();
    assert_eq!(labels.len(), 1, "{labels:?}");
    assert!(labels[0].starts_with("cpu: "), "{labels:?}");
}

#[test]
fn quick_scale_puts_each_async_crate_beside_its_bare_runtime() {
    let args = ["--sections", "scale", "--quick", "--threads", "2", "--no-python"];
    let (out, results, dir) = harness("run-all", "scale-quick", &args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let [scale] = &results.groups[..] else { panic!("one group: {:?}", results.groups) };
    assert_eq!(scale.section, Section::Scale);
    let names: Vec<&str> = scale.rows.iter().map(|r| r.approach.as_str()).collect();
    assert_eq!(names, ["tokio", "bare-tokio", "async-std", "bare-async-std", "smol", "bare-smol"]);
    for row in &scale.rows {
        assert_eq!((&row.failure, row.runs), (&None, 1), "{row:?}");
        assert_eq!(row.checksum, scale.expected.checksum, "{}", row.approach);
        let bare = row.bare.as_deref();
        match row.approach.strip_prefix("bare-") {
            Some(_) => assert_eq!(bare, None),
            None => assert_eq!(bare, Some(format!("bare-{}", row.approach).as_str())),
        }
    }
    let md = std::fs::read_to_string(dir.join("run-all.md")).unwrap();
    assert!(md.contains("| over bare: wall |") && md.contains("| over bare: peak RSS |"), "{md}");
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains("+wall") && table.contains("bare-smol"), "{table}");
    let _ = std::fs::remove_dir_all(dir);
}
