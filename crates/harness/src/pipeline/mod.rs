//! The pipeline every measuring command goes through: set up ([`setup`]), run the groups and
//! write the results after each ([`run`]). It knows the sections only through [`Plugin`],
//! the one trait a section implements, and a list of them ([`Sections`]).

pub mod run;
pub mod setup;

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::model::group::{Group, Reference, RunRecord};
use crate::model::plan::{CpuParams, IoParams, Row, Section};
use crate::model::results::{Kind, Results, Settings};
use crate::model::summary::GroupSummary;
use crate::pipeline::setup::Setup;
use crate::progress::estimate::Cost;
use crate::render::Layout;
use crate::render::chart::bars::{Panel, overview};
use crate::render::columns::{APPROACH, Column, RUNS, WALL};
use crate::render::csv::csv;
use crate::render::markdown::markdown;
use crate::render::pivot::Pivot;
use crate::sink;

/// The committed results the README's guide reads: run-all's, and those of the other
/// commands where given.
#[derive(Clone)]
pub struct Samples<'a> {
    pub run_all: &'a Results,
    /// `sweep` (sleeps).
    pub sweep: Option<&'a Results>,
    /// `sweep --source tcp`: real sockets.
    pub sweep_tcp: Option<&'a Results>,
    /// `load --vary work`, at one load or more: the threshold for computing inline.
    pub load_work: Vec<&'a Results>,
}

impl<'a> Samples<'a> {
    /// Run-all's results alone.
    pub fn run_all(run_all: &'a Results) -> Samples<'a> {
        Samples { run_all, sweep: None, sweep_tcp: None, load_work: Vec::new() }
    }
}

/// A section as the pipeline sees it: its groups in run-all, what its tables show and what it
/// notes under them, what a run of its rows costs, what it reads of its rows' reports, its
/// charts and its lines of the guide. (The sweep's and the load sweep's groups are built by
/// the io, cpu and mixed sections' own functions on the setup, which those commands call.)
pub trait Plugin: Sync {
    /// Its name on the command line and in results files.
    fn section(&self) -> Section;
    /// One line on what it shows, for `--help`.
    fn help(&self) -> &'static str;
    /// Its groups in run-all, at `plan`'s sizes, recording in `settings` what they ran with
    /// (its parameters; its own runs, where it has them).
    fn run_all(&self, setup: &Setup, plan: &RunAll, settings: &mut Settings) -> Result<Vec<Group>>;
    /// Its groups run after every other section's (it measures first, and its rows' sizes
    /// follow from that).
    fn runs_last(&self) -> bool {
        false
    }
    /// The columns of its tables.
    fn columns(&self) -> Vec<Column>;
    /// Its tables of a sweep's figures by point (before the groups' tables), if any.
    fn pivots(&self, r: &Results) -> Vec<Pivot> {
        let _ = r;
        Vec::new()
    }
    /// Its notes under the tables of `r` (each starting with a blank line), if any.
    fn footnotes(&self, r: &Results) -> String {
        let _ = r;
        String::new()
    }
    /// What one run of `row` costs, for the time left, where the cost model of
    /// `crate::progress::estimate` does not know its example.
    fn cost(&self, row: &Row) -> Option<Cost> {
        let _ = row;
        None
    }
    /// The result every run of `group` must report, where the model does not know its
    /// example (`Reference::for_group` knows the article's four): None, the first good run's.
    fn reference(&self, group: &Group) -> Option<Reference> {
        let _ = group;
        None
    }
    /// Reads what its example reports beyond the usual fields (`record.extra`, the JSON line's
    /// own fields) into the record of a run of `row`, after the run: more figures for its
    /// columns (`record.metrics`; every number is there already, by its path), or an
    /// outcome judged from them (`record.outcome`, `record.failure`). Most sections need none.
    fn record(&self, row: &Row, record: &mut RunRecord) {
        let _ = (row, record);
    }
    /// Its panel of run-all's overview chart (`<name>.svg`), where it has one.
    fn overview(&self, r: &Results) -> Option<Panel> {
        let _ = r;
        None
    }
    /// Its charts of `r` as (file name, SVG), as `r`'s command draws them ([`Results::kind`]).
    fn charts(&self, r: &Results, name: &str) -> Result<Vec<(String, String)>> {
        let _ = (r, name);
        Ok(Vec::new())
    }
    /// Its lines of the README's guide ("if your program …, choose …, because …"), every
    /// number read from the samples; a line whose rows the samples lack is left out.
    fn guide(&self, samples: &Samples<'_>) -> Vec<String> {
        let _ = samples;
        Vec::new()
    }
    /// Whether run-all runs it, and so `--sections` offers it (a study with its own command
    /// does not).
    fn in_run_all(&self) -> bool {
        true
    }
    /// The report's figure (a metric key) whose spread over the counted runs marks one of
    /// `group`'s rows as noisy, where the wall time is not the figure its table is about
    /// (start-up blurs a short in-process measurement); None: the wall time.
    fn noise_on(&self, group: &Group) -> Option<&'static str> {
        let _ = group;
        None
    }
    /// Its rows make requests to the delay server under `--source tcp` (and so are what
    /// `--source tcp` runs by default).
    fn uses_server(&self) -> bool {
        false
    }
}

