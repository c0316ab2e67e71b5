//! One measuring command at a time per output folder: an advisory lock (`flock`) on
//! `<out>/.avt-harness.lock`, which holds the pid of the command that has it. The kernel
//! drops the lock when its holder ends, however it ends, so a killed run never blocks the
//! next one.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, Write};
use std::os::fd::AsRawFd;
use std::path::Path;

use anyhow::{Context, Result, bail};

/// The lock file's name in the output folder.
pub const LOCK_FILE: &str = ".avt-harness.lock";

/// The folder's lock, held until it is dropped (or the process ends).
#[derive(Debug)]
pub struct FolderLock {
    _file: File,
}

/// Takes the lock of `out` (which exists), or fails with one line naming the pid of the
/// command that holds it.
pub fn lock(out: &Path) -> Result<FolderLock> {
    let path = out.join(LOCK_FILE);
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    if !try_lock(&file).with_context(|| format!("cannot lock {}", path.display()))? {
        let mut holder = String::new();
        let _ = file.read_to_string(&mut holder);
        let holder = match holder.trim() {
            "" => "another avt-harness".to_string(),
            pid => format!("another avt-harness (pid {pid})"),
        };
        bail!(
            "{holder} is writing its results to {} now; wait for it to end, or give another \
             --out",
            out.display()
        );
    }
    let pid = std::process::id();
    let written =
        file.set_len(0).and_then(|()| file.rewind()).and_then(|()| writeln!(file, "{pid}"));
    written.with_context(|| format!("cannot write {}", path.display()))?;
    Ok(FolderLock { _file: file })
}

/// Takes an exclusive `flock` on `file` without waiting: false if another process holds it.
#[allow(unsafe_code)]
fn try_lock(file: &File) -> io::Result<bool> {
    // SAFETY: flock only acts on the descriptor, which `file` keeps open for the call.
    if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0 {
        return Ok(true);
    }
    let error = io::Error::last_os_error();
    if error.kind() == io::ErrorKind::WouldBlock { Ok(false) } else { Err(error) }
}
