//! The cancel section (docs/cancellation.md): N fetches over tcp under one deadline D, one in
//! k of them slow (S), the rest fast; each crate's right way to give up the slow ones beside
//! its mistakes, and what every way left behind after D: fetches still running, threads and
//! sockets, when it was all released, and the slow fetches that ran to their end anyway.
//!
//! A right way must release everything within the grace: one that left a fetch running or a
//! socket open fails its row. A mistake's leftovers are its measured result (its expected
//! outcome): a detached task runs on, an aborted `spawn_blocking` cannot be stopped, a rayon
//! job cannot be cancelled, a Python thread cannot be stopped. A mistake that left nothing
//! running fails too: the row did not show what it is there to show.

use anyhow::Result;
use avt_common::cancel::{Held, Leftover};
use avt_common::{Params, cancel_checksum};

use crate::model::group::{Group, Reference, RunRecord, hex};
use crate::model::outcome::{Expect, Failure};
use crate::model::plan::{Approach, Contender, Example, Row, Section};
use crate::model::results::{Kind, Results, SectionRounds, Settings};
use crate::model::summary::RowSummary;
use crate::pipeline::setup::Setup;
use crate::pipeline::{Plugin, RunAll, Samples};
use crate::progress::estimate::Cost;
use crate::render::columns::{Column, Form, RUNS, THREADS, WALL_MEDIAN, Width, figure};
use crate::render::format::{count, ms};
use crate::sections::cancel_chart::{self, Bar};
use crate::sections::{guide_ms, guide_row, metric, name, rounds, runs_text};

/// Counted runs per row of the cancel section (a mistake's row lasts about S).
pub const CANCEL_RUNS: usize = 2;
/// The section's sizes in run-all: 20 fetches, one in 4 slow, under the examples' default
/// deadline and grace, with a slow wait far shorter than the examples' 10 s default, so that
/// a mistake's row ends soon.
pub const SIZES: CancelSizes = CancelSizes {
    tasks: 20,
    slow_every: 4,
    delay_ms: 50,
    deadline_ms: 500,
    slow_ms: 2_000,
    grace_ms: 100,
};
/// `--quick`: fewer fetches and shorter waits, with S still well past D + the grace.
pub const QUICK: CancelSizes = CancelSizes {
    tasks: 8,
    slow_every: 4,
    delay_ms: 10,
    deadline_ms: 200,
    slow_ms: 500,
    grace_ms: 50,
};
/// Starting the Python interpreter and importing the example, per run.
const PYTHON_START_S: f64 = 0.15;
/// What a run takes beyond its waits: starting the process, the last look, the exit.
const OVERHEAD_S: f64 = 0.05;
/// The metric `record` adds: how long after D the way returned, in ms.
const PAST_D: &str = "returned_past_ms";

/// The cancel example's sizes (see `avt_common::cancel`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CancelSizes {
    pub tasks: usize,
    pub slow_every: usize,
    pub delay_ms: u64,
    pub deadline_ms: u64,
    pub slow_ms: u64,
    pub grace_ms: u64,
}

impl CancelSizes {
    /// The parameters a row runs with (and must report back), over tcp.
    pub fn with_threads(self, threads: usize) -> Params {
        Params {
            threads,
            tasks: Some(self.tasks),
            delay_ms: Some(self.delay_ms),
            deadline_ms: Some(self.deadline_ms),
            slow_ms: Some(self.slow_ms),
            slow_every: Some(self.slow_every),
            grace_ms: Some(self.grace_ms),
            source: Some("tcp".into()),
            ..Params::default()
        }
    }

    /// The fetches a way must keep: every fast one.
    pub fn fast(self) -> usize {
        (0..self.tasks).filter(|id| !id.is_multiple_of(self.slow_every)).count()
    }
}

/// What a way does with the fetches it gave up at the deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Way {
    /// Stops them: nothing running and no socket open after the grace (or the row fails).
    Stops,
    /// A mistake shown on purpose: they run on (detached, or beyond `abort`'s reach), each
    /// holding its socket until its wait ends.
    RunsOn,
    /// It cannot stop them (rayon): the slow jobs hold the pool's threads, and what is
    /// queued behind them is not kept by D.
    CannotCancel,
}

