//! The comparison for a terminal, readable at 100 columns: a table per group, or a sweep's
//! pivots.

use std::fmt::Write as _;

use crate::model::results::Results;
use crate::render::columns::{Form, Line, Table, pad, table_of};
use crate::render::document::{check_line, footnotes, preamble};
use crate::render::layout::Layout;

/// Widest a table row gets on the terminal; longer rows (a long failure) are cut.
const WIDTH: usize = 100;

/// The document for the terminal: the preamble, then each group's table (or, for a sweep,
/// its pivots: the points as columns, at most five per table), then the footnotes.
pub fn terminal(r: &Results, layout: &dyn Layout) -> String {
    let mut out = preamble(r).join("\n") + "\n";
    let pivots = layout.pivots(r);
    if pivots.is_empty() {
        for group in &r.groups {
            let _ = writeln!(out, "\n{}\n{}", group.label, check_line(group));
            out += &lay_out(&table_of(&layout.columns(group), group, Form::Terminal));
        }
    } else {
        for pivot in &pivots {
            let _ = write!(out, "\n{}", pivot.terminal(5));
        }
    }
    out + &footnotes(r, layout)
}

/// A table in fixed-width columns.
fn lay_out(t: &Table) -> String {
    let join = |cells: &mut dyn Iterator<Item = String>| cells.collect::<Vec<_>>().join(" ");
    let mut out = join(&mut t.headers.iter().zip(&t.widths).map(|(h, &w)| pad(h, w))) + "\n";
    for line in &t.lines {
        let text = match line {
            Line::Cells(cells) => join(&mut cells.iter().zip(&t.widths).map(|(c, &w)| pad(c, w))),
            Line::Gap { approach, failed, why } => {
                let what = if *failed { "FAILED" } else { "skipped" };
                format!("{} {what}: {why}", pad(approach, t.widths[0]))
            }
        };
        let _ = writeln!(out, "{}", text.chars().take(WIDTH).collect::<String>());
    }
    for note in &t.notes {
        let _ = writeln!(out, "  † {note}");
    }
    out
}
