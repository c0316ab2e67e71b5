//! End-to-end tests of the avt-std binary: the checks every example must pass, and the
//! sequential baseline and the OS thread limit.

use avt_testkit as kit;

const BIN: &str = env!("CARGO_BIN_EXE_avt-std");

avt_testkit::every_example!(BIN);
avt_testkit::all_at_once!(BIN);

#[test]
fn sequential_is_the_one_thread_baseline() {
    let r = kit::report(BIN, &["cpu", "--sequential", "--limit", "100000", "--threads", "4"]);
    assert_eq!((r.approach.as_str(), r.result, r.worker_threads), ("sequential", 9_592, 1));
    assert_eq!((r.ticker, r.params.variant), (None, None), "the baseline runs no ticker");
    let out = kit::run(BIN, &["cpu", "--sequential", "--tick-ms", "5"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--sequential runs no ticker"), "{stderr}");
}

#[test]
fn thread_limit_is_reported_not_a_crash() {
    // Cap the address space so thread stacks run out after a few hundred threads (RLIMIT_AS
    // binds root too, unlike RLIMIT_NPROC).
    let script = format!("ulimit -v 2000000; exec {BIN} io --tasks 1000000 --delay-ms 300");
    let start = std::time::Instant::now();
    let out = std::process::Command::new("sh").args(["-c", &script]).output().expect("sh runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line, got:\n{stderr}");
    for part in ["hit the OS thread limit: started", "and they all ran to the end", "RLIMIT_AS"] {
        assert!(stderr.contains(part), "{part:?} missing from: {stderr}");
    }
    assert!(start.elapsed() < std::time::Duration::from_secs(20), "took {:?}", start.elapsed());
}
avt_testkit::loop_checks!(BIN);
avt_testkit::mixed_example!(BIN);
