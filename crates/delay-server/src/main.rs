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
//! so on stderr), and shuts down cleanly on SIGINT or SIGTERM.

use std::io::Write;
use std::process::ExitCode;

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
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return avt_common::usage_exit(e),
    };
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
        // The first line on stdout is the address, for whoever started us.
        let mut stdout = std::io::stdout();
        writeln!(stdout, "{addr}")?;
        stdout.flush()?;
        let mut interrupt = signal(SignalKind::interrupt())?;
        let mut terminate = signal(SignalKind::terminate())?;
        let stop = async move {
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = terminate.recv() => {}
            }
        };
        avt_delay_server::serve(listener, stop).await;
        eprintln!("avt-delay-server: shut down");
        Ok(())
    })
}
