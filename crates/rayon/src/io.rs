//! rayon, io: fetch N URLs with `par_iter`, the wrong tool, shown on purpose: a waiting
//! fetch holds its pool thread.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::thread;
use std::time::Duration;

use anyhow::Result;
use avt_common::{Io, Outcome, Source, Variant, all_fetched, http, limits, say, url};
use rayon::ThreadPool;
use rayon::prelude::*;

use crate::{pool, with_ticker};

/// The ways this crate runs the io example, its right way first.
pub const VARIANTS: &[Variant] = &[Variant {
    name: "par-iter",
    about: "par_iter in a pool of T threads: a waiting fetch holds its thread (the wrong tool)",
}];

/// The article's `fetch_data`: one simulated fetch, blocking its pool thread while it waits.
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

/// The same fetch over a real socket: a blocking HTTP GET to the delay server on `std::net`
/// (rayon has no I/O of its own), holding its pool thread until the answer comes. Fails if
/// connecting or a read stalls longer than `limit`.
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

/// Runs `fetch(id)` for ids `0..tasks` on the pool, T at a time; returns their results.
fn fetch_all<T: Send>(
    pool: &ThreadPool,
    tasks: usize,
    fetch: impl Fn(usize) -> T + Sync + Send,
) -> Vec<T> {
    // A waiting rayon thread cannot run anything else, so at most T fetches wait at once.
    // `with_max_len(1)` makes each fetch its own job, so no thread idles while any remain.
    pool.install(|| (0..tasks).into_par_iter().with_max_len(1).map(fetch).collect())
}

/// Runs the io example, with the ticker thread beside the pool.
pub fn run(args: &Io) -> Result<Outcome<Vec<usize>>> {
    let pool = pool(args.threads)?;
    let (tasks, delay, log) = (args.tasks, args.delay, args.log);
    let ids = with_ticker(args.ticker.as_ref(), || match args.source {
        Source::Sleep => Ok(fetch_all(&pool, tasks, |id| fetch(id, delay, log))),
        Source::Tcp { server, timeout } => {
            // Only T fetches, so T sockets, at once.
            limits::ensure_open_files(pool.current_num_threads().min(tasks))?;
            all_fetched(fetch_all(&pool, tasks, |id| fetch_tcp(id, server, delay, timeout, log)))
        }
    })?;
    Ok(Outcome { value: ids, worker_threads: pool.current_num_threads() })
}
