//! Progress on stderr with the time left, as the runner's [`Observer`]: on a terminal an
//! `indicatif` bar with the harness's own status beside it (its estimate of the time left is
//! the cost model's, [`Eta`], not the bar's: runs last from 2 ms to 24 s); a line per step
//! otherwise (CI logs). Both come after one line with the estimate for the whole command:
//!
//! ```text
//! 177 runs, estimated ~9 min in all
//! [ 84/177] io 100000 tasks · python-threading · run 2/3 · 4:23 elapsed · ~4 min left
//! ```
//!
//! Like `note!`, progress never fails the command: a stderr that is closed or full
//! (`2>/dev/full`) only loses the lines.

use std::io::{IsTerminal, Write};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::model::group::Group;
use crate::model::plan::Row;
use crate::model::summary::GroupSummary;
use crate::progress::estimate::{Cost, Eta, cost_with};
use crate::run::runner::Observer;

/// An estimate in words: "~3 s", "~45 s", "~4 min", "~1 h 05 min". Rounded up to the second
/// under 10 s, to 5 s under a minute, to minutes above.
pub fn about(secs: f64) -> String {
    let secs = secs.max(0.0);
    if secs < 10.0 {
        format!("~{:.0} s", secs.ceil().max(1.0))
    } else if secs < 59.5 {
        format!("~{:.0} s", (secs / 5.0).ceil() * 5.0)
    } else if secs < 3570.0 {
        format!("~{:.0} min", (secs / 60.0).round().max(1.0))
    } else {
        let mins = (secs / 60.0).round() as u64;
        format!("~{} h {:02} min", mins / 60, mins % 60)
    }
}

/// Elapsed time as a clock: "4:23", "1:04:23".
pub fn clock(secs: u64) -> String {
    match secs {
        0..3600 => format!("{}:{:02}", secs / 60, secs % 60),
        _ => format!("{}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60),
    }
}

/// The status line: "[ 84/177] what · 4:23 elapsed · ~4 min left" (nothing left: no estimate).
pub fn status(done: usize, total: usize, what: &str, elapsed_s: u64, left_s: f64) -> String {
    let w = total.to_string().len();
    let left = if left_s > 0.0 { format!(" · {} left", about(left_s)) } else { String::new() };
    format!("[{done:>w$}/{total}] {what} · {} elapsed{left}", clock(elapsed_s))
}

/// Progress on stderr: a bar on a terminal, a line per step otherwise.
pub struct Progress {
    total: usize,
    done: usize,
    start: Instant,
    tty: bool,
    /// The bar of the group running, on a terminal (a new one per group: the notes between
    /// groups are not drawn over).
    bar: Option<ProgressBar>,
    eta: Eta,
    cores: usize,
    /// The run in progress and when it began.
    running: Option<(usize, usize, Instant)>,
    /// stderr refused a line (closed, or full): the rest are not tried.
    failed: bool,
}

impl Progress {
    /// Progress over `rows` rows of `rounds` runs each (rows with rounds of their own:
    /// [`set_rounds`](Self::set_rounds)).
    pub fn new(rows: usize, rounds: usize) -> Self {
        Self {
            total: rows * rounds,
            done: 0,
            start: Instant::now(),
            tty: std::io::stderr().is_terminal(),
            bar: None,
            eta: Eta::new(rounds),
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            running: None,
            failed: false,
        }
    }

    /// Writes `text` to stderr as it is; an error is remembered, not raised, and ends the
    /// progress lines (a status line is not worth a panic, nor a retry on every run).
    fn write(&mut self, text: &str) {
        if self.failed {
            return;
        }
        let mut stderr = std::io::stderr().lock();
        if stderr.write_all(text.as_bytes()).and_then(|()| stderr.flush()).is_err() {
            self.failed = true;
        }
    }

    /// The runs in all, counted row by row: `rounds` each, or a row's own (`Row::rounds`).
    pub fn set_rounds(&mut self, groups: &[Group], rounds: usize) {
        self.total = groups
            .iter()
            .flat_map(|g| &g.rows)
            .map(|row| row.rounds.map_or(rounds, |r| r.warmup + r.runs))
            .sum();
    }

    /// (Re-)estimates group `first` and those after it (`later`, from `first` on) from the
    /// groups `done` so far; `cap_s`: the sweep's cap, over which a row will be skipped;
    /// `hint`: a row's section's own cost per run, where it has one.
    pub fn plan(
        &mut self,
        later: &[Group],
        first: usize,
        done: &[GroupSummary],
        cap_s: Option<u64>,
        hint: &dyn Fn(&Group, &Row) -> Option<Cost>,
    ) {
        for (g, group) in later.iter().enumerate() {
            for (r, row) in group.rows.iter().enumerate() {
                let cost = cost_with(row, done, cap_s, self.cores, hint(group, row));
                self.eta.set_cost(first + g, r, cost);
                if let Some(rounds) = row.rounds {
                    self.eta.set_rounds(first + g, r, rounds.warmup + rounds.runs);
                }
            }
        }
    }

    /// The bar of this group, drawn on stderr, at the runs done so far.
    fn bar(&mut self) -> &ProgressBar {
        let (total, done) = (self.total as u64, self.done as u64);
        self.bar.get_or_insert_with(|| {
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
            let style = ProgressStyle::with_template("{bar:20} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar.set_position(done);
            bar
        })
    }
}

impl Observer for Progress {
    /// Row `row` of group `group` has its turn; says so, with the time elapsed and left.
    fn step(&mut self, group: usize, row: usize, what: &str) {
        if self.done == 0 {
            let total =
                format!("{} runs, estimated {} in all\n", self.total, about(self.eta.left_s()));
            self.write(&total);
        }
        let left = self.eta.left_s();
        self.eta.started(group, row);
        self.done += 1;
        self.running = Some((group, row, Instant::now()));
        let line = status(self.done, self.total, what, self.start.elapsed().as_secs(), left);
        if self.tty {
            let done = self.done as u64;
            let bar = self.bar();
            bar.set_position(done);
            bar.set_message(line);
        } else {
            self.write(&format!("{line}\n"));
        }
    }

    /// The run [`step`](Self::step) announced finished; a `failed` row does not run again.
    fn ran(&mut self, failed: bool) {
        if let Some((group, row, began)) = self.running.take() {
            self.eta.finished(group, row, began.elapsed().as_secs_f64(), failed);
        }
    }

    /// Clears the bar on a terminal.
    fn done(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimates_read_as_words() {
        assert_eq!(about(0.0), "~1 s");
        assert_eq!(about(2.2), "~3 s");
        assert_eq!(about(41.0), "~45 s");
        assert_eq!(about(61.0), "~1 min");
        assert_eq!(about(263.0), "~4 min");
        assert_eq!(about(3_900.0), "~1 h 05 min");
        assert_eq!(clock(263), "4:23");
        assert_eq!(clock(3_863), "1:04:23");
        assert_eq!(
            status(84, 177, "io 1000 tasks · tokio · run 2/3", 263, 230.0),
            "[ 84/177] io 1000 tasks · tokio · run 2/3 · 4:23 elapsed · ~4 min left"
        );
        assert_eq!(
            status(9, 9, "cpu · smol · run 1/1", 5, 0.0),
            "[9/9] cpu · smol · run 1/1 · 0:05 elapsed"
        );
    }
}
