//! What the harness measures of a child, checked against `avt-harness fake`, a child with
//! known behaviour.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use avt_harness::measure::{End, Spec, measure};

fn fake(args: &[&str]) -> Spec {
    Spec {
        program: PathBuf::from(env!("CARGO_BIN_EXE_avt-harness")),
        args: ["fake"].iter().chain(args).map(|a| a.to_string()).collect(),
        env: Vec::new(),
    }
}

const TIMEOUT: Duration = Duration::from_secs(30);

#[test]
fn peak_rss_of_a_child_that_touches_200_mib() {
    let m = measure(&fake(&["--alloc-mib", "200", "--hold-ms", "50"]), TIMEOUT).unwrap();
    assert_eq!(m.end, End::Exited(0));
    let mib = m.max_rss_kib as f64 / 1024.0;
    assert!((180.0..=220.0).contains(&mib), "200 MiB touched, measured {mib:.1} MiB");
}

#[test]
fn peak_rss_is_the_childs_own_not_the_largest_child_so_far() {
    // RUSAGE_CHILDREN would report the 200 MiB child's peak again for the small one.
    measure(&fake(&["--alloc-mib", "200"]), TIMEOUT).unwrap();
    let small = measure(&fake(&[]), TIMEOUT).unwrap();
    assert!(small.max_rss_kib < 50 * 1024, "small child measured {} KiB", small.max_rss_kib);
}

#[test]
fn threads_of_a_child_are_counted() {
    let m = measure(&fake(&["--spawn-threads", "8", "--hold-ms", "300"]), TIMEOUT).unwrap();
    assert_eq!(m.peak_threads, 9, "main thread + 8");
}

#[test]
fn exit_code_and_output_are_kept() {
    let m = measure(&fake(&["--exit", "3", "--", "io", "--tasks", "3"]), TIMEOUT).unwrap();
    assert_eq!(m.end, End::Exited(3));
    assert!(m.stdout.contains("\"result\":3"), "{}", m.stdout);
    assert!(m.wall_ms > 0.0);
}

#[test]
fn cpu_time_of_a_child_that_burns_300_ms_is_about_300_ms() {
    let m = measure(&fake(&["--burn-cpu-ms", "300"]), TIMEOUT).unwrap();
    assert_eq!(m.end, End::Exited(0));
    let cpu = m.user_ms + m.sys_ms;
    // It spins until its own CPU clock says 300 ms; start-up and exit add a little.
    assert!((285.0..=600.0).contains(&cpu), "burned 300 ms, measured {cpu:.1} ms");
    assert!(m.user_ms >= 240.0, "spinning is user time: {:.1} ms of {cpu:.1}", m.user_ms);
    assert!(m.wall_ms >= 0.9 * cpu, "one thread cannot use more CPU than wall time");
}

#[test]
fn a_child_past_its_timeout_is_killed_with_its_process_group() {
    let pid_file = std::env::temp_dir().join(format!("avt-grandchild-{}", std::process::id()));
    let pid_arg = pid_file.to_string_lossy().into_owned();
    let spec = fake(&["--hold-ms", "60000", "--grandchild-pid-file", &pid_arg]);
    let start = Instant::now();
    let m = measure(&spec, Duration::from_secs(1)).unwrap();
    assert_eq!(m.end, End::TimedOut);
    assert!(start.elapsed() < Duration::from_secs(10), "took {:?}", start.elapsed());

    // The grandchild (`sleep 60`, same process group) must be gone or a zombie by now.
    let pid = std::fs::read_to_string(&pid_file).unwrap();
    let _ = std::fs::remove_file(&pid_file);
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let state = std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .ok()
            .and_then(|s| s.rsplit_once(')').map(|(_, rest)| rest.trim().chars().next()))
            .flatten();
        if matches!(state, None | Some('Z') | Some('X')) {
            break;
        }
        assert!(Instant::now() < deadline, "grandchild {pid} still running: {state:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}
