//! The mixed example on tokio: each request is a task that fetches on the runtime, then hands
//! its counting to `spawn_blocking`, at most T counts at a time (a `Semaphore` of T permits),
//! so the async workers stay free to start fetches and fire timers on time.

use std::io;
use std::ops::Range;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;
use avt_common::{Completions, Mixed, Outcome, Source, Tally, Variant, count_primes_in, is_prime};
use rayon::ThreadPool;
use rayon::prelude::*;
use tokio::runtime::Builder;
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};
use tokio::sync::{Semaphore, oneshot};
use tokio::task::{JoinSet, spawn_blocking};
use tokio::time::{sleep_until, timeout_at};

use crate::rayon_pool;

/// The ways this crate runs the mixed example, its right way first.
pub const VARIANTS: &[Variant] = &[
    Variant {
        name: "spawn-blocking",
        about: "fetch on the runtime, count with spawn_blocking under a Semaphore of T",
    },
    Variant {
        name: "rayon-bridge",
        about: "fetch on the runtime, count on a rayon pool of T via spawn + a oneshot channel",
    },
    Variant {
        name: "cpu-inline",
        about: "count on the async worker itself: while it counts, the timers and fetches \
                queued on that worker wait",
    },
    Variant {
        name: "rayon-inline",
        about: "par_iter inside the task: the async worker blocks until rayon is done, \
                so it runs nothing else meanwhile",
    },
    Variant {
        name: "current-thread",
        about: "one thread for everything, as asyncio: each count stops every other request",
    },
];

/// How a request's primes are counted: the right way, or a mistake shown on purpose.
#[derive(Clone)]
enum Counter {
    /// On tokio's blocking pool, at most T at a time.
    Blocking(Arc<Semaphore>),
    /// On a rayon pool of T threads, the answer sent back over a oneshot channel.
    RayonBridge(Arc<ThreadPool>),
    /// Right on the async worker.
    Inline,
    /// `par_iter` in a rayon pool, waited for on the async worker.
    RayonInline(Arc<ThreadPool>),
}

/// The right way: counts on tokio's blocking pool, at most T at a time.
async fn count_primes(numbers: Range<u64>, cpu: &Semaphore) -> io::Result<u64> {
    // Without the bound, every request past T would get a blocking thread of its own (up to
    // 512), and the counts would share the cores ever more thinly.
    let _permit = cpu.acquire().await.map_err(io::Error::other)?;
    spawn_blocking(move || count_primes_in(numbers)).await.map_err(io::Error::other)
}

/// The bridge to rayon: the pool counts, the task awaits the answer without blocking.
async fn count_on_rayon(numbers: Range<u64>, pool: &ThreadPool) -> io::Result<u64> {
    let (send, answer) = oneshot::channel();
    // `spawn` queues the job and returns at once; the pool's T threads bound the CPU work.
    pool.spawn(move || {
        // A request nobody waits for any more (the run has ended) is not counted.
        if !send.is_closed() {
            let _ = send.send(count_primes_in(numbers));
        }
    });
    answer.await.map_err(io::Error::other)
}

/// One request: fetch, then count its primes the way `counter` says.
async fn handle(id: usize, tally: Arc<Tally>, source: Source, delay: Duration, counter: Counter) {
    let fetched = match source {
        Source::Sleep => Ok(crate::io::fetch(id, delay, false).await),
        Source::Tcp { server, timeout } => {
            crate::io::fetch_tcp(id, server, delay, timeout, false).await
        }
    };
    if let Err(e) = fetched {
        return tally.finish(id, Err(e));
    }
    if tally.expired() {
        return; // late anyway: don't spend CPU on it
    }
    let numbers = tally.numbers(id);
    let count = match &counter {
        Counter::Blocking(cpu) => count_primes(numbers, cpu).await,
        Counter::RayonBridge(pool) => count_on_rayon(numbers, pool).await,
        // Mistake: the worker counts, and nothing else runs on it until it is done.
        Counter::Inline => Ok(count_primes_in(numbers)),
        // Mistake: rayon counts in parallel, but this worker blocks until it is done.
        Counter::RayonInline(pool) => {
            Ok(pool.install(|| numbers.into_par_iter().filter(|&n| is_prime(n)).count() as u64))
        }
    };
    tally.finish(id, count);
}

/// The wake probe, beside the requests: a thread outside the runtime sends the time into this
/// channel every period, and this task records how long after each send it got to run. A
/// worker that counts inline delays it as it delays every other task queued there.
async fn wake_probe(tally: Arc<Tally>, mut woken: UnboundedReceiver<Instant>) {
    while let Some(sent) = woken.recv().await {
        tally.woke(sent);
    }
}

/// Starts each request as a task at its due time, and waits for them all or the deadline.
async fn serve(tally: Arc<Tally>, source: Source, delay: Duration, counter: Counter) {
    let requests = async {
        let mut set = JoinSet::new();
        for id in 0..tally.requests() {
            // Open loop: each request arrives at its due time, whether or not the ones before
            // it are done.
            sleep_until(tally.due(id).into()).await;
            // One task per request, so the waits of all requests in flight overlap.
            set.spawn(handle(id, Arc::clone(&tally), source, delay, counter.clone()));
        }
        while set.join_next().await.is_some() {}
    };
    // At the deadline the JoinSet is dropped, which aborts the tasks still in it (a count
    // already on the blocking pool runs to its end: blocking code cannot be aborted).
    let _ = timeout_at(tally.deadline().into(), requests).await;
}

pub fn mixed(args: &Mixed) -> Result<Outcome<Completions>> {
    let rt = match args.variant {
        "current-thread" => Builder::new_current_thread().enable_all().build()?,
        _ => crate::runtime(args.threads)?,
    };
    let counter = match args.variant {
        "spawn-blocking" => Counter::Blocking(Arc::new(Semaphore::new(args.threads))),
        "rayon-bridge" => Counter::RayonBridge(rayon_pool(args.threads)?),
        "rayon-inline" => Counter::RayonInline(rayon_pool(args.threads)?),
        _ => Counter::Inline, // cpu-inline, current-thread
    };
    let tally = Tally::start(args)?;
    // An unbounded channel: the sending thread must never wait for the runtime it measures.
    let (send, woken) = unbounded_channel();
    if tally.send_wakes(move |sent| send.send(sent).is_ok())? {
        rt.spawn(wake_probe(Arc::clone(&tally), woken));
    }
    rt.block_on(serve(Arc::clone(&tally), args.source, args.delay, counter));
    let workers = rt.metrics().num_workers();
    // Don't wait for a count still running on the blocking pool: the run has ended.
    rt.shutdown_background();
    Ok(Outcome { value: tally.close(), worker_threads: workers })
}
