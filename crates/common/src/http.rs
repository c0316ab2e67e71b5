//! The io example over real sockets: the one request every crate sends to the delay server
//! (crates/delay-server), and the check of its answer. A real program would use an HTTP
//! client library (reqwest, ureq, …); a bare request keeps each runtime's socket I/O in view.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

/// The URL of fetch `id` on the delay server at `server`.
pub fn url(server: SocketAddr, id: usize) -> String {
    format!("http://{server}/fetch/{id}")
}

/// A minimal HTTP/1.1 GET for fetch `id`, answered after `delay`; the server closes the
/// connection after its answer, so the client reads to the end.
pub fn request(server: SocketAddr, id: usize, delay: Duration) -> String {
    format!(
        "GET /fetch/{id}?delay_ms={} HTTP/1.1\r\nHost: {server}\r\nConnection: close\r\n\r\n",
        delay.as_millis()
    )
}

/// Checks a whole response to fetch `id`: status 200 and a body `{"id":<id>}`. A wrong or
/// crossed answer is an `InvalidData` error.
pub fn check_response(response: &[u8], id: usize) -> io::Result<usize> {
    let bad = |why: String| io::Error::new(io::ErrorKind::InvalidData, why);
    let text = std::str::from_utf8(response).map_err(|_| bad("response is not UTF-8".into()))?;
    let Some((head, body)) = text.split_once("\r\n\r\n") else {
        let why = format!("connection closed after {} bytes, before the answer", response.len());
        return Err(io::Error::new(io::ErrorKind::UnexpectedEof, why));
    };
    let status = head.split(' ').nth(1).unwrap_or("?");
    if status != "200" {
        return Err(bad(format!("status {status}: {}", body.trim())));
    }
    #[derive(serde::Deserialize)]
    struct Body {
        id: usize,
    }
    match serde_json::from_str::<Body>(body) {
        Ok(Body { id: got }) if got == id => Ok(id),
        Ok(Body { id: got }) => Err(bad(format!("fetch {id} got the answer for id {got}"))),
        Err(e) => Err(bad(format!("bad body {body:?}: {e}"))),
    }
}

/// What kind of failure a fetch had, for counting: "refused", "reset", "timed out", …
pub fn failure_kind(error: &io::Error) -> &'static str {
    use io::ErrorKind::*;
    match error.kind() {
        ConnectionRefused => "connection refused",
        ConnectionReset | ConnectionAborted | BrokenPipe | UnexpectedEof => "connection closed",
        TimedOut | WouldBlock => "timed out",
        InvalidData => "bad response",
        _ if error.raw_os_error() == Some(libc::EMFILE) => "too many open files (RLIMIT_NOFILE)",
        _ if error.raw_os_error() == Some(libc::ENFILE) => "too many open files (fs.file-max)",
        AddrNotAvailable => "no local port left",
        _ => "other error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: &[u8] = b"HTTP/1.1 200 OK\r\ncontent-length: 8\r\n\r\n{\"id\":7}";

    #[test]
    fn a_good_answer_passes() {
        assert_eq!(check_response(OK, 7).unwrap(), 7);
    }

    #[test]
    fn crossed_missing_and_failed_answers_are_errors() {
        let crossed = check_response(OK, 8).unwrap_err();
        assert!(crossed.to_string().contains("answer for id 7"), "{crossed}");
        let status = check_response(b"HTTP/1.1 400 Bad Request\r\n\r\nbad id", 7).unwrap_err();
        assert!(status.to_string().contains("status 400: bad id"), "{status}");
        for e in [crossed, status] {
            assert_eq!(failure_kind(&e), "bad response");
        }
        let cut = check_response(b"HTTP/1.1 200 OK\r\ncontent-len", 7).unwrap_err();
        assert!(cut.to_string().contains("closed after 28 bytes"), "{cut}");
        assert_eq!(failure_kind(&cut), "connection closed");
    }

    #[test]
    fn the_request_names_the_id_and_the_delay() {
        let server: SocketAddr = "127.0.0.1:8080".parse().unwrap();
        let req = request(server, 42, Duration::from_millis(250));
        assert!(req.starts_with("GET /fetch/42?delay_ms=250 HTTP/1.1\r\n"), "{req}");
        assert!(req.ends_with("Connection: close\r\n\r\n"));
        assert_eq!(url(server, 42), "http://127.0.0.1:8080/fetch/42");
    }
}
