//! Line charts: a series per contender, broken at its gaps, with an ✕ where a series ends or
//! breaks and a few words on why, placed where they cross the fewest lines.

use std::ops::Range;

use anyhow::Result;
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::prelude::*;
use plotters::style::text_anchor::HPos;

use crate::render::chart::kit::{
    Area, Entry, FONT, IDEAL, LEGEND_W, Missing, SIZE, Sample, colour, de, legend, render, text,
};

/// One series: a contender's points, each a value or why there is none.
pub struct Line {
    pub name: String,
    /// The legend's second line, e.g. "1.44× at 1 000 000 tasks".
    pub detail: Option<String>,
    pub points: Vec<(f64, Result<f64, Missing>)>,
}

/// An ✕ where a series ends or breaks, at the height of the point before it (or after it,
/// or `floor` where there is none), with the dashed step from that point.
#[derive(Debug, Clone, PartialEq)]
pub struct Mark {
    from: Option<(f64, f64)>,
    at: (f64, f64),
    colour: RGBColor,
    label: String,
}

/// The marks of `lines`: one at the first point of every stretch of missing points, where the
/// series ends or breaks (what stops it there is what the reader needs; the points after it,
/// and any other reasons there, are in the tables' notes).
pub fn marks(lines: &[Line], floor: f64) -> Vec<Mark> {
    let mut out = Vec::new();
    for line in lines {
        let mut last: Option<(f64, f64)> = None;
        let mut in_gap = false;
        for (i, (x, point)) in line.points.iter().enumerate() {
            match point {
                Ok(y) => {
                    last = Some((*x, *y));
                    in_gap = false;
                }
                Err(missing) if !in_gap => {
                    let next = line.points[i..].iter().find_map(|(_, p)| p.as_ref().ok());
                    let y = last.map(|(_, y)| y).or(next.copied()).unwrap_or(floor);
                    out.push(Mark {
                        from: last,
                        at: (*x, y),
                        colour: colour(&line.name),
                        label: missing.label.clone(),
                    });
                    in_gap = true;
                }
                Err(_) => {}
            }
        }
    }
    out
}

/// Draws `points` as a line broken at the gaps, with a dot at every point.
pub fn draw_line<X, Y>(
    chart: &mut ChartContext<'_, SVGBackend<'_>, Cartesian2d<X, Y>>,
    line: &Line,
) -> Result<()>
where
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    let style = colour(&line.name).stroke_width(2);
    let points: Vec<Option<(f64, f64)>> =
        line.points.iter().map(|(x, p)| p.as_ref().ok().map(|y| (*x, *y))).collect();
    for segment in points.split(|p| p.is_none()).filter(|s| !s.is_empty()) {
        let segment: Vec<(f64, f64)> = segment.iter().flatten().copied().collect();
        chart.draw_series(LineSeries::new(segment.clone(), style)).map_err(de)?;
        chart
            .draw_series(segment.iter().map(|&p| Circle::new(p, 4, style.filled())))
            .map_err(de)?;
    }
    Ok(())
}

/// A label's size: about 0.45 of the font size per character (plotters writes a size-`s` font
/// as `s` ÷ 1.24 pixels; DejaVu Sans, the widest common sans-serif, is ~0.55 em a character).
pub const LABEL_FONT: u32 = 14;
pub fn label_width(label: &str) -> i32 {
    (label.chars().count() as f64 * f64::from(LABEL_FONT) * 0.45).ceil() as i32
}

/// A box in pixels: left, top, right, bottom.
pub type Bounds = (i32, i32, i32, i32);
/// A straight piece of a line in pixels, from one end to the other.
pub type Segment = ((i32, i32), (i32, i32));

/// Whether the segment from `a` to `b` crosses the box (Liang–Barsky clipping).
pub fn crosses((a, b): Segment, (l, t, r, btm): Bounds) -> bool {
    let (x0, y0) = (f64::from(a.0), f64::from(a.1));
    let (dx, dy) = (f64::from(b.0) - x0, f64::from(b.1) - y0);
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    for (p, q) in [
        (-dx, x0 - f64::from(l)),
        (dx, f64::from(r) - x0),
        (-dy, y0 - f64::from(t)),
        (dy, f64::from(btm) - y0),
    ] {
        if p == 0.0 {
            if q < 0.0 {
                return false;
            }
        } else {
            let u = q / p;
            if p < 0.0 { lo = lo.max(u) } else { hi = hi.min(u) }
        }
    }
    lo <= hi
}

