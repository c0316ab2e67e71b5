//! The commands: `run-all`, `sweep` and `load` plan their sections' groups and run them
//! through the pipeline; `guide` reads results back.

pub mod guide;
pub mod load;
pub mod load_work;
pub mod run_all;
pub mod sweep;

use std::path::PathBuf;

use clap::Args;

use crate::model::plan::{Approach, Section, Source};
use crate::pipeline::setup::Options;
use crate::sections;

/// Options run-all and sweep share.
#[derive(Args, Debug)]
pub struct SharedArgs {
    /// Only these approaches (comma-separated); cpu always adds the sequential baseline
    #[arg(long, value_enum, value_delimiter = ',')]
    only: Vec<Approach>,
    /// Only these sections (comma-separated; --examples is another name for it)
    /// [default: run-all every section; sweep io,cpu; with --source tcp: io]
    #[arg(long, visible_alias = "examples", value_parser = sections::parser(), value_delimiter = ',')]
    pub sections: Vec<Section>,
    /// io: wait on a timer (the article's) or on real requests to a delay server
    #[arg(long, value_enum, default_value_t = Source::Sleep)]
    source: Source,
    /// Leave out the article's Python originals (added when python3 is on PATH)
    #[arg(long)]
    no_python: bool,
    /// Folder for the results, checked before anything runs [default: <project>/results]
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Use the example binaries in DIR as they are, instead of building them beside the
    /// harness
    #[arg(long, value_name = "DIR")]
    bin_dir: Option<PathBuf>,
}

impl SharedArgs {
    /// What they ask of the setup, for a command whose sections are `defaults` when none
    /// are asked for.
    pub fn options(self, defaults: Vec<Section>) -> Options {
        let SharedArgs { only, sections, source, no_python, out, bin_dir } = self;
        let server_sections =
            sections::ALL.iter().filter(|p| p.uses_server()).map(|p| p.section()).collect();
        Options { only, sections, defaults, server_sections, source, no_python, out, bin_dir }
    }
}
