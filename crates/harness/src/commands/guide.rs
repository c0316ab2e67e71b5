//! The README's first screen: "if your program …, choose …, because …", every number read
//! from the committed sample results, so the guide cannot drift from them (the README test
//! compares the quoted guide with what this renders).
//!
//! A line whose rows a sample lacks is left out rather than guessed.

use crate::model::results::Results;
use crate::pipeline::Sections;

/// The guide as Markdown, from run-all's sample and, where given, the sweep's.
pub fn guide(run_all: &Results, sweep: Option<&Results>) -> String {
    guide_of(&crate::sections::all(), run_all, sweep)
}

/// The guide with the lines of `sections`, each section's in the list's order.
pub fn guide_of(sections: &Sections<'_>, run_all: &Results, sweep: Option<&Results>) -> String {
    guide_given(sections, run_all, sweep, None)
}

/// The guide, where the work sweep's results (`load --vary work`) are given too: the line on
/// computing in async tasks then states its measured threshold.
pub fn guide_given(
    sections: &Sections<'_>,
    run_all: &Results,
    sweep: Option<&Results>,
    work: Option<&Results>,
) -> String {
    let lines: Vec<String> = sections
        .0
        .iter()
        .flat_map(|s| match work {
            Some(work) => s.guide_with_work(run_all, sweep, work),
            None => s.guide(run_all, sweep),
        })
        .collect();
    let mut out =
        String::from("| if your program … | choose | because (measured) |\n|---|---|---|\n");
    for line in lines {
        out.push_str(&line);
        out.push('\n');
    }
    out.push_str(&format!(
        "\nNumbers from the committed samples of `just run-all` (run {}){} on {}.",
        run_all.environment.date,
        sweep.map_or(String::new(), |s| format!(" and `just sweep` (run {})", s.environment.date)),
        run_all.environment.machine(),
    ));
    out
}
