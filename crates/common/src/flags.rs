//! The flags and limits every example shares, and where a fetch waits: the leaf the command
//! line (`cli`) and each example's own arguments (`mixed`, `shared`) build on.

use std::net::SocketAddr;
use std::time::Duration;

use clap::{Args, ValueEnum};

/// The most worker threads `--threads` accepts.
pub const MAX_THREADS: u64 = 4096;
/// The most fetches `--tasks` accepts.
pub const MAX_TASKS: u64 = 10_000_000;
/// The longest simulated wait `--delay-ms` accepts: one hour.
pub const MAX_DELAY_MS: u64 = 3_600_000;
/// The highest `--limit`: trial division up to 10^12 already takes days.
pub const MAX_LIMIT: u64 = 1_000_000_000_000;
/// The most jobs `--jobs` accepts: every job's range is held in memory (16 bytes each), and
/// a million jobs of the default limit are ten numbers each, far past any gain in balance.
pub const MAX_JOBS: u64 = 1_000_000;

#[derive(Args, Debug)]
pub(crate) struct Shared {
    /// Worker threads, where the approach has a pool [default: available parallelism]
    #[arg(long, value_name = "T", value_parser = clap::value_parser!(u64).range(1..=MAX_THREADS))]
    pub(crate) threads: Option<u64>,
    /// Print one JSON line instead of the human-readable lines
    #[arg(long)]
    pub(crate) json: bool,
    /// How to run the example: one of the ways listed below [default: the first, the
    /// crate's right way]
    #[arg(long, value_name = "NAME")]
    pub(crate) variant: Option<String>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq)]
pub(crate) enum SourceArg {
    Sleep,
    Tcp,
}

/// Where an io fetch's wait comes from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Source {
    /// A timer: the article's `asyncio.sleep`.
    Sleep,
    /// A real HTTP request to the delay server at `server`, which answers after the delay;
    /// a request that takes longer than `timeout` fails.
    Tcp { server: SocketAddr, timeout: Duration },
}

impl SourceArg {
    /// The checked source: `--source tcp` needs `--server`, and `--server` goes only with it.
    /// `timeout` is how long a tcp request may take.
    pub(crate) fn with_server(
        self,
        server: Option<SocketAddr>,
        timeout: Duration,
    ) -> Result<Source, String> {
        match (self, server) {
            (SourceArg::Sleep, None) => Ok(Source::Sleep),
            (SourceArg::Tcp, Some(server)) => Ok(Source::Tcp { server, timeout }),
            (SourceArg::Tcp, None) => {
                Err("--source tcp needs --server ADDR (start one with avt-delay-server)".into())
            }
            (SourceArg::Sleep, Some(_)) => Err("--server goes with --source tcp".into()),
        }
    }
}
