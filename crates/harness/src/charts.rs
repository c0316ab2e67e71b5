//! SVG charts of a sweep and of run-all, drawn with plotters' SVG backend alone (no system
//! fonts or C libraries). Each keeps its legend in a margin of its own, right of the plot, so
//! it covers no data; where a series ends or breaks (a failed or skipped point) an ✕ marks the
//! spot with a few words on why ([`why_missing`]). Every file is written whole
//! ([`output::write_whole`]). `avt-harness render <results.json>` redraws them, with the
//! tables.

use std::ops::Range;
use std::path::{Path, PathBuf};

use anyhow::Result;
use plotters::coord::Shift;
use plotters::coord::combinators::{LogCoord, WithKeyPoints};
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::Results;
use crate::outcome::Failure;
use crate::output;
use crate::plan::{Example, Section};
use crate::summary::{self, GroupSummary, RowSummary};

/// The whole picture, and the margin on its right that holds the legend.
const SIZE: (u32, u32) = (1040, 600);
const LEGEND_W: u32 = 280;
const FONT: &str = "sans-serif";
/// The series' lines and the ideal's.
const IDEAL: RGBColor = RGBColor(110, 110, 110);

mod mistakes;

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// Text of `size` pixels in `colour`, anchored at its `h` side and middle.
fn text(size: u32, colour: RGBColor, h: HPos) -> TextStyle<'static> {
    TextStyle {
        font: (FONT, size).into_font(),
        color: colour.to_backend_color(),
        pos: Pos::new(h, VPos::Center),
    }
}

/// plotters' errors borrow the backend; anyhow's must not.
fn de(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}

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
        // A way other than the crate's right one ("tokio cpu-inline", in the load sweep): a
        // colour of its own, the same on every chart.
        variant if variant.contains(' ') => {
            const MORE: [RGBColor; 12] = [
                RGBColor(23, 190, 207),
                RGBColor(188, 189, 34),
                RGBColor(0, 0, 128),
                RGBColor(128, 0, 0),
                RGBColor(0, 128, 128),
                RGBColor(128, 128, 0),
                RGBColor(255, 0, 255),
                RGBColor(70, 240, 140),
                RGBColor(170, 110, 40),
                RGBColor(0, 0, 0),
                RGBColor(250, 190, 190),
                RGBColor(100, 100, 255),
            ];
            let hash =
                variant.bytes().fold(0usize, |h, b| h.wrapping_mul(31).wrapping_add(b as usize));
            MORE[hash % MORE.len()]
        }
        _ => RGBColor(127, 127, 127),
    }
}

/// "AMD EPYC, 2 CPUs, 2026-11-26 08:27 UTC": the machine and date every title names.
fn machine(r: &Results) -> String {
    let e = &r.environment;
    format!("{}, {} CPUs, {}", e.cpu_model, e.logical_cpus, e.date)
}

/// 16247 → "16 247", as the README writes numbers.
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

/// Why a point has no value, in a few words for a chart: e.g. "OS thread limit: 16 247
/// threads", "skipped: ~1000 s per run".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing {
    pub label: String,
}

/// Why `row` has no value, from its skip reason or its failure.
pub fn why_missing(row: &RowSummary) -> Missing {
    match (&row.skipped, &row.failure) {
        (Some(skip), _) => skipped(skip),
        (None, Some(failure)) => failed(failure),
        (None, None) => Missing { label: "no value".into() },
    }
}

