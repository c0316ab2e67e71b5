//! The shared section (docs/shared-state.md): every way each crate shares one counter; the
//! deadlock rows expect their watchdog to name the deadlock, the Python race rows expect lost
//! updates (their count is their result), and a Rust row that loses an update fails as always.

use anyhow::Result;
use avt_common::shared::DEADLOCK_MARKER;

use crate::model::group::Group;
use crate::model::outcome::{Expect, Failure};
use crate::model::plan::{Approach, Contender, Example, Row, Section, SharedParams};
use crate::model::results::{Results, SectionRounds, Settings};
use crate::pipeline::setup::Setup;
use crate::pipeline::{Plugin, RunAll, Samples};
use crate::render::columns::{CPU, Column, RUNS, SWITCHES, THREADS, WALL_MEDIAN, WORKERS, Width};
use crate::render::{count, grouped};
use crate::sections::{guide_row, metric, name, rounds, runs_text};

/// Counted runs per row of the shared section.
pub const SHARED_RUNS: usize = 5;
/// Increments per worker of the Rust shared rows.
pub const SHARED_INCREMENTS: u64 = 250_000;
/// The deadlock rows' watchdog, ms.
pub const WATCHDOG_MS: u64 = 500;
/// Workers of the Python shared rows.
pub const PYTHON_WORKERS: usize = 8;

/// The same, wide enough for "python-threading (forced-race-locked)".
const NAMED_WIDE: Column =
    Column::new("approach", Some(("approach", Width::Left(37))), |r, _, _| r.approach.clone());
/// The report's increments per second, timed in-process.
const RATE_KEY: &str = "increments_per_s";
const RATE: Column =
    Column::metric("increments/s", Some(("incr/s", Width::Right(8))), RATE_KEY, per_second);
/// The total as checked against W × M: ✓, the measured total of a race that lost updates, or
/// "deadlock detected" where the watchdog named it.
const TOTAL: Column = Column::new("total", Some(("total", Width::Left(17))), |r, g, _| {
    let deadlock = matches!(
        &r.outcome,
        Some(Failure::Exit { message, .. }) if message.contains(DEADLOCK_MARKER)
    );
    match (deadlock, r.result, g.expected.result) {
        (true, ..) => "deadlock detected".into(),
        (false, Some(got), Some(total)) if got < total => format!("{got} (race)"),
        (false, Some(got), _) => format!("{got} ✓"),
        (false, None, _) => "-".into(),
    }
});
/// Updates lost (the Python originals report theirs; a Rust row that lost one failed).
const LOST: Column = Column::metric("lost updates", Some(("lost", Width::Right(6))), "lost", count);

/// What the flagged rows' spread means: W workers on one lock, channel or cache line are
/// noisy by nature (how often the OS hands it over, and to whom, varies from run to run);
/// the sharded rows share nothing until the end, so their spread is the machine's.
fn noisy_by_nature(r: &Results) -> String {
    let (mut shared, mut sharded) = (Vec::new(), Vec::new());
    let groups = r.groups.iter().filter(|g| g.noise_on.as_deref() == Some(RATE_KEY));
    for row in groups.flat_map(|g| &g.rows).filter(|row| row.noisy) {
        let Some(rate) = row.metrics.get(RATE_KEY) else { continue };
        let spread = format!(
            "{} {}–{} ({:.2}×)",
            row.approach,
            per_second(rate.min),
            per_second(rate.max),
            rate.spread()
        );
        // One worker (asyncio's one loop) hands nothing over: its spread is the machine's too.
        let alone =
            row.params.variant.as_deref() == Some("sharded") || row.worker_threads == Some(1);
        if alone { sharded.push(spread) } else { shared.push(spread) }
    }
    let mut notes = String::new();
    if !shared.is_empty() {
        notes.push_str(&format!(
            "\n* noisy by nature: every increment of these rows goes through one shared lock, \
             channel or cache line, and how often the OS hands it over, and to whom, varies \
             from run to run; the median is the figure and the range its measured spread \
             (increments/s, max ÷ min): {}.\n",
            shared.join("; ")
        ));
    }
    if !sharded.is_empty() {
        notes.push_str(&format!(
            "\n* these rows hand nothing over between threads (sharded: each worker counts \
             alone until the end; asyncio: one loop on one thread), so their spread is the \
             machine's (a short run meets the other load or not); more --runs narrow it: {}.\n",
            sharded.join("; ")
        ));
    }
    notes
}

