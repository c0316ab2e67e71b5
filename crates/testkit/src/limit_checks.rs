//! Runs under process limits, as an unprivileged user: root ignores RLIMIT_NPROC, so the
//! limit is set with `prlimit` and the binary run as `nobody` with `setpriv`. Where that is
//! not possible here (no tools, not permitted, a binary `nobody` cannot run) the check is
//! skipped with a note, not failed.

use std::process::{Command, Output};
use std::time::{Duration, Instant};

use avt_delay_server::Background;

/// The process limit of the checks: few enough that 200 threads cannot start.
const NPROC: &str = "60";
/// The unprivileged user (`nobody`) the binary runs as.
const NOBODY: &str = "65534";
/// Long enough for a refused run to say so; a hang runs into it.
const TIMEOUT: &str = "30";

/// `bin ARGS` run as `nobody` with RLIMIT_NPROC = [`NPROC`], under `timeout`.
fn limited(bin: &str, args: &[&str]) -> Command {
    let mut command = Command::new("timeout");
    command.args(["-s", "KILL", TIMEOUT, "prlimit", &format!("--nproc={NPROC}:{NPROC}")]);
    command.args(["setpriv", &format!("--reuid={NOBODY}"), &format!("--regid={NOBODY}")]);
    command.args(["--clear-groups", bin]).args(args);
    command
}

/// Whether `bin` can be run as `nobody` under a process limit here; if not, prints why.
pub fn can_run_limited(bin: &str) -> bool {
    match limited(bin, &["--version"]).output() {
        Ok(out) if out.status.success() => true,
        Ok(out) => {
            let why = String::from_utf8_lossy(&out.stderr);
            eprintln!("note: skipped, cannot run {bin} as uid {NOBODY} under prlimit: {why}");
            false
        }
        Err(e) => {
            eprintln!("note: skipped, no timeout/prlimit/setpriv here: {e}");
            false
        }
    }
}

/// Runs `bin ARGS` limited, and checks it failed the way a refused thread must: exit 1, one
/// line on stderr naming RLIMIT_NPROC and how far it got, no panic, no hang.
pub fn refused_in_one_line(bin: &str, args: &[&str]) -> Output {
    let start = Instant::now();
    let out = limited(bin, args).output().expect("timeout runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let took = start.elapsed();
    assert!(took < Duration::from_secs(25), "{args:?} took {took:?} (a hang?): {stderr}");
    assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "{args:?}: one line, got:\n{stderr}");
    assert!(
        stderr.contains("hit the OS thread limit")
            && stderr.contains("RLIMIT_NPROC) = 60")
            && !stderr.contains("panicked"),
        "{args:?}: {stderr}"
    );
    out
}

/// Every subcommand asked for 200 threads under a limit of 60: one line naming the limit and
/// how far it got, exit 1, never a panic or a hang.
pub fn refused_threads_are_one_line(bin: &str) {
    if !can_run_limited(bin) {
        return;
    }
    let cases: [&[&str]; 4] = [
        &["io", "--threads", "200", "--tasks", "200", "--delay-ms", "10"],
        &["cpu", "--threads", "200"],
        &["shared", "--threads", "200", "--workers", "10000", "--increments", "10000000"],
        &["mixed", "--threads", "200", "--requests", "200", "--rate", "10000"],
    ];
    for args in cases {
        let out = refused_in_one_line(bin, args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(" of 200 threads")
                || stderr.contains("needs 200 threads")
                || stderr.contains("needs 201 threads")
                || stderr.contains(" of 10000 threads"),
            "{args:?}: how far it got: {stderr}"
        );
    }
}

/// At the edge (59 threads under a limit of 60, so the pre-flight may pass and a later spawn,
/// such as tokio's first blocking thread, be refused): the run either succeeds or fails in
/// one line naming the limit; never a panic or a hang. The panic hook's case, for real.
pub fn threads_at_the_edge_succeed_or_say_so(bin: &str) {
    if !can_run_limited(bin) {
        return;
    }
    let cases: [&[&str]; 2] = [
        &["cpu", "--threads", "59", "--limit", "100000", "--no-ticker"],
        &["io", "--threads", "59", "--tasks", "10", "--delay-ms", "10"],
    ];
    for args in cases {
        let start = Instant::now();
        let out = limited(bin, args).output().expect("timeout runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(start.elapsed() < Duration::from_secs(25), "{bin} {args:?}: a hang? {stderr}");
        if out.status.success() {
            continue;
        }
        assert_eq!(out.status.code(), Some(1), "{bin} {args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{bin} {args:?}: one line, got:\n{stderr}");
        assert!(
            stderr.contains("hit the OS thread limit") && !stderr.contains("panicked"),
            "{bin} {args:?}: {stderr}"
        );
    }
}

/// The runtimes' own thread-count variables, set to 0 or garbage, are ignored (every
/// example sets its thread count itself) or named in a usage error: never a panic.
pub fn runtime_env_vars_are_not_a_panic(bin: &str) {
    let vars =
        ["TOKIO_WORKER_THREADS", "ASYNC_STD_THREAD_COUNT", "RAYON_NUM_THREADS", "SMOL_THREADS"];
    for var in vars {
        for value in ["0", "garbage"] {
            for args in
                [&["io", "--tasks", "2", "--delay-ms", "1"][..], &["cpu", "--limit", "1000"]]
            {
                let out = Command::new(bin).args(args).env(var, value).output().expect("runs");
                let stderr = String::from_utf8_lossy(&out.stderr);
                assert!(
                    out.status.success()
                        || (out.status.code() == Some(2) && stderr.lines().count() == 1),
                    "{var}={value} {args:?}: {}: {stderr}",
                    out.status
                );
                assert!(!stderr.contains("panicked"), "{var}={value} {args:?}: {stderr}");
            }
        }
    }
}

/// Under `ulimit -n 64`: 3 connections fit (the process holds a handful of descriptors, not
/// 64), and a mixed run that may hold 200 at once is refused before it starts, naming the
/// limit, instead of failing on EMFILE half-way.
pub fn open_files_are_counted(bin: &str) {
    let server = Background::start().expect("start a delay server");
    let addr = server.addr.to_string();
    let under = |args: &str| {
        let script = format!("ulimit -n 64; exec {bin} {args} --source tcp --server {addr}");
        Command::new("sh").args(["-c", &script]).output().expect("sh runs")
    };
    let out = under("io --tasks 3 --delay-ms 10");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "3 connections fit in 64 open files: {stderr}");
    let out = under("mixed --requests 200 --rate 1000 --delay-ms 500");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(
        stderr.contains("200 connections at once need about")
            && stderr.contains("RLIMIT_NOFILE")
            && !stderr.contains("os error 24"),
        "{stderr}"
    );
}

/// The tests of a binary under process limits, as `#[test]` functions.
#[macro_export]
macro_rules! limit_checks {
    ($bin:expr) => {
        #[test]
        fn refused_threads_are_one_line() {
            $crate::limit_checks::refused_threads_are_one_line($bin);
        }
        #[test]
        fn threads_at_the_edge_succeed_or_say_so() {
            $crate::limit_checks::threads_at_the_edge_succeed_or_say_so($bin);
        }
        #[test]
        fn open_files_are_counted() {
            $crate::limit_checks::open_files_are_counted($bin);
        }
        #[test]
        fn runtime_env_vars_are_not_a_panic() {
            $crate::limit_checks::runtime_env_vars_are_not_a_panic($bin);
        }
    };
}
