//! The switch section (docs/switch-and-spawn.md): what one context switch and one spawn cost,
//! thread against task, in every approach. A ring of K members passes one token (`switch`,
//! through the approach's channel and through a socket pair per hop), and N units are
//! spawned that only record their first run (`spawn`), each way unpinned and pinned to CPU 0.
//! Each ring row's laps M are calibrated once, before anything runs, and fixed for its runs.

use std::time::Duration;

use anyhow::Result;
use avt_common::shared::DEADLOCK_MARKER;
use avt_common::{Params, Report, cpu_checksum};

use crate::model::group::{Group, hex};
use crate::model::measurement::{End, Spec};
use crate::model::outcome::{Expect, Failure};
use crate::model::plan::{Approach, Contender, Example, OwnResult, Row, Section};
use crate::model::results::{Kind, Results, SectionRounds, Settings};
use crate::model::summary::{GroupSummary, RowSummary};
use crate::pipeline::setup::Setup;
use crate::pipeline::{Plugin, RunAll, Samples};
use crate::progress::estimate::Cost;
use crate::render::columns::{CPU, Column, RUNS, THREADS, WALL_MEDIAN, Width};
use crate::run::measure;
use crate::sections::{metric, rounds, runs_text};

pub mod chart;

/// Counted runs per row (each ring row takes about half a second).
pub const SWITCH_RUNS: usize = 2;
/// The reports' figures the section is about: ns per hop of a ring, µs per spawn.
pub(crate) const HOP_KEY: &str = "ns_per_hop";
pub(crate) const SPAWN_KEY: &str = "us_per_spawn";
/// Ring members K (the examples' default; the anchor, jimblandy/context-switch, runs 500).
pub const RING: usize = 100;
/// Units N a spawn row spawns: the same for threads and tasks, well below the thread ceiling.
pub const UNITS: u64 = 1_000;
/// The deadlock rows' watchdog (rayon's ring of blocking jobs), ms.
pub const WATCHDOG_MS: u64 = 500;
/// `--quick`: a ring of 10 members, 20 laps, 50 units, and a 200 ms watchdog.
const QUICK: (usize, u64, u64, u64) = (10, 20, 50, 200);
/// The laps of a row whose calibration failed (its runs then fail, saying why).
const FALLBACK_LAPS: u64 = 1_000;
/// Laps of the deadlock rows (they never finish one).
const DEADLOCK_LAPS: u64 = 10;
/// What the examples aim a calibrated ring's timed laps at, s (`avt_common::switch::TARGET`).
const TARGET_S: f64 = 0.5;
/// The CPU the pinned rows run on.
const PIN: usize = 0;

// The section's name, as `Section::Switch` (the type's other sections are named in their files).
#[allow(non_upper_case_globals)]
impl Section {
    pub const Switch: Section = Section::named("switch");
}

// The section's examples, as `Example::Switch` and `Example::Spawn`.
#[allow(non_upper_case_globals)]
impl Example {
    /// K members in a ring pass one token for M laps.
    pub const Switch: Example = Example::named("switch");
    /// N units that do nothing but record when they first ran.
    pub const Spawn: Example = Example::named("spawn");
}

/// The ways of each crate: the ring's and the spawn's.
const WAYS: [(Approach, &[&str], &[&str]); 5] = [
    (Approach::StdThreads, &["threads"], &["threads"]),
    (Approach::Tokio, &["multi-thread", "current-thread"], &["multi-thread", "current-thread"]),
    (Approach::AsyncStd, &["multi-thread", "current-thread"], &["multi-thread", "current-thread"]),
    (Approach::Smol, &["multi-thread", "current-thread"], &["multi-thread", "current-thread"]),
    (Approach::Rayon, &[avt_common::switch::BLOCKING_JOBS], &["pool"]),
];
/// The Python originals' way: python-threading's, python-asyncio's.
const PYTHON_WAYS: (&str, &str) = ("threads", "event-loop");

/// A row's name: "tokio (multi-thread)", "tokio (multi-thread, pin 0)".
fn row_name(approach: &str, variant: &str, pin: Option<usize>) -> String {
    match pin {
        Some(cpu) => format!("{approach} ({variant}, pin {cpu})"),
        None => format!("{approach} ({variant})"),
    }
}

