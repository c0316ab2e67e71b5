//! What a table shows: [`Column`]s, and [`table_of`], the one routine that turns a group's
//! rows into cells for the terminal and for Markdown alike (the two only lay the cells out
//! differently). The columns most sections share are here; a section's own are in its file.
//!
//! A section's column list is built from [`Column::new`] (a figure the harness measures or
//! derives) and [`Column::metric`] (a number the examples report in their JSON line, e.g.
//! `ticker.p99_us`, which the runner collects by itself).

use crate::model::stats::Stat;
use crate::model::summary::{GroupSummary, RowSummary};
use crate::render::format::{bytes, count, median, ms, range, times};

/// The table a row is drawn into: the terminal shows most figures as medians in fixed
/// widths; Markdown shows each as median [min–max].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    Terminal,
    Markdown,
}

/// A column's width and alignment on the terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Width {
    Left(usize),
    Right(usize),
}

/// How a column gets its cell.
#[derive(Clone, Copy)]
pub enum Cell {
    /// Computed from the row and its group (e.g. the group's baseline row), per form.
    Row(fn(&RowSummary, &GroupSummary, Form) -> String),
    /// A number the examples' reports hold (a key of `RowSummary::metrics`), formatted by
    /// the function: its median on the terminal, median [min–max] in Markdown.
    Metric(&'static str, fn(f64) -> String),
}

/// One column of a section's table.
#[derive(Clone, Copy)]
pub struct Column {
    /// Its Markdown header.
    pub header: &'static str,
    /// Its terminal header and width; None: shown in Markdown only.
    pub terminal: Option<(&'static str, Width)>,
    pub cell: Cell,
    /// A metric column shown only in tables where some row reported the number (the delay
    /// server's CPU time exists only over tcp).
    pub optional: bool,
}

impl Column {
    /// A column computed from the row.
    pub const fn new(
        header: &'static str,
        terminal: Option<(&'static str, Width)>,
        cell: fn(&RowSummary, &GroupSummary, Form) -> String,
    ) -> Column {
        Column { header, terminal, cell: Cell::Row(cell), optional: false }
    }

    /// A column showing a number from the examples' reports, by its path (`late`,
    /// `ticker.p99_us`).
    pub const fn metric(
        header: &'static str,
        terminal: Option<(&'static str, Width)>,
        key: &'static str,
        format: fn(f64) -> String,
    ) -> Column {
        Column { header, terminal, cell: Cell::Metric(key, format), optional: false }
    }

    /// The same column, in Markdown only (the terminal has no room for it).
    pub const fn markdown_only(self) -> Column {
        Column { terminal: None, ..self }
    }

    /// The same column, shown only in a table where some row has its metric.
    pub const fn only_if_reported(self) -> Column {
        Column { optional: true, ..self }
    }

    /// Whether `group`'s table has this column: always, unless it is optional and no row
    /// reported its metric.
    fn present(&self, group: &GroupSummary) -> bool {
        match self.cell {
            Cell::Metric(key, _) if self.optional => {
                group.rows.iter().any(|r| r.metrics.contains_key(key))
            }
            _ => true,
        }
    }

    fn shown(&self, form: Form) -> bool {
        form == Form::Markdown || self.terminal.is_some()
    }

    fn cell(&self, row: &RowSummary, group: &GroupSummary, form: Form) -> String {
        match self.cell {
            Cell::Row(cell) => cell(row, group, form),
            Cell::Metric(key, format) => {
                figure(&row.metrics.get(key).copied(), format, form)
                    + noise_mark(row, group, Some(key), form)
            }
        }
    }
}

/// A signed fraction, as `+12%` or `-3%`.
pub fn signed_percent(v: Option<f64>) -> String {
    v.map_or("-".into(), |v| match (v * 100.0).round() {
        0.0 => "0%".into(),
        p => format!("{p:+.0}%"),
    })
}

/// A fraction as `12%`, with no `-0%` for a hair below zero.
pub fn whole_percent(v: Option<f64>) -> String {
    v.map_or("-".into(), |v| format!("{:.0}%", (v * 100.0).round() + 0.0))
}

/// A figure as its form shows it: the median alone on the terminal, median [min–max] in
/// Markdown.
pub fn figure(stat: &Option<Stat>, f: fn(f64) -> String, form: Form) -> String {
    match form {
        Form::Terminal => median(stat, f),
        Form::Markdown => range(stat, f),
    }
}

pub const APPROACH: Column =
    Column::new("approach", Some(("approach", Width::Left(17))), |r, _, _| r.approach.clone());
pub const WALL: Column =
    Column::new("wall ms", Some(("wall ms", Width::Left(20))), |r, g, form| {
        range(&r.wall_ms, ms) + noise_mark(r, g, None, form)
    });
pub const X_IDEAL: Column =
    Column::new("× ideal", Some(("×ideal", Width::Right(7))), |r, _, _| times(r.x_ideal));
pub const IN_PROCESS: Column =
    Column::new("in-process ms", Some(("in-proc", Width::Right(8))), |r, _, form| {
        figure(&r.in_process_ms, ms, form)
    });
pub const CPU: Column =
    Column::new("CPU ms (user+sys)", Some(("CPU ms", Width::Right(7))), |r, _, form| {
        figure(&r.cpu_ms, ms, form)
    });
pub const RSS: Column =
    Column::new("peak RSS", Some(("peak RSS", Width::Right(9))), |r, _, form| {
        figure(&r.max_rss_kib, bytes, form)
    });
pub const THREADS: Column =
    Column::new("peak threads", Some(("threads", Width::Right(7))), |r, _, form| {
        figure(&r.peak_threads, count, form)
    });
pub const SWITCHES: Column = Column::new(
    "ctx switches vol / invol",
    Some(("ctx sw v/i", Width::Right(10))),
    |r, _, form| {
        let (v, i) = (median(&r.voluntary_switches, count), median(&r.involuntary_switches, count));
        match form {
            Form::Terminal => format!("{v}/{i}"),
            Form::Markdown => format!("{v} / {i}"),
        }
    },
);
pub const RUNS: Column = Column::new("runs", None, |r, _, _| r.runs.to_string());
/// Wall time: the median alone on the terminal (the range in Markdown).
pub const WALL_MEDIAN: Column =
    Column::new("wall ms", Some(("wall ms", Width::Right(8))), |r, g, form| {
        figure(&r.wall_ms, ms, form) + noise_mark(r, g, None, form)
    });

/// The noisy row's mark, on the figure its group is flagged on (`key`; None: the wall time).
fn noise_mark(r: &RowSummary, g: &GroupSummary, key: Option<&str>, form: Form) -> &'static str {
    match (r.noisy && g.noise_on.as_deref() == key, form) {
        (false, _) => "",
        (true, Form::Terminal) => "*",
        (true, Form::Markdown) => " \\*",
    }
}
/// The worker threads the example says it ran the work on (current-thread: 1).
pub const WORKERS: Column = Column::new("workers", Some(("T", Width::Right(3))), |r, _, _| {
    r.worker_threads.map_or("-".into(), |t| t.to_string())
});

/// Microseconds (as the examples report latencies and lateness) in ms.
pub fn us_as_ms(us: f64) -> String {
    ms(us / 1e3)
}

/// One row of a table, ready to be laid out.
#[derive(Debug, Clone, PartialEq)]
pub enum Line {
    /// A cell per column.
    Cells(Vec<String>),
    /// A row with no figures: it failed (or could not reach this point), or was skipped.
    Gap { approach: String, failed: bool, why: String },
}

/// A group's table in one form: headers, terminal widths, a line per row, and notes on rows
/// that ended as expected other than by success.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub headers: Vec<&'static str>,
    /// Terminal widths (Markdown ignores them).
    pub widths: Vec<Width>,
    pub lines: Vec<Line>,
    pub notes: Vec<String>,
}

/// `group`'s table with the given columns.
pub fn table_of(columns: &[Column], group: &GroupSummary, form: Form) -> Table {
    let shown: Vec<&Column> =
        columns.iter().filter(|c| c.shown(form) && c.present(group)).collect();
    let headers = shown
        .iter()
        .map(|c| match (form, c.terminal) {
            (Form::Terminal, Some((short, _))) => short,
            _ => c.header,
        })
        .collect();
    let widths =
        shown.iter().map(|c| c.terminal.map_or(Width::Left(0), |(_, width)| width)).collect();
    let lines = group
        .rows
        .iter()
        .map(|row| match (&row.failure, &row.skipped) {
            (Some(why), _) => {
                Line::Gap { approach: row.approach.clone(), failed: true, why: why.to_string() }
            }
            (None, Some(why)) => {
                Line::Gap { approach: row.approach.clone(), failed: false, why: why.clone() }
            }
            (None, None) => Line::Cells(shown.iter().map(|c| c.cell(row, group, form)).collect()),
        })
        .collect();
    let notes = group
        .rows
        .iter()
        .filter_map(|row| {
            let outcome = row.outcome.as_ref()?;
            Some(format!(
                "{}: {} of {} counted run(s) ended as this row expects: {outcome}",
                row.approach, row.outcome_runs, row.runs
            ))
        })
        .collect();
    Table { headers, widths, lines, notes }
}

/// `text` padded to `width` (in characters).
pub fn pad(text: &str, width: Width) -> String {
    match width {
        Width::Left(w) => format!("{text:<w$}"),
        Width::Right(w) => format!("{text:>w$}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::group::Reference;
    use crate::model::outcome::{Expect, Failure};
    use crate::model::plan::{Example, Section};

    fn group(rows: Vec<RowSummary>) -> GroupSummary {
        GroupSummary {
            label: "shared".into(),
            section: Section::Io,
            example: Example::Io,
            expected: Reference { checksum: None, source: "first result".into(), result: None },
            rows,
            noise_on: None,
        }
    }

    fn row(name: &str) -> RowSummary {
        let json = format!(
            r#"{{"approach":"{name}","example":"io","params":{{"threads":2}},"runs":3,
            "failure":null,"wall_ms":{{"median":10.0,"min":9.0,"max":12.0}},"in_process_ms":null,
            "cpu_ms":null,"max_rss_kib":null,"peak_threads":null,"voluntary_switches":null,
            "involuntary_switches":null,"result":null,"checksum":null,"worker_threads":null,
            "x_ideal":null,"speedup":null,"efficiency":null,"noisy":false}}"#
        );
        serde_json::from_str(&json).unwrap()
    }

    #[test]
    fn a_new_section_is_a_column_list_with_report_metrics() {
        // A later section's table: a column it computes and one the examples report.
        const LOST: Column =
            Column::new("lost updates", Some(("lost", Width::Right(6))), |r, g, _| {
                match (g.expected.result, r.result) {
                    (Some(total), Some(got)) => (total - got).to_string(),
                    _ => "-".into(),
                }
            });
        const P99: Column = Column::metric("ticker p99 µs", None, "ticker.p99_us", count);
        let mut tokio = row("tokio");
        tokio
            .metrics
            .insert("ticker.p99_us".into(), Stat { median: 250.0, min: 200.0, max: 300.0 });
        tokio.result = Some(90);
        tokio.expect = Expect::LostUpdates;
        tokio.outcome = Some(Failure::Other("lost 10 updates".into()));
        tokio.outcome_runs = 3;
        let mut g = group(vec![tokio, row("smol")]);
        g.expected.result = Some(100);
        let columns = [APPROACH, LOST, P99];

        let md = table_of(&columns, &g, Form::Markdown);
        assert_eq!(md.headers, ["approach", "lost updates", "ticker p99 µs"]);
        assert_eq!(
            md.lines[0],
            Line::Cells(vec!["tokio".into(), "10".into(), "250 [200–300]".into()])
        );
        assert_eq!(md.lines[1], Line::Cells(vec!["smol".into(), "-".into(), "-".into()]));
        assert_eq!(
            md.notes,
            ["tokio: 3 of 3 counted run(s) ended as this row expects: lost 10 updates"]
        );

        let terminal = table_of(&columns, &g, Form::Terminal);
        assert_eq!(terminal.headers, ["approach", "lost"], "Markdown-only columns stay off");
        assert_eq!(terminal.lines[0], Line::Cells(vec!["tokio".into(), "10".into()]));
    }

    #[test]
    fn a_failed_or_skipped_row_is_a_gap_in_both_forms() {
        let mut failed = row("tokio");
        failed.failure = Some(Failure::Exit { code: 3, message: "boom".into() });
        let mut skipped = row("rayon");
        skipped.skipped = Some("over the cap".into());
        let g = group(vec![failed, skipped]);
        for form in [Form::Terminal, Form::Markdown] {
            let t = table_of(&[APPROACH, WALL], &g, form);
            assert_eq!(
                t.lines,
                [
                    Line::Gap {
                        approach: "tokio".into(),
                        failed: true,
                        why: "exit code 3: boom".into()
                    },
                    Line::Gap {
                        approach: "rayon".into(),
                        failed: false,
                        why: "over the cap".into()
                    },
                ]
            );
        }
    }
}
