//! The switch and spawn examples, what every approach shares of them: the article's third
//! claim ("threading can consume more resources due to context switching between threads")
//! measured at its mechanism.
//!
//! `switch`: K members (threads or tasks) in a ring pass one token for M laps, K × M hops;
//! each hop is a wait and a wake. `spawn`: N units that do nothing but record when they first
//! ran. What lives here is what every crate does alike: the flags and their checks, the lap
//! clock (a warm-up, then M laps, M calibrated to about half a second unless `--laps` fixes
//! it), the ring's wiring, the first-run record, the checks and the JSON line. Each crate's
//! `src/switch.rs` and `src/spawn.rs` wait, wake and spawn in plain view.

use std::io;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use clap::{Args, ValueEnum};
use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

use crate::flags::{MAX_DELAY_MS, MAX_THREADS, Shared};
use crate::shared::DEADLOCK_MARKER;
use crate::{Example, Params, Report, build, cpu_checksum, limits};

/// Default ring size K (the anchor, jimblandy/context-switch, runs 500).
pub const WORKERS: u64 = 100;
/// Default spawned units N: the same for threads and tasks, well below the thread ceiling.
pub const UNITS: u64 = 1_000;
/// The most ring members or spawned units: the thread ceiling, `--threads`' own bound.
pub const MAX_UNITS: u64 = MAX_THREADS;
/// The most timed laps `--laps` accepts (and calibration chooses).
pub const MAX_LAPS: u64 = 1_000_000_000;
/// What the timed laps should take when `--laps` is not given.
pub const TARGET: Duration = Duration::from_millis(500);
/// The warm-up before the timed laps: at least one lap, and without `--laps` at least this
/// long, so that M is chosen from a lap time the caches and the scheduler have settled into.
pub const WARM_UP: Duration = Duration::from_millis(50);
/// Default `--watchdog-ms`: no lap for this long is a deadlock (rayon's blocking jobs).
pub const WATCHDOG_MS: u64 = 2_000;
/// rayon's ring: K jobs that block in a pool of T threads; with K > T it deadlocks, which the
/// watchdog reports.
pub const BLOCKING_JOBS: &str = "blocking-jobs";
/// The highest CPU `--pin` accepts: glibc's CPU_SETSIZE − 1.
const MAX_CPU: u64 = 1023;

/// How a ring member hands the token to the next one.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Via {
    /// The approach's own channel: std mpsc, tokio mpsc, async-channel.
    Channel,
    /// A Unix socket pair per hop, read and written with the runtime's own I/O: every wake
    /// goes through the kernel's readiness (epoll for the async runtimes).
    Pipe,
}

impl Via {
    /// The name in reports (`params.via`).
    pub fn name(self) -> &'static str {
        match self {
            Via::Channel => "channel",
            Via::Pipe => "pipe",
        }
    }
}

/// `--pin`, for both examples.
#[derive(Args, Debug)]
pub(crate) struct PinArg {
    /// Pin the whole process to this one CPU (sched_setaffinity, before any other thread
    /// starts: every thread inherits it), as `taskset -c CPU` would
    #[arg(long, value_name = "CPU", value_parser = clap::value_parser!(u64).range(0..=MAX_CPU))]
    pin: Option<u64>,
}

impl PinArg {
    /// Pins this thread now, so every thread started after it runs on that CPU too; a CPU
    /// this process may not use is a usage error.
    fn apply(&self) -> Result<Option<usize>, String> {
        let Some(cpu) = self.pin else { return Ok(None) };
        let cpu = cpu as usize;
        pin_to(cpu).map_err(|e| {
            format!(
                "--pin {cpu}: sched_setaffinity refused it ({e}): not a CPU this process may use"
            )
        })?;
        Ok(Some(cpu))
    }
}

