//! The mixed example on rayon: one pool of T threads for both steps, each request one job
//! that fetches and then counts. The wrong tool, shown honestly: a job waiting on its fetch
//! holds its pool thread, so only T requests are in flight at once and the pool serves at
//! most T / (D + the count) requests a second, however idle the cores are.

use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use anyhow::Result;
use avt_common::{Completions, Mixed, Outcome, Source, Tally, Variant, count_primes_in};
use rayon::ThreadPool;

/// The ways this crate runs the mixed example, its right way first.
pub const VARIANTS: &[Variant] = &[Variant {
    name: "one-pool",
    about: "each request a job in one pool of T threads: a waiting fetch holds its thread \
            (the wrong tool)",
}];

/// One request, on a pool thread: fetch (holding the thread while it waits), then count.
fn handle(id: usize, tally: &Tally, source: Source, delay: Duration) {
    if tally.expired() {
        return; // late anyway: a job still queued at the deadline does nothing
    }
    let fetched = match source {
        Source::Sleep => Ok(crate::io::fetch(id, delay, false)),
        Source::Tcp { server, timeout } => crate::io::fetch_tcp(id, server, delay, timeout, false),
    };
    if tally.expired() {
        return;
    }
    let count = fetched.map(|_| count_primes_in(tally.numbers(id)));
    tally.finish(id, count);
}

/// The wake probe, rayon's way: rayon has no channel a job can wait on without holding a pool
/// thread (which would take one of the T from the requests), so the pool's own queue is the
/// channel: the probe's thread queues one job per wake, and the job records how long after
/// the send it ran. It waits there behind the queued requests, as any other job would.
fn wake_probe(pool: &ThreadPool, tally: &Arc<Tally>, sent: Instant) {
    let tally = Arc::clone(tally);
    pool.spawn(move || tally.woke(sent));
}

/// Queues each request on the pool at its due time, then waits for them all or the deadline.
fn serve(pool: &ThreadPool, tally: &Arc<Tally>, source: Source, delay: Duration) {
    let (done, finished) = mpsc::channel();
    for id in 0..tally.requests() {
        // Open loop: each request arrives at its due time, whether or not the ones before it
        // are done.
        std::thread::sleep(tally.due(id).saturating_duration_since(Instant::now()));
        if tally.expired() {
            break;
        }
        let (mine, done) = (Arc::clone(tally), done.clone());
        // `spawn` queues a job and returns at once; the pool runs T of them at a time.
        pool.spawn(move || {
            handle(id, &mine, source, delay);
            let _ = done.send(());
        });
    }
    drop(done);
    // Each job says when it is done; this ends when all have or at the deadline. Dropping the
    // pool then does not wait for the jobs still queued: they end with the process.
    while finished.recv_timeout(tally.deadline().saturating_duration_since(Instant::now())).is_ok()
    {
    }
}

pub fn mixed(args: &Mixed) -> Result<Outcome<Completions>> {
    let pool = Arc::new(crate::pool(args.threads)?);
    let tally = Tally::start(args)?;
    let (queue, mine) = (Arc::clone(&pool), Arc::clone(&tally));
    tally.send_wakes(move |sent| {
        wake_probe(&queue, &mine, sent);
        true
    })?;
    serve(&pool, &tally, args.source, args.delay);
    Ok(Outcome { value: tally.close(), worker_threads: pool.current_num_threads() })
}
