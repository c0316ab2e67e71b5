//! SVG charts of a sweep and of run-all, drawn with plotters' SVG backend alone (no system
//! fonts or C libraries). A failed or skipped point is a gap in its line.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::Results;
use crate::plan::{Example, PYTHON_SEQUENTIAL, SEQUENTIAL};
use crate::summary::{self, GroupSummary, RowSummary};

const SIZE: (u32, u32) = (960, 600);

/// A stable colour per contender, so every chart shows each one the same way.
fn colour(name: &str) -> RGBColor {
    match name {
        "std-threads" => RGBColor(31, 119, 180),
        "tokio" => RGBColor(214, 39, 40),
        "async-std" => RGBColor(148, 103, 189),
        "smol" => RGBColor(44, 160, 44),
        "rayon" => RGBColor(255, 127, 14),
        "python-asyncio" => RGBColor(140, 86, 75),
        "python-threading" => RGBColor(227, 119, 194),
        _ => RGBColor(127, 127, 127),
    }
}

/// "AMD EPYC, 2 CPUs, 2026-11-26 08:27 UTC": the machine and date every title names.
fn machine(r: &Results) -> String {
    let e = &r.environment;
    format!("{}, {} CPUs, {}", e.cpu_model, e.logical_cpus, e.date)
}

/// " over tcp" when the io rows made real requests.
fn over(r: &Results) -> &'static str {
    if r.settings.source == crate::server::Source::Tcp { " over tcp" } else { "" }
}

/// Every contender's rows across `groups`, in first-seen order.
fn series<'a>(groups: &[&'a GroupSummary]) -> Vec<(String, Vec<&'a RowSummary>)> {
    let mut out: Vec<(String, Vec<&RowSummary>)> = Vec::new();
    for row in groups.iter().flat_map(|g| &g.rows) {
        match out.iter_mut().find(|(name, _)| *name == row.approach) {
            Some((_, rows)) => rows.push(row),
            None => out.push((row.approach.clone(), vec![row])),
        }
    }
    out
}

/// Draws `points` as lines broken at the gaps (None), with a dot at every point.
fn draw_line<'a, DB: DrawingBackend + 'a, CT: CoordTranslate<From = (f64, f64)>>(
    chart: &mut ChartContext<'a, DB, CT>,
    name: &str,
    label: String,
    points: &[Option<(f64, f64)>],
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let style = colour(name).stroke_width(2);
    let mut labelled = false;
    for segment in points.split(|p| p.is_none()).filter(|s| !s.is_empty()) {
        let segment: Vec<(f64, f64)> = segment.iter().flatten().copied().collect();
        let drawn = chart
            .draw_series(LineSeries::new(segment.clone(), style))
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        if !labelled {
            labelled = true;
            drawn
                .label(label.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], style));
        }
        chart
            .draw_series(segment.iter().map(|&p| Circle::new(p, 4, style.filled())))
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    Ok(())
}

fn finish<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()
        .map_err(|e| anyhow::anyhow!("{e}"))
}

fn canvas(path: &Path) -> Result<DrawingArea<SVGBackend<'_>, Shift>> {
    let root = SVGBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(root)
}

/// The sweep's charts: io wall time and peak memory against tasks, cpu speedup against
/// threads. Returns the files written.
pub fn write_sweep(r: &Results, out: &Path, name: &str) -> Result<Vec<PathBuf>> {
    let io: Vec<&GroupSummary> = r.groups.iter().filter(|g| g.example == Example::Io).collect();
    let cpu: Vec<&GroupSummary> = r.groups.iter().filter(|g| g.example == Example::Cpu).collect();
    let mut written = Vec::new();
    if !io.is_empty() {
        written.push(io_wall(r, &io, &out.join(format!("{name}-io-wall.svg")))?);
        written.push(io_memory(r, &io, &out.join(format!("{name}-io-memory.svg")))?);
    }
    if !cpu.is_empty() {
        written.push(cpu_speedup(r, &cpu, &out.join(format!("{name}-cpu-speedup.svg")))?);
    }
    Ok(written)
}

fn tasks_of(row: &RowSummary) -> f64 {
    row.params.tasks.unwrap_or(1) as f64
}