/// Pins the calling thread (and so every thread it starts later) to `cpu`.
#[allow(unsafe_code)]
fn pin_to(cpu: usize) -> io::Result<()> {
    // SAFETY: a zeroed cpu_set_t is an empty set; CPU_SET writes one bit inside it (cpu is at
    // most MAX_CPU < CPU_SETSIZE), and sched_setaffinity only reads it.
    let failed = unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu, &mut set);
        libc::sched_setaffinity(0, size_of::<libc::cpu_set_t>(), &set) != 0
    };
    if failed { Err(io::Error::last_os_error()) } else { Ok(()) }
}

/// The process's context switches so far, (voluntary, involuntary), over all its threads.
#[allow(unsafe_code)]
fn switches_now() -> (u64, u64) {
    // SAFETY: a zeroed rusage is valid plain data, and getrusage writes only into it.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return (0, 0);
    }
    (usage.ru_nvcsw as u64, usage.ru_nivcsw as u64)
}

/// The process's resident set now, in KiB (VmRSS), or None where that is unknown.
fn rss_kib_now() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kib = status.lines().find_map(|l| l.strip_prefix("VmRSS:"))?;
    kib.trim().trim_end_matches("kB").trim().parse().ok()
}

/// The `switch` subcommand's flags.
#[derive(Args, Debug)]
pub(crate) struct SwitchArgs {
    /// Members of the ring (threads or tasks); a lap is K hops
    #[arg(long, value_name = "K", default_value_t = WORKERS,
          value_parser = clap::value_parser!(u64).range(1..=MAX_UNITS))]
    workers: u64,
    /// Timed laps after the warm-up lap [default: calibrated so they take about 0.5 s]
    #[arg(long, value_name = "M", value_parser = clap::value_parser!(u64).range(1..=MAX_LAPS))]
    laps: Option<u64>,
    /// How a member hands the token on: the approach's own channel, or a Unix socket pair per
    /// hop read and written with the runtime's own I/O
    #[arg(long, value_enum, default_value_t = Via::Channel)]
    via: Via,
    /// blocking-jobs (rayon): no lap for this long is reported as a deadlock, exit 1
    #[arg(long, value_name = "MS", default_value_t = WATCHDOG_MS,
          value_parser = clap::value_parser!(u64).range(1..=MAX_DELAY_MS))]
    watchdog_ms: u64,
    #[command(flatten)]
    pin: PinArg,
    #[command(flatten)]
    pub(crate) shared: Shared,
}

impl SwitchArgs {
    /// The checked parameters (pinning the process if asked), or a one-line usage error.
    pub(crate) fn check(&self, threads: usize, variant: &'static str) -> Result<Switch, String> {
        Ok(Switch {
            workers: self.workers as usize,
            laps: self.laps,
            via: self.via,
            threads,
            variant,
            pin: self.pin.apply()?,
            watchdog: Duration::from_millis(self.watchdog_ms),
            laps_seen: Arc::default(),
        })
    }
}

/// The switch example's parameters, checked.
#[derive(Debug, Clone)]
pub struct Switch {
    /// Ring members K.
    pub workers: usize,
    /// Timed laps M (`--laps`), or None: calibrated.
    pub laps: Option<u64>,
    /// How the token travels.
    pub via: Via,
    /// Worker threads, where the approach has a pool.
    pub threads: usize,
    /// The way to run it (`--variant`).
    pub variant: &'static str,
    /// The CPU the process is pinned to.
    pub pin: Option<usize>,
    /// blocking-jobs: how long without a lap is a deadlock.
    pub watchdog: Duration,
    /// Laps done, for the watchdog.
    laps_seen: Arc<AtomicU64>,
}

impl Switch {
    /// The clock the ring's first member keeps: a warm-up, then the timed laps.
    pub fn clock(&self) -> Clock {
        Clock {
            fixed: self.laps,
            phase: Phase::WarmingUp { since: None, laps: 0 },
            lap_start: None,
            laps: lap_histogram(),
            laps_seen: Arc::clone(&self.laps_seen),
        }
    }
}

