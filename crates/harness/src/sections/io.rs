//! The io section: every approach's fetches (the article's first example), against the
//! ideal of one wait; over `--source tcp`, real requests to the delay server.

use anyhow::Result;
use avt_common::Params;

use crate::model::group::{Group, SERVER_CPU_MS};
use crate::model::plan::{Contender, Example, Row, Section};
use crate::model::results::{Kind, Results, Settings};
use crate::model::summary::{GroupSummary, RowSummary};
use crate::pipeline::setup::Setup;
use crate::pipeline::{Plugin, RunAll, Samples};
use crate::render::chart::bars::{Panel, bars};
use crate::render::chart::kit::{
    Entry, IDEAL, grouped, last, log_axis, machine, number, points, series,
};
use crate::render::chart::line::{Frame, Line, line_chart};
use crate::render::columns::{
    APPROACH, CPU, Column, IN_PROCESS, RSS, RUNS, SWITCHES, THREADS, WALL, Width, X_IDEAL,
};
use crate::render::pivot::Pivot;
use crate::render::{bytes, ms, times};
use crate::sections::{METHOD, guide_row, metric};
use crate::summary;
use crate::summary::bytes_per_task;

/// io over tcp: the delay server's own CPU time during the run.
const SERVER_CPU: Column =
    Column::metric("server CPU ms", Some(("srvCPU", Width::Right(6))), "server_cpu_ms", ms)
        .only_if_reported();

// The section's name, as `Section::Io` (the type's other sections are named in their files).
#[allow(non_upper_case_globals)]
impl Section {
    pub const Io: Section = Section::named("io");
}

/// The io section.
pub struct Io;

impl Plugin for Io {
    fn section(&self) -> Section {
        Section::Io
    }

    fn help(&self) -> &'static str {
        "The io example: every approach's fetches, against the ideal of one wait"
    }

    fn run_all(&self, setup: &Setup, plan: &RunAll, settings: &mut Settings) -> Result<Vec<Group>> {
        let (n, d) = (plan.io.tasks, plan.io.delay_ms);
        let label = format!(
            "io{}: {n} fetches × {d} ms wait · ideal {d} ms (all at once) · one after another \
             {} ms",
            setup.over(),
            d * n as u64
        );
        settings.io = Some(plan.io);
        Ok(vec![setup.io_group(label, "io".into(), plan.io.with_threads(plan.threads))])
    }

    fn columns(&self) -> Vec<Column> {
        vec![APPROACH, WALL, X_IDEAL, IN_PROCESS, CPU, SERVER_CPU, RSS, THREADS, SWITCHES, RUNS]
    }

    fn pivots(&self, r: &Results) -> Vec<Pivot> {
        match r.kind() {
            Kind::Sweep => pivots(r),
            Kind::RunAll | Kind::Load => Vec::new(),
        }
    }

    fn uses_server(&self) -> bool {
        true
    }

    fn guide(&self, s: &Samples<'_>) -> Vec<String> {
        [few_waits(s.run_all), many_waits(s.sweep, s.sweep_tcp)].into_iter().flatten().collect()
    }

    fn overview(&self, r: &Results) -> Option<Panel> {
        let title = "io: wall time ÷ one wait (lower is better)".to_string();
        let bars = bars(r, Section::Io, |row| row.x_ideal);
        Some(Panel { title, bars, ideal: (1.0, "ideal 1×".to_string()) })
    }

    fn charts(&self, r: &Results, name: &str) -> Result<Vec<(String, String)>> {
        match r.kind() {
            Kind::Sweep => sweep_charts(r, name),
            Kind::RunAll | Kind::Load => Ok(Vec::new()),
        }
    }
}

/// The sweep's io charts, `<name>-io-wall.svg` and `<name>-io-memory.svg`.
fn sweep_charts(r: &Results, name: &str) -> Result<Vec<(String, String)>> {
    let io: Vec<&GroupSummary> = r.groups.iter().filter(|g| g.example == Example::Io).collect();
    if io.is_empty() {
        return Ok(Vec::new());
    }
    Ok(vec![
        (format!("{name}-io-wall.svg"), io_wall(r, &io)?),
        (format!("{name}-io-memory.svg"), io_memory(r, &io)?),
    ])
}

