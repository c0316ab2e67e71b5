//! The one-line result every example run prints, as JSON (`--json`) or for people.

use serde::{Deserialize, Serialize};

use crate::TickerReport;
use crate::workload::known_pi;

/// The result of one example run: what was asked, what came out, how it was checked.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Report {
    /// The approach: `std-threads`, `tokio`, `async-std`, `smol`, `rayon` or `sequential`.
    pub approach: String,
    /// `io`, `cpu` or `mixed`.
    pub example: String,
    /// The parameters the run used.
    pub params: Params,
    /// io: ids fetched; cpu: primes counted.
    pub result: u64,
    /// A hex checksum of the result; equal for equal parameters in every approach.
    pub checksum: String,
    /// Whether the example checked its own result in-process (io: every id exactly once;
    /// cpu: against a known π(x)). A wrong result is an error, not `false`.
    pub verified: bool,
    /// Wall time of the work itself, measured in-process, in milliseconds.
    pub elapsed_ms: f64,
    /// Worker threads the approach ran the work on (io on std threads: one per fetch).
    pub worker_threads: usize,
    /// How the binary was built: `release`, or `dev` (debug assertions on).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub build: Option<String>,
    /// The latency probe beside the work: how late its ticks ran (absent with --no-ticker
    /// and for the sequential baseline).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub ticker: Option<TickerReport>,
    /// shared: W × M increments (attempted, for a Python race) per second of `elapsed_ms`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub increments_per_s: Option<f64>,
    /// shared, Python only: updates lost (W × M − result), the measured outcome of its race
    /// variants. A Rust run that loses one fails instead.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub lost: Option<u64>,
}

/// The parameters of a run; those of the other example are absent.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Params {
    /// Worker threads asked for (`--threads`, or available parallelism).
    pub threads: usize,
    /// io: number of fetches.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub tasks: Option<usize>,
    /// io: simulated wait of each fetch, in milliseconds.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub delay_ms: Option<u64>,
    /// cpu: primes counted in [0, limit].
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub limit: Option<u64>,
    /// cpu: number of jobs.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub jobs: Option<usize>,
    /// io: `tcp` when the fetches were real requests to the delay server (absent: a sleep).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub source: Option<String>,
    /// The way the example ran (`--variant`; the crate's right way unless a mistake was
    /// asked for). Absent for the sequential baselines (Rust's and Python's).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub variant: Option<String>,
    /// shared: workers sharing the counter.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub workers: Option<usize>,
    /// shared: increments per worker.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub increments: Option<u64>,
    /// switch: timed laps M of the ring (`--laps`, or as calibrated).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub laps: Option<u64>,
    /// switch: laps run before the timed ones.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub warmup_laps: Option<u64>,
    /// switch: how the token travels, `channel` or `pipe`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub via: Option<String>,
    /// switch and spawn: the CPU the process was pinned to (`--pin`; absent: unpinned).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub pin: Option<usize>,
    /// mixed: number of requests.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub requests: Option<usize>,
    /// mixed: arrivals per second.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub rate: Option<f64>,
    /// mixed: numbers each request counts primes in.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub work: Option<u64>,
    /// mixed, cancel: the run's deadline after its start, in milliseconds.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub deadline_ms: Option<u64>,
    /// cancel: the wait of a slow fetch, in milliseconds.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub slow_ms: Option<u64>,
    /// cancel: one fetch in this many is slow (the ids divisible by it).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub slow_every: Option<usize>,
    /// cancel: how long after its return the run looked again, in milliseconds.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub grace_ms: Option<u64>,
}

impl Report {
    /// The JSON line `--json` prints.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a report always serialises")
    }

    /// The human-readable summary line.
    pub fn summary(&self) -> String {
        let p = &self.params;
        let head = format!("{} {}", self.approach, self.example);
        let (ms, threads) = (self.elapsed_ms, self.worker_threads);
        if let (Some(workers), Some(increments)) = (p.workers, p.increments) {
            return shared_summary(self, workers, increments);
        }
        let line = match (p.tasks, p.delay_ms, p.limit, p.jobs) {
            (Some(tasks), Some(delay), ..) => {
                let how = if p.source.is_some() { "over tcp, " } else { "" };
                format!(
                    "{head}: fetched {} URLs ({how}{delay} ms wait each) in {ms:.1} ms \
                     on {threads} threads; ideal {delay} ms, one after another {} ms; \
                     every id once [checksum {}]",
                    self.result,
                    delay * tasks as u64,
                    self.checksum
                )
            }
            (.., Some(limit), Some(jobs)) => {
                let check = match known_pi(limit) {
                    Some(pi) => format!("= π({limit}) = {pi}"),
                    None => "(no known π for this limit: compare with avt-std cpu --sequential)"
                        .to_string(),
                };
                format!(
                    "{head}: {} primes in [0, {limit}] in {ms:.1} ms ({jobs} jobs on {threads} \
                     threads) {check} [checksum {}]",
                    self.result, self.checksum
                )
            }
            _ => format!("{head}: result {} in {ms:.1} ms", self.result),
        };
        match &self.ticker {
            Some(t) => format!(
                "{line}; ticker every {} ms: p99 {:.1} ms, max {:.1} ms late",
                t.period_us as f64 / 1e3,
                t.p99_us as f64 / 1e3,
                t.max_us as f64 / 1e3
            ),
            None => line,
        }
    }
}

/// The human-readable line of a shared run.
fn shared_summary(r: &Report, workers: usize, increments: u64) -> String {
    let lost = match r.lost {
        Some(lost) => format!("; {lost} updates lost"),
        None => String::new(),
    };
    format!(
        "{} shared ({}): {workers} workers × {increments} increments = {} in {:.1} ms \
         ({:.0} increments/s) on {} threads{lost} [checksum {}]",
        r.approach,
        r.params.variant.as_deref().unwrap_or("default"),
        r.result,
        r.elapsed_ms,
        r.increments_per_s.unwrap_or(0.0),
        r.worker_threads,
        r.checksum
    )
}
