//! The mixed example on async-std: each request is a task that fetches on the executor, then
//! hands its counting to `task::spawn_blocking`, at most T counts at a time (async-lock's
//! `Semaphore`; async-std has none of its own). Without the bound its blocking pool would
//! grow a thread per waiting count, up to 500.

use std::io;
use std::ops::Range;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;
use async_lock::Semaphore;
use async_std::channel::{Receiver, unbounded};
use async_std::{future, task};
use avt_common::{Completions, Mixed, Outcome, Source, Tally, Variant, count_primes_in};

/// The ways this crate runs the mixed example, its right way first.
pub const VARIANTS: &[Variant] = &[
    Variant {
        name: "spawn-blocking",
        about: "fetch on the executor, count with spawn_blocking under a Semaphore of T",
    },
    Variant {
        name: "cpu-inline",
        about: "count on the executor thread itself: while it counts, the timers and fetches \
                queued on that thread wait",
    },
    Variant {
        name: "current-thread",
        about: "one executor thread for everything, as asyncio: each count stops every other \
                request",
    },
];

/// How a request's primes are counted: the right way, or a mistake shown on purpose.
#[derive(Clone)]
enum Counter {
    /// On the blocking pool, at most T at a time.
    Blocking(Arc<Semaphore>),
    /// Right on the executor thread.
    Inline,
}

/// The right way: counts on the blocking pool, at most T at a time.
async fn count_primes(numbers: Range<u64>, cpu: &Semaphore) -> io::Result<u64> {
    let _permit = cpu.acquire().await;
    Ok(task::spawn_blocking(move || count_primes_in(numbers)).await)
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
        // Mistake: the executor thread counts, and runs nothing else until it is done.
        Counter::Inline => Ok(count_primes_in(numbers)),
    };
    tally.finish(id, count);
}

/// The wake probe, beside the requests: a thread outside the executor sends the time into this
/// channel every period, and this task records how long after each send it got to run. An
/// executor thread that counts inline delays it as it delays every other task queued there.
async fn wake_probe(tally: Arc<Tally>, woken: Receiver<Instant>) {
    while let Ok(sent) = woken.recv().await {
        tally.woke(sent);
    }
}

/// Starts each request as a task at its due time, and waits for them all or the deadline.
async fn serve(tally: Arc<Tally>, source: Source, delay: Duration, counter: Counter) {
    let requests = async {
        let mut handles = Vec::with_capacity(tally.requests());
        for id in 0..tally.requests() {
            // Open loop: each request arrives at its due time, whether or not the ones before
            // it are done.
            task::sleep(tally.due(id).saturating_duration_since(Instant::now())).await;
            // One task per request, so the waits of all requests in flight overlap.
            let request = handle(id, Arc::clone(&tally), source, delay, counter.clone());
            handles.push(task::spawn(request));
        }
        for handle in handles {
            handle.await;
        }
    };
    // At the deadline the handles are dropped, which detaches their tasks (async-std does not
    // cancel them): each sees the deadline before it counts, and the process ends after its
    // report.
    let left = tally.deadline().saturating_duration_since(Instant::now());
    let _ = future::timeout(left, requests).await;
}

pub fn mixed(args: &Mixed) -> Result<Outcome<Completions>> {
    let (threads, counter) = match args.variant {
        "spawn-blocking" => {
            (args.threads, Counter::Blocking(Arc::new(Semaphore::new(args.threads))))
        }
        "current-thread" => (1, Counter::Inline),
        _ => (args.threads, Counter::Inline), // cpu-inline
    };
    crate::set_executor_threads(threads)?;
    let tally = Tally::start(args)?;
    // An unbounded channel: the sending thread must never wait for the executor it measures.
    let (send, woken) = unbounded();
    if tally.send_wakes(move |sent| send.try_send(sent).is_ok())? {
        // Dropping its handle detaches it: it runs beside the requests until the run ends.
        task::spawn(wake_probe(Arc::clone(&tally), woken));
    }
    task::block_on(serve(Arc::clone(&tally), args.source, args.delay, counter));
    Ok(Outcome { value: tally.close(), worker_threads: threads })
}
