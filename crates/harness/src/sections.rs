//! run-all's `mistakes` and `shared` sections: their rows, their sizes and their runs.
//!
//! - `mistakes` (docs/loop-and-mistakes.md): each crate's variants beside its right way
//!   (named explicitly, so every row says which way it ran), io against the ideal of one wait
//!   and cpu against the sequential baseline of its group, with the ticker's lateness.
//! - `shared` (docs/shared-state.md): every way each crate shares one counter; the deadlock
//!   rows expect their watchdog to name the deadlock, the Python race rows expect lost updates
//!   (their count is their result), and a Rust row that loses an update fails as always.

use avt_common::shared::DEADLOCK_MARKER;

use crate::SectionRounds;
use crate::outcome::Expect;
use crate::plan::{
    Approach, Contender, CpuParams, Example, IoParams, Row, Section, SharedParams, python_cpu,
};
use crate::runner::Group;
use crate::setup::Setup;

/// Counted runs per row of the mistakes section (its rows are slow on purpose).
pub const MISTAKES_RUNS: usize = 2;
/// Counted runs per row of the shared section.
pub const SHARED_RUNS: usize = 3;
/// io wait of the mistakes section, ms: long enough that a blocked thread shows.
pub const MISTAKES_DELAY_MS: u64 = 500;
/// Increments per worker of the Rust shared rows.
pub const SHARED_INCREMENTS: u64 = 250_000;
/// The deadlock rows' watchdog, ms.
pub const WATCHDOG_MS: u64 = 500;
/// Workers of the Python shared rows.
pub const PYTHON_WORKERS: usize = 8;

/// The runs of a section's rows: `--runs`/`--warmup` when given, else the section's own
/// (`runs`, no warm-up; one run with `--quick`).
pub fn rounds(
    section: Section,
    runs: usize,
    given: (Option<u64>, Option<u64>),
    quick: bool,
) -> SectionRounds {
    let runs = given.0.map_or(if quick { 1 } else { runs }, |r| r as usize);
    SectionRounds { section, runs, warmup: given.1.map_or(0, |w| w as usize) }
}

/// "2 counted runs, no warm-up", as a section's titles say it.
fn runs_text(r: &SectionRounds) -> String {
    let s = |n: usize| if n == 1 { "" } else { "s" };
    let warmup = match r.warmup {
        0 => "no warm-up".to_string(),
        w => format!("{w} warm-up{} first", s(w)),
    };
    format!("{} counted run{}, {warmup}", r.runs, s(r.runs))
}

/// 250000 → "250 000".
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

/// A row's name: "tokio (blocking-sleep)", "tokio (rayon-inline, 1 thread)".
fn name(approach: &str, variant: &str, threads: Option<usize>) -> String {
    match threads {
        Some(1) => format!("{approach} ({variant}, 1 thread)"),
        Some(t) => format!("{approach} ({variant}, {t} threads)"),
        None => format!("{approach} ({variant})"),
    }
}

/// The mistakes section's sizes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MistakesSizes {
    pub io: IoParams,
    pub cpu: CpuParams,
    pub threads: usize,
}

impl MistakesSizes {
    /// io: T + 1 fetches (at least 3), so that a blocked thread makes a second wait, of
    /// 500 ms (--quick: 50); cpu: run-all's own parameters.
    pub fn new(threads: usize, cpu: CpuParams, quick: bool) -> Self {
        let delay_ms = if quick { 50 } else { MISTAKES_DELAY_MS };
        MistakesSizes { io: IoParams { tasks: (threads + 1).max(3), delay_ms }, cpu, threads }
    }
}

