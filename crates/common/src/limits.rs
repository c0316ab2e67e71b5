//! Naming the OS limit a run ran into, so the error says which one and how far it got.

use std::fmt::Display;
use std::fs;

/// Memory maps a live std thread holds: its stack and its signal stack, each with a guard page.
const MAPS_PER_THREAD: usize = 4;
/// Maps kept free for everything else the process maps (allocator arenas, libraries).
const SPARE_MAPS: usize = 512;

/// How many threads this process can still start before its memory maps reach
/// `vm.max_map_count`, or None where that is unknown.
///
/// Spawning must stop short of this: at the limit a new thread cannot map its signal stack,
/// and std aborts the whole process instead of returning an error from `spawn`.
pub fn threads_before_map_limit() -> Option<usize> {
    let max: usize = fs::read_to_string("/proc/sys/vm/max_map_count").ok()?.trim().parse().ok()?;
    let used = fs::read_to_string("/proc/self/maps").ok()?.lines().count();
    Some(max.saturating_sub(used + SPARE_MAPS) / MAPS_PER_THREAD)
}

/// The one-line error for a run that could not start all `wanted` threads.
pub fn thread_limit_hit(started: usize, wanted: usize, cause: impl Display) -> anyhow::Error {
    anyhow::anyhow!(
        "hit the OS thread limit: started {started} of {wanted} threads ({cause}), and they all \
         ran to the end; limits here: {}",
        thread_limits()
    )
}

/// The limits that cap how many threads this process can start, for an error message, e.g.
/// "ulimit -u (RLIMIT_NPROC) = 96365, …, vm.max_map_count / 4 = 16382 (lowest)".
///
/// Each counts threads except the address-space limit, shown only when set: every thread
/// reserves its stack (2 MiB by default) out of it.
pub fn thread_limits() -> String {
    let read = |path: &str| fs::read_to_string(path).ok()?.trim().parse::<u64>().ok();
    let counts = [
        ("ulimit -u (RLIMIT_NPROC)", rlimit("Max processes")),
        ("kernel.threads-max", read("/proc/sys/kernel/threads-max")),
        ("kernel.pid_max", read("/proc/sys/kernel/pid_max")),
        // Each live thread holds MAPS_PER_THREAD of the process's memory maps.
        (
            "vm.max_map_count / 4",
            read("/proc/sys/vm/max_map_count").map(|m| m / MAPS_PER_THREAD as u64),
        ),
    ];
    let lowest = counts.iter().filter_map(|(_, v)| *v).min();
    let mut described: Vec<String> = counts
        .iter()
        .filter_map(|(name, value)| {
            let value = (*value)?;
            let mark = if Some(value) == lowest { " (lowest)" } else { "" };
            Some(format!("{name} = {value}{mark}"))
        })
        .collect();
    if let Some(bytes) = rlimit("Max address space") {
        described.push(format!("ulimit -v (RLIMIT_AS) = {} MiB", bytes >> 20));
    }
    if described.is_empty() { "unknown on this OS".into() } else { described.join(", ") }
}

/// The soft value of one row of /proc/self/limits, or None if unlimited or unknown.
fn rlimit(row: &str) -> Option<u64> {
    let limits = fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with(row))?;
    line[row.len()..].split_whitespace().next()?.parse().ok()
}

/// The open-file limit (RLIMIT_NOFILE) as (soft, hard).
#[allow(unsafe_code)]
pub fn open_files() -> std::io::Result<(u64, u64)> {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit writes only into the struct we pass it.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok((limit.rlim_cur, limit.rlim_max))
}

/// Raises the soft open-file limit to the hard one; returns (before, after).
#[allow(unsafe_code)]
pub fn raise_open_files() -> std::io::Result<(u64, u64)> {
    let (soft, hard) = open_files()?;
    if soft < hard {
        let limit = libc::rlimit { rlim_cur: hard, rlim_max: hard };
        // SAFETY: setrlimit only reads the struct we pass it.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok((soft, soft.max(hard)))
}

/// Makes room for `connections` sockets open at once: raises the soft RLIMIT_NOFILE to the
/// hard limit when the soft one is too low, and fails naming the limit when even the hard
/// one is.
pub fn ensure_open_files(connections: usize) -> anyhow::Result<()> {
    // Beyond the sockets: stdin/out/err, the runtime's own descriptors, loaded libraries.
    let needed = connections as u64 + 64;
    let (soft, hard) = open_files()?;
    if soft >= needed {
        return Ok(());
    }
    if hard < needed {
        anyhow::bail!(
            "{connections} connections at once need about {needed} open files, but the open-file \
             limit is {hard} even raised to its hard limit (RLIMIT_NOFILE; see ulimit -Hn)"
        );
    }
    raise_open_files()?;
    Ok(())
}
