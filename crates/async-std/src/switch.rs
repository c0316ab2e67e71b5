//! async-std, switch: K tasks in a ring pass one token for M laps. A hop is one task waking
//! the next on async-std's executor threads; no thread blocks. async-std is discontinued
//! upstream in favour of smol (RUSTSEC-2025-0052); its channel is async-channel, as smol's.

use anyhow::{Context, Result};
use async_std::channel::{Receiver, Sender, bounded};
use async_std::io::{ReadExt, WriteExt};
use async_std::os::unix::net::UnixStream;
use async_std::task;
use avt_common::switch::{ring, token_bytes, token_from};
use avt_common::{Clock, Laps, Outcome, Switch, Variant, Via};

/// The ways this crate runs the ring, its right way first.
pub const VARIANTS: &[Variant] = &[
    Variant {
        name: "multi-thread",
        about: "K tasks on async-std's executor of T threads (its default: one per CPU)",
    },
    Variant {
        name: "current-thread",
        about: "K tasks on one executor thread: every hop is a task switch, never a thread wake",
    },
];

/// A member of the ring: passes the token on, one more, until its inbox closes.
async fn pass_on(inbox: Receiver<u64>, next: Sender<u64>) {
    // `recv` parks this task until the member before it sends: the wait; `send` wakes the
    // next member: the wake.
    while let Ok(token) = inbox.recv().await {
        if next.send(token + 1).await.is_err() {
            break;
        }
    }
}

/// The ring's first member: starts the token and times each lap as it comes back.
async fn lead(inbox: Receiver<u64>, next: Sender<u64>, mut clock: Clock) -> Result<Laps> {
    let mut token = 0;
    while clock.next_lap() {
        next.send(token + 1).await.context("the ring broke")?;
        token = inbox.recv().await.context("the ring broke")?;
    }
    Ok(clock.finish(token)) // dropping `next` closes the ring: each member ends in turn
}

/// The ring over async-channel's bounded channels (capacity 1: one token in flight).
async fn channel_ring(workers: usize, clock: Clock) -> Result<Laps> {
    let mut members = ring(workers, || Ok(bounded(1)))?.into_iter();
    let (inbox, next) = members.next().context("a ring has a member")?;
    // One task per member: each waits on its own inbox, and costs no thread.
    let handles: Vec<_> = members.map(|(inbox, next)| task::spawn(pass_on(inbox, next))).collect();
    // The lead is a task too, so every hop is an executor thread waking a task (block_on
    // would run it on this thread, outside the executor, and add a thread wake to every lap).
    let laps = task::spawn(lead(inbox, next, clock)).await?;
    for handle in handles {
        handle.await;
    }
    Ok(laps)
}

/// A member of the pipe ring: reads the token from one socket, writes it one more to the
/// next, until the member before it closes its end.
async fn pass_on_pipe(mut inbox: UnixStream, mut next: UnixStream) -> Result<()> {
    let mut token = [0; 8];
    // The read waits for readiness (async-io's epoll), so the task is parked, not the thread.
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

/// The ring over a Unix socket pair per hop, read and written with async-std's own I/O.
async fn pipe_ring(workers: usize, clock: Clock) -> Result<Laps> {
    let mut members = ring(workers, UnixStream::pair)?.into_iter();
    let (inbox, next) = members.next().context("a ring has a member")?;
    let handles: Vec<_> =
        members.map(|(inbox, next)| task::spawn(pass_on_pipe(inbox, next))).collect();
    let laps = task::spawn(lead_pipe(inbox, next, clock)).await?;
    for handle in handles {
        handle.await?;
    }
    Ok(laps)
}

/// The switch example: the ring, as the variant and `--via` ask.
pub fn switch(args: &Switch) -> Result<Outcome<Laps>> {
    let threads = if args.variant == "current-thread" { 1 } else { args.threads };
    crate::set_executor_threads(threads)?;
    let (workers, clock) = (args.workers, args.clock());
    let laps = task::block_on(async {
        match args.via {
            Via::Channel => channel_ring(workers, clock).await,
            Via::Pipe => pipe_ring(workers, clock).await,
        }
    })?;
    Ok(Outcome { value: laps, worker_threads: threads })
}
