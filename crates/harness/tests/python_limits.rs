//! The Python originals under hostile use: usage errors and failures are one line naming the
//! cause, a closed stdout is a quiet 141, and a refused thread or process is one line naming
//! the limit and exit 1, never a hang. Python is optional: without python3 on PATH these tests
//! say so and pass; the thread-limit check also needs an interpreter the unprivileged user
//! can run, and `prlimit`/`setpriv`.

use std::fs::File;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const SCRIPTS: [&str; 2] = ["asyncio_example.py", "threading_example.py"];

fn scripts() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/python")
}

/// Whether python3 is on PATH; if not, says that `test` is skipped.
fn have_python(test: &str) -> bool {
    let found = Command::new("python3").arg("--version").output().is_ok_and(|o| o.status.success());
    if !found {
        eprintln!("note: python3 not on PATH; skipping {test}");
    }
    found
}

fn python(script: &str, args: &[&str]) -> Output {
    Command::new("python3").arg(scripts().join(script)).args(args).output().expect("python3 runs")
}

fn one_line_error(out: &Output, code: i32, what: &str) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(code), "{what}: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "{what}: one line, got:\n{stderr}");
    assert!(!stderr.contains("Traceback"), "{what}: {stderr}");
    stderr
}

#[test]
fn python_refuses_what_rust_refuses() {
    if !have_python("python_refuses_what_rust_refuses") {
        return;
    }
    for script in SCRIPTS {
        let cases: [(&[&str], &str); 4] = [
            (&["cpu", "--jobs", "1000001"], "1000001 is not in 1..=1000000"),
            (&["cpu", "--limit", "1000", "--json", "--json"], "'--json' cannot be used multiple"),
            (
                &["shared", "--workers", "5", "--workers", "6"],
                "'--workers' cannot be used multiple",
            ),
            (&["io", "--tasks=2", "--tasks", "3"], "'--tasks' cannot be used multiple"),
        ];
        for (args, expected) in cases {
            let stderr = one_line_error(&python(script, args), 2, &format!("{script} {args:?}"));
            assert!(stderr.contains(expected), "{script} {args:?}: {stderr}");
        }
    }
}

#[test]
fn python_out_of_memory_names_its_cause() {
    if !have_python("python_out_of_memory_names_its_cause") {
        return;
    }
    // MemoryError() has no message: the line must still say what happened.
    let code = "import avt_common\ndef run():\n    raise MemoryError()\navt_common.main(run)";
    let out = Command::new("python3")
        .args(["-c", code])
        .env("PYTHONPATH", scripts())
        .output()
        .expect("python3 runs");
    let stderr = one_line_error(&out, 1, "MemoryError");
    assert!(stderr.starts_with("error: out of memory (MemoryError)"), "{stderr}");
    assert!(stderr.contains("ulimit -v"), "{stderr}");
}

#[test]
fn python_closed_stdout_is_a_quiet_141() {
    if !have_python("python_closed_stdout_is_a_quiet_141") {
        return;
    }
    let runs: [&[&str]; 4] = [
        &["io", "--tasks", "3", "--delay-ms", "100"],
        &["cpu", "--limit", "1000"],
        &["shared", "--increments", "10"],
        &["mixed", "--requests", "3"],
    ];
    for script in SCRIPTS {
        for args in runs {
            let mut child = Command::new("python3")
                .arg(scripts().join(script))
                .args(args)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("python3 runs");
            drop(child.stdout.take()); // the reader is gone before the first line
            let out = child.wait_with_output().expect("python3 ends");
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(141), "{script} {args:?}: {stderr}");
            assert!(stderr.is_empty(), "{script} {args:?}: quiet, got:\n{stderr}");
        }
    }
}

/// A python3 that uid 65534 can run under `prlimit` (the one on PATH may live in a home
/// folder it cannot read), or None with a note.
fn python_for_nobody() -> Option<String> {
    let on_path = Command::new("python3")
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    for candidate in on_path.into_iter().chain(["/usr/bin/python3".to_string()]) {
        let ok = nobody(&candidate, &["-c", "pass"]).output().is_ok_and(|o| o.status.success());
        if ok {
            return Some(candidate);
        }
    }
    eprintln!("note: no python3 that uid 65534 can run under prlimit/setpriv here; skipped");
    None
}

/// `python ARGS` as uid 65534 with RLIMIT_NPROC = 60, killed after 90 s (on one core, 59
/// counting threads hold the GIL against the loop for many seconds before the refusal).
fn nobody(python: &str, args: &[&str]) -> Command {
    let mut command = Command::new("timeout");
    command.args(["-s", "KILL", "90", "prlimit", "--nproc=60:60", "setpriv"]);
    command.args(["--reuid=65534", "--regid=65534", "--clear-groups", python]).args(args);
    command
}

#[test]
fn python_refused_threads_are_one_line_and_no_hang() {
    if !have_python("python_refused_threads_are_one_line_and_no_hang") {
        return;
    }
    let Some(python) = python_for_nobody() else { return };
    let cases: [(&str, &[&str]); 4] = [
        (
            "threading_example.py",
            &[
                "mixed",
                "--threads",
                "200",
                "--requests",
                "200",
                "--rate",
                "10000",
                "--delay-ms",
                "500",
            ],
        ),
        ("threading_example.py", &["io", "--tasks", "200", "--delay-ms", "100"]),
        (
            "asyncio_example.py",
            &["cpu", "--threads", "200", "--limit", "100000000", "--jobs", "200"],
        ),
        (
            "asyncio_example.py",
            &["mixed", "--variant", "process-pool", "--threads", "200", "--requests", "10"],
        ),
    ];
    let dir = std::env::temp_dir();
    for (script, args) in cases {
        // stderr to a file: a pool process left behind would hold a pipe open forever.
        let path = dir.join(format!("avt-python-limits-{}.txt", std::process::id()));
        let err = File::create(&path).expect("a temporary file");
        let path_arg = scripts().join(script);
        let start = Instant::now();
        let status = nobody(&python, &[&[path_arg.to_str().unwrap()][..], args].concat())
            .stdout(Stdio::null())
            .stderr(err)
            .status()
            .expect("timeout runs");
        let took = start.elapsed();
        let stderr = std::fs::read_to_string(&path).unwrap_or_default();
        let _ = std::fs::remove_file(&path);
        assert!(took < Duration::from_secs(80), "{script} {args:?} took {took:?}: {stderr}");
        assert_eq!(status.code(), Some(1), "{script} {args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{script} {args:?}: one line, got:\n{stderr}");
        assert!(
            stderr.starts_with("error: hit the OS thread limit")
                && stderr.contains("RLIMIT_NPROC) = 60")
                && (stderr.contains(" running") || stderr.contains(" of 200 threads")),
            "{script} {args:?}: {stderr}"
        );
    }
}
