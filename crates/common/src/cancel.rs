//! The cancel example, what every approach shares of it: N fetches, one in k of them slow
//! (S) and the rest fast (F), under one deadline D. A way must return at D with every fast
//! result and give up the slow ones; then the program stays alive to watch what the deadline
//! left behind: fetches still running, threads, sockets, and slow fetches that ran to their
//! end anyway (work nobody wanted).
//!
//! What lives here is what every crate does alike: the command line, the gauge each fetch
//! raises while it runs ([`Fetches`], [`Running`]), the watch after the return, the check of
//! what was kept, and the report. How a crate gives up its slow fetches is its lesson, in its
//! own `src/cancel.rs`.

use std::any::Any;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::Result;
use clap::Args;
use serde::{Deserialize, Serialize};

use crate::flags::{MAX_DELAY_MS, MAX_TASKS, Shared, Source, SourceArg};
use crate::limits::threads_now;
use crate::workload::mix;
use crate::{Example, Outcome, Params, Report, build};

/// Default number of fetches.
pub const CANCEL_TASKS: u64 = 20;
/// Default: one fetch in 4 is slow (ids 0, 4, 8, …).
pub const SLOW_EVERY: u64 = 4;
/// Default wait of a slow fetch: far past the deadline.
pub const SLOW_MS: u64 = 10_000;
/// Default wait of a fast fetch.
pub const FAST_MS: u64 = 50;
/// Default deadline for the whole batch, after the start.
pub const DEADLINE_MS: u64 = 500;
/// Default grace after the return before the second look.
pub const GRACE_MS: u64 = 100;
/// The longest grace `--grace-ms` accepts: a minute.
pub const MAX_GRACE_MS: u64 = 60_000;

/// The cancel example's command line.
#[derive(Args, Debug)]
pub(crate) struct CancelArgs {
    /// Fetches in the run, all started at once; their ids are 0..N
    #[arg(long, value_name = "N", default_value_t = CANCEL_TASKS,
          value_parser = clap::value_parser!(u64).range(1..=MAX_TASKS))]
    tasks: u64,
    /// One fetch in K is slow: the ids divisible by K (0, K, 2K, …)
    #[arg(long, value_name = "K", default_value_t = SLOW_EVERY,
          value_parser = clap::value_parser!(u64).range(1..=MAX_TASKS))]
    slow_every: u64,
    /// The wait of a slow fetch, in ms (above the deadline: the way must give it up)
    #[arg(long, value_name = "S", default_value_t = SLOW_MS,
          value_parser = clap::value_parser!(u64).range(1..=MAX_DELAY_MS))]
    slow_ms: u64,
    /// The wait of every other fetch, in ms (below the deadline: the way must keep it)
    #[arg(long, value_name = "F", default_value_t = FAST_MS,
          value_parser = clap::value_parser!(u64).range(0..=MAX_DELAY_MS))]
    delay_ms: u64,
    /// Return this long after the start with the fast results, giving up the slow ones
    #[arg(long, value_name = "D", default_value_t = DEADLINE_MS,
          value_parser = clap::value_parser!(u64).range(1..=MAX_DELAY_MS))]
    deadline_ms: u64,
    /// Look again this long after the return: a right way has released everything by then
    /// (at most 60000)
    #[arg(long, value_name = "MS", default_value_t = GRACE_MS,
          value_parser = clap::value_parser!(u64).range(0..=MAX_GRACE_MS))]
    grace_ms: u64,
    /// Where each fetch waits: a timer, or a request to the delay server
    #[arg(long, value_enum, default_value_t = SourceArg::Sleep)]
    source: SourceArg,
    /// The delay server's address, with --source tcp (start one with avt-delay-server)
    #[arg(long, value_name = "ADDR")]
    server: Option<std::net::SocketAddr>,
    #[command(flatten)]
    pub(crate) shared: Shared,
}

