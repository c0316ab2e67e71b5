//! The chart toolkit, over plotters' SVG backend alone (no system fonts or C libraries):
//! colours that stay with a contender on every chart, text, the legend in a margin of its own
//! right of the plot (so it covers no data), log axes, and why a point is missing
//! ([`why_missing`]), in a few words for the ✕ that marks it.

use std::ops::Range;

use anyhow::Result;
use plotters::coord::Shift;
use plotters::coord::combinators::{LogCoord, WithKeyPoints};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::model::outcome::Failure;
use crate::model::results::Results;
use crate::model::summary::{GroupSummary, RowSummary};
pub use crate::render::format::grouped;

/// The whole picture, and the margin on its right that holds the legend.
pub const SIZE: (u32, u32) = (1040, 600);
pub const LEGEND_W: u32 = 280;
pub const FONT: &str = "sans-serif";
/// The series' lines and the ideal's.
pub const IDEAL: RGBColor = RGBColor(110, 110, 110);

pub type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// Text of `size` pixels in `colour`, anchored at its `h` side and middle.
pub fn text(size: u32, colour: RGBColor, h: HPos) -> TextStyle<'static> {
    TextStyle {
        font: (FONT, size).into_font(),
        color: colour.to_backend_color(),
        pos: Pos::new(h, VPos::Center),
    }
}

/// plotters' errors borrow the backend; anyhow's must not.
pub fn de(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}

/// A stable colour per contender, so every chart shows each one the same way.
pub fn colour(name: &str) -> RGBColor {
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
pub fn machine(r: &Results) -> String {
    let e = &r.environment;
    format!("{}, {} CPUs, {}", e.cpu_model, e.logical_cpus, e.date)
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
pub fn failed(failure: &Failure) -> Missing {
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
pub fn skipped(text: &str) -> Missing {
    let why = match text.strip_prefix("would take ") {
        Some(rest) => rest.split(',').next().unwrap_or(rest),
        None => text.trim_end_matches(" already"),
    };
    Missing { label: format!("skipped: {why}") }
}

/// What the legend shows for an entry.
pub enum Sample {
    Line(RGBColor),
    Cross,
}

pub struct Entry {
    pub sample: Sample,
    pub label: String,
    pub detail: Option<String>,
}

impl Entry {
    pub fn line(colour: RGBColor, label: impl Into<String>, detail: Option<String>) -> Entry {
        Entry { sample: Sample::Line(colour), label: label.into(), detail }
    }

    /// A line per crate in its colour, each once, in the order the crates first appear.
    pub fn crates<'a>(crates: impl IntoIterator<Item = &'a str>) -> Vec<Entry> {
        let mut seen: Vec<&str> = Vec::new();
        for c in crates {
            if !seen.contains(&c) {
                seen.push(c);
            }
        }
        seen.into_iter().map(|c| Entry::line(colour(c), c, None)).collect()
    }
}

/// The legend, top down in its own margin (`area`), from `top` pixels down.
pub fn legend(area: &Area<'_>, top: i32, entries: &[Entry]) -> Result<()> {
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

/// Draws on a blank canvas and gives the SVG text.
pub fn render(draw: impl FnOnce(&Area<'_>) -> Result<()>) -> Result<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(de)?;
        draw(&root)?;
        root.present().map_err(de)?;
    }
    Ok(svg)
}

/// Every contender's rows across `groups`, in first-seen order.
pub fn series<'a>(groups: &[&'a GroupSummary]) -> Vec<(String, Vec<&'a RowSummary>)> {
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
pub fn points(
    rows: &[&RowSummary],
    x: impl Fn(&RowSummary) -> f64,
    value: impl Fn(&RowSummary) -> Option<f64>,
) -> Vec<(f64, Result<f64, Missing>)> {
    rows.iter().map(|row| (x(row), value(row).ok_or_else(|| why_missing(row)))).collect()
}

/// The last point with a value.
pub fn last(points: &[(f64, Result<f64, Missing>)]) -> Option<(f64, f64)> {
    points.iter().rev().find_map(|(x, p)| Some((*x, *p.as_ref().ok()?)))
}

/// A log axis over `range`: bold lines, labelled, at `steps` (e.g. 1, 2, 5) times each power
/// of ten, light lines at the other whole multiples; bold at every one when the range spans
/// less than a decade and a half.
pub fn log_axis(range: Range<f64>, steps: &[f64]) -> WithKeyPoints<LogCoord<f64>> {
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
pub fn number(v: f64) -> String {
    if v >= 1.0 { grouped(v.round() as u64) } else { format!("{}", (v * 1e3).round() / 1e3) }
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
    fn log_axes_label_one_two_five_or_every_step_on_a_short_range() {
        let bold = |r: Range<f64>| log_axis(r, &[1.0, 2.0, 5.0]).bold_points().to_vec();
        assert_eq!(bold(0.8..60.0), [1.0, 2.0, 5.0, 10.0, 20.0, 50.0]);
        assert_eq!(bold(0.8..6.0), [0.8, 0.9, 1.0, 2.0, 3.0, 4.0, 5.0]);
        assert_eq!(number(1e6), "1 000 000");
        assert_eq!(number(0.5), "0.5");
    }
}
