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

mod mixed;

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::ops::Range;
use std::process::ExitCode;
use std::thread;
use std::time::Duration;

use anyhow::Result;
use avt_common::{
    Approach, Cpu, Example, Io, Outcome, Source, Variant, all_fetched, count_primes_in, http,
    limits, split, url,
};
use rayon::prelude::*;
use rayon::{ThreadPool, ThreadPoolBuilder};

/// The article's `fetch_data`: one simulated fetch, blocking its pool thread while it waits.
fn fetch(id: usize, delay: Duration, log: bool) -> usize {
    if log {
        println!("Fetching data from {}", url(id));
    }
    thread::sleep(delay);
    if log {
        println!("Data fetched from {}", url(id));
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
        println!("Fetching data from {}", http::url(server, id));
    }
    let mut stream = TcpStream::connect_timeout(&server, limit)?;
    stream.set_read_timeout(Some(limit))?;
    stream.set_write_timeout(Some(limit))?;
    stream.write_all(http::request(server, id, delay).as_bytes())?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    let id = http::check_response(&response, id)?;
    if log {
        println!("Data fetched from {}", http::url(server, id));
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
    // one. By default it hands out runs of adjacent jobs, and the costliest jobs are adjacent
    // (at the top); `with_max_len(1)` lets each job be stolen on its own, so they balance.
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

/// The ways this crate runs the io example, its right way first.
const IO_VARIANTS: &[Variant] = &[Variant {
    name: "par-iter",
    about: "par_iter in a pool of T threads: a waiting fetch holds its thread (the wrong tool)",
}];

/// The ways this crate runs the cpu example, its right way first.
const CPU_VARIANTS: &[Variant] = &[Variant {
    name: "par-iter",
    about: "par_iter over the jobs in a pool of T threads that steal work",
}];

fn main() -> ExitCode {
    avt_common::main(Approach {
        name: "rayon",
        about: env!("CARGO_PKG_DESCRIPTION"),
        io: Example { run: io, variants: IO_VARIANTS },
        cpu: Example { run: cpu, variants: CPU_VARIANTS },
        mixed: Example { run: mixed::mixed, variants: mixed::VARIANTS },
        sequential: None,
    })
}
