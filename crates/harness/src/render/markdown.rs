//! The Markdown report: a table per group with every figure as median [min–max]; a sweep's
//! pivots first.

use std::fmt::Write as _;

use crate::model::results::Results;
use crate::render::columns::{Form, Line, Table, table_of};
use crate::render::document::{check_line, footnotes, preamble};
use crate::render::layout::Layout;

/// The Markdown document: the preamble, a sweep's pivots, every group's table, the
/// footnotes.
pub fn markdown(r: &Results, layout: &dyn Layout) -> String {
    let mut out = String::new();
    for line in preamble(r) {
        let _ = writeln!(out, "{line}\n");
    }
    let pivots = layout.pivots(r);
    for pivot in &pivots {
        let _ = writeln!(out, "{}", pivot.markdown());
    }
    if !pivots.is_empty() {
        let _ = writeln!(out, "## Every point\n");
    }
    for group in &r.groups {
        let _ = writeln!(out, "### {}\n\n{}\n", group.label, check_line(group));
        out += &lay_out(&table_of(&layout.columns(group), group, Form::Markdown));
    }
    out + &footnotes(r, layout)
}

/// A table as Markdown, then its notes.
fn lay_out(t: &Table) -> String {
    let columns = t.headers.len();
    let mut out = format!("| {} |\n|{}\n", t.headers.join(" | "), "---|".repeat(columns));
    for line in &t.lines {
        let _ = match line {
            Line::Cells(cells) => writeln!(out, "| {} |", cells.join(" | ")),
            Line::Gap { approach, failed, why } => {
                let what = if *failed { "**FAILED**" } else { "skipped" };
                let why = format!("{what}: {why}").replace('|', "\\|");
                writeln!(out, "| {approach} | {why}{} |", " |".repeat(columns.saturating_sub(2)))
            }
        };
    }
    out.push('\n');
    for note in &t.notes {
        let _ = writeln!(out, "† {}\n", note.replace('|', "\\|"));
    }
    out
}
