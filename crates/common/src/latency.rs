//! Lateness: how long after it was *due* something happened, kept in an HDR histogram.
//!
//! Measured from the due time, not from when the work started, so a stall that delays the
//! start counts in full (no coordinated omission). The ticker of the loop examples and the
//! requests of the mixed example both record here.

use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

/// The longest lateness recorded exactly: one hour; anything later counts as one hour.
const MAX_US: u64 = 3_600_000_000;

/// A histogram of lateness in microseconds (3 significant digits).
#[derive(Debug, Clone)]
pub struct Lateness {
    histogram: Histogram<u64>,
}

impl Default for Lateness {
    fn default() -> Self {
        Self::new()
    }
}

impl Lateness {
    pub fn new() -> Self {
        let histogram = Histogram::new_with_bounds(1, MAX_US, 3).expect("valid bounds");
        Lateness { histogram }
    }

    /// Records that something due at `due` happened at `at` (early counts as 0).
    pub fn record(&mut self, due: Instant, at: Instant) {
        self.record_late_by(at.saturating_duration_since(due));
    }

    /// Records a lateness.
    pub fn record_late_by(&mut self, late: Duration) {
        let us = u64::try_from(late.as_micros()).unwrap_or(MAX_US).min(MAX_US);
        self.histogram.saturating_record(us);
    }

    /// Adds every value of `other` (e.g. one histogram per worker thread, merged at the end).
    pub fn add(&mut self, other: &Lateness) {
        self.histogram.add(&other.histogram).expect("same bounds");
    }

    /// How many values were recorded.
    pub fn count(&self) -> u64 {
        self.histogram.len()
    }

    /// The percentiles reports print.
    pub fn percentiles(&self) -> Percentiles {
        let at = |q: f64| self.histogram.value_at_quantile(q);
        Percentiles {
            count: self.count(),
            p50_us: at(0.50),
            p90_us: at(0.90),
            p99_us: at(0.99),
            max_us: self.histogram.max(),
        }
    }
}

/// Lateness percentiles in microseconds, as the JSON line carries them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Percentiles {
    /// Values recorded.
    pub count: u64,
    pub p50_us: u64,
    pub p90_us: u64,
    pub p99_us: u64,
    pub max_us: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_of_known_values() {
        let mut late = Lateness::new();
        for ms in 1..=100 {
            late.record_late_by(Duration::from_millis(ms));
        }
        let p = late.percentiles();
        assert_eq!(p.count, 100);
        // HDR keeps 3 significant digits: within 0.1%.
        let near = |got: u64, want: u64| got.abs_diff(want) * 1000 <= want;
        assert!(near(p.p50_us, 50_000), "{p:?}");
        assert!(near(p.p90_us, 90_000), "{p:?}");
        assert!(near(p.p99_us, 99_000), "{p:?}");
        assert!(near(p.max_us, 100_000), "{p:?}");
    }

    #[test]
    fn early_counts_as_on_time_and_histograms_add_up() {
        let now = Instant::now();
        let mut a = Lateness::new();
        a.record(now + Duration::from_secs(1), now);
        let mut b = Lateness::new();
        b.record(now, now + Duration::from_millis(5));
        a.add(&b);
        let p = a.percentiles();
        assert_eq!(p.count, 2);
        assert!(p.max_us.abs_diff(5_000) <= 5, "{p:?}");
    }
}
