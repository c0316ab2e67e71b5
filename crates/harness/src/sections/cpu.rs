//! The cpu section: the sequential baseline and every approach counting primes (the
//! article's second example), with the speedup over the baseline and where the shortfall
//! from the ideal goes; the Python originals' own group at a tenth of the limit.

use anyhow::Result;

use crate::model::group::Group;
use crate::model::plan::{Contender, CpuParams, Example, Section, python_cpu};
use crate::model::results::{Kind, Results, Settings};
use crate::model::summary::{GroupSummary, RowSummary};
use crate::pipeline::setup::Setup;
use crate::pipeline::{Plugin, RunAll, Samples};
use crate::render::chart::bars::{Panel, bars};
use crate::render::chart::kit::{Entry, IDEAL, grouped, machine, points, series};
use crate::render::chart::line::{Frame, Line, line_chart};
use crate::render::columns::{
    APPROACH, CPU, Column, IN_PROCESS, RSS, RUNS, SWITCHES, THREADS, WALL, Width, signed_percent,
    whole_percent,
};
use crate::render::pivot::Pivot;
use crate::render::{percent, times};
use crate::sections::{METHOD, guide_row};
use crate::summary;

const SPEEDUP: Column =
    Column::new("speedup", Some(("speedup", Width::Right(7))), |r, _, _| times(r.speedup));
const EFFICIENCY: Column =
    Column::new("efficiency", Some(("eff", Width::Right(4))), |r, _, _| percent(r.efficiency));
/// cpu: the part of the shortfall spent idle, (T × wall − CPU) ÷ (T × wall).
const IDLE_TAIL: Column = Column::new("idle tail", Some(("idle", Width::Right(5))), |r, _, _| {
    whole_percent(summary::idle_tail(r))
});
/// cpu: CPU time over the baseline's, what the machine charges for running T at once.
const CPU_INFLATION: Column =
    Column::new("CPU inflation", Some(("CPU+", Width::Right(5))), |r, g, _| {
        signed_percent(summary::cpu_inflation(r, g))
    });

// The section's name, as `Section::Cpu` (the type's other sections are named in their files).
#[allow(non_upper_case_globals)]
impl Section {
    pub const Cpu: Section = Section::named("cpu");
}

/// The cpu section.
pub struct Cpu;

impl Plugin for Cpu {
    fn section(&self) -> Section {
        Section::Cpu
    }

    fn help(&self) -> &'static str {
        "The cpu example: speedup over the sequential run (and the Python originals' own)"
    }

    fn run_all(&self, setup: &Setup, plan: &RunAll, settings: &mut Settings) -> Result<Vec<Group>> {
        settings.cpu = Some(plan.cpu);
        settings.python_cpu = setup.python_cpu(plan.cpu);
        Ok(setup.cpu_groups(plan.cpu, plan.threads))
    }

    fn guide(&self, s: &Samples<'_>) -> Vec<String> {
        cpu_bound(s.run_all).into_iter().collect()
    }

    fn columns(&self) -> Vec<Column> {
        vec![
            APPROACH,
            WALL,
            SPEEDUP,
            EFFICIENCY,
            IDLE_TAIL,
            CPU_INFLATION,
            IN_PROCESS,
            CPU,
            RSS,
            THREADS,
            // Context switches in Markdown only (the terminal has no room beside the split).
            SWITCHES.markdown_only(),
            RUNS,
        ]
    }

    fn pivots(&self, r: &Results) -> Vec<Pivot> {
        match r.kind() {
            Kind::Sweep => pivots(r),
            Kind::RunAll | Kind::Load => Vec::new(),
        }
    }

    fn overview(&self, r: &Results) -> Option<Panel> {
        let title = "cpu: speedup over sequential (Python: over Python's; higher is better)";
        let cores = r.environment.logical_cpus.min(r.settings.threads) as f64;
        let bars = bars(r, Section::Cpu, |row| row.speedup);
        Some(Panel { title: title.to_string(), bars, ideal: (cores, format!("ideal {cores}×")) })
    }

    /// The sweep's `<name>-cpu-speedup.svg`.
    fn charts(&self, r: &Results, name: &str) -> Result<Vec<(String, String)>> {
        let cpu: Vec<&GroupSummary> =
            r.groups.iter().filter(|g| g.example == Example::Cpu).collect();
        match r.kind() {
            Kind::Sweep if !cpu.is_empty() => {
                Ok(vec![(format!("{name}-cpu-speedup.svg"), cpu_speedup(r, &cpu)?)])
            }
            _ => Ok(Vec::new()),
        }
    }
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