const NAMED: Column =
    Column::new("approach", Some(("approach", Width::Left(36))), |r, _, _| r.approach.clone());
const NS_HOP: Column =
    Column::metric("ns/hop", Some(("ns/hop", Width::Right(8))), HOP_KEY, figure).only_if_reported();
const VOLUNTARY: Column = Column::metric(
    "voluntary switches/hop",
    Some(("vol/hop", Width::Right(7))),
    "voluntary_per_hop",
    fraction,
)
.only_if_reported();
const INVOLUNTARY: Column = Column::metric(
    "involuntary switches/hop",
    Some(("inv/hop", Width::Right(7))),
    "involuntary_per_hop",
    fraction,
)
.only_if_reported();
const LAP_P99: Column =
    Column::metric("lap p99 µs", Some(("lap p99", Width::Right(8))), "lap_p99_us", figure)
        .only_if_reported();
const SPAWN: Column =
    Column::metric("µs/spawn", Some(("µs/spawn", Width::Right(8))), SPAWN_KEY, figure)
        .only_if_reported();
const FIRST_P99: Column = Column::metric(
    "first run p99 µs",
    Some(("1st p99", Width::Right(8))),
    "first_run.p99_us",
    figure,
)
.only_if_reported();
const RSS_UNIT: Column = Column::metric(
    "RSS per live unit KiB",
    Some(("KiB/unit", Width::Right(8))),
    "rss_per_unit_kib",
    figure,
)
.only_if_reported();
/// ✓ and the checked count, or the deadlock the row's watchdog named.
const OUTCOME: Column =
    Column::new("checked", Some(("checked", Width::Left(17))), |r, _, _| {
        match (&r.outcome, r.result) {
            (Some(Failure::Exit { message, .. }), _) if message.contains(DEADLOCK_MARKER) => {
                "deadlock detected".into()
            }
            (_, Some(result)) => format!("{result} ✓"),
            (_, None) => "-".into(),
        }
    });

/// 0.27, 12.5, 10 450: three figures at most, grouped thousands.
fn figure(v: f64) -> String {
    if v < 10.0 {
        format!("{v:.2}")
    } else if v < 100.0 {
        format!("{v:.1}")
    } else {
        crate::render::chart::kit::number(v)
    }
}

/// A hop's time as the guide says it: "285 ns", "22.1 µs".
fn hop_text(ns: f64) -> String {
    if ns < 1e3 { format!("{ns:.0} ns") } else { format!("{} µs", figure(ns / 1e3)) }
}

/// A count per hop: 0.000 to 9.99.
fn fraction(v: f64) -> String {
    if v < 1.0 { format!("{v:.3}") } else { format!("{v:.2}") }
}

/// The switch section.
pub struct Switch;

impl Plugin for Switch {
    fn section(&self) -> Section {
        Section::Switch
    }

