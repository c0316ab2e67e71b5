//! The checks of the loop examples: every variant a binary lists runs and verifies its
//! result, the latency probe (ticker) reports in the JSON line, bad `--variant` and
//! `--tick-ms` are usage errors, and the mistakes have the shape they are shown for.

use avt_common::{Report, io_checksum, known_pi};

use crate::{report, run, variants};

/// Checks the ticker object: there, sane, and about one due tick per period of the run.
fn check_ticker(bin: &str, r: &Report, period_ms: u64) {
    let t = r.ticker.unwrap_or_else(|| panic!("{bin}: no ticker in {r:?}"));
    assert_eq!(t.period_us, period_ms * 1000, "{bin}: {t:?}");
    assert!(t.p50_us <= t.p99_us && t.p99_us <= t.max_us, "{bin}: {t:?}");
    // The schedule spans the timed run, give or take a join or shutdown at its end (which a
    // loaded machine can stretch): generous margins.
    let expected = r.elapsed_ms / period_ms as f64;
    assert!(
        t.ticks as f64 >= expected * 0.5 - 2.0 && t.ticks as f64 <= expected * 1.5 + 3.0,
        "{bin}: {} ticks of {period_ms} ms in a {} ms run",
        t.ticks,
        r.elapsed_ms
    );
}

/// Every io variant fetches every id once, says which variant ran, and reports its ticker.
pub fn every_io_variant_verifies(bin: &str) {
    for v in variants(bin, "io") {
        let args = ["io", "--tasks", "3", "--delay-ms", "60", "--threads", "2", "--variant", &v];
        let r = report(bin, &args);
        assert_eq!(r.result, 3, "{bin} io --variant {v}");
        assert_eq!(r.checksum, format!("{:016x}", io_checksum(3)), "{bin} io --variant {v}");
        assert_eq!(r.params.variant.as_deref(), Some(v.as_str()));
        check_ticker(bin, &r, 10);
    }
}

/// Every cpu variant counts π(limit), on one worker thread and on three.
pub fn every_cpu_variant_verifies(bin: &str) {
    for v in variants(bin, "cpu") {
        for threads in ["1", "3"] {
            let args =
                ["cpu", "--limit", "100000", "--jobs", "16", "--threads", threads, "--variant", &v];
            let r = report(bin, &args);
            assert_eq!(Some(r.result), known_pi(100_000), "{bin} cpu --variant {v} ({threads})");
            assert!(r.verified);
            assert_eq!(r.params.variant.as_deref(), Some(v.as_str()));
            check_ticker(bin, &r, 10);
        }
    }
}

/// With no `--variant` the crate's right way (its first) runs and is named; `--tick-ms` sets
/// the period; `--no-ticker` leaves the ticker out.
pub fn the_default_variant_and_the_ticker_flags(bin: &str) {
    for example in ["io", "cpu"] {
        let sizes: &[&str] = match example {
            "io" => &["io", "--tasks", "3", "--delay-ms", "200", "--threads", "2"],
            _ => &["cpu", "--limit", "100000", "--jobs", "8", "--threads", "2"],
        };
        let first = variants(bin, example).remove(0);
        let r = report(bin, sizes);
        assert_eq!(r.params.variant.as_deref(), Some(first.as_str()), "{bin} {example}");
        check_ticker(bin, &r, 10);
        let r = report(bin, &[sizes, &["--tick-ms", "25"]].concat());
        check_ticker(bin, &r, 25);
        let r = report(bin, &[sizes, &["--no-ticker"]].concat());
        assert_eq!(r.ticker, None, "{bin} {example} --no-ticker");
    }
}