/// A rate per second: 1.2 M, 350 k.
fn per_second(v: f64) -> String {
    if v >= 1e9 {
        format!("{:.2} G", v / 1e9)
    } else if v >= 1e6 {
        format!("{:.1} M", v / 1e6)
    } else if v >= 1e3 {
        format!("{:.0} k", v / 1e3)
    } else {
        format!("{v:.0}")
    }
}

// The section's name, as `Section::Shared` (the type's other sections are named in their files).
#[allow(non_upper_case_globals)]
impl Section {
    pub const Shared: Section = Section::named("shared");
}

/// The shared section.
pub struct Shared;

impl Plugin for Shared {
    fn section(&self) -> Section {
        Section::Shared
    }

    fn help(&self) -> &'static str {
        "Shared state: ways to share one counter, the races and the deadlock"
    }

    fn run_all(&self, setup: &Setup, plan: &RunAll, settings: &mut Settings) -> Result<Vec<Group>> {
        let r = rounds(Section::Shared, SHARED_RUNS, (plan.runs, plan.warmup), plan.quick);
        let groups = setup.shared_groups(plan.threads, plan.quick, &r);
        settings.rounds.push(r);
        Ok(groups)
    }

    fn guide(&self, s: &Samples<'_>) -> Vec<String> {
        shared_counter(s.run_all).into_iter().collect()
    }

    /// The rate, timed inside the process: a row of a few ms is mostly process start-up.
    fn noise_on(&self, _: &Group) -> Option<&'static str> {
        Some(RATE_KEY)
    }

    fn footnotes(&self, r: &Results) -> String {
        noisy_by_nature(r)
    }

    fn columns(&self) -> Vec<Column> {
        vec![
            NAMED_WIDE,
            RATE,
            TOTAL,
            LOST,
            WALL_MEDIAN,
            WORKERS.markdown_only(),
            THREADS,
            SWITCHES,
            CPU.markdown_only(),
            RUNS,
        ]
    }
}

/// The ways to share of each crate the shared section runs (deadlock and lock-order apart).
const SHARED: [(Approach, &[&str]); 5] = [
    (Approach::StdThreads, &["atomic", "mutex", "sharded", "channel"]),
    (Approach::Tokio, &["atomic", "mutex", "async-mutex", "sharded", "channel"]),
    (Approach::AsyncStd, &["atomic", "mutex", "async-mutex", "sharded", "channel"]),
    (Approach::Smol, &["atomic", "mutex", "async-mutex", "sharded", "channel"]),
    (Approach::Rayon, &["sharded", "atomic", "mutex", "channel"]),
];
/// The crates with the deadlock variant (and its fix, lock-order).
const TWO_LOCKS: [Approach; 3] = [Approach::StdThreads, Approach::Tokio, Approach::Smol];

