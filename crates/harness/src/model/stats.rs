//! Median with min and max: how every figure is summarised.

use serde::{Deserialize, Serialize};

/// A figure over several runs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Stat {
    pub median: f64,
    pub min: f64,
    pub max: f64,
}

impl Stat {
    /// The median (mean of the middle two for an even count), min and max; None if empty.
    pub fn of(values: &[f64]) -> Option<Stat> {
        let mut sorted: Vec<f64> = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        let (first, last) = (*sorted.first()?, *sorted.last()?);
        let mid = sorted.len() / 2;
        let median =
            if sorted.len() % 2 == 1 { sorted[mid] } else { (sorted[mid - 1] + sorted[mid]) / 2.0 };
        Some(Stat { median, min: first, max: last })
    }

    /// max ÷ min: 1.0 when every run took the same.
    pub fn spread(&self) -> f64 {
        if self.min > 0.0 { self.max / self.min } else { 1.0 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odd_count() {
        let s = Stat::of(&[5.0, 1.0, 3.0]).unwrap();
        assert_eq!((s.median, s.min, s.max), (3.0, 1.0, 5.0));
        assert_eq!(s.spread(), 5.0);
    }

    #[test]
    fn even_count_takes_the_middle_two() {
        let s = Stat::of(&[4.0, 1.0, 2.0, 10.0]).unwrap();
        assert_eq!((s.median, s.min, s.max), (3.0, 1.0, 10.0));
    }

    #[test]
    fn one_value_and_none() {
        let s = Stat::of(&[7.5]).unwrap();
        assert_eq!((s.median, s.min, s.max, s.spread()), (7.5, 7.5, 7.5, 1.0));
        assert_eq!(Stat::of(&[]), None);
        assert_eq!(Stat::of(&[0.0, 0.0]).unwrap().spread(), 1.0);
    }
}
