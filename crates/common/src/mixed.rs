//! The mixed example, what every approach shares of it: requests arrive at a steady rate, each
//! waits on I/O (a fetch) and then computes (counts primes). The arrival schedule, the tally
//! of finished requests, the checks and the report live here; each crate's `src/mixed.rs`
//! spawns, waits and bounds its CPU work in plain view.
//!
//! Open loop: request `i` is *due* at start + i/R whether or not earlier ones are done, and
//! its latency is its completion − its due time. A request that starts late because the
//! program is behind pays for it in full (no coordinated omission).

use std::io;
use std::ops::Range;
use std::process::ExitCode;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use clap::Args;
use serde::{Deserialize, Serialize};

use crate::flags::{MAX_DELAY_MS, MAX_TASKS, Shared, Source, SourceArg};
use crate::workload::{count_primes_in, mix};
use crate::{Example, Lateness, Params, Percentiles, Report, build, http};

/// Default number of requests.
pub const REQUESTS: usize = 1_500;
/// Default arrival rate, requests per second: with [`WORK`] about half of 2 cores.
pub const RATE: f64 = 500.0;
/// Default numbers each request counts primes in (about 2 ms of one core here).
pub const WORK: u64 = 20_000;
/// Default fetch wait: a short network call.
pub const MIXED_DELAY: Duration = Duration::from_millis(50);
/// Request `i` counts the primes in [BASE + (i mod OFFSETS) × W, that + W).
pub const BASE: u64 = 1_000_000;
/// How many different ranges the requests cycle through.
pub const OFFSETS: usize = 16;
/// The most numbers `--work` accepts.
pub const MAX_WORK: u64 = 100_000_000;
/// The highest `--rate` accepted: a million requests a second.
pub const MAX_RATE: f64 = 1e6;
/// The longest the arrivals may take (N/R): a day.
const MAX_ARRIVALS_S: f64 = 86_400.0;

/// The numbers request `id` counts primes in: `work` numbers from BASE + (id mod 16) × work.
///
/// Sixteen ranges of equal width near one million cost about the same, and the check needs
/// only sixteen known counts.
pub fn request_numbers(id: usize, work: u64) -> Range<u64> {
    let start = BASE + (id % OFFSETS) as u64 * work;
    start..start + work
}

/// The mixed example's command line.
#[derive(Args, Debug)]
pub(crate) struct MixedArgs {
    /// Requests in the run; request i is due at start + i/R
    #[arg(long, value_name = "N", default_value_t = REQUESTS as u64,
          value_parser = clap::value_parser!(u64).range(1..=MAX_TASKS))]
    requests: u64,
    /// Arrival rate R, requests per second (open loop: they arrive whether or not earlier
    /// ones are done)
    #[arg(long, value_name = "R", default_value_t = RATE)]
    rate: f64,
    /// Each request's fetch wait, in milliseconds
    #[arg(long, value_name = "D", default_value_t = MIXED_DELAY.as_millis() as u64,
          value_parser = clap::value_parser!(u64).range(0..=MAX_DELAY_MS))]
    delay_ms: u64,
    /// Numbers each request then counts primes in: request i takes
    /// [1000000 + (i mod 16) × W, that + W)
    #[arg(long, value_name = "W", default_value_t = WORK)]
    work: u64,
    /// End the run this long after the start; unfinished requests count as late
    /// [default: 3 × the ideal duration N/R + D, at least that + 1 s]
    #[arg(long, value_name = "MS",
          value_parser = clap::value_parser!(u64).range(1..=4 * MAX_DELAY_MS))]
    deadline_ms: Option<u64>,
    /// Exit 1 if any request is late (without it, late requests are a measured result)
    #[arg(long)]
    strict: bool,
    /// Where each fetch waits: a timer, or a request to the delay server
    #[arg(long, value_enum, default_value_t = SourceArg::Sleep)]
    source: SourceArg,
    /// The delay server's address, with --source tcp (start one with avt-delay-server)
    #[arg(long, value_name = "ADDR")]
    server: Option<std::net::SocketAddr>,
    #[command(flatten)]
    pub(crate) shared: Shared,
}

