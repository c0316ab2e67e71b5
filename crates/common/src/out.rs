//! Printing to stdout without panicking. `println!` panics when stdout fails: a closed pipe
//! (`avt-tokio io | head -1`) or a full disk (`> /dev/full`). [`say!`](crate::say) prints
//! the same line, and on failure remembers the first error and prints nothing more; when
//! the run ends, [`crate::main`] turns that error into the exit status.

use std::fmt;
use std::io::{self, Write};
use std::process::ExitCode;
use std::sync::OnceLock;

/// Exit status when stdout was a pipe that its reader closed (`| head`): 128 + SIGPIPE, what
/// a shell reports for a program the signal stopped. The run ends without a message.
pub const EXIT_CLOSED_PIPE: u8 = 141;

/// The first error writing to stdout, if any.
static FAILED: OnceLock<io::Error> = OnceLock::new();

/// Prints one line to stdout, like `println!`, but never panics: see [`say!`](crate::say).
pub fn say_line(line: fmt::Arguments<'_>) {
    if FAILED.get().is_some() {
        return;
    }
    // Lock once so that a line from one thread is never split by another's.
    let mut stdout = io::stdout().lock();
    if let Err(e) = writeln!(stdout, "{line}") {
        let _ = FAILED.set(e);
    }
}

/// Prints one line to stdout like `println!`, and never panics: after a failed write (a
/// closed pipe, a full disk) it prints nothing more, and the example's exit status says so.
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::out::say_line(format_args!($($arg)*))
    };
}

/// Prints `message` as one line on stderr; if even stderr fails there is nowhere left to
/// report it, so that error is dropped rather than turned into a panic.
pub(crate) fn complain(message: fmt::Arguments<'_>) {
    let _ = writeln!(io::stderr(), "{message}");
}

/// Flushes stdout and gives the exit status of a run that otherwise succeeded: 0; 141,
/// quietly, if the reader closed the pipe; 1, with one line on stderr naming `name`, for
/// any other write error.
pub(crate) fn finish(name: &str) -> ExitCode {
    ExitCode::from(status(name))
}

/// [`finish`] as a number, for a thread that ends the process itself (`process::exit`).
pub(crate) fn status(name: &str) -> u8 {
    if let Err(e) = io::stdout().flush() {
        let _ = FAILED.set(e);
    }
    match FAILED.get() {
        None => 0,
        Some(e) if e.kind() == io::ErrorKind::BrokenPipe => EXIT_CLOSED_PIPE,
        Some(e) => {
            complain(format_args!("{name}: error: cannot write the output: {e}"));
            1
        }
    }
}
