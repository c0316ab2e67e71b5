//! What the harness runs: the contenders (five approaches, the sequential baseline, the
//! article's Python originals), one row per contender × example, and the arguments every
//! row gets, the same for all.

use std::path::{Path, PathBuf};
use std::process::Command;

use avt_common::Params;
use clap::ValueEnum;
use serde::{Deserialize, Serialize};

use crate::model::measurement::Spec;
use crate::model::outcome::Expect;

/// Worker threads when `--threads` is not given: the machine's available parallelism (also
/// what results record as its logical CPUs).
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// cpu jobs when `--jobs` is not given, at `threads` worker threads: the examples' own
/// default (16 a thread, at least 64, at most one a number), so both always agree.
pub fn default_jobs(threads: usize, limit: u64) -> usize {
    avt_common::default_jobs(threads, limit)
}

/// A `--jobs` or `--out` the harness cannot use: one line, exit status 2, before anything
/// runs.
#[derive(Debug)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// The five approaches, in the order rows are run and printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Approach {
    StdThreads,
    Tokio,
    AsyncStd,
    Smol,
    Rayon,
}

impl Approach {
    pub const ALL: [Approach; 5] = [
        Approach::StdThreads,
        Approach::Tokio,
        Approach::AsyncStd,
        Approach::Smol,
        Approach::Rayon,
    ];

    /// The name reports use.
    pub fn name(self) -> &'static str {
        match self {
            Approach::StdThreads => "std-threads",
            Approach::Tokio => "tokio",
            Approach::AsyncStd => "async-std",
            Approach::Smol => "smol",
            Approach::Rayon => "rayon",
        }
    }

    /// The bare-runtime reference program of an async approach (crates/bare): one sleep per
    /// task in the crate's waiting shape, and nothing else. None for the others.
    pub fn bare_binary(self) -> Option<&'static str> {
        match self {
            Approach::Tokio => Some("avt-bare-tokio"),
            Approach::AsyncStd => Some("avt-bare-async-std"),
            Approach::Smol => Some("avt-bare-smol"),
            Approach::StdThreads | Approach::Rayon => None,
        }
    }

    /// The example crate's binary.
    pub fn binary(self) -> &'static str {
        match self {
            Approach::StdThreads => "avt-std",
            Approach::Tokio => "avt-tokio",
            Approach::AsyncStd => "avt-async-std",
            Approach::Smol => "avt-smol",
            Approach::Rayon => "avt-rayon",
        }
    }
}

/// An example a row runs: the subcommand of the example binaries (`io`, `cpu`, …), as reports
/// and results files name it. The article's four are named here, since the checks know their
/// results ([`crate::model::group::Reference`]); a section that runs a new subcommand names
/// its own with [`Example::named`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Example(&'static str);

// The names read as the enum they replace (`Example::Io`), in patterns too.
#[allow(non_upper_case_globals)]
impl Example {
    pub const Io: Example = Example("io");
    pub const Cpu: Example = Example("cpu");
    /// Shared state: W workers add to one counter (the article's races and deadlocks).
    pub const Shared: Example = Example("shared");
    /// Requests arrive at a rate, fetch, then compute (the article's FAQ).
    pub const Mixed: Example = Example("mixed");

    /// The example run by the subcommand `name`.
    pub const fn named(name: &'static str) -> Example {
        Example(name)
    }

    pub fn name(self) -> &'static str {
        self.0
    }
}

/// A part of run-all and of the sweep, by its name on the command line (`--sections
/// mistakes`) and in results files. The model knows none of them: each section names itself
/// in its own file (`sections/io.rs` defines `Section::Io`, which reads, in patterns too, as
/// the enum this replaces), and gives the pipeline its groups and its tables' columns (see
/// `crate::pipeline::Plugin`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Section(&'static str);

impl Section {
    /// The section called `name`.
    pub const fn named(name: &'static str) -> Section {
        Section(name)
    }

    /// Its name on the command line (`--sections mistakes`).
    pub fn name(self) -> &'static str {
        self.0
    }

    /// The section whose tables results files written before sections existed hold: the
    /// one named after their example.
    pub fn of_example(example: Example) -> Section {
        Section(example.0)
    }
}

/// Writes an [`Example`] or a [`Section`] as its name, and reads it back.
macro_rules! by_name {
    ($ty:ident) => {
        impl Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.0)
            }
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let name = String::deserialize(d)?;
                Ok($ty(intern(&name)))
            }
        }
    };
}
by_name!(Example);
by_name!(Section);

