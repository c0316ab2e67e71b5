//! async-std, cancel: N fetches under one deadline; keep the results done by then, give up
//! the rest. The right way first (a timeout on `&mut handle`, then `handle.cancel().await`),
//! then the mistake: the handles dropped (`detached`).

use std::io;
use std::time::Instant;

use anyhow::Result;
use async_std::{future, task};
use avt_common::{Cancel, Kept, Outcome, Source, Variant, all_fetched};

use crate::set_executor_threads;

/// The ways this crate runs the cancel example, its right way first.
pub const VARIANTS: &[Variant] = &[
    Variant {
        name: "cancel",
        about: "future::timeout on &mut handle, then handle.cancel().await: each slow task is \
                dropped, its socket closed, before the call returns",
    },
    Variant {
        name: "detached",
        about: "mistake: the handles dropped at the deadline: a dropped async-std JoinHandle \
                detaches its task, and the slow fetches run on to their end",
    },
];

/// The right way: one task per fetch; keep the results that end by `deadline`, and cancel
/// the rest.
async fn fetch_until<F>(
    deadline: Instant,
    tasks: usize,
    fetch: impl Fn(usize) -> F,
) -> Vec<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    // One task per fetch, so that they all wait at once.
    let handles: Vec<_> = (0..tasks).map(|id| task::spawn(fetch(id))).collect();
    let mut done = Vec::with_capacity(tasks);
    for mut handle in handles {
        let left = deadline.saturating_duration_since(Instant::now());
        // The timeout borrows the handle: one that owned it would drop it at the deadline,
        // and dropping an async-std JoinHandle detaches its task instead of cancelling it.
        match future::timeout(left, &mut handle).await {
            Ok(result) => done.push(result),
            // Past the deadline: cancel the task, and wait until it has been dropped (its
            // socket closed).
            Err(_) => drop(handle.cancel().await),
        }
    }
    done
}

/// `detached`, the mistake: each handle awaited under a timeout that owns it, so at the
/// deadline the timeout drops it. async-std detaches a task whose handle is dropped: the
/// slow fetches run on, holding their sockets, long after nobody wants them.
async fn fetch_detached<F>(
    deadline: Instant,
    tasks: usize,
    fetch: impl Fn(usize) -> F,
) -> Vec<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = (0..tasks).map(|id| task::spawn(fetch(id))).collect();
    let mut done = Vec::with_capacity(tasks);
    for handle in handles {
        let left = deadline.saturating_duration_since(Instant::now());
        if let Ok(result) = future::timeout(left, handle).await {
            done.push(result);
        }
    }
    done
}

/// One fetch, as the io example's, with the gauge raised while it runs: dropping the future
/// lowers it again.
async fn fetch(id: usize, args: &Cancel) -> io::Result<usize> {
    let running = args.fetches.start_one();
    let delay = args.delay(id);
    let id = match args.source {
        Source::Sleep => crate::io::fetch(id, delay, false).await,
        Source::Tcp { server, timeout } => {
            crate::io::fetch_tcp(id, server, delay, timeout, false).await?
        }
    };
    Ok(running.end(id))
}

/// Runs the cancel example the way `args.variant` says, returning at the deadline.
pub fn cancel(args: &Cancel) -> Result<Outcome<Kept>> {
    set_executor_threads(args.threads)?;
    let (deadline, tasks) = (args.deadline_at(), args.tasks);
    let fetch_one = |id| {
        let args = args.clone();
        async move { fetch(id, &args).await }
    };
    let results = match args.variant {
        "detached" => task::block_on(fetch_detached(deadline, tasks, fetch_one)),
        _ => task::block_on(fetch_until(deadline, tasks, fetch_one)),
    };
    let ids = all_fetched(results)?;
    // The global executor runs on through the watch: there is nothing to hold.
    let kept = Kept { ids, stops: args.variant == VARIANTS[0].name, hold: None };
    Ok(Outcome { value: kept, worker_threads: args.threads })
}