/// Each crate's ways, the right way first (the crates' `--help` lists them alike).
const RUST: [(Approach, &[(&str, Way)]); 5] = [
    (Approach::StdThreads, &[("shutdown", Way::Stops), ("detached", Way::RunsOn)]),
    (
        Approach::Tokio,
        &[("join-set", Way::Stops), ("detached", Way::RunsOn), ("spawn-blocking", Way::RunsOn)],
    ),
    (Approach::AsyncStd, &[("cancel", Way::Stops), ("detached", Way::RunsOn)]),
    (Approach::Smol, &[("cancel", Way::Stops), ("detached", Way::RunsOn)]),
    (Approach::Rayon, &[("spawn", Way::CannotCancel)]),
];
/// The Python originals' ways: asyncio's right way and its mistake; threading has no way
/// to stop a thread, so its one way leaves them running.
const PYTHON_ASYNCIO: &[(&str, Way)] = &[("timeout", Way::Stops), ("detached", Way::RunsOn)];
const PYTHON_THREADING: &[(&str, Way)] = &[("daemon", Way::RunsOn)];

/// The way a row runs, from its variant: a name means the same in every crate.
fn way_named(variant: Option<&str>) -> Option<Way> {
    let ways = RUST.iter().flat_map(|(_, w)| w.iter());
    let mut all = ways.chain(PYTHON_ASYNCIO).chain(PYTHON_THREADING);
    all.find(|(v, _)| Some(*v) == variant).map(|w| w.1)
}

fn way_of(row: &Row) -> Option<Way> {
    way_named(row.params.variant.as_deref())
}

/// A row named with its way, wide enough for "python-threading (daemon)".
const NAMED: Column =
    Column::new("approach", Some(("approach", Width::Left(26))), |r, _, _| r.approach.clone());
const RETURNED: Column =
    Column::metric("returned past D ms", Some(("past D", Width::Right(6))), PAST_D, ms);
/// The results kept by D, against the fast fetches (all of them for a right way).
const KEPT: Column = Column::new("kept", Some(("kept", Width::Right(6))), |r, g, _| {
    match (r.result, g.expected.result) {
        (Some(kept), Some(fast)) if kept < fast => format!("{kept}/{fast}"),
        (Some(kept), _) => kept.to_string(),
        (None, _) => "-".into(),
    }
});
const AT_RETURN: Column = Column::new(
    "at return: running / threads / sockets",
    Some(("at D r/t/s", Width::Right(10))),
    |r, _, form| held(r, "at_return", form),
);
const AFTER_GRACE: Column = Column::new(
    "after the grace: running / threads / sockets",
    Some(("+grace r/t/s", Width::Right(12))),
    |r, _, form| held(r, "after_grace", form),
);
/// From D until nothing ran; the watch's cap (S + 1 s) marked as such.
const RELEASED: Column =
    Column::new("released past D ms", Some(("freed ms", Width::Right(9))), |r, _, form| {
        let capped = match (r.metrics.get("released_ms"), r.params.slow_ms) {
            (Some(s), Some(slow)) => s.max >= (slow + 1_000) as f64,
            _ => false,
        };
        let shown = figure(&r.metrics.get("released_ms").copied(), ms, form);
        if capped { format!("{shown} cap") } else { shown }
    });
const WASTED: Column =
    Column::metric("wasted (ran past D)", Some(("wasted", Width::Right(6))), "wasted", count);
/// What the way did with what it gave up: stopped it, or left it running (a mistake's
/// expected outcome), or could not stop it (rayon's).
const OUTCOME: Column =
    Column::new("outcome", Some(("outcome", Width::Left(7))), |r, _, _| {
        match (way_named(r.params.variant.as_deref()), &r.outcome) {
            (Some(Way::Stops), _) => "stopped".into(),
            (Some(Way::RunsOn), Some(_)) => "runs on".into(),
            (Some(Way::CannotCancel), Some(_)) => "cannot".into(),
            _ => "-".into(),
        }
    });

/// "5 / 4 / 5" (Markdown) or "5/4/5" (terminal): the medians of `at`'s running, threads and
/// sockets.
fn held(r: &RowSummary, at: &str, form: Form) -> String {
    let m =
        |what: &str| r.metrics.get(&format!("{at}.{what}")).map_or("-".into(), |s| count(s.median));
    let (run, threads, sockets) = (m("running"), m("threads"), m("sockets"));
    match form {
        Form::Terminal => format!("{run}/{threads}/{sockets}"),
        Form::Markdown => format!("{run} / {threads} / {sockets}"),
    }
}

