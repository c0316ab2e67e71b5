//! run-all's `cancel` section: a quick run over the real crates and the Python originals
//! (every row verified, or ending in its expected outcome: a mistake's fetches still running
//! after the grace, rayon's fewer results), its columns, its chart and its guide line; and,
//! on synthetic runs, a right way that left something running fails its row, as does a
//! mistake that left nothing running.

mod common;

use avt_harness::model::group::RunRecord;
use avt_harness::model::measurement::Measurement;
use avt_harness::outcome::{Expect, Failure};
use avt_harness::pipeline::{Plugin, Samples};
use avt_harness::plan::{Approach, Contender, Example, Section};
use avt_harness::sections::cancel::{Cancel, QUICK, judge};
use common::{assert_svg, harness, python_or_note};

#[test]
fn quick_cancel_over_the_real_crates_meets_every_rows_expectation() {
    let args = ["--sections", "cancel", "--quick", "--threads", "2"];
    let (out, results, out_dir) = harness("run-all", "cancel-quick", &args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "run-all {args:?} failed:\n{stderr}");
    assert!(results.ok && !results.partial);
    // Over tcp in a default (sleep) run-all: the section started the delay server itself.
    assert!(stderr.contains("delay server listening on"), "{stderr}");
    let with_python = python_or_note("the Python rows of the cancel section");
    let [group] = &results.groups[..] else { panic!("one group: {:?}", results.groups) };
    assert_eq!(group.section, Section::Cancel);
    assert_eq!(group.expected.result, Some(QUICK.fast() as u64), "{:?}", group.expected);
    let names: Vec<&str> = group.rows.iter().map(|r| r.approach.as_str()).collect();
    let mut expected = vec![
        "std-threads (shutdown)",
        "std-threads (detached)",
        "tokio (join-set)",
        "tokio (detached)",
        "tokio (spawn-blocking)",
        "async-std (cancel)",
        "async-std (detached)",
        "smol (cancel)",
        "smol (detached)",
        "rayon (spawn)",
    ];
    if with_python {
        expected.extend([
            "python-asyncio (timeout)",
            "python-asyncio (detached)",
            "python-threading (daemon)",
        ]);
    }
    assert_eq!(names, expected);
    let right = ["shutdown", "join-set", "cancel", "timeout"];
    for row in &group.rows {
        let what = &row.approach;
        assert!(!row.failed() && row.failure.is_none(), "{what}: {:?}", row.failure);
        assert_eq!((row.runs, row.params.source.as_deref()), (1, Some("tcp")), "{what}");
        let m =
            |key: &str| row.metrics.get(key).unwrap_or_else(|| panic!("{what}: no {key}")).median;
        for key in ["at_return.threads", "after_grace.threads", "released_ms", "returned_past_ms"] {
            m(key);
        }
        let variant = row.params.variant.as_deref().unwrap();
        if right.contains(&variant) {
            // A right way keeps every fast result and releases everything within the grace.
            assert_eq!(row.checksum, group.expected.checksum, "{what}");
            assert_eq!((m("after_grace.running"), m("after_grace.sockets")), (0.0, 0.0), "{what}");
            assert_eq!(m("wasted"), 0.0, "{what}");
            assert!(row.outcome.is_none(), "{what}: {:?}", row.outcome);
        } else {
            // A mistake's slow fetches are still running after the grace, each with its
            // socket: its expected outcome, shown, not failed.
            assert!(m("after_grace.running") > 0.0, "{what}");
            assert!(m("after_grace.sockets") > 0.0, "{what}");
            let outcome = row.outcome.as_ref().map(ToString::to_string).unwrap_or_default();
            assert!(outcome.contains("still running"), "{what}: {outcome}");
        }
        if variant == "spawn" {
            assert_eq!(row.expect, Expect::LostUpdates, "{what}");
            assert!(row.result.unwrap() < QUICK.fast() as u64, "{what}: rayon keeps fewer");
        }
    }
    let table = String::from_utf8_lossy(&out.stdout);
    for text in ["past D", "kept", "at D r/t/s", "+grace r/t/s", "freed ms", "wasted", "runs on"] {
        assert!(table.contains(text), "no {text:?} in:\n{table}");
    }
    assert!(table.contains("1 counted run, no warm-up") && !table.contains("FAILED"), "{table}");
    assert!(table.contains("tokio issue #4853"), "the footnotes: {table}");
    let md = std::fs::read_to_string(out_dir.join("run-all.md")).unwrap();
    for header in ["| returned past D ms |", "| after the grace: running / threads / sockets |"] {
        assert!(md.contains(header), "no {header} in {md}");
    }
    assert!(!out_dir.join("run-all.svg").exists(), "no overview: cancel has no panel in it");
    assert_svg(&out_dir.join("run-all-cancel.svg"), &names);

    // The guide's line, every number read from these results.
    let guide = Cancel.guide(&Samples::run_all(&results));
    let [line] = &guide[..] else { panic!("one guide line: {guide:?}") };
    assert!(line.starts_with("| must give up slow calls at a deadline |"), "{line}");
    assert!(line.contains("(docs/cancellation.md)"), "{line}");
    let detached = group.row("tokio (detached)").unwrap();
    let running = detached.metrics["after_grace.running"].median;
    assert!(line.contains(&format!("left {running:.0} fetches running")), "{line}");
    let _ = std::fs::remove_dir_all(out_dir);
}