fn io_wall(r: &Results, io: &[&GroupSummary], path: &Path) -> Result<PathBuf> {
    let all = series(io);
    let ymax = all
        .iter()
        .flat_map(|(_, rows)| rows.iter().filter_map(|r| r.wall_ms))
        .map(|w| w.median / 1e3)
        .fold(1.0, f64::max)
        * 1.1;
    let xmax = io.iter().flat_map(|g| &g.rows).map(tasks_of).fold(10.0, f64::max) * 2.0;
    let delay = io[0].rows[0].params.delay_ms.unwrap_or(0);
    let root = canvas(path)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!(
                "io{}: wall time vs tasks in flight ({delay} ms wait each) — {}",
                over(r),
                machine(r)
            ),
            ("sans-serif", 18),
        )
        .margin(20)
        .x_label_area_size(50)
        .y_label_area_size(70)
        .build_cartesian_2d((1f64..xmax).log_scale(), 0f64..ymax)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    chart
        .configure_mesh()
        .x_desc("tasks in flight (log scale)")
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_desc("wall time, s (median)")
        .draw()
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let ideal = delay as f64 / 1e3;
    chart
        .draw_series(LineSeries::new([(1.0, ideal), (xmax, ideal)], BLACK.mix(0.5)))
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .label("ideal: one wait")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK.mix(0.5)));
    for (name, rows) in &all {
        let points: Vec<Option<(f64, f64)>> =
            rows.iter().map(|row| row.wall_ms.map(|w| (tasks_of(row), w.median / 1e3))).collect();
        draw_line(&mut chart, name, name.clone(), &points)?;
    }
    finish(&mut chart, SeriesLabelPosition::UpperLeft)?;
    root.present().context("cannot write the io wall chart")?;
    Ok(path.to_path_buf())
}

fn io_memory(r: &Results, io: &[&GroupSummary], path: &Path) -> Result<PathBuf> {
    let all = series(io);
    let mib = |row: &RowSummary| row.max_rss_kib.map(|m| m.median / 1024.0);
    let ymax =
        all.iter().flat_map(|(_, rows)| rows.iter().filter_map(|r| mib(r))).fold(10.0, f64::max)
            * 3.0;
    let xmax = io.iter().flat_map(|g| &g.rows).map(tasks_of).fold(10.0, f64::max) * 2.0;
    let root = canvas(path)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!("io{}: peak memory vs tasks in flight — {}", over(r), machine(r)),
            ("sans-serif", 18),
        )
        .margin(20)
        .x_label_area_size(50)
        .y_label_area_size(70)
        .build_cartesian_2d((1f64..xmax).log_scale(), (1f64..ymax).log_scale())
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    chart
        .configure_mesh()
        .x_desc("tasks in flight (log scale)")
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_desc("peak RSS, MiB (median, log scale)")
        .y_label_formatter(&|y| format!("{y:.0}"))
        .draw()
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    for (name, rows) in &all {
        let points: Vec<Option<(f64, f64)>> =
            rows.iter().map(|row| mib(row).map(|m| (tasks_of(row), m))).collect();
        // The legend gives bytes per task (above the smallest point) at the largest point.
        let per_task = rows
            .iter()
            .rev()
            .find_map(|row| Some((tasks_of(row), summary::bytes_per_task(row, io)?)));
        let label = match per_task {
            Some((n, b)) => format!("{name}: {b:.0} B/task at {n:.0} tasks"),
            None => name.clone(),
        };
        draw_line(&mut chart, name, label, &points)?;
    }
    finish(&mut chart, SeriesLabelPosition::UpperLeft)?;
    root.present().context("cannot write the io memory chart")?;
    Ok(path.to_path_buf())
}