impl CancelArgs {
    /// The checked parameters, or a one-line reason.
    pub(crate) fn check(&self, threads: usize, variant: &'static str) -> Result<Cancel, String> {
        let (s, f, d) = (self.slow_ms, self.delay_ms, self.deadline_ms);
        if s <= f {
            return Err(format!("--slow-ms {s} is not above --delay-ms {f}: nothing is slow"));
        }
        if d <= f {
            return Err(format!(
                "--deadline-ms {d} is not longer than the {f} ms fast fetch: nothing could be kept"
            ));
        }
        if s <= d {
            return Err(format!(
                "--slow-ms {s} is not above --deadline-ms {d}: the slow fetches would not miss it"
            ));
        }
        // A request may take its whole wait and then some; past that it is a failure.
        let timeout = Duration::from_millis(s + 10_000);
        let source = self.source.with_server(self.server, timeout)?;
        Ok(Cancel {
            tasks: self.tasks as usize,
            slow_every: self.slow_every as usize,
            slow: Duration::from_millis(s),
            fast: Duration::from_millis(f),
            deadline: Duration::from_millis(d),
            grace: Duration::from_millis(self.grace_ms),
            threads,
            source,
            variant,
            fetches: Fetches::start(Duration::from_millis(d)),
        })
    }
}

/// The cancel example's parameters, checked.
#[derive(Debug, Clone)]
pub struct Cancel {
    /// Number of fetches; their ids are `0..tasks`.
    pub tasks: usize,
    /// Fetch `id` is slow when `id % slow_every == 0`.
    pub slow_every: usize,
    /// The wait of a slow fetch (longer than the deadline).
    pub slow: Duration,
    /// The wait of a fast fetch (shorter than the deadline).
    pub fast: Duration,
    /// How long after the start the way must return.
    pub deadline: Duration,
    /// How long after the return the watch looks again.
    pub grace: Duration,
    /// Worker threads, where the approach has a pool.
    pub threads: usize,
    /// A sleep, or requests to the delay server.
    pub source: Source,
    /// The way to run it (`--variant`).
    pub variant: &'static str,
    /// The gauge every fetch raises while it runs; its clock starts just before the run.
    pub fetches: Fetches,
}

impl Cancel {
    /// Whether fetch `id` is one of the slow ones.
    pub fn is_slow(&self, id: usize) -> bool {
        id.is_multiple_of(self.slow_every)
    }

    /// How long fetch `id` waits: S for a slow one, F for the rest.
    pub fn delay(&self, id: usize) -> Duration {
        if self.is_slow(id) { self.slow } else { self.fast }
    }

    /// When the way must return: D after the start.
    pub fn deadline_at(&self) -> Instant {
        self.fetches.deadline()
    }

    /// The ids a way must return: every fast one.
    pub fn fast_ids(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.tasks).filter(|&id| !self.is_slow(id))
    }
}

/// The fetches of one run: how many are running now, how many ran to their end after the
/// deadline, and the sockets open at the first start (so that only the fetches' own count).
/// Shared by every fetch and the watch.
#[derive(Debug, Clone)]
pub struct Fetches(Arc<Gauge>);

#[derive(Debug)]
struct Gauge {
    start: Instant,
    deadline: Instant,
    running: AtomicUsize,
    wasted: AtomicU64,
    sockets_at_start: OnceLock<Option<usize>>,
}

/// One fetch under way: it raised the gauge, and dropping it lowers the gauge again,
/// whether the fetch ended (see [`Running::end`]), failed, or its future or thread was
/// dropped or stopped first.
#[derive(Debug)]
#[must_use = "the gauge goes down when this is dropped: hold it for the whole fetch"]
pub struct Running(Arc<Gauge>);

impl Fetches {
    /// The clock starts now; the deadline is `deadline` after it.
    fn start(deadline: Duration) -> Self {
        let start = Instant::now();
        Fetches(Arc::new(Gauge {
            start,
            deadline: start + deadline,
            running: AtomicUsize::new(0),
            wasted: AtomicU64::new(0),
            sockets_at_start: OnceLock::new(),
        }))
    }

    /// The clock starts again now (just before the timed run).
    fn restart(&mut self) {
        *self = Fetches::start(self.0.deadline - self.0.start);
    }

    /// When the way must return.
    pub fn deadline(&self) -> Instant {
        self.0.deadline
    }

    /// A fetch starts now: call it before the fetch opens its socket, and hold what it
    /// returns until the fetch is over.
    pub fn start_one(&self) -> Running {
        // The first start counts the sockets already open (none, in a Rust crate), before
        // any fetch opens one.
        self.0.sockets_at_start.get_or_init(sockets_now);
        self.0.running.fetch_add(1, Ordering::SeqCst);
        Running(Arc::clone(&self.0))
    }

    /// Fetches running now.
    fn running(&self) -> usize {
        self.0.running.load(Ordering::SeqCst)
    }

    /// What is held now: fetches running, threads, and sockets opened since the first fetch
    /// started.
    fn held(&self) -> Held {
        let at_start = self.0.sockets_at_start.get().copied().flatten();
        let sockets = match (sockets_now(), at_start) {
            (Some(now), Some(start)) => now.saturating_sub(start),
            _ => 0,
        };
        Held { running: self.running(), threads: threads_now().unwrap_or(0), sockets }
    }
}

