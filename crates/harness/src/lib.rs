//! The harness behind `just run-all`, `just sweep` and `just load`: runs every approach's
//! release binary (and the article's Python originals) the same way, measures each run from
//! outside, checks every result, and compares them.
//!
//! Data flows one way; each layer imports only those before it:
//! - [`model`]: the plan (rows, groups), the records, the summaries, the results;
//! - [`run`]: each child measured ([`run::measure`], [`run::watch`]), the binaries, the delay
//!   server, and the [`run::runner`] that runs a group, telling an observer;
//! - [`summary`]: each row's runs summarised;
//! - [`progress`]: the time left ([`progress::estimate`]) and the display that observes the
//!   runner ([`progress::display`]);
//! - [`render`]: tables (terminal, Markdown), CSV, the chart toolkit;
//! - [`sink`]: every file written whole, results read back;
//! - [`pipeline`]: the setup and the run loop, and [`pipeline::Plugin`], the one trait a
//!   section implements;
//! - [`sections`]: io, cpu, mistakes, shared, mixed, scale: one file each, and their list;
//! - [`commands`]: run-all, sweep, load, guide.

/// Writes a line to stderr with `format!` arguments, and carries on if stderr is closed or
/// full (see [`model::note`]). Defined before the modules, so that they call it as `note!`.
#[macro_export]
macro_rules! note {
    ($($arg:tt)*) => { $crate::model::note(format_args!($($arg)*)) };
}

pub mod commands;
pub mod model;
pub mod pipeline;
pub mod progress;
pub mod render;
pub mod run;
pub mod sections;
pub mod sink;
pub mod summary;

// The paths the binary and the tests have always used.
pub use commands::{guide, run_all, sweep};
pub use model::results::Results;
pub use model::{machine, outcome, plan, stats};
pub use run::{binaries, measure, runner, server, watch};
pub use sections::mixed;

/// The documents, with every section's tables.
pub mod output {
    use std::path::{Path, PathBuf};

    pub use crate::render::csv::csv;
    pub use crate::sections::{markdown, terminal};
    pub use crate::sink::{check_writable, to_stdout, write_files, write_whole};

    /// Renders a results JSON file again, with every section's tables (see
    /// [`crate::sink::render`]).
    pub fn render(json: &Path, out: Option<&Path>) -> anyhow::Result<Vec<PathBuf>> {
        crate::pipeline::render(json, out, &crate::sections::all())
    }

    pub mod columns {
        pub use crate::render::columns::*;
        pub use crate::sections::table;
    }

    pub mod files {
        pub use crate::sink::{check_writable, load, to_stdout, write_whole};
    }
}

/// The charts, drawn and written whole.
pub mod charts {
    use std::path::{Path, PathBuf};

    pub use crate::render::chart::kit::{Missing, why_missing};
    pub use crate::sections::mixed::load_charts;

    /// Writes the charts of `r`, as its command draws them, into `out`; returns the files
    /// written.
    pub fn write(r: &crate::Results, out: &Path, name: &str) -> anyhow::Result<Vec<PathBuf>> {
        crate::sink::write_charts(&crate::sections::all().charts(r, name)?, out)
    }

    pub use self::write as write_load;
    pub use self::write as write_run_all;
    pub use self::write as write_sweep;
}
