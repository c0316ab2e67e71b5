//! What the terminal and the Markdown documents share: the preamble, a group's check line,
//! the footnotes.

use std::fmt::Write as _;

use crate::model::results::Results;
use crate::model::summary::{GroupSummary, NOISY_SPREAD};
use crate::render::layout::Layout;

/// The header every output starts with.
pub(crate) fn preamble(r: &Results) -> Vec<String> {
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
pub(crate) fn check_line(group: &GroupSummary) -> String {
    match &group.expected.checksum {
        Some(sum) => {
            format!("every run's result checked against: {} [{sum}]", group.expected.source)
        }
        None => "no run finished, so nothing was checked".into(),
    }
}

/// What the tables' marks mean, what the sections note, and what failed.
pub(crate) fn footnotes(r: &Results, layout: &dyn Layout) -> String {
    let mut notes = String::new();
    let rows = || r.groups.iter().flat_map(|g| &g.rows);
    if rows().any(|row| row.noisy) {
        let _ = writeln!(
            notes,
            "\n* spread (max ÷ min) over the counted runs above {NOISY_SPREAD:.2}, of the figure the \
             mark is on (the wall time, unless a section measures its rows in-process): a noisy \
             row; more --runs or a quieter machine help."
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
    notes += &layout.footnotes(r);
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
