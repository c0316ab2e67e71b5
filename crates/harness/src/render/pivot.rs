//! A sweep's figures by contender (rows) and point (columns), with the reasons for gaps as
//! numbered notes.

use std::fmt::Write as _;

use crate::model::plan::Example;
use crate::model::results::Results;
use crate::model::summary::{GroupSummary, RowSummary};
use crate::render::columns::{signed_percent, whole_percent};
use crate::render::format::{bytes, ms, percent, times};
use crate::summary;

/// A figure by contender (rows) and point (columns), with the reasons for gaps as notes.
pub struct Pivot {
    title: String,
    columns: Vec<String>,
    rows: Vec<(String, Vec<String>)>,
    notes: Vec<String>,
    /// Lines under the table and its notes (the overhead over the bare runtimes).
    footer: Vec<String>,
}

/// The sweep's pivots (none for run-all): io wall time, io memory, cpu speedup. The one
/// place that asks whether results are a sweep's.
pub fn pivots(r: &Results) -> Vec<Pivot> {
    if r.settings.sweep.is_none() {
        return Vec::new();
    }
    let delay = r.settings.io.map_or(0, |io| io.delay_ms);
    let tasks = |row: &RowSummary| row.params.tasks.unwrap_or(0);
    let threads = |row: &RowSummary| row.params.threads;
    let mut out = Vec::new();
    let io_wall =
        |row: &RowSummary| Some(format!("{} {}", ms(row.wall_ms?.median), times(row.x_ideal)));
    let io_groups: Vec<&GroupSummary> =
        r.groups.iter().filter(|g| g.example == Example::Io).collect();
    let io_memory = |row: &RowSummary| {
        let rss = bytes(row.max_rss_kib?.median);
        Some(match summary::bytes_per_task(row, &io_groups) {
            Some(b) => format!("{rss} {b:.0} B"),
            None => rss,
        })
    };
    let speedup =
        |row: &RowSummary| Some(format!("{} {}", times(row.speedup), percent(row.efficiency)));
    let threads_io = r.settings.threads;
    out.extend(Pivot::build(
        r,
        Example::Io,
        format!(
            "io{} wall time: median ms and × ideal, by tasks in flight ({delay} ms wait, --threads {threads_io})",
            r.settings.source.over()
        ),
        tasks,
        io_wall,
    ));
    if let Some(wall) = out.last_mut() {
        wall.footer = over_bare(&io_groups);
    }
    out.extend(Pivot::build(
        r,
        Example::Io,
        "io peak memory: median peak RSS, and from 1000 tasks up bytes per task above the \
         smallest point"
            .into(),
        tasks,
        io_memory,
    ));
    out.extend(Pivot::build(
        r,
        Example::Cpu,
        "cpu speedup over the sequential run (Python: over Python's) and efficiency, by worker threads"
            .into(),
        threads,
        speedup,
    ));
    // The two parts of the shortfall, beside the speedup (see `summary::idle_tail`).
    let shortfall = |row: &RowSummary| {
        let group = r.groups.iter().find(|g| g.rows.iter().any(|x| std::ptr::eq(x, row)))?;
        let idle = whole_percent(summary::idle_tail(row));
        Some(format!("{idle} / {}", signed_percent(summary::cpu_inflation(row, group))))
    };
    out.extend(Pivot::build(
        r,
        Example::Cpu,
        "cpu shortfall: idle tail (T × wall − CPU) ÷ (T × wall) / CPU inflation over the \
         sequential run's CPU time, by worker threads"
            .into(),
        threads,
        shortfall,
    ));
    out
}

impl Pivot {
    fn build(
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

/// A line per io point with bare-runtime rows: each async crate's wall time and peak RSS over
/// its bare program's (which runs no ticker, where the sweep's example rows run theirs).
fn over_bare(io_groups: &[&GroupSummary]) -> Vec<String> {
    io_groups
        .iter()
        .filter_map(|g| {
            let pairs: Vec<String> = g
                .rows
                .iter()
                .filter_map(|row| {
                    let bare = row.bare.as_deref()?;
                    let wall = summary::over_bare(row, g, |r| r.wall_ms)?;
                    let rss = summary::over_bare(row, g, |r| r.max_rss_kib)?;
                    Some(format!(
                        "{} {:+.0}% wall, {:+.0}% RSS over {bare}",
                        row.approach,
                        wall * 100.0,
                        rss * 100.0
                    ))
                })
                .collect();
            let tasks = g.rows.first()?.params.tasks?;
            (!pairs.is_empty()).then(|| {
                format!(
                    "Over the bare runtime at {tasks} tasks (the example with its ticker, the \
                     bare program without): {}.",
                    pairs.join("; ")
                )
            })
        })
        .collect()
}
