//! async-std: one global multi-threaded executor behind an API shaped like std's
//! (`task::spawn`, `task::sleep`). A task is a future, not a thread.
//!
//! **Discontinued upstream** (RUSTSEC-2025-0052): its maintainers point users to smol, the
//! runtime it was built from. It stays here because much existing code and writing uses it,
//! and its numbers beside smol's show what moving over changes. Do not start new code on it.
//!
//! Run with:
//!
//! ```text
//! just run async-std io            # cargo run --release -p avt-async-std -- io
//! just run async-std cpu           # cargo run --release -p avt-async-std -- cpu
//! ```

use std::io;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use async_std::io::{ReadExt, WriteExt};
use async_std::net::TcpStream;
use async_std::task;
use avt_common::{Approach, Cpu, Io, Jobs, Outcome, Source, all_fetched, http, limits, say, url};

/// The article's `fetch_data`: one simulated fetch, yielding its thread while it waits.
async fn fetch(id: usize, delay: Duration, log: bool) -> usize {
    if log {
        // `say!` is `println!` minus the panic when stdout is a closed pipe or a full disk.
        say!("Fetching data from {}", url(id));
    }
    task::sleep(delay).await;
    if log {
        say!("Data fetched from {}", url(id));
    }
    id
}

/// The same fetch over a real socket: an HTTP GET to the delay server, which answers after
/// `delay`, on async-std's own `TcpStream`. Fails if it takes longer than `limit`.
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
    let id = async_std::io::timeout(limit, get).await?;
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
    // One task per fetch: spawned tasks all wait at once on the global executor's threads
    // (a plain `.await` in a loop would fetch one after another).
    let handles: Vec<_> = (0..tasks).map(|id| task::spawn(fetch(id))).collect();
    let mut results = Vec::with_capacity(tasks);
    for handle in handles {
        results.push(handle.await);
    }
    results
}

/// Counts the primes in every job on `threads` blocking threads sharing one job queue.
async fn count_primes(jobs: Arc<Jobs>, threads: usize) -> u64 {
    // CPU work on an executor thread would stall the tasks queued behind it, so it runs on
    // the blocking pool; T closures keep it to T threads at a time.
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            let jobs = Arc::clone(&jobs);
            task::spawn_blocking(move || jobs.work())
        })
        .collect();
    let mut count = 0;
    for worker in workers {
        count += worker.await;
    }
    count
}

/// async-std has no runtime builder: its executor reads ASYNC_STD_THREAD_COUNT when it
/// first starts, so `--threads` is passed that way.
fn set_executor_threads(threads: usize) {
    // SAFETY: called before the runtime (or any other thread) starts, so nothing can read
    // the environment while it changes.
    #[allow(unsafe_code)]
    unsafe {
        std::env::set_var("ASYNC_STD_THREAD_COUNT", threads.to_string());
    }
}

fn io(args: &Io) -> Result<Outcome<Vec<usize>>> {
    set_executor_threads(args.threads);
    let (tasks, delay, log) = (args.tasks, args.delay, args.log);
    let ids = match args.source {
        Source::Sleep => task::block_on(fetch_all(tasks, |id| fetch(id, delay, log))),
        Source::Tcp { server, timeout } => {
            limits::ensure_open_files(tasks)?; // every fetch holds a socket at once
            all_fetched(task::block_on(fetch_all(tasks, |id| {
                fetch_tcp(id, server, delay, timeout, log)
            })))?
        }
    };
    Ok(Outcome { value: ids, worker_threads: args.threads })
}

fn cpu(args: &Cpu) -> Result<Outcome<u64>> {
    // The T executor threads idle here while T blocking threads count.
    set_executor_threads(args.threads);
    let jobs = Arc::new(Jobs::new(args.limit, args.jobs));
    let count = task::block_on(count_primes(jobs, args.threads));
    Ok(Outcome { value: count, worker_threads: args.threads })
}

fn main() -> ExitCode {
    avt_common::main(Approach {
        name: "async-std",
        package: env!("CARGO_PKG_NAME"),
        version: env!("CARGO_PKG_VERSION"),
        about: env!("CARGO_PKG_DESCRIPTION"),
        io,
        cpu,
        sequential: None,
    })
}
