//! Room for the threads a run needs, checked before a runtime starts them; and the one line
//! a refused thread spawn ends with, wherever it happens.
//!
//! tokio's `Builder::build`, async-std's global executor, async-io and smol's blocking pool
//! start their threads where a refusal from the OS (RLIMIT_NPROC, `ulimit -u`) can only
//! panic, hang or be retried forever. So each crate's runtime builder first calls
//! [`ensure_room`], which starts the threads the run needs as short-lived probes and stops
//! them again: if the OS refuses one, the run fails before it starts, with one line naming
//! the limit and how far it got. Another process of the same user can still take the room
//! between the check and the runtime's start; [`exit_on_refused_spawn`] catches that panic,
//! prints the same kind of line and exits with 1, so nothing hangs behind it.

use std::any::Any;
use std::panic::{self, PanicHookInfo};
use std::sync::RwLock;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use crate::limits::{thread_limits, thread_room, threads_now};

/// The stack of a probe thread: it only waits on a lock, so the smallest that is safe.
const PROBE_STACK: usize = 64 << 10;
/// How long to wait for the kernel to release the probes once they have been joined.
const PROBE_RELEASE: Duration = Duration::from_secs(1);

/// The threads the last [`ensure_room`] asked for, for the panic hook's line (0: none).
static WANTED: AtomicUsize = AtomicUsize::new(0);
/// Set by the first refused spawn that the hook reports, so that only one thread exits.
static EXITING: AtomicBool = AtomicBool::new(false);

/// Checks that this process can start `threads` more threads at once, by starting them and
/// stopping them again; fails with one line naming the limit and how far it got.
///
/// The exact room under RLIMIT_NPROC is not knowable: the limit counts every thread of the
/// user, in every process. So the probes take it for a moment, then give it back, waiting
/// until the kernel has released them (a joined thread is counted until it is reaped).
pub fn ensure_room(threads: usize) -> anyhow::Result<()> {
    WANTED.store(threads, Ordering::Relaxed);
    // The memory-map and address-space ceilings are known exactly, and past them std aborts
    // instead of returning an error: check them without starting anything.
    let room = thread_room();
    if threads > room.threads {
        anyhow::bail!(
            "hit the OS thread limit: the run needs {threads} threads, but {} leaves room for \
             {} more; limits here: {}",
            room.limit,
            room.threads,
            thread_limits()
        );
    }
    let gate = RwLock::new(());
    let (probes, refused) = thread::scope(|s| {
        // The probes wait on the gate, so that all of them are alive at once.
        let closed = gate.write().unwrap_or_else(|e| e.into_inner());
        let (mut probes, mut refused) = (Vec::with_capacity(threads), None);
        for started in 0..threads {
            let probe = || {
                drop(gate.read());
                task_id()
            };
            match thread::Builder::new().stack_size(PROBE_STACK).spawn_scoped(s, probe) {
                Ok(probe) => probes.push(probe),
                Err(e) => {
                    refused = Some((started, e));
                    break;
                }
            }
        }
        drop(closed); // open the gate: every probe ends
        let probes: Vec<_> = probes.into_iter().filter_map(|p| p.join().ok()).collect();
        (probes, refused)
    });
    wait_for_release(&probes);
    match refused {
        None => Ok(()),
        Some((started, cause)) => anyhow::bail!(
            "hit the OS thread limit: the run needs {threads} threads, but only {started} more \
             could start ({cause}); limits here: {}",
            thread_limits()
        ),
    }
}

/// The one-line error for a thread the OS refused outside a pre-flight (e.g. the ticker's):
/// names the limit and how many threads were running.
pub fn refused(what: &str, cause: std::io::Error) -> anyhow::Error {
    let running = threads_now().map_or_else(|| "?".into(), |n| n.to_string());
    anyhow::anyhow!(
        "hit the OS thread limit: the OS refused {what} with {running} threads running \
         ({cause}); limits here: {}",
        thread_limits()
    )
}

/// The kernel's id of the calling thread, as `/proc/self/task` lists it.
#[allow(unsafe_code)]
fn task_id() -> libc::pid_t {
    // SAFETY: gettid has no preconditions and cannot fail.
    unsafe { libc::gettid() }
}

/// Waits (briefly) until the kernel has released every probe: a joined thread still counts
/// against RLIMIT_NPROC until it is reaped, just after the join returns. Watches the probes
/// themselves, not the process's count, which other threads may change meanwhile.
fn wait_for_release(probes: &[libc::pid_t]) {
    let start = Instant::now();
    let alive =
        |tid: &libc::pid_t| std::path::Path::new(&format!("/proc/self/task/{tid}")).exists();
    while probes.iter().any(alive) && start.elapsed() < PROBE_RELEASE {
        thread::sleep(Duration::from_micros(200));
    }
}

