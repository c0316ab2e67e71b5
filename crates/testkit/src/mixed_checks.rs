//! End-to-end checks of the mixed example every example binary must pass: each of its ways
//! verifies, an overloaded run ends at its deadline, so does one whose counts run on the
//! executor, the wake probe reports (or is left out), and bad input is a usage error.

use std::process::Command;
use std::time::{Duration, Instant};

use avt_common::{MixedReport, mixed_checksum};
use avt_delay_server::Background;

use crate::run;

/// The variant names `bin mixed --help` lists, its right way first.
pub fn variants(bin: &str) -> Vec<String> {
    crate::variants(bin, "mixed")
}

/// Runs `bin mixed ARGS --json`, checks it succeeded with one JSON line, and parses it.
pub fn mixed_report(bin: &str, args: &[&str]) -> MixedReport {
    crate::parse(&crate::json_line(bin, &[&["mixed"], args].concat()))
}

/// 40 requests at 200/s (20 ms fetch, 2,000 numbers each), deadline far away: every way
/// finishes every request once, with the right counts, and no request beats its fetch.
pub fn mixed_every_way_verifies(bin: &str) {
    let small = ["--requests", "40", "--rate", "200", "--delay-ms", "20", "--work", "2000"];
    for variant in variants(bin) {
        let args =
            [&small[..], &["--threads", "2", "--deadline-ms", "60000", "--variant", &variant]];
        let r = mixed_report(bin, &args.concat());
        let (s, p) = (&r.served, &r.report.params);
        assert_eq!((s.completed, s.late, s.latency.count), (40, 0, 40), "{bin} {variant}");
        assert_eq!(r.report.checksum, format!("{:016x}", mixed_checksum(40, 2000)), "{variant}");
        assert!(r.report.verified && r.report.example == "mixed");
        assert_eq!(p.variant.as_deref(), Some(variant.as_str()));
        assert_eq!(
            (p.requests, p.rate, p.work, p.delay_ms),
            (Some(40), Some(200.0), Some(2000), Some(20))
        );
        assert!(s.latency.p50_us >= 20_000, "{bin} {variant}: faster than the fetch: {s:?}");
        assert!(s.latency.max_us >= s.latency.p99_us && s.latency.p99_us >= s.latency.p50_us);
        assert!(s.achieved_rate > 0.0, "{bin} {variant}: {s:?}");
    }
}

/// The same over tcp, against a delay server started here, for the crate's right way.
pub fn mixed_tcp_verifies(bin: &str) {
    let server = Background::start().expect("start a delay server");
    let addr = server.addr.to_string();
    let args = ["--source", "tcp", "--server", &addr, "--requests", "40", "--rate", "200"];
    let sizes = ["--delay-ms", "20", "--work", "2000", "--threads", "2", "--deadline-ms", "60000"];
    let r = mixed_report(bin, &[&args[..], &sizes].concat());
    assert_eq!((r.served.completed, r.served.late), (40, 0));
    assert_eq!(r.report.params.source.as_deref(), Some("tcp"));
    assert_eq!(r.report.checksum, format!("{:016x}", mixed_checksum(40, 2000)));
}

