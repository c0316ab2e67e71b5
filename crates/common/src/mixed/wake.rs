//! The mixed example's wake-latency probe: how long a task waits to run once it is woken.
//!
//! An OS thread outside the runtime sends the time into the runtime's own channel every period
//! P; a task on the runtime, beside the requests, records how long after the send it got to run.
//! That is the scheduling latency any other task would see, at µs resolution: no timer is
//! involved (tokio's timer has 1 ms granularity), only a wake-up and a place in the queue.
//!
//! What every crate does alike lives here: the flags, the sending thread, the histogram and the
//! report. The receiving task touches the runtime, so it stays in each crate (`wake_probe` in
//! its `src/mixed.rs`). A send the task has not received when the run ends counts, late by up
//! to the end (no coordinated omission): a worker that never got to the probe shows as one.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use clap::Args;
use serde::{Deserialize, Serialize};

use crate::Lateness;

/// The default `--probe-us`: a wake every millisecond.
pub const PROBE_US: u64 = 1_000;
/// The longest `--probe-us`: one second.
pub const MAX_PROBE_US: u64 = 1_000_000;

/// The probe's flags, flattened into the mixed example's.
#[derive(Args, Debug)]
pub(crate) struct ProbeArgs {
    /// The wake probe's period: a thread outside the runtime wakes a task on it every P µs, and
    /// the report says how long each wake took to run (`wake` in the JSON line)
    #[arg(long, value_name = "P", default_value_t = PROBE_US,
          value_parser = clap::value_parser!(u64).range(1..=MAX_PROBE_US))]
    probe_us: u64,
    /// Leave the wake probe out
    #[arg(long, conflicts_with = "probe_us")]
    no_probe: bool,
}

impl ProbeArgs {
    /// The probe's period, or `None` with `--no-probe`.
    pub(crate) fn period(&self) -> Option<Duration> {
        (!self.no_probe).then(|| Duration::from_micros(self.probe_us))
    }
}

/// The probe of one run: its period, the sends not yet received, and how late the received
/// ones ran. Cloned into the sending thread and the receiving task.
#[derive(Debug, Clone)]
pub struct Probe {
    period: Duration,
    state: Arc<Mutex<State>>,
}

#[derive(Debug)]
struct State {
    /// Sent, not yet received: FIFO for a channel, in about that order for rayon's queue.
    pending: VecDeque<Instant>,
    lateness: Lateness,
    /// When the run ended: nothing counts after it, and the sending thread stops.
    end: Option<Instant>,
}

impl Probe {
    /// A probe that wakes every `period`; nothing is sent until [`Probe::send_every_period`].
    pub(crate) fn new(period: Duration) -> Self {
        let state = State { pending: VecDeque::new(), lateness: Lateness::new(), end: None };
        Probe { period, state: Arc::new(Mutex::new(state)) }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Nothing panics while holding the lock; if something did, the counts are still sound.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Starts the sending thread: every period it calls `send` with the time of the send, until
    /// the run ends or `send` returns false (the receiver is gone).
    ///
    /// Its own OS thread, outside the runtime, so that the sends keep their schedule whatever
    /// the runtime's workers are doing.
    pub fn send_every_period(
        &self,
        mut send: impl FnMut(Instant) -> bool + Send + 'static,
    ) -> Result<()> {
        let probe = self.clone();
        let spawned = thread::Builder::new().name("wake-probe".into()).spawn(move || {
            let mut due = Instant::now() + probe.period;
            loop {
                thread::sleep(due.saturating_duration_since(Instant::now()));
                let sent = Instant::now();
                if !probe.sending(sent) || !send(sent) {
                    return;
                }
                // A sender that overslept skips the wakes it missed rather than bursting.
                due = (due + probe.period).max(sent);
            }
        });
        spawned.map(drop).context("cannot start the wake probe's thread")
    }

    /// Notes a send at `sent`; false once the run has ended (the thread stops).
    fn sending(&self, sent: Instant) -> bool {
        let mut s = self.lock();
        if s.end.is_some() {
            return false;
        }
        s.pending.push_back(sent);
        true
    }

    /// The receiving task runs now, for the wake sent at `sent`: records how long it waited.
    pub fn woke(&self, sent: Instant) {
        let now = Instant::now();
        let mut s = self.lock();
        if s.end.is_some() {
            return;
        }
        if let Some(i) = s.pending.iter().position(|&p| p == sent) {
            s.pending.remove(i);
        }
        s.lateness.record(sent, now);
    }

    /// Ends the probe at `end`: every send still unreceived counts, late by up to `end`. Only
    /// the first call counts.
    pub(crate) fn stop_at(&self, end: Instant) -> Wake {
        let mut s = self.lock();
        if s.end.is_none() {
            s.end = Some(end);
            for sent in std::mem::take(&mut s.pending) {
                s.lateness.record(sent, end);
            }
        }
        let p = s.lateness.percentiles();
        Wake { p50_us: p.p50_us, p99_us: p.p99_us, max_us: p.max_us, samples: p.count }
    }
}

/// The probe in the JSON line (`wake`): how long after its send each wake ran, in µs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Wake {
    pub p50_us: u64,
    pub p99_us: u64,
    pub max_us: u64,
    /// Wakes sent during the run (each counted once, received or not).
    pub samples: u64,
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;

    use super::*;

    #[test]
    fn a_received_wake_counts_its_wait_and_an_unreceived_one_counts_to_the_end() {
        let probe = Probe::new(Duration::from_millis(1));
        let t0 = Instant::now();
        assert!(probe.sending(t0));
        assert!(probe.sending(t0 + Duration::from_millis(1)));
        probe.woke(t0);
        let w = probe.stop_at(t0 + Duration::from_millis(41));
        assert_eq!(w.samples, 2);
        assert!(w.max_us.abs_diff(40_000) <= 50, "the unreceived one waited 40 ms: {w:?}");
        assert!(!probe.sending(Instant::now()), "the thread stops after the end");
        probe.woke(t0);
        assert_eq!(probe.stop_at(Instant::now()), w, "nothing counts after the end");
    }

    #[test]
    fn the_thread_sends_every_period_until_the_end() {
        let probe = Probe::new(Duration::from_millis(2));
        let (send, woken) = mpsc::channel();
        probe.send_every_period(move |sent| send.send(sent).is_ok()).unwrap();
        let receiver = probe.clone();
        let got: Vec<Instant> = woken.iter().take(5).inspect(|&s| receiver.woke(s)).collect();
        assert!(got.windows(2).all(|w| w[1] > w[0]), "{got:?}");
        let w = probe.stop_at(Instant::now());
        assert!(w.samples >= 5, "{w:?}");
    }
}
