//! Where the example binaries are, and building them so that no stale binary is measured.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::model::group::Group;

/// The workspace root, where Cargo.lock, scripts/ and results/ live: where the harness was
/// built, or else (a copied binary on another machine) the current folder.
pub fn project_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    match manifest.ancestors().nth(2) {
        Some(root) if root.join("Cargo.toml").is_file() => root.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// The example binaries' folder: `given` as it is, or else the harness's own folder, with
/// the binaries (re)built there first so that nothing stale is measured.
pub fn bin_dir(given: Option<PathBuf>) -> Result<PathBuf> {
    if let Some(dir) = given {
        if !dir.is_dir() {
            bail!("--bin-dir {}: no such folder", dir.display());
        }
        return Ok(dir);
    }
    let dir = own_dir()?;
    build(&dir)?;
    Ok(dir)
}

/// The folder the harness itself was built into (`target/release` under `cargo run
/// --release`): the example binaries are built beside it.
pub fn own_dir() -> Result<PathBuf> {
    let exe = std::env::current_exe().context("cannot find the harness's own binary")?;
    Ok(exe.parent().context("the harness binary has no folder")?.to_path_buf())
}

/// The cargo profile a `target/<dir>` folder holds.
pub fn profile_of(bin_dir: &Path) -> String {
    match bin_dir.file_name().and_then(|n| n.to_str()) {
        Some("debug") => "dev".into(),
        Some(name) => name.into(),
        None => "unknown".into(),
    }
}

/// Builds every example binary into `bin_dir` (= `<target>/<profile>`) with cargo.
pub fn build(bin_dir: &Path) -> Result<()> {
    let profile = profile_of(bin_dir);
    let target = bin_dir.parent().context("the binaries' folder has no parent")?;
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    note!("building the example binaries ({profile} profile)…");
    let mut command = Command::new(&cargo);
    // SAFETY: prctl is async-signal-safe. If the harness is killed outright, cargo gets
    // SIGTERM and stops the build it was running for it.
    #[allow(unsafe_code)]
    unsafe {
        command.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
            Ok(())
        });
    }
    let status = command
        .current_dir(project_root())
        .args(["build", "--quiet", "--bins", "--workspace", "--exclude", "avt-harness"])
        .args(["--profile", &profile, "--target-dir"])
        .arg(target)
        .status()
        .with_context(|| format!("cannot run {}", cargo.to_string_lossy()))?;
    if !status.success() {
        bail!("building the example binaries failed ({status})");
    }
    Ok(())
}

/// Fails unless every row's program exists (Python is found on PATH, not checked here).
pub fn check_programs(groups: &[Group]) -> Result<()> {
    groups.iter().flat_map(|g| &g.rows).try_for_each(|row| check_program(&row.spec.program))
}

/// Fails unless `program` (a path; a bare name is found on PATH, not checked here) exists.
pub fn check_program(program: &Path) -> Result<()> {
    if program.components().count() > 1 && !program.is_file() {
        bail!(
            "missing example binary {}: build it with `cargo build --release`",
            program.display()
        );
    }
    Ok(())
}
