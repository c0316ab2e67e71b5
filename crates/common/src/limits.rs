//! Naming the OS limit a run ran into, so the error says which one and how far it got.

use std::fmt::Display;
use std::fs;

/// Memory maps a live std thread holds: its stack and its signal stack, each with a guard page.
const MAPS_PER_THREAD: usize = 4;
/// Maps kept free for everything else the process maps (allocator arenas, libraries).
const SPARE_MAPS: usize = 512;

/// Address space a thread maps beyond its stack: a guard page, and std's signal stack
/// (SIGSTKSZ or the kernel's AT_MINSIGSTKSZ, 8 KiB on x86-64 Linux) with its own guard page.
const THREAD_EXTRA: u64 = 64 << 10;
/// The address space glibc reserves for each malloc arena (HEAP_MAX_SIZE on 64-bit).
const ARENA: u64 = 64 << 20;
/// Address space kept free for everything else: an arena is first mapped at twice its size
/// and trimmed, the allocator's other mappings, the error message.
const SPARE_ADDRESS_SPACE: u64 = 128 << 20;

/// How many more threads this process can start, and the limit that says so.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ThreadRoom {
    /// Threads that can still be started: `usize::MAX` when no limit below is known.
    pub threads: usize,
    /// The limit, for an error message: `vm.max_map_count` or the address-space limit.
    pub limit: &'static str,
}

/// How many threads this process can start before a new one would find no room to map its
/// signal stack: the lower of the `vm.max_map_count` and the address-space (RLIMIT_AS)
/// ceilings.
///
/// Spawning must stop short of this, counting what every started thread maps when it first
/// runs (on one core that can be after the spawning loop has used up the rest): past it std
/// aborts the whole process ("failed to allocate an alternative stack") instead of returning
/// an error from `spawn`.
pub fn thread_room() -> ThreadRoom {
    let maps = threads_before_map_limit().map(|n| (n, "vm.max_map_count"));
    let space =
        threads_before_address_space_limit().map(|n| (n, "the address-space limit, RLIMIT_AS"));
    match maps.into_iter().chain(space).min_by_key(|&(n, _)| n) {
        Some((threads, limit)) => ThreadRoom { threads, limit },
        None => ThreadRoom { threads: usize::MAX, limit: "no known limit" },
    }
}

/// How many threads this process can still start before its memory maps reach
/// `vm.max_map_count`, or None where that is unknown.
fn threads_before_map_limit() -> Option<usize> {
    let max: usize = fs::read_to_string("/proc/sys/vm/max_map_count").ok()?.trim().parse().ok()?;
    let used = fs::read_to_string("/proc/self/maps").ok()?.lines().count();
    Some(max.saturating_sub(used + SPARE_MAPS) / MAPS_PER_THREAD)
}

/// How many threads this process can still start within its address-space limit (RLIMIT_AS,
/// `ulimit -v`), or None when it has none or it is unknown.
///
/// Each thread takes its stack (std's 2 MiB, or RUST_MIN_STACK) and [`THREAD_EXTRA`]; and
/// with glibc, each of the first 8 × CPUs − 1 threads that allocates gets a malloc arena of
/// its own, reserving [`ARENA`].
fn threads_before_address_space_limit() -> Option<usize> {
    let limit = address_space_limit()?;
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let used_kib = status.lines().find_map(|l| l.strip_prefix("VmSize:"))?;
    let used_kib: u64 = used_kib.trim().trim_end_matches("kB").trim().parse().ok()?;
    let budget = limit.saturating_sub((used_kib << 10) + SPARE_ADDRESS_SPACE);
    let stack =
        std::env::var("RUST_MIN_STACK").ok().and_then(|s| s.parse().ok()).unwrap_or(2 << 20);
    let thread = u64::saturating_add(stack, THREAD_EXTRA);
    let arenas = if cfg!(target_env = "gnu") { 8 * online_cpus() - 1 } else { 0 };
    // The first `arenas` threads cost a stack and an arena each, the rest a stack each.
    let with_arena = thread.saturating_add(ARENA);
    let threads = match budget.checked_sub(arenas.saturating_mul(with_arena)) {
        None => budget / with_arena,
        Some(rest) => arenas + rest / thread,
    };
    Some(usize::try_from(threads).unwrap_or(usize::MAX))
}

