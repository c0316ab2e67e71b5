//! What a section's table shows: its [`Column`]s, and [`table`], the one routine that turns a
//! group's rows into cells for the terminal and for Markdown alike (the two only lay the
//! cells out differently).
//!
//! A new section is a new column list in [`columns`]: built from [`Column::new`] (a figure
//! the harness measures or derives) and [`Column::metric`] (a number the examples report in
//! their JSON line, e.g. `ticker.p99_us`, which the runner collects by itself).

use crate::output::{bytes, count, median, ms, percent, range, times};
use crate::plan::Section;
use crate::summary::{self, GroupSummary, RowSummary};

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
            Cell::Metric(key, format) => figure(&row.metrics.get(key).copied(), format, form),
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
fn figure(stat: &Option<crate::stats::Stat>, f: fn(f64) -> String, form: Form) -> String {
    match form {
        Form::Terminal => median(stat, f),
        Form::Markdown => range(stat, f),
    }
}

const APPROACH: Column =
    Column::new("approach", Some(("approach", Width::Left(17))), |r, _, _| r.approach.clone());
const WALL: Column = Column::new("wall ms", Some(("wall ms", Width::Left(20))), |r, _, form| {
    let mark = match (r.noisy, form) {
        (false, _) => "",
        (true, Form::Terminal) => "*",
        (true, Form::Markdown) => " \\*",
    };
    range(&r.wall_ms, ms) + mark
});
const X_IDEAL: Column =
    Column::new("× ideal", Some(("×ideal", Width::Right(7))), |r, _, _| times(r.x_ideal));
const SPEEDUP: Column =
    Column::new("speedup", Some(("speedup", Width::Right(7))), |r, _, _| times(r.speedup));
const EFFICIENCY: Column =
    Column::new("efficiency", Some(("eff", Width::Right(4))), |r, _, _| percent(r.efficiency));
const IN_PROCESS: Column =
    Column::new("in-process ms", Some(("in-proc", Width::Right(8))), |r, _, form| {
        figure(&r.in_process_ms, ms, form)
    });
const CPU: Column =
    Column::new("CPU ms (user+sys)", Some(("CPU ms", Width::Right(7))), |r, _, form| {
        figure(&r.cpu_ms, ms, form)
    });
const RSS: Column = Column::new("peak RSS", Some(("peak RSS", Width::Right(9))), |r, _, form| {
    figure(&r.max_rss_kib, bytes, form)
});
const THREADS: Column =
    Column::new("peak threads", Some(("threads", Width::Right(7))), |r, _, form| {
        figure(&r.peak_threads, count, form)
    });
