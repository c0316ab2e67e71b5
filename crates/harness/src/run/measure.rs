//! Running one child process and measuring it from outside: wall time, CPU time, peak RSS,
//! peak threads and context switches of that child alone.
//!
//! std's `Child` cannot do this: its `wait` drops the child's resource usage, and it cannot
//! kill a process group. So this module calls `waitid`, `wait4` and `kill` itself.
#![allow(unsafe_code)]

use std::io::{self, Read};
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// How often the sampler reads the child's thread count from /proc.
const SAMPLE_EVERY: Duration = Duration::from_millis(2);

pub use crate::model::measurement::{End, Measurement, Spec};

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_interrupt(_signal: libc::c_int) {
    INTERRUPTED.store(true, Ordering::SeqCst);
}

/// Makes SIGINT and SIGTERM set a flag instead of killing the harness, so that it can kill
/// the child it is running (which sits in its own process group) before it exits.
pub fn catch_interrupts() {
    for signal in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: the handler only stores to an atomic, which is async-signal-safe; the
        // sigaction struct is zeroed and then filled in as sigaction(2) requires.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_interrupt as *const () as libc::sighandler_t;
            action.sa_flags = libc::SA_RESTART;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(signal, &action, std::ptr::null_mut());
        }
    }
}

/// Whether SIGINT or SIGTERM arrived since [`catch_interrupts`].
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// Runs `spec` in a process group of its own and measures it. Past `timeout` (or on an
/// interrupt) the whole group is killed and the run ends as [`End::TimedOut`]. The group is
/// registered with the [watcher](crate::run::watch) while it runs, so it dies with the harness
/// however the harness ends.
pub fn measure(spec: &Spec, timeout: Duration) -> io::Result<Measurement> {
    measure_with(spec, timeout, wait_without_reaping)
}

/// [`measure`], with the wait for the child's exit passed in (a test makes it fail).
fn measure_with(
    spec: &Spec,
    timeout: Duration,
    wait: fn(libc::pid_t) -> io::Result<()>,
) -> io::Result<Measurement> {
    wait_for_children_normally();
    let watcher = crate::run::watch::watcher();
    let parent = std::process::id() as libc::pid_t;
    let mut command = Command::new(&spec.program);
    command
        .args(&spec.args)
        .envs(spec.env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    // SAFETY: between fork and exec the child makes only async-signal-safe calls: prctl,
    // getppid, and one write(2) of a stack buffer to the watcher.
    unsafe {
        command.pre_exec(move || {
            // The direct child dies with the harness even if the watcher could not start.
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            if libc::getppid() != parent {
                return Err(io::Error::from_raw_os_error(libc::ESRCH));
            }
            if let Some(fd) = watcher {
                crate::run::watch::register_from_child(fd);
            }
            Ok(())
        });
    }
    let start = Instant::now();
    let mut child = command.spawn()?;
    let pid = child.id() as libc::pid_t;
    let (stdout, stderr) = (child.stdout.take(), child.stderr.take());
    let stop_sampling = AtomicBool::new(false);
    thread::scope(|s| {
        let stdout = s.spawn(move || read_all(stdout));
        let stderr = s.spawn(move || read_all(stderr));
        let sampler = s.spawn(|| sample_peak_threads(pid, &stop_sampling));
        // On every way out of this scope, the sampler is told to stop (the scope waits for
        // it), and on an early one the child's group is killed (the readers wait for it).
        let mut guard = RunGuard { stop: &stop_sampling, group: Some(pid) };
        let (exited, exit) = mpsc::channel();
        s.spawn(move || exited.send(wait(pid).map(|()| Instant::now())));

        let mut end = None;
        let exited_at = loop {
            match exit.recv_timeout(Duration::from_millis(20)) {
                Ok(at) => break at,
                Err(mpsc::RecvTimeoutError::Timeout) if end.is_none() => {
                    if interrupted() {
                        end = Some(End::Interrupted);
                    } else if start.elapsed() > timeout {
                        end = Some(End::TimedOut);
                    }
                    if end.is_some() {
                        kill_group(pid);
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    unreachable!("the waiter always sends")
                }
            }
        };
        let exited_at = exited_at?;
        // The child is a zombie now, so its process group still exists: kill anything it left,
        // then let the watcher forget the group before the child is reaped.
        guard.finish();
        let (status, usage) = reap(pid)?;
        let peak_threads = sampler.join().expect("sampler thread");
        let end = end.unwrap_or(if libc::WIFSIGNALED(status) {
            End::Signaled(libc::WTERMSIG(status))
        } else {
            End::Exited(libc::WEXITSTATUS(status))
        });
        Ok(Measurement {
            end,
            wall_ms: (exited_at - start).as_secs_f64() * 1e3,
            user_ms: timeval_ms(usage.ru_utime),
            sys_ms: timeval_ms(usage.ru_stime),
            max_rss_kib: usage.ru_maxrss as u64,
            peak_threads,
            voluntary_switches: usage.ru_nvcsw as u64,
            involuntary_switches: usage.ru_nivcsw as u64,
            stdout: stdout.join().expect("stdout reader"),
            stderr: stderr.join().expect("stderr reader"),
        })
    })
}

/// Stops the thread sampler, and kills the child's process group if the run ends early (an
/// error from waiting on or reaping the child), whichever way [`measure`] returns.
struct RunGuard<'a> {
    stop: &'a AtomicBool,
    /// The group still to kill and unregister; None once done.
    group: Option<libc::pid_t>,
}

impl RunGuard<'_> {
    /// The child has exited (not yet reaped): stop sampling, kill what it left in its group,
    /// and unregister the group from the watcher.
    fn finish(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(pgid) = self.group.take() {
            kill_group(pgid);
            crate::run::watch::forget(pgid);
        }
    }
}

