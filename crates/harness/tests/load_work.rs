//! `load --vary work`: a tiny sweep over the real crates writes its files, charts and
//! crossover; the crossover computed on synthetic points; the guide's line states the measured
//! threshold only when a work sweep is given; bad input is one line and exit 2.

mod common;

use std::process::Command;

use avt_harness::Results;
use avt_harness::outcome::Expect;
use avt_harness::pipeline::Samples;
use avt_harness::sections::crossover::{Figures, Pair, Pays, crossover};
use common::{HARNESS, assert_svg, temp_dir};

/// A tiny work sweep: two points, two crates, no Python, a fifth of a second each.
fn tiny() -> (Results, std::path::PathBuf) {
    let args = [
        "--vary",
        "work",
        "--cpu-us",
        "2000,200",
        "--only",
        "std-threads,tokio",
        "--no-python",
        "--seconds",
        "0.2",
        "--deadline-ms",
        "1500",
        "--runs",
        "1",
        "--threads",
        "2",
    ];
    // Written as load-work.* (not load.*, which `load` writes), so not common::harness.
    let dir = temp_dir("load-work-tiny");
    let out = Command::new(HARNESS)
        .args(["load", "--out", dir.to_str().unwrap()])
        .args(args)
        .output()
        .unwrap();
    let json = std::fs::read_to_string(dir.join("load-work.json")).unwrap_or_else(|e| {
        panic!("no load-work.json ({e}); stderr:\n{}", String::from_utf8_lossy(&out.stderr))
    });
    let results: Results = serde_json::from_str(&json).unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "load --vary work failed:\n{stderr}");
    assert_eq!(results.command, "load-work");
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains("The crossover, per runtime"), "no crossover under:\n{table}");
    assert!(table.contains("tokio: inline's wake p99 exceeds spawn_blocking's"), "{table}");
    (results, dir)
}

#[test]
fn a_tiny_work_sweep_writes_load_work_files_charts_and_the_crossover() {
    let (results, dir) = tiny();
    let sweep = results.settings.load_work.as_ref().expect("the work sweep's settings");
    assert_eq!(sweep.points.iter().map(|p| p.cpu_us).collect::<Vec<_>>(), [200.0, 2000.0]);
    assert!((sweep.load - 0.5).abs() < 1e-9 && sweep.probe_us == 1000);
    assert!(sweep.points[0].rust.work < sweep.points[1].rust.work, "more CPU, more W");
    assert_eq!(results.groups.len(), 2, "one group per point");
    for (group, point) in results.groups.iter().zip(&sweep.points) {
        let names: Vec<&str> = group.rows.iter().map(|r| r.approach.as_str()).collect();
        assert_eq!(names, ["std-threads", "tokio", "tokio rayon-bridge", "tokio cpu-inline"]);
        for row in &group.rows {
            assert_eq!(row.expect, Expect::Late, "{}", row.approach);
            assert_eq!(row.failure, None, "{}", row.approach);
            assert_eq!(row.params.work, Some(point.rust.work));
            assert!(row.metrics.contains_key("wake.p99_us"), "{}: no wake probe", row.approach);
        }
    }
    assert!(dir.join("load-work.md").is_file() && !dir.join("load.json").exists());
    let names = ["std-threads", "tokio cpu-inline"];
    assert_svg(&dir.join("load-work-p99.svg"), &names);
    assert_svg(&dir.join("load-work-wake.svg"), &[&names[..], &["1 ms", "10 ms"]].concat());
    let md = std::fs::read_to_string(dir.join("load-work.md")).unwrap();
    assert!(md.contains("wake p99 ms") && md.contains("The crossover, per runtime"), "{md}");
    // Rendered again from its JSON, it draws the same charts under the same names.
    let again = dir.join("again");
    let written = avt_harness::output::render(&dir.join("load-work.json"), Some(&again)).unwrap();
    for chart in ["load-work-p99.svg", "load-work-wake.svg"] {
        assert!(written.contains(&again.join(chart)), "{chart} not in {written:?}");
        let drawn = std::fs::read_to_string(again.join(chart)).unwrap();
        assert_eq!(drawn, std::fs::read_to_string(dir.join(chart)).unwrap(), "{chart}");
    }

    // The guide's line states the threshold only when a work sweep is given.
    let sample = avt_harness::binaries::project_root().join("results/sample");
    let run_all: Results =
        serde_json::from_str(&std::fs::read_to_string(sample.join("run-all.json")).unwrap())
            .unwrap();
    let sections = avt_harness::sections::all();
    let plain = avt_harness::guide::guide_of(&sections, &Samples::run_all(&run_all));
    let samples = Samples { load_work: vec![&results], ..Samples::run_all(&run_all) };
    let given = avt_harness::guide::guide_of(&sections, &samples);
    let line = |guide: &str| {
        guide.lines().find(|l| l.starts_with("| computes inside async tasks")).unwrap().to_string()
    };
    assert!(line(&given).contains("inline is fine"), "{given}");
    assert!(!line(&plain).contains("inline is fine"), "{plain}");
    assert_eq!(plain.lines().count(), given.lines().count());
    let _ = std::fs::remove_dir_all(dir);
}

