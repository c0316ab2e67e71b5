//! The Python originals' `shared` example: the fixed forms reach W × M, the race variants
//! exit 0 and report their lost updates, bad input is one line and exit 2. Skipped, with a
//! note, where python3 is not on PATH.

use std::process::{Command, Output};

use avt_common::Report;
use avt_harness::binaries::project_root;

fn have_python() -> bool {
    let found = Command::new("python3").arg("--version").output().is_ok_and(|o| o.status.success());
    if !found {
        eprintln!("note: python3 is not on PATH; skipping the Python shared-state tests");
    }
    found
}

fn python(script: &str, args: &[&str]) -> Output {
    let path = project_root().join("scripts/python").join(script);
    Command::new("python3").arg(path).args(args).output().expect("python3 runs")
}

/// `script shared --variant VARIANT` with 3 workers × 200 increments on 2 threads.
fn shared(script: &str, variant: &str) -> Report {
    let args = ["shared", "--variant", variant, "--threads", "2", "--workers", "3"];
    let out = python(script, &[&args[..], &["--increments", "200", "--json"]].concat());
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{script} {variant}: {stderr}");
    assert_eq!(stdout.lines().count(), 1, "one JSON line: {stdout}");
    let r: Report =
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("bad JSON ({e}): {stdout}"));
    assert_eq!(r.example, "shared");
    assert_eq!(r.params.variant.as_deref(), Some(variant));
    assert_eq!((r.params.workers, r.params.increments), (Some(3), Some(200)));
    assert!(r.increments_per_s.is_some_and(|rate| rate > 0.0));
    // Every Python run reports its lost updates, zero included, and they add up.
    let lost = r.lost.unwrap_or_else(|| panic!("{script} {variant}: no `lost` field"));
    assert_eq!(r.result + lost, 600, "{script} {variant}");
    assert_eq!(r.verified, lost == 0);
    r
}

#[test]
fn the_fixed_forms_lose_no_update() {
    if !have_python() {
        return;
    }
    for (script, variant) in [
        ("threading_example.py", "mutex"),
        ("threading_example.py", "forced-race-locked"),
        ("asyncio_example.py", "plain"),
        ("asyncio_example.py", "forced-race-locked"),
    ] {
        let r = shared(script, variant);
        assert_eq!((r.result, r.lost), (600, Some(0)), "{script} {variant}");
    }
}

#[test]
fn the_races_exit_0_and_report_their_lost_updates() {
    if !have_python() {
        return;
    }
    // A bare += on threads: whatever is measured (often no loss on CPython 3.11).
    shared("threading_example.py", "plain");
    // Threads switching between the read and the write: most likely lost, not certain.
    shared("threading_example.py", "forced-race");
    // Tasks on one event loop take turns at every await, in order: each round of three reads
    // the same count, so two of every three updates are lost, every time.
    let r = shared("asyncio_example.py", "forced-race");
    assert_eq!((r.result, r.lost), (200, Some(400)));
}

#[test]
fn the_default_is_the_right_way() {
    if !have_python() {
        return;
    }
    for (script, default) in [("threading_example.py", "mutex"), ("asyncio_example.py", "plain")] {
        let out = python(script, &["shared", "--workers", "2", "--increments", "10", "--json"]);
        let r: Report = serde_json::from_slice(&out.stdout).expect("one JSON line");
        assert_eq!((r.params.variant.as_deref(), r.result), (Some(default), 20), "{script}");
    }
}

#[test]
fn bad_shared_input_is_one_line_and_exit_2() {
    if !have_python() {
        return;
    }
    for script in ["threading_example.py", "asyncio_example.py"] {
        for args in [
            &["shared", "--workers", "0"][..],
            &["shared", "--increments", "0"],
            &["shared", "--variant", "nope"],
        ] {
            let out = python(script, args);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{script} {args:?}: {stderr}");
            assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
        }
    }
}