/// The thread count a runtime would read from the environment variable `var`
/// (TOKIO_WORKER_THREADS, ASYNC_STD_THREAD_COUNT, RAYON_NUM_THREADS, SMOL_THREADS), checked
/// before the runtime reads it: tokio panics on 0 or on anything but a number. None if unset;
/// else a whole number in `1..=max`, or the one-line usage error naming the variable.
pub fn thread_count_from_env(var: &str, max: usize) -> Result<Option<usize>, String> {
    let value = match std::env::var(var) {
        Err(std::env::VarError::NotPresent) => return Ok(None),
        Ok(value) => value,
        Err(std::env::VarError::NotUnicode(value)) => value.to_string_lossy().into_owned(),
    };
    match value.parse::<usize>() {
        Ok(n) if (1..=max).contains(&n) => Ok(Some(n)),
        _ => Err(format!(
            "{var} must be a whole number of threads in 1..={max}, or unset; got '{value}'"
        )),
    }
}

/// Installs the last line of defence: a panic hook that turns a refused thread spawn, in
/// any thread and any library, into one line on stderr naming the limit and how far the
/// process got, and exits with 1 at once (a runtime that lost a worker could otherwise hang).
/// Every other panic keeps the default hook's behaviour.
pub fn exit_on_refused_spawn(name: &'static str) {
    let default = panic::take_hook();
    panic::set_hook(Box::new(move |info: &PanicHookInfo<'_>| {
        let Some(message) = payload_text(info.payload()).filter(|m| is_refused_spawn(m)) else {
            return default(info);
        };
        if EXITING.swap(true, Ordering::SeqCst) {
            // Another thread is already reporting and exiting: exit is not for two at once.
            loop {
                thread::park();
            }
        }
        let running = threads_now().map_or_else(|| "?".into(), |n| n.to_string());
        let wanted = match WANTED.load(Ordering::Relaxed) {
            0 => String::new(),
            n => format!(" (the run asked for {n})"),
        };
        crate::out::complain(format_args!(
            "{name}: error: hit the OS thread limit: the OS refused a thread with {running} \
             running{wanted} ({}); limits here: {}",
            one_line(message),
            thread_limits()
        ));
        std::process::exit(1);
    }));
}

/// The text of a panic's payload, if it is one.
fn payload_text(payload: &(dyn Any + Send)) -> Option<&str> {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
}

/// Whether a panic message is a thread spawn the OS refused: the libraries' own words
/// ("OS can't spawn worker thread", "failed to spawn thread", "cannot spawn executor
/// threads", …) with the OS's reason, EAGAIN (WouldBlock) or ENOMEM.
fn is_refused_spawn(message: &str) -> bool {
    let m = message.to_lowercase();
    let spawn = m.contains("spawn") && m.contains("thread");
    let refused = ["wouldblock", "resource temporarily unavailable", "os error 11", "outofmemory"]
        .iter()
        .chain(&["cannot allocate memory", "os error 12"])
        .any(|reason| m.contains(reason));
    spawn && refused
}

/// A panic message on one line (a Debug-printed error can span several).
fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_libraries_refusals_are_recognised_and_other_panics_are_not() {
        let refused = [
            "OS can't spawn worker thread: Resource temporarily unavailable (os error 11)",
            "failed to spawn thread: Os { code: 11, kind: WouldBlock, message: \"Resource \
             temporarily unavailable\" }",
            "cannot spawn executor threads: Os { code: 11, kind: WouldBlock, message: \"…\" }",
            "cannot spawn async-io thread: Os { code: 11, kind: WouldBlock, message: \"…\" }",
            "cannot spawn executor thread: Os { code: 12, kind: OutOfMemory, message: \"…\" }",
        ];
        for message in refused {
            assert!(is_refused_spawn(message), "{message}");
        }
        let others = [
            "a worker thread panicked",
            "called `Result::unwrap()` on an `Err` value: WouldBlock",
            "index out of bounds: the len is 3 but the index is 7",
            "failed to spawn thread: Os { code: 22, kind: InvalidInput, message: \"…\" }",
        ];
        for message in others {
            assert!(!is_refused_spawn(message), "{message}");
        }
    }

    #[test]
    fn a_thread_count_in_the_environment_is_checked() {
        // A name no other test sets, so that setting it here races with nothing.
        let var = "AVT_TEST_THREAD_COUNT";
        let set = |value: &str| {
            // SAFETY: no other code reads or writes this variable.
            #[allow(unsafe_code)]
            unsafe {
                std::env::set_var(var, value)
            }
        };
        assert_eq!(thread_count_from_env(var, 8), Ok(None));
        set("4");
        assert_eq!(thread_count_from_env(var, 8), Ok(Some(4)));
        for bad in ["0", "9", "garbage", " 4", "-1", ""] {
            set(bad);
            let e = thread_count_from_env(var, 8).unwrap_err();
            assert!(e.starts_with("AVT_TEST_THREAD_COUNT must be") && e.contains("1..=8"), "{e}");
        }
    }

    #[test]
    fn room_for_a_few_threads_is_found_and_given_back() {
        let before = threads_now().unwrap();
        ensure_room(8).unwrap();
        // Other tests run beside this one, so only a bound: the probes did not stay.
        assert!(threads_now().unwrap() < before + 8);
    }
}
