//! The delay server as a process: its address line, delayed answers, bad requests, the
//! open-file limit, silent and half-closed connections, and a clean shutdown.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Server {
    child: Child,
    addr: SocketAddr,
}

const BIN: &str = env!("CARGO_BIN_EXE_avt-delay-server");

impl Server {
    fn start() -> Server {
        Server::start_with("", &[])
    }

    /// Starts one after the shell commands `setup` (e.g. `ulimit -n 64;`), with extra flags.
    fn start_with(setup: &str, flags: &[&str]) -> Server {
        let script = format!("{setup} exec {BIN} --port 0 {}", flags.join(" "));
        let mut child = Command::new("sh")
            .args(["-c", &script])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
        let addr = first.trim().parse().unwrap_or_else(|_| panic!("first line {first:?}"));
        Server { child, addr }
    }

    /// Sends raw bytes, returns the whole answer.
    fn send(&self, request: &[u8]) -> String {
        let mut stream = TcpStream::connect(self.addr).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        stream.write_all(request).unwrap();
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer);
        answer
    }

    fn get(&self, path: &str) -> String {
        self.send(format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes())
    }

    fn stop(mut self) -> (Option<i32>, String) {
        Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().unwrap();
        let out = std::mem::replace(&mut self.child, Command::new("true").spawn().unwrap());
        let out = out.wait_with_output().unwrap();
        (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

#[test]
fn answers_after_the_delay_with_the_id() {
    let server = Server::start();
    assert!(server.addr.ip().is_loopback(), "binds 127.0.0.1 only: {}", server.addr);
    let start = Instant::now();
    let answer = server.get("/fetch/42?delay_ms=300");
    let took = start.elapsed();
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    assert!(answer.ends_with("\r\n\r\n{\"id\":42}"), "{answer}");
    assert!(took >= Duration::from_millis(300) && took < Duration::from_secs(3), "took {took:?}");
    assert!(server.get("/fetch/7").ends_with("{\"id\":7}"), "no delay_ms means no wait");
    server.stop();
}

#[test]
fn many_requests_wait_at_the_same_time() {
    let server = Server::start();
    let start = Instant::now();
    let server_ref = &server;
    std::thread::scope(|s| {
        let answers: Vec<_> = (0..50)
            .map(|id| s.spawn(move || (id, server_ref.get(&format!("/fetch/{id}?delay_ms=500")))))
            .collect();
        for answer in answers {
            let (id, answer) = answer.join().unwrap();
            assert!(answer.ends_with(&format!("{{\"id\":{id}}}")), "{answer}");
        }
    });
    assert!(start.elapsed() < Duration::from_secs(3), "50 × 500 ms took {:?}", start.elapsed());
    server.stop();
}

#[test]
fn bad_requests_get_a_status_and_a_reason() {
    let server = Server::start();
    for (path, status, reason) in [
        ("/nope", "404", "no such path /nope"),
        ("/fetch/abc", "400", "bad id"),
        ("/fetch/1?delay_ms=x", "400", "bad delay_ms"),
        ("/fetch/1?delay_ms=3600001", "400", "over the cap"),
    ] {
        let answer = server.get(path);
        assert!(answer.starts_with(&format!("HTTP/1.1 {status} ")), "{path}: {answer}");
        assert!(answer.contains(reason), "{path}: {answer}");
    }
    let post = server.send(
        b"POST /fetch/1 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    );
    assert!(post.starts_with("HTTP/1.1 405 "), "{post}");
    // Garbage is refused by hyper without harm: the server goes on answering.
    let garbage = server.send(b"\x00\x01 not http at all\r\n\r\n");
    assert!(!garbage.contains("200 OK"), "{garbage}");
    assert!(server.get("/fetch/5").ends_with("{\"id\":5}"));
    let (code, stderr) = server.stop();
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn sigterm_shuts_it_down_cleanly_and_the_limit_is_reported() {
    let server = Server::start();
    let (code, stderr) = server.stop();
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("connections at once (RLIMIT_NOFILE"), "{stderr}");
    assert!(stderr.trim_end().ends_with("avt-delay-server: shut down"), "{stderr}");
}

#[test]
fn it_raises_its_open_file_limit_to_the_hard_limit() {
    let script =
        format!("ulimit -S -n 256; {BIN} --port 0 & pid=$!; sleep 0.5; kill -TERM $pid; wait $pid");
    let out = Command::new("sh").args(["-c", &script]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("raised the open-file limit from 256 to"), "{stderr}");
}

/// SIGTERM sent the moment the address is read is handled too: the server is ready for it
/// before it prints the address (a harness that stops it at once hits this window).
#[test]
fn sigterm_right_after_the_address_is_a_clean_stop() {
    for _ in 0..20 {
        let mut server = Server::start();
        // SAFETY: kill only sends a signal to the child we started.
        #[allow(unsafe_code)]
        let sent = unsafe { libc::kill(server.child.id() as i32, libc::SIGTERM) };
        assert_eq!(sent, 0);
        let status = server.child.wait().unwrap();
        assert_eq!(status.code(), Some(0), "killed by a signal instead: {status}");
    }
}

/// Silent connections are closed after the header timeout, so with its open-file limit (hard
/// and soft) at 64 and 80 connections that never send a byte, a normal request is still
/// answered; a kept-alive connection that goes idle after its answer is closed too.
#[test]
fn silent_and_idle_connections_are_closed_after_the_header_timeout() {
    let server = Server::start_with("ulimit -n 64;", &["--header-timeout-ms", "300"]);
    let silent: Vec<TcpStream> =
        (0..80).map(|_| TcpStream::connect(server.addr).unwrap()).collect();
    let start = Instant::now();
    let answer = server.get("/fetch/9");
    assert!(answer.ends_with("{\"id\":9}"), "no answer behind 80 silent connections: {answer:?}");
    for mut stream in silent {
        stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut rest = Vec::new();
        // EOF (or a reset) ends the read: the server closed it. A timeout would be an error.
        if let Err(e) = stream.read_to_end(&mut rest) {
            assert_ne!(
                e.kind(),
                std::io::ErrorKind::WouldBlock,
                "still open after {:?}",
                start.elapsed()
            );
        }
    }
    // A keep-alive request is answered, then the idle connection is closed.
    let mut kept = TcpStream::connect(server.addr).unwrap();
    kept.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    kept.write_all(b"GET /fetch/4 HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let mut answer = String::new();
    let idle = Instant::now();
    kept.read_to_string(&mut answer).expect("closed after the timeout, not left open");
    assert!(answer.ends_with("{\"id\":4}"), "{answer:?}");
    assert!(idle.elapsed() >= Duration::from_millis(300), "closed too early: {:?}", idle.elapsed());
    let (code, stderr) = server.stop();
    assert_eq!(code, Some(0), "{stderr}");
}

/// A client that shuts down its sending side after a complete request still gets the answer.
#[test]
fn a_half_closed_request_is_answered() {
    let server = Server::start();
    for request in [
        &b"GET /fetch/3?delay_ms=0 HTTP/1.1\r\nHost: x\r\n\r\n"[..],
        b"GET /fetch/8?delay_ms=200 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    ] {
        let mut stream = TcpStream::connect(server.addr).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        stream.write_all(request).unwrap();
        stream.shutdown(Shutdown::Write).unwrap();
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer);
        assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "no answer: {answer:?}");
    }
    server.stop();
}
