//! End-to-end tests of the avt-std binary: the checks every example must pass.

use avt_testkit as kit;

const BIN: &str = env!("CARGO_BIN_EXE_avt-std");

#[test]
fn cpu_counts_primes() {
    kit::cpu_counts_primes(BIN);
}

#[test]
fn io_is_concurrent() {
    kit::io_is_concurrent(BIN);
}

#[test]
fn io_prints_the_article_lines() {
    kit::io_prints_the_article_lines(BIN);
}

#[test]
fn tcp_is_concurrent() {
    kit::tcp_is_concurrent(BIN);
}

#[test]
fn tcp_server_down_is_an_error() {
    kit::tcp_server_down_is_an_error(BIN);
}

#[test]
fn tcp_server_killed_is_an_error() {
    kit::tcp_server_killed_is_an_error(BIN);
}

#[test]
fn tcp_open_file_limit_is_named() {
    kit::tcp_open_file_limit_is_named(BIN);
}

#[test]
fn bad_input_is_a_usage_error() {
    kit::bad_input_is_a_usage_error(BIN);
}

#[test]
fn json_parses() {
    kit::json_parses(BIN);
}

#[test]
fn sequential_is_the_one_thread_baseline() {
    let r = kit::report(BIN, &["cpu", "--sequential", "--limit", "100000", "--threads", "4"]);
    assert_eq!((r.approach.as_str(), r.result, r.worker_threads), ("sequential", 9_592, 1));
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