/// The mixed example's parameters, checked.
#[derive(Debug, Clone)]
pub struct Mixed {
    /// Number of requests; their ids are `0..requests`.
    pub requests: usize,
    /// Arrivals per second.
    pub rate: f64,
    /// Each fetch's wait.
    pub delay: Duration,
    /// Numbers each request counts primes in (see [`request_numbers`]).
    pub work: u64,
    /// How long after the start the run ends, done or not.
    pub deadline: Duration,
    /// Whether a late request fails the run.
    pub strict: bool,
    /// Worker threads, and the bound on CPU work at a time, where the approach has one.
    pub threads: usize,
    /// A sleep, or requests to the delay server.
    pub source: Source,
    /// The way to run it (`--variant`).
    pub variant: &'static str,
}

impl MixedArgs {
    /// The checked parameters, or a one-line reason.
    pub(crate) fn check(&self, threads: usize, variant: &'static str) -> Result<Mixed, String> {
        if !(self.rate > 0.0 && self.rate <= MAX_RATE) {
            return Err(format!("--rate {:?} must be above 0 and at most {MAX_RATE}", self.rate));
        }
        if !(1..=MAX_WORK).contains(&self.work) {
            return Err(format!("--work {} must be in 1..={MAX_WORK}", self.work));
        }
        if self.requests as f64 / self.rate > MAX_ARRIVALS_S {
            return Err(format!(
                "--requests {} at --rate {:?} would arrive over more than a day",
                self.requests, self.rate
            ));
        }
        let delay = Duration::from_millis(self.delay_ms);
        let requests = self.requests as usize;
        let deadline = match self.deadline_ms {
            Some(ms) => Duration::from_millis(ms),
            None => default_deadline(requests, self.rate, delay),
        };
        if deadline <= delay {
            return Err(format!(
                "--deadline-ms {} is not longer than the {} ms fetch: nothing could finish",
                deadline.as_millis(),
                self.delay_ms
            ));
        }
        let source = self.source.with_server(self.server, deadline)?;
        let strict = self.strict;
        let (rate, work) = (self.rate, self.work);
        Ok(Mixed { requests, rate, delay, work, deadline, strict, threads, source, variant })
    }
}

/// 3 × the ideal duration (the last arrival, N/R, plus one fetch), and at least 1 s more than
/// the ideal, so that short runs keep room for the counting.
pub fn default_deadline(requests: usize, rate: f64, delay: Duration) -> Duration {
    let ideal = Duration::from_secs_f64(requests as f64 / rate) + delay;
    (ideal * 3).max(ideal + Duration::from_secs(1))
}

/// When each request is due, and when the run ends.
#[derive(Debug, Clone, Copy)]
pub struct Schedule {
    start: Instant,
    rate: f64,
    deadline: Instant,
}

impl Schedule {
    /// Arrivals at `rate` per second from `start`; the run ends `deadline` after it.
    pub fn new(start: Instant, rate: f64, deadline: Duration) -> Self {
        Schedule { start, rate, deadline: start + deadline }
    }

    /// When request `id` is due: start + id/R.
    pub fn due(&self, id: usize) -> Instant {
        self.start + Duration::from_secs_f64(id as f64 / self.rate)
    }

    /// When the run ends, done or not.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// When the run started.
    pub fn start(&self) -> Instant {
        self.start
    }
}

/// The requests of one run: their schedule, and what each did. Shared by every thread or
/// task that handles a request (behind an `Arc`).
#[derive(Debug)]
pub struct Tally {
    schedule: Schedule,
    requests: usize,
    work: u64,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    done: Vec<Done>,
    failed: Vec<(usize, io::Error)>,
    closed: bool,
}

/// A request finished in time: its id, its prime count, and when it finished.
#[derive(Debug, Clone, Copy)]
pub struct Done {
    pub id: usize,
    pub count: u64,
    pub at: Instant,
}

/// Everything a run's requests did by the time it ended.
#[derive(Debug)]
pub struct Completions {
    schedule: Schedule,
    done: Vec<Done>,
    failed: Vec<(usize, io::Error)>,
}

impl Tally {
    /// Starts the clock: request 0 is due now.
    pub fn start(args: &Mixed) -> Self {
        Tally {
            schedule: Schedule::new(Instant::now(), args.rate, args.deadline),
            requests: args.requests,
            work: args.work,
            state: Mutex::default(),
        }
    }

    /// The number of requests, ids `0..requests`.
    pub fn requests(&self) -> usize {
        self.requests
    }

    /// When request `id` is due.
    pub fn due(&self, id: usize) -> Instant {
        self.schedule.due(id)
    }

    /// When the run ends.
    pub fn deadline(&self) -> Instant {
        self.schedule.deadline()
    }

