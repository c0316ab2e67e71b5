//! smol, io: fetch N URLs, all in flight at once. The right way first (a task per fetch on an
//! `Executor` run by T threads), then the mistakes.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Result;
use avt_common::{Io, Outcome, Source, Variant, all_fetched, http, limits, say, url};
use smol::io::{AsyncReadExt, AsyncWriteExt};
use smol::net::TcpStream;
use smol::{Executor, Timer, future};

use crate::{block_on_threads, executor, ticker};

/// The ways this crate runs the io example, its right way first.
pub const VARIANTS: &[Variant] = &[
    Variant { name: "executor", about: "one task per fetch on an Executor run by T threads" },
    Variant {
        name: "current-thread",
        about: "the article's model: one thread runs the Executor's tasks; still one delay",
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
    Timer::after(delay).await;
    if log {
        say!("Data fetched from {}", url(id));
    }
    id
}

/// The same fetch over a real socket: an HTTP GET to the delay server, which answers after
/// `delay`, on smol's own `TcpStream` (async-net). Fails if it takes longer than `limit`.
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
    let ex = executor(threads)?;
    // The probe is a task on the same executor. Held to the end: dropping a smol `Task`
    // cancels it.
    let _ticker = args.ticker.clone().map(|ticks| ex.spawn(ticker(ticks)));
    let (tasks, delay, log) = (args.tasks, args.delay, args.log);
    let ids = match (args.variant, args.source) {
        ("blocking-sleep", _) => {
            let fetches = fetch_all(&ex, tasks, |id| fetch_blocking(id, delay, log));
            block_on_threads(&ex, threads, fetches)
        }
        (_, Source::Sleep) => {
            block_on_threads(&ex, threads, fetch_all(&ex, tasks, |id| fetch(id, delay, log)))
        }
        (_, Source::Tcp { server, timeout }) => {
            limits::ensure_open_files(tasks)?; // every fetch holds a socket at once
            let fetches = fetch_all(&ex, tasks, |id| fetch_tcp(id, server, delay, timeout, log));
            all_fetched(block_on_threads(&ex, threads, fetches))?
        }
    };
    Ok(Outcome { value: ids, worker_threads: threads })
}
