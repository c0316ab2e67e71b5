//! `avt-harness fake`: a child with known behaviour, so the harness's tests can check what it
//! measures (memory, threads, CPU time, exit codes, timeouts) and how it judges each way a
//! run can end (a named failure, lost updates, late requests).

use std::path::PathBuf;
use std::process::ExitCode;
use std::thread;
use std::time::Duration;

use anyhow::{Context, Result};
use avt_common::shared::shared_checksum;
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
    /// And this long more per io task asked for (`--tasks N` in the example's arguments)
    #[arg(long, default_value_t = 0)]
    hold_ms_per_task: u64,
    /// Use this much CPU time (user), in ms, on the main thread
    #[arg(long, default_value_t = 0)]
    burn_cpu_ms: u64,
    /// Write its own pid here
    #[arg(long)]
    pid_file: Option<PathBuf>,
    /// Start `sleep 60` in the same process group and write its pid here
    #[arg(long)]
    grandchild_pid_file: Option<PathBuf>,
    /// Report a wrong result
    #[arg(long)]
    wrong_checksum: bool,
    /// Report a result this much below the right one (updates lost to a race)
    #[arg(long, default_value_t = 0)]
    lose: u64,
    /// Report this many requests unfinished at the deadline (`"late": N`)
    #[arg(long)]
    late: Option<u64>,
    /// Write this line to stderr before exiting (as an example names its error)
    #[arg(long)]
    message: Option<String>,
    /// Exit with this code
    #[arg(long, default_value_t = 0)]
    exit: u8,
    /// An example command line (`io --tasks 3 …`) to answer with a report, as an example would
    #[arg(last = true)]
    example: Vec<String>,
}

pub fn fake(args: FakeArgs) -> Result<ExitCode> {
    if let Some(path) = &args.pid_file {
        std::fs::write(path, std::process::id().to_string())?;
    }
    if let Some(path) = &args.grandchild_pid_file {
        let child = std::process::Command::new("sleep").arg("60").spawn().context("sleep")?;
        std::fs::write(path, child.id().to_string())?;
    }
    let memory: Vec<u8> = vec![1; args.alloc_mib << 20];
    let tasks = value(&args.example, "--tasks").unwrap_or(0);
    let hold = Duration::from_millis(args.hold_ms + args.hold_ms_per_task * tasks);
    let threads: Vec<_> =
        (0..args.spawn_threads).map(|_| thread::spawn(move || thread::sleep(hold))).collect();
    burn_cpu(Duration::from_millis(args.burn_cpu_ms));
    thread::sleep(hold);
    threads.into_iter().for_each(|t| t.join().expect("fake thread"));
    std::hint::black_box(&memory);
    // As an example's watchdog would: the deadlock variant never finishes, and says so.
    let deadlock = args.example.first().is_some_and(|e| e == "shared")
        && args.example.windows(2).any(|w| w == ["--variant", avt_common::shared::DEADLOCK]);
    if deadlock {
        let marker = avt_common::shared::DEADLOCK_MARKER;
        eprintln!(
            "fake: error: {marker} 10 ms; 2 workers each hold one lock and wait for the other"
        );
        return Ok(ExitCode::from(1));
    }
    if !args.example.is_empty() {
        let mut report = answer(&args.example, args.wrong_checksum);
        if args.lose > 0 {
            report.result = report.result.saturating_sub(args.lose);
            let checksum = match (report.params.workers, report.params.increments) {
                (Some(w), Some(m)) => shared_checksum(w as u64 * m, report.result),
                _ => io_checksum(report.result as usize),
            };
            report.checksum = format!("{checksum:016x}");
        }
        let mut line: serde_json::Value = serde_json::from_str(&report.to_json())?;
        if let Some(fields) = line.as_object_mut() {
            if args.example.first().is_some_and(|e| e == "mixed") {
                // The mixed example's figures: every request done in a millisecond.
                let latency = serde_json::json!({"count": report.result, "p50_us": 1000,
                    "p90_us": 1000, "p99_us": 1000, "max_us": 1000});
                fields.insert("completed".into(), report.result.into());
                fields.insert("late".into(), 0.into());
                fields.insert("achieved_rate".into(), report.params.rate.unwrap_or(0.0).into());
                fields.insert("latency".into(), latency);
                // The wake probe's figures: every wake ran within 100 µs.
                let wake = serde_json::json!({"p50_us": 50, "p99_us": 100, "max_us": 100,
                    "samples": 10});
                fields.insert("wake".into(), wake);
            }
            if let Some(late) = args.late {
                fields.insert("late".into(), late.into());
            }
        }
        println!("{line}");
    }
    if let Some(message) = &args.message {
        eprintln!("{message}");
    }
    Ok(ExitCode::from(args.exit))
}

