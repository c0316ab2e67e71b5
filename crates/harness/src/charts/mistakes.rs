//! run-all's mistakes chart, `<name>-mistakes.svg`: how late the ticker beside the work ran,
//! a row per approach and variant (io, then cpu), its p99 as a bar and its max as a diamond,
//! on a log scale so that 1 ms and a whole run both read. The legend sits in its own margin.

use anyhow::Result;
use plotters::prelude::*;
use plotters::style::text_anchor::HPos;

use super::{
    Area, Entry, FONT, LEGEND_W, Missing, SIZE, de, legend, log_axis, machine, number, text,
    why_missing,
};
use crate::Results;
use crate::plan::Section;
use crate::summary::RowSummary;

/// Pixels per row, and what the title, axis and margins take.
const ROW_H: u32 = 22;
const FRAME_H: u32 = 150;
/// The diamond of the max.
const MAX_COLOUR: RGBColor = RGBColor(30, 30, 30);

/// The crate a row belongs to: "tokio (blocking-sleep, 1 thread)" → "tokio".
fn crate_of(row: &RowSummary) -> &str {
    row.approach.split(" (").next().unwrap_or(&row.approach)
}

/// A row's bar: (label, p99 and max in ms, or why none).
type Bar = (String, String, Result<(f64, f64), Missing>);

/// The mistakes section's rows with a ticker (the sequential baselines have none), as bars.
fn bars(r: &Results) -> Vec<Bar> {
    let mut out = Vec::new();
    for group in r.groups.iter().filter(|g| g.section == Section::Mistakes) {
        for row in group.rows.iter().filter(|row| !row.baseline) {
            let metric = |key: &str| row.metrics.get(key).map(|s| s.median / 1e3);
            let value = match (&row.failure, metric("ticker.p99_us"), metric("ticker.max_us")) {
                (None, Some(p99), Some(max)) => Ok((p99, max)),
                (None, ..) if row.skipped.is_none() => Err(Missing { label: "no ticker".into() }),
                _ => Err(why_missing(row)),
            };
            let label = format!("{} · {}", group.example.name(), row.approach);
            out.push((label, crate_of(row).to_string(), value));
        }
    }
    out
}

/// The chart as (file name, SVG), or None without a mistakes section.
pub fn chart(r: &Results, name: &str) -> Result<Option<(String, String)>> {
    let data = bars(r);
    if data.is_empty() {
        return Ok(None);
    }
    let n = data.len();
    let size = (SIZE.0, FRAME_H + ROW_H * n as u32);
    let values = data.iter().filter_map(|(_, _, v)| v.as_ref().ok());
    let (lo, hi) = values
        .fold((1.0f64, 10.0f64), |(lo, hi), &(p99, max)| (lo.min(p99.max(0.01)), hi.max(max)));
    let range = lo * 0.5..hi * 2.0;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE).map_err(de)?;
        let title = format!(
            "{name}, what goes wrong: how late a ticker every 10 ms ran beside the work — {}",
            machine(r)
        );
        let body = root.titled(&title, (FONT, 18)).map_err(de)?;
        let (plot, side) = body.split_horizontally(size.0 - LEGEND_W);
        draw(&root, &plot, &data, range)?;
        let mut crates: Vec<&str> = Vec::new();
        for (_, c, _) in &data {
            if !crates.contains(&c.as_str()) {
                crates.push(c);
            }
        }
        let mut entries: Vec<Entry> =
            crates.iter().map(|c| Entry::line(super::colour(c), *c, None)).collect();
        entries.push(Entry::line(
            RGBColor(200, 200, 200),
            "bar: ticker p99",
            Some("median of the runs".into()),
        ));
        legend(&side, 30, &entries)?;
        // The max's key, under the legend's entries: a diamond as the chart draws it.
        let used: i32 = entries.iter().map(|e| if e.detail.is_some() { 44 } else { 26 }).sum();
        let y = 30 + used;
        side.draw(&diamond((26, y), MAX_COLOUR)).map_err(de)?;
        side.draw(&Text::new("ticker max", (48, y), text(15, BLACK, HPos::Left))).map_err(de)?;
        if data.iter().any(|(_, _, v)| v.is_err()) {
            let y = y + 26;
            side.draw(&Cross::new((26, y), 5, BLACK.stroke_width(2))).map_err(de)?;
            side.draw(&Text::new("no ticker: why beside it", (48, y), text(15, BLACK, HPos::Left)))
                .map_err(de)?;
        }
        root.present().map_err(de)?;
    }
    Ok(Some((format!("{name}-mistakes.svg"), svg)))
}

/// A diamond of 6 pixels around `at`.
fn diamond(at: (i32, i32), colour: RGBColor) -> Polygon<(i32, i32)> {
    let (x, y) = at;
    Polygon::new(vec![(x, y - 6), (x + 6, y), (x, y + 6), (x - 6, y)], colour.filled())
}

/// The bars, top down in the tables' order, on a log axis of ms.
fn draw(root: &Area<'_>, plot: &Area<'_>, data: &[Bar], range: std::ops::Range<f64>) -> Result<()> {
    let n = data.len();
    let at = |i: usize| (n - 1 - i) as f64;
    let floor = range.start;
    let mut chart = ChartBuilder::on(plot)
        .margin(15)
        .margin_right(25)
        .x_label_area_size(45)
        .y_label_area_size(260)
        .build_cartesian_2d(log_axis(range, &[1.0, 2.0, 5.0]), -0.5f64..n as f64 - 0.5)
        .map_err(de)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(0)
        .x_desc("ticker lateness, ms (log scale)")
        .x_label_formatter(&|x| number(*x))
        .draw()
        .map_err(de)?;
    for (i, (label, krate, value)) in data.iter().enumerate() {
        let y = at(i);
        let (px, py) = chart.backend_coord(&(floor, y));
        root.draw(&Text::new(label.clone(), (px - 8, py), text(13, BLACK, HPos::Right)))
            .map_err(de)?;
        let c = super::colour(krate);
        match value {
            Ok((p99, max)) => {
                let bar = Rectangle::new([(floor, y - 0.3), (p99.max(floor), y + 0.3)], c.filled());
                chart.draw_series([bar]).map_err(de)?;
                let (mx, my) = chart.backend_coord(&(max.max(floor), y));
                root.draw(&diamond((mx, my), MAX_COLOUR)).map_err(de)?;
                let words = format!("{} / {} ms", number_ms(*p99), number_ms(*max));
                root.draw(&Text::new(words, (mx + 10, my), text(12, BLACK, HPos::Left)))
                    .map_err(de)?;
            }
            Err(missing) => {
                let (mx, my) = chart.backend_coord(&(floor, y));
                root.draw(&Cross::new((mx + 8, my), 6, c.stroke_width(2))).map_err(de)?;
                let style = text(13, c, HPos::Left);
                root.draw(&Text::new(missing.label.clone(), (mx + 20, my), style)).map_err(de)?;
            }
        }
    }
    Ok(())
}

/// 0.42 → "0.42", 12.3 → "12", 4521 → "4 521".
fn number_ms(v: f64) -> String {
    if v < 10.0 { format!("{v:.2}") } else { number(v) }
}
