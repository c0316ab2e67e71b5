//! The scale section: io at 100 000 tasks, each async crate (run with `--no-ticker`) beside
//! its bare-runtime program (one sleep per task, nothing else), and its overhead over it.

use anyhow::Result;
use avt_common::Params;

use crate::model::group::Group;
use crate::model::plan::{Contender, Example, IoParams, Rounds, Row, Section};
use crate::model::results::Settings;
use crate::pipeline::setup::Setup;
use crate::pipeline::{Plugin, RunAll};
use crate::render::columns::{
    APPROACH, CPU, Column, RSS, RUNS, SWITCHES, THREADS, WALL, Width, X_IDEAL, signed_percent,
};
use crate::summary;

/// Tasks in flight in run-all's scale section.
pub const SCALE_TASKS: usize = 100_000;

/// scale: wall time over the bare-runtime row's.
const OVER_BARE_WALL: Column =
    Column::new("over bare: wall", Some(("+wall", Width::Right(6))), |r, g, _| {
        signed_percent(summary::over_bare(r, g, |r| r.wall_ms))
    });
/// scale: peak RSS over the bare-runtime row's.
const OVER_BARE_RSS: Column =
    Column::new("over bare: peak RSS", Some(("+RSS", Width::Right(6))), |r, g, _| {
        signed_percent(summary::over_bare(r, g, |r| r.max_rss_kib))
    });

// The section's name, as `Section::Scale` (the type's other sections are named in their files).
#[allow(non_upper_case_globals)]
impl Section {
    pub const Scale: Section = Section::named("scale");
}

/// The scale section.
pub struct Scale;

impl Plugin for Scale {
    fn section(&self) -> Section {
        Section::Scale
    }

    fn help(&self) -> &'static str {
        "io at 100 000 tasks: each async crate beside its bare-runtime program (one sleep per \
         task, nothing else), and its overhead over it"
    }

    /// Each async crate beside its bare program at many tasks: one wait each, so two counted
    /// runs and no warm-up keep the section near 30 s on 2 cores.
    fn run_all(&self, setup: &Setup, plan: &RunAll, _: &mut Settings) -> Result<Vec<Group>> {
        let tasks = if plan.quick { 1_000 } else { SCALE_TASKS };
        let scale = IoParams { tasks, delay_ms: plan.io.delay_ms };
        let runs = plan.runs.unwrap_or(if plan.quick { 1 } else { 2 }).min(2) as usize;
        let rounds = Rounds { warmup: 0, runs };
        let label = format!(
            "scale: {} tasks × {} ms wait, each async crate (--no-ticker) beside its bare \
             runtime (one sleep per task, nothing else) · {} run(s) each",
            scale.tasks, scale.delay_ms, rounds.runs
        );
        Ok(setup.scale_group(label, scale.with_threads(plan.threads), rounds).into_iter().collect())
    }

    fn columns(&self) -> Vec<Column> {
        vec![
            APPROACH,
            WALL,
            X_IDEAL,
            OVER_BARE_WALL,
            RSS,
            OVER_BARE_RSS,
            CPU,
            THREADS,
            SWITCHES,
            RUNS,
        ]
    }
}

impl Setup {
    /// The scale group: io at `params`' tasks, each async approach asked for (run with
    /// `--no-ticker`) beside its bare-runtime program, `rounds` each; None when no async
    /// approach is asked for.
    pub fn scale_group(&self, label: String, params: Params, rounds: Rounds) -> Option<Group> {
        let rows: Vec<Row> = self
            .approaches
            .iter()
            .filter(|a| a.bare_binary().is_some())
            .map(|&a| {
                let mut row = Contender::rust(&self.bin_dir, a).row(Example::Io, params.clone());
                row.spec.args.push("--no-ticker".into());
                row.rounds = Some(rounds);
                row
            })
            .collect();
        if rows.is_empty() {
            return None;
        }
        let short = format!("scale {} tasks", params.tasks.unwrap_or(0));
        let mut group = Group { label, short, section: Section::Scale, example: Example::Io, rows };
        self.add_bare_rows(&mut group);
        Some(group)
    }
}