    /// Whether the deadline has passed: a request that has not started counting by then is
    /// late anyway, so it can stop.
    pub fn expired(&self) -> bool {
        Instant::now() >= self.schedule.deadline()
    }

    /// The numbers request `id` counts primes in.
    pub fn numbers(&self, id: usize) -> Range<u64> {
        request_numbers(id, self.work)
    }

    /// Records that request `id` finished now with `count` primes, or failed to fetch. After
    /// the deadline, or once the run is closed, it is late and not recorded.
    pub fn finish(&self, id: usize, count: io::Result<u64>) {
        let at = Instant::now();
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if state.closed || at > self.schedule.deadline() {
            return;
        }
        match count {
            Ok(count) => state.done.push(Done { id, count, at }),
            Err(e) => state.failed.push((id, e)),
        }
    }

    /// Ends the run: what finished so far is its result, anything later is late.
    pub fn close(&self) -> Completions {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.closed = true;
        Completions {
            schedule: self.schedule,
            done: std::mem::take(&mut state.done),
            failed: std::mem::take(&mut state.failed),
        }
    }
}

/// Checks the finished requests: every id in `0..requests` at most once, each with the right
/// count (so, when none is late, every id exactly once). Returns the checksum of what
/// finished; a complete run's checksum is [`mixed_checksum`] of all ids.
pub fn check_served(
    done: impl IntoIterator<Item = (usize, u64)>,
    requests: usize,
    work: u64,
) -> Result<u64, String> {
    let mut seen = vec![false; requests];
    let mut known: [Option<u64>; OFFSETS] = [None; OFFSETS];
    let mut sum = 0u64;
    for (id, count) in done {
        match seen.get_mut(id) {
            None => return Err(format!("request {id} finished, outside 0..{requests}")),
            Some(true) => return Err(format!("request {id} finished twice")),
            Some(slot) => *slot = true,
        }
        let want =
            *known[id % OFFSETS].get_or_insert_with(|| count_primes_in(request_numbers(id, work)));
        if count != want {
            let r = request_numbers(id, work);
            return Err(format!(
                "request {id} counted {count} primes in [{}, {}), but there are {want}",
                r.start, r.end
            ));
        }
        sum = sum.wrapping_add(request_mix(id, count));
    }
    Ok(sum)
}

/// The checksum of a complete mixed run of `requests` requests of `work` numbers each.
pub fn mixed_checksum(requests: usize, work: u64) -> u64 {
    let counts: Vec<u64> =
        (0..OFFSETS.min(requests)).map(|i| count_primes_in(request_numbers(i, work))).collect();
    (0..requests).fold(0, |sum, id| sum.wrapping_add(request_mix(id, counts[id % OFFSETS])))
}

fn request_mix(id: usize, count: u64) -> u64 {
    mix(mix(id as u64) ^ count)
}

/// What a mixed run measured, beside the usual report fields in its JSON line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Served {
    /// Requests that finished by the deadline.
    pub completed: u64,
    /// Requests unfinished at the deadline.
    pub late: u64,
    /// Completions per second between the first and the last (the offered rate, when the
    /// approach keeps up; its capacity, when it does not). 0 with fewer than 2.
    pub achieved_rate: f64,
    /// Completion − due time of the finished requests, in µs (late ones are not in it).
    pub latency: Percentiles,
}

/// The mixed example's JSON line: the usual report, plus what was served.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MixedReport {
    #[serde(flatten)]
    pub report: Report,
    #[serde(flatten)]
    pub served: Served,
}

impl Completions {
    /// How many finished, how late, and how fast, or the failed fetches as an error.
    fn served(&self, requests: usize) -> Result<Served> {
        if let Some((id, first)) = self.failed.first() {
            bail!(
                "{} of {requests} fetches failed ({}); {} requests finished; first error \
                 (request {id}): {first}",
                self.failed.len(),
                http::failure_kind(first),
                self.done.len()
            );
        }
        let mut latency = Lateness::new();
        for d in &self.done {
            latency.record(self.schedule.due(d.id), d.at);
        }
        let first = self.done.iter().map(|d| d.at).min();
        let last = self.done.iter().map(|d| d.at).max();
        let achieved_rate = match (first, last) {
            (Some(first), Some(last)) if last > first => {
                (self.done.len() - 1) as f64 / (last - first).as_secs_f64()
            }
            _ => 0.0,
        };
        let completed = self.done.len() as u64;
        let late = requests as u64 - completed;
        Ok(Served { completed, late, achieved_rate, latency: latency.percentiles() })
    }
}

