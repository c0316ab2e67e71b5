//! End-to-end checks of the cancel example every example binary must pass: a right way keeps
//! exactly the fast ids and releases everything within the grace; a mistake shows its slow
//! fetches still running after the return; a way that cannot cancel (rayon) keeps what it
//! can; bad input is a usage error. Each with `--source sleep` and against a delay server.
//!
//! Small sizes: 12 fetches, the slow ones (ids 0, 4, 8) 1.5 s, the rest 50 ms, a 300 ms
//! deadline, so a run takes 2 s at most. Margins are generous: nothing here times a run
//! closer than a few hundred milliseconds.

use std::process::Command;

use avt_common::{CancelReport, cancel_checksum};
use avt_delay_server::Background;

const TASKS: usize = 12;
const SLOW_EVERY: usize = 4;
const SLOW: usize = 3; // ids 0, 4, 8
const DEADLINE_MS: f64 = 300.0;
const GRACE_MS: f64 = 200.0;
const SIZES: [&str; 14] = [
    "--tasks",
    "12",
    "--slow-every",
    "4",
    "--slow-ms",
    "1500",
    "--delay-ms",
    "50",
    "--deadline-ms",
    "300",
    "--grace-ms",
    "200",
    "--threads",
    "2",
];

/// The variant names `bin cancel --help` lists, its right way first.
pub fn variants(bin: &str) -> Vec<String> {
    crate::variants(bin, "cancel")
}

/// Runs `bin cancel ARGS --json`, checks it succeeded with one JSON line carrying every name
/// the issue gives, and parses it.
pub fn cancel_report(bin: &str, args: &[&str]) -> CancelReport {
    let stdout = crate::json_line(bin, &[&["cancel"], args].concat());
    json_names_are_the_issues(&stdout);
    crate::parse(&stdout)
}

/// The JSON line has the issue's names: `returned_ms`, `kept`, `at_return` and
/// `after_grace` (each `{running, threads, sockets}`), `released_ms`, `wasted`, and
/// `params.variant`.
pub fn json_names_are_the_issues(line: &str) {
    let v: serde_json::Value = serde_json::from_str(line).expect("JSON");
    for name in ["returned_ms", "kept", "released_ms", "wasted"] {
        assert!(v[name].is_number(), "{name} missing or not a number: {line}");
    }
    for held in ["at_return", "after_grace"] {
        for name in ["running", "threads", "sockets"] {
            assert!(v[held][name].is_u64(), "{held}.{name} missing: {line}");
        }
    }
    assert!(v["params"]["variant"].is_string(), "params.variant missing: {line}");
    assert_eq!(v["example"], "cancel", "{line}");
}

/// The small run's arguments, with `--source tcp` against `server` if given.
fn args<'a>(variant: &'a str, server: Option<&'a str>) -> Vec<&'a str> {
    let mut args = SIZES.to_vec();
    args.extend(["--variant", variant]);
    if let Some(addr) = server {
        args.extend(["--source", "tcp", "--server", addr]);
    }
    args
}

/// The crate's right way (listed first) returns at the deadline with exactly the fast ids,
/// and a grace later nothing is running and no socket is open; nothing ran on to waste.
pub fn cancel_right_way_releases_everything(bin: &str, tcp: bool) {
    let server = tcp.then(|| Background::start().expect("start a delay server"));
    let addr = server.as_ref().map(|s| s.addr.to_string());
    let right = variants(bin).remove(0);
    let r = cancel_report(bin, &args(&right, addr.as_deref()));
    let (l, p) = (&r.left, &r.report.params);
    assert_eq!(p.variant.as_deref(), Some(right.as_str()));
    assert_eq!(p.source.as_deref(), tcp.then_some("tcp"), "{bin} {right}");
    assert_eq!(
        (p.tasks, p.slow_every, p.slow_ms, p.delay_ms, p.deadline_ms, p.grace_ms),
        (Some(TASKS), Some(SLOW_EVERY), Some(1500), Some(50), Some(300), Some(200))
    );
    assert_eq!((l.kept, r.report.result), ((TASKS - SLOW) as u64, (TASKS - SLOW) as u64));
    assert_eq!(r.report.checksum, format!("{:016x}", cancel_checksum(TASKS, SLOW_EVERY)));
    assert!(l.returned_ms >= DEADLINE_MS, "{bin} {right}: returned before D: {l:?}");
    assert!(l.returned_ms < DEADLINE_MS + 700.0, "{bin} {right}: returned late: {l:?}");
    assert_eq!((l.after_grace.running, l.after_grace.sockets), (0, 0), "{bin} {right}: {l:?}");
    let within_grace = l.returned_ms - DEADLINE_MS + GRACE_MS;
    assert!(l.released_ms <= within_grace, "{bin} {right}: released late: {l:?}");
    assert_eq!(l.wasted, 0, "{bin} {right}: a slow fetch ran to its end: {l:?}");
    assert!(l.after_grace.threads >= 1 && l.at_return.threads >= 1, "{l:?}");
}