fn lap_histogram() -> Histogram<u64> {
    // Nanoseconds, 3 significant digits, up to an hour.
    Histogram::new_with_bounds(1, 3_600_000_000_000, 3).expect("valid bounds")
}

#[derive(Debug)]
enum Phase {
    WarmingUp { since: Option<Instant>, laps: u64 },
    Timed { warmup_laps: u64, target: u64, done: u64, since: Instant, switches: (u64, u64) },
    Over { warmup_laps: u64, laps: u64, timed: Duration, switches: (u64, u64) },
}

/// Times the laps of a ring: its first member calls [`Clock::next_lap`] before each lap it
/// starts, and [`Clock::finish`] with the token when it returns false.
#[derive(Debug)]
pub struct Clock {
    fixed: Option<u64>,
    phase: Phase,
    lap_start: Option<Instant>,
    laps: Histogram<u64>,
    laps_seen: Arc<AtomicU64>,
}

impl Clock {
    /// Ends the lap under way (if any) and says whether to start another: first the warm-up
    /// (one lap; without `--laps`, at least [`WARM_UP`], and M is chosen from it so the timed
    /// laps take about [`TARGET`]), then the M timed laps.
    pub fn next_lap(&mut self) -> bool {
        let now = Instant::now();
        let lap = self.lap_start.take().map(|start| now - start);
        if lap.is_some() {
            // Relaxed: the watchdog only needs to see the number move.
            self.laps_seen.fetch_add(1, Ordering::Relaxed);
        }
        match &mut self.phase {
            Phase::WarmingUp { since, laps } => {
                let since = *since.get_or_insert(now);
                *laps += u64::from(lap.is_some());
                let warm = *laps >= 1 && (self.fixed.is_some() || now - since >= WARM_UP);
                if warm {
                    let per_lap = (now - since).as_secs_f64() / *laps as f64;
                    let target = self.fixed.unwrap_or_else(|| calibrate(per_lap));
                    let warmup_laps = *laps;
                    // The switches are read before the clock starts, so the read is not timed.
                    let switches = switches_now();
                    let since = Instant::now();
                    self.phase = Phase::Timed { warmup_laps, target, done: 0, since, switches };
                    self.lap_start = Some(since);
                    return true;
                }
            }
            Phase::Timed { warmup_laps, target, done, since, switches } => {
                if let Some(lap) = lap {
                    self.laps.saturating_record(lap.as_nanos().max(1) as u64);
                    *done += 1;
                }
                if *done == *target {
                    let timed = now - *since;
                    let (v, i) = switches_now();
                    let switches = (v - switches.0, i - switches.1);
                    let (warmup_laps, laps) = (*warmup_laps, *target);
                    self.phase = Phase::Over { warmup_laps, laps, timed, switches };
                    return false;
                }
            }
            Phase::Over { .. } => return false,
        }
        self.lap_start = Some(Instant::now());
        true
    }

    /// What the laps measured, with the token as it came back from the last one.
    pub fn finish(self, token: u64) -> Laps {
        let Phase::Over { warmup_laps, laps, timed, switches } = self.phase else {
            return Laps { token, ..Laps::unfinished() };
        };
        Laps { token, warmup_laps, laps, timed, switches, lap_ns: self.laps }
    }
}

/// M for laps of `per_lap` seconds: about [`TARGET`] in all, at least 1.
fn calibrate(per_lap: f64) -> u64 {
    let laps = (TARGET.as_secs_f64() / per_lap.max(1e-9)).ceil();
    (laps as u64).clamp(1, MAX_LAPS)
}

/// What a ring's laps measured.
#[derive(Debug, Clone)]
pub struct Laps {
    /// The token as it came back: one more at every hop, so K × (warm-up + timed laps).
    pub token: u64,
    /// Laps run before the clock started.
    pub warmup_laps: u64,
    /// Timed laps M.
    pub laps: u64,
    /// Wall time of the timed laps.
    pub timed: Duration,
    /// The process's (voluntary, involuntary) context switches during the timed laps.
    pub switches: (u64, u64),
    lap_ns: Histogram<u64>,
}