const SWITCHES: Column = Column::new(
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
const RUNS: Column = Column::new("runs", None, |r, _, _| r.runs.to_string());
/// cpu: the part of the shortfall spent idle, (T × wall − CPU) ÷ (T × wall).
const IDLE_TAIL: Column = Column::new("idle tail", Some(("idle", Width::Right(5))), |r, _, _| {
    whole_percent(summary::idle_tail(r))
});
/// cpu: CPU time over the baseline's, what the machine charges for running T at once.
const CPU_INFLATION: Column =
    Column::new("CPU inflation", Some(("CPU+", Width::Right(5))), |r, g, _| {
        signed_percent(summary::cpu_inflation(r, g))
    });
/// cpu: context switches in Markdown only (the terminal has no room beside the split).
const SWITCHES_MD: Column = Column { terminal: None, ..SWITCHES };
/// io over tcp: the delay server's own CPU time during the run.
const SERVER_CPU: Column =
    Column::metric("server CPU ms", Some(("srvCPU", Width::Right(6))), "server_cpu_ms", ms)
        .only_if_reported();
/// scale: wall time over the bare-runtime row's.
const OVER_BARE_WALL: Column =
    Column::new("over bare: wall", Some(("+wall", Width::Right(6))), |r, g, _| {
        signed_percent(summary::over_bare(r, g, |r| r.wall_ms))
    });
/// scale: peak RSS over the bare-runtime row's.
const OVER_BARE_RSS: Column =
    Column::new("over bare: peak RSS", Some(("+RSS", Width::Right(6))), |r, g, _| {
        signed_percent(summary::over_bare(r, g, |r| r.max_rss_kib))
    });

// The mistakes and shared sections' columns (run-all; see `crate::sections`).

/// A row named with its variant (and its threads where they differ from the group's).
const NAMED: Column =
    Column::new("approach", Some(("approach", Width::Left(32))), |r, _, _| r.approach.clone());
/// The same, wide enough for "python-threading (forced-race-locked)".
const NAMED_WIDE: Column =
    Column::new("approach", Some(("approach", Width::Left(37))), |r, _, _| r.approach.clone());
/// Wall time: the median alone on the terminal (the range in Markdown).
const WALL_MEDIAN: Column =
    Column::new("wall ms", Some(("wall ms", Width::Right(8))), |r, _, form| {
        let mark = match (r.noisy, form) {
            (false, _) => "",
            (true, Form::Terminal) => "*",
            (true, Form::Markdown) => " \\*",
        };
        figure(&r.wall_ms, ms, form) + mark
    });
/// io: × ideal; cpu: speedup over the group's baseline.
const VS: Column =
    Column::new("× ideal (io) / speedup (cpu)", Some(("×id/spd", Width::Right(7))), |r, _, _| {
        times(r.x_ideal.or(r.speedup))
    });
const TICK_P99: Column =
    Column::metric("ticker p99 ms", Some(("p99 ms", Width::Right(7))), "ticker.p99_us", us_as_ms);
const TICK_MAX: Column =
    Column::metric("ticker max ms", Some(("max ms", Width::Right(7))), "ticker.max_us", us_as_ms);
/// The worker threads the example says it ran the work on (current-thread: 1).
const WORKERS: Column = Column::new("workers", Some(("T", Width::Right(3))), |r, _, _| {
    r.worker_threads.map_or("-".into(), |t| t.to_string())
});
const WORKERS_MD: Column = Column { terminal: None, ..WORKERS };
const CPU_MD: Column = Column { terminal: None, ..CPU };
/// The result as checked: ✓ and the result, or the expected outcome the row met.
const VERIFIED: Column =
    Column::new("verified", Some(("ok", Width::Right(3))), |r, _, form| match (form, r.result) {
        (Form::Terminal, Some(_)) => "✓".into(),
        (Form::Markdown, Some(result)) => format!("✓ {result}"),
        (_, None) => "-".into(),
    });
const RATE: Column = Column::metric(
    "increments/s",
    Some(("incr/s", Width::Right(8))),
    "increments_per_s",
    per_second,
);
/// The total as checked against W × M: ✓, the measured total of a race that lost updates, or
/// "deadlock detected" where the watchdog named it.
const TOTAL: Column = Column::new("total", Some(("total", Width::Left(17))), |r, g, _| {
    let deadlock = matches!(
        &r.outcome,
        Some(crate::outcome::Failure::Exit { message, .. })
            if message.contains(avt_common::shared::DEADLOCK_MARKER)
    );
    match (deadlock, r.result, g.expected.result) {
        (true, ..) => "deadlock detected".into(),
        (false, Some(got), Some(total)) if got < total => format!("{got} (race)"),
        (false, Some(got), _) => format!("{got} ✓"),
        (false, None, _) => "-".into(),
    }
});
/// Updates lost (the Python originals report theirs; a Rust row that lost one failed).
const LOST: Column = Column::metric("lost updates", Some(("lost", Width::Right(6))), "lost", count);

/// Microseconds as ms.
fn us_as_ms(us: f64) -> String {
    ms(us / 1e3)
}

/// A rate per second: 1.2 M, 350 k.
fn per_second(v: f64) -> String {
    if v >= 1e9 {
        format!("{:.2} G", v / 1e9)
    } else if v >= 1e6 {
        format!("{:.1} M", v / 1e6)
    } else if v >= 1e3 {
        format!("{:.0} k", v / 1e3)
    } else {
        format!("{v:.0}")
    }
}

/// The mixed rows' names: the approach and its variant ("async-std current-thread").
const WAY: Column =
    Column::new("approach", Some(("approach", Width::Left(24))), |r, _, _| r.approach.clone());
/// A latency the mixed examples report in µs, in ms.
fn latency_ms(us: f64) -> String {
    ms(us / 1e3)
}
const P50: Column =
    Column::metric("p50 ms", Some(("p50 ms", Width::Right(7))), "latency.p50_us", latency_ms);
const P99: Column =
    Column::metric("p99 ms", Some(("p99 ms", Width::Right(7))), "latency.p99_us", latency_ms);
const MAX_LATENCY: Column =
    Column::metric("max ms", Some(("max ms", Width::Right(7))), "latency.max_us", latency_ms);
const LATE: Column = Column::metric("late", Some(("late", Width::Right(5))), "late", count);
const ACHIEVED: Column =
    Column::metric("achieved /s", Some(("got /s", Width::Right(6))), "achieved_rate", |v| {
        format!("{v:.0}")
    });
/// Verified, or the expected outcome its runs ended in (requests late), and in how many.
const OUTCOME: Column =
    Column::new("outcome", Some(("outcome", Width::Left(9))), |r, _, _| {
        match (&r.outcome, r.outcome_runs) {
            (Some(_), n) if n == r.runs => "late".into(),
            (Some(_), n) => format!("late {n}/{}", r.runs),
            (None, _) => "verified".into(),
        }
    });

/// The columns of a section's tables.
pub fn columns(section: Section) -> Vec<Column> {
    match section {
        Section::Io => {
            vec![APPROACH, WALL, X_IDEAL, IN_PROCESS, CPU, SERVER_CPU, RSS, THREADS, SWITCHES, RUNS]
        }
        Section::Cpu => vec![
            APPROACH,
            WALL,
            SPEEDUP,
            EFFICIENCY,
            IDLE_TAIL,
            CPU_INFLATION,
            IN_PROCESS,
            CPU,
            RSS,
            THREADS,
            SWITCHES_MD,
            RUNS,
        ],
        Section::Scale => vec![
            APPROACH,
            WALL,
            X_IDEAL,
            OVER_BARE_WALL,
            RSS,
            OVER_BARE_RSS,
            CPU,
            THREADS,
            SWITCHES,
            RUNS,
        ],
        Section::Mistakes => vec![
            NAMED,
            WALL_MEDIAN,
            VS,
            TICK_P99,
            TICK_MAX,
            WORKERS,
            THREADS,
            RSS,
            CPU,
            VERIFIED,
            RUNS,
        ],
        Section::Shared => vec![
            NAMED_WIDE,
            RATE,
            TOTAL,
            LOST,
            WALL_MEDIAN,
            WORKERS_MD,
            THREADS,
            SWITCHES,
            CPU_MD,
            RUNS,
        ],
        Section::Mixed => {
            vec![WAY, P50, P99, MAX_LATENCY, LATE, ACHIEVED, CPU, THREADS, RSS, OUTCOME, RUNS]
        }
    }
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

/// `group`'s table as `form` shows it, with [`columns`] of its section.
pub fn table(group: &GroupSummary, form: Form) -> Table {
    table_of(&columns(group.section), group, form)
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
    use crate::outcome::{Expect, Failure};
    use crate::plan::Example;
    use crate::runner::Reference;
    use crate::stats::Stat;

    fn group(rows: Vec<RowSummary>) -> GroupSummary {
        GroupSummary {
            label: "shared".into(),
            section: Section::Io,
            example: Example::Io,
            expected: Reference { checksum: None, source: "first result".into(), result: None },
            rows,
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
            let t = table(&g, form);
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
