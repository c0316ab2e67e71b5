//! The Python originals' mixed example (scripts/python) prints the Rust crates' JSON line,
//! with the Rust checksum for the same requests, ends at its deadline under overload and
//! while the loop counts, reports its wake probe, and rejects bad input with one line.
//! Skipped, with a note, where python3 is not on PATH.

use std::time::{Duration, Instant};

use avt_common::{MixedReport, mixed_checksum};
use avt_testkit::python;

fn report(script: &str, args: &[&str]) -> Option<MixedReport> {
    let out = python(script, &[&["mixed"], args, &["--json"]].concat())?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{script} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(stdout.lines().count(), 1, "one JSON line: {stdout}");
    Some(serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("bad JSON ({e}): {stdout}")))
}

const WAYS: [(&str, &str); 4] = [
    ("asyncio_example.py", "to-thread"),
    ("asyncio_example.py", "cpu-inline"),
    ("asyncio_example.py", "process-pool"),
    ("threading_example.py", "thread-per-request"),
];

#[test]
fn every_way_verifies_with_the_rust_checksum() {
    let sizes = ["--requests", "30", "--rate", "100", "--delay-ms", "20", "--work", "200"];
    for (script, variant) in WAYS {
        let extra = ["--threads", "2", "--deadline-ms", "60000", "--variant", variant];
        let Some(r) = report(script, &[&sizes[..], &extra].concat()) else { return };
        let (s, p) = (&r.served, &r.report.params);
        assert_eq!((s.completed, s.late, s.latency.count), (30, 0, 30), "{script} {variant}");
        assert_eq!(r.report.checksum, format!("{:016x}", mixed_checksum(30, 200)), "{variant}");
        assert_eq!(p.variant.as_deref(), Some(variant));
        assert_eq!(
            (p.requests, p.rate, p.work, p.delay_ms),
            (Some(30), Some(100.0), Some(200), Some(20))
        );
        assert!(s.latency.p50_us >= 20_000, "{script} {variant}: faster than the fetch: {s:?}");
    }
}

#[test]
fn overload_ends_at_the_deadline_and_strict_fails() {
    let args = ["--requests", "1000", "--rate", "500", "--delay-ms", "10", "--work", "2000"];
    let args = [&args[..], &["--deadline-ms", "400", "--threads", "1"]].concat();
    for script in ["asyncio_example.py", "threading_example.py"] {
        let start = Instant::now();
        let Some(r) = report(script, &args) else { return };
        let took = start.elapsed();
        assert!(r.served.late > 0 && r.served.completed + r.served.late == 1000, "{:?}", r.served);
        assert!(took < Duration::from_secs(15), "{script}: a 400 ms deadline took {took:?}");

        let Some(out) = python(script, &[&["mixed"], &args[..], &["--strict"]].concat()) else {
            return;
        };
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{script} --strict: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
        assert!(stderr.contains("requests were late"), "{stderr}");
    }
}

#[test]
fn the_deadline_holds_while_the_loop_counts() {
    // Four requests of 10^8 numbers each (hours in CPython), counted on the event loop itself,
    // against a 1 s deadline: the watchdog thread ends the run, reporting once, all four late.
    let args = ["--variant", "cpu-inline", "--requests", "4", "--work", "100000000"];
    let args =
        [&args[..], &["--delay-ms", "10", "--deadline-ms", "1000", "--threads", "1"]].concat();
    let start = Instant::now();
    let Some(r) = report("asyncio_example.py", &args) else { return };
    let took = start.elapsed();
    assert_eq!((r.served.completed, r.served.late), (0, 4), "{:?}", r.served);
    assert!(took < Duration::from_secs(20), "a 1 s deadline took {took:?}");

    let strict = [&["mixed"], &args[..], &["--strict", "--json"]].concat();
    let Some(out) = python("asyncio_example.py", &strict) else { return };
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "--strict: {stderr}");
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 1, "the report, once");
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    assert!(stderr.contains("4 of 4 requests were late"), "{stderr}");
}

#[test]
fn the_wake_probe_reports_and_can_be_left_out() {
    let sizes = ["--requests", "30", "--rate", "100", "--delay-ms", "20", "--work", "200"];
    let sizes = [&sizes[..], &["--threads", "2", "--deadline-ms", "60000"]].concat();
    for (script, variant) in [WAYS[0], WAYS[1], WAYS[3]] {
        let args = [&sizes[..], &["--variant", variant, "--probe-us", "2000"]].concat();
        let Some(r) = report(script, &args) else { return };
        let wake = r.served.wake.unwrap_or_else(|| panic!("{script} {variant}: no wake field"));
        assert!(wake.samples >= 10, "{script} {variant}: {wake:?}");
        assert!(wake.p50_us <= wake.p99_us && wake.p99_us <= wake.max_us, "{wake:?}");
        assert_eq!(r.report.checksum, format!("{:016x}", mixed_checksum(30, 200)));

        let args = [&sizes[..], &["--variant", variant, "--no-probe"]].concat();
        let Some(r) = report(script, &args) else { return };
        assert_eq!(r.served.wake, None, "{script} {variant} --no-probe");
        assert_eq!(r.report.checksum, format!("{:016x}", mixed_checksum(30, 200)));
    }
}

#[test]
fn bad_input_is_one_line_and_exit_2() {
    let cases: &[&[&str]] = &[
        &["--rate", "0"],
        &["--work", "0"],
        &["--requests", "0"],
        &["--deadline-ms", "50"],
        &["--variant", "no-such-way"],
        &["--probe-us", "0"],
        &["--probe-us", "1000001"],
        &["--probe-us", "500", "--no-probe"],
    ];
    for script in ["asyncio_example.py", "threading_example.py"] {
        for args in cases {
            let Some(out) = python(script, &[&["mixed"], *args].concat()) else { return };
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{script} {args:?}: {stderr}");
            assert_eq!(stderr.trim_end().lines().count(), 1, "{script} {args:?}: {stderr}");
            assert!(stderr.starts_with("error: "), "{stderr}");
        }
    }
}
