//! Helpers the harness's end-to-end tests share.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use avt_harness::Results;

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