impl Laps {
    fn unfinished() -> Self {
        let (token, warmup_laps, laps, timed, switches) = (0, 0, 0, Duration::ZERO, (0, 0));
        Laps { token, warmup_laps, laps, timed, switches, lap_ns: lap_histogram() }
    }
}

/// The ring's links: K of them, made by `link` as (sender, receiver) pairs, handed out as
/// each member's (inbox, next): member i receives on link i − 1 and sends on link i, so the
/// token goes round 0 → 1 → … → K − 1 → 0. Member 0, first, is the one that keeps the clock.
pub fn ring<S, R>(
    workers: usize,
    mut link: impl FnMut() -> io::Result<(S, R)>,
) -> Result<Vec<(R, S)>> {
    let mut senders = Vec::with_capacity(workers);
    let mut receivers = Vec::with_capacity(workers);
    for _ in 0..workers {
        let (s, r) = link()?;
        senders.push(s);
        receivers.push(r);
    }
    receivers.rotate_right(1); // member i's inbox is link i − 1
    Ok(receivers.into_iter().zip(senders).collect())
}

/// A token as the bytes a pipe carries.
pub fn token_bytes(token: u64) -> [u8; 8] {
    token.to_le_bytes()
}

/// The token a pipe carried.
pub fn token_from(bytes: [u8; 8]) -> u64 {
    u64::from_le_bytes(bytes)
}

/// What a switch run measured, beside the usual report fields in its JSON line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hops {
    /// Timed hops, K × M (the token's count, checked, also includes the warm-up laps).
    pub hops: u64,
    /// Wall time of the timed laps per hop, in ns: one wait and one wake.
    pub ns_per_hop: f64,
    /// The median lap (K hops), in µs.
    pub lap_p50_us: f64,
    /// The 99th-percentile lap, in µs.
    pub lap_p99_us: f64,
    /// The process's voluntary context switches (a thread blocked) per timed hop.
    pub voluntary_per_hop: f64,
    /// The process's involuntary context switches (a thread preempted) per timed hop.
    pub involuntary_per_hop: f64,
}

/// The switch example's JSON line: the usual report, plus the hops.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SwitchReport {
    #[serde(flatten)]
    pub report: Report,
    #[serde(flatten)]
    pub hops: Hops,
}

/// The `spawn` subcommand's flags.
#[derive(Args, Debug)]
pub(crate) struct SpawnArgs {
    /// Units (threads, tasks or jobs) to spawn, each recording when it first ran
    #[arg(long, value_name = "N", default_value_t = UNITS,
          value_parser = clap::value_parser!(u64).range(1..=MAX_UNITS))]
    units: u64,
    #[command(flatten)]
    pin: PinArg,
    #[command(flatten)]
    pub(crate) shared: Shared,
}

impl SpawnArgs {
    /// The checked parameters (pinning the process if asked), or a one-line usage error.
    pub(crate) fn check(&self, threads: usize, variant: &'static str) -> Result<Spawn, String> {
        Ok(Spawn { units: self.units as usize, threads, variant, pin: self.pin.apply()? })
    }
}

/// The spawn example's parameters, checked.
#[derive(Debug, Clone)]
pub struct Spawn {
    /// Units N.
    pub units: usize,
    /// Worker threads, where the approach has a pool.
    pub threads: usize,
    /// The way to run it (`--variant`).
    pub variant: &'static str,
    /// The CPU the process is pinned to.
    pub pin: Option<usize>,
}

impl Spawn {
    /// Starts the spawn clock: call it just before the spawning loop.
    pub fn clock(&self) -> SpawnClock {
        let runs = (0..self.units).map(|_| AtomicU64::new(0)).collect();
        let rss_before = rss_kib_now();
        SpawnClock {
            runs: Arc::new(Runs { first_run_ns: runs, twice: AtomicU64::new(0) }),
            rss_before,
            rss_alive: None,
            spawning: None,
            started: Instant::now(),
        }
    }
}

