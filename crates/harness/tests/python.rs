//! The article's Python originals (scripts/python) print the same --json line as the Rust
//! crates, with the same answers for the same parameters. Python is optional: without
//! python3 on PATH these tests say so and pass.

use std::process::{Command, Output};

use avt_common::{Report, count_primes_in, cpu_checksum, io_checksum};
use avt_harness::binaries::project_root;
use avt_harness::plan::Python;

/// Whether python3 is on PATH; if not, says that `test` is skipped.
fn have_python(test: &str) -> bool {
    let found = Python::find().is_some();
    if !found {
        eprintln!("note: python3 not on PATH; skipping {test}");
    }
    found
}

fn python(script: &str, args: &[&str]) -> Output {
    let path = project_root().join("scripts/python").join(script);
    Command::new("python3").arg(path).args(args).output().expect("python3 was found on PATH")
}

fn report(script: &str, args: &[&str]) -> Report {
    let out = python(script, &[args, &["--json"]].concat());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{script} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(stdout.lines().count(), 1, "one JSON line: {stdout}");
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("bad JSON ({e}): {stdout}"))
}

#[test]
fn io_matches_the_rust_checksum() {
    if !have_python("io_matches_the_rust_checksum") {
        return;
    }
    for script in ["asyncio_example.py", "threading_example.py"] {
        let r = report(script, &["io", "--tasks", "50", "--delay-ms", "20", "--threads", "2"]);
        assert_eq!(r.result, 50);
        assert_eq!(r.checksum, format!("{:016x}", io_checksum(50)), "{script}");
        assert_eq!((r.params.tasks, r.params.delay_ms, r.params.threads), (Some(50), Some(20), 2));
        assert!(r.elapsed_ms >= 20.0 && r.elapsed_ms < 2000.0, "{script}: {} ms", r.elapsed_ms);
    }
}

#[test]
fn cpu_matches_the_rust_count() {
    if !have_python("cpu_matches_the_rust_count") {
        return;
    }
    for (limit, jobs) in [(100_000_u64, 7_usize), (12_345, 64)] {
        let rust = count_primes_in(0..limit + 1);
        let (l, j) = (limit.to_string(), jobs.to_string());
        for extra in [&["--threads", "2"][..], &["--sequential"]] {
            let r = report(
                "threading_example.py",
                &[&["cpu", "--limit", &l, "--jobs", &j], extra].concat(),
            );
            assert_eq!(r.result, rust, "{extra:?}");
            assert_eq!(r.checksum, format!("{:016x}", cpu_checksum(limit, rust)));
        }
    }
}

#[test]
fn the_article_lines_are_printed() {
    if !have_python("the_article_lines_are_printed") {
        return;
    }
    let out = python("asyncio_example.py", &["io", "--delay-ms", "10"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    for url in avt_common::URLS {
        assert!(stdout.contains(&format!("Fetching data from {url}\n")), "{stdout}");
        assert!(stdout.contains(&format!("Data fetched from {url}\n")), "{stdout}");
    }
}

#[test]
fn bad_input_is_one_line_and_exit_2() {
    if !have_python("bad_input_is_one_line_and_exit_2") {
        return;
    }
    for args in [&["io", "--tasks", "0"][..], &["cpu", "--limit", "5", "--jobs", "7"], &["nope"]] {
        let out = python("threading_example.py", args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    }
}