    fn help(&self) -> &'static str {
        "What a context switch and a spawn cost: a ring passing one token (channel and pipe) \
         and N spawned units, each way unpinned and pinned to one CPU"
    }

    /// Two counted runs, no warm-up; every ring row's laps calibrated once before anything
    /// runs (about 0.6 s a row), then fixed.
    fn run_all(&self, setup: &Setup, plan: &RunAll, settings: &mut Settings) -> Result<Vec<Group>> {
        let r = rounds(Section::Switch, SWITCH_RUNS, (plan.runs, plan.warmup), plan.quick);
        let groups = setup.switch_groups(plan.threads, plan.quick, &r);
        settings.rounds.push(r);
        Ok(groups)
    }

    fn columns(&self) -> Vec<Column> {
        vec![
            NAMED,
            NS_HOP,
            VOLUNTARY,
            INVOLUNTARY,
            LAP_P99,
            SPAWN,
            FIRST_P99,
            RSS_UNIT,
            OUTCOME,
            WALL_MEDIAN,
            CPU.markdown_only(),
            THREADS,
            RUNS,
        ]
    }

    /// The figure each table is about, timed over the laps inside the process (the wall
    /// time holds start-up and a calibrated, not fixed, amount of work).
    fn noise_on(&self, group: &Group) -> Option<&'static str> {
        Some(if group.example == Example::Spawn { SPAWN_KEY } else { HOP_KEY })
    }

    fn footnotes(&self, r: &Results) -> String {
        if !r.groups.iter().any(|g| g.section == Section::Switch) {
            return String::new();
        }
        format!(
            "\nswitch: ns/hop is the timed laps' wall time ÷ K × M hops (one wait and one wake \
             each), after one warm-up lap; vol/hop and inv/hop are the process's own voluntary \
             and involuntary context switches (getrusage) during those laps ÷ the hops; M is \
             calibrated once per row to about {TARGET_S} s and fixed for its counted runs (the \
             row's `laps`). pin {PIN}: the whole process on CPU {PIN} (sched_setaffinity, every \
             thread inherits it). Threads get Rust's default 2 MiB stack (the anchor, \
             jimblandy/context-switch, used 1 MiB): reserved, not resident — KiB/unit is what \
             N live units add to the resident set. Details: {SWITCH_DOC}.\n\
             \nrayon (blocking-jobs): its ring is K blocking jobs in a pool of T threads; with K \
             > T those running wait on those that never start, so the pool deadlocks by design \
             and the row's watchdog names it (the expected outcome); its spawn row (pool) \
             reports the spawn cost only, since its jobs must not wait on each other.\n\
             \nPython: python-threading's threads block in `queue.Queue.get()`, which releases \
             the GIL, so a hop is an OS thread switch plus the GIL's hand-over; \
             python-asyncio's tasks switch inside one event loop on one thread.\n"
        ) + &noisy_note(r)
    }

    fn cost(&self, row: &Row) -> Option<Cost> {
        if row.example != Example::Switch && row.example != Example::Spawn {
            return None;
        }
        let start = if row.python { 0.15 } else { 0.02 };
        let secs = match (&row.expect, row.example, row.params.laps) {
            (Expect::Failure(_), ..) => arg(row, "--watchdog-ms").unwrap_or(2e3) / 1e3 + start,
            (_, Example::Switch, Some(laps)) if laps > QUICK.1 => TARGET_S + 0.05 + start,
            // A thread spawn is some 50 µs here, a task's well under one.
            (_, Example::Spawn, _) => arg(row, "--units").unwrap_or(0.0) * 50e-6 + start,
            _ => start,
        };
        Some(Cost { secs, kind: None, once: false })
    }

    fn charts(&self, r: &Results, name: &str) -> Result<Vec<(String, String)>> {
        match r.kind() {
            Kind::RunAll => Ok(chart::chart(r, name)?.into_iter().collect()),
            Kind::Sweep | Kind::Load => Ok(Vec::new()),
        }
    }

    fn guide(&self, s: &Samples<'_>) -> Vec<String> {
        switch_and_spawn(s.run_all).into_iter().collect()
    }
}

/// The number after `flag` in a row's arguments, if it has one.
/// Why the section's flagged rows vary, where it has any.
fn noisy_note(r: &Results) -> String {
    // Groups flagged on their in-process figures (a file from before that flags wall times).
    let mine = || r.groups.iter().filter(|g| g.section == Section::Switch && g.noise_on.is_some());
    if !mine().flat_map(|g| &g.rows).any(|row| row.noisy) {
        return String::new();
    }
    let runs = r.settings.rounds.iter().find(|s| s.section == Section::Switch);
    format!(
        "\nswitch, the `*` marks: on ns/hop and µs/spawn, the figures timed inside the process \
         (not on the wall time). A hop's cost depends on where the OS runs the thread it wakes \
         (the same CPU, or another it must interrupt) and a spawn's on the allocator's and the \
         scheduler's state, which change from run to run, so with {} runs of about {TARGET_S} s \
         a row's two ends may lie far apart: read such a row as its range, and give more --runs \
         to narrow its median.\n",
        runs.map_or(SWITCH_RUNS, |s| s.runs)
    )
}

fn arg(row: &Row, flag: &str) -> Option<f64> {
    let args = &row.spec.args;
    args.iter().position(|a| a == flag).and_then(|i| args.get(i + 1)?.parse().ok())
}

/// The section's sizes.
struct Sizes {
    ring: usize,
    /// Fixed laps (`--quick`), or None: calibrated per row.
    laps: Option<u64>,
    units: u64,
    watchdog_ms: u64,
    threads: usize,
}