/// Every way after the first is a mistake shown on purpose: it keeps every fast id too, but
/// its slow fetches are still running at the return and a grace later (over tcp, each still
/// holding its socket), run to their end (wasted), and it exits 0: that is its result.
pub fn cancel_mistakes_leave_the_slow_running(bin: &str, tcp: bool) {
    let server = tcp.then(|| Background::start().expect("start a delay server"));
    let addr = server.as_ref().map(|s| s.addr.to_string());
    let mistakes = variants(bin).split_off(1);
    assert!(!mistakes.is_empty(), "{bin}: no mistake listed for cancel");
    for way in &mistakes {
        let r = cancel_report(bin, &args(way, addr.as_deref()));
        let l = &r.left;
        assert_eq!(l.kept, (TASKS - SLOW) as u64, "{bin} {way}: {l:?}");
        assert_eq!(r.report.checksum, format!("{:016x}", cancel_checksum(TASKS, SLOW_EVERY)));
        assert_eq!((l.at_return.running, l.after_grace.running), (SLOW, SLOW), "{bin} {way}");
        if tcp {
            assert_eq!((l.at_return.sockets, l.after_grace.sockets), (SLOW, SLOW), "{bin} {way}");
        }
        assert_eq!(l.wasted, SLOW as u64, "{bin} {way}: the slow ones ran to their end: {l:?}");
        // They end at S (1.5 s), about 1.2 s after the deadline.
        assert!(l.released_ms > 900.0 && l.released_ms < 2400.0, "{bin} {way}: {l:?}");
    }
}

/// A way that cannot cancel (rayon's jobs, on T = 2 threads): by the deadline the slow
/// fetches hold both threads, so it keeps only some fast ids (those that ran before both
/// threads were taken), and both stay held after the grace. Exit 0: its expected outcome.
pub fn cancel_cannot_stop_keeps_what_it_can(bin: &str, tcp: bool) {
    let server = tcp.then(|| Background::start().expect("start a delay server"));
    let addr = server.as_ref().map(|s| s.addr.to_string());
    let way = variants(bin).remove(0);
    // 20 ms fast fetches: the threads reach the second slow one well before the deadline.
    let mut args = args(&way, addr.as_deref());
    args[7] = "20";
    let r = cancel_report(bin, &args);
    let l = &r.left;
    assert!(l.kept >= 1 && l.kept < (TASKS - SLOW) as u64, "{bin}: kept {} of 9: {l:?}", l.kept);
    assert_eq!((l.at_return.running, l.after_grace.running), (2, 2), "{bin}: {l:?}");
    if tcp {
        assert_eq!(l.after_grace.sockets, 2, "{bin}: {l:?}");
    }
    assert!(l.released_ms > 900.0, "{bin}: released {} ms after D: {l:?}", l.released_ms);
}

/// Bad input gets one line on stderr and exit 2, never a panic.
pub fn cancel_bad_input_is_a_usage_error(bin: &str) {
    let cases: &[&[&str]] = &[
        &["--deadline-ms", "0"],
        &["--slow-ms", "50", "--delay-ms", "50"],
        &["--slow-ms", "40", "--delay-ms", "50"],
        &["--slow-every", "0"],
        &["--grace-ms", "60001"],
        &["--tasks", "0"],
        &["--deadline-ms", "40", "--delay-ms", "50"],
        &["--slow-ms", "400", "--deadline-ms", "500"],
        &["--variant", "no-such-way"],
        &["--source", "tcp"],
    ];
    for args in cases {
        let out = Command::new(bin).arg("cancel").args(*args).output().expect("runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{bin} cancel {args:?}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{bin} cancel {args:?}: {stderr}");
        assert!(stderr.starts_with("error: ") && !stderr.contains("panicked"), "{stderr}");
    }
}

/// The cancel example's tests for a crate with a right way and mistakes, as `#[test]`
/// functions: `avt_testkit::cancel_example!(env!("CARGO_BIN_EXE_avt-tokio"));`
#[macro_export]
macro_rules! cancel_example {
    ($bin:expr) => {
        #[test]
        fn cancel_right_way_releases_everything() {
            $crate::cancel_checks::cancel_right_way_releases_everything($bin, false);
        }
        #[test]
        fn cancel_right_way_releases_everything_over_tcp() {
            $crate::cancel_checks::cancel_right_way_releases_everything($bin, true);
        }
        #[test]
        fn cancel_mistakes_leave_the_slow_running() {
            $crate::cancel_checks::cancel_mistakes_leave_the_slow_running($bin, false);
        }
        #[test]
        fn cancel_mistakes_leave_the_slow_running_over_tcp() {
            $crate::cancel_checks::cancel_mistakes_leave_the_slow_running($bin, true);
        }
        #[test]
        fn cancel_bad_input_is_a_usage_error() {
            $crate::cancel_checks::cancel_bad_input_is_a_usage_error($bin);
        }
    };
}

/// The cancel example's tests for a crate whose one way cannot cancel (rayon).
#[macro_export]
macro_rules! cancel_cannot_stop {
    ($bin:expr) => {
        #[test]
        fn cancel_keeps_what_it_can() {
            $crate::cancel_checks::cancel_cannot_stop_keeps_what_it_can($bin, false);
        }
        #[test]
        fn cancel_keeps_what_it_can_over_tcp() {
            $crate::cancel_checks::cancel_cannot_stop_keeps_what_it_can($bin, true);
        }
        #[test]
        fn cancel_bad_input_is_a_usage_error() {
            $crate::cancel_checks::cancel_bad_input_is_a_usage_error($bin);
        }
    };
}