/// Every unit's spawn-to-first-run time (ns + 1; 0: not yet run).
#[derive(Debug)]
struct Runs {
    first_run_ns: Vec<AtomicU64>,
    twice: AtomicU64,
}

/// One unit to spawn: it knows when it was spawned, and records when it first ran.
#[derive(Debug)]
pub struct Unit {
    id: usize,
    spawned: Instant,
    runs: Arc<Runs>,
}

impl Unit {
    /// This unit runs now: records how long after its spawn.
    pub fn ran(self) {
        let ns = (Instant::now() - self.spawned).as_nanos() as u64;
        // Relaxed: the spawner reads these after joining every unit.
        if self.runs.first_run_ns[self.id].swap(ns + 1, Ordering::Relaxed) != 0 {
            self.runs.twice.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Times a spawning loop, and what the units it spawned recorded.
#[derive(Debug)]
pub struct SpawnClock {
    runs: Arc<Runs>,
    rss_before: Option<u64>,
    rss_alive: Option<u64>,
    spawning: Option<Duration>,
    started: Instant,
}

impl SpawnClock {
    /// Unit `id`, spawned now.
    pub fn unit(&self, id: usize) -> Unit {
        Unit { id, spawned: Instant::now(), runs: Arc::clone(&self.runs) }
    }

    /// The spawning loop is over.
    pub fn spawned(&mut self) {
        self.spawning = Some(self.started.elapsed());
    }

    /// Every unit is alive now (waiting at a barrier): reads the resident set.
    pub fn all_alive(&mut self) {
        self.rss_alive = rss_kib_now();
    }

    /// What the units recorded; call it once every unit has ended.
    pub fn finish(self) -> Spawned {
        let spawning = self.spawning.unwrap_or_else(|| self.started.elapsed());
        let mut first_run = lap_histogram();
        let mut ran = 0;
        for ns in &self.runs.first_run_ns {
            let ns = ns.load(Ordering::Relaxed);
            if ns > 0 {
                ran += 1;
                first_run.saturating_record(ns.max(1));
            }
        }
        let rss = match (self.rss_before, self.rss_alive) {
            (Some(before), Some(alive)) => Some(alive.saturating_sub(before)),
            _ => None,
        };
        Spawned {
            units: self.runs.first_run_ns.len(),
            ran,
            twice: self.runs.twice.load(Ordering::Relaxed),
            spawning,
            first_run,
            rss_kib: rss,
        }
    }
}

/// What a spawn run measured.
#[derive(Debug, Clone)]
pub struct Spawned {
    /// Units spawned.
    pub units: usize,
    /// Units that ran.
    pub ran: usize,
    /// Units that ran more than once (must be 0).
    pub twice: u64,
    /// The spawning loop's wall time.
    pub spawning: Duration,
    first_run: Histogram<u64>,
    /// The resident set all units alive at once added, in KiB (None where they never were).
    rss_kib: Option<u64>,
}

/// Spawn-to-first-run latency percentiles, in µs.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct FirstRun {
    pub p50_us: f64,
    pub p99_us: f64,
    pub max_us: f64,
}

/// What a spawn run measured, beside the usual report fields in its JSON line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Spawns {
    /// Units that ran, each once (checked: all N).
    pub units: u64,
    /// The spawning loop's wall time per unit, in µs.
    pub us_per_spawn: f64,
    /// From each unit's spawn to its first run.
    pub first_run: FirstRun,
    /// Resident set per live unit, in KiB, where all N were alive at once (a barrier).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub rss_per_unit_kib: Option<f64>,
}

/// The spawn example's JSON line: the usual report, plus the spawns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpawnReport {
    #[serde(flatten)]
    pub report: Report,
    #[serde(flatten)]
    pub spawns: Spawns,
}

