//! The mixed example on smol: each request is a task on the `Executor` that fetches, then
//! hands its counting to `unblock`, at most T counts at a time (`smol::lock::Semaphore`).
//! Without the bound `unblock`'s pool would grow a thread per waiting count, up to 500.

use std::io;
use std::ops::Range;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;
use avt_common::{Completions, Mixed, Outcome, Source, Tally, Variant, count_primes_in};
use smol::channel::{Receiver, unbounded};
use smol::lock::Semaphore;
use smol::{Executor, Timer, future, unblock};

/// The ways this crate runs the mixed example, its right way first.
pub const VARIANTS: &[Variant] = &[
    Variant {
        name: "unblock",
        about: "fetch on the executor, count with unblock under a Semaphore of T",
    },
    Variant {
        name: "cpu-inline",
        about: "count on the executor thread itself: while it counts, the timers and fetches \
                queued on that thread wait",
    },
    Variant {
        name: "current-thread",
        about: "one thread runs the executor, as asyncio: each count stops every other request",
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
    Ok(unblock(move || count_primes_in(numbers)).await)
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

/// Starts each request as a task on `ex` at its due time, and waits for them all or the
/// deadline.
async fn serve(
    ex: &Executor<'_>,
    tally: Arc<Tally>,
    source: Source,
    delay: Duration,
    counter: Counter,
) {
    let requests = async {
        let mut tasks = Vec::with_capacity(tally.requests());
        for id in 0..tally.requests() {
            // Open loop: each request arrives at its due time, whether or not the ones before
            // it are done.
            Timer::at(tally.due(id)).await;
            // One task per request, so the waits of all requests in flight overlap.
            tasks.push(ex.spawn(handle(id, Arc::clone(&tally), source, delay, counter.clone())));
        }
        for task in tasks {
            task.await;
        }
    };
    let deadline = async {
        Timer::at(tally.deadline()).await;
    };
    // At the deadline the tasks are dropped, which cancels them (a dropped smol `Task` is
    // cancelled; a count already in `unblock` runs to its end).
    future::or(requests, deadline).await;
}

pub fn mixed(args: &Mixed) -> Result<Outcome<Completions>> {
    let ex = crate::executor(args.threads)?;
    let tally = Tally::start(args)?;
    // An unbounded channel: the sending thread must never wait for the executor it measures.
    let (send, woken) = unbounded();
    if tally.send_wakes(move |sent| send.try_send(sent).is_ok())? {
        // Detached: it runs on `ex` beside the requests until the run ends.
        ex.spawn(wake_probe(Arc::clone(&tally), woken)).detach();
    }
    let (source, delay) = (args.source, args.delay);
    let threads = match args.variant {
        "unblock" => {
            let cpu = Counter::Blocking(Arc::new(Semaphore::new(args.threads)));
            let serving = serve(&ex, Arc::clone(&tally), source, delay, cpu);
            crate::block_on_threads(&ex, args.threads, serving);
            args.threads
        }
        "current-thread" => {
            // This thread alone runs the executor: `ex.run` polls the tasks while it waits.
            let serving = serve(&ex, Arc::clone(&tally), source, delay, Counter::Inline);
            smol::block_on(ex.run(serving));
            1
        }
        _ => {
            // cpu-inline: T threads run the executor, and each counts where it stands.
            let serving = serve(&ex, Arc::clone(&tally), source, delay, Counter::Inline);
            crate::block_on_threads(&ex, args.threads, serving);
            args.threads
        }
    };
    Ok(Outcome { value: tally.close(), worker_threads: threads })
}
