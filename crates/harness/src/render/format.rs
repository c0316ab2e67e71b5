//! Figures as the tables write them.

use crate::model::stats::Stat;

/// Milliseconds with as many decimals as they deserve.
pub fn ms(v: f64) -> String {
    if v < 10.0 {
        format!("{v:.2}")
    } else if v < 1000.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.0}")
    }
}

/// KiB as KiB, MiB or GiB.
pub fn bytes(kib: f64) -> String {
    if kib < 1024.0 {
        format!("{kib:.0} KiB")
    } else if kib < 1024.0 * 1024.0 {
        format!("{:.1} MiB", kib / 1024.0)
    } else {
        format!("{:.2} GiB", kib / 1024.0 / 1024.0)
    }
}

/// 250000 → "250 000", as the README writes numbers.
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

/// A whole number.
pub fn count(v: f64) -> String {
    format!("{v:.0}")
}

/// A ratio, as `1.95×`.
pub fn times(v: Option<f64>) -> String {
    v.map_or("-".into(), |v| format!("{v:.2}×"))
}

/// A fraction, as `97%`.
pub fn percent(v: Option<f64>) -> String {
    v.map_or("-".into(), |v| format!("{:.0}%", v * 100.0))
}

/// `median [min–max]`.
pub fn range(s: &Option<Stat>, f: fn(f64) -> String) -> String {
    s.map_or("-".into(), |s| format!("{} [{}–{}]", f(s.median), f(s.min), f(s.max)))
}

/// The median alone.
pub fn median(s: &Option<Stat>, f: fn(f64) -> String) -> String {
    s.map_or("-".into(), |s| f(s.median))
}