/// Arrivals that would take 2 s against a 300 ms deadline: the run ends soon after the
/// deadline with late requests, exit 0; with --strict, exit 1 and one line.
pub fn mixed_overload_ends_at_the_deadline(bin: &str) {
    let args = ["--requests", "2000", "--rate", "1000", "--delay-ms", "10", "--work", "20000"];
    let args = [&args[..], &["--deadline-ms", "300", "--threads", "1"]].concat();
    let start = Instant::now();
    let r = mixed_report(bin, &args);
    let took = start.elapsed();
    let s = &r.served;
    assert!(s.late > 0 && s.completed + s.late == 2000, "{bin}: {s:?}");
    assert!(took < Duration::from_secs(10), "{bin}: a 300 ms deadline took {took:?}");

    let out = run(bin, &[&["mixed"], &args[..], &["--strict"]].concat());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{bin} --strict: {stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    assert!(stderr.contains("requests were late") && stderr.contains("--strict"), "{stderr}");
}

/// The ways that count where the requests are scheduled (`cpu-inline`, `rayon-inline`,
/// `current-thread`), or the right way where a crate has none of them.
fn inline_variants(bin: &str) -> Vec<String> {
    let all = variants(bin);
    let inline: Vec<String> =
        all.iter().filter(|v| v.contains("inline") || *v == "current-thread").cloned().collect();
    if inline.is_empty() { all[..1].to_vec() } else { inline }
}

/// Four requests of 10^8 numbers each (minutes of counting) against a 1 s deadline, on one
/// thread: even where the counts run on the executor's only worker, the run ends near the
/// deadline, prints its report once, with all four late, exit 0; with --strict, exit 1.
pub fn mixed_deadline_holds_when_counts_block_the_executor(bin: &str) {
    let args = ["--requests", "4", "--work", "100000000", "--delay-ms", "10"];
    let args = [&args[..], &["--deadline-ms", "1000", "--threads", "1"]].concat();
    for variant in inline_variants(bin) {
        let args = [&args[..], &["--variant", &variant]].concat();
        let start = Instant::now();
        let r = mixed_report(bin, &args); // one line: the report is printed once
        let took = start.elapsed();
        let s = &r.served;
        assert_eq!((s.completed, s.late), (0, 4), "{bin} {variant}: {s:?}");
        assert!(took < Duration::from_secs(15), "{bin} {variant}: a 1 s deadline took {took:?}");
        assert!(r.report.elapsed_ms >= 1_000.0, "{bin} {variant}: ended before the deadline");
    }
    let variant = &inline_variants(bin)[0];
    let out = run(bin, &[&["mixed"], &args[..], &["--variant", variant, "--strict"]].concat());
    let (stdout, stderr) =
        (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.code(), Some(1), "{bin} {variant} --strict: {stderr}");
    assert_eq!(stdout.lines().count(), 1, "the report, once: {stdout}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    assert!(stderr.contains("4 of 4 requests were late"), "{stderr}");
}

/// The wake probe is on by default: the JSON line carries `wake` with samples, in order; with
/// --no-probe the field is absent. Neither changes the checked result.
pub fn mixed_wake_probe_reports_and_can_be_left_out(bin: &str) {
    let sizes = ["--requests", "40", "--rate", "100", "--delay-ms", "20", "--work", "2000"];
    let sizes = [&sizes[..], &["--threads", "2", "--deadline-ms", "60000"]].concat();
    let r = mixed_report(bin, &[&sizes[..], &["--probe-us", "2000"]].concat());
    let wake = r.served.wake.unwrap_or_else(|| panic!("{bin}: no wake field: {r:?}"));
    // 40 requests at 100/s: about 0.4 s of sends every 2 ms; a sender on a busy core may
    // skip some, so ask for far fewer.
    assert!(wake.samples >= 20, "{bin}: {wake:?}");
    assert!(wake.p50_us <= wake.p99_us && wake.p99_us <= wake.max_us, "{bin}: {wake:?}");
    let checksum = format!("{:016x}", mixed_checksum(40, 2000));
    assert_eq!(r.report.checksum, checksum);

    let out = run(bin, &[&["mixed"], &sizes[..], &["--no-probe", "--json"]].concat());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{bin} --no-probe: {}", String::from_utf8_lossy(&out.stderr));
    let line: serde_json::Value = serde_json::from_str(&stdout).expect("one JSON line");
    assert!(line.get("wake").is_none(), "{bin} --no-probe: {stdout}");
    assert_eq!(line["checksum"], checksum.as_str());
    assert_eq!(line["completed"], 40);
}

/// Bad input gets one line on stderr and exit 2, never a panic.
pub fn mixed_bad_input_is_a_usage_error(bin: &str) {
    let cases: &[&[&str]] = &[
        &["--rate", "0"],
        &["--rate", "-5"],
        &["--rate", "NaN"],
        &["--rate", "1e-300"],
        &["--work", "0"],
        &["--requests", "0"],
        &["--deadline-ms", "50"],
        &["--deadline-ms", "10", "--delay-ms", "20"],
        &["--variant", "no-such-way"],
        &["--source", "tcp"],
        &["--probe-us", "0"],
        &["--probe-us", "1000001"],
        &["--probe-us", "-1"],
        &["--probe-us", "500", "--no-probe"],
    ];
    for args in cases {
        let out = Command::new(bin).arg("mixed").args(*args).output().expect("runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{bin} mixed {args:?}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{bin} mixed {args:?}: {stderr}");
        assert!(stderr.starts_with("error: ") && !stderr.contains("panicked"), "{stderr}");
    }
}

/// The mixed example's tests, as `#[test]` functions:
/// `avt_testkit::mixed_example!(env!("CARGO_BIN_EXE_avt-tokio"));`
#[macro_export]
macro_rules! mixed_example {
    ($bin:expr) => {
        #[test]
        fn mixed_every_way_verifies() {
            $crate::mixed_checks::mixed_every_way_verifies($bin);
        }
        #[test]
        fn mixed_tcp_verifies() {
            $crate::mixed_checks::mixed_tcp_verifies($bin);
        }
        #[test]
        fn mixed_overload_ends_at_the_deadline() {
            $crate::mixed_checks::mixed_overload_ends_at_the_deadline($bin);
        }
        #[test]
        fn mixed_deadline_holds_when_counts_block_the_executor() {
            $crate::mixed_checks::mixed_deadline_holds_when_counts_block_the_executor($bin);
        }
        #[test]
        fn mixed_wake_probe_reports_and_can_be_left_out() {
            $crate::mixed_checks::mixed_wake_probe_reports_and_can_be_left_out($bin);
        }
        #[test]
        fn mixed_bad_input_is_a_usage_error() {
            $crate::mixed_checks::mixed_bad_input_is_a_usage_error($bin);
        }
    };
}