impl Setup {
    /// The cpu group at `threads`: the sequential baseline and every Rust approach; then the
    /// Python originals' group at a tenth of the limit, when they run.
    pub fn cpu_groups(&self, cpu: CpuParams, threads: usize) -> Vec<Group> {
        let point = format!("{threads} threads");
        let sequential = Contender::sequential(&self.bin_dir);
        let rows = std::iter::once(&sequential).chain(&self.rust);
        let mut groups = vec![Group {
            label: format!(
                "cpu: {point}, primes in [0, {}] by trial division, {} jobs",
                cpu.limit, cpu.jobs
            ),
            short: format!("cpu {point}"),
            section: Section::Cpu,
            example: Example::Cpu,
            rows: rows.map(|c| c.row(Example::Cpu, cpu.with_threads(threads))).collect(),
        }];
        if let Some((_, [_, threading, sequential])) = &self.python {
            let pcpu = python_cpu(cpu);
            groups.push(Group {
                label: format!(
                    "cpu, the Python originals: {point}, primes in [0, {}] (a tenth of the Rust \
                     limit), {} jobs",
                    pcpu.limit, pcpu.jobs
                ),
                short: format!("cpu python {point}"),
                section: Section::Cpu,
                example: Example::Cpu,
                rows: [sequential, threading]
                    .iter()
                    .map(|c| c.row(Example::Cpu, pcpu.with_threads(threads)))
                    .collect(),
            });
        }
        groups
    }

    /// The Python cpu parameters, when the Python rows run.
    pub fn python_cpu(&self, cpu: CpuParams) -> Option<CpuParams> {
        self.python.as_ref().map(|_| python_cpu(cpu))
    }
}

fn cpu_bound(r: &Results) -> Option<String> {
    let rayon = guide_row(r, Section::Cpu, "rayon")?;
    let std = guide_row(r, Section::Cpu, "std-threads")?;
    let python = guide_row(r, Section::Cpu, "python-threading")
        .and_then(|p| p.speedup)
        .map_or(String::new(), |s| format!("; CPython's threads {s:.2}× (the GIL)"));
    Some(format!(
        "| computes (CPU-bound) | rayon, or threads; not CPython threads | on {} threads rayon \
         {:.2}×, std threads {:.2}× the sequential run{python} ([method]({METHOD})) |",
        rayon.params.threads, rayon.speedup?, std.speedup?,
    ))
}

/// The sweep's cpu pivots: speedup and efficiency, and the shortfall's two parts, by worker
/// threads.
fn pivots(r: &Results) -> Vec<Pivot> {
    let threads = |row: &RowSummary| row.params.threads;
    let speedup =
        |row: &RowSummary| Some(format!("{} {}", times(row.speedup), percent(row.efficiency)));
    let mut out = Vec::new();
    out.extend(Pivot::build(
        r,
        Example::Cpu,
        "cpu speedup over the sequential run (Python: over Python's) and efficiency, by worker threads"
            .into(),
        threads,
        speedup,
    ));
    // The two parts of the shortfall, beside the speedup (see `summary::idle_tail`).
    let shortfall = |row: &RowSummary| {
        let group = r.groups.iter().find(|g| g.rows.iter().any(|x| std::ptr::eq(x, row)))?;
        let idle = whole_percent(summary::idle_tail(row));
        Some(format!("{idle} / {}", signed_percent(summary::cpu_inflation(row, group))))
    };
    out.extend(Pivot::build(
        r,
        Example::Cpu,
        "cpu shortfall: idle tail (T × wall − CPU) ÷ (T × wall) / CPU inflation over the \
         sequential run's CPU time, by worker threads"
            .into(),
        threads,
        shortfall,
    ));
    out
}