/// A failure's few words: the OS limit an example named as it exited ("OS thread limit:
/// 16 247 threads", "open-file limit: 20 000"), "timed out after 120 s", "failed: exit code
/// 101", "failed: killed by signal 9"; any other failure, the start of its text.
fn failed(failure: &Failure) -> Missing {
    let label = |label: String| Missing { label };
    // What the example said last on stderr (the examples name the limit that stopped them).
    let said = match failure {
        Failure::Exit { message, .. } | Failure::Signal { message, .. } => message.as_str(),
        Failure::Other(text) => text.as_str(),
        _ => "",
    };
    let number_after = |key: &str| -> Option<u64> {
        let rest = &said[said.find(key)? + key.len()..];
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().ok()
    };
    if said.contains("OS thread limit") {
        return match number_after("started ") {
            Some(n) => label(format!("OS thread limit: {} threads", grouped(n))),
            None => label("OS thread limit".into()),
        };
    }
    if said.contains("open-file limit") {
        return match number_after("open-file limit is ") {
            Some(n) => label(format!("open-file limit: {}", grouped(n))),
            None => label("open-file limit".into()),
        };
    }
    match failure {
        Failure::TimedOut { after_s } => label(format!("timed out after {after_s} s")),
        Failure::Exit { code, .. } => label(format!("failed: exit code {code}")),
        Failure::Signal { signal, .. } => label(format!("failed: killed by signal {signal}")),
        // The rest ("wrong result 3", "no JSON report on stdout", …): the text up to its
        // first colon or parenthesis, cut to 32 characters.
        other => {
            let text = other.to_string();
            let head = text.split([':', '(']).next().unwrap_or(&text).trim();
            let head: String = if head.chars().count() > 32 {
                head.chars().take(31).chain(['…']).collect()
            } else {
                head.into()
            };
            label(format!("failed: {head}"))
        }
    }
}

/// A skip's few words: "would take ~1000 s per run, over the 60 s cap" → "skipped: ~1000 s per
/// run"; "timed out at 3 tasks already" → "skipped: timed out at 3 tasks".
fn skipped(text: &str) -> Missing {
    let why = match text.strip_prefix("would take ") {
        Some(rest) => rest.split(',').next().unwrap_or(rest),
        None => text.trim_end_matches(" already"),
    };
    Missing { label: format!("skipped: {why}") }
}

/// One series: a contender's points, each a value or why there is none.
struct Line {
    name: String,
    /// The legend's second line, e.g. "1.44× at 1 000 000 tasks".
    detail: Option<String>,
    points: Vec<(f64, Result<f64, Missing>)>,
}

/// An ✕ where a series ends or breaks, at the height of the point before it (or after it,
/// or `floor` where there is none), with the dashed step from that point.
#[derive(Debug, Clone, PartialEq)]
struct Mark {
    from: Option<(f64, f64)>,
    at: (f64, f64),
    colour: RGBColor,
    label: String,
}

