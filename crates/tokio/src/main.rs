//! tokio: a work-stealing runtime whose T worker threads run any number of tasks. A task is
//! a future, not a thread: a waiting fetch costs a few hundred bytes, not a stack.
//!
//! Choose it for I/O-bound programs with many connections or timers: it is the ecosystem's
//! default (hyper, axum, tonic, reqwest). CPU-heavy work goes to `spawn_blocking` so it does
//! not stall the workers; for large CPU fan-out tokio's own docs point to rayon.
//!
//! Run with:
//!
//! ```text
//! just run tokio io                # cargo run --release -p avt-tokio -- io
//! just run tokio cpu               # cargo run --release -p avt-tokio -- cpu
//! ```

use std::io;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use avt_common::{Approach, Cpu, Io, Jobs, Outcome, Source, all_fetched, http, limits, say, url};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::runtime::{Builder, Runtime};
use tokio::task::JoinSet;
use tokio::time::{sleep, timeout};

/// The article's `fetch_data`: one simulated fetch, yielding its thread while it waits.
async fn fetch(id: usize, delay: Duration, log: bool) -> usize {
    if log {
        // `say!` is `println!` minus the panic when stdout is a closed pipe or a full disk.
        say!("Fetching data from {}", url(id));
    }
    sleep(delay).await;
    if log {
        say!("Data fetched from {}", url(id));
    }
    id
}

/// The same fetch over a real socket: an HTTP GET to the delay server, which answers after
/// `delay`, on tokio's own `TcpStream`. Fails if it takes longer than `limit`.
async fn fetch_tcp(
    id: usize,
    server: SocketAddr,
    delay: Duration,
    limit: Duration,
    log: bool,
) -> io::Result<usize> {
    if log {
        say!("Fetching data from {}", http::url(server, id));
    }
    let get = async {
        let mut stream = TcpStream::connect(server).await?;
        stream.write_all(http::request(server, id, delay).as_bytes()).await?;
        let mut response = Vec::new();
        stream.read_to_end(&mut response).await?;
        http::check_response(&response, id)
    };
    // A timeout's `Elapsed` converts into an io::Error of kind TimedOut.
    let id = timeout(limit, get).await??;
    if log {
        say!("Data fetched from {}", http::url(server, id));
    }
    Ok(id)
}

/// Runs `fetch(id)` for ids `0..tasks` concurrently, one task each; returns their results.
async fn fetch_all<F>(tasks: usize, fetch: impl Fn(usize) -> F) -> Vec<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let mut set = JoinSet::new();
    for id in 0..tasks {
        // One task per fetch: spawned tasks all wait at once, and the runtime's workers
        // share them out (a plain `.await` in a loop would fetch one after another).
        set.spawn(fetch(id));
    }
    // Wait for every fetch, in the order they finish.
    set.join_all().await
}

/// Counts the primes in every job on `threads` blocking threads sharing one job queue.
async fn count_primes(jobs: Arc<Jobs>, threads: usize) -> u64 {
    let mut set = JoinSet::new();
    for _ in 0..threads {
        let jobs = Arc::clone(&jobs);
        // CPU work on an async worker would stall every task queued behind it, so it runs on
        // tokio's blocking pool. That pool grows to 512 threads, and tokio's docs ask many
        // CPU-bound computations to limit themselves: T closures sharing one job queue are
        // that limit (one `spawn_blocking` per job would need `max_blocking_threads(T)`,
        // which caps every other blocking call of the runtime too).
        set.spawn_blocking(move || jobs.work());
    }
    set.join_all().await.into_iter().sum()
}

/// A multi-thread runtime with `threads` workers (`#[tokio::main]` builds one per CPU, or
/// TOKIO_WORKER_THREADS).
fn runtime(threads: usize) -> Result<Runtime> {
    Ok(Builder::new_multi_thread().worker_threads(threads).enable_all().build()?)
}

fn io(args: &Io) -> Result<Outcome<Vec<usize>>> {
    let rt = runtime(args.threads)?;
    let (tasks, delay, log) = (args.tasks, args.delay, args.log);
    let ids = match args.source {
        Source::Sleep => rt.block_on(fetch_all(tasks, |id| fetch(id, delay, log))),
        Source::Tcp { server, timeout } => {
            limits::ensure_open_files(tasks)?; // every fetch holds a socket at once
            all_fetched(
                rt.block_on(fetch_all(tasks, |id| fetch_tcp(id, server, delay, timeout, log))),
            )?
        }
    };
    Ok(Outcome { value: ids, worker_threads: rt.metrics().num_workers() })
}

fn cpu(args: &Cpu) -> Result<Outcome<u64>> {
    // The T async workers idle here while T blocking threads count: 2T + 1 threads in all.
    let rt = runtime(args.threads)?;
    let jobs = Arc::new(Jobs::new(args.limit, args.jobs));
    let count = rt.block_on(count_primes(jobs, args.threads));
    Ok(Outcome { value: count, worker_threads: args.threads })
}

fn main() -> ExitCode {
    avt_common::main(Approach {
        name: "tokio",
        package: env!("CARGO_PKG_NAME"),
        version: env!("CARGO_PKG_VERSION"),
        about: env!("CARGO_PKG_DESCRIPTION"),
        io,
        cpu,
        sequential: None,
    })
}
