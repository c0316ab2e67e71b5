//! avt-delay-server: a loopback HTTP/1.1 server for the io example over real sockets.
//! `GET /fetch/<id>?delay_ms=D` answers `{"id":<id>}` after D ms.
//!
//! Its first line on stdout is the address it bound, so a parent process can read it:
//!
//! ```text
//! cargo run --release -p avt-delay-server -- --port 0      # prints e.g. 127.0.0.1:40213
//! cargo run --release -p avt-tokio -- io --source tcp --server 127.0.0.1:40213 --tasks 10000
//! ```
//!
//! It binds 127.0.0.1 only, raises its open-file limit to the hard limit at start (and says
//! so on stderr), closes connections that send no request head within `--header-timeout-ms`
//! (default 10 s), and shuts down cleanly on SIGINT or SIGTERM, from the moment its address
//! is printed.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Parser;
use tokio::signal::unix::{SignalKind, signal};

#[derive(Parser, Debug)]
#[command(version, about, arg_required_else_help = false)]
struct Cli {
    /// Port on 127.0.0.1 to listen on; 0 picks a free one
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Worker threads of the server's tokio runtime [default: available parallelism]
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1024))]
    threads: Option<u64>,
    /// Close a connection that has not sent a whole request head this long after connecting
    /// or after its last answer (silent, partial or idle keep-alive connections), in ms
    #[arg(long, value_name = "MS", default_value_t = avt_delay_server::HEADER_TIMEOUT.as_millis() as u64,
          value_parser = clap::value_parser!(u64).range(1..=3_600_000))]
    header_timeout_ms: u64,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return avt_common::usage_exit(e),
    };
    // tokio reads TOKIO_WORKER_THREADS when --threads is not given, and panics on a bad one.
    if cli.threads.is_none()
        && let Err(e) = avt_common::threads::thread_count_from_env("TOKIO_WORKER_THREADS", 1024)
    {
        eprintln!("avt-delay-server: error: {e}");
        return ExitCode::from(2);
    }
    match try_main(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("avt-delay-server: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn try_main(cli: Cli) -> Result<()> {
    let (before, after) = avt_common::limits::raise_open_files().context("RLIMIT_NOFILE")?;
    if after > before {
        eprintln!(
            "avt-delay-server: raised the open-file limit from {before} to {after} (hard limit)"
        );
    }
    eprintln!(
        "avt-delay-server: up to ~{} connections at once (RLIMIT_NOFILE {after})",
        after.saturating_sub(64)
    );
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    if let Some(threads) = cli.threads {
        runtime.worker_threads(threads as usize);
    }
    let runtime = runtime.enable_all().build()?;
    runtime.block_on(async {
        let listener = avt_delay_server::bind(cli.port)
            .with_context(|| format!("cannot listen on 127.0.0.1:{}", cli.port))?;
        let addr = listener.local_addr()?;
        // Catch the signals before anyone knows the address: a parent that reads it and stops
        // us at once must find the handlers in place, not the default action (death).
        let mut interrupt = signal(SignalKind::interrupt())?;
        let mut terminate = signal(SignalKind::terminate())?;
        // The first line on stdout is the address, for whoever started us.
        let mut stdout = std::io::stdout();
        writeln!(stdout, "{addr}")?;
        stdout.flush()?;
        let stop = async move {
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = terminate.recv() => {}
            }
        };
        let header_timeout = Duration::from_millis(cli.header_timeout_ms);
        avt_delay_server::serve(listener, header_timeout, stop).await;
        eprintln!("avt-delay-server: shut down");
        Ok(())
    })
}
