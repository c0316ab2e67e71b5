//! What every measuring command sets up alike: the shared options, the output folder (checked
//! before anything else), the binaries, the delay server and the contenders. The sections
//! build their rows on it (`crate::sections`).

use std::path::PathBuf;
use std::sync::OnceLock;

use anyhow::Result;

use crate::model::plan::{Approach, Contender, Python, Section, Source};
use crate::model::results::Settings;
use crate::run::binaries;
use crate::run::server::DelayServer;
use crate::sink::{self, FolderLock};

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
    /// The mixed example at one load, over the CPU a request costs (`load --vary work`).
    LoadWork,
}

impl Command {
    pub fn name(self) -> &'static str {
        match self {
            Command::RunAll => "run-all",
            Command::Sweep => "sweep",
            Command::Load => "load",
            Command::LoadWork => "load-work",
        }
    }
}

/// What the commands' shared options ask of the setup (`crate::commands::SharedArgs`).
pub struct Options {
    pub only: Vec<Approach>,
    /// Empty: the command's `defaults` (with `--source tcp`: the `server_sections`).
    pub sections: Vec<Section>,
    /// The command's sections when none are asked for, in the order their groups run.
    pub defaults: Vec<Section>,
    /// The sections whose rows make requests to the delay server under `--source tcp`.
    pub server_sections: Vec<Section>,
    pub source: Source,
    pub no_python: bool,
    pub out: Option<PathBuf>,
    pub bin_dir: Option<PathBuf>,
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
    /// The one started for a section whose rows always make real requests, whatever
    /// `--source` says ([`Setup::delay_server`]), where there was no `server`.
    started: OnceLock<DelayServer>,
    pub source: Source,
    /// Where the results go (checked writable).
    pub out: PathBuf,
    /// `out`'s lock, held while the command runs: a second command into the same folder is
    /// refused.
    _lock: FolderLock,
    pub(crate) rust: Vec<Contender>,
    /// python-asyncio, python-threading and python-sequential, when python3 was found.
    pub(crate) python: Option<(Python, [Contender; 3])>,
    python_missing: Option<String>,
}

impl Setup {
    /// Checks the output folder, builds (or finds) the binaries, and starts the delay server
    /// if `--source tcp`.
    pub fn new(command: Command, args: Options) -> Result<Setup> {
        let out = args.out.unwrap_or_else(|| binaries::project_root().join("results"));
        sink::check_writable(&out)?;
        let lock = sink::lock(&out)?;
        let mut approaches = Vec::new();
        for approach in if args.only.is_empty() { Approach::ALL.to_vec() } else { args.only } {
            if !approaches.contains(&approach) {
                approaches.push(approach);
            }
        }
        // The source changes only the io rows: over tcp, cpu runs only when asked for.
        let sections = match (args.sections.is_empty(), args.source) {
            (false, _) => args.sections,
            (true, Source::Sleep) => args.defaults,
            (true, Source::Tcp) => args.server_sections.clone(),
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
        // Every binary anything here runs, checked before anything runs (the mixed rows'
        // capacity measure runs tokio as the groups are planned; the cpu rows' baseline is
        // std's; the rows' own programs are checked again with the groups).
        let mut needed: Vec<Approach> = approaches.clone();
        needed.extend(sections.contains(&Section::Cpu).then_some(Approach::StdThreads));
        needed.extend(sections.contains(&Section::Mixed).then_some(Approach::Tokio));
        for approach in needed {
            binaries::check_program(&bin_dir.join(approach.binary()))?;
        }
        if args.source == Source::Tcp {
            binaries::check_program(&bin_dir.join(DelayServer::BINARY))?;
        }
        let (server, name) = match args.source {
            Source::Sleep => (None, command.name().to_string()),
            Source::Tcp => (Some(DelayServer::start(&bin_dir)?), format!("{}-tcp", command.name())),
        };
        let over_tcp = sections.iter().any(|s| args.server_sections.contains(s));
        if server.is_some() && python.is_some() && over_tcp {
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
            started: OnceLock::new(),
            source: args.source,
            out,
            _lock: lock,
            rust,
            python,
            python_missing,
        })
    }

    /// The Python interpreter, when the Python rows run.
    pub fn python_interpreter(&self) -> Option<&Python> {
        self.python.as_ref().map(|(python, _)| python)
    }

    /// The delay server for a section whose rows make real requests whatever `--source` says
    /// (the cancel section's sockets): the one of `--source tcp`, or else one started now,
    /// once, and stopped with the setup. (`server` stays the `--source tcp` one: the io rows
    /// go over tcp exactly when it is there.)
    pub fn delay_server(&self) -> Result<&DelayServer> {
        if let Some(server) = self.any_server() {
            return Ok(server);
        }
        let server = DelayServer::start(&self.bin_dir)?;
        Ok(self.started.get_or_init(|| server))
    }

    /// The delay server the rows use, if one was started.
    pub fn any_server(&self) -> Option<&DelayServer> {
        self.server.as_ref().or(self.started.get())
    }

    /// Whether `section` is among those to run.
    pub fn has(&self, section: Section) -> bool {
        self.sections.contains(&section)
    }

    /// " over tcp" for titles, when the io rows make real requests.
    pub fn over(&self) -> &'static str {
        self.source.over()
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
            load_work: None,
        }
    }
}
