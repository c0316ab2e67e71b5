//! The plan and the record of a command's runs: a [`Group`] of rows compared with each other,
//! the [`Reference`] result every run of it must report, and a [`RunRecord`] per run.

use std::collections::BTreeMap;

use avt_common::{Report, cpu_checksum, io_checksum, known_pi};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::model::measurement::Measurement;
use crate::model::outcome::Failure;
use crate::model::plan::{Example, OwnResult, Row, Section};

/// Rows compared with each other: same example, same parameters (but threads).
#[derive(Debug, Clone)]
pub struct Group {
    /// The title over the group's table, e.g. "io: 3 fetches × 2000 ms wait · …".
    pub label: String,
    /// A few words for progress lines, e.g. "io" or "io 1000 tasks".
    pub short: String,
    /// The part of the comparison it belongs to, which decides its table's columns.
    pub section: Section,
    pub example: Example,
    /// Its rows; a row marked `baseline` is the 1x of the group's speedups.
    pub rows: Vec<Row>,
}

/// The result every run of a group must report, and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reference {
    pub checksum: Option<String>,
    /// "every id once", "π table", "sequential run" or "first result" (no other reference).
    pub source: String,
    /// The plain result the checksum stands for, where known: io the fetches, cpu π(L).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub result: Option<u64>,
}

impl Reference {
    /// What the group's rows must produce, where it is known before running anything.
    pub fn for_group(group: &Group) -> Reference {
        let params = group.rows.first().map(|r| r.params.clone()).unwrap_or_default();
        let known = match group.example {
            Example::Io => params.tasks.map(|t| (io_checksum(t), "every id once", t as u64)),
            Example::Cpu => params
                .limit
                .and_then(|l| known_pi(l).map(|pi| (cpu_checksum(l, pi), "π table", pi))),
            // W × M: a run that lost updates reports less (a Python race shows it on purpose).
            Example::Shared => params.workers.zip(params.increments).map(|(w, m)| {
                let total = w as u64 * m;
                (avt_common::shared::shared_checksum(total, total), "W × M", total)
            }),
            // Checked by the example itself against each request's count (mixed); an example
            // the model does not know: the first result.
            _ => None,
        };
        // Rows that each have a result of their own are each checked against it.
        if let Some(own) = group.rows.first().and_then(|r| r.own.as_ref())
            && group.rows.iter().all(|r| r.own.is_some())
        {
            return Reference {
                source: "each row's own (the first row's shown)".into(),
                ..Self::own(own)
            };
        }
        match known {
            Some((sum, source, result)) => {
                Reference { checksum: Some(hex(sum)), source: source.into(), result: Some(result) }
            }
            None => Reference { checksum: None, source: "first result".into(), result: None },
        }
    }
}

impl Reference {
    /// A row's own result as the reference its runs are checked against.
    pub fn own(own: &OwnResult) -> Reference {
        Reference {
            checksum: Some(own.checksum.clone()),
            source: "the row's own".into(),
            result: Some(own.result),
        }
    }
}

pub fn hex(checksum: u64) -> String {
    format!("{checksum:016x}")
}

/// One run of one row, as measured and checked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    pub group: usize,
    pub approach: String,
    pub example: Example,
    /// 1-based; warm-ups are numbered separately.
    pub run: usize,
    pub warmup: bool,
    pub measurement: Measurement,
    /// The example's own JSON report, when it printed one.
    pub report: Option<Report>,
    /// Why the run does not count, if it does not.
    pub failure: Option<Failure>,
    /// How the run ended where its row expected something other than success (a deadlock
    /// named, updates lost, requests late): it counts, with its figures.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub outcome: Option<Failure>,
    /// Every number the report holds beyond the fields every example reports (a ticker's
    /// `ticker.p99_us`, a `late` count), by its path in the report.
    #[serde(skip_serializing_if = "BTreeMap::is_empty", default)]
    pub metrics: BTreeMap<String, f64>,
    /// The report's fields beyond those every example reports, as it printed them (numbers,
    /// flags, nested objects): what a section that records more than numbers reads of a run
    /// ([`crate::model::group::RunRecord::extra_field`]). Not written to results files; their
    /// numbers are in `metrics`.
    #[serde(skip)]
    pub extra: serde_json::Map<String, Value>,
}

impl RunRecord {
    /// The report's field `name` beyond the usual ones, if it printed one.
    pub fn extra_field(&self, name: &str) -> Option<&Value> {
        self.extra.get(name)
    }
}

/// The metric of a tcp run that holds the delay server's CPU time during it, in ms.
pub const SERVER_CPU_MS: &str = "server_cpu_ms";
