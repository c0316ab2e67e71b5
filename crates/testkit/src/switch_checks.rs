//! End-to-end checks of the switch and spawn examples every example binary must pass: the
//! token counts K × laps on every way and `--via`, laps are calibrated when not given, every
//! spawned unit runs once, rayon's ring of K > T blocking jobs is caught by its watchdog,
//! and bad input is a usage error. Small K, M and N: no timing is asserted beyond sanity.

use std::process::Command;
use std::time::{Duration, Instant};

use avt_common::shared::DEADLOCK_MARKER;
use avt_common::switch::{BLOCKING_JOBS, SpawnReport, SwitchReport};

use crate::run;

/// Runs `bin switch ARGS --json` and parses its line.
pub fn switch_report(bin: &str, args: &[&str]) -> SwitchReport {
    let line = crate::json_line(bin, &[&["switch"], args].concat());
    serde_json::from_str(&line).unwrap_or_else(|e| panic!("bad JSON ({e}): {line}"))
}

/// Runs `bin spawn ARGS --json` and parses its line.
pub fn spawn_report(bin: &str, args: &[&str]) -> SpawnReport {
    let line = crate::json_line(bin, &[&["spawn"], args].concat());
    serde_json::from_str(&line).unwrap_or_else(|e| panic!("bad JSON ({e}): {line}"))
}

/// A CPU this process may run on (the first of /proc/self/status's Cpus_allowed_list).
fn an_allowed_cpu() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let list = status.lines().find_map(|l| l.strip_prefix("Cpus_allowed_list:")).unwrap_or("0");
    list.trim().split([',', '-']).next().unwrap_or("0").to_string()
}

/// Every way and both `--via`: 3 members × 20 laps after 1 warm-up lap, the token counting
/// 3 × 21 hops, and the figures present and sane. (rayon's blocking jobs on 3 threads: the
/// ring fits the pool.)
pub fn switch_every_way_counts_the_token(bin: &str) {
    for variant in crate::variants(bin, "switch") {
        for via in ["channel", "pipe"] {
            let args = ["--workers", "3", "--laps", "20", "--threads", "3", "--via", via];
            let r = switch_report(bin, &[&args[..], &["--variant", &variant]].concat());
            let (p, h) = (&r.report.params, &r.hops);
            assert_eq!((r.report.result, h.hops), (63, 60), "{bin} {variant} {via}");
            assert!(r.report.verified && r.report.example == "switch");
            assert_eq!((p.workers, p.laps, p.warmup_laps), (Some(3), Some(20), Some(1)));
            assert_eq!((p.via.as_deref(), p.variant.as_deref()), (Some(via), Some(&*variant)));
            assert_eq!(p.pin, None);
            assert!(h.ns_per_hop > 0.0 && h.ns_per_hop.is_finite(), "{bin} {variant}: {h:?}");
            assert!(h.lap_p99_us >= h.lap_p50_us && h.lap_p50_us > 0.0, "{bin} {variant}: {h:?}");
            assert!(h.voluntary_per_hop >= 0.0 && h.involuntary_per_hop >= 0.0, "{h:?}");
            assert!(r.report.worker_threads >= 1);
        }
    }
}

/// Without `--laps` the ring calibrates M (about half a second of laps) after a warm-up, and
/// records both; `--pin` pins the run and says so.
pub fn switch_calibrates_and_pins(bin: &str) {
    let cpu = an_allowed_cpu();
    let r = switch_report(bin, &["--workers", "2", "--threads", "2", "--pin", &cpu]);
    let p = &r.report.params;
    let (laps, warm) = (p.laps.expect("laps recorded"), p.warmup_laps.expect("warm-up recorded"));
    assert!(laps >= 1 && warm >= 1, "{bin}: {p:?}");
    assert_eq!((r.report.result, r.hops.hops), (2 * (laps + warm), 2 * laps), "{bin}");
    assert_eq!(p.pin, cpu.parse().ok(), "{bin}");
    // Calibrated for about 0.5 s: far more than one lap, and the run ends in seconds.
    assert!(laps > 10, "{bin}: calibrated {laps} laps");
    assert!(r.report.elapsed_ms < 10_000.0, "{bin}: took {} ms", r.report.elapsed_ms);
}