/// The sockets this process holds open now (the entries of `/proc/self/fd` that link to
/// `socket:[…]`), or None where that is unknown. Not `limits::open_fds_now`'s count of every
/// file: an async runtime opens some of its own lazily (async-io's epoll, eventfd and timerfd
/// at its first timer, after the first fetch has started), and those are not the fetches'.
fn sockets_now() -> Option<usize> {
    let entries = std::fs::read_dir("/proc/self/fd").ok()?;
    let sockets = entries
        .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
        .filter(|link| link.as_os_str().as_encoded_bytes().starts_with(b"socket:"))
        .count();
    Some(sockets)
}

impl Running {
    /// The fetch ran to its end and returned `id`. After the deadline that is wasted work:
    /// nobody is waiting for it any more.
    pub fn end(self, id: usize) -> usize {
        if Instant::now() > self.0.deadline {
            self.0.wasted.fetch_add(1, Ordering::SeqCst);
        }
        id
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.0.running.fetch_sub(1, Ordering::SeqCst);
    }
}

/// What a way returned by the deadline.
pub struct Kept {
    /// The ids of the results it returned (checked: distinct fast ids).
    pub ids: Vec<usize>,
    /// Whether this way stops what it gave up (a crate's right way): then every fast id must
    /// be kept, and a fetch still running or a socket still open after the grace fails the
    /// run. False for a mistake shown on purpose, and for a way that cannot stop its work
    /// (rayon, Python's threads): what stays is their measured result.
    pub stops: bool,
    /// What must outlive the watch (a runtime whose detached tasks would otherwise be dropped
    /// with it, an executor's threads, a pool); dropped when the watch is over.
    pub hold: Option<Box<dyn Any + Send>>,
}

impl std::fmt::Debug for Kept {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Kept").field("ids", &self.ids).field("stops", &self.stops).finish()
    }
}

/// What is held at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Held {
    /// Fetches still running (raised at each start, lowered when its future is dropped or
    /// its thread's fetch ends).
    pub running: usize,
    /// Threads of the process (`/proc/self/task`), the runtime's own workers included.
    pub threads: usize,
    /// Sockets opened since the first fetch started and still open (`/proc/self/fd`): the
    /// fetches' own.
    pub sockets: usize,
}

/// What the deadline left behind, beside the usual report fields in the JSON line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Leftover {
    /// When the way returned, in ms since the start (D is the ideal).
    pub returned_ms: f64,
    /// Results it returned (checked: fast ids, each once; all of them for a right way).
    pub kept: u64,
    /// What was held when it returned.
    pub at_return: Held,
    /// What was held a grace after the return.
    pub after_grace: Held,
    /// From the deadline until the watch (polling every millisecond from the return) first
    /// saw no fetch running, in ms; S + 1000 if some still were S + 1 s after the deadline,
    /// when the watch gives up.
    pub released_ms: f64,
    /// Fetches that ran to their end after the deadline (by the end of the watch): work
    /// nobody wanted. The slow ones, and for rayon also fast ones still queued at D.
    pub wasted: u64,
}

/// The cancel example's JSON line: the usual report, plus what the deadline left.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CancelReport {
    #[serde(flatten)]
    pub report: Report,
    #[serde(flatten)]
    pub left: Leftover,
}

/// Runs the cancel example of one approach, watches what it left, checks and prints its line.
///
/// Exit codes: 0 done and checked (a mistake's leftovers included), 1 failed (also a right
/// way that left something running or a socket open after the grace), 2 usage error
/// (already handled by the parser).
pub(crate) fn main(
    name: &str,
    example: &Example<Cancel, Kept>,
    args: &Cancel,
    json: bool,
) -> ExitCode {
    let (report, stops) = match run(name, example, args) {
        Ok(done) => done,
        Err(e) => {
            crate::out::complain(format_args!("{name}: error: {e:#}"));
            return ExitCode::FAILURE;
        }
    };
    crate::say!("{}", if json { report.to_json() } else { report.summary() });
    let after = report.left.after_grace;
    if stops && (after.running > 0 || after.sockets > 0) {
        crate::out::complain(format_args!(
            "{name}: error: {} left {} fetches running and {} sockets open {} ms after it \
             returned: it did not stop what it gave up",
            args.variant,
            after.running,
            after.sockets,
            args.grace.as_millis()
        ));
        return ExitCode::FAILURE;
    }
    crate::out::finish(name)
}

