//! The harness's own commands as a hostile user finds them (issue 17, items 10–16): two runs
//! into one folder, a results file that names its own charts, a closed stdout on `guide`, a
//! folder without the binaries, an option `load` does not use, a disk that fills, and a size
//! an approach cannot finish in its timeout. Each fails one way: one line, and the README's
//! exit status.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{HARNESS, small_run, stand_ins, temp_dir, wait_for_file};

fn stderr_of(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Item 10: a second run-all into a folder another is writing to is refused, naming the
/// first's pid; the first ends as it would have.
#[test]
fn a_second_run_into_the_same_folder_is_refused_naming_the_first() {
    let (bins, out) = (temp_dir("lock-bins"), temp_dir("lock-out"));
    stand_ins(&bins, "--hold-ms 3000");
    let mut first =
        small_run(&bins, &out).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    let held = wait_for_file(&out.join(".avt-harness.lock"), Duration::from_secs(20));
    assert_eq!(held.trim(), first.id().to_string());
    let second = small_run(&bins, &out).output().unwrap();
    let stderr = stderr_of(&second);
    assert_eq!(second.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(stderr.contains(&format!("pid {}", first.id())), "{stderr}");
    assert!(first.wait().unwrap().success(), "the first run carries on");
    // Its lock went with it: the next run may write there.
    let third = small_run(&bins, &out).output().unwrap();
    assert!(third.status.success(), "{}", stderr_of(&third));
    let _ = std::fs::remove_dir_all(bins);
    let _ = std::fs::remove_dir_all(out);
}

/// Item 11: `render` names the charts as the command that wrote the file names them, whatever
/// its `"command"` text says: a results file cannot write outside `--out`.
#[test]
fn render_writes_nothing_outside_out_whatever_the_file_says_its_command_was() {
    let dir = temp_dir("render-escape");
    let sample = avt_harness::binaries::project_root().join("results/sample/run-all.json");
    let mut results: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(sample).unwrap()).unwrap();
    let out = dir.join("a/b/out");
    let absolute = dir.join("ABSOLUTE");
    for (i, command) in ["../../ESCAPED", absolute.to_str().unwrap()].into_iter().enumerate() {
        results["command"] = command.into();
        let json = dir.join(format!("hostile-{i}.json"));
        std::fs::write(&json, results.to_string()).unwrap();
        let run = Command::new(HARNESS)
            .args(["render", json.to_str().unwrap(), "--out", out.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(run.status.success(), "{}", stderr_of(&run));
        assert!(out.join(format!("hostile-{i}.md")).is_file());
        assert!(out.join("run-all.svg").is_file(), "named as run-all names it");
    }
    let mut outside = Vec::new();
    for entry in walk(&dir) {
        if !entry.starts_with(&out) && !entry.to_string_lossy().ends_with(".json") {
            outside.push(entry);
        }
    }
    assert!(outside.is_empty(), "written outside --out: {outside:?}");
    let _ = std::fs::remove_dir_all(dir);
}

/// Every file under `dir`, recursively.
fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() { files.extend(walk(&path)) } else { files.push(path) }
    }
    files
}

/// Item 12: `guide … | head -0`: the quiet 141 of every other command, not "Broken pipe".
#[test]
fn guide_into_a_closed_stdout_ends_quietly_with_141() {
    let sample = avt_harness::binaries::project_root().join("results/sample/run-all.json");
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader); // like `| head -0`, already gone
    let run = Command::new(HARNESS).arg("guide").arg(&sample).stdout(writer).output().unwrap();
    let stderr = stderr_of(&run);
    assert_eq!(run.status.code(), Some(141), "{stderr}");
    assert!(stderr.is_empty(), "quietly: {stderr}");
}

