//! The Python originals' cancel example (scripts/python) prints the Rust crates' JSON line:
//! asyncio's right way (asyncio.timeout around a TaskGroup) keeps exactly the fast ids and
//! releases everything within the grace; its `detached` mistake and threading's daemon
//! threads leave the slow fetches running; bad input is one line and exit 2. With --source
//! sleep and against a delay server. Skipped, with a note, where python3 is not on PATH.

use avt_common::{CancelReport, cancel_checksum};
use avt_delay_server::Background;
use avt_testkit::python;

/// 12 fetches, the slow ones (ids 0, 4, 8) 1.5 s, the rest 50 ms, a 300 ms deadline, a
/// 200 ms grace; over tcp to `server` if given.
fn report(script: &str, variant: &str, server: Option<&Background>) -> Option<CancelReport> {
    let sizes = ["--tasks", "12", "--slow-every", "4", "--slow-ms", "1500", "--delay-ms", "50"];
    let more = ["--deadline-ms", "300", "--grace-ms", "200", "--variant", variant, "--json"];
    let addr = server.map(|s| s.addr.to_string());
    let tcp = match &addr {
        Some(addr) => vec!["--source", "tcp", "--server", addr],
        None => vec![],
    };
    let out = python(script, &[&["cancel"], &sizes[..], &more, &tcp].concat())?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{script} {variant}: {stderr}");
    assert_eq!(stdout.lines().count(), 1, "one JSON line: {stdout}");
    let v: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    for name in ["returned_ms", "kept", "released_ms", "wasted"] {
        assert!(v[name].is_number(), "{name} missing: {stdout}");
    }
    for held in ["at_return", "after_grace"] {
        for name in ["running", "threads", "sockets"] {
            assert!(v[held][name].is_u64(), "{held}.{name} missing: {stdout}");
        }
    }
    let r: CancelReport = serde_json::from_str(&stdout).expect("a cancel report");
    assert_eq!(r.report.params.variant.as_deref(), Some(variant));
    assert_eq!(r.report.params.source.as_deref(), server.map(|_| "tcp"));
    Some(r)
}

#[test]
fn asyncio_timeout_keeps_the_fast_ids_and_releases_everything() {
    let server = Background::start().expect("start a delay server");
    for server in [None, Some(&server)] {
        let Some(r) = report("asyncio_example.py", "timeout", server) else { return };
        let l = &r.left;
        assert_eq!(l.kept, 9, "{l:?}");
        assert_eq!(r.report.checksum, format!("{:016x}", cancel_checksum(12, 4)));
        assert!(l.returned_ms >= 300.0 && l.returned_ms < 1000.0, "{l:?}");
        assert_eq!((l.after_grace.running, l.after_grace.sockets, l.wasted), (0, 0, 0), "{l:?}");
        assert!(l.released_ms <= l.returned_ms - 300.0 + 200.0, "released late: {l:?}");
    }
}

#[test]
fn detached_tasks_and_daemon_threads_leave_the_slow_fetches_running() {
    let server = Background::start().expect("start a delay server");
    let ways = [("asyncio_example.py", "detached"), ("threading_example.py", "daemon")];
    for server in [None, Some(&server)] {
        for (script, variant) in ways {
            let Some(r) = report(script, variant, server) else { return };
            let l = &r.left;
            assert_eq!(l.kept, 9, "{script} {variant}: {l:?}");
            assert_eq!(r.report.checksum, format!("{:016x}", cancel_checksum(12, 4)));
            assert_eq!((l.at_return.running, l.after_grace.running), (3, 3), "{variant} {l:?}");
            if server.is_some() {
                assert_eq!(l.after_grace.sockets, 3, "{script} {variant}: {l:?}");
            }
            assert_eq!(l.wasted, 3, "{script} {variant}: {l:?}");
            assert!(l.released_ms > 900.0 && l.released_ms < 2400.0, "{variant}: {l:?}");
        }
    }
}

#[test]
fn bad_input_is_one_line_and_exit_2() {
    let cases: &[&[&str]] = &[
        &["--deadline-ms", "0"],
        &["--slow-ms", "50", "--delay-ms", "50"],
        &["--slow-every", "0"],
        &["--grace-ms", "60001"],
        &["--slow-ms", "400", "--deadline-ms", "500"],
        &["--variant", "no-such-way"],
        &["--source", "tcp"],
    ];
    for script in ["asyncio_example.py", "threading_example.py"] {
        for args in cases {
            let Some(out) = python(script, &[&["cancel"], *args].concat()) else { return };
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{script} {args:?}: {stderr}");
            assert_eq!(stderr.trim_end().lines().count(), 1, "{script} {args:?}: {stderr}");
            assert!(stderr.starts_with("error: "), "{stderr}");
        }
    }
}