/// The marks of `lines`: one at the first point of every stretch of missing points, where the
/// series ends or breaks (what stops it there is what the reader needs; the points after it,
/// and any other reasons there, are in the tables' notes).
fn marks(lines: &[Line], floor: f64) -> Vec<Mark> {
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

/// What the legend shows for an entry.
enum Sample {
    Line(RGBColor),
    Cross,
}

struct Entry {
    sample: Sample,
    label: String,
    detail: Option<String>,
}

impl Entry {
    fn line(colour: RGBColor, label: impl Into<String>, detail: Option<String>) -> Entry {
        Entry { sample: Sample::Line(colour), label: label.into(), detail }
    }
}

/// The legend, top down in its own margin (`area`), from `top` pixels down.
fn legend(area: &Area<'_>, top: i32, entries: &[Entry]) -> Result<()> {
    let mut y = top;
    for entry in entries {
        match entry.sample {
            Sample::Line(c) => {
                area.draw(&PathElement::new(vec![(12, y), (40, y)], c.stroke_width(2)))
                    .map_err(de)?;
                area.draw(&Circle::new((26, y), 4, c.filled())).map_err(de)?;
            }
            Sample::Cross => {
                area.draw(&Cross::new((26, y), 5, BLACK.stroke_width(2))).map_err(de)?;
            }
        }
        area.draw(&Text::new(entry.label.clone(), (48, y), text(15, BLACK, HPos::Left)))
            .map_err(de)?;
        y += 18;
        if let Some(detail) = &entry.detail {
            let grey = RGBColor(80, 80, 80);
            area.draw(&Text::new(detail.clone(), (48, y), text(13, grey, HPos::Left)))
                .map_err(de)?;
            y += 18;
        }
        y += 8;
    }
    Ok(())
}

/// Draws `points` as a line broken at the gaps, with a dot at every point.
fn draw_line<X, Y>(
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
const LABEL_FONT: u32 = 14;
fn label_width(label: &str) -> i32 {
    (label.chars().count() as f64 * f64::from(LABEL_FONT) * 0.45).ceil() as i32
}

/// A box in pixels: left, top, right, bottom.
type Bounds = (i32, i32, i32, i32);
/// A straight piece of a line in pixels, from one end to the other.
type Segment = ((i32, i32), (i32, i32));

/// Whether the segment from `a` to `b` crosses the box (Liang–Barsky clipping).
fn crosses((a, b): Segment, (l, t, r, btm): Bounds) -> bool {
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
fn place(
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
fn draw_marks<X, Y>(
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
struct Frame<'a> {
    title: String,
    x_desc: &'a str,
    y_desc: String,
    x_label: &'a dyn Fn(&f64) -> String,
    y_label: &'a dyn Fn(&f64) -> String,
    /// Reference lines (the ideal), drawn in grey under the series.
    references: Vec<(Vec<(f64, f64)>, Entry)>,
    lines: Vec<Line>,
    /// Where a mark goes on a series with no value at all.
    floor: f64,
}

/// A line chart over the coordinates `x` × `y` (linear or log) with its legend on the right.
fn line_chart<X, Y>(frame: Frame<'_>, x: X, y: Y, x_labels: usize) -> Result<String>
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

/// Draws on a blank canvas and gives the SVG text.
fn render(draw: impl FnOnce(&Area<'_>) -> Result<()>) -> Result<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(de)?;
        draw(&root)?;
        root.present().map_err(de)?;
    }
    Ok(svg)
}

/// Writes an SVG to `path` whole ([`output::write_whole`]); gives the path.
fn write_svg(path: PathBuf, svg: &str) -> Result<PathBuf> {
    output::write_whole(&path, svg.as_bytes())?;
    Ok(path)
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

/// A series' points: `value` of each row at `x` of it, or why there is none.
fn points(
    rows: &[&RowSummary],
    x: impl Fn(&RowSummary) -> f64,
    value: impl Fn(&RowSummary) -> Option<f64>,
) -> Vec<(f64, Result<f64, Missing>)> {
    rows.iter().map(|row| (x(row), value(row).ok_or_else(|| why_missing(row)))).collect()
}

/// The last point with a value.
fn last(points: &[(f64, Result<f64, Missing>)]) -> Option<(f64, f64)> {
    points.iter().rev().find_map(|(x, p)| Some((*x, *p.as_ref().ok()?)))
}

/// The sweep's charts, `<name>-io-wall.svg`, `<name>-io-memory.svg` and
/// `<name>-cpu-speedup.svg` (for the examples it ran), as (file name, SVG).
pub fn sweep_charts(r: &Results, name: &str) -> Result<Vec<(String, String)>> {
    let io: Vec<&GroupSummary> = r.groups.iter().filter(|g| g.example == Example::Io).collect();
    let cpu: Vec<&GroupSummary> = r.groups.iter().filter(|g| g.example == Example::Cpu).collect();
    let mut charts = Vec::new();
    if !io.is_empty() {
        charts.push((format!("{name}-io-wall.svg"), io_wall(r, &io)?));
        charts.push((format!("{name}-io-memory.svg"), io_memory(r, &io)?));
    }
    if !cpu.is_empty() {
        charts.push((format!("{name}-cpu-speedup.svg"), cpu_speedup(r, &cpu)?));
    }
    Ok(charts)
}

/// Writes the charts of `r` into `out`, as its command draws them: a sweep's (its settings
/// name a sweep), a load sweep's, or run-all's; returns the files written.
pub fn write(r: &Results, out: &Path, name: &str) -> Result<Vec<PathBuf>> {
    if crate::mixed::load_groups(r).is_some() {
        return write_load(r, out, name);
    }
    match r.settings.sweep {
        Some(_) => write_sweep(r, out, name),
        None => write_run_all(r, out, name),
    }
}

/// Writes the sweep's charts into `out`; returns the files written.
pub fn write_sweep(r: &Results, out: &Path, name: &str) -> Result<Vec<PathBuf>> {
    sweep_charts(r, name)?.iter().map(|(file, svg)| write_svg(out.join(file), svg)).collect()
}

/// The load sweep's charts, `<name>-p99.svg` (p99 latency against offered load, log y) and
/// `<name>-achieved.svg` (achieved against offered rate), as (file name, SVG); none for
/// results that are not a load sweep.
pub fn load_charts(r: &Results, name: &str) -> Result<Vec<(String, String)>> {
    let Some((m, groups)) = crate::mixed::load_groups(r) else { return Ok(Vec::new()) };
    let offered = |row: &RowSummary| m.load_of(row).unwrap_or(0.0) * 100.0;
    let late = |row: &RowSummary| row.metrics.get("late").map_or(0.0, |s| s.max);
    // A p99 of the requests that finished says nothing once some did not: an ✕ there.
    let p99 = |row: &RowSummary| -> Result<f64, Missing> {
        let value = row.metrics.get("latency.p99_us").map(|s| s.median / 1e3);
        match (late(row), value) {
            (n, _) if n > 0.0 && row.failure.is_none() => {
                let of = row.params.requests.unwrap_or(0);
                Err(Missing { label: format!("late: {n:.0} of {}", grouped(of as u64)) })
            }
            (_, Some(v)) => Ok(v),
            _ => Err(why_missing(row)),
        }
    };
    let achieved = |row: &RowSummary| -> Option<f64> {
        let got = row.metrics.get("achieved_rate")?.median;
        Some(got / m.capacity(row)?.per_s * 100.0)
    };
    let lines = |value: &dyn Fn(&RowSummary) -> Result<f64, Missing>| -> Vec<Line> {
        series(&groups)
            .into_iter()
            .map(|(name, rows)| {
                let points = rows.iter().map(|row| (offered(row), value(row))).collect();
                Line { name, detail: None, points }
            })
            .collect()
    };
    let xmax = groups.iter().flat_map(|g| &g.rows).map(offered).fold(100.0, f64::max) * 1.1;
    let who = |c: &crate::mixed::Capacity| format!("{:.0}/s", c.per_s);
    let capacities = match &m.python {
        Some(p) => format!("Rust {}, Python {}", who(&m.rust), who(p)),
        None => format!("Rust {}", who(&m.rust)),
    };
    let x_desc = format!("offered load, % of the measured capacity ({capacities})");

    let p99_lines = lines(&p99);
    let values = p99_lines.iter().flat_map(|l| l.points.iter().filter_map(|(_, p)| p.clone().ok()));
    let target = m.rust.target_ms(m.delay_ms);
    let (lo, hi) = values.fold((target, target), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let target_entry =
        Entry::line(IDEAL, "target: D + 5c (Rust)", Some(format!("{} ms", number(target))));
    let frame = Frame {
        title: format!(
            "mixed: p99 latency by offered load ({} ms fetch, then W = {}) — {}",
            m.delay_ms,
            grouped(m.rust.work),
            machine(r)
        ),
        x_desc: &x_desc,
        y_desc: "p99 latency, ms (median of runs, log scale)".into(),
        x_label: &|x| format!("{x:.0}%"),
        y_label: &|y| number(*y),
        references: vec![(vec![(0.0, target), (xmax, target)], target_entry)],
        lines: p99_lines,
        floor: lo,
    };
    let y = log_axis(lo * 0.8..hi * 1.6, &[1.0, 2.0, 5.0]);
    let p99_svg = line_chart(frame, 0f64..xmax, y, 12)?;

    let got_lines = lines(&|row| achieved(row).ok_or_else(|| why_missing(row)));
    let ymax = got_lines
        .iter()
        .flat_map(|l| l.points.iter().filter_map(|(_, p)| p.clone().ok()))
        .fold(xmax, f64::max)
        * 1.05;
    let ideal = Entry::line(IDEAL, "ideal: achieved = offered", None);
    let frame = Frame {
        title: format!("mixed: achieved against offered rate — {}", machine(r)),
        x_desc: &x_desc,
        y_desc: "achieved rate, % of capacity (median)".into(),
        x_label: &|x| format!("{x:.0}%"),
        y_label: &|y| format!("{y:.0}%"),
        references: vec![(vec![(0.0, 0.0), (xmax, xmax)], ideal)],
        lines: got_lines,
        floor: 0.0,
    };
    let got_svg = line_chart(frame, 0f64..xmax, 0f64..ymax, 12)?;
    Ok(vec![(format!("{name}-p99.svg"), p99_svg), (format!("{name}-achieved.svg"), got_svg)])
}

/// Writes the load sweep's charts into `out`; returns the files written.
pub fn write_load(r: &Results, out: &Path, name: &str) -> Result<Vec<PathBuf>> {
    load_charts(r, name)?.iter().map(|(file, svg)| write_svg(out.join(file), svg)).collect()
}

fn tasks_of(row: &RowSummary) -> f64 {
    row.params.tasks.unwrap_or(1) as f64
}

/// The x axis of the io charts: tasks in flight, log scale, up to twice the largest point.
fn tasks_axis(io: &[&GroupSummary]) -> f64 {
    io.iter().flat_map(|g| &g.rows).map(tasks_of).fold(10.0, f64::max) * 2.0
}

/// A log axis over `range`: bold lines, labelled, at `steps` (e.g. 1, 2, 5) times each power
/// of ten, light lines at the other whole multiples; bold at every one when the range spans
/// less than a decade and a half.
fn log_axis(range: Range<f64>, steps: &[f64]) -> WithKeyPoints<LogCoord<f64>> {
    let every = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0];
    let steps = if range.end / range.start < 30.0 { &every[..] } else { steps };
    let (mut bold, mut light) = (Vec::new(), Vec::new());
    let decades = range.start.log10().floor() as i32..range.end.log10().ceil() as i32 + 1;
    for decade in decades {
        for m in 1..10 {
            let v = f64::from(m) * 10f64.powi(decade);
            if range.contains(&v) {
                if steps.contains(&f64::from(m)) { bold.push(v) } else { light.push(v) }
            }
        }
    }
    range.log_scale().with_key_points(bold).with_light_points(light)
}

/// An axis label: "1 000 000", "20", "0.5".
fn number(v: f64) -> String {
    if v >= 1.0 { grouped(v.round() as u64) } else { format!("{}", (v * 1e3).round() / 1e3) }
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
                .find_map(|row| Some((tasks_of(row), summary::bytes_per_task(row, io)?)))
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

/// cpu speedup against worker threads, with the ideal: one thread per core.
fn cpu_speedup(r: &Results, cpu: &[&GroupSummary]) -> Result<String> {
    let threads = |row: &RowSummary| row.params.threads as f64;
    // The baselines are the 1× of every speedup, not series of their own.
    let lines: Vec<Line> = series(cpu)
        .into_iter()
        .filter(|(_, rows)| !rows.iter().any(|row| row.baseline))
        .map(|(name, rows)| {
            let points = points(&rows, threads, |row| row.speedup);
            let best = points
                .iter()
                .filter_map(|(t, p)| Some((*t, *p.as_ref().ok()?)))
                .max_by(|a, b| a.1.total_cmp(&b.1));
            // The Python rows' speedups are over their own baseline, at their own limit.
            let python = rows.first().filter(|row| row.python);
            let detail = match (python.and_then(|row| row.params.limit), best) {
                (Some(limit), _) => {
                    let over = baseline_of(cpu, &name).unwrap_or("its sequential row");
                    Some(format!("limit {}, vs {over}", grouped(limit)))
                }
                (_, Some((t, s))) => Some(format!("best {s:.2}× at {t:.0} threads")),
                _ => None,
            };
            Line { name, detail, points }
        })
        .collect();
    let xmax = cpu.iter().flat_map(|g| &g.rows).map(threads).fold(2.0, f64::max);
    let cores = r.environment.logical_cpus as f64;
    let top = cores.min(xmax);
    let ymax = lines
        .iter()
        .flat_map(|l| l.points.iter().filter_map(|(_, p)| p.clone().ok()))
        .fold(top, f64::max)
        * 1.15;
    let ideal = Entry::line(IDEAL, "ideal: one thread per core", Some(format!("{cores} cores")));
    let frame = Frame {
        title: format!("cpu: speedup over sequential, by worker threads — {}", machine(r)),
        x_desc: "worker threads",
        y_desc: "speedup (median wall of sequential ÷ median wall)".into(),
        x_label: &|x| format!("{x:.0}"),
        y_label: &|y| format!("{y:.1}×"),
        references: vec![(vec![(1.0, 1.0), (top, top), (xmax, top)], ideal)],
        lines,
        floor: 0.0,
    };
    line_chart(frame, 0f64..xmax + 1.0, 0f64..ymax, (xmax as usize + 2).min(40))
}

/// The name of the baseline row in the first of `groups` that has a row of `approach`.
fn baseline_of<'a>(groups: &[&'a GroupSummary], approach: &str) -> Option<&'a str> {
    let group = groups.iter().find(|g| g.rows.iter().any(|row| row.approach == approach))?;
    group.baseline().map(|row| row.approach.as_str())
}

/// run-all's bar chart: io wall ÷ ideal and cpu speedup, a bar per contender, as
/// (file name, SVG).
pub fn run_all_chart(r: &Results, name: &str) -> Result<(String, String)> {
    let io = bars(r, Section::Io, |row| row.x_ideal);
    let cpu = bars(r, Section::Cpu, |row| row.speedup);
    let cores = r.environment.logical_cpus.min(r.settings.threads) as f64;
    let panels = [
        ("io: wall time ÷ one wait (lower is better)", io, (1.0, "ideal 1×".to_string())),
        (
            "cpu: speedup over sequential (Python: over Python's; higher is better)",
            cpu,
            (cores, format!("ideal {cores}×")),
        ),
    ];
    let panels: Vec<_> = panels.into_iter().filter(|(_, bars, _)| !bars.is_empty()).collect();
    let svg = render(|root| {
        let title = format!("{name} — {}", machine(r));
        let body = root.titled(&title, (FONT, 18)).map_err(de)?;
        // One panel (io only, as over tcp) takes the whole width.
        let areas = body.split_evenly((1, panels.len().max(1)));
        for ((title, bars, ideal), area) in panels.iter().zip(&areas) {
            bar_panel(root, area, title, bars, ideal)?;
        }
        Ok(())
    })?;
    Ok((format!("{name}.svg"), svg))
}

/// Writes run-all's chart into `out`; returns the file written.
pub fn write_run_all(r: &Results, out: &Path, name: &str) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    // The bars of io and cpu (run-all's first chart), unless only other sections ran.
    let others_only = !r.groups.is_empty()
        && r.groups.iter().all(|g| ![Section::Io, Section::Cpu].contains(&g.section));
    if !others_only {
        let (file, svg) = run_all_chart(r, name)?;
        files.push(write_svg(out.join(file), &svg)?);
    }
    if let Some((file, svg)) = mistakes::chart(r, name)? {
        files.push(write_svg(out.join(file), &svg)?);
    }
    Ok(files)
}

/// (contender, value or why none) for every row of `section`'s groups, baselines left out.
fn bars(
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_and_skips_read_in_a_few_words() {
        let thread = "exit code 1: std-threads: error: hit the OS thread limit: started 16247 of \
                      100000 threads (vm.max_map_count), and they all ran to the end";
        let files = "exit code 1: tokio: error: 100000 connections at once need about 100064 open \
                     files, but the open-file limit is 20000 even raised to its hard limit";
        let failed = |text: &str| failed(&Failure::from_text(text));
        let cases = [
            (failed(thread), "OS thread limit: 16 247 threads"),
            (failed(files), "open-file limit: 20 000"),
            (failed("timed out after 120 s (killed)"), "timed out after 120 s"),
            (failed("exit code 101: thread 'main' panicked"), "failed: exit code 101"),
            (failed("killed by signal 9: "), "failed: killed by signal 9"),
            (failed("no JSON report on stdout"), "failed: no JSON report on stdout"),
            (
                failed("wrong result 3 (checksum ab), expected checksum cd (π table)"),
                "failed: wrong result 3",
            ),
            (skipped("would take ~1000 s per run, over the 60 s cap"), "skipped: ~1000 s per run"),
            (skipped("timed out at 3 tasks already"), "skipped: timed out at 3 tasks"),
        ];
        for (missing, label) in cases {
            assert_eq!(missing.label, label);
        }
        assert_eq!(grouped(1_000_000), "1 000 000");
        assert_eq!(grouped(999), "999");
    }

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

    #[test]
    fn log_axes_label_one_two_five_or_every_step_on_a_short_range() {
        let bold = |r: Range<f64>| log_axis(r, &[1.0, 2.0, 5.0]).bold_points().to_vec();
        assert_eq!(bold(0.8..60.0), [1.0, 2.0, 5.0, 10.0, 20.0, 50.0]);
        assert_eq!(bold(0.8..6.0), [0.8, 0.9, 1.0, 2.0, 3.0, 4.0, 5.0]);
        assert_eq!(number(1e6), "1 000 000");
        assert_eq!(number(0.5), "0.5");
    }
}
