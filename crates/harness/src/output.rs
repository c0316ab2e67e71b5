//! The comparison as people read it (a terminal table, Markdown) and as tools read it
//! (JSON with every raw run, CSV), written so an interrupted run leaves no half a file.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::Results;
use crate::plan::{Example, PYTHON_SEQUENTIAL, SEQUENTIAL};
use crate::stats::Stat;
use crate::summary::{self, GroupSummary, NOISY_SPREAD, RowSummary};

/// Writes `<out>/<name>.json`, `.md` and `.csv`, each to a temporary file then renamed.
pub fn write_files(results: &Results, out: &Path, name: &str) -> Result<Vec<PathBuf>> {
    fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let json = serde_json::to_string_pretty(results).context("cannot serialise the results")?;
    let files = [("json", json + "\n"), ("md", markdown(results)), ("csv", csv(results))];
    let mut written = Vec::new();
    for (ext, text) in files {
        let path = out.join(format!("{name}.{ext}"));
        let tmp = out.join(format!(".{name}.{ext}.tmp"));
        fs::write(&tmp, text).with_context(|| format!("cannot write {}", tmp.display()))?;
        fs::rename(&tmp, &path).with_context(|| format!("cannot write {}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}

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

fn range(s: &Option<Stat>, f: fn(f64) -> String) -> String {
    s.map_or("-".into(), |s| format!("{} [{}–{}]", f(s.median), f(s.min), f(s.max)))
}

fn median(s: &Option<Stat>, f: fn(f64) -> String) -> String {
    s.map_or("-".into(), |s| f(s.median))
}

fn count(v: f64) -> String {
    format!("{v:.0}")
}

fn times(v: Option<f64>) -> String {
    v.map_or("-".into(), |v| format!("{v:.2}×"))
}

fn percent(v: Option<f64>) -> String {
    v.map_or("-".into(), |v| format!("{:.0}%", v * 100.0))
}

/// The header every output starts with.
fn preamble(r: &Results) -> Vec<String> {
    let s = &r.settings;
    let e = &r.environment;
    vec![
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
    ]
}

/// The table for a terminal, readable at 100 columns.
pub fn terminal(r: &Results) -> String {
    let mut out = preamble(r).join("\n") + "\n";
    for group in &r.groups {
        let _ = writeln!(out, "\n{}", group_title(group));
        let derived = match group.example {
            Example::Io => format!("{:>7}", "×ideal"),
            Example::Cpu => format!("{:>7} {:>4}", "speedup", "eff"),
        };
        let _ = writeln!(
            out,
            "{:<17} {:<20} {derived} {:>8} {:>7} {:>9} {:>7} {:>10}",
            "approach", "wall ms", "in-proc", "CPU ms", "peak RSS", "threads", "ctx sw v/i"
        );
        for row in &group.rows {
            let line = match (&row.failure, &row.skipped) {
                (Some(why), _) => format!("{:<17} FAILED: {why}", row.approach),
                (None, Some(why)) => format!("{:<17} skipped: {why}", row.approach),
                (None, None) => {
                    let mark = if row.noisy { "*" } else { "" };
                    let derived = match group.example {
                        Example::Io => format!("{:>7}", times(row.x_ideal)),
                        Example::Cpu => {
                            format!("{:>7} {:>4}", times(row.speedup), percent(row.efficiency))
                        }
                    };
                    format!(
                        "{:<17} {:<20} {derived} {:>8} {:>7} {:>9} {:>7} {:>10}",
                        row.approach,
                        range(&row.wall_ms, ms) + mark,
                        median(&row.in_process_ms, ms),
                        median(&row.cpu_ms, ms),
                        median(&row.max_rss_kib, bytes),
                        median(&row.peak_threads, count),
                        format!(
                            "{}/{}",
                            median(&row.voluntary_switches, count),
                            median(&row.involuntary_switches, count)
                        ),
                    )
                }
            };
            let _ = writeln!(out, "{}", line.chars().take(100).collect::<String>());
        }
    }
    let _ = write!(out, "{}", footnotes(r));
    out
}

fn group_title(group: &GroupSummary) -> String {
    format!("{}\n{}", group.label, check_line(group))
}

fn check_line(group: &GroupSummary) -> String {
    match &group.expected.checksum {
        Some(sum) => {
            format!("every run's result checked against: {} [{sum}]", group.expected.source)
        }
        None => "no run finished, so nothing was checked".into(),
    }
}

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

/// The Markdown report: every figure as median [min–max].
pub fn markdown(r: &Results) -> String {
    let mut out = String::new();
    for line in preamble(r) {
        let _ = writeln!(out, "{line}\n");
    }
    for pivot in pivots(r) {
        let _ = writeln!(out, "{}", pivot.markdown());
    }
    if r.settings.sweep.is_some() {
        let _ = writeln!(out, "## Every point\n");
    }
    for group in &r.groups {
        let _ = writeln!(out, "### {}\n\n{}\n", group.label, check_line(group));
        let derived = match group.example {
            Example::Io => "× ideal",
            Example::Cpu => "speedup | efficiency",
        };
        let _ = writeln!(
            out,
            "| approach | wall ms | {derived} | in-process ms | CPU ms (user+sys) | peak RSS | \
             peak threads | ctx switches vol / invol | runs |"
        );
        let cols = if group.example == Example::Io { 9 } else { 10 };
        let _ = writeln!(out, "|{}", "---|".repeat(cols));
        for row in &group.rows {
            let not_run = match (&row.failure, &row.skipped) {
                (Some(why), _) => Some(format!("**FAILED**: {why}")),
                (None, Some(why)) => Some(format!("skipped: {why}")),
                (None, None) => None,
            };
            if let Some(why) = not_run {
                let why = why.replace('|', "\\|");
                let _ = writeln!(out, "| {} | {why}{} |", row.approach, " |".repeat(cols - 2));
                continue;
            }
            let derived = match group.example {
                Example::Io => times(row.x_ideal),
                Example::Cpu => format!("{} | {}", times(row.speedup), percent(row.efficiency)),
            };
            let _ = writeln!(
                out,
                "| {} | {}{} | {derived} | {} | {} | {} | {} | {} / {} | {} |",
                row.approach,
                range(&row.wall_ms, ms),
                if row.noisy { " \\*" } else { "" },
                range(&row.in_process_ms, ms),
                range(&row.cpu_ms, ms),
                range(&row.max_rss_kib, bytes),
                range(&row.peak_threads, count),
                median(&row.voluntary_switches, count),
                median(&row.involuntary_switches, count),
                row.runs
            );
        }
        let _ = writeln!(out);
    }
    out + &footnotes(r)
}

/// One CSV line per row.
pub fn csv(r: &Results) -> String {
    let mut out = String::from(
        "group,example,approach,status,failure,runs,threads,tasks,delay_ms,limit,jobs,\
         wall_median_ms,wall_min_ms,wall_max_ms,in_process_median_ms,in_process_min_ms,\
         in_process_max_ms,cpu_median_ms,cpu_min_ms,cpu_max_ms,max_rss_median_kib,\
         max_rss_min_kib,max_rss_max_kib,peak_threads_median,peak_threads_max,\
         voluntary_switches_median,involuntary_switches_median,result,checksum,x_ideal,\
         speedup,efficiency,noisy\n",
    );
    let opt = |v: Option<String>| v.unwrap_or_default();
    let three = |s: &Option<Stat>| match s {
        Some(s) => format!("{:.3},{:.3},{:.3}", s.median, s.min, s.max),
        None => ",,".into(),
    };
    for group in &r.groups {
        for row in &group.rows {
            let RowSummary { params: p, .. } = row;
            let fields = [
                quote(&group.label),
                group.example.name().into(),
                quote(&row.approach),
                if row.failure.is_some() { "FAILED" } else { "ok" }.into(),
                quote(row.failure.as_deref().unwrap_or("")),
                row.runs.to_string(),
                p.threads.to_string(),
                opt(p.tasks.map(|v| v.to_string())),
                opt(p.delay_ms.map(|v| v.to_string())),
                opt(p.limit.map(|v| v.to_string())),
                opt(p.jobs.map(|v| v.to_string())),
                three(&row.wall_ms),
                three(&row.in_process_ms),
                three(&row.cpu_ms),
                three(&row.max_rss_kib),
                opt(row.peak_threads.map(|s| s.median.to_string())),
                opt(row.peak_threads.map(|s| s.max.to_string())),
                opt(row.voluntary_switches.map(|s| s.median.to_string())),
                opt(row.involuntary_switches.map(|s| s.median.to_string())),
                opt(row.result.map(|v| v.to_string())),
                opt(row.checksum.clone()),
                opt(row.x_ideal.map(|v| format!("{v:.4}"))),
                opt(row.speedup.map(|v| format!("{v:.4}"))),
                opt(row.efficiency.map(|v| format!("{v:.4}"))),
                row.noisy.to_string(),
            ];
            let _ = writeln!(out, "{}", fields.join(","));
        }
    }
    out
}

fn quote(field: &str) -> String {
    if field.contains([',', '"', '\n']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.into()
    }
}

/// The sweep's summary for a terminal: one pivot table per figure, points as columns (at
/// most five per table, so it stays within 100 columns).
pub fn sweep_terminal(r: &Results) -> String {
    let mut out = preamble(r).join("\n") + "\n";
    for pivot in pivots(r) {
        let _ = write!(out, "\n{}", pivot.terminal(5));
    }
    let _ = write!(out, "{}", footnotes(r));
    out
}

/// A figure by contender (rows) and point (columns), with the reasons for gaps as notes.
struct Pivot {
    title: String,
    columns: Vec<String>,
    rows: Vec<(String, Vec<String>)>,
    notes: Vec<String>,
}

/// The sweep's pivots (none for run-all): io wall time, io memory, cpu speedup.
fn pivots(r: &Results) -> Vec<Pivot> {
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
            if r.settings.source == crate::server::Source::Tcp { " over tcp" } else { "" }
        ),
        tasks,
        io_wall,
    ));
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
            .filter(|row| row.approach != SEQUENTIAL && row.approach != PYTHON_SEQUENTIAL)
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
                            (Some(why), _) => Some(("failed", why)),
                            (None, Some(why)) => Some(("skipped", why)),
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
        Some(Pivot { title, columns, rows: table, notes })
    }

    fn terminal(&self, per_table: usize) -> String {
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
        out
    }

    fn markdown(&self) -> String {
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
        out.push('\n');
        out
    }
}
