//! SVG charts: the toolkit ([`kit`]), line charts ([`line`]) and run-all's overview of bars
//! ([`bars`]). The sections draw their own charts with them; each chart is (file name, SVG
//! text), and the sink writes them.

pub mod bars;
pub mod kit;
pub mod line;
