//! rayon, cancel: N fetches under one deadline. rayon cannot cancel a job: once queued it
//! runs, and a waiting fetch holds its pool thread to its end. The one way shown keeps what
//! has ended by the deadline and stops waiting; what stays is its measured result.

use std::io;
use std::sync::{Arc, mpsc};
use std::time::Instant;

use anyhow::Result;
use avt_common::{Cancel, Kept, Outcome, Source, Variant, all_fetched};
use rayon::ThreadPool;

use crate::pool;

/// The ways this crate runs the cancel example.
pub const VARIANTS: &[Variant] = &[Variant {
    name: "spawn",
    about: "a job per fetch with pool.spawn, results until the deadline: a job cannot be \
            cancelled, so the slow ones hold the T threads and the fast ones queued behind \
            them come late",
}];

/// Queues one job per fetch on `pool`, and returns the results that ended by `deadline`.
fn fetch_until<T: Send + 'static>(
    pool: &ThreadPool,
    deadline: Instant,
    tasks: usize,
    fetch: impl Fn(usize) -> T + Send + Sync + 'static,
) -> Vec<T> {
    let (sent, results) = mpsc::channel();
    let fetch = Arc::new(fetch);
    for id in 0..tasks {
        let (sent, fetch) = (sent.clone(), Arc::clone(&fetch));
        // One job per fetch: T run at a time, and a waiting one holds its thread.
        pool.spawn(move || {
            let _ = sent.send(fetch(id));
        });
    }
    drop(sent);
    let mut done = Vec::with_capacity(tasks);
    while let Ok(result) = results.recv_timeout(deadline.saturating_duration_since(Instant::now()))
    {
        done.push(result);
    }
    // rayon has no way to cancel a job: the running ones run to their end, and the queued
    // ones still start after them. All the caller can do is stop waiting.
    done
}

/// One fetch, as the io example's, with the gauge raised while it runs.
fn fetch(id: usize, args: &Cancel) -> io::Result<usize> {
    let running = args.fetches.start_one();
    let delay = args.delay(id);
    let id = match args.source {
        Source::Sleep => crate::io::fetch(id, delay, false),
        Source::Tcp { server, timeout } => crate::io::fetch_tcp(id, server, delay, timeout, false)?,
    };
    Ok(running.end(id))
}

/// Runs the cancel example, returning at the deadline.
pub fn cancel(args: &Cancel) -> Result<Outcome<Kept>> {
    let pool = pool(args.threads)?;
    let mine = args.clone();
    let results = fetch_until(&pool, args.deadline_at(), args.tasks, move |id| fetch(id, &mine));
    let ids = all_fetched(results)?;
    let workers = pool.current_num_threads();
    // The pool lives on through the watch, running what is still queued.
    let kept = Kept { ids, stops: false, hold: Some(Box::new(pool)) };
    Ok(Outcome { value: kept, worker_threads: workers })
}