/// Runs the mixed example of one approach, checks it and prints its line.
///
/// Exit codes: 0 done and checked (late requests included, unless `--strict`), 1 failed,
/// 2 usage error (already handled by the parser).
pub(crate) fn main(
    name: &str,
    example: &Example<Mixed, Completions>,
    args: &Mixed,
    json: bool,
) -> ExitCode {
    match run(name, example, args) {
        Ok(r) => {
            crate::say!("{}", if json { r.to_json() } else { r.summary() });
            if args.strict && r.served.late > 0 {
                crate::out::complain(format_args!(
                    "{name}: error: {} of {} requests were late (unfinished at the {} ms \
                     deadline), and --strict was given",
                    r.served.late,
                    args.requests,
                    args.deadline.as_millis()
                ));
                return ExitCode::FAILURE;
            }
            crate::out::finish(name)
        }
        Err(e) => {
            crate::out::complain(format_args!("{name}: error: {e:#}"));
            ExitCode::FAILURE
        }
    }
}

fn run(name: &str, example: &Example<Mixed, Completions>, args: &Mixed) -> Result<MixedReport> {
    if let Source::Tcp { .. } = args.source {
        // Every request in flight holds a socket, and with a slow server all can be in
        // flight at once: make room for them, or say now that the limit is too low.
        crate::limits::ensure_open_files(args.requests)?;
    }
    let out = (example.run)(args)?;
    let elapsed_ms = out.value.schedule.start().elapsed().as_secs_f64() * 1e3;
    let served = out.value.served(args.requests)?;
    let done = out.value.done.iter().map(|d| (d.id, d.count));
    let checksum = check_served(done, args.requests, args.work).map_err(anyhow::Error::msg)?;
    let report = Report {
        approach: name.into(),
        example: "mixed".into(),
        params: Params {
            threads: args.threads,
            delay_ms: Some(args.delay.as_millis() as u64),
            source: matches!(args.source, Source::Tcp { .. }).then(|| "tcp".into()),
            variant: Some(args.variant.into()),
            requests: Some(args.requests),
            rate: Some(args.rate),
            work: Some(args.work),
            deadline_ms: Some(args.deadline.as_millis() as u64),
            ..Params::default()
        },
        result: served.completed,
        checksum: format!("{checksum:016x}"),
        verified: true,
        elapsed_ms,
        worker_threads: out.worker_threads,
        build: Some(build().into()),
        ..Report::default()
    };
    Ok(MixedReport { report, served })
}