fn tasks_of(row: &RowSummary) -> f64 {
    row.params.tasks.unwrap_or(1) as f64
}

/// The x axis of the io charts: tasks in flight, log scale, up to twice the largest point.
fn tasks_axis(io: &[&GroupSummary]) -> f64 {
    io.iter().flat_map(|g| &g.rows).map(tasks_of).fold(10.0, f64::max) * 2.0
}

/// io wall time, as a multiple of one wait on a log axis, so 1.44× and 35× both read.
fn io_wall(r: &Results, io: &[&GroupSummary]) -> Result<String> {
    let delay = io[0].rows[0].params.delay_ms.unwrap_or(0);
    // With no wait there is no ideal to divide by: plot milliseconds.
    let (per, unit) = if delay > 0 { (delay as f64, "×") } else { (1.0, " ms") };
    let value = |row: &RowSummary| row.wall_ms.map(|w| w.median / per);
    let lines: Vec<Line> = series(io)
        .into_iter()
        .map(|(name, rows)| {
            let points = points(&rows, tasks_of, value);
            let detail =
                last(&points).map(|(n, v)| format!("{v:.2}{unit} at {} tasks", grouped(n as u64)));
            Line { name, detail, points }
        })
        .collect();
    let values = lines.iter().flat_map(|l| l.points.iter().filter_map(|(_, p)| p.clone().ok()));
    let (lo, hi) = values.fold((1.0f64, 2.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let xmax = tasks_axis(io);
    let (y_desc, references) = if delay > 0 {
        let ideal = Entry::line(IDEAL, "ideal: 1×", Some("every wait at once".into()));
        (
            format!("wall time ÷ one {delay} ms wait (median, log scale)"),
            vec![(vec![(1.0, 1.0), (xmax, 1.0)], ideal)],
        )
    } else {
        ("wall time, ms (median, log scale)".to_string(), Vec::new())
    };
    let frame = Frame {
        title: format!(
            "io{}: wall time ÷ one wait, by tasks in flight ({delay} ms wait) — {}",
            r.settings.source.over(),
            machine(r)
        ),
        x_desc: "tasks in flight (log scale)",
        y_desc,
        x_label: &|x| number(*x),
        y_label: &|y| format!("{}{unit}", number(*y)),
        references,
        lines,
        floor: lo,
    };
    let (x, y) = (log_axis(1.0..xmax, &[1.0]), log_axis(lo * 0.8..hi * 1.6, &[1.0, 2.0, 5.0]));
    line_chart(frame, x, y, 10)
}

/// io peak memory against tasks, log–log, with bytes per task in the legend.
fn io_memory(r: &Results, io: &[&GroupSummary]) -> Result<String> {
    let mib = |row: &RowSummary| row.max_rss_kib.map(|m| m.median / 1024.0);
    let lines: Vec<Line> = series(io)
        .into_iter()
        .map(|(name, rows)| {
            // Bytes per task (above the smallest point) at the largest point.
            let detail = rows
                .iter()
                .rev()
                .find_map(|row| Some((tasks_of(row), bytes_per_task(row, io)?)))
                .map(|(n, b)| format!("{b:.0} B/task at {} tasks", grouped(n as u64)));
            Line { name, detail, points: points(&rows, tasks_of, mib) }
        })
        .collect();
    let ymax = lines
        .iter()
        .flat_map(|l| l.points.iter().filter_map(|(_, p)| p.clone().ok()))
        .fold(10.0, f64::max)
        * 3.0;
    let frame = Frame {
        title: format!(
            "io{}: peak memory by tasks in flight — {}",
            r.settings.source.over(),
            machine(r)
        ),
        x_desc: "tasks in flight (log scale)",
        y_desc: "peak RSS, MiB (median, log scale)".into(),
        x_label: &|x| number(*x),
        y_label: &|y| number(*y),
        references: Vec::new(),
        lines,
        floor: 1.0,
    };
    line_chart(frame, log_axis(1.0..tasks_axis(io), &[1.0]), log_axis(1.0..ymax, &[1.0]), 10)
}

impl Setup {
    /// The io group: every Rust approach's row, then the Python originals' (not over tcp:
    /// they sleep).
    pub fn io_group(&self, label: String, short: String, params: Params) -> Group {
        let python = self.python.iter().flat_map(|(_, c)| c).filter(|_| self.server.is_none());
        let io = python.filter(|c| c.examples.contains(&Example::Io));
        let rows = self
            .rust
            .iter()
            .chain(io)
            .map(|c| self.over_tcp(c.row(Example::Io, params.clone())))
            .collect();
        Group { label, short, section: Section::Io, example: Example::Io, rows }
    }

    /// Adds the bare-runtime row of every async approach in `group` right after its row, with
    /// the same parameters and `--no-ticker` (a bare program has no ticker), and names it as
    /// that row's `bare`. (A bare program only sleeps: not for rows over tcp.)
    pub fn add_bare_rows(&self, group: &mut Group) {
        let mut rows = Vec::new();
        for row in group.rows.drain(..) {
            let approach = self.approaches.iter().find(|a| a.name() == row.approach).copied();
            let bare = approach.and_then(|a| Contender::bare(&self.bin_dir, a));
            match bare {
                Some(bare) => {
                    let mut bare_row = bare.row(Example::Io, row.params.clone());
                    bare_row.spec.args.push("--no-ticker".into());
                    bare_row.rounds = row.rounds;
                    let row = Row { bare: Some(bare.name.clone()), ..row };
                    rows.extend([row, bare_row]);
                }
                None => rows.push(row),
            }
        }
        group.rows = rows;
    }

    /// Points an io row at the delay server, if there is one.
    fn over_tcp(&self, mut row: Row) -> Row {
        if let Some(server) = &self.server {
            let addr = server.addr.to_string();
            row.spec.args.extend(["--source", "tcp", "--server", &addr].map(String::from));
            row.params.source = Some("tcp".into());
        }
        row
    }
}

/// Where the io lines of the guide point for the scaling.
const SCALING: &str = "docs/scaling.md";
const IO_PAGE: &str = "docs/io-and-memory.md";

fn few_waits(r: &Results) -> Option<String> {
    let std = guide_row(r, Section::Io, "std-threads")?;
    let tokio = guide_row(r, Section::Io, "tokio")?;
    let tasks = std.params.tasks?;
    Some(format!(
        "| waits on a few things at once (the article's {tasks} fetches) | anything: plain \
         threads are fine | std threads {:.2}× of one wait, {} peak; tokio {:.2}×, {} \
         ([method]({METHOD})) |",
        std.x_ideal?,
        bytes(std.max_rss_kib?.median),
        tokio.x_ideal?,
        bytes(tokio.max_rss_kib?.median),
    ))
}

fn many_waits(sweep: Option<&Results>, tcp: Option<&Results>) -> Option<String> {
    let sleep = largest_thread_point(sweep?)?;
    let ceiling =
        sleep.ceiling.map_or(String::new(), |t| format!("; std threads stop at {t} threads here"));
    let sockets = tcp.and_then(largest_thread_point).map_or(String::new(), |p| {
        let server = p.server_cpu_ms.map_or(String::new(), |(lo, hi)| {
            format!(", the delay server on the same CPUs using {lo:.0}–{hi:.0} ms of CPU")
        });
        format!(
            "; over real sockets (tcp sweep) at {} connections a task costs {:.0}–{:.0} B, a \
             thread {:.0} B, in {:.2}–{:.2}× against {:.2}× of one wait{server}",
            p.n, p.tasks.0, p.tasks.1, p.thread, p.tasks_x.0, p.tasks_x.1, p.thread_x
        )
    });
    Some(format!(
        "| keeps 10 000 or more waits in flight | an async runtime (tokio, smol) | at {} in flight \
         a task costs {:.0}–{:.0} B, a thread {:.0} B{ceiling}{sockets} ([scaling]({SCALING}), \
         [io and memory]({IO_PAGE})) |",
        sleep.n, sleep.tasks.0, sleep.tasks.1, sleep.thread
    ))
}

/// A sweep's largest point std threads reached, and what threads and tasks cost there.
struct ThreadPoint {
    n: u64,
    /// Bytes per thread, and per task (least, most of tokio, async-std and smol).
    thread: f64,
    tasks: (f64, f64),
    /// Wall time ÷ one wait.
    thread_x: f64,
    tasks_x: (f64, f64),
    /// The delay server's CPU time over the rows at that point (tcp), least and most.
    server_cpu_ms: Option<(f64, f64)>,
    /// "started 16247 of …": where std threads stopped.
    ceiling: Option<u64>,
}

fn largest_thread_point(r: &Results) -> Option<ThreadPoint> {
    let io: Vec<&GroupSummary> = r.groups.iter().filter(|g| g.section == Section::Io).collect();
    let rows = || io.iter().flat_map(|g| &g.rows);
    let std = rows()
        .filter(|row| row.approach == "std-threads" && row.max_rss_kib.is_some())
        .max_by_key(|row| row.params.tasks)?;
    let n = std.params.tasks?;
    let at = |approach: &str| {
        rows().find(|row| row.approach == approach && row.params.tasks == Some(n) && !row.failed())
    };
    let range = |v: Vec<f64>| {
        (!v.is_empty())
            .then(|| v.iter().fold((f64::MAX, 0.0_f64), |(lo, hi), &b| (lo.min(b), hi.max(b))))
    };
    let runtimes: Vec<&RowSummary> =
        ["tokio", "async-std", "smol"].iter().filter_map(|a| at(a)).collect();
    let thread = at("std-threads")?;
    let at_n = || runtimes.iter().copied().chain([thread]);
    Some(ThreadPoint {
        n: n as u64,
        thread: bytes_per_task(thread, &io)?,
        tasks: range(runtimes.iter().filter_map(|row| bytes_per_task(row, &io)).collect())?,
        thread_x: thread.x_ideal?,
        tasks_x: range(runtimes.iter().filter_map(|row| row.x_ideal).collect())?,
        server_cpu_ms: range(at_n().filter_map(|row| metric(row, SERVER_CPU_MS)).collect()),
        ceiling: rows()
            .filter(|row| row.approach == "std-threads")
            .find_map(|row| started_threads(&row.failure.as_ref()?.to_string())),
    })
}

/// "started 16247 of …" in a thread-limit failure.
fn started_threads(failure: &str) -> Option<u64> {
    let rest = failure.split("started ").nth(1)?;
    rest.split_whitespace().next()?.parse().ok()
}

/// The sweep's io pivots: wall time (with the overhead over the bare runtimes under it) and
/// peak memory, by tasks in flight.
fn pivots(r: &Results) -> Vec<Pivot> {
    let delay = r.settings.io.map_or(0, |io| io.delay_ms);
    let tasks = |row: &RowSummary| row.params.tasks.unwrap_or(0);
    let mut out = Vec::new();
    let io_wall =
        |row: &RowSummary| Some(format!("{} {}", ms(row.wall_ms?.median), times(row.x_ideal)));
    let io_groups: Vec<&GroupSummary> =
        r.groups.iter().filter(|g| g.example == Example::Io).collect();
    let io_memory = |row: &RowSummary| {
        let rss = bytes(row.max_rss_kib?.median);
        Some(match bytes_per_task(row, &io_groups) {
            Some(b) => format!("{rss} {b:.0} B"),
            None => rss,
        })
    };
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
    out
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_thread_ceiling_is_read_from_the_failure() {
        let failure = "exit code 1: std-threads: error: hit the OS thread limit: started 16247 \
                       of 100000 threads (vm.max_map_count)";
        assert_eq!(started_threads(failure), Some(16247));
        assert_eq!(started_threads("timed out"), None);
    }
}
