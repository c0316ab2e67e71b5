//! smol: a small runtime assembled from parts. An `Executor` runs tasks (futures, not
//! threads) only on threads that call `Executor::run`: it starts none of its own (unlike
//! `smol::spawn`'s global executor, which starts SMOL_THREADS, default 1).
//!
//! Choose it for I/O-bound programs that want a small, explicit runtime: it is what
//! async-std was built from, and where its maintainers send async-std's users. Blocking or
//! CPU-heavy work goes to `unblock`, its thread pool for code that does not await.
//!
//! Run with:
//!
//! ```text
//! just run smol io                 # cargo run --release -p avt-smol -- io
//! just run smol cpu                # cargo run --release -p avt-smol -- cpu
//! ```

use std::io;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use anyhow::Result;
use avt_common::{Approach, Cpu, Io, Jobs, Outcome, Source, all_fetched, http, limits, say, url};
use smol::io::{AsyncReadExt, AsyncWriteExt};
use smol::net::TcpStream;
use smol::{Executor, Timer, channel, future, unblock};

/// The article's `fetch_data`: one simulated fetch, yielding its thread while it waits.
async fn fetch(id: usize, delay: Duration, log: bool) -> usize {
    if log {
        // `say!` is `println!` minus the panic when stdout is a closed pipe or a full disk.
        say!("Fetching data from {}", url(id));
    }
    Timer::after(delay).await;
    if log {
        say!("Data fetched from {}", url(id));
    }
    id
}

/// The same fetch over a real socket: an HTTP GET to the delay server, which answers after
/// `delay`, on smol's own `TcpStream` (async-net). Fails if it takes longer than `limit`.
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
    let too_slow = async {
        Timer::after(limit).await;
        Err(io::ErrorKind::TimedOut.into())
    };
    let id = future::or(get, too_slow).await?;
    if log {
        say!("Data fetched from {}", http::url(server, id));
    }
    Ok(id)
}

/// Runs `fetch(id)` for ids `0..tasks` concurrently, one task each on `ex`; returns their
/// results.
async fn fetch_all<F>(ex: &Executor<'_>, tasks: usize, fetch: impl Fn(usize) -> F) -> Vec<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    // One task per fetch: spawned tasks all wait at once, and whichever executor thread is
    // free runs the next one that is ready.
    let tasks: Vec<_> = (0..tasks).map(|id| ex.spawn(fetch(id))).collect();
    let mut results = Vec::with_capacity(tasks.len());
    for task in tasks {
        results.push(task.await);
    }
    results
}

/// Counts the primes in every job on `threads` blocking threads sharing one job queue.
async fn count_primes(jobs: Arc<Jobs>, threads: usize) -> u64 {
    // CPU work inside a task would hold an executor thread, so it runs on the blocking pool;
    // T closures keep it to T threads at a time.
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            let jobs = Arc::clone(&jobs);
            unblock(move || jobs.work())
        })
        .collect();
    let mut count = 0;
    for worker in workers {
        count += worker.await;
    }
    count
}

/// Runs `future` on this thread while `threads` threads run the executor's tasks, then
/// stops them: smol only runs tasks on threads that call `Executor::run`.
fn block_on_threads<T>(ex: &Executor<'_>, threads: usize, future: impl Future<Output = T>) -> T {
    let (stop, stopped) = channel::unbounded::<()>();
    thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| smol::block_on(ex.run(stopped.recv())));
        }
        let output = smol::block_on(future);
        drop(stop); // closing the channel ends every `ex.run`
        output
    })
}

fn io(args: &Io) -> Result<Outcome<Vec<usize>>> {
    let ex = Executor::new();
    let (tasks, delay, log) = (args.tasks, args.delay, args.log);
    let ids = match args.source {
        Source::Sleep => {
            block_on_threads(&ex, args.threads, fetch_all(&ex, tasks, |id| fetch(id, delay, log)))
        }
        Source::Tcp { server, timeout } => {
            limits::ensure_open_files(tasks)?; // every fetch holds a socket at once
            let fetches = fetch_all(&ex, tasks, |id| fetch_tcp(id, server, delay, timeout, log));
            all_fetched(block_on_threads(&ex, args.threads, fetches))?
        }
    };
    Ok(Outcome { value: ids, worker_threads: args.threads })
}

fn cpu(args: &Cpu) -> Result<Outcome<u64>> {
    let jobs = Arc::new(Jobs::new(args.limit, args.jobs));
    // No executor needed: this thread only waits for the blocking pool.
    let count = smol::block_on(count_primes(jobs, args.threads));
    Ok(Outcome { value: count, worker_threads: args.threads })
}

fn main() -> ExitCode {
    avt_common::main(Approach {
        name: "smol",
        package: env!("CARGO_PKG_NAME"),
        version: env!("CARGO_PKG_VERSION"),
        about: env!("CARGO_PKG_DESCRIPTION"),
        io,
        cpu,
        sequential: None,
    })
}
