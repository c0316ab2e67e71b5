//! The harness as a hostile user finds it: its stdout closed or full, its stderr full, killed
//! outright, an output folder it cannot write, a sweep cut short, SIGCHLD ignored by whoever
//! started it.
//! It never panics, never leaves a child running, and never loses what it measured.

mod common;

use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use avt_harness::Results;
use common::{HARNESS, live_members, small_run, stand_in, stand_ins, temp_dir, wait_for_file};

fn load(path: &std::path::Path) -> Results {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Waits up to `limit` for `child` to end; kills it and panics past that.
fn wait_at_most(child: &mut Child, limit: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the harness did not end within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_closed_stdout_ends_quietly_with_141_after_writing_the_results() {
    let (bins, out) = (temp_dir("epipe-bins"), temp_dir("epipe-out"));
    stand_ins(&bins, "");
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader); // like `| head` that has already exited
    let run = small_run(&bins, &out).stdout(writer).stderr(Stdio::piped()).output().unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(141), "{stderr}");
    assert!(!stderr.contains("panicked") && !stderr.contains("error"), "quietly: {stderr}");
    let results = load(&out.join("run-all.json"));
    assert!(results.ok && !results.partial);
    assert!(out.join("run-all.md").is_file() && out.join("run-all.svg").is_file());
    let _ = std::fs::remove_dir_all(bins);
    let _ = std::fs::remove_dir_all(out);
}

#[test]
fn a_full_stdout_is_one_error_line_and_exit_1_after_writing_the_results() {
    let (bins, out) = (temp_dir("full-bins"), temp_dir("full-out"));
    stand_ins(&bins, "");
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        eprintln!("note: no /dev/full here; skipping");
        return;
    };
    let run = small_run(&bins, &out).stdout(full).stderr(Stdio::piped()).output().unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let errors: Vec<&str> = stderr.lines().filter(|l| l.contains("error")).collect();
    assert_eq!(errors.len(), 1, "one line: {stderr}");
    assert!(errors[0].contains("stdout") && errors[0].contains("No space left"), "{stderr}");
    assert!(load(&out.join("run-all.json")).ok);
    let _ = std::fs::remove_dir_all(bins);
    let _ = std::fs::remove_dir_all(out);
}

/// stderr full (`2>/dev/full`): the progress lines, the estimate and the notes are lost, and
/// nothing else is: no panic (exit 101), the table on stdout, the results and charts written.
#[test]
fn a_full_stderr_loses_the_progress_lines_and_nothing_else() {
    let (bins, out) = (temp_dir("full-stderr-bins"), temp_dir("full-stderr-out"));
    stand_ins(&bins, "");
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        eprintln!("note: no /dev/full here; skipping");
        return;
    };
    let run = Command::new(HARNESS)
        .args(["run-all", "--quick", "--no-python", "--sections", "io,cpu"])
        .args(["--bin-dir", bins.to_str().unwrap(), "--out", out.to_str().unwrap()])
        .stderr(full)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert_eq!(run.status.code(), Some(0), "no panic (101): {stdout}");
    assert!(stdout.contains("tokio") && stdout.contains("rayon"), "the table: {stdout}");
    let results = load(&out.join("run-all.json"));
    assert!(results.ok && !results.partial);
    assert!(out.join("run-all.md").is_file() && out.join("run-all.svg").is_file());
    let _ = std::fs::remove_dir_all(bins);
    let _ = std::fs::remove_dir_all(out);
}