// The section's name, as `Section::Cancel` (the type's other sections are named in their files).
#[allow(non_upper_case_globals)]
impl Section {
    pub const Cancel: Section = Section::named("cancel");
}

// The example it runs, as `Example::Cancel`.
#[allow(non_upper_case_globals)]
impl Example {
    pub const Cancel: Example = Example::named("cancel");
}

/// The cancel section.
pub struct Cancel;

impl Plugin for Cancel {
    fn section(&self) -> Section {
        Section::Cancel
    }

    fn help(&self) -> &'static str {
        "Cancellation: what a deadline leaves running, each crate's right way beside its \
         mistakes (over tcp)"
    }

    /// Few runs, no warm-up: a mistake's row lasts about S.
    fn run_all(&self, setup: &Setup, plan: &RunAll, settings: &mut Settings) -> Result<Vec<Group>> {
        let r = rounds(Section::Cancel, CANCEL_RUNS, (plan.runs, plan.warmup), plan.quick);
        let sizes = if plan.quick { QUICK } else { SIZES };
        let groups = setup.cancel_groups(sizes, plan.threads, &r)?;
        settings.rounds.push(r);
        Ok(groups)
    }

    fn columns(&self) -> Vec<Column> {
        vec![
            NAMED,
            RETURNED,
            KEPT,
            AT_RETURN,
            AFTER_GRACE,
            RELEASED,
            WASTED,
            OUTCOME,
            WALL_MEDIAN,
            THREADS.markdown_only(),
            RUNS,
        ]
    }

    fn footnotes(&self, r: &Results) -> String {
        if r.groups.iter().all(|g| g.section != Section::Cancel) {
            return String::new();
        }
        FOOTNOTES.iter().map(|note| format!("\n{note}\n")).collect()
    }

    fn cost(&self, row: &Row) -> Option<Cost> {
        let p = &row.params;
        let s = |v: Option<u64>| v.unwrap_or(0) as f64 / 1e3;
        let (d, slow, grace) = (s(p.deadline_ms), s(p.slow_ms), s(p.grace_ms));
        let waits = match way_of(row)? {
            Way::Stops => d + grace,
            // The watch ends when the slow fetches do, about S after the start.
            Way::RunsOn => slow,
            // The slow jobs hold the pool past S: the watch gives up S + 1 s after D.
            Way::CannotCancel => d + slow + 1.0,
        };
        let start = if row.python { PYTHON_START_S } else { 0.0 };
        Some(Cost { secs: waits + OVERHEAD_S + start, kind: None, once: false })
    }

    /// The fast ids' checksum, known before anything runs (the model knows only the
    /// article's examples), so that rayon's fewer results read as fewer, whatever row runs
    /// first.
    fn reference(&self, group: &Group) -> Option<Reference> {
        let p = &group.rows.first()?.params;
        let sizes = CancelSizes {
            tasks: p.tasks?,
            slow_every: p.slow_every?,
            delay_ms: p.delay_ms?,
            deadline_ms: p.deadline_ms?,
            slow_ms: p.slow_ms?,
            grace_ms: p.grace_ms?,
        };
        Some(Reference {
            checksum: Some(hex(cancel_checksum(sizes.tasks, sizes.slow_every))),
            source: "every fast id once".into(),
            result: Some(sizes.fast() as u64),
        })
    }

    fn record(&self, row: &Row, record: &mut RunRecord) {
        judge(row, record);
    }

    fn charts(&self, r: &Results, name: &str) -> Result<Vec<(String, String)>> {
        let data = bars(r);
        match r.kind() {
            Kind::RunAll if !data.is_empty() => {
                let title = format!(
                    "{name}, cancellation: still running a grace after the deadline — {}",
                    crate::render::chart::kit::machine(r)
                );
                Ok(vec![(format!("{name}-cancel.svg"), cancel_chart::chart(&title, &data)?)])
            }
            _ => Ok(Vec::new()),
        }
    }

    fn guide(&self, s: &Samples<'_>) -> Vec<String> {
        give_up(s.run_all).into_iter().collect()
    }
}

