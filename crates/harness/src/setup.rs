//! What run-all and sweep set up alike: their shared options, the output folder (checked
//! before anything else), the binaries, the delay server, the contenders and their rows;
//! and running the groups, with the results written after every group.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Result;
use avt_common::Params;
use clap::Args;

use crate::machine::Environment;
use crate::measure;
use crate::plan::{Approach, Contender, CpuParams, Example, Python, Rounds, Row, Section};
use crate::runner::{Group, Reference, RunRecord, Runner};
use crate::server::{DelayServer, Source};
use crate::summary::{self, GroupSummary};
use crate::{Results, Settings, binaries, charts, note, output};

/// Exit status when stdout is a pipe its reader has closed (`avt-harness … | head`): what a
/// shell reports for a program killed by SIGPIPE (128 + 13). The result files are written
/// before the table is printed, so they are complete.
pub const CLOSED_PIPE: u8 = 141;
/// Exit status when the harness was interrupted (SIGINT or SIGTERM): 128 + SIGINT.
pub const INTERRUPTED: u8 = 130;

/// The harness commands that measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    RunAll,
    Sweep,
    /// The mixed example's load sweep.
    Load,
}

impl Command {
    pub fn name(self) -> &'static str {
        match self {
            Command::RunAll => "run-all",
            Command::Sweep => "sweep",
            Command::Load => "load",
        }
    }
}

/// Options run-all and sweep share.
#[derive(Args, Debug)]
pub struct SharedArgs {
    /// Only these approaches (comma-separated); cpu always adds the sequential baseline
    #[arg(long, value_enum, value_delimiter = ',')]
    only: Vec<Approach>,
    /// Only these sections (comma-separated; --examples is another name for it)
    /// [default: run-all io,cpu,mistakes,shared; sweep io,cpu; with --source tcp: io]
    #[arg(long, visible_alias = "examples", value_enum, value_delimiter = ',')]
    pub(crate) sections: Vec<Section>,
    /// io: wait on a timer (the article's) or on real requests to a delay server
    #[arg(long, value_enum, default_value_t = Source::Sleep)]
    source: Source,
    /// Leave out the article's Python originals (added when python3 is on PATH)
    #[arg(long)]
    no_python: bool,
    /// Folder for the results, checked before anything runs [default: <project>/results]
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Use the example binaries in DIR as they are, instead of building them beside the
    /// harness
    #[arg(long, value_name = "DIR")]
    bin_dir: Option<PathBuf>,
}

/// The binaries, the delay server and the contenders of one harness command.
pub struct Setup {
    pub command: Command,
    /// `<command>`, or `<command>-tcp` over sockets: the results' title and file name.
    pub name: String,
    pub bin_dir: PathBuf,
    /// The approaches asked for, each once, in the order asked.
    pub approaches: Vec<Approach>,
    pub sections: Vec<Section>,
    /// The delay server of `--source tcp`; dropping the setup stops it.
    pub server: Option<DelayServer>,
    pub source: Source,
    /// Where the results go (checked writable).
    pub out: PathBuf,
    pub(crate) rust: Vec<Contender>,
    /// python-asyncio, python-threading and python-sequential, when python3 was found.
    pub(crate) python: Option<(Python, [Contender; 3])>,
    python_missing: Option<String>,
}