impl MixedReport {
    /// The JSON line `--json` prints.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a report always serialises")
    }

    /// The human-readable summary line.
    pub fn summary(&self) -> String {
        let (r, s, p) = (&self.report, &self.served, &self.report.params);
        let ms = |us: u64| us as f64 / 1e3;
        format!(
            "{} mixed ({}): {} of {} requests done at {:.0}/s offered {:.0}/s, {} late; \
             latency p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms; {:.0} ms wall \
             [checksum {}]",
            r.approach,
            p.variant.as_deref().unwrap_or("default"),
            s.completed,
            p.requests.unwrap_or(0),
            s.achieved_rate,
            p.rate.unwrap_or(0.0),
            s.late,
            ms(s.latency.p50_us),
            ms(s.latency.p90_us),
            ms(s.latency.p99_us),
            ms(s.latency.max_us),
            r.elapsed_ms,
            r.checksum
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_i_is_due_at_start_plus_i_over_r() {
        let start = Instant::now();
        let s = Schedule::new(start, 200.0, Duration::from_secs(3));
        assert_eq!(s.due(0), start);
        assert_eq!(s.due(1), start + Duration::from_millis(5));
        assert_eq!(s.due(200), start + Duration::from_secs(1));
        assert_eq!(s.deadline(), start + Duration::from_secs(3));
        let slow = Schedule::new(start, 0.5, Duration::from_secs(10));
        assert_eq!(slow.due(3), start + Duration::from_secs(6));
    }

    #[test]
    fn the_default_deadline_is_a_small_multiple_of_the_ideal() {
        let d = default_deadline(1_500, 500.0, Duration::from_millis(50));
        assert_eq!(d, Duration::from_millis(3 * 3_050));
        // Short runs get at least a second to spare.
        let short = default_deadline(10, 1_000.0, Duration::from_millis(50));
        assert_eq!(short, Duration::from_millis(1_060));
    }

    #[test]
    fn requests_cycle_through_sixteen_ranges_of_w_numbers() {
        assert_eq!(request_numbers(0, 100), 1_000_000..1_000_100);
        assert_eq!(request_numbers(3, 100), 1_000_300..1_000_400);
        assert_eq!(request_numbers(16 + 3, 100), request_numbers(3, 100));
    }

    fn counts(ids: &[usize], work: u64) -> Vec<(usize, u64)> {
        ids.iter().map(|&id| (id, count_primes_in(request_numbers(id, work)))).collect()
    }

    #[test]
    fn a_complete_run_checks_and_matches_the_checksum() {
        let all: Vec<usize> = (0..40).rev().collect();
        let sum = check_served(counts(&all, 500), 40, 500).unwrap();
        assert_eq!(sum, mixed_checksum(40, 500));
        assert_ne!(mixed_checksum(40, 500), mixed_checksum(41, 500));
        assert_ne!(mixed_checksum(40, 500), mixed_checksum(40, 501));
    }

    #[test]
    fn a_partial_run_checks_what_finished() {
        let some = check_served(counts(&[0, 5, 7], 500), 40, 500).unwrap();
        assert_ne!(some, mixed_checksum(40, 500));
        assert_eq!(check_served([], 40, 500), Ok(0));
    }

    #[test]
    fn wrong_twice_and_unknown_requests_are_errors() {
        let mut twice = counts(&[1, 2], 500);
        twice.push(twice[0]);
        assert!(check_served(twice, 40, 500).unwrap_err().contains("request 1 finished twice"));
        let mut wrong = counts(&[1], 500);
        wrong[0].1 += 1;
        assert!(check_served(wrong, 40, 500).unwrap_err().contains("request 1 counted"));
        let outside = check_served(counts(&[40], 500), 40, 500).unwrap_err();
        assert!(outside.contains("outside 0..40"), "{outside}");
    }

    fn args(requests: usize, rate: f64, deadline_ms: u64) -> Mixed {
        Mixed {
            requests,
            rate,
            delay: Duration::ZERO,
            work: 10,
            deadline: Duration::from_millis(deadline_ms),
            strict: false,
            threads: 1,
            source: Source::Sleep,
            variant: "test",
        }
    }

    #[test]
    fn the_tally_counts_in_time_finishes_and_ignores_late_ones() {
        let tally = Tally::start(&args(4, 1_000.0, 60_000));
        tally.finish(2, Ok(7));
        tally.finish(0, Ok(8));
        let done = tally.close();
        tally.finish(1, Ok(9)); // after the close: late
        let served = done.served(4).unwrap();
        assert_eq!((served.completed, served.late, served.latency.count), (2, 2, 2));
        assert!(served.achieved_rate > 0.0);

        let expired = Tally::start(&args(4, 1_000.0, 1));
        std::thread::sleep(Duration::from_millis(5));
        assert!(expired.expired());
        expired.finish(0, Ok(8));
        assert_eq!(expired.close().served(4).unwrap().late, 4);
    }

    #[test]
    fn a_failed_fetch_fails_the_run_with_its_kind() {
        let tally = Tally::start(&args(3, 1_000.0, 60_000));
        tally.finish(0, Ok(1));
        tally.finish(1, Err(io::ErrorKind::ConnectionRefused.into()));
        let err = tally.close().served(3).unwrap_err().to_string();
        assert!(err.starts_with("1 of 3 fetches failed (connection refused)"), "{err}");
    }

    #[test]
    fn the_json_line_carries_the_served_fields_at_the_top() {
        let report = Report {
            approach: "x".into(),
            example: "mixed".into(),
            params: Params { threads: 2, rate: Some(50.0), ..Params::default() },
            result: 3,
            checksum: "0".into(),
            verified: true,
            elapsed_ms: 1.0,
            worker_threads: 2,
            build: None,
            ..Report::default()
        };
        let served =
            Served { completed: 3, late: 1, achieved_rate: 2.5, latency: Percentiles::default() };
        let line = MixedReport { report, served }.to_json();
        let value: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(value["late"], 1);
        assert_eq!(value["latency"]["p99_us"], 0);
        assert_eq!(value["params"]["rate"], 50.0);
        let back: MixedReport = serde_json::from_str(&line).unwrap();
        assert_eq!(back.served.completed, 3);
        let plain: Report = serde_json::from_str(&line).unwrap();
        assert_eq!(plain.result, 3);
    }
}