/// `name` as a `&'static str`: the names a results file holds (a handful of examples and
/// sections) are kept once each for the life of the process.
pub fn intern(name: &str) -> &'static str {
    use std::sync::{Mutex, PoisonError};
    static NAMES: Mutex<Vec<&'static str>> = Mutex::new(Vec::new());
    let mut names = NAMES.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(known) = names.iter().find(|known| **known == name) {
        return known;
    }
    let leaked: &'static str = Box::leak(name.into());
    names.push(leaked);
    leaked
}

/// Where the io rows' waits come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// A timer in every fetch (the article's simulation)
    Sleep,
    /// Real HTTP requests to a delay server the harness starts on 127.0.0.1
    Tcp,
}

impl Source {
    /// " over tcp" for titles when the io rows make real requests; "" for a sleep.
    pub fn over(self) -> &'static str {
        match self {
            Source::Sleep => "",
            Source::Tcp => " over tcp",
        }
    }
}

/// The cpu rows' 1x baseline: `avt-std cpu --sequential`.
pub const SEQUENTIAL: &str = "sequential";
/// The Python cpu rows' 1x baseline: `threading_example.py cpu --sequential`.
pub const PYTHON_SEQUENTIAL: &str = "python-sequential";

/// Something the harness runs: a program, the arguments before the example's own, which
/// examples it has, and what it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Contender {
    pub name: String,
    pub program: PathBuf,
    pub prefix: Vec<String>,
    /// Runs `cpu --sequential` on one thread: the 1x its group's speedups are measured
    /// against.
    pub baseline: bool,
    /// One of the article's Python originals.
    pub python: bool,
    /// `--variant NAME`: a way other than the crate's right way (None: the right way).
    pub variant: Option<String>,
    pub examples: Vec<Example>,
}

impl Contender {
    /// One of the five Rust approaches, from `bin_dir`.
    pub fn rust(bin_dir: &Path, approach: Approach) -> Self {
        Contender {
            name: approach.name().into(),
            program: bin_dir.join(approach.binary()),
            prefix: Vec::new(),
            baseline: false,
            python: false,
            variant: None,
            examples: vec![Example::Io, Example::Cpu],
        }
    }

    /// The bare-runtime reference of an async approach (`bare-tokio`, …), io only; None for
    /// the others.
    pub fn bare(bin_dir: &Path, approach: Approach) -> Option<Self> {
        Some(Contender {
            name: format!("bare-{}", approach.name()),
            program: bin_dir.join(approach.bare_binary()?),
            examples: vec![Example::Io],
            ..Self::rust(bin_dir, approach)
        })
    }

    /// The Rust 1x baseline, `avt-std cpu --sequential`.
    pub fn sequential(bin_dir: &Path) -> Self {
        Contender {
            name: SEQUENTIAL.into(),
            baseline: true,
            examples: vec![Example::Cpu],
            ..Self::rust(bin_dir, Approach::StdThreads)
        }
    }

    /// The article's Python originals: python-asyncio (io), python-threading (io and cpu)
    /// and python-sequential (the cpu baseline).
    pub fn python(python: &Python, scripts: &Path) -> [Contender; 3] {
        let script = |name: &str| vec![scripts.join(name).to_string_lossy().into_owned()];
        let contender = |name: &str, file: &str, baseline, examples: &[Example]| Contender {
            name: name.into(),
            program: python.program.clone(),
            prefix: script(file),
            baseline,
            python: true,
            variant: None,
            examples: examples.to_vec(),
        };
        [
            contender("python-asyncio", "asyncio_example.py", false, &[Example::Io]),
            contender(
                "python-threading",
                "threading_example.py",
                false,
                &[Example::Io, Example::Cpu],
            ),
            contender(PYTHON_SEQUENTIAL, "threading_example.py", true, &[Example::Cpu]),
        ]
    }

    /// The same program running `variant` (a way other than its right way, or the right way
    /// named explicitly), shown as `name`: e.g. "tokio (blocking-sleep, 1 thread)".
    pub fn with_variant(&self, variant: &str, name: String) -> Contender {
        Contender { name, variant: Some(variant.to_string()), ..self.clone() }
    }