/// (request p99, wake p99) of the offloaded and the inline way, µs.
fn pair(cpu_us: f64, off: (f64, f64), inline: (f64, f64), late: bool) -> Pair {
    let figures = |(p99, wake): (f64, f64), late| Figures {
        p99_us: Some(p99),
        wake_p99_us: Some(wake),
        late,
    };
    Pair { cpu_us, offloaded: figures(off, false), inline: figures(inline, late) }
}

#[test]
fn the_crossover_of_a_synthetic_set_of_points() {
    // Inline costs other tasks 0.2, 0.8, 3, 12 ms more as the CPU per request grows; its
    // request p99 is below the offloaded way's up to 500 µs, above it from 2 ms, and late at
    // 20 ms.
    let points = [
        pair(50.0, (50_900.0, 100.0), (50_500.0, 300.0), false),
        pair(500.0, (52_000.0, 200.0), (51_800.0, 1_000.0), false),
        pair(2_000.0, (60_000.0, 300.0), (61_000.0, 3_300.0), false),
        pair(20_000.0, (150_000.0, 500.0), (0.0, 12_500.0), true),
    ];
    let c = crossover(&points);
    let [one, ten] = c.wake.map(Option::unwrap);
    assert_eq!((one.at, one.before), ((2_000.0, 3_300.0, 300.0), Some((500.0, 800.0))));
    assert_eq!((ten.at.0, ten.before.map(|b| b.0)), (20_000.0, Some(2_000.0)));
    let Some(Pays::From { at, before }) = c.pays else { panic!("{:?}", c.pays) };
    assert_eq!((at.0, before.0), (2_000.0, 500.0));
    // Offloading saving everywhere, or nowhere, is said as such.
    let cheap = [pair(50.0, (100.0, 50.0), (200.0, 60.0), false)];
    assert!(matches!(crossover(&cheap).pays, Some(Pays::Everywhere { .. })));
    assert_eq!(crossover(&cheap).wake, [None, None]);
}

#[test]
fn bad_input_is_one_line_and_exit_2() {
    let out_dir = temp_dir("load-work-bad");
    let out = out_dir.to_str().unwrap();
    let cases: [&[&str]; 7] = [
        &["--vary", "speed"],
        &["--vary", "work", "--load", "0"],
        &["--vary", "work", "--probe-us", "0"],
        &["--vary", "work", "--probe-us", "1000001"],
        &["--vary", "work", "--loads", "50"],
        &["--cpu-us", "100"],
        &["--vary", "work", "--cpu-us", "5"],
    ];
    for args in cases {
        let run = Command::new(HARNESS).args(["load", "--out", out]).args(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "{args:?}: {stderr}");
    }
    let _ = std::fs::remove_dir_all(out_dir);
}

/// A point the machine cannot serve at the chosen load (too few requests in the time given)
/// is a usage error found after measuring W: one line, exit 2, nothing written.
#[test]
fn a_work_range_the_machine_cannot_serve_is_one_line_and_exit_2() {
    let out_dir = temp_dir("load-work-unserved");
    let args = ["--vary", "work", "--cpu-us", "20000", "--seconds", "0.1", "--threads", "2"];
    let run = Command::new(HARNESS)
        .args(["load", "--out", out_dir.to_str().unwrap(), "--only", "std-threads", "--no-python"])
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{stderr}");
    let error: Vec<&str> = stderr.lines().filter(|l| l.contains("error")).collect();
    assert_eq!(error.len(), 1, "{stderr}");
    assert!(
        error[0].contains("--cpu-us 20000") && error[0].contains("raise --seconds"),
        "{stderr}"
    );
    assert!(!out_dir.join("load-work.json").exists());
    let _ = std::fs::remove_dir_all(out_dir);
}

/// Given work sweeps at two loads, the guide's line takes its threshold from the most
/// cautious runtime at either load and names what each load measured.
#[test]
fn the_guide_line_reads_every_work_sweep_given() {
    let sample = avt_harness::binaries::project_root().join("results/sample");
    let read = |name: &str| -> Option<Results> {
        serde_json::from_str(&std::fs::read_to_string(sample.join(name)).ok()?).ok()
    };
    let (Some(half), Some(high)) = (read("load-work.json"), read("load-work-90/load-work.json"))
    else {
        eprintln!("note: the committed work sweeps are not both here; nothing to check");
        return;
    };
    let both = avt_harness::sections::mixed_work::guide_line(&[&half, &high]).unwrap();
    assert!(both.contains("at 50% load") && both.contains("at 90% load"), "{both}");
    let alone = avt_harness::sections::mixed_work::guide_line(&[&half]).unwrap();
    assert!(!alone.contains("at 90% load"), "{alone}");
    // The threshold can only get more cautious with a second load.
    let threshold = |line: &str| line.split("inline is fine ").nth(1).unwrap().to_string();
    assert_ne!(threshold(&both), threshold(&alone), "{both}\n{alone}");
}
