//! A sweep's figures by contender (rows) and point (columns), with the reasons for gaps as
//! numbered notes. Which figures: the sections' ([`crate::render::Layout::pivots`]).

use std::fmt::Write as _;

use crate::model::plan::Example;
use crate::model::results::Results;
use crate::model::summary::RowSummary;

/// A figure by contender (rows) and point (columns), with the reasons for gaps as notes.
pub struct Pivot {
    title: String,
    columns: Vec<String>,
    rows: Vec<(String, Vec<String>)>,
    notes: Vec<String>,
    /// Lines under the table and its notes (the overhead over the bare runtimes).
    pub footer: Vec<String>,
}

impl Pivot {
    /// `cell` of every row of `example`'s groups (baselines left out), by contender and by
    /// `key` (its point); None where no row has a point.
    pub fn build(
        r: &Results,
        example: Example,
        title: String,
        key: impl Fn(&RowSummary) -> usize,
        cell: impl Fn(&RowSummary) -> Option<String>,
    ) -> Option<Pivot> {
        // The baselines' speedup is 1 by definition: the title names them instead.
        let rows: Vec<&RowSummary> = r
            .groups
            .iter()
            .filter(|g| g.example == example)
            .flat_map(|g| &g.rows)
            .filter(|row| !row.baseline)
            .collect();
        let mut keys: Vec<usize> = rows.iter().map(|row| key(row)).collect();
        keys.sort_unstable();
        keys.dedup();
        if keys.is_empty() {
            return None;
        }
        let mut names: Vec<&str> = Vec::new();
        for row in &rows {
            if !names.contains(&row.approach.as_str()) {
                names.push(&row.approach);
            }
        }
        let mut notes: Vec<String> = Vec::new();
        let table = names
            .iter()
            .map(|name| {
                let cells = keys
                    .iter()
                    .map(|k| {
                        let Some(row) =
                            rows.iter().find(|row| row.approach == *name && key(row) == *k)
                        else {
                            return String::new();
                        };
                        let gap = match (&row.failure, &row.skipped) {
                            (Some(why), _) => Some(("failed", why.to_string())),
                            (None, Some(why)) => Some(("skipped", why.clone())),
                            (None, None) => None,
                        };
                        match gap {
                            Some((what, why)) => {
                                let note = format!("{what}: {why}");
                                let i =
                                    notes.iter().position(|n| *n == note).unwrap_or_else(|| {
                                        notes.push(note);
                                        notes.len() - 1
                                    });
                                format!("{what} [{}]", i + 1)
                            }
                            None => cell(row).unwrap_or_default(),
                        }
                    })
                    .collect();
                (name.to_string(), cells)
            })
            .collect();
        let columns = keys.iter().map(|k| k.to_string()).collect();
        Some(Pivot { title, columns, rows: table, notes, footer: Vec::new() })
    }

    pub fn terminal(&self, per_table: usize) -> String {
        let mut out = format!("{}\n", self.title);
        let width = |i: usize| {
            self.rows
                .iter()
                .map(|(_, c)| c[i].chars().count())
                .chain([self.columns[i].len()])
                .max()
                .unwrap_or(0)
        };
        let name_width = self.rows.iter().map(|(n, _)| n.len()).max().unwrap_or(8).max(8);
        let all: Vec<usize> = (0..self.columns.len()).collect();
        for chunk in all.chunks(per_table) {
            let _ = write!(out, "{:<name_width$}", "");
            for &i in chunk {
                let _ = write!(out, "  {:>w$}", self.columns[i], w = width(i));
            }
            out.push('\n');
            for (name, cells) in &self.rows {
                let _ = write!(out, "{name:<name_width$}");
                for &i in chunk {
                    let _ = write!(out, "  {:>w$}", cells[i], w = width(i));
                }
                out.push('\n');
            }
        }
        for (i, note) in self.notes.iter().enumerate() {
            let _ = writeln!(out, "  [{}] {note}", i + 1);
        }
        for line in &self.footer {
            let _ = writeln!(out, "  {line}");
        }
        out
    }

    pub fn markdown(&self) -> String {
        let mut out = format!(
            "### {}\n\n| approach | {} |\n|---|{}\n",
            self.title,
            self.columns.join(" | "),
            "---|".repeat(self.columns.len())
        );
        for (name, cells) in &self.rows {
            let _ = writeln!(out, "| {name} | {} |", cells.join(" | "));
        }
        for (i, note) in self.notes.iter().enumerate() {
            let _ = write!(
                out,
                "{}[{}] {}",
                if i == 0 { "\n" } else { "<br>\n" },
                i + 1,
                note.replace('|', "\\|")
            );
        }
        for line in &self.footer {
            let _ = write!(out, "\n\n{line}");
        }
        out.push('\n');
        out
    }
}
