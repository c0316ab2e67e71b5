//! The mistakes section (docs/loop-and-mistakes.md): each crate's variants beside its right
//! way (named explicitly, so every row says which way it ran), io against the ideal of one
//! wait and cpu against the sequential baseline of its group, with the ticker's lateness.

use anyhow::Result;
use plotters::prelude::*;
use plotters::style::text_anchor::HPos;

use crate::model::group::Group;
use crate::model::plan::{Approach, Contender, CpuParams, Example, IoParams, Section, python_cpu};
use crate::model::results::{Kind, Results, SectionRounds, Settings};
use crate::model::summary::RowSummary;
use crate::pipeline::setup::Setup;
use crate::pipeline::{Plugin, RunAll, Samples};
use crate::render::chart::kit::{
    Area, Entry, FONT, LEGEND_W, Missing, SIZE, colour, de, legend, log_axis, machine, number,
    text, why_missing,
};
use crate::render::columns::{
    CPU, Column, Form, RSS, RUNS, THREADS, WALL_MEDIAN, WORKERS, Width, us_as_ms,
};
use crate::render::times;
use crate::sections::{Variants, guide_ms, guide_row, metric, name, rounds, runs_text};

/// Counted runs per row of the mistakes section (its rows are slow on purpose).
pub const MISTAKES_RUNS: usize = 2;
/// io wait of the mistakes section, ms: long enough that a blocked thread shows.
pub const MISTAKES_DELAY_MS: u64 = 500;

/// A row named with its variant (and its threads where they differ from the group's).
const NAMED: Column =
    Column::new("approach", Some(("approach", Width::Left(32))), |r, _, _| r.approach.clone());
/// io: × ideal; cpu: speedup over the group's baseline.
const VS: Column =
    Column::new("× ideal (io) / speedup (cpu)", Some(("×id/spd", Width::Right(7))), |r, _, _| {
        times(r.x_ideal.or(r.speedup))
    });
const TICK_P99: Column =
    Column::metric("ticker p99 ms", Some(("p99 ms", Width::Right(7))), "ticker.p99_us", us_as_ms);
const TICK_MAX: Column =
    Column::metric("ticker max ms", Some(("max ms", Width::Right(7))), "ticker.max_us", us_as_ms);
/// The result as checked: ✓ and the result, or the expected outcome the row met.
const VERIFIED: Column =
    Column::new("verified", Some(("ok", Width::Right(3))), |r, _, form| match (form, r.result) {
        (Form::Terminal, Some(_)) => "✓".into(),
        (Form::Markdown, Some(result)) => format!("✓ {result}"),
        (_, None) => "-".into(),
    });

// The section's name, as `Section::Mistakes` (the type's other sections are named in their files).
#[allow(non_upper_case_globals)]
impl Section {
    pub const Mistakes: Section = Section::named("mistakes");
}

/// The mistakes section.
pub struct Mistakes;

impl Plugin for Mistakes {
    fn section(&self) -> Section {
        Section::Mistakes
    }

    fn help(&self) -> &'static str {
        "What goes wrong: each crate's mistakes beside its right way, and how late a ticker \
         beside the work runs"
    }

    /// Fewer runs, no warm-up: its rows are slow on purpose.
    fn run_all(&self, setup: &Setup, plan: &RunAll, settings: &mut Settings) -> Result<Vec<Group>> {
        let r = rounds(Section::Mistakes, MISTAKES_RUNS, (plan.runs, plan.warmup), plan.quick);
        let sizes = MistakesSizes::new(plan.threads, plan.cpu, plan.quick);
        let groups = setup.mistakes_groups(sizes, &r);
        settings.rounds.push(r);
        Ok(groups)
    }

    /// With a work sweep, the line on computing in tasks states the threshold it measured.
    fn guide(&self, s: &Samples<'_>) -> Vec<String> {
        let work = crate::sections::mixed_work::guide_line(&s.load_work);
        let cpu = work.or_else(|| cpu_in_tasks(s.run_all));
        [blocking_call(s.run_all), cpu].into_iter().flatten().collect()
    }

    fn columns(&self) -> Vec<Column> {
        vec![NAMED, WALL_MEDIAN, VS, TICK_P99, TICK_MAX, WORKERS, THREADS, RSS, CPU, VERIFIED, RUNS]
    }

    fn charts(&self, r: &Results, name: &str) -> Result<Vec<(String, String)>> {
        match r.kind() {
            Kind::RunAll => Ok(chart(r, name)?.into_iter().collect()),
            Kind::Sweep | Kind::Load => Ok(Vec::new()),
        }
    }
}

/// The mistakes section's sizes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MistakesSizes {
    pub io: IoParams,
    pub cpu: CpuParams,
    pub threads: usize,
}

impl MistakesSizes {
    /// io: T + 1 fetches (at least 3), so that a blocked thread makes a second wait, of
    /// 500 ms (--quick: 50); cpu: run-all's own parameters.
    pub fn new(threads: usize, cpu: CpuParams, quick: bool) -> Self {
        let delay_ms = if quick { 50 } else { MISTAKES_DELAY_MS };
        MistakesSizes { io: IoParams { tasks: (threads + 1).max(3), delay_ms }, cpu, threads }
    }
}

