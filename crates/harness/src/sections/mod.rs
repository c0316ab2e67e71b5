//! The sections: each one file, implementing [`Plugin`] (what its tables show, what it notes,
//! what its runs cost) beside the functions that build its groups on the setup. [`ALL`] is
//! the list: a new section is its file and one line there.

pub mod cancel;
pub mod cancel_chart;
pub mod cpu;
pub mod crossover;
pub mod io;
pub mod mistakes;
pub mod mixed;
pub mod mixed_work;
pub mod mixed_work_charts;
pub mod scale;
pub mod shared;
pub mod switch;

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};

use crate::model::plan::{Approach, Contender, Example, Row, Section};
use crate::model::results::{Results, SectionRounds};
use crate::model::summary::{GroupSummary, RowSummary};
use crate::pipeline::setup::Setup;
use crate::pipeline::{Plugin, Sections};
use crate::render::Layout;
use crate::render::columns::{Form, Table, table_of};

/// Every section, in the order `--help` lists them (run-all runs them in this order too,
/// but for those that run last: `Plugin::runs_last`).
pub const ALL: &[&dyn Plugin] = &[
    &io::Io,
    &cpu::Cpu,
    &mistakes::Mistakes,
    &shared::Shared,
    &switch::Switch,
    &mixed::Mixed,
    &scale::Scale,
    &cancel::Cancel,
    &mixed_work::LoadWork,
];

/// Every section, as the pipeline takes them.
pub fn all() -> Sections<'static> {
    Sections(ALL)
}

/// `group`'s table as `form` shows it, with its section's columns.
pub fn table(group: &GroupSummary, form: Form) -> Table {
    table_of(&all().columns(group), group, form)
}

/// The Markdown document of `r`, with every section's tables.
pub fn markdown(r: &Results) -> String {
    crate::render::markdown::markdown(r, &all())
}

/// The terminal document of `r`, with every section's tables.
pub fn terminal(r: &Results) -> String {
    crate::render::terminal::terminal(r, &all())
}

/// `--sections`: the names of [`ALL`], each with its help, parsed into a [`Section`].
pub fn parser() -> impl TypedValueParser<Value = Section> {
    let offered = ALL.iter().filter(|p| p.in_run_all());
    let names = offered.map(|p| PossibleValue::new(p.section().name()).help(p.help()));
    PossibleValuesParser::new(names).map(|name| named(&name).unwrap_or(Section::Io))
}

/// The section called `name`, if there is one.
pub fn named(name: &str) -> Option<Section> {
    ALL.iter().map(|p| p.section()).find(|s| s.name() == name)
}

/// Where the guide's lines point for the details.
pub(crate) const METHOD: &str = "docs/method.md";

/// The row named `name` (as the tables show it: `tokio`, `tokio (cpu-inline)`) in the first
/// group of `section` that has it, if it ran.
pub(crate) fn guide_row<'a>(
    r: &'a Results,
    section: Section,
    name: &str,
) -> Option<&'a RowSummary> {
    r.groups.iter().filter(|g| g.section == section).find_map(|g| {
        g.rows.iter().find(|row| row.approach == name && !row.failed() && row.skipped.is_none())
    })
}

pub(crate) fn metric(row: &RowSummary, key: &str) -> Option<f64> {
    row.metrics.get(key).map(|s| s.median)
}

pub(crate) fn guide_ms(us: f64) -> String {
    let ms = us / 1e3;
    if ms >= 100.0 { format!("{ms:.0} ms") } else { format!("{ms:.1} ms") }
}

/// The runs of a section's rows: `--runs`/`--warmup` when given, else the section's own
/// (`runs`, no warm-up; one run with `--quick`).
pub fn rounds(
    section: Section,
    runs: usize,
    given: (Option<u64>, Option<u64>),
    quick: bool,
) -> SectionRounds {
    let runs = given.0.map_or(if quick { 1 } else { runs }, |r| r as usize);
    SectionRounds { section, runs, warmup: given.1.map_or(0, |w| w as usize) }
}

/// "2 counted runs, no warm-up", as a section's titles say it.
pub(crate) fn runs_text(r: &SectionRounds) -> String {
    let s = |n: usize| if n == 1 { "" } else { "s" };
    let warmup = match r.warmup {
        0 => "no warm-up".to_string(),
        w => format!("{w} warm-up{} first", s(w)),
    };
    format!("{} counted run{}, {warmup}", r.runs, s(r.runs))
}

/// A row's name: "tokio (blocking-sleep)", "tokio (rayon-inline, 1 thread)".
pub(crate) fn name(approach: &str, variant: &str, threads: Option<usize>) -> String {
    match threads {
        Some(1) => format!("{approach} ({variant}, 1 thread)"),
        Some(t) => format!("{approach} ({variant}, {t} threads)"),
        None => format!("{approach} ({variant})"),
    }
}

/// A variant, and `Some(1)` where it runs on one thread rather than the group's.
pub(crate) type Variant = (&'static str, Option<usize>);
/// A crate and the variants of it a section runs.
pub(crate) type Variants = (Approach, &'static [Variant]);

impl Setup {
    /// The contender of `approach`, if it was asked for.
    pub(crate) fn contender(&self, approach: Approach) -> Option<&Contender> {
        self.approaches.iter().position(|&a| a == approach).map(|i| &self.rust[i])
    }

    /// The rows of `table` (crate, variants) asked for, running `example` with `params(T)`.
    pub(crate) fn variant_rows(
        &self,
        table: &[Variants],
        example: Example,
        params: impl Fn(usize) -> avt_common::Params,
        threads: usize,
    ) -> Vec<Row> {
        let mut rows = Vec::new();
        for (approach, variants) in table {
            let Some(c) = self.contender(*approach) else { continue };
            for &(variant, alone) in *variants {
                let named = c.with_variant(variant, name(c.name.as_str(), variant, alone));
                rows.push(named.row(example, params(alone.unwrap_or(threads))));
            }
        }
        rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn microseconds_read_as_milliseconds() {
        assert_eq!(guide_ms(1_234.0), "1.2 ms");
        assert_eq!(guide_ms(4_563_000.0), "4563 ms");
    }
}
