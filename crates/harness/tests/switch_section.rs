//! run-all's `switch` section: a quick run over the real crates (every ring and spawn row
//! verified against its own count, rayon's ring of blocking jobs ending in the deadlock its
//! watchdog names), its columns, its chart, and the guide's line rendered from its results.

mod common;

use std::process::Command;

use avt_common::shared::DEADLOCK_MARKER;
use avt_harness::outcome::{Expect, Failure};
use avt_harness::plan::{Example, Section};
use common::{HARNESS, assert_svg, harness, python_or_note};

#[test]
fn quick_switch_over_the_real_crates_checks_every_row_and_draws_and_guides() {
    let args = ["--sections", "switch", "--quick", "--threads", "2"];
    let (out, results, out_dir) = harness("run-all", "switch-quick", &args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "run-all {args:?} failed:\n{stderr}");
    assert!(results.ok && !results.partial);
    let with_python = python_or_note("the Python rows of the switch section");
    let switch = Section::named("switch");
    assert!(results.groups.iter().all(|g| g.section == switch));
    let rounds: Vec<_> = results.settings.rounds.iter().map(|r| (r.section, r.runs)).collect();
    assert_eq!(rounds, [(switch, 1)]);
    let (ring, spawn) = (Example::named("switch"), Example::named("spawn"));
    let examples: Vec<(Example, Option<&str>)> = results
        .groups
        .iter()
        .map(|g| (g.example, g.rows.first().and_then(|r| r.params.via.as_deref())))
        .collect();
    assert_eq!(examples, [(ring, Some("channel")), (ring, Some("pipe")), (spawn, None)]);
    for group in &results.groups {
        assert!(group.label.starts_with("switch"), "{}", group.label);
        assert!(group.label.contains("1 counted run, no warm-up"), "{}", group.label);
        for row in &group.rows {
            let what = format!("{} in {}", row.approach, group.label);
            assert!(!row.failed() && row.failure.is_none(), "{what}: {:?}", row.failure);
            assert_eq!(row.runs, 1, "{what}");
            assert!(row.params.variant.is_some() && row.approach.contains(" ("), "{what}");
            // Pinned beside unpinned.
            assert_eq!(row.params.pin.is_some(), row.approach.contains(", pin 0)"), "{what}");
            if let Expect::Failure(marker) = &row.expect {
                assert_eq!(marker, DEADLOCK_MARKER);
                assert!(row.approach.starts_with("rayon (blocking-jobs"), "{what}");
                let detected = matches!(&row.outcome,
                    Some(Failure::Exit { code: 1, message }) if message.contains(marker));
                assert!(detected && row.outcome_runs == 1, "{what}: {:?}", row.outcome);
                continue;
            }
            assert!(row.outcome.is_none(), "{what}");
            if group.example == ring {
                // --quick: 10 members, 20 laps fixed, one warm-up lap, the count its own.
                let p = &row.params;
                assert_eq!((p.workers, p.laps, p.warmup_laps), (Some(10), Some(20), Some(1)));
                assert_eq!(row.result, Some(10 * 21), "{what}");
                for key in ["ns_per_hop", "lap_p99_us", "voluntary_per_hop", "hops"] {
                    assert!(row.metrics.contains_key(key), "{what}: no {key}");
                }
            } else {
                assert_eq!(row.result, Some(50), "{what}: every unit ran once");
                for key in ["us_per_spawn", "first_run.p99_us"] {
                    assert!(row.metrics.contains_key(key), "{what}: no {key}");
                }
                let rss = row.metrics.contains_key("rss_per_unit_kib");
                assert_eq!(rss, !row.approach.starts_with("rayon"), "{what}");
            }
        }
    }
    let names: Vec<&str> =
        results.groups.iter().flat_map(|g| &g.rows).map(|r| r.approach.as_str()).collect();
    for name in [
        "std-threads (threads)",
        "tokio (current-thread, pin 0)",
        "smol (multi-thread)",
        "async-std (current-thread)",
        "rayon (blocking-jobs)",
        "rayon (pool, pin 0)",
    ] {
        assert!(names.contains(&name), "{name}: {names:?}");
    }
    let python = names.iter().any(|n| n.starts_with("python-threading (threads"))
        && names.iter().any(|n| n.starts_with("python-asyncio (event-loop"));
    assert_eq!(python, with_python, "{names:?}");

    let md = std::fs::read_to_string(out_dir.join("run-all.md")).unwrap();
    for header in [
        "### switch, ring via channel",
        "### switch, ring via pipe",
        "### switch, spawn",
        "| ns/hop |",
        "| voluntary switches/hop |",
        "| lap p99 µs |",
        "| µs/spawn |",
        "| first run p99 µs |",
        "| RSS per live unit KiB |",
        "deadlock detected",
        "2 MiB",
    ] {
        assert!(md.contains(header), "run-all.md has no {header:?}");
    }
    let terminal = String::from_utf8_lossy(&out.stdout);
    for header in ["ns/hop", "µs/spawn", "deadlock detected"] {
        assert!(terminal.contains(header), "the terminal table has no {header:?}");
    }
    assert_svg(&out_dir.join("run-all-switch.svg"), &["tokio", "std-threads", "deadlock detected"]);

    // The guide's line, rendered from these results (and left out when they lack the rows).
    let guide = Command::new(HARNESS).arg("guide").arg(out_dir.join("run-all.json")).output();
    let guide = guide.unwrap();
    assert!(guide.status.success(), "{}", String::from_utf8_lossy(&guide.stderr));
    let guide = String::from_utf8(guide.stdout).unwrap();
    let line = guide.lines().find(|l| l.contains("switches between many waiting workers"));
    let line = line.unwrap_or_else(|| panic!("no switch line in the guide:\n{guide}"));
    assert!(line.contains("docs/switch-and-spawn.md") && line.contains(" µs a thread"), "{line}");
}
