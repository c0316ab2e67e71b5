//! `avt-harness fake`: a child with known behaviour, so the harness's tests can check what it
//! measures (memory, threads, exit codes, timeouts) and how it reports failures.

use std::path::PathBuf;
use std::process::ExitCode;
use std::thread;
use std::time::Duration;

use anyhow::{Context, Result};
use avt_common::{Params, Report, cpu_checksum, io_checksum, known_pi};
use clap::Args;

#[derive(Args, Debug)]
pub struct FakeArgs {
    /// Allocate and touch this many MiB
    #[arg(long, default_value_t = 0)]
    alloc_mib: usize,
    /// Start this many extra threads
    #[arg(long, default_value_t = 0)]
    spawn_threads: usize,
    /// Hold the memory and threads this long, in ms
    #[arg(long, default_value_t = 0)]
    hold_ms: u64,
    /// Start `sleep 60` in the same process group and write its pid here
    #[arg(long)]
    grandchild_pid_file: Option<PathBuf>,
    /// Report a wrong result
    #[arg(long)]
    wrong_checksum: bool,
    /// Exit with this code
    #[arg(long, default_value_t = 0)]
    exit: u8,
    /// An example command line (`io --tasks 3 …`) to answer with a report, as an example would
    #[arg(last = true)]
    example: Vec<String>,
}

pub fn fake(args: FakeArgs) -> Result<ExitCode> {
    if let Some(path) = &args.grandchild_pid_file {
        let child = std::process::Command::new("sleep").arg("60").spawn().context("sleep")?;
        std::fs::write(path, child.id().to_string())?;
    }
    let memory: Vec<u8> = vec![1; args.alloc_mib << 20];
    let threads: Vec<_> = (0..args.spawn_threads)
        .map(|_| thread::spawn(move || thread::sleep(Duration::from_millis(args.hold_ms))))
        .collect();
    thread::sleep(Duration::from_millis(args.hold_ms));
    threads.into_iter().for_each(|t| t.join().expect("fake thread"));
    std::hint::black_box(&memory);
    if !args.example.is_empty() {
        println!("{}", answer(&args.example, args.wrong_checksum).to_json());
    }
    Ok(ExitCode::from(args.exit))
}

/// The report a correct example would print for `example` (`--json` implied).
fn answer(example: &[String], wrong: bool) -> Report {
    let value = |flag: &str| {
        let at = example.iter().position(|a| a == flag)?;
        example.get(at + 1)?.parse::<u64>().ok()
    };
    let sequential = example.iter().any(|a| a == "--sequential");
    let threads = if sequential { 1 } else { value("--threads").unwrap_or(1) as usize };
    let (params, result, checksum) = if example.first().is_some_and(|e| e == "cpu") {
        let (limit, jobs) = (value("--limit").unwrap_or(0), value("--jobs").map(|j| j as usize));
        let count = known_pi(limit).unwrap_or_else(|| avt_common::count_primes_in(0..limit + 1));
        let params = Params { threads, limit: Some(limit), jobs, ..Params::default() };
        (params, count, cpu_checksum(limit, count))
    } else {
        let tasks = value("--tasks").unwrap_or(3) as usize;
        let params = Params {
            threads,
            tasks: Some(tasks),
            delay_ms: value("--delay-ms"),
            ..Params::default()
        };
        (params, tasks as u64, io_checksum(tasks))
    };
    let checksum = if wrong { checksum ^ 1 } else { checksum };
    Report {
        approach: "fake".into(),
        example: example.first().cloned().unwrap_or_default(),
        params,
        result,
        checksum: format!("{checksum:016x}"),
        verified: true,
        elapsed_ms: 1.0,
        worker_threads: threads,
        build: None,
        ticker: None,
        increments_per_s: None,
        lost: None,
    }
}