impl Setup {
    /// The switch section: the ring through the approaches' channels, through pipes, and the
    /// spawns; each way unpinned then pinned to CPU 0, the Python originals last.
    pub fn switch_groups(&self, threads: usize, quick: bool, rounds: &SectionRounds) -> Vec<Group> {
        let sizes = if quick {
            let (ring, laps, units, watchdog_ms) = QUICK;
            Sizes { ring, laps: Some(laps), units, watchdog_ms, threads }
        } else {
            Sizes { ring: RING, laps: None, units: UNITS, watchdog_ms: WATCHDOG_MS, threads }
        };
        let runs = runs_text(rounds);
        let mut ways: Vec<(&Contender, &str, &str)> = Vec::new();
        for (approach, ring, spawn) in WAYS {
            let Some(c) = self.contender(approach) else { continue };
            let n = ring.len().max(spawn.len());
            for i in 0..n {
                ways.push((
                    c,
                    ring.get(i).copied().unwrap_or(""),
                    spawn.get(i).copied().unwrap_or(""),
                ));
            }
        }
        if let Some((_, [asyncio, threading, _])) = &self.python {
            ways.push((threading, PYTHON_WAYS.0, PYTHON_WAYS.0));
            ways.push((asyncio, PYTHON_WAYS.1, PYTHON_WAYS.1));
        }
        if sizes.laps.is_none() {
            note!(
                "switch: calibrating the laps of each ring row (about {} s a row, {} rows)",
                TARGET_S + 0.1,
                2 * 2 * ways.iter().filter(|(_, v, _)| !v.is_empty()).count()
            );
        }
        let mut groups = Vec::new();
        let (k, t) = (sizes.ring, sizes.threads);
        let how = match sizes.laps {
            Some(m) => format!("{m} laps"),
            None => format!("M laps calibrated once per row to ~{TARGET_S} s, then fixed"),
        };
        for via in ["channel", "pipe"] {
            let rows: Vec<Row> = ways
                .iter()
                .filter(|(_, v, _)| !v.is_empty())
                .flat_map(|&(c, variant, _)| {
                    [None, Some(PIN)].map(|pin| self.ring_row(c, variant, via, pin, &sizes))
                })
                .collect();
            if rows.is_empty() {
                continue;
            }
            let through = match via {
                "channel" => "each approach's own channel",
                _ => "a Unix socket pair per hop, the runtime's own I/O",
            };
            groups.push(Group {
                label: format!(
                    "switch, ring via {via} ({through}): {k} members pass one token, {how}, \
                     1 warm-up lap · --threads {t} · unpinned and pinned to CPU {PIN} · {runs}"
                ),
                short: format!("switch {via}"),
                section: Section::Switch,
                example: Example::Switch,
                rows,
            });
        }
        let rows: Vec<Row> = ways
            .iter()
            .filter(|(_, _, v)| !v.is_empty())
            .flat_map(|&(c, _, variant)| {
                [None, Some(PIN)].map(|pin| spawn_row(c, variant, pin, &sizes))
            })
            .collect();
        if !rows.is_empty() {
            groups.push(Group {
                label: format!(
                    "switch, spawn: {} units that only record their first run · --threads {t} · \
                     unpinned and pinned to CPU {PIN} · {runs}",
                    sizes.units
                ),
                short: "switch spawn".into(),
                section: Section::Switch,
                example: Example::Spawn,
                rows,
            });
        }
        groups
    }

