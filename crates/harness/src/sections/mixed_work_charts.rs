//! The work sweep's charts: request p99 against CPU per request (`<name>-p99.svg`), and the
//! wake probe's p99 against it (`<name>-wake.svg`, with the 1 ms and 10 ms lines and each
//! runtime's crossover marked), both log–log, a line per way.

use anyhow::Result;

use crate::model::plan::Example;
use crate::model::results::{Results, WorkSweep};
use crate::model::summary::{GroupSummary, RowSummary};
use crate::render::chart::kit::{
    Entry, IDEAL, Missing, grouped, log_axis, machine, number, series, why_missing,
};
use crate::render::chart::line::{Frame, Line, line_chart};
use crate::sections::crossover::{self, MARGINS_US};

/// The two charts as (file name, SVG), each runtime's crossover over 1 ms (CPU per request,
/// µs) marked on the wake chart; none for results that are not a work sweep.
pub fn charts(r: &Results, name: &str, crossings: &[(&str, f64)]) -> Result<Vec<(String, String)>> {
    let Some(sweep) = &r.settings.load_work else { return Ok(Vec::new()) };
    let groups: Vec<&GroupSummary> =
        r.groups.iter().filter(|g| g.example == Example::Mixed).collect();
    if groups.is_empty() {
        return Ok(Vec::new());
    }
    let x = |row: &RowSummary| sweep.capacity(row).map_or(0.0, |c| c.cost_ms * 1e3);
    let late = |row: &RowSummary| row.metrics.get("late").map_or(0.0, |s| s.max);
    let p99 = |row: &RowSummary| -> Result<f64, Missing> {
        match (late(row), row.metrics.get("latency.p99_us")) {
            (n, _) if n > 0.0 && row.failure.is_none() => {
                let of = row.params.requests.unwrap_or(0);
                Err(Missing { label: format!("late: {n:.0} of {}", grouped(of as u64)) })
            }
            (_, Some(s)) if !row.failed() => Ok(s.median / 1e3),
            _ => Err(why_missing(row)),
        }
    };
    let wake = |row: &RowSummary| -> Result<f64, Missing> {
        match row.metrics.get("wake.p99_us") {
            Some(s) if !row.failed() => Ok(s.median / 1e3),
            _ => Err(why_missing(row)),
        }
    };
    let lines = |value: &dyn Fn(&RowSummary) -> Result<f64, Missing>| -> Vec<Line> {
        series(&groups)
            .into_iter()
            .map(|(name, rows)| {
                let mut points: Vec<_> = rows.iter().map(|row| (x(row), value(row))).collect();
                points.sort_by(|a, b| a.0.total_cmp(&b.0));
                Line { name, detail: None, points }
            })
            .collect()
    };
    let xs = groups.iter().flat_map(|g| &g.rows).map(x).filter(|v| *v > 0.0);
    let (xlo, xhi) = xs.fold((f64::MAX, 0.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let (xlo, xhi) = if xhi > 0.0 { (xlo / 1.3, xhi * 1.3) } else { (10.0, 1e5) };
    let x_desc = format!(
        "CPU per request, µs (measured; log scale) — {:.0}% load, {} ms fetch",
        sweep.load * 100.0,
        sweep.delay_ms
    );
    let x_label = |v: &f64| number(*v);
    let y_label = |v: &f64| number(*v);
    let range = |lines: &[Line], extra: &[f64]| {
        let values = lines.iter().flat_map(|l| l.points.iter().filter_map(|(_, p)| p.clone().ok()));
        let (lo, hi) = values
            .chain(extra.iter().copied())
            .filter(|v| *v > 0.0)
            .fold((f64::MAX, 0.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
        if hi > 0.0 { (lo * 0.7, hi * 1.6) } else { (0.01, 100.0) }
    };

    let p99_lines = lines(&p99);
    let (lo, hi) = range(&p99_lines, &[]);
    let frame = Frame {
        title: format!("mixed: request p99 by CPU per request — {}", machine(r)),
        x_desc: &x_desc,
        y_desc: "request p99 latency, ms (median of runs, log scale)".into(),
        x_label: &x_label,
        y_label: &y_label,
        references: Vec::new(),
        lines: p99_lines,
        floor: lo,
    };
    let p99_svg = line_chart(
        frame,
        log_axis(xlo..xhi, &[1.0, 2.0, 5.0]),
        log_axis(lo..hi, &[1.0, 2.0, 5.0]),
        10,
    )?;

    let wake_lines = lines(&wake);
    let margins_ms = MARGINS_US.map(|m| m / 1e3);
    let (lo, hi) = range(&wake_lines, &margins_ms);
    let mut references: Vec<(Vec<(f64, f64)>, Entry)> = margins_ms
        .iter()
        .map(|&m| {
            let label = format!("{} ms: a crossover's margin", number(m));
            (vec![(xlo, m), (xhi, m)], Entry::line(IDEAL, label, None))
        })
        .collect();
    for &(runtime, at) in crossings {
        let detail = Some(format!("inline > offloaded + 1 ms from {}", crossover::cpu(at)));
        let label = format!("crossover: {runtime}");
        references.push((vec![(at, lo), (at, hi)], Entry::line(IDEAL, label, detail)));
    }
    let frame = Frame {
        title: format!("mixed: wake p99 by CPU per request — {}", machine(r)),
        x_desc: &x_desc,
        y_desc: wake_desc(sweep),
        x_label: &x_label,
        y_label: &y_label,
        references,
        lines: wake_lines,
        floor: lo,
    };
    let wake_svg = line_chart(
        frame,
        log_axis(xlo..xhi, &[1.0, 2.0, 5.0]),
        log_axis(lo..hi, &[1.0, 2.0, 5.0]),
        10,
    )?;
    Ok(vec![(format!("{name}-p99.svg"), p99_svg), (format!("{name}-wake.svg"), wake_svg)])
}

fn wake_desc(sweep: &WorkSweep) -> String {
    format!("wake p99, ms (a wake every {} µs; median of runs, log scale)", sweep.probe_us)
}