impl Setup {
    /// Checks the output folder, builds (or finds) the binaries, and starts the delay server
    /// if `--source tcp`.
    pub fn new(command: Command, args: SharedArgs) -> Result<Setup> {
        let out = args.out.unwrap_or_else(|| binaries::project_root().join("results"));
        output::check_writable(&out)?;
        let mut approaches = Vec::new();
        for approach in if args.only.is_empty() { Approach::ALL.to_vec() } else { args.only } {
            if !approaches.contains(&approach) {
                approaches.push(approach);
            }
        }
        // The source changes only the io rows: over tcp, cpu runs only when asked for.
        let sections = match (args.sections.is_empty(), args.source) {
            (false, _) => args.sections,
            (true, Source::Sleep) => match command {
                Command::RunAll => vec![
                    Section::Io,
                    Section::Cpu,
                    Section::Mistakes,
                    Section::Shared,
                    Section::Scale,
                    Section::Mixed,
                ],
                Command::Sweep => vec![Section::Io, Section::Cpu],
                Command::Load => vec![Section::Mixed],
            },
            (true, Source::Tcp) => vec![Section::Io],
        };
        let bin_dir = binaries::bin_dir(args.bin_dir)?;
        let (python, mut python_missing) = match (args.no_python, Python::find()) {
            (true, _) => (None, Some("left out (--no-python)".to_string())),
            (false, None) => (None, Some("python3 is not on PATH, so they are left out".into())),
            (false, Some(python)) => {
                let scripts = binaries::project_root().join("scripts/python");
                let contenders = Contender::python(&python, &scripts);
                (Some((python, contenders)), None)
            }
        };
        let (server, name) = match args.source {
            Source::Sleep => (None, command.name().to_string()),
            Source::Tcp => (Some(DelayServer::start(&bin_dir)?), format!("{}-tcp", command.name())),
        };
        if server.is_some() && python.is_some() && sections.contains(&Section::Io) {
            python_missing = Some(
                "they only sleep (no sockets), so they are left out of the tcp io rows".into(),
            );
        }
        let rust = approaches.iter().map(|&a| Contender::rust(&bin_dir, a)).collect();
        Ok(Setup {
            command,
            name,
            bin_dir,
            approaches,
            sections,
            server,
            source: args.source,
            out,
            rust,
            python,
            python_missing,
        })
    }

    /// The Python interpreter, when the Python rows run.
    pub fn python_interpreter(&self) -> Option<&Python> {
        self.python.as_ref().map(|(python, _)| python)
    }

    /// Whether `section` is among those to run.
    pub fn has(&self, section: Section) -> bool {
        self.sections.contains(&section)
    }