/// Spins until this process has used `amount` of CPU time.
fn burn_cpu(amount: Duration) {
    let mut spins = 0u64;
    while cpu_time() < amount {
        for _ in 0..10_000 {
            spins = std::hint::black_box(spins.wrapping_mul(6_364_136_223_846_793_005) + 1);
        }
    }
}

/// CPU time used by this process so far.
#[allow(unsafe_code)]
fn cpu_time() -> Duration {
    // SAFETY: clock_gettime writes only into the timespec we pass it.
    let mut t: libc::timespec = unsafe { std::mem::zeroed() };
    unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut t) };
    Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
}

/// The number after `flag` in an example command line.
fn value(example: &[String], flag: &str) -> Option<u64> {
    let at = example.iter().position(|a| a == flag)?;
    example.get(at + 1)?.parse::<u64>().ok()
}

/// The report a correct example would print for `example` (`--json` implied).
fn answer(example: &[String], wrong: bool) -> Report {
    let value = |flag: &str| value(example, flag);
    let sequential = example.iter().any(|a| a == "--sequential");
    let variant = example.iter().position(|a| a == "--variant").and_then(|at| example.get(at + 1));
    let threads = if sequential { 1 } else { value("--threads").unwrap_or(1) as usize };
    let (params, result, checksum) = if example.first().is_some_and(|e| e == "shared") {
        let (workers, increments) = (value("--workers").unwrap_or(1), value("--increments"));
        let total = workers * increments.unwrap_or(1);
        let params = Params {
            threads,
            workers: Some(workers as usize),
            increments,
            variant: variant.cloned(),
            ..Params::default()
        };
        (params, total, shared_checksum(total, total))
    } else if example.first().is_some_and(|e| e == "cpu") {
        let (limit, jobs) = (value("--limit").unwrap_or(0), value("--jobs").map(|j| j as usize));
        let count = known_pi(limit).unwrap_or_else(|| avt_common::count_primes_in(0..limit + 1));
        let params = Params {
            threads,
            limit: Some(limit),
            jobs,
            variant: variant.cloned(),
            ..Params::default()
        };
        (params, count, cpu_checksum(limit, count))
    } else if example.first().is_some_and(|e| e == "mixed") {
        let requests = value("--requests").unwrap_or(10) as usize;
        let work = value("--work").unwrap_or(avt_harness::mixed::WORK);
        let rate = example.iter().position(|a| a == "--rate");
        let params = Params {
            threads,
            delay_ms: value("--delay-ms"),
            variant: variant.cloned(),
            requests: Some(requests),
            rate: rate.and_then(|at| example.get(at + 1)?.parse().ok()),
            work: Some(work),
            deadline_ms: value("--deadline-ms"),
            ..Params::default()
        };
        (params, requests as u64, avt_common::mixed_checksum(requests, work))
    } else {
        let tasks = value("--tasks").unwrap_or(3) as usize;
        let params = Params {
            threads,
            tasks: Some(tasks),
            delay_ms: value("--delay-ms"),
            variant: variant.cloned(),
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
        ..Report::default()
    }
}