#[test]
fn a_results_file_without_cancel_rows_gives_no_guide_line() {
    let sample = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../results/sample");
    let Ok(json) = std::fs::read_to_string(sample.join("run-all.json")) else { return };
    let results: avt_harness::Results = serde_json::from_str(&json).unwrap();
    if results.groups.iter().all(|g| g.section != Section::Cancel) {
        assert!(Cancel.guide(&Samples::run_all(&results)).is_empty());
    }
}

/// A finished run of `variant` of `approach` whose report left `after` (running, sockets)
/// after the grace.
fn run_of(
    approach: Approach,
    variant: &str,
    after: (u64, u64),
) -> (avt_harness::plan::Row, RunRecord) {
    let c = Contender::rust(std::path::Path::new("/nonexistent"), approach);
    let row = c
        .with_variant(variant, format!("{} ({variant})", approach.name()))
        .row(Example::named("cancel"), QUICK.with_threads(2));
    let line = serde_json::json!({
        "returned_ms": 200.4, "kept": 6, "released_ms": 2.0, "wasted": 0,
        "at_return": {"running": 2, "threads": 3, "sockets": 2},
        "after_grace": {"running": after.0, "threads": 3, "sockets": after.1},
    });
    let record = RunRecord {
        group: 0,
        approach: row.approach.clone(),
        example: row.example,
        run: 1,
        warmup: false,
        measurement: Measurement::not_started(),
        report: None,
        failure: None,
        outcome: None,
        metrics: Default::default(),
        extra: line.as_object().unwrap().clone(),
    };
    (row, record)
}

#[test]
fn a_right_way_that_left_something_running_fails_its_row() {
    for after in [(1, 1), (0, 1), (1, 0)] {
        let (row, mut record) = run_of(Approach::Tokio, "join-set", after);
        Cancel.record(&row, &mut record);
        let failure = record.failure.as_ref().map(ToString::to_string).unwrap_or_default();
        assert!(failure.contains("did not stop what it gave up"), "{after:?}: {failure}");
        assert_eq!(record.metrics.get("returned_past_ms").map(|v| v.round()), Some(0.0));
    }
    let (row, mut record) = run_of(Approach::Smol, "cancel", (0, 0));
    judge(&row, &mut record);
    assert_eq!((record.failure, record.outcome), (None, None), "released everything");
}

#[test]
fn a_mistake_counts_with_its_leftovers_and_fails_without_them() {
    let (row, mut record) = run_of(Approach::AsyncStd, "detached", (2, 2));
    judge(&row, &mut record);
    assert_eq!(record.failure, None);
    let outcome = record.outcome.map(|o| o.to_string()).unwrap_or_default();
    assert!(outcome.starts_with("2 fetches still running and 2 sockets open"), "{outcome}");
    // A detached way that released everything did not show its mistake: surprising, flagged.
    let (row, mut record) = run_of(Approach::Tokio, "detached", (0, 0));
    judge(&row, &mut record);
    assert!(matches!(&record.failure, Some(Failure::Other(t)) if t.contains("expected to leave")));
    // A run that failed already keeps its own failure.
    let (row, mut record) = run_of(Approach::StdThreads, "shutdown", (1, 1));
    record.failure = Some(Failure::Exit { code: 1, message: "it did not stop".into() });
    judge(&row, &mut record);
    assert!(matches!(record.failure, Some(Failure::Exit { code: 1, .. })));
}
