//! End-to-end tests of the avt-std binary: the checks every example must pass, and the
//! sequential baseline and the OS thread limit.

use std::process::Command;

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

/// Runs `io --tasks 1000000` with the address space capped so that thread stacks run out
/// after a few hundred threads (RLIMIT_AS binds root too, unlike RLIMIT_NPROC), through the
/// shell command `wrapper` (e.g. `taskset -c 0`), and checks the clean stop: exit 1, one line.
fn assert_thread_limit_is_reported(wrapper: &str) {
    let script =
        format!("ulimit -v 2000000; exec {wrapper} {BIN} io --tasks 1000000 --delay-ms 300");
    let start = std::time::Instant::now();
    let out = Command::new("sh").args(["-c", &script]).output().expect("sh runs");
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

#[test]
fn thread_limit_is_reported_not_a_crash() {
    assert_thread_limit_is_reported("");
}

/// The same when every thread first runs after the spawning loop has stopped, as can happen
/// on one busy core: under SCHED_FIFO on one CPU a new thread waits until the spawner
/// blocks, and only then maps its signal stack and its malloc arena. The stop must have
/// left room for that. Needs `chrt -f` (root, or RLIMIT_RTPRIO) and `taskset`; skipped
/// with a note without them.
#[test]
fn thread_limit_holds_when_threads_start_after_the_spawning_loop() {
    let fifo_on_cpu0 = "chrt -f 1 taskset -c 0";
    let probe = Command::new("sh").args(["-c", &format!("{fifo_on_cpu0} true")]).output();
    if !probe.is_ok_and(|out| out.status.success()) {
        eprintln!("note: skipped: `{fifo_on_cpu0}` is not available or not permitted here");
        return;
    }
    assert_thread_limit_is_reported(fifo_on_cpu0);
}
avt_testkit::switch_examples!(BIN);
avt_testkit::cancel_example!(BIN);
avt_testkit::limit_checks!(BIN);
