//! rayon: data parallelism. `par_iter` splits a collection over a pool of T threads that
//! steal work from each other. It has no timers and no I/O: a job that waits blocks its thread.
//!
//! Choose it for CPU-bound work over collections: it is the right tool for the cpu example.
//! It is the wrong tool for the io example, shown here on purpose: only T fetches wait at a
//! time, so N fetches take ⌈N/T⌉ × the delay (3 fetches on 2 threads: 4 s, not 2 s).
//!
//! Run with:
//!
//! ```text
//! just run rayon cpu               # cargo run --release -p avt-rayon -- cpu
//! just run rayon io                # cargo run --release -p avt-rayon -- io
//! ```

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::ops::Range;
use std::process::ExitCode;
use std::thread;
use std::time::Duration;

use anyhow::Result;
use avt_common::{
    Approach, Cpu, Io, Outcome, Source, all_fetched, count_primes_in, http, limits, say, split, url,
};
use rayon::prelude::*;
use rayon::{ThreadPool, ThreadPoolBuilder};

/// The article's `fetch_data`: one simulated fetch, blocking its pool thread while it waits.
fn fetch(id: usize, delay: Duration, log: bool) -> usize {
    if log {
        // `say!` is `println!` minus the panic when stdout is a closed pipe or a full disk.
        say!("Fetching data from {}", url(id));
    }
    thread::sleep(delay);
    if log {
        say!("Data fetched from {}", url(id));
    }
    id
}

/// The same fetch over a real socket: a blocking HTTP GET to the delay server on `std::net`
/// (rayon has no I/O of its own), holding its pool thread until the answer comes. Fails if
/// connecting or a read stalls longer than `limit`.
fn fetch_tcp(
    id: usize,
    server: SocketAddr,
    delay: Duration,
    limit: Duration,
    log: bool,
) -> io::Result<usize> {
    if log {
        say!("Fetching data from {}", http::url(server, id));
    }
    let mut stream = TcpStream::connect_timeout(&server, limit)?;
    stream.set_read_timeout(Some(limit))?;
    stream.set_write_timeout(Some(limit))?;
    stream.write_all(http::request(server, id, delay).as_bytes())?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    let id = http::check_response(&response, id)?;
    if log {
        say!("Data fetched from {}", http::url(server, id));
    }
    Ok(id)
}

/// Runs `fetch(id)` for ids `0..tasks` on the pool, T at a time; returns their results.
fn fetch_all<T: Send>(
    pool: &ThreadPool,
    tasks: usize,
    fetch: impl Fn(usize) -> T + Sync + Send,
) -> Vec<T> {
    // A waiting rayon thread cannot run anything else, so at most T fetches wait at once.
    // `with_max_len(1)` makes each fetch its own job, so no thread idles while any remain.
    pool.install(|| (0..tasks).into_par_iter().with_max_len(1).map(fetch).collect())
}

/// Counts the primes in every job on the pool's threads.
fn count_primes(pool: &ThreadPool, jobs: &[Range<u64>]) -> u64 {
    // par_iter hands the jobs to the pool's threads, and an idle thread steals from a busy
    // one. By default it cuts them into about T runs of adjacent jobs (more only when a run
    // is stolen), and a thread works through its run alone, so more jobs would not balance
    // better. `with_max_len(1)` cuts down to single jobs: an idle thread can steal any job
    // not yet started, for a split of microseconds per job.
    pool.install(|| jobs.par_iter().with_max_len(1).map(|job| count_primes_in(job.clone())).sum())
}

/// A pool of exactly `threads` threads (rayon's global pool has one per logical CPU, or
/// RAYON_NUM_THREADS).
fn pool(threads: usize) -> Result<ThreadPool> {
    Ok(ThreadPoolBuilder::new().num_threads(threads).build()?)
}

fn io(args: &Io) -> Result<Outcome<Vec<usize>>> {
    let pool = pool(args.threads)?;
    let (tasks, delay, log) = (args.tasks, args.delay, args.log);
    let ids = match args.source {
        Source::Sleep => fetch_all(&pool, tasks, |id| fetch(id, delay, log)),
        Source::Tcp { server, timeout } => {
            // Only T fetches, so T sockets, at once.
            limits::ensure_open_files(pool.current_num_threads().min(tasks))?;
            all_fetched(fetch_all(&pool, tasks, |id| fetch_tcp(id, server, delay, timeout, log)))?
        }
    };
    Ok(Outcome { value: ids, worker_threads: pool.current_num_threads() })
}

fn cpu(args: &Cpu) -> Result<Outcome<u64>> {
    let pool = pool(args.threads)?;
    let count = count_primes(&pool, &split(args.limit, args.jobs));
    Ok(Outcome { value: count, worker_threads: pool.current_num_threads() })
}

fn main() -> ExitCode {
    avt_common::main(Approach {
        name: "rayon",
        package: env!("CARGO_PKG_NAME"),
        version: env!("CARGO_PKG_VERSION"),
        about: env!("CARGO_PKG_DESCRIPTION"),
        io,
        cpu,
        sequential: None,
    })
}
