//! Running a command's groups in order, with the results written after every group (marked
//! partial until the last), then the table printed and the final files and charts written.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Result;

use crate::model::group::{Group, Reference, RunRecord};
use crate::model::machine::Environment;
use crate::model::plan::{Rounds, Row};
use crate::model::results::{Results, Settings};
use crate::model::summary::GroupSummary;
use crate::pipeline::Sections;
use crate::pipeline::setup::{CLOSED_PIPE, INTERRUPTED, Setup};
use crate::progress::display::Progress;
use crate::render::terminal::terminal;
use crate::run::binaries;
use crate::run::measure;
use crate::run::runner::Runner;
use crate::run::server::DelayServer;
use crate::sink;
use crate::summary;

impl Setup {
    /// Runs `groups` in order: before each, `before` sees it and the summaries so far (and
    /// may mark rows to skip); after each, the results so far are written, marked partial.
    /// Then prints the table and writes the final results and charts.
    ///
    /// Exit status: 0 when no row failed; 1 when one did, or a file could not be written;
    /// 130 when interrupted (what was measured is kept, marked partial); 141 when stdout was
    /// closed before the table was printed (the files are written regardless).
    pub fn run(
        &self,
        mut groups: Vec<Group>,
        settings: Settings,
        sections: &Sections<'_>,
        mut before: impl FnMut(&mut Group, &[GroupSummary]),
    ) -> Result<ExitCode> {
        binaries::check_programs(&groups)?;
        let environment = Environment::read(
            &binaries::project_root(),
            &binaries::profile_of(&self.bin_dir),
            self.python.as_ref().map(|(p, _)| p.version.clone()),
        );
        measure::catch_interrupts();
        // One run count per row: a section's own (`settings.rounds`, as the results record
        // it) goes to each of its rows that has none of its own; the rest run the command's.
        for group in &mut groups {
            let (runs, warmup) = settings.rounds_of(group.section);
            if (runs, warmup) != (settings.runs, settings.warmup) {
                for row in group.rows.iter_mut().filter(|row| row.rounds.is_none()) {
                    row.rounds = Some(Rounds { warmup, runs });
                }
            }
        }
        let rows = groups.iter().map(|g| g.rows.len()).sum();
        let timeout = Duration::from_secs(settings.timeout_s);
        // The sweep's cap, for the estimate of the time left (a row over it will be skipped).
        let cap_s = settings.sweep.as_ref().map(|s| s.cap_s);
        let mut runner = Runner::new(rows, settings.runs, settings.warmup, timeout);
        let mut progress = Progress::new(rows, settings.runs + settings.warmup);
        progress.set_rounds(&groups, settings.runs + settings.warmup);
        runner.server_pid = self.any_server().map(DelayServer::pid);
        let hint = |group: &Group, row: &Row| sections.get(group.section)?.cost(row);
        let mut summaries = Vec::new();
        let mut warned = false;
        let last = groups.len().saturating_sub(1);
        for index in 0..groups.len() {
            before(&mut groups[index], &summaries);
            // What is left, from what ran so far: this group's rows are now marked if skipped.
            progress.plan(&groups[index..], index, &summaries, cap_s, &hint);
            let group = &groups[index];
            let known = sections.get(group.section).and_then(|p| p.reference(group));
            let mut reference = known.unwrap_or_else(|| Reference::for_group(group));
            let ran = runner.run_observed(index, group, &mut reference, &mut progress);
            // The section reads what its rows' reports hold beyond the usual fields.
            if let Some(plugin) = sections.get(group.section) {
                for record in runner.records.iter_mut().filter(|r| r.group == index) {
                    if let Some(row) = group.rows.iter().find(|row| row.approach == record.approach)
                    {
                        plugin.record(row, record);
                    }
                }
            }
            if ran.is_err() {
                let records = &runner.records;
                return Ok(self.interrupted(
                    &environment,
                    &settings,
                    &summaries,
                    records,
                    sections,
                ));
            }
            let noise_on = sections.get(group.section).and_then(|p| p.noise_on(group));
            summaries.push(summary::summarize(index, group, &reference, &runner.records, noise_on));
            if index == last {
                break;
            }
            // Written after every group, so that an interrupted run, a crash or a failing
            // disk later on keeps what was measured.
            let so_far = self.results(&environment, &settings, &summaries, &runner.records, true);
            if let Err(e) = sink::write_files(&so_far, &self.out, &self.name, sections)
                && !warned
            {
                note!("{}: warning: cannot write the results so far: {e:#}", self.name);
                warned = true;
            }
        }
        let results = self.results(&environment, &settings, &summaries, &runner.records, false);
        let written =
            sink::write_files(&results, &self.out, &self.name, sections).and_then(|mut files| {
                files.extend(sink::write_charts(
                    &sections.charts(&results, &self.name)?,
                    &self.out,
                )?);
                Ok(files)
            });
        let printed = sink::to_stdout(&terminal(&results, sections));
        let mut status = if results.ok { ExitCode::SUCCESS } else { ExitCode::FAILURE };
        match written {
            Ok(files) => {
                let names: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
                note!("results written to {}", names.join(", "));
            }
            Err(e) => {
                note!("avt-harness: error: {e:#}");
                status = ExitCode::FAILURE;
            }
        }
        match printed {
            Ok(()) => Ok(status),
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(ExitCode::from(CLOSED_PIPE)),
            Err(e) => {
                note!("avt-harness: error: cannot print the table to stdout: {e}");
                Ok(ExitCode::FAILURE)
            }
        }
    }

    /// After an interrupt: keeps what was measured, marked partial, and gives exit status 130.
    fn interrupted(
        &self,
        environment: &Environment,
        settings: &Settings,
        summaries: &[GroupSummary],
        records: &[RunRecord],
        sections: &Sections<'_>,
    ) -> ExitCode {
        let name = &self.name;
        if records.is_empty() {
            note!("{name}: interrupted; the run was killed, and nothing had been measured");
        } else {
            let so_far = self.results(environment, settings, summaries, records, true);
            match sink::write_files(&so_far, &self.out, name, sections) {
                Ok(_) => note!(
                    "{name}: interrupted; the run was killed; what was measured is in {} \
                     (partial)",
                    self.out.join(format!("{name}.json")).display()
                ),
                Err(e) => note!("{name}: interrupted; and the results could not be written: {e:#}"),
            }
        }
        ExitCode::from(INTERRUPTED)
    }

    /// The results of the groups summarised so far (`partial` until the last).
    fn results(
        &self,
        environment: &Environment,
        settings: &Settings,
        summaries: &[GroupSummary],
        records: &[RunRecord],
        partial: bool,
    ) -> Results {
        let mut environment = environment.clone();
        if let Some(build) = reported_build(records) {
            environment.profile = build;
        }
        Results {
            command: self.name.clone(),
            partial,
            ok: summaries.iter().flat_map(|g| &g.rows).all(|row| !row.failed()),
            environment,
            settings: settings.clone(),
            groups: summaries.to_vec(),
            runs: records.to_vec(),
        }
    }
}

/// The build the Rust binaries reported (`release` or `dev`; `mixed` if they differ): the
/// truth where the folder name is only a guess (binaries copied to another machine).
fn reported_build(runs: &[RunRecord]) -> Option<String> {
    let mut builds = runs.iter().filter_map(|r| r.report.as_ref()?.build.as_deref());
    let first = builds.next()?;
    Some(if builds.all(|b| b == first) { first.to_string() } else { "mixed".to_string() })
}
