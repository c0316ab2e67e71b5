//! The sink: every file written whole (a temporary file, then a rename, so an interrupted
//! run leaves no half a file), the output folder checked before anything runs, results read
//! back, the table on stdout with its errors told apart, and the output folder locked
//! while a command writes to it ([`lock`]).

mod lock;

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::model::plan::UsageError;
use crate::model::results::Results;
use crate::render::csv::csv;
use crate::render::layout::Layout;
use crate::render::markdown::markdown;

pub use lock::{FolderLock, LOCK_FILE, lock};

/// Fails, before anything runs, unless the results can be written in `out` (created if
/// missing): a usage error, exit status 2.
pub fn check_writable(out: &Path) -> Result<(), UsageError> {
    let unusable =
        |e: io::Error| UsageError(format!("cannot write results to {}: {e}", out.display()));
    fs::create_dir_all(out).map_err(unusable)?;
    let probe = out.join(format!(".avt-harness-{}.probe", std::process::id()));
    fs::write(&probe, b"").map_err(unusable)?;
    let _ = fs::remove_file(&probe);
    Ok(())
}

/// Writes `bytes` to `path` whole: to a temporary file beside it, then renamed over it. On
/// any failure (a full disk, a rename refused) the temporary file is removed: nothing half
/// written is left.
pub fn write_whole(path: &Path, bytes: &[u8]) -> Result<()> {
    let name = path.file_name().context("no file name")?.to_string_lossy();
    let tmp = path.with_file_name(format!(".{name}.tmp"));
    let written =
        fs::write(&tmp, bytes).with_context(|| format!("cannot write {}", tmp.display())).and_then(
            |()| fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display())),
        );
    if written.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    written
}

/// Writes `<out>/<name>.json`, `.md` and `.csv`, each whole, with the sections' `layout`.
pub fn write_files(
    results: &Results,
    out: &Path,
    name: &str,
    layout: &dyn Layout,
) -> Result<Vec<PathBuf>> {
    fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let json = serde_json::to_string_pretty(results).context("cannot serialise the results")?;
    let files = [("json", json + "\n"), ("md", markdown(results, layout)), ("csv", csv(results))];
    let mut written = Vec::new();
    for (ext, text) in files {
        let path = out.join(format!("{name}.{ext}"));
        write_whole(&path, text.as_bytes())?;
        written.push(path);
    }
    Ok(written)
}

/// Writes `charts` (file name, SVG) into `out`, each whole; gives the files written.
pub fn write_charts(charts: &[(String, String)], out: &Path) -> Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    for (file, svg) in charts {
        let path = out.join(file);
        write_whole(&path, svg.as_bytes())?;
        written.push(path);
    }
    Ok(written)
}

/// A results file as written by run-all or the sweep.
pub fn load(json: &Path) -> Result<Results> {
    let text =
        fs::read_to_string(json).with_context(|| format!("cannot read {}", json.display()))?;
    serde_json::from_str(&text)
        .with_context(|| format!("{} is not a harness results file", json.display()))
}

/// Writes `text` to stdout. The error is the caller's to tell apart: a closed pipe
/// (`ErrorKind::BrokenPipe`: the reader, e.g. `head`, has what it wanted) from a real
/// failure (a full disk).
pub fn to_stdout(text: &str) -> io::Result<()> {
    let mut stdout = io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()
}
