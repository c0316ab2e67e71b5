//! std threads, switch: K OS threads in a ring pass one token for M laps. A hop is one thread
//! blocking in the kernel and waking the next: a real context switch, or, where the two run
//! on different CPUs, a cross-CPU wake-up. Each thread has std's default 2 MiB stack (the
//! anchor, jimblandy/context-switch, used 1 MiB); RUST_MIN_STACK changes it.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread;

use anyhow::{Context, Result};
use avt_common::switch::{ring, token_bytes, token_from};
use avt_common::{Clock, Laps, Outcome, Switch, Variant, Via, limits};

/// The ways this crate runs the ring.
pub const VARIANTS: &[Variant] = &[Variant {
    name: "threads",
    about: "one OS thread per member (std's default 2 MiB stack), blocking in the kernel",
}];

/// A member of the ring: passes the token on, one more, until its inbox closes.
fn pass_on(inbox: Receiver<u64>, next: SyncSender<u64>) {
    // `recv` blocks this thread in the kernel until the member before it sends: the wait;
    // `send` wakes the next thread: the wake.
    for token in inbox {
        if next.send(token + 1).is_err() {
            break;
        }
    }
}

/// The ring's first member: starts the token and times each lap as it comes back.
fn lead(inbox: Receiver<u64>, next: SyncSender<u64>, mut clock: Clock) -> Result<Laps> {
    let mut token = 0;
    while clock.next_lap() {
        next.send(token + 1).context("the ring broke")?;
        token = inbox.recv().context("the ring broke")?;
    }
    Ok(clock.finish(token)) // dropping `next` closes the ring: each member ends in turn
}

/// A member of the pipe ring: reads the token from one socket, writes it one more to the
/// next, until the member before it closes its end.
fn pass_on_pipe(mut inbox: UnixStream, mut next: UnixStream) -> Result<()> {
    let mut token = [0; 8];
    // A blocking read: the thread sleeps in the kernel until the byte arrives.
    while inbox.read_exact(&mut token).is_ok() {
        next.write_all(&token_bytes(token_from(token) + 1))?;
    }
    Ok(())
}

/// The pipe ring's first member: starts the token and times each lap.
fn lead_pipe(mut inbox: UnixStream, mut next: UnixStream, mut clock: Clock) -> Result<Laps> {
    let (mut token, mut bytes) = (0, [0; 8]);
    while clock.next_lap() {
        next.write_all(&token_bytes(token + 1))?;
        inbox.read_exact(&mut bytes).context("the ring broke")?;
        token = token_from(bytes);
    }
    Ok(clock.finish(token))
}

/// Runs the ring's members on one scoped thread each, the lead on this one; at the OS thread
/// limit it closes the ring (the started members end) and fails naming the limit.
fn on_threads<R: Send, S: Send>(
    members: Vec<(R, S)>,
    pass_on: impl Fn(R, S) + Sync,
    lead: impl FnOnce(R, S) -> Result<Laps>,
) -> Result<Laps> {
    let (workers, room) = (members.len(), limits::thread_room());
    if workers > room.threads {
        return Err(limits::thread_limit_hit(0, workers, room.limit));
    }
    let mut members = members.into_iter();
    let (inbox, next) = members.next().context("a ring has a member")?;
    let pass_on = &pass_on;
    thread::scope(|s| {
        for (started, (inbox, next)) in members.enumerate() {
            // One thread per member: each blocks on its own inbox. `Builder` returns the OS's
            // refusal where `s.spawn` would panic.
            if let Err(e) = thread::Builder::new().spawn_scoped(s, move || pass_on(inbox, next)) {
                return Err(limits::thread_limit_hit(started + 1, workers, e));
            }
        }
        // The lead runs here: this thread is a member like the others.
        lead(inbox, next)
    })
}

/// The switch example: the ring over std's mpsc channels or a Unix socket pair per hop.
pub fn switch(args: &Switch) -> Result<Outcome<Laps>> {
    let (workers, clock) = (args.workers, args.clock());
    let laps = match args.via {
        Via::Channel => {
            // Capacity 1: only one token is ever in flight.
            let members = ring(workers, || Ok(sync_channel(1)))?;
            on_threads(members, pass_on, |inbox, next| lead(inbox, next, clock))?
        }
        Via::Pipe => {
            let members = ring(workers, UnixStream::pair)?;
            let pass_on = |inbox, next| {
                let _ = pass_on_pipe(inbox, next); // a broken ring fails at the lead
            };
            on_threads(members, pass_on, |inbox, next| lead_pipe(inbox, next, clock))?
        }
    };
    Ok(Outcome { value: laps, worker_threads: workers })
}
