//! The README's first screen: "if your program …, choose …, because …", every number read
//! from the committed sample results, so the guide cannot drift from them (the README test
//! compares the quoted guide with what this renders).
//!
//! A line whose rows a sample lacks is left out rather than guessed.

use crate::model::plan::Section;
use crate::model::results::Results;
use crate::model::summary::{GroupSummary, RowSummary};
use crate::render::bytes;
use crate::summary::bytes_per_task;

/// Where the guide's lines point for the details.
const METHOD: &str = "docs/method.md";
const SCALING: &str = "docs/scaling.md";
const LOOP: &str = "docs/loop-and-mistakes.md";
const SHARED: &str = "docs/shared-state.md";
const MIXED: &str = "docs/mixed.md";

/// The guide as Markdown, from run-all's sample and, where given, the sweep's.
pub fn guide(run_all: &Results, sweep: Option<&Results>) -> String {
    let lines: Vec<String> = [
        few_waits(run_all),
        many_waits(sweep),
        cpu_bound(run_all),
        blocking_call(run_all),
        cpu_in_tasks(run_all),
        shared_counter(run_all),
        wait_then_compute(run_all),
    ]
    .into_iter()
    .flatten()
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

/// The row named `name` (as the tables show it: `tokio`, `tokio (cpu-inline)`) in the first
/// group of `section` that has it, if it ran.
fn row<'a>(r: &'a Results, section: Section, name: &str) -> Option<&'a RowSummary> {
    r.groups.iter().filter(|g| g.section == section).find_map(|g| {
        g.rows.iter().find(|row| row.approach == name && !row.failed() && row.skipped.is_none())
    })
}

fn metric(row: &RowSummary, key: &str) -> Option<f64> {
    row.metrics.get(key).map(|s| s.median)
}

fn ms(us: f64) -> String {
    let ms = us / 1e3;
    if ms >= 100.0 { format!("{ms:.0} ms") } else { format!("{ms:.1} ms") }
}

fn few_waits(r: &Results) -> Option<String> {
    let std = row(r, Section::Io, "std-threads")?;
    let tokio = row(r, Section::Io, "tokio")?;
    let tasks = std.params.tasks?;
    Some(format!(
        "| waits on a few things at once (the article's {tasks} fetches) | anything: plain \
         threads are fine | std threads {:.2}× of one wait, {} peak; tokio {:.2}×, {} \
         ([method]({METHOD})) |",
        std.x_ideal?,
        bytes(std.max_rss_kib?.median),
        tokio.x_ideal?,
        bytes(tokio.max_rss_kib?.median),
    ))
}

fn many_waits(sweep: Option<&Results>) -> Option<String> {
    let r = sweep?;
    let io: Vec<&GroupSummary> = r.groups.iter().filter(|g| g.section == Section::Io).collect();
    // The largest point std threads reached, and each contender's bytes per task there.
    let std = io
        .iter()
        .flat_map(|g| &g.rows)
        .filter(|row| row.approach == "std-threads" && row.max_rss_kib.is_some())
        .max_by_key(|row| row.params.tasks)?;
    let n = std.params.tasks?;
    let at = |approach: &str| {
        io.iter()
            .flat_map(|g| &g.rows)
            .find(|row| row.approach == approach && row.params.tasks == Some(n))
            .and_then(|row| bytes_per_task(row, &io))
    };
    let thread = at("std-threads")?;
    let tasks: Vec<f64> = ["tokio", "async-std", "smol"].iter().filter_map(|a| at(a)).collect();
    let (lo, hi) = tasks.iter().fold((f64::MAX, 0.0_f64), |(lo, hi), &b| (lo.min(b), hi.max(b)));
    let ceiling = io
        .iter()
        .flat_map(|g| &g.rows)
        .filter(|row| row.approach == "std-threads")
        .find_map(|row| started_threads(&row.failure.as_ref()?.to_string()));
    let ceiling =
        ceiling.map_or(String::new(), |t| format!("; std threads stop at {t} threads here"));
    (!tasks.is_empty()).then(|| {
        format!(
            "| keeps 10 000 or more waits in flight | an async runtime (tokio, smol) | at {n} in \
             flight a task costs {lo:.0}–{hi:.0} B, a thread {thread:.0} B{ceiling} \
             ([scaling]({SCALING})) |"
        )
    })
}