/// What the notes under the table say each outcome means.
const FOOTNOTES: [&str; 6] = [
    "Cancel: a right way returns at D with every fast result and stops the slow fetches: \
     nothing running and no socket open a grace later, or its row fails. A mistake's leftovers \
     (`runs on`; rayon's `cannot`) are its expected outcome, its measured result; a mistake \
     that left nothing running fails (it did not show what it is there to show). Threads: the \
     process's own, a runtime's workers included. Released: from D until no fetch ran (`cap`: \
     the watch gave up S + 1 s after D).",
    "Dropping a tokio `JoinHandle` or an async-std `JoinHandle` detaches its task: it runs on \
     to its end (`detached`), holding its socket. A tokio `JoinSet` aborts its tasks when it \
     is dropped; async-std needs `handle.cancel().await`.",
    "`abort` cannot stop `spawn_blocking`: a blocking read under it runs to its end however the \
     handle is aborted or dropped (tokio issue #4853), and dropping the runtime would wait for \
     it (`spawn-blocking` returns with `shutdown_background`).",
    "A smol `Task` is cancelled when it is dropped (`cancel().await` waits until it is); \
     `.detach()` lets it run on.",
    "A thread cannot be stopped from outside: `shutdown` keeps a clone of every socket it hands \
     out and shuts them down at D, which wakes each blocked read at once; a read timeout would \
     free it only when the timeout next expires. Python's threads have no way to be stopped \
     (`daemon`: left running, dying with the process).",
    "rayon cannot cancel a job: the slow ones hold the pool's T threads, the fast ones queued \
     behind them are not kept by D (`kept` n/N), and everything ends when the jobs do.",
];

impl Setup {
    /// The cancel section: every crate's ways and the Python originals', one group, every
    /// row over tcp against the delay server (the one of `--source tcp`, or one started for
    /// it).
    pub fn cancel_groups(
        &self,
        sizes: CancelSizes,
        threads: usize,
        rounds: &SectionRounds,
    ) -> Result<Vec<Group>> {
        let addr = self.delay_server()?.addr.to_string();
        let params = sizes.with_threads(threads);
        let row = |c: &Contender, variant: &str, way: Way| {
            let named = c.with_variant(variant, name(&c.name, variant, None));
            let mut row = named.row(Example::Cancel, params.clone());
            let extra = [
                ("--slow-ms", sizes.slow_ms.to_string()),
                ("--slow-every", sizes.slow_every.to_string()),
                ("--grace-ms", sizes.grace_ms.to_string()),
                ("--source", "tcp".into()),
                ("--server", addr.clone()),
            ];
            row.spec.args.extend(extra.into_iter().flat_map(|(k, v)| [k.to_string(), v]));
            // rayon keeps fewer than the fast fetches by D (the ids still checked by the
            // example: fast ones, each once): a result below the reference is its outcome.
            if way == Way::CannotCancel {
                row.expect = Expect::LostUpdates;
            }
            row
        };
        let mut rows = Vec::new();
        for (approach, ways) in RUST {
            let Some(c) = self.contender(approach) else { continue };
            rows.extend(ways.iter().map(|&(variant, way)| row(c, variant, way)));
        }
        if let Some((_, [asyncio, threading, _])) = &self.python {
            for (c, ways) in [(asyncio, PYTHON_ASYNCIO), (threading, PYTHON_THREADING)] {
                rows.extend(ways.iter().map(|&(variant, way)| row(c, variant, way)));
            }
        }
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let s = sizes;
        Ok(vec![Group {
            label: format!(
                "cancel: {} fetches over tcp, one in {} slow ({} ms), the rest {} ms, deadline \
                 D = {} ms, grace {} ms, --threads {threads} · {}",
                s.tasks,
                s.slow_every,
                s.slow_ms,
                s.delay_ms,
                s.deadline_ms,
                s.grace_ms,
                runs_text(rounds)
            ),
            short: "cancel".into(),
            section: Section::Cancel,
            example: Example::Cancel,
            rows,
        }])
    }
}