/// Where a label of `width` goes beside the ✕ at (x, y): the first of a few spots around it
/// that stays in the plot (`inside`) and crosses the fewest lines (`segments`) and labels
/// already placed. Returns its box.
pub fn place(
    (x, y): (i32, i32),
    width: i32,
    inside: Bounds,
    segments: &[Segment],
    placed: &[Bounds],
) -> Bounds {
    let half = 9;
    let spots =
        [(10, -16), (-10, -16), (10, 16), (-10, 16), (12, 0), (10, -34), (-10, -34), (10, 34)];
    let boxes = spots.iter().map(|&(dx, dy)| {
        let left = if dx > 0 { x + dx } else { x + dx - width };
        (left, y + dy - half, left + width, y + dy + half)
    });
    let fits =
        |b: &Bounds| b.0 >= inside.0 && b.1 >= inside.1 && b.2 <= inside.2 && b.3 <= inside.3;
    let overlaps = |b: &Bounds, o: &Bounds| b.0 < o.2 && o.0 < b.2 && b.1 < o.3 && o.1 < b.3;
    let cost = |b: &Bounds| {
        let lines = segments.iter().filter(|&&s| crosses(s, *b)).count();
        let labels = placed.iter().filter(|o| overlaps(b, o)).count();
        lines + 10 * labels + if fits(b) { 0 } else { 100 }
    };
    boxes.min_by_key(cost).expect("spots to choose from")
}

/// Draws each mark's ✕ and dashed step, then the labels on `root` in pixels, one per label
/// and point (several series ending alike at one point share it, beside the highest ✕), each
/// where it crosses the fewest lines, on a faint white box to stay legible where one runs.
pub fn draw_marks<X, Y>(
    chart: &mut ChartContext<'_, SVGBackend<'_>, Cartesian2d<X, Y>>,
    root: &Area<'_>,
    marks: &[Mark],
    lines: &[Line],
    references: &[Vec<(f64, f64)>],
) -> Result<()>
where
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    for mark in marks {
        let style = ShapeStyle::from(mark.colour).stroke_width(2);
        if let Some(from) = mark.from {
            let dashed = DashedLineSeries::new([from, mark.at], 5, 4, mark.colour.into());
            chart.draw_series(dashed).map_err(de)?;
        }
        chart.draw_series([Cross::new(mark.at, 6, style)]).map_err(de)?;
    }
    // Everything a label should not cover, in pixels: the lines, the steps, the ✕s.
    let px = |p: &(f64, f64)| chart.backend_coord(p);
    let mut segments = Vec::new();
    for line in lines {
        let values: Vec<Option<(i32, i32)>> =
            line.points.iter().map(|(x, p)| p.as_ref().ok().map(|y| px(&(*x, *y)))).collect();
        for pair in values.windows(2) {
            if let [Some(a), Some(b)] = pair {
                segments.push((*a, *b));
            }
        }
    }
    for reference in references {
        segments.extend(reference.windows(2).map(|w| (px(&w[0]), px(&w[1]))));
    }
    for mark in marks {
        let at = px(&mark.at);
        segments.extend(mark.from.map(|from| (px(&from), at)));
        segments.push(((at.0 - 6, at.1), (at.0 + 6, at.1)));
    }
    // (x, y, label, colour) in pixels, one per label and point.
    let mut labels: Vec<((i32, i32), &str, RGBColor)> = Vec::new();
    for mark in marks {
        let (x, y) = px(&mark.at);
        let alike = |l: &&mut ((i32, i32), &str, RGBColor)| {
            l.1 == mark.label && (l.0.0 - x).abs() < 2 && (l.0.1 - y).abs() < 60
        };
        match labels.iter_mut().find(alike) {
            Some(l) => {
                l.0.1 = l.0.1.min(y);
                if l.2 != mark.colour {
                    l.2 = RGBColor(60, 60, 60);
                }
            }
            None => labels.push(((x, y), &mark.label, mark.colour)),
        }
    }
    let (xs, ys): (Range<i32>, Range<i32>) = chart.plotting_area().get_pixel_range();
    let inside = (xs.start, ys.start, xs.end, ys.end);
    let mut placed: Vec<Bounds> = Vec::new();
    labels.sort_by_key(|l| l.0.1);
    for (at, label, colour) in labels {
        let b = place(at, label_width(label), inside, &segments, &placed);
        placed.push(b);
        let halo = Rectangle::new([(b.0 - 2, b.1), (b.2 + 2, b.3)], WHITE.mix(0.65).filled());
        root.draw(&halo).map_err(de)?;
        let style = text(LABEL_FONT, colour, HPos::Left);
        root.draw(&Text::new(label.to_string(), (b.0, (b.1 + b.3) / 2), style)).map_err(de)?;
    }
    Ok(())
}

