//! std threads, io: fetch N URLs, all in flight at once, one OS thread per fetch.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::thread;
use std::time::Duration;

use anyhow::Result;
use avt_common::{Io, Outcome, Source, Variant, all_fetched, http, limits, say, url};

use crate::with_ticker;

/// The ways this crate runs the io example, its right way first.
pub const VARIANTS: &[Variant] = &[Variant {
    name: "thread-per-fetch",
    about: "one OS thread per fetch in a thread::scope; each waits in the kernel",
}];

/// The article's `fetch_data`: one simulated fetch, blocking its thread while it waits.
pub(crate) fn fetch(id: usize, delay: Duration, log: bool) -> usize {
    if log {
        // `say!` is `println!` minus the panic when stdout is a closed pipe or a full disk.
        say!("Fetching data from {}", url(id));
    }
    thread::sleep(delay);
    if log {
        say!("Data fetched from {}", url(id));
    }
    id
}

/// The same fetch over a real socket: a blocking HTTP GET to the delay server on `std::net`,
/// holding this thread until the answer comes (after `delay`). Fails if connecting or a read
/// stalls longer than `limit`.
pub(crate) fn fetch_tcp(
    id: usize,
    server: SocketAddr,
    delay: Duration,
    limit: Duration,
    log: bool,
) -> io::Result<usize> {
    if log {
        say!("Fetching data from {}", http::url(server, id));
    }
    let mut stream = TcpStream::connect_timeout(&server, limit)?;
    stream.set_read_timeout(Some(limit))?;
    stream.set_write_timeout(Some(limit))?;
    stream.write_all(http::request(server, id, delay).as_bytes())?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    let id = http::check_response(&response, id)?;
    if log {
        say!("Data fetched from {}", http::url(server, id));
    }
    Ok(id)
}

/// Runs `fetch(id)` for ids `0..tasks` concurrently, one OS thread each; returns their
/// results. At the OS thread limit it stops spawning, waits for the threads already started,
/// and fails naming the limit.
fn fetch_all<T: Send>(tasks: usize, fetch: impl Fn(usize) -> T + Sync) -> Result<Vec<T>> {
    let room = limits::thread_room();
    let fetch = &fetch;
    thread::scope(|s| {
        let mut threads = Vec::with_capacity(tasks.min(room.threads));
        for id in 0..tasks {
            // Past vm.max_map_count or the address-space limit a new thread finds no room
            // for its signal stack and std aborts the process, so stop short of both,
            // leaving room for threads that have not run yet. (Leaving the scope joins them.)
            if threads.len() == room.threads {
                return Err(limits::thread_limit_hit(room.threads, tasks, room.limit));
            }
            // One thread per fetch: while one waits the kernel runs the others, so the waits
            // overlap. `Builder` returns the OS's refusal where `s.spawn` would panic.
            match thread::Builder::new().spawn_scoped(s, move || fetch(id)) {
                Ok(thread) => threads.push(thread),
                Err(e) => return Err(limits::thread_limit_hit(threads.len(), tasks, e)),
            }
        }
        Ok(threads.into_iter().map(|t| t.join().expect("a fetch thread panicked")).collect())
    })
}

/// Runs the io example, with the ticker thread beside it.
pub fn run(args: &Io) -> Result<Outcome<Vec<usize>>> {
    let (tasks, delay, log) = (args.tasks, args.delay, args.log);
    let ids = with_ticker(args.ticker.as_ref(), || match args.source {
        Source::Sleep => fetch_all(tasks, |id| fetch(id, delay, log)),
        Source::Tcp { server, timeout } => {
            limits::ensure_open_files(tasks)?; // every fetch holds a socket at once
            all_fetched(fetch_all(tasks, |id| fetch_tcp(id, server, delay, timeout, log))?)
        }
    })?;
    Ok(Outcome { value: ids, worker_threads: tasks })
}
