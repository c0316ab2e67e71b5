//! run-all's overview, `<name>.svg`: a panel of horizontal bars per section that offers one
//! (io wall ÷ ideal, cpu speedup), side by side, each with its ideal as a dashed line.

use anyhow::Result;
use plotters::prelude::*;
use plotters::style::text_anchor::HPos;

use crate::model::plan::Section;
use crate::model::results::Results;
use crate::model::summary::RowSummary;
use crate::render::chart::kit::{
    Area, FONT, IDEAL, Missing, colour, de, machine, render, text, why_missing,
};

/// One panel of the overview: its title, a bar per row (or why it has none), and the ideal
/// (its value and its label).
pub struct Panel {
    pub title: String,
    pub bars: Vec<(String, Result<f64, Missing>)>,
    pub ideal: (f64, String),
}

/// The overview of `r` as (file name, SVG): the panels with bars, side by side.
pub fn overview(r: &Results, name: &str, panels: Vec<Panel>) -> Result<(String, String)> {
    let panels: Vec<Panel> = panels.into_iter().filter(|p| !p.bars.is_empty()).collect();
    let svg = render(|root| {
        let title = format!("{name} — {}", machine(r));
        let body = root.titled(&title, (FONT, 18)).map_err(de)?;
        // One panel (io only, as over tcp) takes the whole width.
        let areas = body.split_evenly((1, panels.len().max(1)));
        for (panel, area) in panels.iter().zip(&areas) {
            bar_panel(root, area, &panel.title, &panel.bars, &panel.ideal)?;
        }
        Ok(())
    })?;
    Ok((format!("{name}.svg"), svg))
}

/// (contender, value or why none) for every row of `section`'s groups, baselines left out.
pub fn bars(
    r: &Results,
    section: Section,
    value: fn(&RowSummary) -> Option<f64>,
) -> Vec<(String, Result<f64, Missing>)> {
    r.groups
        .iter()
        .filter(|g| g.section == section)
        .flat_map(|g| &g.rows)
        .filter(|row| !row.baseline)
        .map(|row| (row.approach.clone(), value(row).ok_or_else(|| why_missing(row))))
        .collect()
}

/// One panel of horizontal bars, top down in the tables' order, with the ideal as a dashed
/// line; a row without a value gets an ✕ and why.
fn bar_panel(
    root: &Area<'_>,
    area: &Area<'_>,
    title: &str,
    data: &[(String, Result<f64, Missing>)],
    (ideal, ideal_label): &(f64, String),
) -> Result<()> {
    let n = data.len();
    let values = data.iter().filter_map(|(_, v)| v.as_ref().ok());
    let xmax = values.fold(ideal.max(1.0), |m, v| m.max(*v)) * 1.2;
    // Row i sits at y = n - 1 - i: the first row on top, and no empty slot above or below.
    let at = |i: usize| (n - 1 - i) as f64;
    let mut chart = ChartBuilder::on(area)
        .caption(title, (FONT, 15))
        .margin(15)
        .margin_right(25)
        .x_label_area_size(35)
        .y_label_area_size(130)
        .build_cartesian_2d(0f64..xmax, -0.5f64..n as f64 - 0.5)
        .map_err(de)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(0)
        .x_label_formatter(&|x| format!("{x}×"))
        .draw()
        .map_err(de)?;
    for (i, (name, value)) in data.iter().enumerate() {
        let y = at(i);
        let (px, py) = chart.backend_coord(&(0.0, y));
        root.draw(&Text::new(name.clone(), (px - 8, py), text(13, BLACK, HPos::Right)))
            .map_err(de)?;
        let c = colour(name);
        match value {
            Ok(v) => {
                chart
                    .draw_series([Rectangle::new([(0.0, y - 0.35), (*v, y + 0.35)], c.filled())])
                    .map_err(de)?;
                let (vx, vy) = chart.backend_coord(&(*v, y));
                root.draw(&Text::new(
                    format!("{v:.2}×"),
                    (vx + 4, vy),
                    text(13, BLACK, HPos::Left),
                ))
                .map_err(de)?;
            }
            Err(missing) => {
                let x = xmax * 0.03;
                chart.draw_series([Cross::new((x, y), 7, c.stroke_width(2))]).map_err(de)?;
                let (mx, my) = chart.backend_coord(&(x, y));
                root.draw(&Text::new(
                    missing.label.clone(),
                    (mx + 12, my),
                    text(13, c, HPos::Left),
                ))
                .map_err(de)?;
            }
        }
    }
    let line = [(*ideal, -0.5), (*ideal, n as f64 - 0.5)];
    chart.draw_series(DashedLineSeries::new(line, 6, 4, IDEAL.into())).map_err(de)?;
    let (ix, iy) = chart.backend_coord(&(*ideal, n as f64 - 0.5));
    root.draw(&Text::new(ideal_label.clone(), (ix + 4, iy + 8), text(12, IDEAL, HPos::Left)))
        .map_err(de)?;
    Ok(())
}