    /// A ring row: its laps fixed (calibrated first where the sizes do not fix them), its
    /// count K × (1 + M) its own result; rayon's ring of K > T blocking jobs expects its
    /// watchdog to name the deadlock.
    fn ring_row(
        &self,
        c: &Contender,
        variant: &str,
        via: &str,
        pin: Option<usize>,
        sizes: &Sizes,
    ) -> Row {
        let deadlock = variant == avt_common::switch::BLOCKING_JOBS && sizes.ring > sizes.threads;
        let named = c.with_variant(variant, row_name(&c.name, variant, pin));
        let row = |laps: Option<u64>| {
            let params = Params {
                threads: sizes.threads,
                workers: Some(sizes.ring),
                laps,
                warmup_laps: laps.map(|_| 1),
                via: Some(via.into()),
                pin,
                ..Params::default()
            };
            let mut row = named.row(Example::Switch, params);
            row.spec.args.extend(["--via".into(), via.into()]);
            if let Some(cpu) = pin {
                row.spec.args.extend(["--pin".into(), cpu.to_string()]);
            }
            if let Some(m) = laps {
                row.spec.args.extend(["--laps".into(), m.to_string()]);
            }
            row
        };
        let laps = match (deadlock, sizes.laps) {
            (true, _) => DEADLOCK_LAPS,
            (false, Some(m)) => m,
            (false, None) => calibrate(&row(None).spec).unwrap_or_else(|why| {
                note!("switch: calibrating {}: {why}; {FALLBACK_LAPS} laps", named.name);
                FALLBACK_LAPS
            }),
        };
        let mut row = row(Some(laps));
        let total = sizes.ring as u64 * (1 + laps);
        row.own = Some(OwnResult { checksum: hex(cpu_checksum(total, total)), result: total });
        if deadlock {
            row.spec.args.extend(["--watchdog-ms".into(), sizes.watchdog_ms.to_string()]);
            row.expect = Expect::Failure(DEADLOCK_MARKER.into());
        }
        row
    }
}

/// A spawn row: N units, unpinned or pinned.
fn spawn_row(c: &Contender, variant: &str, pin: Option<usize>, sizes: &Sizes) -> Row {
    let named = c.with_variant(variant, row_name(&c.name, variant, pin));
    let params = Params { threads: sizes.threads, pin, ..Params::default() };
    let mut row = named.row(Example::Spawn, params);
    row.spec.args.extend(["--units".into(), sizes.units.to_string()]);
    if let Some(cpu) = pin {
        row.spec.args.extend(["--pin".into(), cpu.to_string()]);
    }
    row
}

/// The laps M a ring run calibrates to by itself (its spec without `--laps`), or why none.
fn calibrate(spec: &Spec) -> std::result::Result<u64, String> {
    let m = measure::measure(spec, Duration::from_secs(60)).map_err(|e| e.to_string())?;
    if m.end != End::Exited(0) {
        let said = m.stderr.lines().last().unwrap_or("").to_string();
        return Err(format!("ended {:?}: {said}", m.end));
    }
    let report = m.stdout.lines().rev().find_map(|l| serde_json::from_str::<Report>(l).ok());
    report.and_then(|r| r.params.laps).ok_or_else(|| "no laps in its report".into())
}

/// Where the guide's line on switching points.
const SWITCH_DOC: &str = "docs/switch-and-spawn.md";

/// The row named `name` of the section's first group running `example`, if it ran.
fn row_of<'a>(r: &'a Results, example: Example, name: &str) -> Option<&'a RowSummary> {
    let group: &GroupSummary =
        r.groups.iter().find(|g| g.section == Section::Switch && g.example == example)?;
    group.row(name).filter(|row| !row.failed() && row.skipped.is_none())
}

fn switch_and_spawn(r: &Results) -> Option<String> {
    let hop = |name: &str| metric(row_of(r, Example::Switch, name)?, HOP_KEY);
    let spawn = |name: &str| metric(row_of(r, Example::Spawn, name)?, SPAWN_KEY);
    let (task, thread) = (hop("tokio (multi-thread)")?, hop("std-threads (threads)")?);
    let (task_pin, thread_pin) =
        (hop("tokio (multi-thread, pin 0)")?, hop("std-threads (threads, pin 0)")?);
    let (task_spawn, thread_spawn) =
        (spawn("tokio (multi-thread)")?, spawn("std-threads (threads)")?);
    Some(format!(
        "| switches between many waiting workers, or spawns many short-lived units | tasks \
         (tokio); threads only for a few long-lived workers | a hop through a channel: tokio \
         {} against std threads {} ({} against {} pinned to one CPU); a spawn: {} µs a task \
         against {} µs a thread ([switch and spawn]({SWITCH_DOC})) |",
        hop_text(task),
        hop_text(thread),
        hop_text(task_pin),
        hop_text(thread_pin),
        figure(task_spawn),
        figure(thread_spawn),
    ))
}