/// Reads what a run left behind (`record.extra`): adds how long after D it returned, and
/// judges its leftovers by its way. A right way with a fetch running or a socket open after
/// the grace fails (its example exits 1 for it too); a mistake's leftovers are its expected
/// outcome, and a mistake with nothing running after the grace fails (it did not show).
pub fn judge(row: &Row, record: &mut RunRecord) {
    let (Some(way), Some(left)) = (way_of(row), leftover(record)) else { return };
    if let Some(d) = row.params.deadline_ms {
        record.metrics.insert(PAST_D.into(), left.returned_ms - d as f64);
    }
    if record.failure.is_some() {
        return;
    }
    let after = left.after_grace;
    let grace = row.params.grace_ms.unwrap_or(0);
    match way {
        Way::Stops if after.running > 0 || after.sockets > 0 => {
            record.failure = Some(Failure::Other(format!(
                "left {} fetches running and {} sockets open {grace} ms after it returned: it \
                 did not stop what it gave up",
                after.running, after.sockets
            )));
        }
        Way::Stops => {}
        Way::RunsOn | Way::CannotCancel if after.running == 0 => {
            record.outcome = None;
            record.failure = Some(Failure::Other(format!(
                "no fetch was running {grace} ms after it returned: this way was expected to \
                 leave its slow fetches running"
            )));
        }
        Way::RunsOn | Way::CannotCancel => {
            record.outcome = Some(Failure::Other(left_running(&after, grace, &left, way)));
        }
    }
}

/// The expected outcome's words: "5 fetches still running and 5 sockets open 100 ms after it
/// returned; 5 ran to their end after D".
fn left_running(after: &Held, grace: u64, left: &Leftover, way: Way) -> String {
    let kept = match way {
        Way::CannotCancel => format!("kept {} by D; ", left.kept),
        _ => String::new(),
    };
    format!(
        "{kept}{} fetches still running and {} sockets open {grace} ms after it returned; {} \
         ran to their end after D",
        after.running, after.sockets, left.wasted
    )
}

/// The report's leftovers, if it printed them.
fn leftover(record: &RunRecord) -> Option<Leftover> {
    serde_json::from_value(serde_json::Value::Object(record.extra.clone())).ok()
}

/// The chart's bars: each row's fetches running and sockets open after the grace.
fn bars(r: &Results) -> Vec<Bar> {
    let mut out = Vec::new();
    for group in r.groups.iter().filter(|g| g.section == Section::Cancel) {
        for row in &group.rows {
            out.push(bar(row));
        }
    }
    out
}

fn bar(row: &RowSummary) -> Bar {
    let m = |key: &str| row.metrics.get(key).map(|s| s.median);
    let value = match (&row.failure, &row.skipped) {
        (None, None) => m("after_grace.running").zip(m("after_grace.sockets")),
        _ => None,
    };
    let krate = row.approach.split(" (").next().unwrap_or(&row.approach).to_string();
    let why = match value {
        Some(_) => None,
        None => Some(crate::render::chart::kit::why_missing(row).label),
    };
    Bar { label: row.approach.clone(), krate, value, why }
}

/// Where the guide's line on cancellation points.
const CANCEL_DOC: &str = "docs/cancellation.md";

fn give_up(r: &Results) -> Option<String> {
    let right = guide_row(r, Section::Cancel, "tokio (join-set)")?;
    let detached = guide_row(r, Section::Cancel, "tokio (detached)")?;
    let std = guide_row(r, Section::Cancel, "std-threads (shutdown)")?;
    Some(format!(
        "| must give up slow calls at a deadline | a `JoinSet` under `timeout` (tokio), \
         `Task::cancel` (smol), `shutdown` on each socket (threads); never drop a handle and \
         move on | tokio's `JoinSet` returned {} past the deadline and had released everything \
         {} after it (threads with `shutdown`: {}); dropped `JoinHandle`s left {:.0} fetches \
         running and {:.0} sockets open, freed {} after the deadline \
         ([cancellation]({CANCEL_DOC})) |",
        guide_ms(metric(right, PAST_D)? * 1e3),
        guide_ms(metric(right, "released_ms")? * 1e3),
        guide_ms(metric(std, "released_ms")? * 1e3),
        metric(detached, "after_grace.running")?,
        metric(detached, "after_grace.sockets")?,
        guide_ms(metric(detached, "released_ms")? * 1e3),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_slow_fetches_outlast_the_grace_and_the_fast_ones_the_deadline() {
        for s in [SIZES, QUICK] {
            // A mistake's slow fetches must still be running at the second look.
            assert!(s.slow_ms >= s.deadline_ms + s.grace_ms + 200, "{s:?}");
            assert!(s.delay_ms * 4 < s.deadline_ms, "{s:?}");
        }
        assert_eq!(SIZES.fast(), 15);
        assert_eq!(QUICK.fast(), 6);
    }
}
