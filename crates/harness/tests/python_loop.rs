//! The Python originals' loop examples: asyncio's cpu subcommand (`to-thread`, and the
//! `cpu-inline` mistake), asyncio's `blocking-sleep`, the ticker in every JSON line, and bad
//! `--variant` / `--tick-ms` as usage errors. Skipped, with a note, without python3.

use avt_common::{Report, io_checksum, known_pi};
use avt_testkit::python;

/// Runs a script, or `None` (with a note) when python3 is not on PATH.
fn report(script: &str, args: &[&str]) -> Option<Report> {
    let out = python(script, &[args, &["--json"]].concat())?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{script} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(stdout.lines().count(), 1, "one JSON line: {stdout}");
    Some(serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("bad JSON ({e}): {stdout}")))
}

#[test]
fn asyncio_cpu_counts_primes_both_ways() {
    for variant in ["to-thread", "cpu-inline"] {
        let args =
            ["cpu", "--limit", "10000", "--jobs", "8", "--threads", "2", "--variant", variant];
        let Some(r) = report("asyncio_example.py", &args) else { return };
        assert_eq!(Some(r.result), known_pi(10_000), "{variant}");
        assert!(r.verified);
        assert_eq!(r.params.variant.as_deref(), Some(variant));
        assert!(r.ticker.is_some(), "{variant}: {r:?}");
    }
    let args = ["cpu", "--limit", "10000", "--jobs", "8", "--threads", "2"];
    let Some(r) = report("asyncio_example.py", &args) else { return };
    assert_eq!(r.params.variant.as_deref(), Some("to-thread"), "the default");
}

#[test]
fn asyncio_blocking_sleep_waits_the_fetches_one_after_another() {
    // In-process times: the interpreter's start-up is not part of the shape.
    let timed = |extra: &[&str]| {
        let args = [&["io", "--tasks", "3", "--delay-ms", "150"][..], extra].concat();
        report("asyncio_example.py", &args)
    };
    let Some(r) = timed(&["--variant", "blocking-sleep"]) else { return };
    assert_eq!(r.checksum, format!("{:016x}", io_checksum(3)));
    assert!(r.elapsed_ms >= 375.0, "3 × 150 ms blocking the loop took {} ms", r.elapsed_ms);
    let stalled = r.ticker.map(|t| t.max_us).unwrap_or_default();
    assert!(stalled >= 100_000, "the ticker waited only {stalled} µs");
    let Some(r) = timed(&[]) else { return };
    assert_eq!(r.params.variant.as_deref(), Some("gather"));
    assert!(r.elapsed_ms < 300.0, "gather: 3 × 150 ms at once took {} ms", r.elapsed_ms);
}

#[test]
fn every_script_reports_its_ticker_and_variant() {
    let cases: &[(&str, &[&str], &str)] = &[
        ("asyncio_example.py", &["io", "--tasks", "3", "--delay-ms", "200"], "gather"),
        ("threading_example.py", &["io", "--tasks", "3", "--delay-ms", "200"], "thread-per-fetch"),
        ("threading_example.py", &["cpu", "--limit", "10000", "--threads", "2"], "thread-workers"),
    ];
    for (script, args, variant) in cases {
        let Some(r) = report(script, &[args, &["--tick-ms", "20"][..]].concat()) else { return };
        assert_eq!(r.params.variant.as_deref(), Some(*variant), "{script} {args:?}");
        let t = r.ticker.unwrap_or_else(|| panic!("{script} {args:?}: no ticker"));
        assert_eq!(t.period_us, 20_000);
        assert!(t.p50_us <= t.p99_us && t.p99_us <= t.max_us, "{t:?}");
        let expected = r.elapsed_ms / 20.0;
        assert!(
            t.ticks as f64 >= expected * 0.5 - 2.0 && t.ticks as f64 <= expected * 1.5 + 3.0,
            "{script}: {} ticks of 20 ms in {} ms",
            t.ticks,
            r.elapsed_ms
        );
        let Some(r) = report(script, &[args, &["--no-ticker"][..]].concat()) else { return };
        assert_eq!(r.ticker, None, "{script} --no-ticker");
    }
    let args = ["cpu", "--limit", "1000", "--sequential"];
    let Some(r) = report("threading_example.py", &args) else { return };
    assert_eq!((r.ticker, r.params.variant), (None, None), "the sequential baseline");
}

#[test]
fn bad_variant_or_tick_is_a_usage_error() {
    let cases: &[(&str, &[&str])] = &[
        ("asyncio_example.py", &["io", "--variant", "to-thread"]),
        ("asyncio_example.py", &["cpu", "--variant", "nope"]),
        ("asyncio_example.py", &["io", "--tick-ms", "0"]),
        ("asyncio_example.py", &["cpu", "--tick-ms", "soon"]),
        ("threading_example.py", &["io", "--tick-ms", "60001"]),
        ("threading_example.py", &["cpu", "--sequential", "--tick-ms", "5"]),
        ("threading_example.py", &["cpu", "--sequential", "--variant", "thread-workers"]),
    ];
    for (script, args) in cases {
        let Some(out) = python(script, args) else { return };
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{script} {args:?}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{script} {args:?}: {stderr}");
        assert!(stderr.starts_with("error: "), "{stderr}");
    }
}