/// "started 16247 of …" in a thread-limit failure.
fn started_threads(failure: &str) -> Option<u64> {
    let rest = failure.split("started ").nth(1)?;
    rest.split_whitespace().next()?.parse().ok()
}

fn cpu_bound(r: &Results) -> Option<String> {
    let rayon = row(r, Section::Cpu, "rayon")?;
    let std = row(r, Section::Cpu, "std-threads")?;
    let python = row(r, Section::Cpu, "python-threading")
        .and_then(|p| p.speedup)
        .map_or(String::new(), |s| format!("; CPython's threads {s:.2}× (the GIL)"));
    Some(format!(
        "| computes (CPU-bound) | rayon, or threads; not CPython threads | on {} threads rayon \
         {:.2}×, std threads {:.2}× the sequential run{python} ([method]({METHOD})) |",
        rayon.params.threads, rayon.speedup?, std.speedup?,
    ))
}

fn blocking_call(r: &Results) -> Option<String> {
    let bad = row(r, Section::Mistakes, "tokio (blocking-sleep)")?;
    let good = row(r, Section::Mistakes, "tokio (join-set)")?;
    Some(format!(
        "| calls blocking code from async tasks | `spawn_blocking` / `unblock`, or an async API \
         | tokio with `std::thread::sleep` in a task: {:.2}× of one wait, ticker {} late at \
         most; its right way {:.2}× ([loop]({LOOP})) |",
        bad.x_ideal?,
        ms(metric(bad, "ticker.max_us")?),
        good.x_ideal?,
    ))
}

fn cpu_in_tasks(r: &Results) -> Option<String> {
    let bad = row(r, Section::Mistakes, "tokio (cpu-inline)")?;
    let good = row(r, Section::Mistakes, "tokio (spawn-blocking)")?;
    Some(format!(
        "| computes inside async tasks | `spawn_blocking` (bounded to T) or rayon behind a \
         oneshot | counting in tokio's tasks: ticker {} late at most, against {} with \
         `spawn_blocking` ([loop]({LOOP})) |",
        ms(metric(bad, "ticker.max_us")?),
        ms(metric(good, "ticker.max_us")?),
    ))
}

fn shared_counter(r: &Results) -> Option<String> {
    let rate = |variant: &str| {
        row(r, Section::Shared, &format!("tokio ({variant})"))
            .and_then(|s| metric(s, "increments_per_s"))
    };
    let (atomic, mutex, async_mutex) = (rate("atomic")?, rate("mutex")?, rate("async-mutex")?);
    Some(format!(
        "| shares a counter between tasks | an atomic, or `std::sync::Mutex`; an async mutex \
         only across `.await` | tokio, increments/s: atomic {:.0} M, std Mutex {:.0} M, \
         `tokio::sync::Mutex` {:.1} M ([shared state]({SHARED})) |",
        atomic / 1e6,
        mutex / 1e6,
        async_mutex / 1e6,
    ))
}

fn wait_then_compute(r: &Results) -> Option<String> {
    let p99 = |name: &str| row(r, Section::Mixed, name).and_then(|s| metric(s, "latency.p99_us"));
    let right = p99("tokio")?;
    let std = p99("std-threads")?;
    let one_thread = p99("tokio current-thread")
        .map_or(String::new(), |v| format!("; all on one thread (current-thread) {}", ms(v)));
    Some(format!(
        "| waits, then computes, under load (the article's FAQ) | a runtime for the waits and \
         `spawn_blocking` for the work | p99 at half load: tokio {}, a thread per request \
         {}{one_thread} ([mixed]({MIXED})) |",
        ms(right),
        ms(std),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_thread_ceiling_is_read_from_the_failure() {
        let failure = "exit code 1: std-threads: error: hit the OS thread limit: started 16247 \
                       of 100000 threads (vm.max_map_count)";
        assert_eq!(started_threads(failure), Some(16247));
        assert_eq!(started_threads("timed out"), None);
    }

    #[test]
    fn microseconds_read_as_milliseconds() {
        assert_eq!(ms(1_234.0), "1.2 ms");
        assert_eq!(ms(4_563_000.0), "4563 ms");
    }
}
