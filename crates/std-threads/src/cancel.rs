//! std threads, cancel: N fetches under one deadline; keep the results done by then, give up
//! the rest. A thread cannot be stopped from outside: it must be woken. The right way first
//! (the caller keeps a clone of every socket and shuts them down at the deadline; a sleep
//! waits on a `Condvar` it can be woken from), then the mistake: `detached`.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::{Condvar, Mutex, PoisonError, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::Result;
use avt_common::{Cancel, Kept, Outcome, Source, Variant, all_fetched, http};

/// The ways this crate runs the cancel example, its right way first.
pub const VARIANTS: &[Variant] = &[
    Variant {
        name: "shutdown",
        about: "a thread per fetch; at the deadline the caller shuts down its clone of every \
                socket (and wakes every sleep), which ends each blocked read at once",
    },
    Variant {
        name: "detached",
        about: "mistake: a thread per fetch, left to run at the deadline: each slow thread \
                holds its socket until its answer comes",
    },
];

/// A stop signal that wakes every sleeping fetch at once.
#[derive(Default)]
struct Stop {
    stopped: Mutex<bool>,
    wake: Condvar,
}

impl Stop {
    /// Sleeps for `delay`, or until `stop`; true if it slept the whole delay.
    fn sleep(&self, delay: Duration) -> bool {
        let stopped = self.stopped.lock().unwrap_or_else(PoisonError::into_inner);
        let (stopped, _) = self
            .wake
            .wait_timeout_while(stopped, delay, |stopped| !*stopped)
            .unwrap_or_else(PoisonError::into_inner);
        !*stopped
    }

    /// Wakes every sleep, now and later.
    fn stop(&self) {
        *self.stopped.lock().unwrap_or_else(PoisonError::into_inner) = true;
        self.wake.notify_all();
    }
}

/// The request on a socket already connected: write, read the whole answer, check it.
fn get(mut stream: TcpStream, server: SocketAddr, id: usize, delay: Duration) -> io::Result<usize> {
    stream.write_all(http::request(server, id, delay).as_bytes())?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    http::check_response(&response, id)
}

/// The right way: one thread per fetch; keep the results that end by the deadline, then
/// wake every thread still waiting so that it ends, and join them all.
fn fetch_until(args: &Cancel) -> Vec<io::Result<usize>> {
    let stop = Stop::default();
    let (sent, results) = mpsc::channel();
    let mut sockets = Vec::new();
    thread::scope(|s| {
        for id in 0..args.tasks {
            let (sent, delay, stop) = (sent.clone(), args.delay(id), &stop);
            let running = args.fetches.start_one();
            match args.source {
                // One thread per fetch: while one waits the kernel runs the others.
                Source::Sleep => s.spawn(move || {
                    if stop.sleep(delay) {
                        let _ = sent.send(Ok(running.end(id)));
                    }
                }),
                Source::Tcp { server, timeout } => {
                    // The caller connects, and keeps a clone of the socket to shut it down.
                    let stream = TcpStream::connect_timeout(&server, timeout);
                    let stream = match stream.and_then(|st| Ok((st.try_clone()?, st))) {
                        Ok((mine, stream)) => {
                            sockets.push(mine);
                            stream
                        }
                        Err(e) => {
                            let _ = sent.send(Err(e));
                            continue;
                        }
                    };
                    s.spawn(move || {
                        let _ = sent.send(get(stream, server, id, delay).map(|id| running.end(id)));
                    })
                }
            };
        }
        drop(sent);
        let mut done = Vec::with_capacity(args.tasks);
        let deadline = args.deadline_at();
        while let Ok(result) =
            results.recv_timeout(deadline.saturating_duration_since(Instant::now()))
        {
            done.push(result);
        }
        // Give up the rest. Shutting a socket down ends a read blocked on it at once, in
        // whichever thread: a read timeout would end it only when its own timer ran out,
        // and one short enough to meet the deadline would fail reads that are merely slow.
        stop.stop();
        for socket in &sockets {
            let _ = socket.shutdown(Shutdown::Both);
        }
        done
        // Leaving the scope joins every thread: each has been woken, and ends now.
    })
}

/// `detached`, the mistake: one thread per fetch, not joined; at the deadline the caller
/// stops waiting and returns, and each slow thread waits on, holding its socket, until its
/// answer comes. Nothing outside a thread can stop it.
fn fetch_detached(args: &Cancel) -> Result<Vec<io::Result<usize>>> {
    let (sent, results) = mpsc::channel();
    for id in 0..args.tasks {
        let (sent, args) = (sent.clone(), args.clone());
        thread::Builder::new().spawn(move || {
            let running = args.fetches.start_one();
            let delay = args.delay(id);
            let fetched = match args.source {
                Source::Sleep => Ok(crate::io::fetch(id, delay, false)),
                Source::Tcp { server, timeout } => {
                    crate::io::fetch_tcp(id, server, delay, timeout, false)
                }
            };
            let _ = sent.send(fetched.map(|id| running.end(id)));
        })?;
    }
    drop(sent);
    let mut done = Vec::with_capacity(args.tasks);
    let deadline = args.deadline_at();
    while let Ok(result) = results.recv_timeout(deadline.saturating_duration_since(Instant::now()))
    {
        done.push(result);
    }
    Ok(done)
}

/// Runs the cancel example the way `args.variant` says, returning at the deadline.
pub fn cancel(args: &Cancel) -> Result<Outcome<Kept>> {
    let results = match args.variant {
        "detached" => fetch_detached(args)?,
        _ => fetch_until(args),
    };
    let ids = all_fetched(results)?;
    // OS threads run on by themselves: there is nothing to hold.
    let kept = Kept { ids, stops: args.variant == VARIANTS[0].name, hold: None };
    Ok(Outcome { value: kept, worker_threads: args.tasks })
}
