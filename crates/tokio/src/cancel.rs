//! tokio, cancel: N fetches under one deadline; keep the results done by then, give up the
//! rest. The right way first (a timeout around the `JoinSet` loop, then `abort_all`), then
//! the mistakes: the handles dropped (`detached`), and blocking fetches under
//! `spawn_blocking`, which no abort can stop.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::thread;
use std::time::Instant;

use anyhow::Result;
use avt_common::{Cancel, Fetches, Kept, Outcome, Source, Variant, all_fetched, http};
use tokio::task::JoinSet;
use tokio::time::timeout_at;

use crate::runtime;

/// The ways this crate runs the cancel example, its right way first.
pub const VARIANTS: &[Variant] = &[
    Variant {
        name: "join-set",
        about: "a timeout around the JoinSet loop, then abort_all: each slow task is dropped at \
                its next .await, which closes its socket",
    },
    Variant {
        name: "detached",
        about: "mistake: tokio::spawn, the handles dropped at the deadline: a dropped JoinHandle \
                detaches its task, and the slow fetches run on to their end",
    },
    Variant {
        name: "spawn-blocking",
        about: "mistake: blocking fetches under spawn_blocking: abort cannot stop a running \
                closure, so each holds its thread and socket to its end",
    },
];

/// The right way: one task per fetch in a `JoinSet`; keep the results that end by
/// `deadline`, and abort the rest.
async fn fetch_until<F>(
    deadline: Instant,
    tasks: usize,
    fetch: impl Fn(usize) -> F,
) -> Vec<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let mut set = JoinSet::new();
    for id in 0..tasks {
        // One task per fetch, so that they all wait at once.
        set.spawn(fetch(id));
    }
    let mut done = Vec::with_capacity(tasks);
    // One timeout around the whole loop: the batch has one deadline, not one per fetch.
    let _ = timeout_at(deadline.into(), async {
        while let Some(result) = set.join_next().await {
            done.push(result.expect("a fetch task panicked"));
        }
    })
    .await;
    // Give up the rest: an aborted task is dropped at its next .await (here, at once: each
    // is waiting), and dropping it closes its socket. Dropping the set would do the same.
    set.abort_all();
    done
}

/// `detached`, the mistake: `tokio::spawn` per fetch, each handle awaited until the deadline
/// and then dropped. Dropping a tokio `JoinHandle` does not cancel its task: it detaches it,
/// and the slow fetches run on, holding their sockets, long after nobody wants them.
async fn fetch_detached<F>(
    deadline: Instant,
    tasks: usize,
    fetch: impl Fn(usize) -> F,
) -> Vec<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = (0..tasks).map(|id| tokio::spawn(fetch(id))).collect();
    let mut done = Vec::with_capacity(tasks);
    for handle in handles {
        // At the deadline the timeout drops the handle it holds: the task detaches.
        if let Ok(result) = timeout_at(deadline.into(), handle).await {
            done.push(result.expect("a fetch task panicked"));
        }
    }
    done
}

/// `spawn-blocking`, the mistake: each fetch a blocking closure on tokio's blocking pool,
/// kept until `deadline` like the right way. But `abort_all` cannot stop a closure that is
/// already running: the slow ones hold their threads and sockets to their end.
async fn fetch_blocking_until<T: Send + 'static>(
    deadline: Instant,
    tasks: usize,
    fetch: impl Fn(usize) -> T + Clone + Send + 'static,
) -> Vec<T> {
    let mut set = JoinSet::new();
    for id in 0..tasks {
        let fetch = fetch.clone();
        // A blocking fetch must not hold an async worker, so it goes to the blocking pool.
        set.spawn_blocking(move || fetch(id));
    }
    let mut done = Vec::with_capacity(tasks);
    let _ = timeout_at(deadline.into(), async {
        while let Some(result) = set.join_next().await {
            done.push(result.expect("a fetch panicked"));
        }
    })
    .await;
    // This has no effect on the closures running: tokio only drops the ones not yet started.
    set.abort_all();
    done
}

/// One fetch, as the io example's, with the gauge raised while it runs: dropping the future
/// lowers it again.
async fn fetch(id: usize, source: Source, args: &Cancel) -> io::Result<usize> {
    let running = args.fetches.start_one();
    let delay = args.delay(id);
    let id = match source {
        Source::Sleep => crate::io::fetch(id, delay, false).await,
        Source::Tcp { server, timeout } => {
            crate::io::fetch_tcp(id, server, delay, timeout, false).await?
        }
    };
    Ok(running.end(id))
}

/// The same fetch blocking its thread: `std::thread::sleep`, or a `std::net` request.
fn fetch_blocking(
    id: usize,
    source: Source,
    delay: std::time::Duration,
    fetches: &Fetches,
) -> io::Result<usize> {
    let running = fetches.start_one();
    match source {
        Source::Sleep => thread::sleep(delay),
        Source::Tcp { server, timeout } => {
            let mut stream = TcpStream::connect_timeout(&server, timeout)?;
            stream.set_read_timeout(Some(timeout))?;
            stream.write_all(http::request(server, id, delay).as_bytes())?;
            let mut response = Vec::new();
            stream.read_to_end(&mut response)?;
            http::check_response(&response, id)?;
        }
    }
    Ok(running.end(id))
}

/// Runs the cancel example the way `args.variant` says, returning at the deadline.
pub fn cancel(args: &Cancel) -> Result<Outcome<Kept>> {
    let rt = runtime(args.threads)?;
    let workers = rt.metrics().num_workers();
    let (deadline, tasks, source) = (args.deadline_at(), args.tasks, args.source);
    let fetch_one = |id| {
        let args = args.clone();
        async move { fetch(id, source, &args).await }
    };
    let results = match args.variant {
        "detached" => rt.block_on(fetch_detached(deadline, tasks, fetch_one)),
        "spawn-blocking" => {
            let args = args.clone();
            let blocking = move |id| fetch_blocking(id, source, args.delay(id), &args.fetches);
            let results = rt.block_on(fetch_blocking_until(deadline, tasks, blocking));
            // Dropping the runtime would wait for every blocking closure still running:
            // return now, and leave them to run on by themselves.
            rt.shutdown_background();
            let ids = all_fetched(results)?;
            return Ok(Outcome {
                value: Kept { ids, stops: false, hold: None },
                worker_threads: workers,
            });
        }
        _ => rt.block_on(fetch_until(deadline, tasks, fetch_one)),
    };
    let ids = all_fetched(results)?;
    let stops = args.variant == VARIANTS[0].name;
    // The runtime lives on through the watch: a detached task runs only while it does.
    Ok(Outcome { value: Kept { ids, stops, hold: Some(Box::new(rt)) }, worker_threads: workers })
}
