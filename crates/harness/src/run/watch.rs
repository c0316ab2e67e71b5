//! Every measured child, and whatever it started, dies with the harness, even when the
//! harness is killed outright (SIGKILL), which no signal handler sees.
//!
//! A parent-death signal (`PR_SET_PDEATHSIG`) reaches only the direct child, not a Python
//! process pool or anything else the child started. So the harness forks one small watcher
//! process the first time it measures a child. The watcher holds the read end of a pipe
//! whose write end only the harness holds. Each child registers its process group there
//! (`+PGID`) before it execs, and the harness unregisters it (`-PGID`) once the child has
//! exited and its group has been killed. However the harness ends, the kernel then closes
//! its end of the pipe: the watcher reads end-of-file, kills every process group still
//! registered, and exits.
#![allow(unsafe_code)]

use std::io;
use std::os::fd::RawFd;
use std::sync::OnceLock;

/// Most process groups the watcher keeps at once: the harness runs one child at a time, a
/// test binary a few.
const MAX_GROUPS: usize = 256;

/// The write end of the watcher's pipe, once started (None if it could not be).
static WATCHER: OnceLock<Option<RawFd>> = OnceLock::new();

/// The watcher's pipe, starting the watcher on first use.
pub fn watcher() -> Option<RawFd> {
    *WATCHER.get_or_init(start)
}

/// In a child between fork and exec: registers its own process group (its pid, as it runs
/// in a group of its own) with the watcher. Async-signal-safe: no allocation, one write(2).
pub fn register_from_child(watcher: RawFd) {
    // SAFETY: getpid has no memory effects.
    let pid = unsafe { libc::getpid() };
    send(watcher, b'+', pid);
}

/// Unregisters `pgid` after its leader has exited and the group has been killed, before the
/// leader is reaped (so the number cannot yet belong to anything else).
pub fn forget(pgid: libc::pid_t) {
    if let Some(fd) = watcher() {
        send(fd, b'-', pgid);
    }
}

/// Writes `+PID\n` or `-PID\n` in one write(2), which a pipe keeps whole (under PIPE_BUF).
fn send(fd: RawFd, sign: u8, pid: libc::pid_t) {
    let mut line = [0u8; 16];
    let mut digits = [0u8; 12];
    let (mut n, mut count) = (pid.unsigned_abs(), 0);
    loop {
        digits[count] = b'0' + (n % 10) as u8;
        count += 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    line[0] = sign;
    for i in 0..count {
        line[1 + i] = digits[count - 1 - i];
    }
    line[1 + count] = b'\n';
    // SAFETY: writes from a live stack buffer of the given length. A failed write leaves
    // the child to its parent-death signal and the harness's own clean-up.
    unsafe {
        libc::write(fd, line.as_ptr().cast(), count + 2);
    }
}

/// Forks the watcher; returns the pipe's write end, kept by the harness alone (close-on-exec,
/// so no program the harness starts inherits it).
fn start() -> Option<RawFd> {
    let mut fds = [0; 2];
    // SAFETY: pipe2 writes two file descriptors into the array we pass.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return None;
    }
    let [read, write] = fds;
    // SAFETY: the child runs only async-signal-safe calls (see `watch`) and never returns.
    match unsafe { libc::fork() } {
        -1 => {
            // SAFETY: closing the two descriptors we just made.
            unsafe {
                libc::close(read);
                libc::close(write);
            }
            None
        }
        0 => unsafe { watch(read, write) },
        _ => {
            // SAFETY: the read end is the watcher's; the harness keeps only the write end.
            unsafe { libc::close(read) };
            Some(write)
        }
    }
}

/// The watcher itself, in the forked child. Only async-signal-safe calls: the harness's
/// other threads do not exist here and may have held locks (the allocator's among them).
unsafe fn watch(read: RawFd, write: RawFd) -> ! {
    // SAFETY (whole function): plain system calls on our own descriptors and stack buffers.
    unsafe {
        libc::close(write);
        // Out of the harness's process group, so a Ctrl-C at the terminal (which the harness
        // handles itself) does not end the watcher; and deaf to the signals it might get.
        libc::setpgid(0, 0);
        for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT, libc::SIGPIPE] {
            libc::signal(signal, libc::SIG_IGN);
        }
        // Keep nothing else open: not the harness's stdout (a reader would wait for its
        // end), nor a pipe another thread was setting up for a child at the fork.
        libc::dup2(read, 0);
        close_from(1);

        let mut groups = [0 as libc::pid_t; MAX_GROUPS];
        let mut count = 0;
        let (mut line, mut len) = ([0u8; 16], 0);
        let mut buf = [0u8; 512];
        loop {
            let n = libc::read(0, buf.as_mut_ptr().cast(), buf.len());
            if n == 0 {
                break;
            }
            if n < 0 {
                if io::Error::last_os_error().kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                break;
            }
            for &byte in &buf[..n as usize] {
                if byte != b'\n' {
                    if len < line.len() {
                        line[len] = byte;
                        len += 1;
                    }
                    continue;
                }
                let pid = parse_pid(&line[1..len]);
                match (line[0], pid) {
                    (b'+', Some(pid)) if count < MAX_GROUPS => {
                        groups[count] = pid;
                        count += 1;
                    }
                    (b'-', Some(pid)) => {
                        if let Some(i) = groups[..count].iter().position(|&g| g == pid) {
                            groups[i] = groups[count - 1];
                            count -= 1;
                        }
                    }
                    _ => {}
                }
                len = 0;
            }
        }
        // The harness is gone: so must be everything it was measuring.
        for &pgid in &groups[..count] {
            libc::kill(-pgid, libc::SIGKILL);
        }
        libc::_exit(0)
    }
}

fn parse_pid(digits: &[u8]) -> Option<libc::pid_t> {
    if digits.is_empty() || digits.len() > 10 {
        return None;
    }
    let mut pid: i64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        pid = pid * 10 + i64::from(d - b'0');
    }
    libc::pid_t::try_from(pid).ok().filter(|&p| p > 1)
}

/// Closes every descriptor from `first` up: close_range(2) where the kernel has it, else
/// one by one up to the open-file limit.
unsafe fn close_from(first: RawFd) {
    // SAFETY: closing descriptors has no memory effects; getrlimit writes into `limit`.
    unsafe {
        if libc::syscall(libc::SYS_close_range, first as libc::c_uint, libc::c_uint::MAX, 0) == 0 {
            return;
        }
        let mut limit: libc::rlimit = std::mem::zeroed();
        let max = if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 {
            limit.rlim_cur.min(1 << 20) as RawFd
        } else {
            1024
        };
        for fd in first..max {
            libc::close(fd);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pids_parse_and_nonsense_does_not() {
        assert_eq!(parse_pid(b"12345"), Some(12345));
        assert_eq!(parse_pid(b""), None);
        assert_eq!(parse_pid(b"12a"), None);
        assert_eq!(parse_pid(b"1"), None, "never init");
        assert_eq!(parse_pid(b"99999999999"), None);
    }
}
