//! The README's first screen: "if your program …, choose …, because …", every number read
//! from the committed sample results, so the guide cannot drift from them (the README test
//! compares the quoted guide with what this renders).
//!
//! A line whose rows a sample lacks is left out rather than guessed.

use crate::model::results::Results;
use crate::pipeline::{Samples, Sections};

/// The guide as Markdown, from run-all's sample and, where given, the sweep's.
pub fn guide(run_all: &Results, sweep: Option<&Results>) -> String {
    guide_of(&crate::sections::all(), &Samples { sweep, ..Samples::run_all(run_all) })
}

/// The guide with the lines of `sections`, each section's in the list's order, and a line
/// naming every sample it read (its date and commit) and the machine.
pub fn guide_of(sections: &Sections<'_>, samples: &Samples<'_>) -> String {
    let mut out =
        String::from("| if your program … | choose | because (measured) |\n|---|---|---|\n");
    for line in sections.0.iter().flat_map(|s| s.guide(samples)) {
        out.push_str(&line);
        out.push('\n');
    }
    let given = [
        ("just run-all", Some(samples.run_all)),
        ("just sweep", samples.sweep),
        ("just sweep --source tcp", samples.sweep_tcp),
        ("just load --vary work", samples.load_work),
    ];
    let named: Vec<String> = given
        .iter()
        .filter_map(|(command, r)| Some(format!("`{command}` ({})", run_at(r.as_ref()?))))
        .collect();
    out.push_str(&format!(
        "\nNumbers from the committed samples of {} on {}.",
        and_list(&named),
        samples.run_all.environment.machine(),
    ));
    out
}

/// "run 2026-12-02 01:30 UTC at commit 0123abcd".
fn run_at(r: &Results) -> String {
    let e = &r.environment;
    let dirty = if e.git_dirty { " with changes" } else { "" };
    format!("run {} at commit {}{dirty}", e.date, e.git_commit)
}

/// "a", "a and b", "a, b and c".
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}
