//! The last line of defence: a thread spawn the OS refused, panicking inside a library while
//! the main thread waits for it, ends the process with one line and exit 1 instead of a
//! backtrace and a hang. This test runs itself as the child that panics.

use std::process::Command;
use std::time::{Duration, Instant};

/// Set in the child: panic as a library does when the OS refuses its thread.
const CHILD: &str = "AVT_REFUSED_SPAWN_CHILD";

#[test]
fn a_refused_spawn_in_any_thread_is_one_line_and_exit_1() {
    if std::env::var_os(CHILD).is_some() {
        avt_common::threads::exit_on_refused_spawn("child");
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        std::thread::spawn(move || {
            let _keep = tx; // the main thread waits on this channel: a hang if nobody exits
            panic!(
                "cannot spawn executor threads: Os {{ code: 11, kind: WouldBlock, message: \
                 \"Resource temporarily unavailable\" }}"
            );
        });
        // Held open by the panicking thread until the process exits: never returns unless
        // the panic unwinds (which the hook must prevent).
        let _ = rx.recv();
        std::thread::sleep(Duration::from_secs(60));
        return;
    }
    let start = Instant::now();
    let exe = std::env::current_exe().unwrap();
    let out = Command::new("timeout")
        .args(["-s", "KILL", "20"])
        .arg(exe)
        .args(["--exact", "a_refused_spawn_in_any_thread_is_one_line_and_exit_1", "--nocapture"])
        .env(CHILD, "1")
        .env("RUST_BACKTRACE", "1")
        .output()
        .expect("the test binary runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(start.elapsed() < Duration::from_secs(15), "took {:?}: {stderr}", start.elapsed());
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let ours: Vec<&str> = stderr.lines().filter(|l| l.starts_with("child: ")).collect();
    assert_eq!(ours.len(), 1, "{stderr}");
    assert!(ours[0].starts_with("child: error: hit the OS thread limit: the OS refused a thread"));
    assert!(ours[0].contains("cannot spawn executor threads") && ours[0].contains("limits here"));
    assert!(!stderr.contains("panicked") && !stderr.contains("stack backtrace"), "{stderr}");
}

#[test]
fn other_panics_keep_the_default_hook() {
    if std::env::var_os(CHILD).is_some() {
        avt_common::threads::exit_on_refused_spawn("child");
        panic!("index out of bounds");
    }
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "other_panics_keep_the_default_hook", "--nocapture"])
        .env(CHILD, "1")
        .output()
        .expect("the test binary runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("panicked") && stderr.contains("index out of bounds"), "{stderr}");
}
