//! The delay server: the io example's real network peer. `GET /fetch/<id>?delay_ms=D`
//! answers `{"id":<id>}` with status 200 after D ms; anything else gets 400, 404 or 405 with
//! the reason. Every connection is a tokio task served by hyper, so the server waits on
//! tens of thousands of connections at once on a few threads. A connection that sends no
//! whole request head within the header timeout (silent, half a head, or idle between
//! keep-alive requests) is closed, so it cannot hold a file descriptor forever.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::{TcpListener, TcpSocket};

/// The longest delay a request may ask for.
pub const MAX_DELAY: Duration = Duration::from_secs(3600);

/// How long a shutdown waits for answers still in flight.
const GRACE: Duration = Duration::from_secs(5);

/// How long a connection may take to send a whole request head by default
/// (`--header-timeout-ms`). Every client of this server sends its request as soon as it has
/// connected, so 10 s is generous; a connection still silent by then only holds a file
/// descriptor that others need.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// Binds 127.0.0.1:`port` (0: any free port) with a listen backlog deep enough for
/// thousands of clients connecting at the same moment.
pub fn bind(port: u16) -> io::Result<TcpListener> {
    let socket = TcpSocket::new_v4()?;
    socket.set_reuseaddr(true)?;
    socket.bind(SocketAddr::from(([127, 0, 0, 1], port)))?;
    // The kernel caps this at net.core.somaxconn.
    socket.listen(65_535)
}

/// Serves `listener` until `shutdown` completes, then stops accepting and gives the answers
/// in flight up to 5 s to finish. A connection that has not sent a whole request head
/// `header_timeout` after it connected, or after its previous answer, is closed.
pub async fn serve(
    listener: TcpListener,
    header_timeout: Duration,
    shutdown: impl Future<Output = ()>,
) {
    let mut http = http1::Builder::new();
    // Without a timeout a silent or idle connection holds its file descriptor for ever, and
    // enough of them starve everyone else (accept fails at RLIMIT_NOFILE). hyper's
    // header_read_timeout covers the wait for every request head, the first and each one on
    // a kept-alive connection; it takes effect only with a timer.
    http.timer(TokioTimer::new()).header_read_timeout(header_timeout);
    // A client may shut down its sending side once its request is out (shutdown(SHUT_WR))
    // and still read the answer, as HTTP/1.1 allows: without this, hyper takes that EOF as
    // the end of the connection and drops the request unanswered.
    http.half_close(true);
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    let mut warned_at = None;
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors: say so (once a second at most), let the open
                    // connections finish, and keep accepting.
                    if warned_at.is_none_or(|at: std::time::Instant| at.elapsed().as_secs() >= 1) {
                        eprintln!("avt-delay-server: accept failed: {e}; open-file limit {}",
                            limit_text());
                        warned_at = Some(std::time::Instant::now());
                    }
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let connection = http.serve_connection(TokioIo::new(stream), service_fn(answer));
        let connection = graceful.watch(connection);
        // One task per connection: it waits out its delay without holding a thread.
        tokio::spawn(async move {
            // A client that hangs up early is its own business, not the server's.
            let _ = connection.await;
        });
    }
    drop(listener);
    let _ = tokio::time::timeout(GRACE, graceful.shutdown()).await;
}

fn limit_text() -> String {
    match avt_common::limits::open_files() {
        Ok((soft, hard)) => format!("RLIMIT_NOFILE {soft} (hard {hard})"),
        Err(e) => format!("unknown ({e})"),
    }
}

/// Answers one request; never fails, never panics: a bad request gets a status and a reason.
async fn answer(request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let reply = |status: StatusCode, body: String| {
        let mut response = Response::new(Full::new(Bytes::from(body)));
        *response.status_mut() = status;
        Ok(response)
    };
    if request.method() != Method::GET {
        return reply(StatusCode::METHOD_NOT_ALLOWED, format!("{} is not GET\n", request.method()));
    }
    let uri = request.uri();
    let Some(id) = uri.path().strip_prefix("/fetch/") else {
        let why = format!("no such path {}: use /fetch/<id>?delay_ms=<ms>\n", uri.path());
        return reply(StatusCode::NOT_FOUND, why);
    };
    let Ok(id) = id.parse::<u64>() else {
        return reply(StatusCode::BAD_REQUEST, format!("bad id {id:?}: not a whole number\n"));
    };
    let delay = match parse_delay(uri.query().unwrap_or("")) {
        Ok(delay) => delay,
        Err(why) => return reply(StatusCode::BAD_REQUEST, why),
    };
    tokio::time::sleep(delay).await;
    let mut response = Response::new(Full::new(Bytes::from(format!("{{\"id\":{id}}}"))));
    response.headers_mut().insert("content-type", "application/json".parse().expect("valid"));
    Ok(response)
}

/// The `delay_ms` of a query string (0 when absent), at most [`MAX_DELAY`].
fn parse_delay(query: &str) -> Result<Duration, String> {
    let value = query.split('&').find_map(|pair| pair.strip_prefix("delay_ms="));
    let Some(value) = value else { return Ok(Duration::ZERO) };
    let ms: u64 =
        value.parse().map_err(|_| format!("bad delay_ms {value:?}: not a whole number\n"))?;
    let delay = Duration::from_millis(ms);
    if delay > MAX_DELAY {
        return Err(format!("delay_ms {ms} is over the cap of {} ms\n", MAX_DELAY.as_millis()));
    }
    Ok(delay)
}

/// A delay server running on a background thread of this process, for tests.
pub struct Background {
    pub addr: SocketAddr,
    runtime: Option<tokio::runtime::Runtime>,
}

impl Background {
    /// Starts one on a free port.
    pub fn start() -> io::Result<Background> {
        let runtime =
            tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
        let listener = runtime.block_on(async { bind(0) })?;
        let addr = listener.local_addr()?;
        runtime.spawn(serve(listener, HEADER_TIMEOUT, std::future::pending()));
        Ok(Background { addr, runtime: Some(runtime) })
    }

    /// Stops it at once, as if killed: every open connection is dropped mid-request.
    pub fn kill(mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_are_parsed_and_capped() {
        assert_eq!(parse_delay(""), Ok(Duration::ZERO));
        assert_eq!(parse_delay("x=1&delay_ms=250"), Ok(Duration::from_millis(250)));
        assert!(parse_delay("delay_ms=abc").unwrap_err().contains("not a whole number"));
        assert!(parse_delay("delay_ms=3600001").unwrap_err().contains("over the cap"));
    }
}
