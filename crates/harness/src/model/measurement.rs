//! What a measured run is: the program started ([`Spec`]), how it ended ([`End`]) and what
//! the harness measured of it from outside ([`Measurement`]; `crate::run::measure` takes it).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// A program to run: no shell, exactly these arguments and extra environment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Spec {
    pub program: PathBuf,
    pub args: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub env: Vec<(String, String)>,
}

/// How a measured child ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum End {
    /// It exited with this code.
    Exited(i32),
    /// A signal it did not send itself killed it.
    Signaled(i32),
    /// It ran past the timeout, and its process group was killed.
    TimedOut,
    /// The harness was interrupted (Ctrl-C), and the child's process group was killed.
    Interrupted,
}

/// What one run of a child measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Measurement {
    pub end: End,
    /// From just before the spawn to the child's exit.
    pub wall_ms: f64,
    pub user_ms: f64,
    pub sys_ms: f64,
    /// Peak resident set of the child alone (wait4's rusage), in KiB.
    pub max_rss_kib: u64,
    /// Most threads the child had at once, sampled from /proc/PID/status every 2 ms.
    pub peak_threads: u64,
    pub voluntary_switches: u64,
    pub involuntary_switches: u64,
    #[serde(skip)]
    pub stdout: String,
    #[serde(skip)]
    pub stderr: String,
}

impl Measurement {
    /// The record of a child that could not be started.
    pub fn not_started() -> Self {
        Measurement {
            end: End::Exited(-1),
            wall_ms: 0.0,
            user_ms: 0.0,
            sys_ms: 0.0,
            max_rss_kib: 0,
            peak_threads: 0,
            voluntary_switches: 0,
            involuntary_switches: 0,
            stdout: String::new(),
            stderr: String::new(),
        }
    }
}
