//! The cancel section's chart, `<name>-cancel.svg`: what was still running a grace after the
//! deadline, a row per way (each crate's right way first), its fetches still running as a
//! bar and its sockets still open as a thinner one beneath; a right way's row reads 0. It
//! draws what `crate::sections::cancel` gives it, and knows nothing of the section.

use anyhow::Result;
use plotters::prelude::*;
use plotters::style::text_anchor::HPos;

use crate::render::chart::kit::{
    Area, Entry, FONT, LEGEND_W, SIZE, colour, de, legend, number, text,
};

/// One row's bar: its name, its crate (for the colour), and (fetches running, sockets open)
/// after the grace, or why it has none.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    pub krate: String,
    pub value: Option<(f64, f64)>,
    pub why: Option<String>,
}

/// Pixels per row, and what the title, axis and margins take.
const ROW_H: u32 = 30;
const FRAME_H: u32 = 150;
/// The sockets' bar: the crate's colour, lighter.
fn lighter(c: RGBColor) -> RGBColor {
    let up = |v: u8| v + (255 - v) / 2;
    RGBColor(up(c.0), up(c.1), up(c.2))
}

/// The chart's SVG, titled `title`.
pub fn chart(title: &str, data: &[Bar]) -> Result<String> {
    let n = data.len().max(1);
    let size = (SIZE.0, FRAME_H + ROW_H * n as u32);
    let most = data.iter().filter_map(|b| b.value).fold(1.0f64, |m, (r, s)| m.max(r).max(s));
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE).map_err(de)?;
        let body = root.titled(title, (FONT, 18)).map_err(de)?;
        let (plot, side) = body.split_horizontally(size.0 - LEGEND_W);
        draw(&root, &plot, data, most * 1.25)?;
        let mut entries = Entry::crates(data.iter().map(|bar| bar.krate.as_str()));
        let grey = RGBColor(120, 120, 120);
        entries.push(Entry::line(grey, "thick: fetches running", Some("a grace after D".into())));
        entries.push(Entry::line(lighter(grey), "thin: sockets open", None));
        legend(&side, 30, &entries)?;
        root.present().map_err(de)?;
    }
    Ok(svg)
}

/// The bars, top down in the table's order, on a linear axis of counts from 0.
fn draw(root: &Area<'_>, plot: &Area<'_>, data: &[Bar], top: f64) -> Result<()> {
    let n = data.len().max(1);
    let at = |i: usize| (n - 1 - i) as f64;
    let mut chart = ChartBuilder::on(plot)
        .margin(15)
        .margin_right(25)
        .x_label_area_size(45)
        .y_label_area_size(220)
        .build_cartesian_2d(0f64..top, -0.5f64..n as f64 - 0.5)
        .map_err(de)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(0)
        .x_desc("still running a grace after the deadline: fetches (thick), sockets (thin)")
        .x_label_formatter(&|x| number(*x))
        .draw()
        .map_err(de)?;
    for (i, bar) in data.iter().enumerate() {
        let y = at(i);
        let (px, py) = chart.backend_coord(&(0.0, y));
        root.draw(&Text::new(bar.label.clone(), (px - 8, py), text(13, BLACK, HPos::Right)))
            .map_err(de)?;
        let c = colour(&bar.krate);
        match (bar.value, &bar.why) {
            (Some((running, sockets)), _) => {
                let thick = Rectangle::new([(0.0, y + 0.02), (running, y + 0.36)], c.filled());
                let thin =
                    Rectangle::new([(0.0, y - 0.3), (sockets, y - 0.08)], lighter(c).filled());
                chart.draw_series([thick, thin]).map_err(de)?;
                let (mx, my) = chart.backend_coord(&(running.max(sockets), y));
                let words = match (running, sockets) {
                    (0.0, 0.0) => "0 / 0: released".to_string(),
                    _ => format!("{} running / {} sockets", number(running), number(sockets)),
                };
                root.draw(&Text::new(words, (mx + 8, my), text(12, BLACK, HPos::Left)))
                    .map_err(de)?;
            }
            (None, why) => {
                root.draw(&Cross::new((px + 8, py), 6, c.stroke_width(2))).map_err(de)?;
                let words = why.clone().unwrap_or_else(|| "no value".into());
                root.draw(&Text::new(words, (px + 20, py), text(13, c, HPos::Left))).map_err(de)?;
            }
        }
    }
    Ok(())
}
