//! The model: what crosses the layers. A plan's rows and groups, a run's record, the
//! summaries and results, the settings, the outcomes. It imports nothing of the harness, and
//! knows no section by name: a section names itself ([`plan::Section`]).

pub mod group;
pub mod machine;
pub mod measurement;
pub mod outcome;
pub mod plan;
pub mod results;
pub mod stats;
pub mod summary;

/// Writes a line to stderr, and carries on if stderr is closed or full: what the harness
/// says there is commentary, and must not stop it from writing its results (the `note!`
/// macro's function).
pub fn note(line: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}
