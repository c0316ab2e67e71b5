//! The Python originals' switch and spawn examples (scripts/python) print the Rust crates'
//! JSON line, with the Rust checksum for the same ring: the token counts K × laps over both
//! `--via`, laps are calibrated when not given, every spawned unit runs once, and bad input
//! is one line and exit 2. Skipped, with a note, where python3 is not on PATH.

use avt_common::cpu_checksum;
use avt_common::switch::{SpawnReport, SwitchReport};
use avt_testkit::python;

const SCRIPTS: [&str; 2] = ["asyncio_example.py", "threading_example.py"];

/// Runs `script ARGS --json`, checks it succeeded with one JSON line, and returns it.
fn line(script: &str, args: &[&str]) -> Option<String> {
    let out = python(script, &[args, &["--json"]].concat())?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{script} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(stdout.lines().count(), 1, "one JSON line: {stdout}");
    Some(stdout)
}

fn switch(script: &str, args: &[&str]) -> Option<SwitchReport> {
    let line = line(script, &[&["switch"], args].concat())?;
    Some(serde_json::from_str(&line).unwrap_or_else(|e| panic!("bad JSON ({e}): {line}")))
}

#[test]
fn the_token_counts_k_times_laps_with_the_rust_checksum() {
    for script in SCRIPTS {
        for via in ["channel", "pipe"] {
            let args = ["--workers", "3", "--laps", "20", "--via", via];
            let Some(r) = switch(script, &args) else { return };
            let (p, h) = (&r.report.params, &r.hops);
            assert_eq!((r.report.result, h.hops), (63, 60), "{script} {via}");
            assert_eq!(r.report.checksum, format!("{:016x}", cpu_checksum(63, 63)), "{script}");
            assert_eq!((p.workers, p.laps, p.warmup_laps), (Some(3), Some(20), Some(1)));
            assert_eq!(p.via.as_deref(), Some(via));
            assert!(p.variant.is_some() && r.report.example == "switch");
            assert!(h.ns_per_hop > 0.0 && h.lap_p99_us >= h.lap_p50_us, "{script} {via}: {h:?}");
            assert!(h.voluntary_per_hop >= 0.0 && h.involuntary_per_hop >= 0.0, "{h:?}");
        }
    }
}

#[test]
fn laps_are_calibrated_when_not_given() {
    for script in SCRIPTS {
        let Some(r) = switch(script, &["--workers", "2"]) else { return };
        let p = &r.report.params;
        let (laps, warm) = (p.laps.expect("laps"), p.warmup_laps.expect("warm-up laps"));
        assert!(laps > 10 && warm >= 1, "{script}: {p:?}");
        assert_eq!((r.report.result, r.hops.hops), (2 * (laps + warm), 2 * laps), "{script}");
    }
}

#[test]
fn every_spawned_unit_runs_once() {
    for script in SCRIPTS {
        let Some(line) = line(script, &["spawn", "--units", "50"]) else { return };
        let r: SpawnReport = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
        let s = &r.spawns;
        assert_eq!((s.units, r.report.result), (50, 50), "{script}");
        assert_eq!(r.report.checksum, format!("{:016x}", cpu_checksum(50, 50)));
        assert!(s.us_per_spawn > 0.0, "{script}: {s:?}");
        let f = s.first_run;
        assert!(f.max_us >= f.p99_us && f.p99_us >= f.p50_us, "{script}: {f:?}");
        assert!(s.rss_per_unit_kib.is_some(), "{script}: all alive at once: {s:?}");
    }
}

#[test]
fn bad_input_is_one_line_and_exit_2() {
    let cases: &[&[&str]] = &[
        &["switch", "--workers", "0"],
        &["switch", "--laps", "0"],
        &["switch", "--workers", "4097"],
        &["switch", "--via", "carrier-pigeon"],
        &["switch", "--variant", "no-such-way"],
        &["switch", "--pin", "1024"],
        &["spawn", "--units", "0"],
        &["spawn", "--variant", "no-such-way"],
    ];
    for script in SCRIPTS {
        for args in cases {
            let Some(out) = python(script, args) else { return };
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{script} {args:?}: {stderr}");
            assert_eq!(stderr.trim_end().lines().count(), 1, "{script} {args:?}: {stderr}");
            assert!(stderr.starts_with("error: "), "{stderr}");
        }
    }
}
