//! The switch section's chart, `<name>-switch.svg`: ns per hop (both rings) above µs per
//! spawn, each on a log axis, one line per approach and way with its pinned bar beside its
//! unpinned one.

use std::ops::Range;

use anyhow::Result;
use avt_common::shared::DEADLOCK_MARKER;
use plotters::prelude::*;
use plotters::style::text_anchor::HPos;

use crate::model::outcome::Failure;
use crate::model::plan::{Example, Section};
use crate::model::results::Results;
use crate::model::summary::RowSummary;
use crate::render::chart::kit::{
    Area, Entry, FONT, LEGEND_W, Missing, SIZE, colour, de, legend, log_axis, machine, number,
    text, why_missing,
};

/// Pixels per line, and what a panel's axis and margins take.
const LINE_H: u32 = 30;
const PANEL_H: u32 = 80;
const TITLE_H: u32 = 40;

/// A bar's value, or why there is none.
type Value = Result<f64, Missing>;

/// One line of a panel: its label, its crate, and the unpinned and pinned values.
struct Line {
    label: String,
    krate: String,
    unpinned: Value,
    pinned: Value,
}

/// The value of `key` in a row, or why there is none ("deadlock detected" for rayon's ring).
fn value(row: &RowSummary, key: &str) -> Value {
    let deadlock = matches!(
        &row.outcome,
        Some(Failure::Exit { message, .. }) if message.contains(DEADLOCK_MARKER)
    );
    match row.metrics.get(key) {
        _ if deadlock => Err(Missing { label: "deadlock detected".into() }),
        Some(stat) if row.failure.is_none() => Ok(stat.median),
        _ => Err(why_missing(row)),
    }
}

/// The lines of the section's groups running `example`, each way's pinned row beside its
/// unpinned one; the ring's labelled with its `via`.
fn lines(r: &Results, example: Example, key: &str) -> Vec<Line> {
    let mut out = Vec::new();
    let groups = r.groups.iter().filter(|g| g.section == Section::Switch && g.example == example);
    for group in groups {
        for row in group.rows.iter().filter(|row| !row.approach.contains(", pin ")) {
            let pinned = row.approach.strip_suffix(')').and_then(|base| {
                group
                    .rows
                    .iter()
                    .find(|p| p.approach.starts_with(base) && p.approach.contains(", pin "))
            });
            let via = row.params.via.as_deref().map_or(String::new(), |v| format!("{v} · "));
            out.push(Line {
                label: format!("{via}{}", row.approach),
                krate: row.approach.split(" (").next().unwrap_or(&row.approach).to_string(),
                unpinned: value(row, key),
                pinned: pinned
                    .map_or_else(|| Err(Missing { label: "not run".into() }), |p| value(p, key)),
            });
        }
    }
    out
}

/// A lighter shade of `c`, for the pinned bar.
fn light(c: RGBColor) -> RGBColor {
    let mix = |v: u8| (u16::from(v) + 2 * 255) as f64 / 3.0;
    RGBColor(mix(c.0) as u8, mix(c.1) as u8, mix(c.2) as u8)
}

/// The chart, or None without a switch section.
pub fn chart(r: &Results, name: &str) -> Result<Option<(String, String)>> {
    let hops = lines(r, Example::Switch, super::HOP_KEY);
    let spawns = lines(r, Example::Spawn, super::SPAWN_KEY);
    if hops.is_empty() && spawns.is_empty() {
        return Ok(None);
    }
    let height = |n: usize| if n == 0 { 0 } else { PANEL_H + LINE_H * n as u32 };
    let size = (SIZE.0, TITLE_H + height(hops.len()) + height(spawns.len()));
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE).map_err(de)?;
        let title = format!(
            "{name}, what a switch and a spawn cost, unpinned and pinned to one CPU — {}",
            machine(r)
        );
        let body = root.titled(&title, (FONT, 18)).map_err(de)?;
        let (plot, side) = body.split_horizontally(size.0 - LEGEND_W);
        let (top, bottom) = plot.split_vertically(height(hops.len()));
        if !hops.is_empty() {
            panel(&root, &top, &hops, "ns per hop: one wait and one wake (log scale)")?;
        }
        if !spawns.is_empty() {
            panel(&root, &bottom, &spawns, "µs per spawn (log scale)")?;
        }
        let mut entries = Entry::crates(hops.iter().chain(&spawns).map(|l| l.krate.as_str()));
        let grey = RGBColor(120, 120, 120);
        entries.push(Entry::line(grey, "upper bar: unpinned", Some("median of the runs".into())));
        entries.push(Entry::line(light(grey), "lower bar: pinned to CPU 0", None));
        legend(&side, 30, &entries)?;
        root.present().map_err(de)?;
    }
    Ok(Some((format!("{name}-switch.svg"), svg)))
}

/// One panel: a line per entry, its two bars on a log axis of `what`.
fn panel(root: &Area<'_>, area: &Area<'_>, lines: &[Line], what: &str) -> Result<()> {
    let n = lines.len();
    let values =
        lines.iter().flat_map(|l| [&l.unpinned, &l.pinned]).filter_map(|v| v.as_ref().ok());
    let (lo, hi) = values.fold((f64::MAX, f64::MIN), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    let range: Range<f64> =
        if lo > hi { 0.1..10.0 } else { (lo.max(1e-3) * 0.5)..(hi.max(lo * 2.0) * 2.0) };
    let floor = range.start;
    let at = |i: usize| (n - 1 - i) as f64;
    let mut chart = ChartBuilder::on(area)
        .margin(10)
        .margin_right(60)
        .x_label_area_size(40)
        .y_label_area_size(300)
        .build_cartesian_2d(log_axis(range, &[1.0, 2.0, 5.0]), -0.5f64..n as f64 - 0.5)
        .map_err(de)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(0)
        .x_desc(what)
        .x_label_formatter(&|x| number(*x))
        .draw()
        .map_err(de)?;
    for (i, line) in lines.iter().enumerate() {
        let y = at(i);
        let (px, py) = chart.backend_coord(&(floor, y));
        root.draw(&Text::new(line.label.clone(), (px - 8, py), text(13, BLACK, HPos::Right)))
            .map_err(de)?;
        let c = colour(&line.krate);
        for (value, shade, from, to) in
            [(&line.unpinned, c, y, y + 0.38), (&line.pinned, light(c), y - 0.38, y)]
        {
            let mid = (from + to) / 2.0;
            match value {
                Ok(v) => {
                    let bar = Rectangle::new([(floor, from), (v.max(floor), to)], shade.filled());
                    chart.draw_series([bar]).map_err(de)?;
                    let (x, y) = chart.backend_coord(&(v.max(floor), mid));
                    root.draw(&Text::new(
                        super::figure(*v),
                        (x + 4, y),
                        text(11, BLACK, HPos::Left),
                    ))
                    .map_err(de)?;
                }
                Err(missing) => {
                    let (x, y) = chart.backend_coord(&(floor, mid));
                    root.draw(&Cross::new((x + 6, y), 4, c.stroke_width(2))).map_err(de)?;
                    let style = text(11, c, HPos::Left);
                    root.draw(&Text::new(missing.label.clone(), (x + 14, y), style)).map_err(de)?;
                }
            }
        }
    }
    Ok(())
}
