//! What the harness runs: the approaches, one row per approach × example, and the
//! arguments every row gets, the same for all.

use std::path::Path;

use avt_common::Params;
use clap::ValueEnum;
use serde::{Deserialize, Serialize};

use crate::measure::Spec;

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

/// The article's two examples.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Example {
    Io,
    Cpu,
}

impl Example {
    pub fn name(self) -> &'static str {
        match self {
            Example::Io => "io",
            Example::Cpu => "cpu",
        }
    }
}

/// The name of the cpu rows' 1x baseline: `avt-std cpu --sequential`.
pub const SEQUENTIAL: &str = "sequential";

/// One row of a comparison: an approach running one example with fixed parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// `tokio`, `sequential`, …
    pub approach: String,
    pub example: Example,
    /// The parameters the run must report back.
    pub params: Params,
    /// What to start, without a shell.
    pub spec: Spec,
}

/// io parameters of one comparison.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct IoParams {
    pub tasks: usize,
    pub delay_ms: u64,
}

/// cpu parameters of one comparison.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CpuParams {
    pub limit: u64,
    pub jobs: usize,
}

/// The io row of `approach`: `<binary> io --tasks N --delay-ms D --threads T --json`.
pub fn io_row(bin_dir: &Path, approach: Approach, io: IoParams, threads: usize) -> Row {
    let params = Params {
        threads,
        tasks: Some(io.tasks),
        delay_ms: Some(io.delay_ms),
        ..Params::default()
    };
    let args = [
        "io",
        "--tasks",
        &io.tasks.to_string(),
        "--delay-ms",
        &io.delay_ms.to_string(),
        "--threads",
        &threads.to_string(),
        "--json",
    ];
    row(
        bin_dir,
        approach.name(),
        approach.binary(),
        Example::Io,
        params,
        &args,
    )
}

/// The cpu row of `approach`, or with `approach` None the sequential baseline.
pub fn cpu_row(bin_dir: &Path, approach: Option<Approach>, cpu: CpuParams, threads: usize) -> Row {
    let (name, binary, threads) = match approach {
        Some(a) => (a.name(), a.binary(), threads),
        None => (SEQUENTIAL, Approach::StdThreads.binary(), 1),
    };
    let params = Params {
        threads,
        limit: Some(cpu.limit),
        jobs: Some(cpu.jobs),
        ..Params::default()
    };
    let (limit, jobs, threads) = (
        cpu.limit.to_string(),
        cpu.jobs.to_string(),
        threads.to_string(),
    );
    let mut args = vec![
        "cpu",
        "--limit",
        &limit,
        "--jobs",
        &jobs,
        "--threads",
        &threads,
        "--json",
    ];
    if approach.is_none() {
        args.push("--sequential");
    }
    row(bin_dir, name, binary, Example::Cpu, params, &args)
}

fn row(
    bin_dir: &Path,
    approach: &str,
    binary: &str,
    example: Example,
    params: Params,
    args: &[&str],
) -> Row {
    Row {
        approach: approach.into(),
        example,
        params,
        spec: Spec {
            program: bin_dir.join(binary),
            args: args.iter().map(|a| a.to_string()).collect(),
            env: Vec::new(),
        },
    }
}
