//! Helpers the harness's end-to-end tests share.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use avt_harness::Results;
use avt_harness::plan::Python;

pub const HARNESS: &str = env!("CARGO_BIN_EXE_avt-harness");

/// A fresh, empty folder under the system's temporary folder.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("avt-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `avt-harness <command> --out <temp> <args>`; returns its output, its results and
/// the folder they were written to.
pub fn harness(command: &str, name: &str, args: &[&str]) -> (Output, Results, PathBuf) {
    let out_dir = temp_dir(name);
    let out = Command::new(HARNESS)
        .args([command, "--out", out_dir.to_str().unwrap()])
        .args(args)
        .output()
        .unwrap();
    // A tcp run's results are written as <command>-tcp.*.
    let tcp = args.windows(2).any(|w| w == ["--source", "tcp"]);
    let command = if tcp { format!("{command}-tcp") } else { command.to_string() };
    let json =
        std::fs::read_to_string(out_dir.join(format!("{command}.json"))).unwrap_or_else(|e| {
            panic!("no results ({e}); stderr:\n{}", String::from_utf8_lossy(&out.stderr))
        });
    for ext in ["md", "csv"] {
        assert!(out_dir.join(format!("{command}.{ext}")).is_file(), "{command}.{ext} missing");
    }
    (out, serde_json::from_str(&json).unwrap(), out_dir)
}

/// A stand-in for an example binary: `avt-harness fake [flags] -- <the example's args>`.
pub fn stand_in(dir: &Path, binary: &str, flags: &str) {
    let path = dir.join(binary);
    std::fs::write(&path, format!("#!/bin/sh\nexec '{HARNESS}' fake {flags} -- \"$@\"\n")).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// A well-formed SVG document (one root element, every tag closed) that names `series`.
pub fn assert_svg(path: &Path, series: &[&str]) {
    let svg = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(svg.trim_start().starts_with("<svg"), "{}: not an SVG", path.display());
    assert!(svg.trim_end().ends_with("</svg>"), "{}: unterminated", path.display());
    let (mut depth, mut rest) = (0i64, svg.as_str());
    while let Some(at) = rest.find('<') {
        let end = rest[at..].find('>').map(|e| at + e).expect("unclosed tag");
        let tag = &rest[at + 1..end];
        if tag.starts_with('/') {
            depth -= 1;
        } else if !tag.ends_with('/') && !tag.starts_with('?') && !tag.starts_with('!') {
            depth += 1;
        }
        assert!(depth >= 0, "{}: a closing tag without an opening one", path.display());
        rest = &rest[end + 1..];
    }
    assert_eq!(depth, 0, "{}: unbalanced tags", path.display());
    for name in series {
        assert!(svg.contains(name), "{}: no series {name:?}", path.display());
    }
}

/// Whether python3 is on PATH; if not, says which checks are skipped.
pub fn python_or_note(what: &str) -> bool {
    let found = Python::find().is_some();
    if !found {
        eprintln!("note: python3 not on PATH; skipping {what}");
    }
    found
}

/// A small run-all over stand-ins in `bins`, into `out`: one io row (tokio), one quick run.
pub fn small_run(bins: &Path, out: &Path) -> Command {
    let mut command = Command::new(HARNESS);
    command
        .args(["run-all", "--bin-dir", bins.to_str().unwrap(), "--out", out.to_str().unwrap()])
        .args(["--only", "tokio", "--sections", "io", "--tasks", "3", "--delay-ms", "10"])
        .args(["--runs", "1", "--warmup", "0", "--no-python"]);
    command
}

/// Stand-ins for all five example binaries, each with the same fake flags.
pub fn stand_ins(dir: &Path, flags: &str) {
    for binary in ["avt-std", "avt-tokio", "avt-async-std", "avt-smol", "avt-rayon"] {
        stand_in(dir, binary, flags);
    }
}

/// Waits up to `limit` for `path` to exist (and be non-empty); panics past it.
pub fn wait_for_file(path: &Path, limit: Duration) -> String {
    let deadline = Instant::now() + limit;
    loop {
        if let Ok(text) = std::fs::read_to_string(path)
            && !text.is_empty()
        {
            return text;
        }
        assert!(Instant::now() < deadline, "{} did not appear within {limit:?}", path.display());
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The processes still running (zombies do not count) in process group `pgid`.
pub fn live_members(pgid: u32) -> Vec<u32> {
    let mut live = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { continue };
        // After the command name in parentheses: state, ppid, pgrp, …
        let fields: Vec<&str> =
            stat.rsplit_once(')').map_or(vec![], |(_, rest)| rest.split_whitespace().collect());
        if fields.get(2) == Some(&pgid.to_string().as_str()) && fields.first() != Some(&"Z") {
            live.push(pid);
        }
    }
    live
}