/// Ends the process at once with `error` as its one line on stderr and exit 1: for a
/// failure that leaves threads nothing can release (units waiting at a barrier that will
/// never fill, after the OS refused a thread).
pub fn exit_with(approach: &str, error: &anyhow::Error) -> ! {
    crate::out::complain(format_args!("{approach}: error: {error:#}"));
    std::process::exit(1)
}

/// Runs one of the two examples, checks it and prints its line: exit 0 done and checked, 1
/// failed (one line), 2 usage error (already handled by the parser).
fn print(name: &str, line: Result<(String, String)>, json: bool) -> ExitCode {
    match line {
        Ok((as_json, summary)) => {
            crate::say!("{}", if json { as_json } else { summary });
            crate::out::finish(name)
        }
        Err(e) => {
            crate::out::complain(format_args!("{name}: error: {e:#}"));
            ExitCode::FAILURE
        }
    }
}

/// Runs the switch example of one approach, checks it and prints its line.
pub(crate) fn main_switch(
    name: &'static str,
    example: &Example<Switch, Laps>,
    args: &Switch,
    json: bool,
) -> ExitCode {
    let line = run_switch(name, example, args).map(|r| (r.to_json(), r.summary()));
    print(name, line, json)
}

/// Runs the spawn example of one approach, checks it and prints its line.
pub(crate) fn main_spawn(
    name: &'static str,
    example: &Example<Spawn, Spawned>,
    args: &Spawn,
    json: bool,
) -> ExitCode {
    let line = run_spawn(name, example, args).map(|r| (r.to_json(), r.summary()));
    print(name, line, json)
}

/// Makes room for `files` descriptors open at once, or fails naming RLIMIT_NOFILE.
fn ensure_files(files: usize, what: &str) -> Result<()> {
    let needed = files as u64 + 64; // stdin/out/err, the runtime's own, loaded libraries
    let (soft, hard) = limits::open_files()?;
    if soft >= needed {
        return Ok(());
    }
    if hard < needed {
        bail!(
            "{what} needs about {needed} open files, but the open-file limit is {hard} even \
             raised to its hard limit (RLIMIT_NOFILE; see ulimit -Hn)"
        );
    }
    limits::raise_open_files()?;
    Ok(())
}

/// Starts the deadlock watchdog on its own OS thread (a deadlocked pool runs nothing): no
/// lap for `args.watchdog` prints one line and exits 1.
fn watchdog(approach: &'static str, args: &Switch) {
    let (seen, limit) = (Arc::clone(&args.laps_seen), args.watchdog);
    let (workers, threads) = (args.workers, args.threads);
    thread::spawn(move || {
        let (mut last, mut since) = (seen.load(Ordering::Relaxed), Instant::now());
        loop {
            thread::sleep((limit / 10).max(Duration::from_millis(1)));
            let now = seen.load(Ordering::Relaxed);
            if now != last {
                (last, since) = (now, Instant::now());
            } else if since.elapsed() >= limit {
                crate::out::complain(format_args!(
                    "{approach}: error: {DEADLOCK_MARKER} {} ms; {workers} ring members are \
                     blocking jobs in a pool of {threads} threads: those running wait for \
                     those that never start",
                    limit.as_millis()
                ));
                std::process::exit(1);
            }
        }
    });
}

