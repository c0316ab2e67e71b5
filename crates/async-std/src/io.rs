//! async-std, io: fetch N URLs, all in flight at once. The right way first (`task::spawn`
//! per fetch), then the mistakes.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Result;
use async_std::io::{ReadExt, WriteExt};
use async_std::net::TcpStream;
use async_std::task;
use avt_common::{Io, Outcome, Source, Variant, all_fetched, http, limits, say, url};

use crate::{set_executor_threads, ticker};

/// The ways this crate runs the io example, its right way first.
pub const VARIANTS: &[Variant] = &[
    Variant { name: "spawn", about: "one task per fetch with task::spawn on the global executor" },
    Variant {
        name: "current-thread",
        about: "the article's model: one executor thread runs every task; still one delay",
    },
    Variant {
        name: "blocking-sleep",
        about: "mistake: std::thread::sleep in the task holds its thread: ⌈N/T⌉ × delay, ticker stalls",
    },
];

/// The article's `fetch_data`: one simulated fetch, yielding its thread while it waits.
pub(crate) async fn fetch(id: usize, delay: Duration, log: bool) -> usize {
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
pub(crate) async fn fetch_tcp(
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

/// `blocking-sleep`, the mistake: `std::thread::sleep` blocks the executor thread instead of
/// yielding it, so each thread waits out one fetch at a time (⌈N/T⌉ × delay) and every other
/// task on it, the ticker included, waits too.
async fn fetch_blocking(id: usize, delay: Duration, log: bool) -> usize {
    if log {
        say!("Fetching data from {}", url(id));
    }
    std::thread::sleep(delay);
    if log {
        say!("Data fetched from {}", url(id));
    }
    id
}

/// Runs the io example the way `args.variant` says, with the ticker task beside it.
pub fn run(args: &Io) -> Result<Outcome<Vec<usize>>> {
    let threads = if args.variant == "current-thread" { 1 } else { args.threads };
    set_executor_threads(threads)?;
    if let Some(ticks) = &args.ticker {
        // The probe is a task on the same executor. Dropping an async-std JoinHandle detaches
        // the task: it ends at its first wake after the run ends.
        task::spawn(ticker(ticks.clone()));
    }
    let (tasks, delay, log) = (args.tasks, args.delay, args.log);
    let ids = match (args.variant, args.source) {
        ("blocking-sleep", _) => {
            task::block_on(fetch_all(tasks, |id| fetch_blocking(id, delay, log)))
        }
        (_, Source::Sleep) => task::block_on(fetch_all(tasks, |id| fetch(id, delay, log))),
        (_, Source::Tcp { server, timeout }) => {
            limits::ensure_open_files(tasks)?; // every fetch holds a socket at once
            all_fetched(task::block_on(fetch_all(tasks, |id| {
                fetch_tcp(id, server, delay, timeout, log)
            })))?
        }
    };
    Ok(Outcome { value: ids, worker_threads: threads })
}