/// The variants of each crate the mistakes section runs, the right way first; `Some(1)`:
/// also on one thread.
const MISTAKES_IO: [Variants; 3] = [
    (
        Approach::Tokio,
        &[
            ("join-set", None),
            ("current-thread", None),
            ("blocking-sleep", None),
            ("blocking-sleep", Some(1)),
        ],
    ),
    (Approach::AsyncStd, &[("spawn", None), ("current-thread", None), ("blocking-sleep", None)]),
    (Approach::Smol, &[("executor", None), ("current-thread", None), ("blocking-sleep", None)]),
];
const MISTAKES_CPU: [Variants; 5] = [
    (Approach::StdThreads, &[("scoped-workers", None), ("oversubscribed", None)]),
    (
        Approach::Tokio,
        &[
            ("spawn-blocking", None),
            ("current-thread", None),
            ("cpu-inline", None),
            ("rayon-inline", None),
            ("rayon-bridge", None),
            ("rayon-inline", Some(1)),
            ("rayon-bridge", Some(1)),
        ],
    ),
    (
        Approach::AsyncStd,
        &[("spawn-blocking", None), ("current-thread", None), ("cpu-inline", None)],
    ),
    (Approach::Smol, &[("unblock", None), ("current-thread", None), ("cpu-inline", None)]),
    (Approach::Rayon, &[("par-iter", None)]),
];

impl Setup {
    /// The mistakes section: io, cpu, and the Python originals' cpu (when they run).
    pub fn mistakes_groups(&self, sizes: MistakesSizes, rounds: &SectionRounds) -> Vec<Group> {
        let (io, cpu, t) = (sizes.io, sizes.cpu, sizes.threads);
        let runs = runs_text(rounds);
        let mut groups = Vec::new();
        let mut io_rows = self.variant_rows(&MISTAKES_IO, Example::Io, |t| io.with_threads(t), t);
        let python = self.python.as_ref().map(|(_, c)| c);
        if let Some([asyncio, _, _]) = python {
            for variant in ["gather", "blocking-sleep"] {
                let c = asyncio.with_variant(variant, name(&asyncio.name, variant, None));
                io_rows.push(c.row(Example::Io, io.with_threads(t)));
            }
        }
        if !io_rows.is_empty() {
            let (n, d) = (io.tasks, io.delay_ms);
            groups.push(Group {
                label: format!(
                    "mistakes, io: {n} fetches × {d} ms wait, --threads {t} · ideal {d} ms · \
                     ticker every 10 ms · {runs}"
                ),
                short: "mistakes io".into(),
                section: Section::Mistakes,
                example: Example::Io,
                rows: io_rows,
            });
        }
        let cpu_rows = self.variant_rows(&MISTAKES_CPU, Example::Cpu, |t| cpu.with_threads(t), t);
        if !cpu_rows.is_empty() {
            let sequential =
                Contender::sequential(&self.bin_dir).row(Example::Cpu, cpu.with_threads(t));
            groups.push(Group {
                label: format!(
                    "mistakes, cpu: --threads {t}, primes in [0, {}], {} jobs · speedup over \
                     sequential · ticker every 10 ms · {runs}",
                    cpu.limit, cpu.jobs
                ),
                short: "mistakes cpu".into(),
                section: Section::Mistakes,
                example: Example::Cpu,
                rows: std::iter::once(sequential).chain(cpu_rows).collect(),
            });
        }
        if let Some([asyncio, _, sequential]) = python {
            let pcpu = python_cpu(cpu);
            let mut rows = vec![sequential.row(Example::Cpu, pcpu.with_threads(t))];
            for variant in ["to-thread", "cpu-inline"] {
                let c = asyncio.with_variant(variant, name(&asyncio.name, variant, None));
                rows.push(c.row(Example::Cpu, pcpu.with_threads(t)));
            }
            groups.push(Group {
                label: format!(
                    "mistakes, cpu, the Python originals: --threads {t}, primes in [0, {}] (a \
                     tenth of the Rust limit), {} jobs · speedup over {} · {runs}",
                    pcpu.limit, pcpu.jobs, sequential.name
                ),
                short: "mistakes cpu python".into(),
                section: Section::Mistakes,
                example: Example::Cpu,
                rows,
            });
        }
        groups
    }
}

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

/// The chart, `<name>-mistakes.svg`: how late the ticker beside the work ran, a row per
/// approach and variant (io, then cpu), its p99 as a bar and its max as a diamond, on a log
/// scale so that 1 ms and a whole run both read; None without a mistakes section.
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
        let mut entries = Entry::crates(data.iter().map(|(_, c, _)| c.as_str()));
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
        let c = colour(krate);
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

/// Where the guide's lines on the mistakes point.
const LOOP: &str = "docs/loop-and-mistakes.md";

fn blocking_call(r: &Results) -> Option<String> {
    let bad = guide_row(r, Section::Mistakes, "tokio (blocking-sleep)")?;
    let good = guide_row(r, Section::Mistakes, "tokio (join-set)")?;
    Some(format!(
        "| calls blocking code from async tasks | `spawn_blocking` / `unblock`, or an async API \
         | tokio with `std::thread::sleep` in a task: {:.2}× of one wait, ticker {} late at \
         most; its right way {:.2}× ([loop]({LOOP})) |",
        bad.x_ideal?,
        guide_ms(metric(bad, "ticker.max_us")?),
        good.x_ideal?,
    ))
}

fn cpu_in_tasks(r: &Results) -> Option<String> {
    let bad = guide_row(r, Section::Mistakes, "tokio (cpu-inline)")?;
    let good = guide_row(r, Section::Mistakes, "tokio (spawn-blocking)")?;
    Some(format!(
        "| computes inside async tasks | `spawn_blocking` (bounded to T) or rayon behind a \
         oneshot | counting in tokio's tasks: ticker {} late at most, against {} with \
         `spawn_blocking` ([loop]({LOOP})) |",
        guide_ms(metric(bad, "ticker.max_us")?),
        guide_ms(metric(good, "ticker.max_us")?),
    ))
}
