//! End-to-end checks of the `shared` example every binary must pass: every variant the
//! binary lists in `shared --help` reaches exactly W × M, the deadlock variant ends by itself
//! with exit 1 and one line, and bad input is a usage error.

use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use avt_common::shared::{DEADLOCK, DEADLOCK_MARKER, LOCK_ORDER};

use crate::{report, run};

/// The variant names `bin shared --help` lists, the default first.
pub fn shared_variants(bin: &str) -> Vec<String> {
    crate::variants(bin, "shared")
}

/// Every variant but the deadlock reaches W × M, on 1 and on 3 worker threads, and says
/// which variant ran; with no --variant the first one runs.
pub fn shared_every_variant_reaches_w_times_m(bin: &str) {
    let variants = shared_variants(bin);
    for variant in variants.iter().filter(|v| *v != DEADLOCK) {
        for threads in ["1", "3"] {
            let args = ["shared", "--variant", variant, "--threads", threads, "--workers", "3"];
            let r = report(bin, &[&args[..], &["--increments", "2000"]].concat());
            assert_eq!(r.result, 6_000, "{bin} {variant} on {threads} threads");
            assert!(r.verified && r.lost.is_none(), "{bin} {variant}");
            assert_eq!(r.example, "shared");
            assert_eq!(r.params.variant.as_deref(), Some(variant.as_str()));
            assert_eq!((r.params.workers, r.params.increments), (Some(3), Some(2_000)));
            assert!(r.increments_per_s.is_some_and(|rate| rate > 0.0), "{bin} {variant}");
        }
    }
    let r = report(bin, &["shared", "--threads", "2", "--workers", "2", "--increments", "10"]);
    assert_eq!(r.params.variant.as_ref(), variants.first());
    assert_eq!(r.result, 20);
}

/// With no --workers, W is 4 × T.
pub fn shared_workers_default_to_four_per_thread(bin: &str) {
    let r = report(bin, &["shared", "--threads", "3", "--increments", "100"]);
    assert_eq!((r.params.workers, r.result), (Some(12), 1_200));
}

/// The deadlock variant deadlocks every time, and its watchdog ends the run with exit 1 and
/// one line naming the deadlock; it never hangs. (Only binaries that list it.)
pub fn shared_deadlock_is_caught(bin: &str) {
    if !shared_variants(bin).iter().any(|v| v == DEADLOCK) {
        return;
    }
    for threads in ["1", "2"] {
        let args = ["shared", "--variant", DEADLOCK, "--threads", threads, "--watchdog-ms", "200"];
        let start = Instant::now();
        let mut child = Command::new(bin)
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {bin}: {e}"));
        // Generous: the watchdog should fire after 200 ms.
        while child.try_wait().expect("the child can be waited for").is_none() {
            if start.elapsed() > Duration::from_secs(30) {
                let _ = child.kill();
                panic!("{bin} {args:?} still running after 30 s: the watchdog did not fire");
            }
            thread::sleep(Duration::from_millis(20));
        }
        let took = start.elapsed();
        let out = child.wait_with_output().expect("the child's output");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{bin} {args:?}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
        assert!(stderr.contains(&format!("error: {DEADLOCK_MARKER} 200 ms")), "{stderr}");
        assert!(took >= Duration::from_millis(200), "{bin}: fired after {took:?}, before 200 ms");
    }
}

/// lock-order, the deadlock's fix, completes with its default two workers. (Only binaries
/// that list it.)
pub fn shared_lock_order_completes(bin: &str) {
    if !shared_variants(bin).iter().any(|v| v == LOCK_ORDER) {
        return;
    }
    let r = report(
        bin,
        &["shared", "--variant", LOCK_ORDER, "--threads", "2", "--increments", "20000"],
    );
    assert_eq!((r.params.workers, r.result), (Some(2), 40_000));
}

/// Bad input to `shared` gets one line on stderr and exit 2.
pub fn shared_bad_input_is_a_usage_error(bin: &str) {
    let cases: &[&[&str]] = &[
        &["shared", "--workers", "0"],
        &["shared", "--increments", "0"],
        &["shared", "--increments", "-3"],
        &["shared", "--variant", "nope"],
        &["shared", "--watchdog-ms", "0"],
        &["shared", "--variant", DEADLOCK, "--workers", "3"],
    ];
    let variants = shared_variants(bin);
    for args in cases {
        if args.contains(&DEADLOCK) && !variants.iter().any(|v| v == DEADLOCK) {
            continue;
        }
        let out = run(bin, args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{bin} {args:?}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{bin} {args:?}: {stderr}");
        assert!(stderr.starts_with("error: ") && !stderr.contains("panicked"), "{stderr}");
    }
    let out = run(bin, &["shared", "--variant", "nope"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&format!("valid: {}", variants.join(", "))), "{stderr}");
}
