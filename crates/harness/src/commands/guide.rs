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
    let work = samples.load_work.iter().map(|r| {
        let load = r.settings.load_work.as_ref().map_or(50.0, |w| w.load * 100.0);
        (format!("just load --vary work --load {load:.0}"), Some(*r))
    });
    let given = [
        ("just run-all".to_string(), Some(samples.run_all)),
        ("just sweep".into(), samples.sweep),
        ("just sweep --source tcp".into(), samples.sweep_tcp),
    ]
    .into_iter()
    .chain(work);
    let named: Vec<String> =
        given.filter_map(|(command, r)| Some(format!("`{command}` ({})", run_at(r?)))).collect();
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