/// Bad `--variant` and `--tick-ms` get one line and exit 2; an unknown variant names the
/// valid ones.
pub fn bad_variant_or_tick_is_a_usage_error(bin: &str) {
    let io_default = variants(bin, "io").remove(0);
    let cpu_default = variants(bin, "cpu").remove(0);
    let cases: &[(&[&str], &str)] = &[
        (&["io", "--variant", "no-such-way"], &io_default),
        (&["cpu", "--variant", "no-such-way"], &cpu_default),
        (&["io", "--variant", ""], &io_default),
        (&["io", "--tick-ms", "0"], "--tick-ms"),
        (&["cpu", "--tick-ms", "0"], "--tick-ms"),
        (&["io", "--tick-ms", "often"], "--tick-ms"),
        (&["io", "--tick-ms", "60001"], "--tick-ms"),
        (&["cpu", "--tick-ms", "-5"], "-5"),
        (&["io", "--tick-ms", "5", "--no-ticker"], "--no-ticker"),
    ];
    for (args, named) in cases {
        let out = run(bin, args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{bin} {args:?}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{bin} {args:?}: one line:\n{stderr}");
        assert!(stderr.starts_with("error: ") && !stderr.contains("panicked"), "{stderr}");
        assert!(stderr.contains(named), "{bin} {args:?} should name {named}: {stderr}");
    }
}

/// `blocking-sleep` on one worker thread waits out the fetches one after another (3 × the
/// delay) and stalls the ticker for a whole delay; the right way takes one delay.
pub fn blocking_sleep_serialises_the_fetches(bin: &str) {
    let run = |extra: &[&str]| {
        let args = ["io", "--tasks", "3", "--delay-ms", "200", "--threads", "1"];
        report(bin, &[&args[..], extra].concat())
    };
    let r = run(&["--variant", "blocking-sleep"]);
    let ms = r.elapsed_ms;
    assert!(ms >= 500.0, "{bin} blocking-sleep: 3 × 200 ms on 1 thread took {ms} ms");
    let stalled = r.ticker.map(|t| t.max_us).unwrap_or_default();
    assert!(stalled >= 150_000, "{bin} blocking-sleep: the ticker waited only {stalled} µs");
    let ms = run(&[]).elapsed_ms;
    assert!(ms < 400.0, "{bin} right way: 3 × 200 ms at once took {ms} ms");
}

/// Counting on the loop (`current-thread`) holds the ticker back for most of the run: it
/// runs only when the counting tasks are done.
pub fn counting_on_the_loop_stalls_the_ticker(bin: &str) {
    let args = ["cpu", "--limit", "1000000", "--jobs", "16", "--threads", "1"];
    let r = report(bin, &[&args[..], &["--variant", "current-thread"]].concat());
    let t = r.ticker.expect("a ticker");
    assert!(
        t.max_us as f64 >= r.elapsed_ms * 1e3 / 4.0,
        "{bin} current-thread: ticker max {} µs in a {} ms run",
        t.max_us,
        r.elapsed_ms
    );
}

/// The tests every binary with variants must pass, as `#[test]` functions.
#[macro_export]
macro_rules! loop_checks {
    ($bin:expr) => {
        #[test]
        fn every_io_variant_verifies() {
            $crate::loop_checks::every_io_variant_verifies($bin);
        }
        #[test]
        fn every_cpu_variant_verifies() {
            $crate::loop_checks::every_cpu_variant_verifies($bin);
        }
        #[test]
        fn the_default_variant_and_the_ticker_flags() {
            $crate::loop_checks::the_default_variant_and_the_ticker_flags($bin);
        }
        #[test]
        fn bad_variant_or_tick_is_a_usage_error() {
            $crate::loop_checks::bad_variant_or_tick_is_a_usage_error($bin);
        }
    };
}

/// The checks of an async crate's loop mistakes (tokio, async-std, smol).
#[macro_export]
macro_rules! loop_mistakes {
    ($bin:expr) => {
        #[test]
        fn blocking_sleep_serialises_the_fetches() {
            $crate::loop_checks::blocking_sleep_serialises_the_fetches($bin);
        }
        #[test]
        fn counting_on_the_loop_stalls_the_ticker() {
            $crate::loop_checks::counting_on_the_loop_stalls_the_ticker($bin);
        }
    };
}