#[test]
fn a_harness_killed_outright_takes_its_child_and_grandchildren_with_it() {
    let (bins, out) = (temp_dir("kill-bins"), temp_dir("kill-out"));
    let (pid_file, grandchild_file) = (bins.join("child.pid"), bins.join("grandchild.pid"));
    let flags = format!(
        "--hold-ms 60000 --pid-file {} --grandchild-pid-file {}",
        pid_file.display(),
        grandchild_file.display()
    );
    stand_in(&bins, "avt-tokio", &flags);
    let mut harness = small_run(&bins, &out)
        .args(["--timeout-s", "300"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let child: u32 = wait_for_file(&pid_file, Duration::from_secs(20)).trim().parse().unwrap();
    let grandchild: u32 =
        wait_for_file(&grandchild_file, Duration::from_secs(20)).trim().parse().unwrap();
    assert!(live_members(child).contains(&grandchild), "the grandchild runs in the child's group");

    harness.kill().unwrap(); // SIGKILL: no handler runs
    harness.wait().unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while !live_members(child).is_empty() {
        assert!(
            Instant::now() < deadline,
            "5 s after the harness was killed, its child's group still runs: {:?}",
            live_members(child)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = std::fs::remove_dir_all(bins);
    let _ = std::fs::remove_dir_all(out);
}

#[test]
fn an_unwritable_out_is_a_usage_error_before_anything_runs() {
    let (bins, dir) = (temp_dir("out-bins"), temp_dir("out-file"));
    stand_ins(&bins, "--hold-ms 2000");
    let file = dir.join("a-file");
    std::fs::write(&file, "not a folder").unwrap();
    let start = Instant::now();
    let run = small_run(&bins, &file.join("results")).output().unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line, no progress: {stderr}");
    assert!(stderr.contains("cannot write results to"), "{stderr}");
    assert!(start.elapsed() < Duration::from_secs(2), "nothing ran: {:?}", start.elapsed());
    let _ = std::fs::remove_dir_all(bins);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_sweep_keeps_what_it_measured_when_killed_midway() {
    let (bins, out) = (temp_dir("partial-bins"), temp_dir("partial-out"));
    // 1 task: 0.1 s a run; 100 tasks: 10 s, during which the harness is killed.
    stand_in(&bins, "avt-tokio", "--hold-ms-per-task 100");
    let mut harness = Command::new(HARNESS)
        .args(["sweep", "--bin-dir", bins.to_str().unwrap(), "--out", out.to_str().unwrap()])
        .args(["--only", "tokio", "--sections", "io", "--tasks", "1,100", "--delay-ms", "10"])
        .args(["--runs", "1", "--no-python"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let json = out.join("sweep.json");
    wait_for_file(&json, Duration::from_secs(20));
    harness.kill().unwrap();
    harness.wait().unwrap();
    let results = load(&json);
    assert!(results.partial, "written after the first point, marked partial");
    assert_eq!(results.groups.len(), 1);
    assert_eq!(results.groups[0].rows[0].runs, 1);
    let md = std::fs::read_to_string(out.join("sweep.md")).unwrap();
    assert!(md.contains("PARTIAL RESULTS"), "{md}");
    let _ = std::fs::remove_dir_all(bins);
    let _ = std::fs::remove_dir_all(out);
}

#[test]
fn an_interrupted_sweep_keeps_what_it_measured_and_exits_130() {
    let (bins, out) = (temp_dir("sigint-bins"), temp_dir("sigint-out"));
    stand_in(&bins, "avt-tokio", "--hold-ms-per-task 100");
    let mut harness = Command::new(HARNESS)
        .args(["sweep", "--bin-dir", bins.to_str().unwrap(), "--out", out.to_str().unwrap()])
        .args(["--only", "tokio", "--sections", "io", "--tasks", "1,100", "--delay-ms", "10"])
        .args(["--runs", "1", "--no-python"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let json = out.join("sweep.json");
    wait_for_file(&json, Duration::from_secs(20));
    Command::new("kill").args(["-INT", &harness.id().to_string()]).status().unwrap();
    let status = wait_at_most(&mut harness, Duration::from_secs(10));
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut harness.stderr.take().unwrap(), &mut stderr).unwrap();
    assert_eq!(status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted") && stderr.contains("partial"), "{stderr}");
    let results = load(&json);
    assert!(results.partial && results.groups.len() == 1, "{:?}", results.groups);
    assert_eq!(results.runs.len(), 1, "the killed run is not a measurement");
    let _ = std::fs::remove_dir_all(bins);
    let _ = std::fs::remove_dir_all(out);
}

#[test]
fn a_finished_sweep_is_not_partial() {
    let (bins, out) = (temp_dir("whole-bins"), temp_dir("whole-out"));
    stand_in(&bins, "avt-tokio", "");
    let run = Command::new(HARNESS)
        .args(["sweep", "--bin-dir", bins.to_str().unwrap(), "--out", out.to_str().unwrap()])
        .args(["--only", "tokio", "--sections", "io", "--tasks", "1,2", "--delay-ms", "10"])
        .args(["--runs", "1", "--no-python"])
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let results = load(&out.join("sweep.json"));
    assert!(!results.partial && results.groups.len() == 2);
    assert!(!std::fs::read_to_string(out.join("sweep.md")).unwrap().contains("PARTIAL"));
    let _ = std::fs::remove_dir_all(bins);
    let _ = std::fs::remove_dir_all(out);
}

#[test]
fn a_harness_started_with_sigchld_ignored_still_measures_and_ends() {
    let (bins, out) = (temp_dir("sigchld-bins"), temp_dir("sigchld-out"));
    stand_ins(&bins, "");
    let mut command = small_run(&bins, &out);
    command.stdout(Stdio::null()).stderr(Stdio::null());
    // SAFETY: signal(2) is async-signal-safe; an ignored disposition survives exec.
    #[allow(unsafe_code)]
    unsafe {
        command.pre_exec(|| {
            libc::signal(libc::SIGCHLD, libc::SIG_IGN);
            Ok(())
        });
    }
    let mut harness = command.spawn().unwrap();
    let status = wait_at_most(&mut harness, Duration::from_secs(30));
    assert_eq!(status.code(), Some(0));
    let results = load(&out.join("run-all.json"));
    let row = &results.groups[0].rows[0];
    assert!(row.failure.is_none() && row.max_rss_kib.is_some(), "{row:?}");
    let _ = std::fs::remove_dir_all(bins);
    let _ = std::fs::remove_dir_all(out);
}
