//! `--source tcp`: the harness starts the delay server, points every io row at it, and stops
//! it afterwards, also when interrupted.

mod common;

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{HARNESS, harness};

/// The address in the harness's "delay server listening on ADDR" line.
fn server_addr(stderr: &str) -> SocketAddr {
    let line = stderr.lines().find_map(|l| l.strip_prefix("delay server listening on "));
    line.and_then(|a| a.trim().parse().ok()).unwrap_or_else(|| panic!("no address in:\n{stderr}"))
}

fn assert_stopped(addr: SocketAddr) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
        assert!(Instant::now() < deadline, "the delay server at {addr} is still listening");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn quick_run_all_over_tcp_verifies_every_row_and_stops_the_server() {
    let (out, results, dir) =
        harness("run-all", "tcp-quick", &["--quick", "--source", "tcp", "--examples", "io"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(results.command, "run-all-tcp");
    assert!(dir.join("run-all-tcp.svg").is_file());
    let [io] = &results.groups[..] else { panic!("one group: {:?}", results.groups) };
    let names: Vec<&str> = io.rows.iter().map(|r| r.approach.as_str()).collect();
    assert_eq!(names, ["std-threads", "tokio", "async-std", "smol", "rayon"], "no Python rows");
    for row in &io.rows {
        assert_eq!((&row.failure, row.params.source.as_deref()), (&None, Some("tcp")), "{row:?}");
        assert_eq!(row.checksum, io.expected.checksum);
        // The delay server's own CPU time during each run, beside the client's.
        let server = row.metrics.get("server_cpu_ms").unwrap_or_else(|| panic!("{row:?}"));
        assert!(server.min >= 0.0, "{server:?}");
    }
    let md = std::fs::read_to_string(dir.join("run-all-tcp.md")).unwrap();
    assert!(md.contains("| server CPU ms |"), "{md}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("srvCPU"));
    assert_stopped(server_addr(&stderr));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn an_interrupted_run_stops_the_server_and_writes_nothing_before_its_first_run_ends() {
    let out_dir = common::temp_dir("tcp-interrupted");
    let mut child = Command::new(HARNESS)
        .args(["run-all", "--source", "tcp", "--examples", "io", "--runs", "3", "--no-python"])
        .args(["--delay-ms", "3000", "--out", out_dir.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    while !seen.contains("delay server listening on") {
        let mut line = String::new();
        assert!(stderr.read_line(&mut line).unwrap() > 0, "harness ended early:\n{seen}");
        seen.push_str(&line);
    }
    std::thread::sleep(Duration::from_millis(500));
    Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    let start = Instant::now();
    let status = child.wait().unwrap();
    let mut rest = String::new();
    let _ = std::io::Read::read_to_string(&mut stderr, &mut rest);
    assert_eq!(status.code(), Some(130), "{seen}{rest}");
    assert!(start.elapsed() < Duration::from_secs(8), "took {:?} to stop", start.elapsed());
    assert!(rest.contains("interrupted"), "{rest}");
    assert_stopped(server_addr(&seen));
    assert!(!out_dir.join("run-all-tcp.json").exists(), "nothing was measured, nothing written");
    let _ = std::fs::remove_dir_all(out_dir);
}