fn cpu_speedup(r: &Results, cpu: &[&GroupSummary], path: &Path) -> Result<PathBuf> {
    let all: Vec<_> = series(cpu)
        .into_iter()
        .filter(|(name, _)| name != SEQUENTIAL && name != PYTHON_SEQUENTIAL)
        .collect();
    let threads = |row: &RowSummary| row.params.threads as f64;
    let xmax = cpu.iter().flat_map(|g| &g.rows).map(threads).fold(2.0, f64::max);
    let cores = r.environment.logical_cpus as f64;
    let ymax = all
        .iter()
        .flat_map(|(_, rows)| rows.iter().filter_map(|r| r.speedup))
        .fold(cores.min(xmax), f64::max)
        * 1.15;
    let root = canvas(path)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!("cpu: speedup over sequential vs threads — {}", machine(r)),
            ("sans-serif", 18),
        )
        .margin(20)
        .x_label_area_size(50)
        .y_label_area_size(60)
        .build_cartesian_2d(0f64..xmax + 1.0, 0f64..ymax)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    chart
        .configure_mesh()
        .x_desc("worker threads")
        .x_labels((xmax as usize + 2).min(40))
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_desc("speedup (median wall of sequential ÷ median wall)")
        .draw()
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let ideal = [(1.0, 1.0), (cores.min(xmax), cores.min(xmax)), (xmax, cores.min(xmax))];
    chart
        .draw_series(LineSeries::new(ideal, BLACK.mix(0.5)))
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .label(format!("ideal: one thread per core, {cores} cores"))
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK.mix(0.5)));
    for (name, rows) in &all {
        let points: Vec<Option<(f64, f64)>> =
            rows.iter().map(|row| row.speedup.map(|s| (threads(row), s))).collect();
        let label = match rows.first().and_then(|row| row.params.limit) {
            Some(limit) if name.starts_with("python") => {
                format!("{name} (limit {limit}, vs {PYTHON_SEQUENTIAL})")
            }
            _ => name.clone(),
        };
        draw_line(&mut chart, name, label, &points)?;
    }
    finish(&mut chart, SeriesLabelPosition::UpperLeft)?;
    root.present().context("cannot write the cpu speedup chart")?;
    Ok(path.to_path_buf())
}

/// run-all's bar chart: io wall ÷ ideal and cpu speedup, one bar per contender.
pub fn write_run_all(r: &Results, out: &Path, name: &str) -> Result<Vec<PathBuf>> {
    let path = out.join(format!("{name}.svg"));
    let root = canvas(&path)?;
    let title = format!("{name} — {}", machine(r));
    let root = root.titled(&title, ("sans-serif", 18)).map_err(|e| anyhow::anyhow!("{e}"))?;
    let io: Vec<(String, f64)> = bars(r, Example::Io, |row| row.x_ideal);
    let cpu: Vec<(String, f64)> = bars(r, Example::Cpu, |row| row.speedup);
    let (left, right) = root.split_horizontally(SIZE.0 / 2);
    bar_panel(&left, "io: wall time ÷ ideal (lower is better)", &io)?;
    bar_panel(&right, "cpu: speedup over sequential (higher is better)", &cpu)?;
    root.present().context("cannot write the run-all chart")?;
    Ok(vec![path.clone()])
}

/// (contender, value) for every verified row of `example`'s groups, baselines left out.
fn bars(
    r: &Results,
    example: Example,
    value: fn(&RowSummary) -> Option<f64>,
) -> Vec<(String, f64)> {
    r.groups
        .iter()
        .filter(|g| g.example == example)
        .flat_map(|g| &g.rows)
        .filter(|row| row.approach != SEQUENTIAL && row.approach != PYTHON_SEQUENTIAL)
        .filter_map(|row| Some((row.approach.clone(), value(row)?)))
        .collect()
}

fn bar_panel(
    area: &DrawingArea<SVGBackend<'_>, Shift>,
    title: &str,
    data: &[(String, f64)],
) -> Result<()> {
    if data.is_empty() {
        return Ok(());
    }
    let xmax = data.iter().map(|(_, v)| *v).fold(1.0, f64::max) * 1.2;
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 15))
        .margin(15)
        .x_label_area_size(35)
        .y_label_area_size(120)
        .build_cartesian_2d(0f64..xmax, (0..data.len()).into_segmented())
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(data.len())
        .y_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) => data.get(*i).map(|(n, _)| n.clone()).unwrap_or_default(),
            _ => String::new(),
        })
        .draw()
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    chart
        .draw_series(
            Histogram::horizontal(&chart)
                .margin(6)
                .style_func(|v, _| match v {
                    SegmentValue::CenterOf(i) | SegmentValue::Exact(i) => {
                        colour(data.get(*i).map_or("", |(n, _)| n.as_str())).filled()
                    }
                    SegmentValue::Last => BLACK.filled(),
                })
                .data(data.iter().enumerate().map(|(i, (_, v))| (i, *v))),
        )
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    chart
        .draw_series(data.iter().enumerate().map(|(i, (_, v))| {
            Text::new(format!("{v:.2}×"), (*v, SegmentValue::CenterOf(i)), ("sans-serif", 13))
        }))
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(())
}
