//! The shared-state example, the article's fourth claim: "threading can be more complex due to
//! potential issues like race conditions and deadlocks". W workers each add 1 to one shared
//! counter M times; the total must be W × M.
//!
//! What lives here is what every crate does alike: the command line (`--workers`,
//! `--increments`, `--watchdog-ms`), the check that no update was lost, the report, and the
//! deadlock watchdog. How the workers share the counter is each crate's lesson, in its own
//! `src/shared.rs`. The races Rust rejects at compile time are in [`races`], as doctests.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use clap::Args;

use crate::flags::MAX_DELAY_MS;
use crate::report::{Params, Report};
use crate::{Outcome, cpu_checksum};

/// Default increments per worker: about a second of work for the default way (an
/// `AtomicU64`) with 4 × T workers on a 2-core machine.
pub const INCREMENTS: u64 = 15_000_000;
/// Default `--watchdog-ms`: no progress for this long is a deadlock.
pub const WATCHDOG_MS: u64 = 2_000;
/// The most workers `--workers` accepts.
pub const MAX_WORKERS: u64 = 10_000;
/// The most increments per worker `--increments` accepts.
pub const MAX_INCREMENTS: u64 = 10_000_000_000;
/// The variant that deadlocks on purpose: two workers take two locks in opposite orders.
pub const DEADLOCK: &str = "deadlock";
/// Its fix: the same two locks, always taken in one order.
pub const LOCK_ORDER: &str = "lock-order";
/// The one line a detected deadlock prints after `<approach>: error: `.
pub const DEADLOCK_MARKER: &str = "deadlock: no progress for";

/// The `shared` subcommand's own flags (the common ones are flattened in beside them).
#[derive(Args, Debug)]
pub(crate) struct SharedArgs {
    /// Workers (threads or tasks) sharing the counter [default: 4 × T; 2 for deadlock and
    /// lock-order]
    #[arg(long, value_name = "W", value_parser = clap::value_parser!(u64).range(1..=MAX_WORKERS))]
    workers: Option<u64>,
    /// Times each worker adds 1 to the counter
    #[arg(long, value_name = "M", default_value_t = INCREMENTS,
          value_parser = clap::value_parser!(u64).range(1..=MAX_INCREMENTS))]
    increments: u64,
    /// deadlock and lock-order: no progress for this long is reported as a deadlock, exit 1
    #[arg(long, value_name = "MS", default_value_t = WATCHDOG_MS,
          value_parser = clap::value_parser!(u64).range(1..=MAX_DELAY_MS))]
    watchdog_ms: u64,
}

impl SharedArgs {
    /// The checked parameters, or a one-line usage error.
    pub(crate) fn check(&self, threads: usize, variant: &'static str) -> Result<Shared, String> {
        let two_locks = variant == DEADLOCK || variant == LOCK_ORDER;
        let workers = match self.workers {
            Some(w) => w as usize,
            None if two_locks => 2,
            None => (4 * threads).min(MAX_WORKERS as usize),
        };
        if variant == DEADLOCK && workers != 2 {
            return Err(format!("--variant {DEADLOCK} runs exactly 2 workers, not {workers}"));
        }
        Ok(Shared {
            workers,
            increments: self.increments,
            threads,
            variant,
            watchdog: Duration::from_millis(self.watchdog_ms),
            progress: Progress::default(),
        })
    }
}

/// The shared-state example's parameters, checked.
#[derive(Debug, Clone)]
pub struct Shared {
    /// Workers sharing the counter: threads or tasks, as the crate's model has it.
    pub workers: usize,
    /// Times each worker adds 1.
    pub increments: u64,
    /// Worker threads, where the approach has a pool.
    pub threads: usize,
    /// The way to share (`--variant`).
    pub variant: &'static str,
    /// deadlock and lock-order: how long without progress is a deadlock.
    pub watchdog: Duration,
    /// deadlock and lock-order: the workers tick it after every increment, and the watchdog
    /// watches it.
    pub progress: Progress,
}

impl Shared {
    /// The total a run must reach: W × M.
    pub fn expected(&self) -> u64 {
        self.workers as u64 * self.increments
    }
}

/// A count of increments done, which a watchdog on another thread can read.
#[derive(Debug, Clone, Default)]
pub struct Progress(Arc<AtomicU64>);

impl Progress {
    /// One more increment done.
    pub fn tick(&self) {
        // Relaxed: the watchdog only needs to see the number change, not what it guards.
        self.0.fetch_add(1, Ordering::Relaxed);
    }

    fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Starts the deadlock watchdog on its own OS thread: if `args.progress` does not move for
/// `args.watchdog`, it prints one line and exits the process with status 1.
///
/// Its own thread, because a deadlocked runtime cannot run it: blocked threads run nothing,
/// and tasks waiting on each other's locks are never woken. Exiting is the only way out:
/// nothing can unlock a deadlocked lock.
pub(crate) fn watchdog(approach: &'static str, args: &Shared) {
    let (progress, limit, workers) = (args.progress.clone(), args.watchdog, args.workers);
    thread::spawn(move || {
        let (mut seen, mut since) = (progress.get(), Instant::now());
        loop {
            thread::sleep((limit / 10).max(Duration::from_millis(1)));
            let now = progress.get();
            if now != seen {
                (seen, since) = (now, Instant::now());
            } else if since.elapsed() >= limit {
                crate::out::complain(format_args!(
                    "{approach}: error: {DEADLOCK_MARKER} {} ms; {workers} workers each hold \
                     one lock and wait for the other",
                    limit.as_millis()
                ));
                std::process::exit(1);
            }
        }
    });
}

/// Whether a variant runs under the watchdog.
pub(crate) fn watched(args: &Shared) -> bool {
    args.variant == DEADLOCK || args.variant == LOCK_ORDER
}

/// The checksum of a shared run: the total, bound to the total expected.
pub fn shared_checksum(expected: u64, total: u64) -> u64 {
    cpu_checksum(expected, total)
}

/// Checks the total is W × M (a lost update is an error) and builds the report.
pub(crate) fn report(
    approach: &str,
    args: &Shared,
    out: Outcome<u64>,
    elapsed_ms: f64,
) -> Result<Report> {
    let expected = args.expected();
    if out.value != expected {
        bail!(
            "the counter reached {} but {} workers × {} increments is {expected}: {} updates lost",
            out.value,
            args.workers,
            args.increments,
            expected.abs_diff(out.value)
        );
    }
    Ok(Report {
        approach: approach.into(),
        example: "shared".into(),
        params: Params {
            threads: args.threads,
            workers: Some(args.workers),
            increments: Some(args.increments),
            variant: Some(args.variant.into()),
            ..Params::default()
        },
        result: out.value,
        checksum: format!("{:016x}", shared_checksum(expected, out.value)),
        verified: true,
        elapsed_ms,
        worker_threads: out.worker_threads,
        build: Some(crate::build().into()),
        increments_per_s: Some(expected as f64 / (elapsed_ms / 1e3).max(1e-9)),
        ..Report::default()
    })
}

/// The races Rust rejects at compile time, as doctests `cargo test` runs. Each mistake is a
/// `compile_fail` doctest beside its fix, which compiles; docs/shared-state.md quotes them.
/// (On stable the error code after `compile_fail` is not checked, so it is named in a
/// comment.)
///
/// The article's unsynchronised counter, on two scoped threads: E0499, two mutable borrows.
///
/// ```compile_fail
#[doc = include_str!("../races/two_mut_borrows.rs")]
/// ```
///
/// Its fix: an `AtomicU64` both threads may share.
///
/// ```
#[doc = include_str!("../races/atomic_counter.rs")]
/// ```
///
/// The same counter as an `Rc<Cell<u64>>` handed to another thread: E0277, not `Send`.
///
/// ```compile_fail
#[doc = include_str!("../races/rc_cell.rs")]
/// ```
///
/// Its fix: `Arc<Mutex<u64>>`, shared and locked.
///
/// ```
#[doc = include_str!("../races/arc_mutex.rs")]
/// ```
///
/// A `std::sync::MutexGuard` held across an `.await` in `tokio::spawn`: the future is not
/// `Send` (error: "future cannot be sent between threads safely", from E0277's check).
///
/// ```compile_fail
#[doc = include_str!("../races/guard_across_await.rs")]
/// ```
///
/// Its fix: let the guard go before the `.await` (or, if the lock must be held across it,
/// `tokio::sync::Mutex`).
///
/// ```
#[doc = include_str!("../races/guard_dropped.rs")]
/// ```
pub mod races {}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(workers: Option<u64>) -> SharedArgs {
        SharedArgs { workers, increments: 10, watchdog_ms: 100 }
    }

    #[test]
    fn workers_default_to_four_per_thread_and_two_for_the_lock_variants() {
        assert_eq!(args(None).check(3, "atomic").map(|s| s.workers), Ok(12));
        assert_eq!(args(None).check(3, DEADLOCK).map(|s| s.workers), Ok(2));
        assert_eq!(args(None).check(3, LOCK_ORDER).map(|s| s.workers), Ok(2));
        assert_eq!(args(Some(5)).check(3, LOCK_ORDER).map(|s| s.workers), Ok(5));
    }

    #[test]
    fn deadlock_takes_exactly_two_workers() {
        let err = args(Some(3)).check(1, DEADLOCK).unwrap_err();
        assert_eq!(err, "--variant deadlock runs exactly 2 workers, not 3");
    }

    #[test]
    fn a_lost_update_is_an_error() {
        let shared = args(Some(2)).check(1, "atomic").unwrap();
        let err = report("x", &shared, Outcome { value: 19, worker_threads: 1 }, 1.0);
        let err = err.unwrap_err().to_string();
        assert!(err.contains("reached 19 but 2 workers × 10 increments is 20: 1 updates lost"));
        let ok = report("x", &shared, Outcome { value: 20, worker_threads: 1 }, 1.0).unwrap();
        assert_eq!((ok.result, ok.increments_per_s), (20, Some(20_000.0)));
    }

    #[test]
    fn the_doc_quotes_every_race_snippet() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/races");
        let doc = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../docs/shared-state.md"
        ))
        .expect("docs/shared-state.md");
        let mut snippets = 0;
        for entry in std::fs::read_dir(dir).expect("the races folder") {
            let path = entry.expect("a readable entry").path();
            let code = std::fs::read_to_string(&path).expect("a readable snippet");
            assert!(doc.contains(code.trim_end()), "docs/shared-state.md lacks {path:?}");
            snippets += 1;
        }
        assert_eq!(snippets, 6);
    }
}
