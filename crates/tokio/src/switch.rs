//! tokio, switch: K tasks in a ring pass one token for M laps. A hop is one task waking the
//! next: no thread blocks, the worker that sent just polls the task it woke, often at once
//! (tokio's LIFO slot keeps a freshly woken task on the waking worker).

use anyhow::{Context, Result};
use avt_common::switch::{ring, token_bytes, token_from};
use avt_common::{Clock, Laps, Outcome, Switch, Variant, Via};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixStream;
use tokio::runtime::Builder;
use tokio::sync::mpsc::{Receiver, Sender, channel};
use tokio::task::JoinSet;

/// The ways this crate runs the ring, its right way first.
pub const VARIANTS: &[Variant] = &[
    Variant {
        name: "multi-thread",
        about: "K tasks on a multi-thread runtime of T workers (tokio's default)",
    },
    Variant {
        name: "current-thread",
        about: "K tasks on one thread: every hop is a task switch, never a thread wake",
    },
];

/// A member of the ring: passes the token on, one more, until its inbox closes.
async fn pass_on(mut inbox: Receiver<u64>, next: Sender<u64>) {
    // `recv` parks this task until the member before it sends: the wait; `send` wakes the
    // next member: the wake.
    while let Some(token) = inbox.recv().await {
        if next.send(token + 1).await.is_err() {
            break;
        }
    }
}

/// The ring's first member: starts the token and times each lap as it comes back.
async fn lead(mut inbox: Receiver<u64>, next: Sender<u64>, mut clock: Clock) -> Result<Laps> {
    let mut token = 0;
    while clock.next_lap() {
        next.send(token + 1).await.context("the ring broke")?;
        token = inbox.recv().await.context("the ring broke")?;
    }
    Ok(clock.finish(token)) // dropping `next` closes the ring: each member ends in turn
}

/// The ring over tokio's mpsc channels (capacity 1: only one token is ever in flight).
async fn channel_ring(workers: usize, clock: Clock) -> Result<Laps> {
    let mut members = ring(workers, || Ok(channel(1)))?.into_iter();
    let (inbox, next) = members.next().context("a ring has a member")?;
    let mut set = JoinSet::new();
    for (inbox, next) in members {
        // One task per member: each waits on its own inbox, and costs no thread.
        set.spawn(pass_on(inbox, next));
    }
    // The lead is a task too, so every hop is one worker waking a task (block_on would run
    // it on this thread, outside the workers, and add a thread wake to every lap).
    let laps = tokio::spawn(lead(inbox, next, clock)).await??;
    set.join_all().await;
    Ok(laps)
}

/// A member of the pipe ring: reads the token from one socket, writes it one more to the
/// next, until the member before it closes its end.
async fn pass_on_pipe(mut inbox: UnixStream, mut next: UnixStream) -> Result<()> {
    let mut token = [0; 8];
    // The read waits for readiness (epoll), so the task is parked, not the worker.
    while inbox.read_exact(&mut token).await.is_ok() {
        next.write_all(&token_bytes(token_from(token) + 1)).await?;
    }
    Ok(())
}

/// The pipe ring's first member: starts the token and times each lap.
async fn lead_pipe(mut inbox: UnixStream, mut next: UnixStream, mut clock: Clock) -> Result<Laps> {
    let (mut token, mut bytes) = (0, [0; 8]);
    while clock.next_lap() {
        next.write_all(&token_bytes(token + 1)).await?;
        inbox.read_exact(&mut bytes).await.context("the ring broke")?;
        token = token_from(bytes);
    }
    Ok(clock.finish(token))
}

/// The ring over a Unix socket pair per hop, read and written with tokio's own I/O.
async fn pipe_ring(workers: usize, clock: Clock) -> Result<Laps> {
    let mut members = ring(workers, UnixStream::pair)?.into_iter();
    let (inbox, next) = members.next().context("a ring has a member")?;
    let mut set = JoinSet::new();
    for (inbox, next) in members {
        set.spawn(pass_on_pipe(inbox, next));
    }
    let laps = tokio::spawn(lead_pipe(inbox, next, clock)).await??;
    for member in set.join_all().await {
        member?;
    }
    Ok(laps)
}

/// The switch example: the ring, as the variant and `--via` ask.
pub fn switch(args: &Switch) -> Result<Outcome<Laps>> {
    let rt = match args.variant {
        "current-thread" => Builder::new_current_thread().enable_all().build()?,
        _ => crate::runtime(args.threads)?,
    };
    let (workers, clock) = (args.workers, args.clock());
    let laps = rt.block_on(async {
        match args.via {
            Via::Channel => channel_ring(workers, clock).await,
            Via::Pipe => pipe_ring(workers, clock).await,
        }
    })?;
    Ok(Outcome { value: laps, worker_threads: rt.metrics().num_workers() })
}
