//! The seam between rendering and the sections.

use crate::model::results::Results;
use crate::model::summary::GroupSummary;
use crate::render::columns::Column;
use crate::render::pivot::Pivot;

/// What the sections give the documents: the columns of a group's table, and the notes
/// under the tables that only a section can write.
pub trait Layout {
    /// The columns of `group`'s table (its section's).
    fn columns(&self, group: &GroupSummary) -> Vec<Column>;
    /// The tables of a sweep's figures by point that go before the groups' (the sweep's
    /// pivots), in order; none for other results.
    fn pivots(&self, r: &Results) -> Vec<Pivot>;
    /// The sections' own footnotes for `r` (each starting with a blank line), or "".
    fn footnotes(&self, r: &Results) -> String;
}