/// The soft RLIMIT_AS in bytes, or None if unlimited or unknown.
#[allow(unsafe_code)]
fn address_space_limit() -> Option<u64> {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit writes only into the struct we pass it.
    if unsafe { libc::getrlimit(libc::RLIMIT_AS, &mut limit) } != 0 {
        return None;
    }
    (limit.rlim_cur != libc::RLIM_INFINITY).then_some(limit.rlim_cur)
}

/// The CPUs online, as glibc counts them to cap its malloc arenas (at least 1).
#[allow(unsafe_code)]
fn online_cpus() -> u64 {
    // SAFETY: sysconf only reads a system value.
    let n = unsafe { libc::sysconf(libc::_SC_NPROCESSORS_ONLN) };
    u64::try_from(n).unwrap_or(1).max(1)
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

/// Descriptors kept free beyond the sockets and those the process already holds: what the
/// runtime may still open (its epoll, eventfd, timer and signal descriptors).
const SPARE_FILES: u64 = 16;
/// What the process is taken to hold where /proc cannot say.
const HELD_FILES_UNKNOWN: u64 = 48;

/// Makes room for `connections` sockets open at once: raises the soft RLIMIT_NOFILE to the
/// hard limit when the soft one is too low, and fails naming the limit when even the hard
/// one is. Counts the descriptors this process really holds (stdin/out/err, the runtime's,
/// inherited ones), so a small run fits a small limit.
pub fn ensure_open_files(connections: usize) -> anyhow::Result<()> {
    let held = open_fds_now().map_or(HELD_FILES_UNKNOWN, |n| n as u64);
    let needed = connections as u64 + held + SPARE_FILES;
    let (soft, hard) = open_files()?;
    if soft >= needed {
        return Ok(());
    }
    if hard < needed {
        anyhow::bail!(
            "{connections} connections at once need about {needed} open files ({held} open \
             already), but the open-file limit is {hard} even raised to its hard limit \
             (RLIMIT_NOFILE; see ulimit -Hn)"
        );
    }
    raise_open_files()?;
    Ok(())
}

/// The threads this process has now (the entries of `/proc/self/task`), or None where that
/// is unknown. Shared by the limit checks and the cancel example's watch.
pub fn threads_now() -> Option<usize> {
    Some(fs::read_dir("/proc/self/task").ok()?.count())
}

/// The file descriptors this process holds open now (the entries of `/proc/self/fd`, less
/// the one the listing itself opens), or None where that is unknown. Shared by the limit
/// checks and the cancel example's watch.
pub fn open_fds_now() -> Option<usize> {
    Some(fs::read_dir("/proc/self/fd").ok()?.count().saturating_sub(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_thread_and_a_new_file_are_counted() {
        let (threads, fds) = (threads_now().unwrap(), open_fds_now().unwrap());
        assert!(threads >= 1);
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<()>();
        let t = std::thread::spawn(move || {
            ready_tx.send(()).unwrap();
            rx.recv().ok();
        });
        ready_rx.recv().unwrap();
        // Other tests run on other threads at the same time: at least one more.
        assert!(threads_now().unwrap() >= 2);
        tx.send(()).unwrap();
        t.join().unwrap();
        // 40 more files open: counted (other tests may close a few of theirs meanwhile).
        let files: Vec<fs::File> =
            (0..40).map(|_| fs::File::open("/proc/self/status").unwrap()).collect();
        assert!(open_fds_now().unwrap() + 8 >= fds + files.len());
    }
}