fn run_switch(
    name: &'static str,
    example: &Example<Switch, Laps>,
    args: &Switch,
) -> Result<SwitchReport> {
    if args.via == Via::Pipe {
        ensure_files(2 * args.workers, &format!("a ring of {} socket pairs", args.workers))?;
    }
    if args.variant == BLOCKING_JOBS {
        watchdog(name, args);
    }
    let start = Instant::now();
    let out = (example.run)(args)?;
    let elapsed_ms = start.elapsed().as_secs_f64() * 1e3;
    let laps = out.value;
    let k = args.workers as u64;
    let expected = k * (laps.warmup_laps + laps.laps);
    if laps.laps == 0 || laps.token != expected {
        bail!(
            "the token came back counting {} hops, but {k} members × {} laps is {expected}",
            laps.token,
            laps.warmup_laps + laps.laps
        );
    }
    let hops = k * laps.laps;
    let per_hop = |n: u64| n as f64 / hops as f64;
    let us = |q: f64| laps.lap_ns.value_at_quantile(q) as f64 / 1e3;
    let report = Report {
        approach: name.into(),
        example: "switch".into(),
        params: Params {
            threads: args.threads,
            workers: Some(args.workers),
            laps: Some(laps.laps),
            warmup_laps: Some(laps.warmup_laps),
            via: Some(args.via.name().into()),
            pin: args.pin,
            variant: Some(args.variant.into()),
            ..Params::default()
        },
        result: laps.token,
        checksum: format!("{:016x}", cpu_checksum(expected, laps.token)),
        verified: true,
        elapsed_ms,
        worker_threads: out.worker_threads,
        build: Some(build().into()),
        ..Report::default()
    };
    let hops = Hops {
        hops,
        ns_per_hop: laps.timed.as_nanos() as f64 / hops as f64,
        lap_p50_us: us(0.50),
        lap_p99_us: us(0.99),
        voluntary_per_hop: per_hop(laps.switches.0),
        involuntary_per_hop: per_hop(laps.switches.1),
    };
    Ok(SwitchReport { report, hops })
}

fn run_spawn(
    name: &'static str,
    example: &Example<Spawn, Spawned>,
    args: &Spawn,
) -> Result<SpawnReport> {
    let start = Instant::now();
    let out = (example.run)(args)?;
    let elapsed_ms = start.elapsed().as_secs_f64() * 1e3;
    let s = out.value;
    if s.ran != args.units || s.twice != 0 {
        bail!(
            "{} of {} units ran ({} more than once): every unit must run exactly once",
            s.ran,
            args.units,
            s.twice
        );
    }
    let us = |q: f64| s.first_run.value_at_quantile(q) as f64 / 1e3;
    let report = Report {
        approach: name.into(),
        example: "spawn".into(),
        params: Params {
            threads: args.threads,
            pin: args.pin,
            variant: Some(args.variant.into()),
            ..Params::default()
        },
        result: s.ran as u64,
        checksum: format!("{:016x}", cpu_checksum(args.units as u64, s.ran as u64)),
        verified: true,
        elapsed_ms,
        worker_threads: out.worker_threads,
        build: Some(build().into()),
        ..Report::default()
    };
    let spawns = Spawns {
        units: s.ran as u64,
        us_per_spawn: s.spawning.as_secs_f64() * 1e6 / s.units as f64,
        first_run: FirstRun {
            p50_us: us(0.50),
            p99_us: us(0.99),
            max_us: s.first_run.max() as f64 / 1e3,
        },
        rss_per_unit_kib: s.rss_kib.map(|kib| kib as f64 / s.units as f64),
    };
    Ok(SpawnReport { report, spawns })
}

/// "multi-thread, channel, pinned to CPU 0".
fn way(params: &Params) -> String {
    let mut way = params.variant.clone().unwrap_or_else(|| "default".into());
    if let Some(via) = &params.via {
        way = format!("{way}, {via}");
    }
    if let Some(cpu) = params.pin {
        way = format!("{way}, pinned to CPU {cpu}");
    }
    way
}

impl SwitchReport {
    /// The JSON line `--json` prints.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a report always serialises")
    }

    /// The human-readable summary line.
    pub fn summary(&self) -> String {
        let (r, h, p) = (&self.report, &self.hops, &self.report.params);
        format!(
            "{} switch ({}): {} members × {} laps = {} hops at {:.1} ns/hop; lap p50 {:.1} µs, \
             p99 {:.1} µs; {:.3} voluntary + {:.3} involuntary switches/hop; {} threads, \
             {:.0} ms wall [checksum {}]",
            r.approach,
            way(p),
            p.workers.unwrap_or(0),
            p.laps.unwrap_or(0),
            h.hops,
            h.ns_per_hop,
            h.lap_p50_us,
            h.lap_p99_us,
            h.voluntary_per_hop,
            h.involuntary_per_hop,
            r.worker_threads,
            r.elapsed_ms,
            r.checksum
        )
    }
}