fn run(name: &str, example: &Example<Cancel, Kept>, args: &Cancel) -> Result<(CancelReport, bool)> {
    if let Source::Tcp { .. } = args.source {
        // Every fetch in flight holds a socket: allow as many as the hard limit lets.
        crate::limits::raise_open_files()?;
    }
    let mut args = args.clone();
    args.fetches.restart();
    let fetches = args.fetches.clone();
    let out: Outcome<Kept> = (example.run)(&args)?;
    let returned = Instant::now();
    let at_return = fetches.held();
    let checksum =
        check_kept(&out.value.ids, &args, out.value.stops).map_err(anyhow::Error::msg)?;
    let (after_grace, released) = watch(&fetches, &args, returned);
    // The watch is over: what the way held on to may go now.
    drop(out.value.hold);
    let deadline = fetches.deadline();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let released_ms = match released {
        Some(at) => ms(at.saturating_duration_since(deadline)),
        None => ms(args.slow) + 1e3,
    };
    let returned_ms = ms(returned - fetches.0.start);
    let report = Report {
        approach: name.into(),
        example: "cancel".into(),
        params: Params {
            threads: args.threads,
            tasks: Some(args.tasks),
            delay_ms: Some(args.fast.as_millis() as u64),
            source: matches!(args.source, Source::Tcp { .. }).then(|| "tcp".into()),
            variant: Some(args.variant.into()),
            deadline_ms: Some(args.deadline.as_millis() as u64),
            slow_ms: Some(args.slow.as_millis() as u64),
            slow_every: Some(args.slow_every),
            grace_ms: Some(args.grace.as_millis() as u64),
            ..Params::default()
        },
        result: out.value.ids.len() as u64,
        checksum: format!("{checksum:016x}"),
        verified: true,
        elapsed_ms: returned_ms,
        worker_threads: out.worker_threads,
        build: Some(build().into()),
        ..Report::default()
    };
    let left = Leftover {
        returned_ms,
        kept: out.value.ids.len() as u64,
        at_return,
        after_grace,
        released_ms,
        wasted: fetches.0.wasted.load(Ordering::SeqCst),
    };
    Ok((CancelReport { report, left }, out.value.stops))
}

/// Watches from the return: what is held a grace later, and when no fetch was running any
/// more (None if some still were S + 1 s after the deadline). Polls every millisecond until
/// both are known.
fn watch(fetches: &Fetches, args: &Cancel, returned: Instant) -> (Held, Option<Instant>) {
    let grace_at = returned + args.grace;
    let give_up = fetches.deadline() + args.slow + Duration::from_secs(1);
    let mut released = None;
    let mut after_grace = None;
    loop {
        let now = Instant::now();
        if released.is_none() && fetches.running() == 0 {
            released = Some(now);
        }
        if after_grace.is_none() && now >= grace_at {
            after_grace = Some(fetches.held());
        }
        match after_grace {
            Some(held) if released.is_some() || now >= give_up => return (held, released),
            _ => thread::sleep(Duration::from_millis(1)),
        }
    }
}

/// Checks what a way kept: distinct ids of fast fetches, and every one of them when the way
/// `stops` its work (rayon's queue may hold fast ones back past the deadline). Returns the
/// checksum of the kept ids (equal to the io checksum's terms for the fast ids).
pub fn check_kept(ids: &[usize], args: &Cancel, stops: bool) -> Result<u64, String> {
    let mut seen = vec![false; args.tasks];
    let mut sum = 0u64;
    for &id in ids {
        match seen.get_mut(id) {
            None => return Err(format!("kept a result for id {id}, outside 0..{}", args.tasks)),
            Some(true) => return Err(format!("kept the result of fetch {id} twice")),
            Some(slot) => *slot = true,
        }
        if args.is_slow(id) {
            return Err(format!(
                "kept the result of fetch {id}, a slow one ({} ms) that cannot have ended by \
                 the {} ms deadline",
                args.slow.as_millis(),
                args.deadline.as_millis()
            ));
        }
        sum = sum.wrapping_add(mix(id as u64));
    }
    let fast = args.fast_ids().count();
    if stops && ids.len() != fast {
        let missing = args.fast_ids().find(|&id| !seen[id]).unwrap_or(0);
        return Err(format!(
            "kept {} of the {fast} fast results by the {} ms deadline (fetch {missing} is \
             missing)",
            ids.len(),
            args.deadline.as_millis()
        ));
    }
    Ok(sum)
}