/// What run-all gives every section to plan its groups: the sizes, and the runs asked for.
pub struct RunAll {
    pub threads: usize,
    pub io: IoParams,
    pub cpu: CpuParams,
    /// `--quick`: tiny sizes and one run.
    pub quick: bool,
    /// `--runs` and `--warmup`, where given.
    pub runs: Option<u64>,
    pub warmup: Option<u64>,
}

/// The sections a command knows, in the order `--help` lists them.
#[derive(Clone, Copy)]
pub struct Sections<'a>(pub &'a [&'a dyn Plugin]);

impl Sections<'_> {
    /// Every section, in the order run-all runs their groups.
    pub fn in_run_order(&self) -> impl Iterator<Item = &dyn Plugin> {
        let (last, first): (Vec<&dyn Plugin>, Vec<&dyn Plugin>) =
            self.0.iter().copied().partition(|p| p.runs_last());
        first.into_iter().chain(last)
    }

    /// The plug-in of `section`, if this version knows it.
    pub fn get(&self, section: Section) -> Option<&dyn Plugin> {
        self.0.iter().copied().find(|p| p.section() == section)
    }
}

impl Sections<'_> {
    /// The charts of `r` as (file name, SVG): run-all's overview of the sections' panels
    /// (unless only sections without one ran), then each section's own.
    pub fn charts(&self, r: &Results, name: &str) -> Result<Vec<(String, String)>> {
        let mut charts = Vec::new();
        if r.kind() == Kind::RunAll {
            let offered: Vec<(Section, Panel)> =
                self.0.iter().filter_map(|p| Some((p.section(), p.overview(r)?))).collect();
            let others_only = !r.groups.is_empty()
                && r.groups.iter().all(|g| offered.iter().all(|(s, _)| *s != g.section));
            if !others_only {
                charts.push(overview(r, name, offered.into_iter().map(|(_, p)| p).collect())?);
            }
        }
        for plugin in self.0 {
            charts.extend(plugin.charts(r, name)?);
        }
        Ok(charts)
    }
}

impl Layout for Sections<'_> {
    /// Its section's columns; a section this version does not know (a newer file): the
    /// approach, wall time and runs.
    fn columns(&self, group: &GroupSummary) -> Vec<Column> {
        self.get(group.section).map_or_else(|| vec![APPROACH, WALL, RUNS], |p| p.columns())
    }

    fn pivots(&self, r: &Results) -> Vec<Pivot> {
        self.0.iter().flat_map(|p| p.pivots(r)).collect()
    }

    fn footnotes(&self, r: &Results) -> String {
        self.0.iter().map(|p| p.footnotes(r)).collect()
    }
}

/// Renders a results JSON file again, as this version renders it: its `.md` and `.csv`
/// (named after the file) and its charts (named as the command that wrote it names them:
/// `sweep-io-wall.svg`, `run-all-tcp.svg`, …, from what it ran, not from the file's
/// `command` text), into `out` or, without one, beside the JSON: nothing outside it. After a deliberate change of format the committed samples are
/// regenerated this way: `avt-harness render results/sample/*.json`.
pub fn render(json: &Path, out: Option<&Path>, sections: &Sections<'_>) -> Result<Vec<PathBuf>> {
    let results = sink::load(json)?;
    let dir = match out {
        Some(out) => out.to_path_buf(),
        None => json.parent().map_or_else(|| PathBuf::from("."), Path::to_path_buf),
    };
    fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let stem = json.file_stem().context("a results file needs a name")?.to_string_lossy();
    let (md, csv_path) = (dir.join(format!("{stem}.md")), dir.join(format!("{stem}.csv")));
    sink::write_whole(&md, markdown(&results, sections).as_bytes())?;
    sink::write_whole(&csv_path, csv(&results).as_bytes())?;
    let mut written = vec![md, csv_path];
    let charts = sections.charts(&results, &results.file_name())?;
    written.extend(sink::write_charts(&charts, &dir)?);
    Ok(written)
}