/// Item 14: `load --sections io` is refused (load runs only mixed), one line and exit 2,
/// before anything runs.
#[test]
fn load_refuses_sections_it_does_not_run() {
    let (bins, out) = (temp_dir("load-sections-bins"), temp_dir("load-sections-out"));
    let run = Command::new(HARNESS)
        .args(["load", "--sections", "io", "--bin-dir", bins.to_str().unwrap()])
        .args(["--out", out.to_str().unwrap(), "--no-python"])
        .output()
        .unwrap();
    let stderr = stderr_of(&run);
    assert_eq!(run.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(stderr.contains("--sections"), "{stderr}");
    let _ = std::fs::remove_dir_all(bins);
    let _ = std::fs::remove_dir_all(out);
}

/// Item 13: a `--bin-dir` without the binaries: today's "missing example binary …" and exit 1,
/// before anything runs (the mixed rows' capacity measure included).
#[test]
fn a_folder_without_the_binaries_is_named_before_anything_runs() {
    let (bins, out) = (temp_dir("no-bins"), temp_dir("no-bins-out"));
    for sections in ["io,cpu,mixed", "mixed"] {
        let run = Command::new(HARNESS)
            .args(["run-all", "--bin-dir", bins.to_str().unwrap(), "--out", out.to_str().unwrap()])
            .args(["--sections", sections, "--quick", "--no-python"])
            .output()
            .unwrap();
        let stderr = stderr_of(&run);
        assert_eq!(run.status.code(), Some(1), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "nothing runs first: {stderr}");
        assert!(stderr.contains("missing example binary"), "{stderr}");
        assert!(stderr.contains(bins.to_str().unwrap()), "names it: {stderr}");
    }
    let _ = std::fs::remove_dir_all(bins);
    let _ = std::fs::remove_dir_all(out);
}

/// Item 15: a disk that fills while the results are written (simulated with a file size
/// limit, `ulimit -f`, whose writes fail as a full disk's do) leaves no truncated `.tmp` in
/// `--out`; the run fails with exit 1.
#[test]
fn a_write_that_fails_leaves_no_temporary_file() {
    let (bins, out) = (temp_dir("fsize-bins"), temp_dir("fsize-out"));
    stand_ins(&bins, "");
    let run = small_run(&bins, &out);
    let args: Vec<String> = run.get_args().map(|a| format!("'{}'", a.to_string_lossy())).collect();
    // 2 blocks of 512 bytes: the lock file and the probe fit, the results do not. SIGXFSZ
    // ignored, so a write over the limit fails (EFBIG) instead of killing the harness.
    let script = format!("ulimit -f 2 && trap '' XFSZ && exec '{HARNESS}' {}", args.join(" "));
    let run = Command::new("sh").args(["-c", &script]).output().unwrap();
    let stderr = stderr_of(&run);
    assert_eq!(run.status.code(), Some(1), "{stderr}");
    let names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!names.iter().any(|n| n.ends_with(".tmp")), "left behind: {names:?}\n{stderr}");
    let _ = std::fs::remove_dir_all(bins);
    let _ = std::fs::remove_dir_all(out);
}

/// Item 15, the rename: a results file that cannot be replaced (a folder in its place) is an
/// error, and its temporary file is removed.
#[test]
fn a_rename_that_fails_leaves_no_temporary_file() {
    let out = temp_dir("rename-fails");
    let target = out.join("run-all.json");
    std::fs::create_dir_all(target.join("occupied")).unwrap();
    let written = avt_harness::output::write_whole(&target, b"{}\n");
    assert!(written.is_err(), "a folder is in its place");
    assert!(!out.join(".run-all.json.tmp").exists(), "the temporary file is removed");
    let _ = std::fs::remove_dir_all(out);
}

/// Item 16: a size an approach cannot finish in its timeout (rayon's io, ⌈N/T⌉ waits one after
/// another) is skipped with the reason and the estimate, as the sweep's cap does, instead of
/// timing out and failing the run; the other approaches run.
#[test]
fn a_row_that_cannot_finish_in_its_timeout_is_skipped_with_its_estimate() {
    let (bins, out) = (temp_dir("over-timeout-bins"), temp_dir("over-timeout-out"));
    // rayon as it really is: one 1 s wait per fetch on its one thread.
    stand_ins(&bins, "");
    common::stand_in(&bins, "avt-rayon", "--hold-ms-per-task 1000");
    let run = Command::new(HARNESS)
        .args(["run-all", "--bin-dir", bins.to_str().unwrap(), "--out", out.to_str().unwrap()])
        .args(["--only", "tokio,rayon", "--sections", "io", "--tasks", "100", "--delay-ms"])
        .args(["1000", "--threads", "1", "--timeout-s", "5", "--runs", "1", "--warmup", "0"])
        .arg("--no-python")
        .output()
        .unwrap();
    let stderr = stderr_of(&run);
    assert_eq!(run.status.code(), Some(0), "{stderr}");
    let results: avt_harness::Results =
        serde_json::from_str(&std::fs::read_to_string(out.join("run-all.json")).unwrap()).unwrap();
    let rows: Vec<_> = results.groups.iter().flat_map(|g| &g.rows).collect();
    let rayon = rows.iter().find(|r| r.approach == "rayon").expect("a rayon row");
    let why = rayon.skipped.as_deref().unwrap_or_default();
    assert!(why.contains("~100 s") && why.contains("5 s timeout"), "{why:?}\n{stderr}");
    let tokio = rows.iter().find(|r| r.approach == "tokio").expect("a tokio row");
    assert!(tokio.skipped.is_none() && tokio.failure.is_none(), "{stderr}");
    let _ = std::fs::remove_dir_all(bins);
    let _ = std::fs::remove_dir_all(out);
}
