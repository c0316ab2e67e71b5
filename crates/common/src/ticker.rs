//! The latency probe every example runs beside its work: a ticker that wants to wake every
//! period, and records how late each tick ran.
//!
//! Tick k is due at start + k × period. Every due tick counts once, with its lag measured
//! from its due time: a ticker that wakes late records each tick it missed with its own lag,
//! and ticks still unrun when the work ends count with their lag up to then (no coordinated
//! omission). Only the schedule lives here; each crate sleeps and spawns its ticker itself.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::Lateness;

/// The default `--tick-ms`.
pub const TICK_MS: u64 = 10;
/// The longest `--tick-ms`: one minute.
pub const MAX_TICK_MS: u64 = 60_000;

/// A ticker's schedule and what it recorded, shared by the ticker and the run that ends it.
#[derive(Debug, Clone)]
pub struct Ticker {
    shared: Arc<Mutex<Schedule>>,
}

#[derive(Debug)]
struct Schedule {
    start: Instant,
    period: Duration,
    /// The number of the next tick to record (tick 1 is the first due).
    next: u32,
    /// When the run ended: no tick due later counts.
    end: Option<Instant>,
    lateness: Lateness,
}

impl Schedule {
    fn due(&self, k: u32) -> Instant {
        self.start + self.period * k
    }

    /// Records every tick due by `now` not yet recorded, each late by `now - due`.
    fn record_until(&mut self, now: Instant) {
        while self.due(self.next) <= now {
            let due = self.due(self.next);
            self.lateness.record(due, now);
            self.next += 1;
        }
    }
}

impl Ticker {
    /// A schedule starting now: the first tick is due one period from now.
    pub fn start(period: Duration) -> Self {
        let schedule = Schedule {
            start: Instant::now(),
            period,
            next: 1,
            end: None,
            lateness: Lateness::new(),
        };
        Ticker { shared: Arc::new(Mutex::new(schedule)) }
    }

    fn lock(&self) -> MutexGuard<'_, Schedule> {
        // Nothing panics while holding the lock; if something did, the counts are still sound.
        self.shared.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// When the next tick is due, or `None` once the run has ended (the ticker's loop stops).
    pub fn next_due(&self) -> Option<Instant> {
        let s = self.lock();
        s.end.is_none().then(|| s.due(s.next))
    }

    /// The ticker woke at `now`: records every tick due by then, each with its own lag (none
    /// if it woke early, all it missed if it woke late). Does nothing once the run has ended.
    pub fn record(&self, now: Instant) {
        let mut s = self.lock();
        if s.end.is_none() {
            s.record_until(now);
        }
    }

    /// Ends the schedule now: ticks due by now that never ran count, late by up to now.
    /// Only the first call counts.
    pub fn stop(&self) {
        self.stop_at(Instant::now());
    }

    /// Ends the schedule at `end` (the instant the timed run ended), as [`Ticker::stop`].
    pub fn stop_at(&self, end: Instant) {
        let mut s = self.lock();
        if s.end.is_none() {
            s.record_until(end);
            s.end = Some(end);
        }
    }

    /// What the ticker saw: how many ticks were due, and how late they ran.
    pub fn report(&self) -> TickerReport {
        let s = self.lock();
        let p = s.lateness.percentiles();
        TickerReport {
            period_us: s.period.as_micros() as u64,
            ticks: p.count,
            p50_us: p.p50_us,
            p99_us: p.p99_us,
            max_us: p.max_us,
        }
    }
}

/// The ticker in the JSON line: its period, the ticks due during the run, and how late they
/// ran (µs after their due time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TickerReport {
    pub period_us: u64,
    /// Ticks due during the run (each counted once, run on time or not).
    pub ticks: u64,
    pub p50_us: u64,
    pub p99_us: u64,
    pub max_us: u64,
}

#[cfg(test)]
mod tests {
    use std::thread::sleep;

    use super::*;

    #[test]
    fn a_late_wake_records_every_missed_tick_with_its_own_lag() {
        let ticker = Ticker::start(Duration::from_millis(10));
        let start = ticker.lock().start;
        // Woken 55 ms in: ticks due at 10, 20, 30, 40, 50 ms, late by 45, 35, 25, 15, 5 ms.
        ticker.record(start + Duration::from_millis(55));
        let r = ticker.report();
        assert_eq!(r.ticks, 5);
        assert!(r.max_us.abs_diff(45_000) <= 50, "{r:?}");
        assert!(r.p50_us.abs_diff(25_000) <= 50, "{r:?}");
        assert_eq!(ticker.next_due(), Some(start + Duration::from_millis(60)));
    }

    #[test]
    fn stop_counts_the_unrun_ticks_and_freezes_the_schedule() {
        let ticker = Ticker::start(Duration::from_millis(5));
        sleep(Duration::from_millis(32));
        ticker.stop();
        let r = ticker.report();
        assert!(r.ticks >= 6, "{r:?}"); // at least 32 / 5 due, none ran
        assert!(r.max_us >= 25_000, "the first tick waited the whole run: {r:?}");
        assert_eq!(ticker.next_due(), None);
        ticker.record(Instant::now() + Duration::from_secs(1));
        ticker.stop();
        assert_eq!(ticker.report(), r, "nothing counts after the end");
    }

    #[test]
    fn an_early_wake_records_nothing() {
        let ticker = Ticker::start(Duration::from_secs(60));
        ticker.record(Instant::now());
        assert_eq!(ticker.report().ticks, 0);
    }
}
