//! End-to-end checks every example binary must pass. Each example crate's `tests/cli.rs`
//! calls these with its own binary (`env!("CARGO_BIN_EXE_…")`), so all five are held to
//! exactly the same behaviour.

pub mod loop_checks;
pub mod mixed_checks;

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use avt_common::{Report, io_checksum, known_pi};
use avt_delay_server::Background;

pub mod shared_checks;

/// Runs `bin` with `args` and returns what it did.
pub fn run(bin: &str, args: &[&str]) -> Output {
    Command::new(bin).args(args).output().unwrap_or_else(|e| panic!("cannot run {bin}: {e}"))
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
    assert_eq!(stdout.lines().count(), 1, "--json prints one line, got:\n{stdout}");
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("bad JSON ({e}): {stdout}"))
}

/// The cpu example counts π(limit) for several (limit, jobs, threads).
pub fn cpu_counts_primes(bin: &str) {
    for (limit, jobs, threads) in [(0, 1, 1), (10, 11, 3), (100_000, 7, 2), (1_000_000, 64, 4)] {
        let (l, j, t) = (limit.to_string(), jobs.to_string(), threads.to_string());
        let r = report(bin, &["cpu", "--limit", &l, "--jobs", &j, "--threads", &t]);
        assert_eq!(Some(r.result), known_pi(limit), "{bin}: π({limit}) with {jobs} jobs");
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
    assert!(took < Duration::from_secs(2), "{bin}: 200 × 100 ms took {took:?}; sequential is 20 s");
    assert!(r.elapsed_ms >= 100.0, "{bin}: every fetch waits 100 ms, run took {} ms", r.elapsed_ms);
}

/// The default io run prints the article's lines: every fetch starts, then they all end.
pub fn io_prints_the_article_lines(bin: &str) {
    let out = run(bin, &["io", "--delay-ms", "50"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    for url in avt_common::URLS {
        assert!(stdout.contains(&format!("Fetching data from {url}\n")), "{stdout}");
        assert!(stdout.contains(&format!("Data fetched from {url}\n")), "{stdout}");
    }
    let summary = stdout.lines().last().unwrap_or_default();
    assert!(summary.contains("fetched 3 URLs"), "summary line: {summary}");
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
        assert!(stderr.starts_with("error: ") && !stderr.contains("panicked"), "{stderr}");
    }
}

/// `--json` output parses and carries the parameters and the worker threads used.
pub fn json_parses(bin: &str) {
    let r = report(bin, &["io", "--tasks", "5", "--delay-ms", "10", "--threads", "2"]);
    assert_eq!((r.example.as_str(), r.params.tasks, r.params.delay_ms), ("io", Some(5), Some(10)));
    assert_eq!(r.params.threads, 2);
    assert!(r.verified && r.worker_threads >= 1 && r.elapsed_ms > 0.0);
}

/// `io --source tcp` against a delay server started here.
fn tcp(server: &Background, tasks: usize, delay_ms: u64, extra: &[&str]) -> Vec<String> {
    let args = ["io", "--source", "tcp", "--server", &server.addr.to_string()];
    let sizes = ["--tasks", &tasks.to_string(), "--delay-ms", &delay_ms.to_string()];
    args.iter().chain(&sizes).chain(extra).map(|a| a.to_string()).collect()
}

fn strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

/// 500 requests of 100 ms to the delay server finish far below the 50 s they take one after
/// another, every id verified.
pub fn tcp_is_concurrent(bin: &str) {
    let server = Background::start().expect("start a delay server");
    let start = Instant::now();
    let r = report(bin, &strs(&tcp(&server, 500, 100, &[])));
    let took = start.elapsed();
    assert_eq!((r.result, r.params.source.as_deref()), (500, Some("tcp")));
    assert_eq!(r.checksum, format!("{:016x}", io_checksum(500)));
    assert!(took < Duration::from_secs(5), "{bin}: 500 × 100 ms over tcp took {took:?}");
}

/// With no server listening: a one-line error counting the refused connections, exit 1,
/// quickly.
pub fn tcp_server_down_is_an_error(bin: &str) {
    let addr = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).unwrap();
    let args = ["io", "--source", "tcp", "--server", &addr.to_string(), "--tasks", "20"];
    let start = Instant::now();
    let out = run(bin, &args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    assert!(
        stderr.contains("20 of 20 fetches failed (connection refused: 20); 0 succeeded"),
        "{stderr}"
    );
    assert!(start.elapsed() < Duration::from_secs(10), "took {:?}", start.elapsed());
}

/// The server dies mid-run: every request in flight fails, the run exits 1 with the count,
/// and nothing hangs.
pub fn tcp_server_killed_is_an_error(bin: &str) {
    let server = Background::start().expect("start a delay server");
    let args = tcp(&server, 100, 5_000, &[]);
    let child = Command::new(bin).args(&args).stdout(Stdio::null()).stderr(Stdio::piped()).spawn();
    let child = child.unwrap_or_else(|e| panic!("cannot run {bin}: {e}"));
    std::thread::sleep(Duration::from_millis(700));
    let start = Instant::now();
    server.kill();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("fetches failed") && stderr.contains("succeeded"), "{stderr}");
    assert!(start.elapsed() < Duration::from_secs(10), "took {:?} after the kill", start.elapsed());
}

/// More connections than the open-file limit allows: a clear error naming RLIMIT_NOFILE.
pub fn tcp_open_file_limit_is_named(bin: &str) {
    let server = Background::start().expect("start a delay server");
    let args = tcp(&server, 500, 10, &[]).join(" ");
    let out =
        Command::new("sh").args(["-c", &format!("ulimit -n 100; exec {bin} {args}")]).output();
    let out = out.expect("sh runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("500 connections at once") && stderr.contains("RLIMIT_NOFILE"),
        "{stderr}"
    );
}

/// The tests every example binary must pass, as `#[test]` functions:
/// `avt_testkit::every_example!(env!("CARGO_BIN_EXE_avt-tokio"));`
#[macro_export]
macro_rules! every_example {
    ($bin:expr) => {
        #[test]
        fn cpu_counts_primes() {
            $crate::cpu_counts_primes($bin);
        }
        #[test]
        fn io_prints_the_article_lines() {
            $crate::io_prints_the_article_lines($bin);
        }
        #[test]
        fn bad_input_is_a_usage_error() {
            $crate::bad_input_is_a_usage_error($bin);
        }
        #[test]
        fn json_parses() {
            $crate::json_parses($bin);
        }
        #[test]
        fn tcp_server_down_is_an_error() {
            $crate::tcp_server_down_is_an_error($bin);
        }
        #[test]
        fn tcp_server_killed_is_an_error() {
            $crate::tcp_server_killed_is_an_error($bin);
        }
        $crate::shared_examples!($bin);
    };
}

/// The tests of an approach that has every fetch in flight at once (all but rayon).
#[macro_export]
macro_rules! all_at_once {
    ($bin:expr) => {
        #[test]
        fn io_is_concurrent() {
            $crate::io_is_concurrent($bin);
        }
        #[test]
        fn tcp_is_concurrent() {
            $crate::tcp_is_concurrent($bin);
        }
        #[test]
        fn tcp_open_file_limit_is_named() {
            $crate::tcp_open_file_limit_is_named($bin);
        }
    };
}

/// The `shared` example's tests, part of `every_example!`: every variant the binary lists,
/// the deadlock and lock-order variants where it has them, and bad input.
#[macro_export]
macro_rules! shared_examples {
    ($bin:expr) => {
        #[test]
        fn shared_every_variant_reaches_w_times_m() {
            $crate::shared_checks::shared_every_variant_reaches_w_times_m($bin);
        }
        #[test]
        fn shared_workers_default_to_four_per_thread() {
            $crate::shared_checks::shared_workers_default_to_four_per_thread($bin);
        }
        #[test]
        fn shared_deadlock_is_caught() {
            $crate::shared_checks::shared_deadlock_is_caught($bin);
        }
        #[test]
        fn shared_lock_order_completes() {
            $crate::shared_checks::shared_lock_order_completes($bin);
        }
        #[test]
        fn shared_bad_input_is_a_usage_error() {
            $crate::shared_checks::shared_bad_input_is_a_usage_error($bin);
        }
    };
}
