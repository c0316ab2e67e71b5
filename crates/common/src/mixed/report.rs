//! The mixed example's report: what was served, the JSON line and the summary, printed once,
//! either when the example ends or, if it cannot end at the deadline, by the deadline
//! watchdog.

use std::process::ExitCode;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use super::{Closer, Completions, Mixed, Tally, Wake, check_served};
use crate::flags::Source;
use crate::{Example, Lateness, Outcome, Params, Percentiles, Report, build, http};

/// How long after the deadline the watchdog steps in: a run that ends on time (its timeout
/// fired) has closed its tally by then, and reports the way it always has.
const GRACE: Duration = Duration::from_millis(100);

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
    /// The wake probe: how long after its send each wake ran, in µs (absent with
    /// `--no-probe`, and in lines written before the probe existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wake: Option<Wake>,
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
    pub(super) fn served(&self, requests: usize) -> Result<Served> {
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
        let latency = latency.percentiles();
        Ok(Served { completed, late, achieved_rate, latency, wake: self.wake })
    }
}

/// Who prints a run's report: the deadline watchdog needs to know, as [`main`] does.
#[derive(Debug, Clone, Copy)]
pub(super) struct Watch {
    name: &'static str,
    json: bool,
}

impl Watch {
    /// Starts the deadline watchdog on its own OS thread: at the deadline (and a moment's
    /// grace) it closes the tally unless the example has, prints the report, and ends the
    /// process: 0, or 1 with `--strict` and late requests, as [`main`] would.
    ///
    /// Its own thread, because a runtime whose workers are all counting cannot run a timer: a
    /// count on a worker cannot be interrupted, and the runtime's own deadline would fire only
    /// once every count had ended (a minute, with big counts).
    pub(super) fn start(self, args: &Mixed, tally: Arc<Tally>) -> Result<()> {
        let args = args.clone();
        let spawned = thread::Builder::new().name("mixed-deadline".into()).spawn(move || {
            thread::sleep((tally.deadline() + GRACE).saturating_duration_since(Instant::now()));
            // The once-guard: the first to close the tally reports; the example's close then
            // waits for the exit below.
            let Some(done) = tally.close_by(Closer::Watchdog) else { return };
            // The example's own count of its threads comes only with its outcome: say T.
            let out = Outcome { value: done, worker_threads: args.threads };
            let code = conclude(self.name, &args, self.json, Ok(out));
            std::process::exit(code.into());
        });
        spawned.map(drop).context("cannot start the mixed deadline's watchdog thread")
    }
}

/// Runs the mixed example of one approach, checks it and prints its line, once: here when the
/// example ends, or from the deadline watchdog when it cannot end in time.
///
/// Exit codes: 0 done and checked (late requests included, unless `--strict`), 1 failed,
/// 2 usage error (already handled by the parser).
pub(crate) fn main(
    name: &'static str,
    example: &Example<Mixed, Completions>,
    args: &Mixed,
    json: bool,
) -> ExitCode {
    let args = Mixed { watch: Some(Watch { name, json }), ..args.clone() };
    let out = prepare(&args).and_then(|()| (example.run)(&args));
    ExitCode::from(conclude(name, &args, json, out))
}

fn prepare(args: &Mixed) -> Result<()> {
    if let Source::Tcp { .. } = args.source {
        // Every request in flight holds a socket, and with a slow server all can be in
        // flight at once: make room for them, or say now that the limit is too low.
        crate::limits::ensure_open_files(args.requests)?;
    }
    Ok(())
}

/// Checks what the run did, prints its line, and gives the exit status.
fn conclude(name: &str, args: &Mixed, json: bool, out: Result<Outcome<Completions>>) -> u8 {
    match out.and_then(|out| report(name, args, out)) {
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
                return 1;
            }
            crate::out::status(name)
        }
        Err(e) => {
            crate::out::complain(format_args!("{name}: error: {e:#}"));
            1
        }
    }
}

fn report(name: &str, args: &Mixed, out: Outcome<Completions>) -> Result<MixedReport> {
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
             latency p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms;{} {:.0} ms wall \
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
            s.wake.map_or(String::new(), |w| format!(
                " wake p50 {} µs, p99 {} µs, max {} µs ({} wakes);",
                w.p50_us, w.p99_us, w.max_us, w.samples
            )),
            r.elapsed_ms,
            r.checksum
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let served = Served {
            completed: 3,
            late: 1,
            achieved_rate: 2.5,
            latency: Percentiles::default(),
            wake: None,
        };
        let line = MixedReport { report: report.clone(), served: served.clone() }.to_json();
        let value: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(value["late"], 1);
        assert_eq!(value["latency"]["p99_us"], 0);
        assert_eq!(value["params"]["rate"], 50.0);
        let back: MixedReport = serde_json::from_str(&line).unwrap();
        assert_eq!(back.served.completed, 3);
        let plain: Report = serde_json::from_str(&line).unwrap();
        assert_eq!(plain.result, 3);
        assert!(!line.contains("wake"), "no probe, no field: {line}");

        let wake = Wake { p50_us: 40, p99_us: 900, max_us: 1_500, samples: 7 };
        let probed = MixedReport { report, served: Served { wake: Some(wake), ..served } };
        let value: serde_json::Value = serde_json::from_str(&probed.to_json()).unwrap();
        let fields = ["p50_us", "p99_us", "max_us", "samples"];
        assert_eq!(fields.map(|f| value["wake"][f].as_u64()), [40, 900, 1_500, 7].map(Some));
        let back: MixedReport = serde_json::from_str(&probed.to_json()).unwrap();
        assert_eq!(back.served.wake, Some(wake));
    }
}
