//! What run-all and sweep set up alike: their shared options, the binaries, the delay
//! server, the contenders and their rows, and writing the results.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Result;
use avt_common::Params;
use clap::Args;

use crate::machine::Environment;
use crate::plan::{Approach, Contender, CpuParams, Example, Python, Row};
use crate::runner::Group;
use crate::server::{DelayServer, Source};
use crate::summary::GroupSummary;
use crate::{Results, Settings, binaries, output};

/// Options run-all and sweep share.
#[derive(Args, Debug)]
pub struct SharedArgs {
    /// Only these approaches (comma-separated); cpu always adds the sequential baseline
    #[arg(long, value_enum, value_delimiter = ',')]
    only: Vec<Approach>,
    /// Only these examples (comma-separated) [default: io,cpu; with --source tcp: io]
    #[arg(long, value_enum, value_delimiter = ',')]
    examples: Vec<Example>,
    /// io: wait on a timer (the article's) or on real requests to a delay server
    #[arg(long, value_enum, default_value_t = Source::Sleep)]
    source: Source,
    /// Leave out the article's Python originals (added when python3 is on PATH)
    #[arg(long)]
    no_python: bool,
    /// Folder for the results [default: <project>/results]
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Use the example binaries in DIR as they are, instead of building them beside the
    /// harness
    #[arg(long, value_name = "DIR")]
    bin_dir: Option<PathBuf>,
}

/// The binaries, the delay server and the contenders of one harness command.
pub struct Setup {
    /// `<command>`, or `<command>-tcp` over sockets: the results' title and file name.
    pub name: String,
    pub bin_dir: PathBuf,
    pub approaches: Vec<Approach>,
    pub examples: Vec<Example>,
    /// The delay server of `--source tcp`; dropping the setup stops it.
    pub server: Option<DelayServer>,
    rust: Vec<Contender>,
    /// python-asyncio, python-threading and python-sequential, when python3 was found.
    python: Option<(Python, [Contender; 3])>,
    python_missing: Option<String>,
    source: Source,
    out: Option<PathBuf>,
}

impl Setup {
    /// Builds (or finds) the binaries and starts the delay server if `--source tcp`.
    pub fn new(command: &str, args: SharedArgs) -> Result<Setup> {
        let bin_dir = binaries::bin_dir(args.bin_dir)?;
        let approaches = if args.only.is_empty() { Approach::ALL.to_vec() } else { args.only };
        // The source changes only the io rows: over tcp, cpu runs only when asked for.
        let examples = match (args.examples.is_empty(), args.source) {
            (false, _) => args.examples,
            (true, Source::Sleep) => vec![Example::Io, Example::Cpu],
            (true, Source::Tcp) => vec![Example::Io],
        };
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
            Source::Sleep => (None, command.to_string()),
            Source::Tcp => (Some(DelayServer::start(&bin_dir)?), format!("{command}-tcp")),
        };
        if server.is_some() && python.is_some() && examples.contains(&Example::Io) {
            python_missing = Some(
                "they only sleep (no sockets), so they are left out of the tcp io rows".into(),
            );
        }
        let rust = approaches.iter().map(|&a| Contender::rust(&bin_dir, a)).collect();
        Ok(Setup {
            name,
            bin_dir,
            approaches,
            examples,
            server,
            rust,
            python,
            python_missing,
            source: args.source,
            out: args.out,
        })
    }

    /// " over tcp" for titles, when the io rows make real requests.
    pub fn over(&self) -> &'static str {
        if self.server.is_some() { " over tcp" } else { "" }
    }

    /// Every Rust approach's io row, then the Python originals' (not over tcp: they sleep).
    pub fn io_rows(&self, params: Params) -> Vec<Row> {
        let python = self.python.iter().flat_map(|(_, c)| c).filter(|_| self.server.is_none());
        let io = python.filter(|c| c.examples.contains(&Example::Io));
        self.rust
            .iter()
            .chain(io)
            .map(|c| self.over_tcp(c.row(Example::Io, params.clone())))
            .collect()
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
            example: Example::Cpu,
            rows: rows.map(|c| c.row(Example::Cpu, cpu.with_threads(threads))).collect(),
            baseline: Some(sequential.name),
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
                example: Example::Cpu,
                rows: [sequential, threading]
                    .iter()
                    .map(|c| c.row(Example::Cpu, pcpu.with_threads(threads)))
                    .collect(),
                baseline: Some(sequential.name.clone()),
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
            sweep: None,
        }
    }

    /// Runs `groups` (see [`crate::execute`]), prints and writes the results, and gives the
    /// exit status: 0 when no row failed, 1 when any did, 130 when interrupted. With
    /// `limits_are_results`, a row that hit an OS limit or the timeout does not count as failed.
    pub fn run(
        &self,
        mut groups: Vec<Group>,
        settings: Settings,
        before: impl FnMut(&mut Group, &[GroupSummary]),
        limits_are_results: bool,
        terminal: fn(&Results) -> String,
        charts: fn(&Results, &std::path::Path, &str) -> Result<Vec<PathBuf>>,
    ) -> Result<ExitCode> {
        crate::check_programs(&groups)?;
        let mut environment = Environment::read(
            &binaries::project_root(),
            &binaries::profile_of(&self.bin_dir),
            self.python.as_ref().map(|(p, _)| p.version.clone()),
        );
        let timeout = Duration::from_secs(settings.timeout_s);
        let cap_s = settings.sweep.as_ref().map(|s| s.cap_s);
        let Ok((summaries, runs)) =
            crate::execute(&mut groups, settings.runs, settings.warmup, timeout, cap_s, before)
        else {
            eprintln!("{}: interrupted; the run was killed and no results were written", self.name);
            return Ok(ExitCode::from(130));
        };
        if let Some(build) = reported_build(&runs) {
            environment.profile = build;
        }
        let results = Results {
            command: self.name.clone(),
            ok: summaries.iter().flat_map(|g| &g.rows).all(|row| match &row.failure {
                None => true,
                Some(why) => limits_are_results && crate::summary::reached_a_limit(why),
            }),
            environment,
            settings,
            groups: summaries,
            runs,
        };
        print!("{}", terminal(&results));
        let out = self.out.clone().unwrap_or_else(|| binaries::project_root().join("results"));
        let mut written = output::write_files(&results, &out, &self.name)?;
        written.extend(charts(&results, &out, &self.name)?);
        let names: Vec<String> = written.iter().map(|p| p.display().to_string()).collect();
        eprintln!("results written to {}", names.join(", "));
        Ok(if results.ok { ExitCode::SUCCESS } else { ExitCode::FAILURE })
    }
}

/// The build the Rust binaries reported (`release` or `dev`; `mixed` if they differ): the
/// truth where the folder name is only a guess (binaries copied to another machine).
fn reported_build(runs: &[crate::runner::RunRecord]) -> Option<String> {
    let mut builds = runs.iter().filter_map(|r| r.report.as_ref()?.build.as_deref());
    let first = builds.next()?;
    Some(if builds.all(|b| b == first) { first.to_string() } else { "mixed".to_string() })
}
