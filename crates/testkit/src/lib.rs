//! End-to-end checks every example binary must pass. Each example crate's `tests/cli.rs`
//! calls these with its own binary (`env!("CARGO_BIN_EXE_…")`), so all five are held to
//! exactly the same behaviour.

pub mod cancel_checks;
pub mod limit_checks;
pub mod loop_checks;
pub mod mixed_checks;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use avt_common::{LIMIT, MAX_JOBS, Report, default_jobs, io_checksum, known_pi};
use avt_delay_server::Background;

pub mod shared_checks;
pub mod switch_checks;

/// Runs `bin` with `args` and returns what it did.
pub fn run(bin: &str, args: &[&str]) -> Output {
    Command::new(bin).args(args).output().unwrap_or_else(|e| panic!("cannot run {bin}: {e}"))
}

/// Runs a Python original (scripts/python/SCRIPT) with `args`, or None, with a note, when
/// python3 cannot be run here: the Python checks skip rather than fail.
pub fn python(script: &str, args: &[&str]) -> Option<Output> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/python").join(script);
    match Command::new("python3").arg(path).args(args).output() {
        Ok(out) => Some(out),
        Err(e) => {
            eprintln!("note: skipped, python3 is not runnable here ({e})");
            None
        }
    }
}

/// Runs `bin` with `args --json`, checks it succeeded with one JSON line, and returns it.
pub fn json_line(bin: &str, args: &[&str]) -> String {
    let out = run(bin, &[args, &["--json"]].concat());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{bin} {args:?} failed: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout.lines().count(), 1, "--json prints one line, got:\n{stdout}");
    stdout.into_owned()
}

/// Runs `bin` with `args --json`, checks it succeeded with one JSON line, and parses it.
pub fn report(bin: &str, args: &[&str]) -> Report {
    parse(&json_line(bin, args))
}

/// The report in a JSON line, or a panic that quotes the line.
pub fn parse<T: serde::de::DeserializeOwned>(line: &str) -> T {
    serde_json::from_str(line).unwrap_or_else(|e| panic!("bad JSON ({e}): {line}"))
}

/// The variants `bin EXAMPLE --help` lists, the default (the crate's right way) first.
pub fn variants(bin: &str, example: &str) -> Vec<String> {
    let out = run(bin, &[example, "--help"]);
    assert!(out.status.success(), "{bin} {example} --help failed");
    let help = String::from_utf8_lossy(&out.stdout);
    let listed: Vec<String> = help
        .lines()
        .skip_while(|l| !l.starts_with("Variants"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next().map(String::from))
        .collect();
    assert!(!listed.is_empty(), "{bin} {example} --help lists no variants:\n{help}");
    listed
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

/// Without `--jobs` the split follows [`default_jobs`] (max(64, 16 × T), at most L + 1), the
/// rule the harness uses too.
pub fn cpu_jobs_default_to_16_per_thread(bin: &str) {
    for (limit, threads) in [(1_000_000, 1), (1_000_000, 8), (10, 2)] {
        let (l, t) = (limit.to_string(), threads.to_string());
        let r = report(bin, &["cpu", "--limit", &l, "--threads", &t]);
        assert_eq!(r.params.jobs, Some(default_jobs(threads, limit)), "{bin}: L {l}, T {t}");
        assert_eq!(Some(r.result), known_pi(limit));
    }
    assert_eq!((default_jobs(8, LIMIT), default_jobs(2, 10)), (128, 11));
}

/// `--version` names the example's own crate, not the shared library.
pub fn version_names_the_binary(bin: &str) {
    let out = run(bin, &["--version"]);
    let name = Path::new(bin).file_name().expect("a file name").to_string_lossy();
    let expected = format!("{name} {}\n", env!("CARGO_PKG_VERSION"));
    assert_eq!(
        (out.status.code(), String::from_utf8_lossy(&out.stdout)),
        (Some(0), expected.into())
    );
}

/// A reader that closes the pipe early (`| head -1`) ends the run quietly with status 141;
/// a full disk gets one line and status 1. Never a panic.
pub fn closed_or_full_stdout_is_not_a_panic(bin: &str) {
    let args = ["io", "--tasks", "10", "--delay-ms", "50"];
    let mut child = Command::new(bin)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {bin}: {e}"));
    drop(child.stdout.take()); // the reader is gone before the first line
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!((out.status.code(), stderr.as_ref()), (Some(141), ""), "{bin}: closed pipe");
    let Ok(full) = std::fs::File::create("/dev/full") else {
        eprintln!("note: no /dev/full here: the full-disk case is skipped");
        return;
    };
    let out = Command::new(bin).args(args).stdout(full).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{bin}: /dev/full: {stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{bin}: one line, got:\n{stderr}");
    assert!(stderr.contains("cannot write the output: No space left"), "{stderr}");
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
        // Once aborted allocating 16 TB for the jobs' ranges.
        &["cpu", "--limit", "1000000000000", "--jobs", "1000000000000"],
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
    let out = run(bin, &["cpu", "--jobs", "1000001"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&format!("1..={MAX_JOBS}")), "names the bound: {stderr}");
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

/// The server dies mid-run: the requests in flight fail as closed connections (not refused:
/// they had connected), the run exits 1 with the counts, and nothing hangs.
pub fn tcp_server_killed_is_an_error(bin: &str) {
    let server = Background::start().expect("start a delay server");
    let args = tcp(&server, 100, 5_000, &["--verbose"]);
    let child = Command::new(bin).args(&args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn();
    let mut child = child.unwrap_or_else(|e| panic!("cannot run {bin}: {e}"));
    // Kill the server only once fetches are under way: the first has said it started, and
    // a moment later it has connected (the kernel completes a loopback connect at once).
    let mut stdout = BufReader::new(child.stdout.take().expect("piped"));
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    assert!(first.starts_with("Fetching data from http://"), "{bin}: first line {first:?}");
    std::thread::sleep(Duration::from_millis(300));
    let start = Instant::now();
    server.kill();
    std::io::copy(&mut stdout, &mut std::io::sink()).unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    assert!(stderr.contains("of 100 fetches failed (connection closed: "), "{stderr}");
    assert!(stderr.contains("; 0 succeeded"), "every answer was 5 s away: {stderr}");
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
        #[test]
        fn cpu_jobs_default_to_16_per_thread() {
            $crate::cpu_jobs_default_to_16_per_thread($bin);
        }
        #[test]
        fn version_names_the_binary() {
            $crate::version_names_the_binary($bin);
        }
        #[test]
        fn closed_or_full_stdout_is_not_a_panic() {
            $crate::closed_or_full_stdout_is_not_a_panic($bin);
        }
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