impl SpawnReport {
    /// The JSON line `--json` prints.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a report always serialises")
    }

    /// The human-readable summary line.
    pub fn summary(&self) -> String {
        let (r, s) = (&self.report, &self.spawns);
        let rss = match s.rss_per_unit_kib {
            Some(kib) => format!("; {kib:.1} KiB resident per live unit"),
            None => String::new(),
        };
        format!(
            "{} spawn ({}): {} units, each run once, at {:.2} µs/spawn; first run p50 {:.1} µs, \
             p99 {:.1} µs, max {:.1} µs{rss}; {} threads [checksum {}]",
            r.approach,
            way(&r.params),
            s.units,
            s.us_per_spawn,
            s.first_run.p50_us,
            s.first_run.p99_us,
            s.first_run.max_us,
            r.worker_threads,
            r.checksum
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ring_hands_member_i_link_i_minus_1_and_link_i() {
        let mut n = 0;
        let links = ring(3, || {
            n += 1;
            Ok((n, n))
        })
        .unwrap();
        // (inbox, next): member 0 hears from link 3 (member 2's) and sends on link 1.
        assert_eq!(links, vec![(3, 1), (1, 2), (2, 3)]);
    }

    fn switch(laps: Option<u64>) -> Switch {
        Switch {
            workers: 2,
            laps,
            via: Via::Channel,
            threads: 1,
            variant: "test",
            pin: None,
            watchdog: Duration::from_secs(1),
            laps_seen: Arc::default(),
        }
    }

    #[test]
    fn fixed_laps_are_one_warm_up_then_m() {
        let mut clock = switch(Some(3)).clock();
        let mut laps = 0;
        while clock.next_lap() {
            laps += 1;
        }
        let laps_done = clock.finish(8);
        assert_eq!((laps, laps_done.warmup_laps, laps_done.laps, laps_done.token), (4, 1, 3, 8));
        assert_eq!(laps_done.lap_ns.len(), 3);
    }

    #[test]
    fn calibration_aims_at_the_target() {
        assert_eq!(calibrate(0.001), 500);
        assert_eq!(calibrate(10.0), 1);
        assert_eq!(calibrate(0.0), 500_000_000);
    }

    #[test]
    fn a_unit_that_never_ran_or_ran_twice_is_counted() {
        let args = Spawn { units: 3, threads: 1, variant: "test", pin: None };
        let mut clock = args.clock();
        clock.unit(0).ran();
        clock.unit(2).ran();
        clock.unit(2).ran();
        clock.spawned();
        let s = clock.finish();
        assert_eq!((s.units, s.ran, s.twice), (3, 2, 1));
    }

    #[test]
    fn the_json_lines_carry_their_fields_at_the_top() {
        let hops = Hops {
            hops: 10,
            ns_per_hop: 1.5,
            lap_p50_us: 1.0,
            lap_p99_us: 2.0,
            voluntary_per_hop: 0.5,
            involuntary_per_hop: 0.0,
        };
        let params = Params { threads: 1, laps: Some(5), ..Params::default() };
        let report = Report { example: "switch".into(), params, ..Report::default() };
        let line = SwitchReport { report: report.clone(), hops }.to_json();
        let value: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!((value["hops"].as_u64(), value["params"]["laps"].as_u64()), (Some(10), Some(5)));
        let plain: Report = serde_json::from_str(&line).unwrap();
        assert_eq!(plain.params.laps, Some(5));
        let spawns = Spawns {
            units: 3,
            us_per_spawn: 0.5,
            first_run: FirstRun::default(),
            rss_per_unit_kib: None,
        };
        let line = SpawnReport { report, spawns }.to_json();
        let value: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(value["first_run"]["p99_us"].as_f64(), Some(0.0));
        assert!(value.get("rss_per_unit_kib").is_none());
    }
}
