//! The mixed example on std threads: every request gets its own OS thread, which fetches and
//! then counts its primes right there.
//!
//! Not bounded, on purpose: this is the thread model. The kernel is the scheduler, and it
//! shares the cores fairly among however many threads are counting at once, so no request
//! waits in a queue behind others: with a few dozen in flight (R × (D + the count)) that is
//! cheap. What it cannot do is hold thousands in flight: every thread costs a stack and a
//! kernel task.

use std::sync::{Arc, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use avt_common::{Completions, Mixed, Outcome, Source, Tally, Variant, count_primes_in, limits};

/// The ways this crate runs the mixed example, its right way first.
pub const VARIANTS: &[Variant] = &[Variant {
    name: "thread-per-request",
    about: "one OS thread per request fetches, then counts; the kernel shares the cores",
}];

/// One request on its own thread: fetch, then count its primes.
fn handle(id: usize, tally: &Tally, source: Source, delay: Duration) {
    let fetched = match source {
        Source::Sleep => Ok(crate::io::fetch(id, delay, false)),
        Source::Tcp { server, timeout } => crate::io::fetch_tcp(id, server, delay, timeout, false),
    };
    if tally.expired() {
        return; // late anyway: don't spend CPU on it
    }
    // Counting blocks only this thread: the kernel runs the others meanwhile.
    let count = fetched.map(|_| count_primes_in(tally.numbers(id)));
    tally.finish(id, count);
}

/// The wake probe, beside the requests: a thread sends the time into this channel every period,
/// and this thread records how long after each send the kernel woke it. The reference: no
/// runtime stands between the wake and the run.
fn wake_probe(tally: &Tally, woken: mpsc::Receiver<Instant>) {
    for sent in woken {
        tally.woke(sent);
    }
}

/// Starts a thread for each request at its due time, then waits for them all or the deadline.
fn serve(tally: &Arc<Tally>, source: Source, delay: Duration) -> Result<()> {
    let (done, finished) = mpsc::channel();
    for id in 0..tally.requests() {
        // Open loop: wait for this request's due time, never for the requests before it.
        thread::sleep(tally.due(id).saturating_duration_since(Instant::now()));
        if tally.expired() {
            break;
        }
        let (mine, done) = (Arc::clone(tally), done.clone());
        // One thread per request, not joined: one still running at the deadline is late, and
        // ends with the process. `Builder` returns the OS's refusal where `spawn` would panic.
        let started = thread::Builder::new().spawn(move || {
            handle(id, &mine, source, delay);
            let _ = done.send(());
        });
        if let Err(e) = started {
            return Err(limits::thread_limit_hit(id, tally.requests(), e));
        }
    }
    drop(done);
    // Each thread says when it is done; this ends when all have (every sender is gone) or at
    // the deadline.
    while finished.recv_timeout(tally.deadline().saturating_duration_since(Instant::now())).is_ok()
    {
    }
    Ok(())
}

pub fn mixed(args: &Mixed) -> Result<Outcome<Completions>> {
    let tally = Tally::start(args)?;
    let (send, woken) = mpsc::channel();
    if tally.send_wakes(move |sent| send.send(sent).is_ok())? {
        let mine = Arc::clone(&tally);
        // Not joined: it ends when the run does (the sender stops) or with the process.
        let started = thread::Builder::new().spawn(move || wake_probe(&mine, woken));
        started.context("cannot start the wake probe's receiving thread")?;
    }
    serve(&tally, args.source, args.delay)?;
    Ok(Outcome { value: tally.close(), worker_threads: args.requests })
}
