//! The charts, drawn from the committed samples (results/sample/*.json) and from results with
//! failed rows: each is written, is a well-formed SVG, names every series, and marks where a
//! series ends and why. No pixels are compared; the committed SVGs are checked to be what the
//! committed JSON draws, so they cannot go stale.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use avt_harness::Results;
use avt_harness::binaries::project_root;
use avt_harness::charts;
use avt_harness::outcome::Failure;
use avt_harness::plan::{Example, Section};
use common::{HARNESS, assert_svg, temp_dir};

/// The committed sample `name` (e.g. "sweep-tcp"), under results/sample/`under`.
fn sample(under: &str, name: &str) -> Results {
    let path = project_root().join("results/sample").join(under).join(format!("{name}.json"));
    let json = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&json).unwrap()
}

/// Every approach (and Python original) with a row in `r` (its cpu groups only: `cpu`),
/// baselines left out.
fn series(r: &Results, cpu: bool) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let groups = r.groups.iter().filter(|g| !cpu || g.example == Example::Cpu);
    for row in groups.flat_map(|g| &g.rows) {
        if !row.baseline && !names.contains(&row.approach) {
            names.push(row.approach.clone());
        }
    }
    names
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn sweep_charts_mark_where_each_series_ends_and_why() {
    let dir = temp_dir("charts-sweep");
    for (name, ends) in [
        // std-threads at the thread limit, rayon over the cap (the figures are the sample's).
        ("sweep", &["OS thread limit: ", "skipped: ~"][..]),
        // Over tcp the async runtimes stop at the open-file limit.
        ("sweep-tcp", &["OS thread limit: ", "open-file limit: "][..]),
    ] {
        let r = sample("", name);
        let written = charts::write_sweep(&r, &dir, name).unwrap();
        let files: Vec<PathBuf> =
            ["io-wall", "io-memory"].iter().map(|c| dir.join(format!("{name}-{c}.svg"))).collect();
        assert!(files.iter().all(|f| written.contains(f)), "{written:?}");
        let names = series(&r, false);
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        for file in &files {
            assert_svg(file, &names);
            let svg = read(file);
            for end in ends {
                assert!(svg.contains(end), "{}: no mark {end:?}", file.display());
            }
            assert!(
                svg.contains("failed or skipped"),
                "{}: the ✕ is in the legend",
                file.display()
            );
        }
        // io wall time is a multiple of one wait: tokio's at a million is in the legend.
        let wall = read(&files[0]);
        assert!(wall.contains("wall time ÷ one 2000 ms wait"), "{}", files[0].display());
        if name == "sweep" {
            let tokio = r.groups.iter().flat_map(|g| &g.rows).find(|row| {
                row.approach == "tokio" && row.params.tasks == Some(1_000_000) && !row.failed()
            });
            let x = tokio.and_then(|row| row.x_ideal).expect("tokio at a million tasks");
            let legend = format!("{x:.2}× at 1 000 000 tasks");
            assert!(wall.contains(&legend), "no {legend:?} in {}", files[0].display());
            assert!(read(&files[1]).contains("B/task at 1 000 000 tasks"), "memory legend");
        }
    }
    // Nothing is left half-written: no temporary file stays behind.
    let left: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().map(|e| e.file_name()).collect();
    assert!(left.iter().all(|f| !f.to_string_lossy().ends_with(".tmp")), "{left:?}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn cpu_speedup_charts_name_every_series_and_the_ideal() {
    let dir = temp_dir("charts-cpu");
    for (under, name) in [("", "sweep"), ("16-cores", "sweep-cpu")] {
        let r = sample(under, name);
        charts::write_sweep(&r, &dir, "sweep").unwrap();
        let file = dir.join("sweep-cpu-speedup.svg");
        let names = series(&r, true);
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        assert_svg(&file, &[&names[..], &["ideal: one thread per core"]].concat());
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn run_all_bars_show_every_row_and_why_a_failed_one_has_no_bar() {
    let dir = temp_dir("charts-run-all");
    for name in ["run-all", "run-all-tcp"] {
        let r = sample("", name);
        let written = charts::write_run_all(&r, &dir, name).unwrap();
        assert_eq!(written[0], dir.join(format!("{name}.svg")));
        // The bars show the io and cpu sections (the others have charts of their own).
        let mut bars = r.clone();
        bars.groups.retain(|g| [Section::Io, Section::Cpu].contains(&g.section));
        let names = series(&bars, false);
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        assert_svg(&written[0], &names);
    }
    // A row that failed keeps its place, with an ✕ and its reason instead of a bar.
    let mut r = sample("", "run-all");
    let tokio = r.groups[0].rows.iter_mut().find(|row| row.approach == "tokio").unwrap();
    tokio.failure = Some(Failure::TimedOut { after_s: 120 });
    tokio.x_ideal = None;
    let smol = r.groups[1].rows.iter_mut().find(|row| row.approach == "smol").unwrap();
    let message = "thread 'main' panicked".to_string();
    smol.failure = Some(Failure::Exit { code: 101, message });
    smol.speedup = None;
    let written = charts::write_run_all(&r, &dir, "run-all-failed").unwrap();
    assert_svg(&written[0], &["tokio", "smol", "timed out after 120 s", "failed: exit code 101"]);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_series_with_no_point_at_all_is_still_named_and_marked() {
    let dir = temp_dir("charts-none");
    let mut r = sample("", "sweep");
    for row in r.groups.iter_mut().flat_map(|g| &mut g.rows).filter(|r| r.approach == "smol") {
        let message = "smol: error: something ran out".to_string();
        row.failure = Some(Failure::Exit { code: 1, message });
        (row.wall_ms, row.max_rss_kib, row.x_ideal, row.speedup) = (None, None, None, None);
    }
    charts::write_sweep(&r, &dir, "sweep").unwrap();
    for chart in ["io-wall", "io-memory", "cpu-speedup"] {
        let file = dir.join(format!("sweep-{chart}.svg"));
        assert_svg(&file, &["smol", "failed: exit code 1", "no point: see its ✕"]);
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// `avt-harness render <json> --out DIR` redraws what the committed SVGs show, byte for byte:
/// when the charts change on purpose, the same commit redraws the samples
/// (`python3 scripts/promote-sample.py --regenerate`, or `avt-harness render <json>`).
#[test]
fn the_committed_sample_charts_are_what_their_json_draws() {
    let dir = temp_dir("charts-redraw");
    let sample_dir = project_root().join("results/sample");
    let samples = ["run-all", "run-all-tcp", "sweep", "sweep-tcp", "load", "load-work"];
    let others = ["16-cores/sweep-cpu", "load-work-90/load-work"];
    for json in samples.into_iter().chain(others) {
        let from = sample_dir.join(format!("{json}.json"));
        let out = dir.join(json.replace('/', "-"));
        let status = Command::new(HARNESS)
            .args(["render", from.to_str().unwrap(), "--out", out.to_str().unwrap()])
            .status()
            .unwrap();
        assert!(status.success(), "render {}", from.display());
        let committed = from.parent().unwrap();
        let mut drawn = 0;
        for entry in std::fs::read_dir(&out).unwrap().flatten() {
            let name = entry.file_name();
            if !name.to_string_lossy().ends_with(".svg") {
                continue; // the .md and .csv: tests/golden.rs
            }
            drawn += 1;
            let stale = read(&committed.join(&name)) != read(&entry.path());
            assert!(
                !stale,
                "results/sample/{}: stale; redraw it with `avt-harness render {}`",
                Path::new(json).with_file_name(&name).display(),
                from.display()
            );
        }
        assert!(drawn > 0, "{json}: no chart drawn");
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// run-all's mistakes chart: a row per approach and variant with its ticker p99 (bar) and max
/// (diamond) on a log scale; a row without a ticker keeps its place with an ✕ and why. Drawn
/// from the committed run-all sample's rows, renamed as variants and given ticker figures.
#[test]
fn the_mistakes_chart_names_every_row_and_both_figures() {
    use avt_harness::plan::Section;
    use avt_harness::stats::Stat;
    let dir = temp_dir("charts-mistakes");
    let mut r = sample("", "run-all");
    let mut mistakes = Vec::new();
    for group in r.groups.iter().filter(|g| g.section != Section::Cpu || g.baseline().is_some()) {
        let mut group = group.clone();
        group.section = Section::Mistakes;
        for (i, row) in group.rows.iter_mut().enumerate() {
            if !row.baseline {
                row.approach = format!("{} (variant-{i})", row.approach);
            }
            let ms = 10f64.powi(i as i32 % 4) * 1e3;
            for (key, v) in [("ticker.p99_us", ms), ("ticker.max_us", ms * 3.0)] {
                row.metrics.insert(key.into(), Stat { median: v, min: v, max: v });
            }
        }
        mistakes.push(group);
    }
    let failed = mistakes[0].rows.iter_mut().find(|r| r.approach.starts_with("smol")).unwrap();
    failed.failure = Some(Failure::TimedOut { after_s: 120 });
    r.groups.extend(mistakes.clone());
    let written = charts::write_run_all(&r, &dir, "run-all").unwrap();
    let file = dir.join("run-all-mistakes.svg");
    // The sample's own switch and cancel groups draw their charts too.
    let theirs = [dir.join("run-all-switch.svg"), dir.join("run-all-cancel.svg")];
    assert_eq!(written, [&[dir.join("run-all.svg"), file.clone()][..], &theirs[..]].concat());
    let names: Vec<String> = mistakes
        .iter()
        .flat_map(|g| &g.rows)
        .filter(|row| !row.baseline && row.failure.is_none())
        .map(|row| row.approach.clone())
        .collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let keys = ["ticker p99", "ticker max", "log scale", "timed out after 120 s", "smol (variant-"];
    assert_svg(&file, &[&names[..], &keys].concat());
    // The io and cpu bars leave the mistakes rows out.
    assert!(!read(&written[0]).contains("(variant-"), "run-all.svg shows io and cpu only");
    // Only the mistakes section: its chart alone.
    r.groups = mistakes;
    let written = charts::write_run_all(&r, &dir, "only").unwrap();
    assert_eq!(written, [dir.join("only-mistakes.svg")]);
}

/// A load sweep's results, made from the run-all sample's first row: three approaches at two
/// loads, one late at the higher load, one failed there.
fn load_sweep() -> Results {
    use avt_harness::mixed::{Capacity, MixedSettings};
    use avt_harness::plan::Section;
    use avt_harness::stats::Stat;
    let mut r = sample("", "run-all");
    let template = r.groups[0].rows[0].clone();
    let stat = |v: f64| Stat { median: v, min: v, max: v };
    let rust = Capacity { cost_ms: 2.3, work: 20_000, cores: 2, per_s: 870.0, measured_on: 200 };
    let mixed = MixedSettings {
        rust,
        python: None,
        delay_ms: 50,
        seconds: 2.0,
        deadline_ms: 4000,
        loads: vec![0.25, 1.0],
        sweep: true,
    };
    let mut groups = Vec::new();
    for load in [0.25, 1.0] {
        let mut group = r.groups[0].clone();
        group.section = Section::Mixed;
        group.example = Example::Mixed;
        group.rows = ["tokio", "tokio cpu-inline", "rayon"]
            .iter()
            .map(|name| {
                let mut row = template.clone();
                row.approach = name.to_string();
                row.example = Example::Mixed;
                row.params.rate = Some(load * 870.0);
                row.params.requests = Some((load * 870.0 * 2.0) as usize);
                // rayon leaves half its requests late at every load.
                let late = if *name == "rayon" { (load * 870.0).floor() } else { 0.0 };
                row.metrics = [
                    ("latency.p99_us".to_string(), stat(60_000.0 / (1.0 - load * 0.9))),
                    ("late".to_string(), stat(late)),
                    ("achieved_rate".to_string(), stat(load * 870.0 * 0.98)),
                ]
                .into();
                if *name == "tokio cpu-inline" && load == 1.0 {
                    row.failure = Some(Failure::TimedOut { after_s: 60 });
                    row.metrics.clear();
                }
                row
            })
            .collect();
        groups.push(group);
    }
    r.groups = groups;
    r.settings.mixed = Some(mixed);
    r
}

#[test]
fn load_sweep_charts_name_every_series_and_mark_late_and_failed_points() {
    let dir = temp_dir("charts-load");
    let r = load_sweep();
    let written = charts::write(&r, &dir, "load").unwrap();
    let files = [dir.join("load-p99.svg"), dir.join("load-achieved.svg")];
    assert_eq!(written, files);
    for file in &files {
        assert_svg(file, &["tokio", "tokio cpu-inline", "rayon", "timed out after 60 s"]);
        assert!(read(file).contains("failed or skipped"), "the ✕ is in the legend");
    }
    let p99 = read(&files[0]);
    assert!(p99.contains("late: 217 of 435"), "a late point is an ✕, not a p99");
    assert!(p99.contains("target: D + 5c (Rust)"));
    assert!(read(&files[1]).contains("ideal: achieved = offered"));
    // Results that are no load sweep draw none of these.
    assert!(charts::load_charts(&sample("", "run-all"), "x").unwrap().is_empty());
    let _ = std::fs::remove_dir_all(dir);
}
