//! End-to-end checks every example binary must pass. Each example crate's `tests/cli.rs`
//! calls these with its own binary (`env!("CARGO_BIN_EXE_…")`), so all five are held to
//! exactly the same behaviour.

use std::process::{Command, Output};
use std::time::{Duration, Instant};

use avt_common::{Report, io_checksum, known_pi};

/// Runs `bin` with `args` and returns what it did.
pub fn run(bin: &str, args: &[&str]) -> Output {
    Command::new(bin)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {bin}: {e}"))
}

/// Runs `bin` with `args --json`, checks it succeeded with one JSON line, and parses it.
pub fn report(bin: &str, args: &[&str]) -> Report {
    let out = run(bin, &[args, &["--json"]].concat());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{bin} {args:?} failed: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        stdout.lines().count(),
        1,
        "--json prints one line, got:\n{stdout}"
    );
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("bad JSON ({e}): {stdout}"))
}

/// The cpu example counts π(limit) for several (limit, jobs, threads).
pub fn cpu_counts_primes(bin: &str) {
    for (limit, jobs, threads) in [(0, 1, 1), (10, 11, 3), (100_000, 7, 2), (1_000_000, 64, 4)] {
        let (l, j, t) = (limit.to_string(), jobs.to_string(), threads.to_string());
        let r = report(bin, &["cpu", "--limit", &l, "--jobs", &j, "--threads", &t]);
        assert_eq!(
            Some(r.result),
            known_pi(limit),
            "{bin}: π({limit}) with {jobs} jobs"
        );
        assert!(r.verified);
        assert_eq!(
            (r.example.as_str(), r.params.limit, r.params.jobs),
            ("cpu", Some(limit), Some(jobs))
        );
        assert_eq!(r.params.threads, threads);
    }
}

/// 200 fetches of 100 ms finish far below the 20 s they take one after another.
pub fn io_is_concurrent(bin: &str) {
    let start = Instant::now();
    let r = report(bin, &["io", "--tasks", "200", "--delay-ms", "100"]);
    let took = start.elapsed();
    assert_eq!(r.result, 200);
    assert_eq!(r.checksum, format!("{:016x}", io_checksum(200)));
    assert!(
        took < Duration::from_secs(2),
        "{bin}: 200 × 100 ms took {took:?}; sequential is 20 s"
    );
    assert!(
        r.elapsed_ms >= 100.0,
        "{bin}: every fetch waits 100 ms, run took {} ms",
        r.elapsed_ms
    );
}

/// The default io run prints the article's lines: every fetch starts, then they all end.
pub fn io_prints_the_article_lines(bin: &str) {
    let out = run(bin, &["io", "--delay-ms", "50"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    for url in avt_common::URLS {
        assert!(
            stdout.contains(&format!("Fetching data from {url}\n")),
            "{stdout}"
        );
        assert!(
            stdout.contains(&format!("Data fetched from {url}\n")),
            "{stdout}"
        );
    }
    let summary = stdout.lines().last().unwrap_or_default();
    assert!(
        summary.contains("fetched 3 URLs"),
        "summary line: {summary}"
    );
}

/// Bad input gets one line on stderr and exit 2, never a panic.
pub fn bad_input_is_a_usage_error(bin: &str) {
    let cases: &[&[&str]] = &[
        &[],
        &["--bogus"],
        &["io", "--tasks", "0"],
        &["io", "--tasks", "many"],
        &["io", "--threads", "0"],
        &["io", "--delay-ms", "3600001"],
        &["cpu", "--jobs", "0"],
        &["cpu", "--limit", "5", "--jobs", "7"],
        &["cpu", "--limit", "99999999999999999999999"],
        &["cpu", "--limit", "-1"],
    ];
    for args in cases {
        let out = run(bin, args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{bin} {args:?}: {stderr}");
        assert_eq!(
            stderr.trim_end().lines().count(),
            1,
            "{bin} {args:?}: one line, got:\n{stderr}"
        );
        assert!(
            stderr.starts_with("error: ") && !stderr.contains("panicked"),
            "{stderr}"
        );
    }
}

/// `--json` output parses and carries the parameters and the worker threads used.
pub fn json_parses(bin: &str) {
    let r = report(
        bin,
        &["io", "--tasks", "5", "--delay-ms", "10", "--threads", "2"],
    );
    assert_eq!(
        (r.example.as_str(), r.params.tasks, r.params.delay_ms),
        ("io", Some(5), Some(10))
    );
    assert_eq!(r.params.threads, 2);
    assert!(r.verified && r.worker_threads >= 1 && r.elapsed_ms > 0.0);
}
