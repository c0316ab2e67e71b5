//! smol, cancel: N fetches under one deadline; keep the results done by then, give up the
//! rest. The right way first (`task.cancel().await`), then the mistake: `.detach()`.

use std::io;
use std::sync::Arc;
use std::thread;
use std::time::Instant;

use anyhow::Result;
use avt_common::{Cancel, Kept, Outcome, Source, Variant, all_fetched};
use smol::{Executor, Timer, channel, future};

/// The ways this crate runs the cancel example, its right way first.
pub const VARIANTS: &[Variant] = &[
    Variant {
        name: "cancel",
        about: "task.cancel().await past the deadline: each slow task is dropped, its socket \
                closed, before the call returns",
    },
    Variant {
        name: "detached",
        about: "mistake: .detach() past the deadline: a detached task runs on to its end, \
                holding its socket",
    },
];

/// Waits for `task` until `deadline`: its output, or None once the deadline has passed.
async fn until<T>(deadline: Instant, task: &mut smol::Task<T>) -> Option<T> {
    // `or` polls the task first, so one that has ended is kept even after the deadline.
    future::or(async { Some(task.await) }, async {
        Timer::at(deadline).await;
        None
    })
    .await
}

/// The right way: one task per fetch on `ex`; keep the results that end by `deadline`, and
/// cancel the rest.
async fn fetch_until<F>(
    ex: &Executor<'static>,
    deadline: Instant,
    tasks: usize,
    fetch: impl Fn(usize) -> F,
) -> Vec<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    // One task per fetch, so that they all wait at once.
    let handles: Vec<_> = (0..tasks).map(|id| ex.spawn(fetch(id))).collect();
    let mut done = Vec::with_capacity(tasks);
    for mut task in handles {
        match until(deadline, &mut task).await {
            Some(result) => done.push(result),
            // Past the deadline: cancel it and wait until it is dropped (its socket closed).
            // Dropping the Task would cancel it too, but only when an executor thread next
            // runs it; `cancel().await` returns once it is gone.
            None => drop(task.cancel().await),
        }
    }
    done
}

/// `detached`, the mistake: the same, but a task still running at the deadline is
/// detached: it runs on to its end, holding its socket, long after nobody wants it.
async fn fetch_detached<F>(
    ex: &Executor<'static>,
    deadline: Instant,
    tasks: usize,
    fetch: impl Fn(usize) -> F,
) -> Vec<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = (0..tasks).map(|id| ex.spawn(fetch(id))).collect();
    let mut done = Vec::with_capacity(tasks);
    for mut task in handles {
        match until(deadline, &mut task).await {
            Some(result) => done.push(result),
            None => task.detach(),
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
    let ex = Arc::new(crate::executor(args.threads)?);
    // T threads run the executor's tasks, and go on running them after the return (a
    // detached task runs only while some thread runs the executor), until `stop` is dropped.
    let (stop, stopped) = channel::unbounded::<()>();
    for _ in 0..args.threads {
        let (ex, stopped) = (Arc::clone(&ex), stopped.clone());
        thread::Builder::new().spawn(move || smol::block_on(ex.run(stopped.recv())))?;
    }
    let (deadline, tasks) = (args.deadline_at(), args.tasks);
    let fetch_one = |id| {
        let args = args.clone();
        async move { fetch(id, &args).await }
    };
    let results = match args.variant {
        "detached" => smol::block_on(fetch_detached(&ex, deadline, tasks, fetch_one)),
        _ => smol::block_on(fetch_until(&ex, deadline, tasks, fetch_one)),
    };
    let ids = all_fetched(results)?;
    let kept = Kept { ids, stops: args.variant == VARIANTS[0].name, hold: Some(Box::new(stop)) };
    Ok(Outcome { value: kept, worker_threads: args.threads })
}
