//! The std-only baseline: every fetch gets its own OS thread, and the CPU jobs run on T
//! scoped worker threads. There is no runtime: the kernel schedules everything.
//!
//! Choose it when what is in flight at once is modest (up to a few thousand) or the work is
//! CPU-bound and you want no dependency: threads are simple, and unlike CPython's under the GIL they run
//! truly in parallel. Each costs a stack and a kernel task, and the OS caps how many exist.
//!
//! Run with:
//!
//! ```text
//! just run std io                  # cargo run --release -p avt-std -- io
//! just run std cpu                 # cargo run --release -p avt-std -- cpu
//! just run std cpu --sequential    # the 1x baseline every speedup is measured against
//! ```

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::ExitCode;
use std::thread;
use std::time::Duration;

use anyhow::Result;
use avt_common::{
    Approach, Cpu, Io, Jobs, Outcome, Source, all_fetched, count_primes_in, http, limits, say, url,
};

/// The article's `fetch_data`: one simulated fetch, blocking its thread while it waits.
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

/// The same fetch over a real socket: a blocking HTTP GET to the delay server on `std::net`,
/// holding this thread until the answer comes (after `delay`). Fails if connecting or a read
/// stalls longer than `limit`.
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

/// Runs `fetch(id)` for ids `0..tasks` concurrently, one OS thread each; returns their
/// results. At the OS thread limit it stops spawning, waits for the threads already started,
/// and fails naming the limit.
fn fetch_all<T: Send>(tasks: usize, fetch: impl Fn(usize) -> T + Sync) -> Result<Vec<T>> {
    let room = limits::thread_room();
    let fetch = &fetch;
    thread::scope(|s| {
        let mut threads = Vec::with_capacity(tasks.min(room.threads));
        for id in 0..tasks {
            // Past vm.max_map_count or the address-space limit a new thread finds no room
            // for its signal stack and std aborts the process, so stop short of both,
            // leaving room for threads that have not run yet. (Leaving the scope joins them.)
            if threads.len() == room.threads {
                return Err(limits::thread_limit_hit(room.threads, tasks, room.limit));
            }
            // One thread per fetch: while one waits the kernel runs the others, so the waits
            // overlap. `Builder` returns the OS's refusal where `s.spawn` would panic.
            match thread::Builder::new().spawn_scoped(s, move || fetch(id)) {
                Ok(thread) => threads.push(thread),
                Err(e) => return Err(limits::thread_limit_hit(threads.len(), tasks, e)),
            }
        }
        Ok(threads.into_iter().map(|t| t.join().expect("a fetch thread panicked")).collect())
    })
}

/// Counts the primes in every job on `threads` worker threads sharing one job queue.
fn count_primes(jobs: &Jobs, threads: usize) -> u64 {
    thread::scope(|s| {
        // T workers, each taking the next job until none are left: a worker that drew a
        // costly job takes fewer, so they all finish at about the same time.
        let workers: Vec<_> = (0..threads).map(|_| s.spawn(|| jobs.work())).collect();
        workers.into_iter().map(|w| w.join().expect("a worker thread panicked")).sum()
    })
}

/// The 1x baseline: every job, one after another, on this thread.
fn count_primes_sequential(jobs: &Jobs) -> u64 {
    jobs.ranges().iter().cloned().map(count_primes_in).sum()
}

fn io(args: &Io) -> Result<Outcome<Vec<usize>>> {
    let (tasks, delay, log) = (args.tasks, args.delay, args.log);
    let ids = match args.source {
        Source::Sleep => fetch_all(tasks, |id| fetch(id, delay, log))?,
        Source::Tcp { server, timeout } => {
            limits::ensure_open_files(tasks)?; // every fetch holds a socket at once
            all_fetched(fetch_all(tasks, |id| fetch_tcp(id, server, delay, timeout, log))?)?
        }
    };
    Ok(Outcome { value: ids, worker_threads: tasks })
}

fn cpu(args: &Cpu) -> Result<Outcome<u64>> {
    let jobs = Jobs::new(args.limit, args.jobs);
    Ok(Outcome { value: count_primes(&jobs, args.threads), worker_threads: args.threads })
}

fn sequential(args: &Cpu) -> u64 {
    count_primes_sequential(&Jobs::new(args.limit, args.jobs))
}

fn main() -> ExitCode {
    avt_common::main(Approach {
        name: "std-threads",
        package: env!("CARGO_PKG_NAME"),
        version: env!("CARGO_PKG_VERSION"),
        about: env!("CARGO_PKG_DESCRIPTION"),
        io,
        cpu,
        sequential: Some(sequential),
    })
}
