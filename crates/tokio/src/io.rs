//! tokio, io: fetch N URLs, all in flight at once. The right way first (a task per fetch in a
//! `JoinSet`), then the mistakes.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Result;
use avt_common::{Io, Outcome, Source, Variant, all_fetched, http, limits, say, url};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::task::JoinSet;
use tokio::time::{sleep, timeout};

use crate::{current_thread, runtime, ticker};

/// The ways this crate runs the io example, its right way first.
pub const VARIANTS: &[Variant] = &[
    Variant {
        name: "join-set",
        about: "one task per fetch in a JoinSet on the multi-thread runtime",
    },
    Variant {
        name: "current-thread",
        about: "the article's model: every task on one thread (new_current_thread); still one delay",
    },
    Variant {
        name: "blocking-sleep",
        about: "mistake: std::thread::sleep in the task holds its worker: ⌈N/T⌉ × delay, ticker stalls",
    },
];

/// The article's `fetch_data`: one simulated fetch, yielding its thread while it waits.
pub(crate) async fn fetch(id: usize, delay: Duration, log: bool) -> usize {
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

/// `blocking-sleep`, the mistake: `std::thread::sleep` blocks the worker thread instead of
/// yielding it, so each worker waits out one fetch at a time (⌈N/T⌉ × delay) and every other
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
    let rt = match args.variant {
        "current-thread" => current_thread()?,
        _ => runtime(args.threads)?,
    };
    if let Some(ticks) = &args.ticker {
        // The probe is a task on the same runtime, like any other; dropping the runtime at the
        // end cancels it.
        rt.spawn(ticker(ticks.clone()));
    }
    let (tasks, delay, log) = (args.tasks, args.delay, args.log);
    let ids = match (args.variant, args.source) {
        ("blocking-sleep", _) => rt.block_on(fetch_all(tasks, |id| fetch_blocking(id, delay, log))),
        (_, Source::Sleep) => rt.block_on(fetch_all(tasks, |id| fetch(id, delay, log))),
        (_, Source::Tcp { server, timeout }) => {
            limits::ensure_open_files(tasks)?; // every fetch holds a socket at once
            all_fetched(
                rt.block_on(fetch_all(tasks, |id| fetch_tcp(id, server, delay, timeout, log))),
            )?
        }
    };
    Ok(Outcome { value: ids, worker_threads: rt.metrics().num_workers() })
}