/// The checksum of keeping exactly the fast ids: what a right way reports.
pub fn cancel_checksum(tasks: usize, slow_every: usize) -> u64 {
    (0..tasks)
        .filter(|id| !id.is_multiple_of(slow_every))
        .fold(0, |s, id| s.wrapping_add(mix(id as u64)))
}

impl CancelReport {
    /// The JSON line `--json` prints.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a report always serialises")
    }

    /// The human-readable summary line.
    pub fn summary(&self) -> String {
        let (r, l, p) = (&self.report, &self.left, &self.report.params);
        let held = |h: &Held| {
            format!("{} running, {} threads, {} sockets", h.running, h.threads, h.sockets)
        };
        format!(
            "{} cancel ({}): kept {} results by the {} ms deadline, returned at {:.1} ms; at \
             return {}; {} ms later {}; released {:.1} ms after the deadline; {} fetches \
             wasted [checksum {}]",
            r.approach,
            p.variant.as_deref().unwrap_or("default"),
            l.kept,
            p.deadline_ms.unwrap_or(0),
            l.returned_ms,
            held(&l.at_return),
            p.grace_ms.unwrap_or(0),
            held(&l.after_grace),
            l.released_ms,
            l.wasted,
            r.checksum
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(tasks: u64, k: u64, s: u64, f: u64, d: u64) -> Result<Cancel, String> {
        let a = CancelArgs {
            tasks,
            slow_every: k,
            slow_ms: s,
            delay_ms: f,
            deadline_ms: d,
            grace_ms: 100,
            source: SourceArg::Sleep,
            server: None,
            shared: Shared { threads: None, json: false, variant: None },
        };
        a.check(2, "right")
    }

    #[test]
    fn slow_fast_and_deadline_must_be_in_order() {
        assert!(args(20, 4, 50, 50, 500).unwrap_err().contains("not above --delay-ms"));
        assert!(args(20, 4, 1000, 500, 500).unwrap_err().contains("nothing could be kept"));
        assert!(args(20, 4, 400, 50, 500).unwrap_err().contains("would not miss it"));
        let c = args(10, 4, 1000, 50, 500).unwrap();
        assert_eq!(c.fast_ids().collect::<Vec<_>>(), [1, 2, 3, 5, 6, 7, 9]);
        assert_eq!((c.delay(4), c.delay(5)), (c.slow, c.fast));
    }

    #[test]
    fn kept_must_be_distinct_fast_ids_and_all_of_them_for_a_right_way() {
        let c = args(6, 3, 1000, 50, 500).unwrap(); // slow: 0, 3
        let all = [1, 2, 4, 5];
        assert_eq!(check_kept(&all, &c, true), Ok(cancel_checksum(6, 3)));
        assert!(check_kept(&[1, 2, 4], &c, true).unwrap_err().contains("fetch 5 is missing"));
        assert!(check_kept(&[1, 2, 4], &c, false).is_ok());
        assert!(check_kept(&[1, 1], &c, false).unwrap_err().contains("twice"));
        assert!(check_kept(&[3], &c, false).unwrap_err().contains("a slow one"));
        assert!(check_kept(&[6], &c, false).unwrap_err().contains("outside 0..6"));
    }

    #[test]
    fn the_gauge_goes_down_when_a_fetch_is_dropped_and_late_ends_are_wasted() {
        let fetches = Fetches::start(Duration::ZERO);
        let (a, b) = (fetches.start_one(), fetches.start_one());
        assert_eq!(fetches.running(), 2);
        drop(a);
        thread::sleep(Duration::from_millis(2));
        assert_eq!(b.end(7), 7);
        assert_eq!((fetches.running(), fetches.0.wasted.load(Ordering::SeqCst)), (0, 1));
    }

    #[test]
    fn the_json_names_are_the_issues() {
        let left = Leftover {
            returned_ms: 500.0,
            kept: 15,
            at_return: Held::default(),
            after_grace: Held::default(),
            released_ms: 0.0,
            wasted: 0,
        };
        let line = serde_json::to_value(CancelReport { report: Report::default(), left }).unwrap();
        for name in ["returned_ms", "kept", "at_return", "after_grace", "released_ms", "wasted"] {
            assert!(line.get(name).is_some(), "{name} missing: {line}");
        }
        for name in ["running", "threads", "sockets"] {
            assert!(line["after_grace"].get(name).is_some(), "{name} missing: {line}");
        }
    }
}
