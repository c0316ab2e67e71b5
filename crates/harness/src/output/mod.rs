//! The comparison as people read it (a terminal table, Markdown) and as tools read it
//! (JSON with every raw run, CSV).
//!
//! - [`columns`]: what each section's table shows, and the one routine that turns a row
//!   into its cells for the terminal and Markdown alike;
//! - [`terminal`] and [`markdown`]: the two documents around those tables;
//! - [`pivot`]: a sweep's figures by contender (rows) and point (columns);
//! - [`csv`]: one line per row;
//! - [`files`]: every file written whole, after every group.

pub mod columns;
pub mod csv;
pub mod files;
pub mod markdown;
pub mod pivot;
pub mod terminal;

use std::fmt::Write as _;

pub use self::csv::csv;
pub use self::files::{check_writable, render, to_stdout, write_files, write_whole};
pub use self::markdown::markdown;
pub use self::terminal::terminal;

use crate::Results;
use crate::stats::Stat;
use crate::summary::{GroupSummary, NOISY_SPREAD};

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

/// The header every output starts with.
fn preamble(r: &Results) -> Vec<String> {
    let s = &r.settings;
    let e = &r.environment;
    let mut lines = vec![
        format!(
            "{} · {} · {} build · commit {}{}",
            r.command,
            e.date,
            e.profile,
            e.git_commit,
            if e.git_dirty { " (modified)" } else { "" }
        ),
        format!("machine: {}", e.machine()),
        format!(
            "{} counted run{} per row after {} warm-up{}, interleaved across rows; every \
             approach gets --threads {}.\nFigures are medians, [min–max] over the counted runs.",
            s.runs,
            if s.runs == 1 { "" } else { "s" },
            s.warmup,
            if s.warmup == 1 { "" } else { "s" },
            s.threads
        ),
    ];
    // Sections with runs of their own (run-all's mistakes and shared) say so.
    for rounds in &s.rounds {
        let warmup = match rounds.warmup {
            0 => "no warm-up".to_string(),
            1 => "after 1 warm-up".to_string(),
            w => format!("after {w} warm-ups"),
        };
        lines.push(format!(
            "{}: {} counted run{} per row, {warmup} (its own, as its tables say).",
            rounds.section.name(),
            rounds.runs,
            if rounds.runs == 1 { "" } else { "s" },
        ));
    }
    if r.partial {
        lines.push(format!(
            "PARTIAL RESULTS: the {} group(s) measured when this was written; the command did \
             not finish (it is still running, was interrupted, or failed later).",
            r.groups.len()
        ));
    }
    lines
}

/// A group's title: its label, and what every run's result was checked against.
fn check_line(group: &GroupSummary) -> String {
    match &group.expected.checksum {
        Some(sum) => {
            format!("every run's result checked against: {} [{sum}]", group.expected.source)
        }
        None => "no run finished, so nothing was checked".into(),
    }
}

/// What the tables' marks mean, and what failed.
fn footnotes(r: &Results) -> String {
    let mut notes = String::new();
    let rows = || r.groups.iter().flat_map(|g| &g.rows);
    if rows().any(|row| row.noisy) {
        let _ = writeln!(
            notes,
            "\n* wall time spread (max ÷ min) above {NOISY_SPREAD:.2}: a noisy row; more --runs or \
             a quieter machine help."
        );
    }
    if r.environment.profile != "release" {
        let _ = writeln!(
            notes,
            "\nNote: {} build: these numbers do not represent release performance.",
            r.environment.profile
        );
    }
    if let Some(why) = &r.settings.python_missing {
        let _ = writeln!(notes, "\nPython originals: {why}.");
    }
    notes += &crate::mixed::footnotes(r);
    let failed = rows().filter(|row| row.failure.is_some()).count();
    if failed > 0 && r.ok {
        let _ = writeln!(
            notes,
            "\n{failed} point(s) could not be reached (an OS limit or the timeout, as noted): \
             results, not errors."
        );
    } else if failed > 0 {
        let _ = writeln!(notes, "\n{failed} row(s) FAILED: see above; exit status 1.");
    }
    notes
}