    /// " over tcp" for titles, when the io rows make real requests.
    pub fn over(&self) -> &'static str {
        self.source.over()
    }

    /// The io group: every Rust approach's row, then the Python originals' (not over tcp:
    /// they sleep).
    pub fn io_group(&self, label: String, short: String, params: Params) -> Group {
        let python = self.python.iter().flat_map(|(_, c)| c).filter(|_| self.server.is_none());
        let io = python.filter(|c| c.examples.contains(&Example::Io));
        let rows = self
            .rust
            .iter()
            .chain(io)
            .map(|c| self.over_tcp(c.row(Example::Io, params.clone())))
            .collect();
        Group { label, short, section: Section::Io, example: Example::Io, rows }
    }

    /// Adds the bare-runtime row of every async approach in `group` right after its row, with
    /// the same parameters and `--no-ticker` (a bare program has no ticker), and names it as
    /// that row's `bare`. (A bare program only sleeps: not for rows over tcp.)
    pub fn add_bare_rows(&self, group: &mut Group) {
        let mut rows = Vec::new();
        for row in group.rows.drain(..) {
            let approach = self.approaches.iter().find(|a| a.name() == row.approach).copied();
            let bare = approach.and_then(|a| Contender::bare(&self.bin_dir, a));
            match bare {
                Some(bare) => {
                    let mut bare_row = bare.row(Example::Io, row.params.clone());
                    bare_row.spec.args.push("--no-ticker".into());
                    bare_row.rounds = row.rounds;
                    let row = Row { bare: Some(bare.name.clone()), ..row };
                    rows.extend([row, bare_row]);
                }
                None => rows.push(row),
            }
        }
        group.rows = rows;
    }

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

    /// Points an io row at the delay server, if there is one.
    fn over_tcp(&self, mut row: Row) -> Row {
        if let Some(server) = &self.server {
            let addr = server.addr.to_string();
            row.spec.args.extend(["--source", "tcp", "--server", &addr].map(String::from));
            row.params.source = Some("tcp".into());
        }
        row
    }

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
            let pcpu = crate::plan::python_cpu(cpu);
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
        self.python.as_ref().map(|_| crate::plan::python_cpu(cpu))
    }

    /// Settings with what the setup knows filled in.
    pub fn settings(&self, runs: usize, warmup: usize, threads: usize, timeout_s: u64) -> Settings {
        Settings {
            runs,
            warmup,
            threads,
            timeout_s,
            approaches: self.approaches.iter().map(|a| a.name().to_string()).collect(),
            io: None,
            cpu: None,
            python_cpu: None,
            python_missing: self.python_missing.clone(),
            quick: false,
            bin_dir: self.bin_dir.clone(),
            source: self.source,
            rounds: Vec::new(),
            sweep: None,
            mixed: None,
        }
    }

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
        mut before: impl FnMut(&mut Group, &[GroupSummary]),
    ) -> Result<ExitCode> {
        crate::check_programs(&groups)?;
        let environment = Environment::read(
            &binaries::project_root(),
            &binaries::profile_of(&self.bin_dir),
            self.python.as_ref().map(|(p, _)| p.version.clone()),
        );
        measure::catch_interrupts();
        let rows = groups.iter().map(|g| g.rows.len()).sum();
        let timeout = Duration::from_secs(settings.timeout_s);
        // The sweep's cap, for the estimate of the time left (a row over it will be skipped).
        let cap_s = settings.sweep.as_ref().map(|s| s.cap_s);
        let mut runner = Runner::new(rows, settings.runs, settings.warmup, timeout);
        // Sections with runs of their own (run-all's mistakes and shared); rows may have
        // their own too (the scale section's).
        let rounds: Vec<(usize, usize)> =
            groups.iter().map(|g| settings.rounds_of(g.section)).collect();
        runner
            .progress
            .set_rounds(&groups, rounds.iter().map(|(runs, warmup)| runs + warmup).collect());
        runner.server_pid = self.server.as_ref().map(DelayServer::pid);
        let mut summaries = Vec::new();
        let mut warned = false;
        let last = groups.len().saturating_sub(1);
        for index in 0..groups.len() {
            before(&mut groups[index], &summaries);
            // What is left, from what ran so far: this group's rows are now marked if skipped.
            runner.progress.plan(&groups[index..], index, &summaries, cap_s);
            (runner.runs, runner.warmup) = rounds[index];
            let group = &groups[index];
            let mut reference = Reference::for_group(group);
            if runner.run_group(index, group, &mut reference).is_err() {
                return Ok(self.interrupted(&environment, &settings, &summaries, &runner.records));
            }
            summaries.push(summary::summarize(index, group, &reference, &runner.records));
            if index == last {
                break;
            }
            // Written after every group, so that an interrupted run, a crash or a failing
            // disk later on keeps what was measured.
            let so_far = self.results(&environment, &settings, &summaries, &runner.records, true);
            if let Err(e) = output::write_files(&so_far, &self.out, &self.name)
                && !warned
            {
                note!("{}: warning: cannot write the results so far: {e:#}", self.name);
                warned = true;
            }
        }
        let results = self.results(&environment, &settings, &summaries, &runner.records, false);
        let written = output::write_files(&results, &self.out, &self.name).and_then(|mut files| {
            files.extend(match self.command {
                Command::RunAll => charts::write_run_all(&results, &self.out, &self.name)?,
                Command::Sweep => charts::write_sweep(&results, &self.out, &self.name)?,
                Command::Load => charts::write_load(&results, &self.out, &self.name)?,
            });
            Ok(files)
        });
        let printed = output::to_stdout(&output::terminal(&results));
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
    ) -> ExitCode {
        let name = &self.name;
        if records.is_empty() {
            note!("{name}: interrupted; the run was killed, and nothing had been measured");
        } else {
            let so_far = self.results(environment, settings, summaries, records, true);
            match output::write_files(&so_far, &self.out, name) {
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