/// rayon's ring of K > T blocking jobs deadlocks, every time, and the watchdog ends it with
/// exit 1 and one line naming the deadlock. (Only binaries that list the variant.)
pub fn switch_blocking_jobs_deadlock_is_caught(bin: &str) {
    if !crate::variants(bin, "switch").iter().any(|v| v == BLOCKING_JOBS) {
        return;
    }
    let start = Instant::now();
    let args =
        ["switch", "--workers", "4", "--threads", "2", "--laps", "5", "--watchdog-ms", "200"];
    let out = run(bin, &args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{bin}: {stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    assert!(stderr.contains(DEADLOCK_MARKER), "{stderr}");
    assert!(start.elapsed() < Duration::from_secs(10), "took {:?}", start.elapsed());
}

/// Every way spawns 50 units that each run once, with the figures present and sane; all but
/// rayon hold them alive at once and report the memory per unit.
pub fn spawn_every_unit_runs_once(bin: &str) {
    for variant in crate::variants(bin, "spawn") {
        let r = spawn_report(bin, &["--units", "50", "--threads", "2", "--variant", &variant]);
        let s = &r.spawns;
        assert_eq!((s.units, r.report.result), (50, 50), "{bin} {variant}");
        assert!(r.report.verified && r.report.example == "spawn");
        assert_eq!(r.report.params.variant.as_deref(), Some(&*variant));
        assert!(s.us_per_spawn > 0.0 && s.us_per_spawn.is_finite(), "{bin} {variant}: {s:?}");
        let f = s.first_run;
        assert!(f.max_us >= f.p99_us && f.p99_us >= f.p50_us && f.p50_us >= 0.0, "{f:?}");
        let rayon = r.report.approach == "rayon";
        assert_eq!(s.rss_per_unit_kib.is_none(), rayon, "{bin} {variant}: {s:?}");
    }
}

/// Bad input gets one line on stderr and exit 2; an open-file limit too low for the pipe
/// ring gets one line naming RLIMIT_NOFILE and exit 1.
pub fn switch_bad_input_is_a_usage_error(bin: &str) {
    let cases: &[&[&str]] = &[
        &["switch", "--workers", "0"],
        &["switch", "--laps", "0"],
        &["switch", "--workers", "4097"],
        &["switch", "--workers", "many"],
        &["switch", "--via", "carrier-pigeon"],
        &["switch", "--variant", "no-such-way"],
        &["switch", "--pin", "1024"],
        &["spawn", "--units", "0"],
        &["spawn", "--units", "4097"],
        &["spawn", "--variant", "no-such-way"],
    ];
    for args in cases {
        let out = run(bin, args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{bin} {args:?}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{bin} {args:?}: {stderr}");
        assert!(stderr.starts_with("error: ") && !stderr.contains("panicked"), "{stderr}");
    }
    let script = format!("ulimit -n 100; exec {bin} switch --via pipe --workers 100 --laps 1");
    let out = Command::new("sh").args(["-c", &script]).output().expect("sh runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{bin}: {stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    assert!(stderr.contains("RLIMIT_NOFILE"), "{stderr}");
}

/// The switch and spawn examples' tests, as `#[test]` functions:
/// `avt_testkit::switch_examples!(env!("CARGO_BIN_EXE_avt-tokio"));`
#[macro_export]
macro_rules! switch_examples {
    ($bin:expr) => {
        #[test]
        fn switch_every_way_counts_the_token() {
            $crate::switch_checks::switch_every_way_counts_the_token($bin);
        }
        #[test]
        fn switch_calibrates_and_pins() {
            $crate::switch_checks::switch_calibrates_and_pins($bin);
        }
        #[test]
        fn switch_blocking_jobs_deadlock_is_caught() {
            $crate::switch_checks::switch_blocking_jobs_deadlock_is_caught($bin);
        }
        #[test]
        fn spawn_every_unit_runs_once() {
            $crate::switch_checks::spawn_every_unit_runs_once($bin);
        }
        #[test]
        fn switch_bad_input_is_a_usage_error() {
            $crate::switch_checks::switch_bad_input_is_a_usage_error($bin);
        }
    };
}
