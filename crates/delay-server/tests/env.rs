//! The runtime's environment variable, set wrong: one line naming it and what it accepts,
//! exit 2, never tokio's panic.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_avt-delay-server");

#[test]
fn a_bad_tokio_worker_threads_is_a_usage_error() {
    for value in ["0", "garbage", "-3", "100000"] {
        let out = Command::new(BIN)
            .args(["--port", "0"])
            .env("TOKIO_WORKER_THREADS", value)
            .env("RUST_BACKTRACE", "1")
            .output()
            .expect("the server runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{value}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{value}: one line, got:\n{stderr}");
        assert!(
            stderr.contains("TOKIO_WORKER_THREADS must be a whole number of threads in 1..=1024")
                && stderr.contains(&format!("got '{value}'")),
            "{value}: {stderr}"
        );
        assert!(out.stdout.is_empty(), "{value}: no address");
    }
}

#[test]
fn threads_on_the_command_line_win_over_the_variable() {
    let mut child = Command::new(BIN)
        .args(["--port", "0", "--threads", "2"])
        .env("TOKIO_WORKER_THREADS", "0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the server runs");
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(first.trim().parse::<std::net::SocketAddr>().is_ok(), "an address: {first:?}");
}