impl Setup {
    /// The shared section: the Rust ways at W = 4 × T, the two-lock rows at W = 2, and the
    /// Python originals' ways, each group at its own size (a group's rows share one total).
    pub fn shared_groups(&self, threads: usize, quick: bool, rounds: &SectionRounds) -> Vec<Group> {
        let runs = runs_text(rounds);
        let m = if quick { 2_000 } else { SHARED_INCREMENTS };
        let watchdog = if quick { 200 } else { WATCHDOG_MS };
        let mut groups = Vec::new();
        let group = |label: String, short: &str, rows: Vec<Row>| Group {
            label,
            short: short.into(),
            section: Section::Shared,
            example: Example::Shared,
            rows,
        };
        let rust = SharedParams { workers: 4 * threads, increments: m };
        let mut rows = Vec::new();
        for (approach, variants) in SHARED {
            let Some(c) = self.contender(approach) else { continue };
            for variant in variants {
                let named = c.with_variant(variant, name(&c.name, variant, None));
                rows.push(named.row(Example::Shared, rust.with_threads(threads)));
            }
        }
        if !rows.is_empty() {
            groups.push(group(
                format!(
                    "shared: {} workers × {} increments, --threads {threads} · {runs}",
                    rust.workers,
                    grouped(m)
                ),
                "shared",
                rows,
            ));
        }
        let two = SharedParams { workers: 2, increments: m };
        let mut rows = Vec::new();
        for approach in TWO_LOCKS {
            let Some(c) = self.contender(approach) else { continue };
            for variant in ["lock-order", "deadlock"] {
                let named = c.with_variant(variant, name(&c.name, variant, None));
                let mut row = named.row(Example::Shared, two.with_threads(threads));
                if variant == "deadlock" {
                    row.spec.args.extend(["--watchdog-ms".into(), watchdog.to_string()]);
                    row.expect = Expect::Failure(DEADLOCK_MARKER.into());
                }
                rows.push(row);
            }
        }
        if !rows.is_empty() {
            groups.push(group(
                format!(
                    "shared, two locks: 2 workers × {} increments, --threads {threads} · \
                     deadlock: opposite orders, a watchdog exits after {watchdog} ms without \
                     progress · {runs}",
                    grouped(m)
                ),
                "shared two locks",
                rows,
            ));
        }
        let Some((_, [asyncio, threading, _])) = &self.python else { return groups };
        // (contender, its variants, increments per worker (--quick: a tenth or less), what)
        let python: [(&Contender, &[&str], u64, &str); 4] = [
            (threading, &["mutex", "plain"], if quick { 200 } else { 20_000 }, "threads"),
            (threading, &["forced-race"], if quick { 50 } else { 2_000 }, "threads, forced race"),
            (
                threading,
                &["forced-race-locked"],
                if quick { 20 } else { 500 },
                "threads, forced race fixed by a lock",
            ),
            (
                asyncio,
                &["plain", "forced-race", "forced-race-locked"],
                if quick { 100 } else { 5_000 },
                "tasks on one loop",
            ),
        ];
        for (c, variants, m, what) in python {
            let p = SharedParams { workers: PYTHON_WORKERS, increments: m };
            let races = variants.iter().any(|v| *v == "plain" || *v == "forced-race");
            let rows = variants
                .iter()
                .map(|variant| {
                    let named = c.with_variant(variant, name(&c.name, variant, None));
                    let mut row = named.row(Example::Shared, p.with_threads(threads));
                    // A race's lost updates (zero included) are its measured result.
                    if *variant == "plain" || *variant == "forced-race" {
                        row.expect = Expect::LostUpdates;
                    }
                    row
                })
                .collect();
            groups.push(group(
                format!(
                    "shared, {} ({what}): {} workers × {} increments{} · {runs}",
                    c.name,
                    p.workers,
                    grouped(m),
                    if races { " · a race's lost updates are its result" } else { "" }
                ),
                &format!("shared {}", c.name),
                rows,
            ));
        }
        groups
    }
}

/// Where the guide's line on shared state points.
const SHARED_DOC: &str = "docs/shared-state.md";

fn shared_counter(r: &Results) -> Option<String> {
    let rate = |variant: &str| {
        guide_row(r, Section::Shared, &format!("tokio ({variant})"))
            .and_then(|s| metric(s, "increments_per_s"))
    };
    let (atomic, mutex, async_mutex) = (rate("atomic")?, rate("mutex")?, rate("async-mutex")?);
    Some(format!(
        "| shares a counter between tasks | an atomic, or `std::sync::Mutex`; an async mutex \
         only across `.await` | tokio, increments/s: atomic {:.0} M, std Mutex {:.0} M, \
         `tokio::sync::Mutex` {:.1} M ([shared state]({SHARED_DOC})) |",
        atomic / 1e6,
        mutex / 1e6,
        async_mutex / 1e6,
    ))
}
