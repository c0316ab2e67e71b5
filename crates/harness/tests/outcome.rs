//! A row's expected outcome: a row that shows a mistake on purpose (a deadlock a watchdog
//! names, updates lost to a race, requests late at a deadline) is measured and does not
//! fail, while any other end of the same row, or that end on a row expecting success,
//! fails it. Checked with `avt-harness fake` standing in for the examples.

use std::path::PathBuf;
use std::time::Duration;

use avt_harness::measure::Spec;
use avt_harness::model::group::{Group, Reference};
use avt_harness::outcome::{Expect, Failure};
use avt_harness::output::columns::{Form, table};
use avt_harness::plan::{Example, IoParams, Row, Section};
use avt_harness::runner::Runner;
use avt_harness::summary::{GroupSummary, summarize};

const HARNESS: &str = env!("CARGO_BIN_EXE_avt-harness");

/// A row running `avt-harness fake FLAGS -- io --tasks 3 …`, expecting `expect`.
fn row(name: &str, flags: &[&str], expect: Expect) -> Row {
    let params = IoParams { tasks: 3, delay_ms: 10 }.with_threads(1);
    let example = ["io", "--tasks", "3", "--delay-ms", "10", "--threads", "1", "--json"];
    let args = ["fake"].iter().chain(flags).chain(&["--"]).chain(&example);
    Row {
        approach: name.into(),
        example: Example::Io,
        params,
        spec: Spec {
            program: PathBuf::from(HARNESS),
            args: args.map(|a| a.to_string()).collect(),
            env: Vec::new(),
        },
        skip: None,
        baseline: false,
        python: false,
        expect,
        bare: None,
        rounds: None,
        own: None,
    }
}

/// Runs the rows as one group, two counted runs each, and summarises it.
fn run(rows: Vec<Row>) -> GroupSummary {
    let group = Group {
        label: "outcomes".into(),
        short: "outcomes".into(),
        section: Section::Io,
        example: Example::Io,
        rows,
    };
    let mut runner = Runner::new(group.rows.len(), 2, 0, Duration::from_secs(20));
    let mut reference = Reference::for_group(&group);
    runner.run_group(0, &group, &mut reference).expect("not interrupted");
    summarize(0, &group, &reference, &runner.records, None)
}

#[test]
fn a_deadlock_named_as_expected_is_measured_and_anything_else_fails() {
    let deadlock = || Expect::Failure("deadlock".into());
    let named = ["--exit", "1", "--message", "error: deadlock: no progress for 2000 ms"];
    let g = run(vec![
        row("detected", &named, deadlock()),
        row("other-error", &["--exit", "1", "--message", "error: out of memory"], deadlock()),
        row("crashed", &["--exit", "101", "--message", "deadlock? panicked"], deadlock()),
        row("never-deadlocked", &[], deadlock()),
        row("rust-right-way", &named, Expect::Success),
    ]);
    let detected = g.row("detected").unwrap();
    assert!(!detected.failed() && detected.failure.is_none(), "{detected:?}");
    assert_eq!((detected.runs, detected.outcome_runs), (2, 2));
    assert!(
        matches!(&detected.outcome, Some(Failure::Exit { code: 1, message }) if message.contains("deadlock"))
    );
    assert!(detected.wall_ms.is_some() && detected.max_rss_kib.is_some(), "its figures are shown");
    for name in ["other-error", "crashed", "rust-right-way"] {
        let r = g.row(name).unwrap();
        assert!(r.failed() && r.runs == 0, "{name}: {r:?}");
    }
    let never = g.row("never-deadlocked").unwrap();
    assert!(
        matches!(never.failure, Some(Failure::Succeeded { .. })) && never.failed(),
        "{never:?}"
    );

    let md = table(&g, Form::Markdown);
    assert!(
        md.notes.iter().any(|n| n.starts_with("detected: 2 of 2") && n.contains("deadlock")),
        "{:?}",
        md.notes
    );
}

#[test]
fn lost_updates_are_a_python_race_rows_result_and_a_rust_rows_failure() {
    let g = run(vec![
        row("python-race", &["--lose", "1"], Expect::LostUpdates),
        row("python-race-lost-none", &[], Expect::LostUpdates),
        row("rust", &["--lose", "1"], Expect::Success),
        row("counts-too-many", &["--wrong-checksum"], Expect::LostUpdates),
    ]);
    let race = g.row("python-race").unwrap();
    assert!(!race.failed() && race.runs == 2, "{race:?}");
    assert!(matches!(race.outcome, Some(Failure::WrongResult { result: 2, .. })), "{race:?}");
    assert_eq!(race.result, Some(2), "the measured result is kept: 3 expected, 1 lost");
    let none = g.row("python-race-lost-none").unwrap();
    assert!(!none.failed() && none.outcome.is_none() && none.runs == 2, "zero lost is a result");
    let rust = g.row("rust").unwrap();
    assert!(rust.failed() && matches!(rust.failure, Some(Failure::WrongResult { .. })));
    // The fake's wrong checksum keeps its result (3): not below the expected total.
    assert!(g.row("counts-too-many").unwrap().failed());
}

#[test]
fn late_requests_are_an_overloaded_rows_result_and_count_as_a_figure() {
    let g = run(vec![
        row("overloaded", &["--late", "4"], Expect::Late),
        row("on-time", &["--late", "0"], Expect::Late),
        row("rust-late", &["--late", "4"], Expect::Success),
        row("crashed", &["--exit", "101"], Expect::Late),
    ]);
    let overloaded = g.row("overloaded").unwrap();
    assert!(!overloaded.failed() && overloaded.runs == 2, "{overloaded:?}");
    assert_eq!(overloaded.outcome, Some(Failure::Late { late: 4 }));
    assert_eq!(overloaded.metrics.get("late").map(|s| s.median), Some(4.0));
    let on_time = g.row("on-time").unwrap();
    assert!(!on_time.failed() && on_time.outcome.is_none());
    assert_eq!(g.row("rust-late").unwrap().failure, Some(Failure::Late { late: 4 }));
    assert!(g.row("crashed").unwrap().failed());
}