impl Drop for RunGuard<'_> {
    fn drop(&mut self) {
        self.finish();
    }
}

/// Restores the default action for SIGCHLD, once. A harness started with SIGCHLD ignored
/// (a disposition that survives exec) would have its children reaped by the kernel, and
/// could not wait for them or read their resource usage.
pub fn wait_for_children_normally() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    // SAFETY: setting a signal's disposition to its default has no memory effects.
    ONCE.call_once(|| unsafe {
        libc::signal(libc::SIGCHLD, libc::SIG_DFL);
    });
}

fn read_all(pipe: Option<impl Read>) -> String {
    let mut bytes = Vec::new();
    if let Some(mut pipe) = pipe {
        let _ = pipe.read_to_end(&mut bytes);
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The most threads `pid` had at once, read from /proc/PID/stat until `stop` is set.
///
/// It reads /proc/PID/status, whose thread count costs the kernel the same at any size:
/// /proc/PID/stat sums CPU time over every thread, which slows a child with tens of
/// thousands of threads when read every 2 ms.
fn sample_peak_threads(pid: libc::pid_t, stop: &AtomicBool) -> u64 {
    let path = format!("/proc/{pid}/status");
    let mut peak = 0;
    while !stop.load(Ordering::SeqCst) {
        if let Some(threads) =
            std::fs::read_to_string(&path).ok().and_then(|s| threads_in_status(&s))
        {
            peak = peak.max(threads);
        }
        thread::sleep(SAMPLE_EVERY);
    }
    peak
}

/// The `Threads:` line of /proc/PID/status.
fn threads_in_status(status: &str) -> Option<u64> {
    status.lines().find_map(|l| l.strip_prefix("Threads:"))?.trim().parse().ok()
}

/// Blocks until `pid` has exited, leaving it a zombie so that its process group stays valid.
fn wait_without_reaping(pid: libc::pid_t) -> io::Result<()> {
    loop {
        // SAFETY: waitid writes only into the zeroed siginfo we pass it.
        let rc = unsafe {
            let mut info: libc::siginfo_t = std::mem::zeroed();
            libc::waitid(libc::P_PID, pid as libc::id_t, &mut info, libc::WEXITED | libc::WNOWAIT)
        };
        if rc == 0 {
            return Ok(());
        }
        let error = io::Error::last_os_error();
        if error.kind() != io::ErrorKind::Interrupted {
            return Err(error);
        }
    }
}

/// Reaps the exited `pid`, returning its wait status and its own resource usage.
fn reap(pid: libc::pid_t) -> io::Result<(libc::c_int, libc::rusage)> {
    let mut status = 0;
    // SAFETY: wait4 writes only into the status and the zeroed rusage we pass it.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        if unsafe { libc::wait4(pid, &mut status, 0, &mut usage) } == pid {
            return Ok((status, usage));
        }
        let error = io::Error::last_os_error();
        if error.kind() != io::ErrorKind::Interrupted {
            return Err(error);
        }
    }
}

/// Sends SIGKILL to every process in `pid`'s process group.
fn kill_group(pid: libc::pid_t) {
    // SAFETY: kill has no memory effects; a group that is already gone gives ESRCH.
    unsafe {
        libc::kill(-pid, libc::SIGKILL);
    }
}

fn timeval_ms(t: libc::timeval) -> f64 {
    t.tv_sec as f64 * 1e3 + t.tv_usec as f64 / 1e3
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_waiting_for_the_child_returns_instead_of_hanging() {
        let spec = Spec { program: "sleep".into(), args: vec!["30".into()], env: Vec::new() };
        let (done, result) = mpsc::channel();
        thread::spawn(move || {
            let failing = |_| Err(io::Error::other("waiting failed (injected)"));
            let _ = done.send(measure_with(&spec, Duration::from_secs(60), failing));
        });
        let got = result.recv_timeout(Duration::from_secs(10));
        let error = got.expect("measure hung after the wait failed").unwrap_err();
        assert!(error.to_string().contains("injected"), "{error}");
    }

    #[test]
    fn thread_count_is_read_from_status() {
        let status =
            "Name:\tavt-tokio\nUmask:\t0022\nState:\tS (sleeping)\nThreads:\t7\nSigQ:\t0/1\n";
        assert_eq!(threads_in_status(status), Some(7));
        assert_eq!(threads_in_status("Name:\tx\n"), None);
    }
}