/// A variant, and `Some(1)` where it runs on one thread rather than the group's.
type Variant = (&'static str, Option<usize>);
/// A crate and the variants of it a section runs.
type Variants = (Approach, &'static [Variant]);

/// The variants of each crate the mistakes section runs, the right way first; `Some(1)`:
/// also on one thread.
const MISTAKES_IO: [Variants; 3] = [
    (
        Approach::Tokio,
        &[
            ("join-set", None),
            ("current-thread", None),
            ("blocking-sleep", None),
            ("blocking-sleep", Some(1)),
        ],
    ),
    (Approach::AsyncStd, &[("spawn", None), ("current-thread", None), ("blocking-sleep", None)]),
    (Approach::Smol, &[("executor", None), ("current-thread", None), ("blocking-sleep", None)]),
];
const MISTAKES_CPU: [Variants; 5] = [
    (Approach::StdThreads, &[("scoped-workers", None), ("oversubscribed", None)]),
    (
        Approach::Tokio,
        &[
            ("spawn-blocking", None),
            ("current-thread", None),
            ("cpu-inline", None),
            ("rayon-inline", None),
            ("rayon-bridge", None),
            ("rayon-inline", Some(1)),
            ("rayon-bridge", Some(1)),
        ],
    ),
    (
        Approach::AsyncStd,
        &[("spawn-blocking", None), ("current-thread", None), ("cpu-inline", None)],
    ),
    (Approach::Smol, &[("unblock", None), ("current-thread", None), ("cpu-inline", None)]),
    (Approach::Rayon, &[("par-iter", None)]),
];

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
    /// The contender of `approach`, if it was asked for.
    fn contender(&self, approach: Approach) -> Option<&Contender> {
        self.approaches.iter().position(|&a| a == approach).map(|i| &self.rust[i])
    }

    /// The rows of `table` (crate, variants) asked for, running `example` with `params(T)`.
    fn variant_rows(
        &self,
        table: &[Variants],
        example: Example,
        params: impl Fn(usize) -> avt_common::Params,
        threads: usize,
    ) -> Vec<Row> {
        let mut rows = Vec::new();
        for (approach, variants) in table {
            let Some(c) = self.contender(*approach) else { continue };
            for &(variant, alone) in *variants {
                let named = c.with_variant(variant, name(c.name.as_str(), variant, alone));
                rows.push(named.row(example, params(alone.unwrap_or(threads))));
            }
        }
        rows
    }

    /// The mistakes section: io, cpu, and the Python originals' cpu (when they run).
    pub fn mistakes_groups(&self, sizes: MistakesSizes, rounds: &SectionRounds) -> Vec<Group> {
        let (io, cpu, t) = (sizes.io, sizes.cpu, sizes.threads);
        let runs = runs_text(rounds);
        let mut groups = Vec::new();
        let mut io_rows = self.variant_rows(&MISTAKES_IO, Example::Io, |t| io.with_threads(t), t);
        let python = self.python.as_ref().map(|(_, c)| c);
        if let Some([asyncio, _, _]) = python {
            for variant in ["gather", "blocking-sleep"] {
                let c = asyncio.with_variant(variant, name(&asyncio.name, variant, None));
                io_rows.push(c.row(Example::Io, io.with_threads(t)));
            }
        }
        if !io_rows.is_empty() {
            let (n, d) = (io.tasks, io.delay_ms);
            groups.push(Group {
                label: format!(
                    "mistakes, io: {n} fetches × {d} ms wait, --threads {t} · ideal {d} ms · \
                     ticker every 10 ms · {runs}"
                ),
                short: "mistakes io".into(),
                section: Section::Mistakes,
                example: Example::Io,
                rows: io_rows,
            });
        }
        let cpu_rows = self.variant_rows(&MISTAKES_CPU, Example::Cpu, |t| cpu.with_threads(t), t);
        if !cpu_rows.is_empty() {
            let sequential =
                Contender::sequential(&self.bin_dir).row(Example::Cpu, cpu.with_threads(t));
            groups.push(Group {
                label: format!(
                    "mistakes, cpu: --threads {t}, primes in [0, {}], {} jobs · speedup over \
                     sequential · ticker every 10 ms · {runs}",
                    cpu.limit, cpu.jobs
                ),
                short: "mistakes cpu".into(),
                section: Section::Mistakes,
                example: Example::Cpu,
                rows: std::iter::once(sequential).chain(cpu_rows).collect(),
            });
        }
        if let Some([asyncio, _, sequential]) = python {
            let pcpu = python_cpu(cpu);
            let mut rows = vec![sequential.row(Example::Cpu, pcpu.with_threads(t))];
            for variant in ["to-thread", "cpu-inline"] {
                let c = asyncio.with_variant(variant, name(&asyncio.name, variant, None));
                rows.push(c.row(Example::Cpu, pcpu.with_threads(t)));
            }
            groups.push(Group {
                label: format!(
                    "mistakes, cpu, the Python originals: --threads {t}, primes in [0, {}] (a \
                     tenth of the Rust limit), {} jobs · speedup over {} · {runs}",
                    pcpu.limit, pcpu.jobs, sequential.name
                ),
                short: "mistakes cpu python".into(),
                section: Section::Mistakes,
                example: Example::Cpu,
                rows,
            });
        }
        groups
    }

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