    /// The row that runs `example` with `params` (`params.threads` is forced to 1 for a
    /// sequential baseline), expecting success.
    pub fn row(&self, example: Example, mut params: Params) -> Row {
        if self.baseline {
            params.threads = 1;
        }
        params.variant.clone_from(&self.variant);
        let mut args = self.prefix.clone();
        args.push(example.name().into());
        let flags = [
            ("--tasks", params.tasks.map(|v| v.to_string())),
            ("--delay-ms", params.delay_ms.map(|v| v.to_string())),
            ("--limit", params.limit.map(|v| v.to_string())),
            ("--jobs", params.jobs.map(|v| v.to_string())),
            ("--workers", params.workers.map(|v| v.to_string())),
            ("--increments", params.increments.map(|v| v.to_string())),
            ("--requests", params.requests.map(|v| v.to_string())),
            ("--rate", params.rate.map(|v| v.to_string())),
            ("--work", params.work.map(|v| v.to_string())),
            ("--deadline-ms", params.deadline_ms.map(|v| v.to_string())),
            ("--threads", Some(params.threads.to_string())),
        ];
        for (flag, value) in flags {
            if let Some(value) = value {
                args.extend([flag.to_string(), value]);
            }
        }
        if let Some(variant) = &self.variant {
            args.extend(["--variant".to_string(), variant.clone()]);
        }
        args.push("--json".into());
        if self.baseline {
            args.push("--sequential".into());
        }
        Row {
            approach: self.name.clone(),
            example,
            params,
            spec: Spec { program: self.program.clone(), args, env: Vec::new() },
            skip: None,
            baseline: self.baseline,
            python: self.python,
            expect: Expect::Success,
            bare: None,
            rounds: None,
            own: None,
        }
    }
}

/// One row of a comparison: a contender running one example with fixed parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// `tokio`, `sequential`, `python-asyncio`, …
    pub approach: String,
    pub example: Example,
    /// The parameters the run must report back (`params.variant`: the way it runs).
    pub params: Params,
    /// What to start, without a shell.
    pub spec: Spec,
    /// Why the row is not run (its estimated time is over the cap), if it is not.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub skip: Option<String>,
    /// The 1x its group's speedups are measured against.
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub baseline: bool,
    /// One of the article's Python originals.
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub python: bool,
    /// What its runs are expected to end in.
    #[serde(skip_serializing_if = "Expect::is_success", default)]
    pub expect: Expect,
    /// The bare-runtime row of the same group this row's overhead is measured against
    /// (`bare-tokio` for `tokio`), if it has one.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub bare: Option<String>,
    /// Its warm-ups and counted runs, where they differ from the command's.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub rounds: Option<Rounds>,
    /// The result its runs must report where it is the row's own, not its group's (a row
    /// that sized its work itself, as the switch rows' calibrated laps): checked against it.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub own: Option<OwnResult>,
}

/// A row's own result: its checksum and the plain number it stands for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnResult {
    pub checksum: String,
    pub result: u64,
}

/// A row's rounds where they differ from the command's: uncounted warm-ups, then counted runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rounds {
    pub warmup: usize,
    pub runs: usize,
}

/// io parameters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct IoParams {
    pub tasks: usize,
    pub delay_ms: u64,
}

impl IoParams {
    pub fn with_threads(self, threads: usize) -> Params {
        Params {
            threads,
            tasks: Some(self.tasks),
            delay_ms: Some(self.delay_ms),
            ..Params::default()
        }
    }
}

/// cpu parameters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CpuParams {
    pub limit: u64,
    pub jobs: usize,
}

impl CpuParams {
    /// `limit` split into `jobs`, or None for the default at `threads`
    /// ([`default_jobs`]); a usage error if there are more jobs than numbers to split.
    pub fn new(limit: u64, jobs: Option<usize>, threads: usize) -> Result<Self, UsageError> {
        let jobs = jobs.unwrap_or_else(|| default_jobs(threads, limit));
        if jobs as u64 > limit.saturating_add(1) {
            return Err(UsageError(format!(
                "--jobs {jobs} is more than the {} numbers in [0, {limit}]",
                limit as u128 + 1
            )));
        }
        Ok(CpuParams { limit, jobs })
    }

    pub fn with_threads(self, threads: usize) -> Params {
        Params { threads, limit: Some(self.limit), jobs: Some(self.jobs), ..Params::default() }
    }
}

/// A Python interpreter found on PATH.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Python {
    pub program: PathBuf,
    /// E.g. "Python 3.11.7".
    pub version: String,
}

impl Python {
    /// `python3` from PATH, if it runs.
    pub fn find() -> Option<Python> {
        let out = Command::new("python3").arg("--version").output().ok()?;
        let version = String::from_utf8_lossy(&out.stdout).trim().to_string();
        (out.status.success() && version.starts_with("Python"))
            .then(|| Python { program: "python3".into(), version })
    }
}

/// The Python cpu parameters: a tenth of the Rust limit (CPython's trial division is some
/// 30 times slower), so its runs take about as long as the Rust sequential one.
pub fn python_cpu(cpu: CpuParams) -> CpuParams {
    CpuParams { limit: (cpu.limit / 10).max(cpu.jobs as u64 - 1), ..cpu }
}

/// shared parameters: W workers each add 1 to one counter M times.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SharedParams {
    pub workers: usize,
    pub increments: u64,
}

impl SharedParams {
    pub fn with_threads(self, threads: usize) -> Params {
        Params {
            threads,
            workers: Some(self.workers),
            increments: Some(self.increments),
            ..Params::default()
        }
    }
}
