//! Saying how far a command is: the time left from a cost model of the runs ([`estimate`]),
//! and the display that observes the runner ([`display`]).

pub mod display;
pub mod estimate;
