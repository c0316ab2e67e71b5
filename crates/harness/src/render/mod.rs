//! The comparison as people read it (a terminal table, Markdown, SVG charts) and as tools
//! read it (CSV). Rendering knows no section: a section's columns and footnotes come through
//! [`Layout`].
//!
//! - [`columns`]: the column toolkit, and the one routine that turns a row into its cells for
//!   the terminal and Markdown alike;
//! - [`terminal`] and [`markdown`]: the two documents around those tables;
//! - [`pivot`]: a sweep's figures by contender (rows) and point (columns);
//! - [`csv`]: one line per row;
//! - [`chart`]: the chart toolkit over plotters.

pub mod chart;
pub mod columns;
pub mod csv;
mod document;
pub mod format;
pub mod layout;
pub mod markdown;
pub mod pivot;
pub mod terminal;

pub use self::format::{bytes, count, grouped, median, ms, percent, range, times};
pub use self::layout::Layout;
