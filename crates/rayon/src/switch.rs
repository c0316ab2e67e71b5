//! rayon, switch: a ring of K jobs that block, in a pool of T threads. rayon's jobs are meant
//! to run to the end, never to wait on each other: a job blocked in `recv` holds its pool
//! thread, so with K > T the members that would pass the token on never start, and the ring
//! deadlocks on its first lap. That is shown honestly: the watchdog reports it (exit 1). With
//! K <= T every member has a thread and the ring runs, as K OS threads would.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use anyhow::{Context, Result};
use avt_common::switch::{BLOCKING_JOBS, ring, token_bytes, token_from};
use avt_common::{Clock, Laps, Outcome, Switch, Variant, Via};
use rayon::ThreadPool;

/// The ways this crate runs the ring: only the one that shows why it does not fit rayon.
pub const VARIANTS: &[Variant] = &[Variant {
    name: BLOCKING_JOBS,
    about: "one job per member, blocking its pool thread while it waits: with K > T the ring \
            deadlocks (caught by a watchdog), since a job never yields its thread",
}];

/// A member of the ring: passes the token on, one more, until its inbox closes.
fn pass_on(inbox: Receiver<u64>, next: SyncSender<u64>) {
    // `recv` blocks the pool thread itself: rayon cannot run another job on it meanwhile.
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

/// A member of the pipe ring: a blocking read, then a write to the next member.
fn pass_on_pipe(mut inbox: UnixStream, mut next: UnixStream) {
    let mut token = [0; 8];
    while inbox.read_exact(&mut token).is_ok() {
        if next.write_all(&token_bytes(token_from(token) + 1)).is_err() {
            break; // a broken ring fails at the lead
        }
    }
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

/// Runs every member of the ring as a job in `pool`, and waits for them all.
fn in_pool<R: Send, S: Send>(
    pool: &ThreadPool,
    members: Vec<(R, S)>,
    pass_on: impl Fn(R, S) + Sync,
    lead: impl FnOnce(R, S) -> Result<Laps> + Send,
) -> Result<Laps> {
    let mut members = members.into_iter();
    let (inbox, next) = members.next().context("a ring has a member")?;
    let (pass_on, mut laps) = (&pass_on, None);
    let laps_slot = &mut laps;
    // The scope waits for every job; with K > T it never ends (the watchdog does).
    pool.in_place_scope(|s| {
        s.spawn(move |_| *laps_slot = Some(lead(inbox, next)));
        for (inbox, next) in members {
            // One job per member: it holds a pool thread for as long as the ring runs.
            s.spawn(move |_| pass_on(inbox, next));
        }
    });
    laps.context("the lead job never ran")?
}

/// The switch example: the ring as K blocking jobs in a pool of T threads.
pub fn switch(args: &Switch) -> Result<Outcome<Laps>> {
    let pool = crate::pool(args.threads)?;
    let (workers, clock) = (args.workers, args.clock());
    let laps = match args.via {
        Via::Channel => {
            // Capacity 1: only one token is ever in flight.
            let members = ring(workers, || Ok(sync_channel(1)))?;
            in_pool(&pool, members, pass_on, |inbox, next| lead(inbox, next, clock))?
        }
        Via::Pipe => {
            let members = ring(workers, UnixStream::pair)?;
            in_pool(&pool, members, pass_on_pipe, |inbox, next| lead_pipe(inbox, next, clock))?
        }
    };
    Ok(Outcome { value: laps, worker_threads: pool.current_num_threads() })
}
