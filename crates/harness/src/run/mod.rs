//! Running: each child measured from outside ([`measure`], with [`watch`] making sure none
//! outlives the harness), the example binaries found or built ([`binaries`]), the delay
//! server of `--source tcp` ([`server`]), and the groups run and checked ([`runner`]).

pub mod binaries;
pub mod measure;
pub mod runner;
pub mod server;
pub mod watch;