/// What sets one line chart apart from another.
pub struct Frame<'a> {
    pub title: String,
    pub x_desc: &'a str,
    pub y_desc: String,
    pub x_label: &'a dyn Fn(&f64) -> String,
    pub y_label: &'a dyn Fn(&f64) -> String,
    /// Reference lines (the ideal), drawn in grey under the series.
    pub references: Vec<(Vec<(f64, f64)>, Entry)>,
    pub lines: Vec<Line>,
    /// Where a mark goes on a series with no value at all.
    pub floor: f64,
}

/// A line chart over the coordinates `x` × `y` (linear or log) with its legend on the right.
pub fn line_chart<X, Y>(frame: Frame<'_>, x: X, y: Y, x_labels: usize) -> Result<String>
where
    X: AsRangedCoord<Value = f64>,
    Y: AsRangedCoord<Value = f64>,
    X::CoordDescType: ValueFormatter<f64>,
    Y::CoordDescType: ValueFormatter<f64>,
{
    render(|root| {
        let body = root.titled(&frame.title, (FONT, 18)).map_err(de)?;
        let (plot, side) = body.split_horizontally(SIZE.0 - LEGEND_W);
        let mut chart = ChartBuilder::on(&plot)
            .margin(20)
            .margin_right(10)
            .x_label_area_size(50)
            .y_label_area_size(70)
            .build_cartesian_2d(x, y)
            .map_err(de)?;
        chart
            .configure_mesh()
            .x_desc(frame.x_desc)
            .x_labels(x_labels)
            .x_label_formatter(frame.x_label)
            .y_desc(frame.y_desc.as_str())
            .y_label_formatter(frame.y_label)
            .draw()
            .map_err(de)?;
        for (points, _) in &frame.references {
            chart
                .draw_series(LineSeries::new(points.clone(), IDEAL.stroke_width(1)))
                .map_err(de)?;
        }
        for line in &frame.lines {
            draw_line(&mut chart, line)?;
        }
        let marks = marks(&frame.lines, frame.floor);
        let references: Vec<_> = frame.references.iter().map(|(p, _)| p.clone()).collect();
        draw_marks(&mut chart, root, &marks, &frame.lines, &references)?;
        let mut entries: Vec<Entry> = Vec::new();
        for (_, entry) in frame.references {
            entries.push(entry);
        }
        for line in frame.lines.iter().filter(|l| l.points.iter().any(|(_, p)| p.is_ok())) {
            entries.push(Entry::line(colour(&line.name), line.name.clone(), line.detail.clone()));
        }
        // A series with no point at all is known by its ✕ alone: name it there.
        for line in frame.lines.iter().filter(|l| l.points.iter().all(|(_, p)| p.is_err())) {
            let detail = Some("no point: see its ✕".to_string());
            entries.push(Entry::line(colour(&line.name), line.name.clone(), detail));
        }
        if !marks.is_empty() {
            let detail = Some("why is written beside it".to_string());
            entries.push(Entry {
                sample: Sample::Cross,
                label: "failed or skipped".into(),
                detail,
            });
        }
        legend(&side, 30, &entries)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_series_is_marked_where_it_ends_or_breaks() {
        let gone = |label: &str| Err(Missing { label: label.into() });
        let line = Line {
            name: "std-threads".into(),
            detail: None,
            points: vec![
                (3.0, Ok(1.0)),
                (1e4, Ok(1.3)),
                (2e4, gone("OS thread limit: 16 247 threads")),
                (1e5, gone("open-file limit: 20 000")),
                (1e6, Ok(1.5)),
                (1e7, gone("skipped: ~1000 s per run")),
            ],
        };
        let marks = marks(&[line], 0.5);
        let at: Vec<_> = marks.iter().map(|m| (m.at, m.from, m.label.as_str())).collect();
        assert_eq!(
            at,
            [
                ((2e4, 1.3), Some((1e4, 1.3)), "OS thread limit: 16 247 threads"),
                ((1e7, 1.5), Some((1e6, 1.5)), "skipped: ~1000 s per run"),
            ]
        );
        let never = Line {
            name: "smol".into(),
            detail: None,
            points: vec![(3.0, gone("failed: exit code 1"))],
        };
        assert_eq!(super::marks(&[never], 0.5)[0].at, (3.0, 0.5), "no point: on the floor");
    }
}
