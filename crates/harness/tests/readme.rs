//! The README and the pages under docs/ quote the committed sample results
//! (results/sample/) in generated blocks and inline values, and the README's guide is
//! rendered from them: they must not drift apart, and no page may hold a measured figure
//! typed by hand. `python3 scripts/promote-sample.py <name>…` refreshes all of them
//! (`--fill-only`: the blocks and values alone, from results/sample/ as it is, without cargo).

use std::path::Path;
use std::process::Command;

use avt_harness::Results;
use avt_harness::binaries::project_root;

/// The README and every page under docs/, as (name, text).
fn pages(root: &Path) -> Vec<(String, String)> {
    let mut pages = vec![("README.md".to_string(), read(&root.join("README.md")))];
    if let Ok(dir) = std::fs::read_dir(root.join("docs")) {
        let mut docs: Vec<_> = dir.flatten().map(|e| e.path()).collect();
        docs.sort();
        for doc in docs.into_iter().filter(|p| p.extension().is_some_and(|e| e == "md")) {
            pages
                .push((format!("docs/{}", doc.file_name().unwrap().to_string_lossy()), read(&doc)));
        }
    }
    pages
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn the_pages_quote_the_committed_samples() {
    let root = project_root();
    let pages = pages(&root);
    for name in ["run-all", "run-all-tcp", "sweep", "sweep-tcp", "load", "load-work"] {
        let sample = root.join("results/sample").join(name);
        if !sample.with_extension("json").is_file() {
            continue; // not committed yet: its block stays empty
        }
        let md = read(&sample.with_extension("md"));
        // A sweep's per-point details stay in the file; the pages quote its summary.
        let md = md.split("## Every point").next().unwrap_or_default();
        let quoted = format!("<!-- sample:{name} -->\n{}\n<!-- /sample:{name} -->", md.trim());
        let page = pages.iter().find(|(_, text)| text.contains(&format!("<!-- sample:{name} -->")));
        let (page, text) =
            page.unwrap_or_else(|| panic!("no page quotes results/sample/{name}.md"));
        assert!(text.contains(&quoted), "{page} does not quote results/sample/{name}.md as it is");

        let results: Results = serde_json::from_str(&read(&sample.with_extension("json"))).unwrap();
        assert!(results.ok, "the committed {name} sample has a failed row");
        assert_eq!(results.environment.profile, "release", "samples come from release builds");
        assert!(text.contains(&results.environment.date), "{page} names the sample's date");
    }
}

#[test]
fn the_readme_guide_is_rendered_from_the_samples() {
    let root = project_root();
    let sample = root.join("results/sample");
    let mut guide = Command::new(env!("CARGO_BIN_EXE_avt-harness"));
    guide
        .arg("guide")
        .arg(sample.join("run-all.json"))
        .arg("--sweep")
        .arg(sample.join("sweep.json"));
    // The optional samples, each passed when committed, as scripts/promote-sample.py does.
    let optional = [
        ("--sweep-tcp", "sweep-tcp"),
        ("--load-work", "load-work"),
        ("--load-work", "load-work-90/load-work"),
    ];
    for (flag, name) in optional {
        let json = sample.join(format!("{name}.json"));
        if json.is_file() {
            guide.arg(flag).arg(json);
        }
    }
    let out = guide.output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let guide = String::from_utf8(out.stdout).unwrap();
    let quoted = format!("<!-- guide -->\n{}\n<!-- /guide -->", guide.trim());
    assert!(read(&root.join("README.md")).contains(&quoted), "README.md's guide is stale");
}

/// The tables of one section of a results page, as scripts/promote-sample.py cuts them: each
/// `### <section>: …` or `### <section>, …` part, from its heading down to its table's last
/// row or † note.
fn section_tables(md: &str, section: &str) -> String {
    let mut picked = Vec::new();
    for part in md.split("\n### ").skip(1) {
        if !(part.starts_with(&format!("{section}:")) || part.starts_with(&format!("{section},"))) {
            continue;
        }
        let text = format!("### {part}");
        let lines: Vec<&str> = text.split('\n').collect();
        let last = lines.iter().rposition(|l| l.starts_with('|') || l.starts_with('†'));
        picked.push(lines[..last.map_or(1, |i| i + 1)].join("\n").trim().to_string());
    }
    picked.join("\n\n")
}

#[test]
fn every_section_block_quotes_its_sample() {
    let root = project_root();
    for (page, text) in pages(&root) {
        for (at, _) in text.match_indices("<!-- sample:") {
            let marker = &text[at + "<!-- sample:".len()..];
            let Some((key, _)) = marker.split_once(" -->") else { continue };
            let (name, section) = key.split_once('#').unwrap_or((key, ""));
            let path = root.join("results/sample").join(format!("{name}.md"));
            // A whole sample up to a sweep's "## Every point"; one not committed yet: empty.
            let body = match section {
                "" if !path.is_file() => String::new(),
                "" => read(&path).split("## Every point").next().unwrap_or_default().trim().into(),
                _ => section_tables(&read(&path), section),
            };
            let (start, end) =
                (format!("<!-- sample:{key} -->"), format!("<!-- /sample:{key} -->"));
            let quoted = if body.is_empty() {
                format!("{start}\n{end}")
            } else {
                format!("{start}\n{body}\n{end}")
            };
            assert!(
                text.contains(&quoted),
                "{page}'s {key} block is not what results/sample/{name}.md holds now: run \
                 python3 scripts/promote-sample.py --fill-only"
            );
        }
    }
}

#[test]
fn a_section_is_cut_from_its_heading_to_its_last_row() {
    let md = "# run-all\n\nnotes\n\n### io: 3 fetches\n\nchecked\n\n| a |\n|---|\n| 1 |\n\n\
              ### switch: ring\n\n| b |\n|---|\n| 2 |\n\n† b: expected\n\n\
              ### switch, spawn: units\n\n| c |\n|---|\n| 3 |\n\n* noisy row\n\nTarget: …\n";
    assert_eq!(
        section_tables(md, "switch"),
        "### switch: ring\n\n| b |\n|---|\n| 2 |\n\n† b: expected\n\n\
         ### switch, spawn: units\n\n| c |\n|---|\n| 3 |"
    );
    assert_eq!(section_tables(md, "io"), "### io: 3 fetches\n\nchecked\n\n| a |\n|---|\n| 1 |");
    assert_eq!(section_tables(md, "cancel"), "");
}

/// One figure of a results page, as an inline value shows it (scripts/promote-sample.py's
/// `value_of` does the same): "" is the page's first line; "SECTION|ROW|COLUMN" the cell of
/// the table under the `### SECTION: …` heading, in the row whose first cell is ROW and the
/// column headed COLUMN, up to its ` [min–max]`; "…|COLUMN|K" keeps the cell's first K words
/// (K < 0: its last -K), for a sweep's two-figure cells.
fn value_of(md: &str, address: &str) -> Option<String> {
    if address.is_empty() {
        return md.split('\n').next().map(str::to_string);
    }
    let parts: Vec<&str> = address.split('|').collect();
    let (section, row, column) = (parts.first()?, parts.get(1)?, parts.get(2)?);
    let keep = parts.get(3).map(|k| k.parse::<isize>().ok().filter(|k| *k != 0));
    if keep == Some(None) || parts.len() > 4 {
        return None;
    }
    for part in md.split("\n### ").skip(1) {
        if part.split('\n').next()?.split(':').next()? != *section {
            continue;
        }
        let table: Vec<Vec<&str>> = part
            .split('\n')
            .filter(|l| l.starts_with('|'))
            .map(|l| l.trim().trim_matches('|').split('|').map(str::trim).collect())
            .collect();
        let Some(at) = table.first().and_then(|h| h.iter().position(|c| c == column)) else {
            continue;
        };
        if let Some(cells) = table.iter().skip(2).find(|c| c[0] == *row && at < c.len()) {
            let words: Vec<&str> = cells[at].split(" [").next()?.split(' ').collect();
            let n = words.len() as isize;
            let k = keep.flatten().unwrap_or(n);
            let kept =
                if k > 0 { &words[..k.min(n) as usize] } else { &words[(n + k).max(0) as usize..] };
            return Some(kept.join(" "));
        }
    }
    None
}

/// Every inline value of a page, as (its address after `value:`, the text it shows).
fn inline_values(text: &str) -> Vec<(&str, &str)> {
    let mut found = Vec::new();
    for (at, _) in text.match_indices("<!-- value:") {
        let rest = &text[at + "<!-- value:".len()..];
        let Some((key, rest)) = rest.split_once(" -->") else { continue };
        let Some((shown, _)) = rest.split_once("<!-- /value -->") else { continue };
        found.push((key, shown));
    }
    found
}

#[test]
fn every_inline_value_is_the_samples_figure() {
    let root = project_root();
    for (page, text) in pages(&root) {
        for (key, shown) in inline_values(&text) {
            let (name, address) = key.split_once('#').unwrap_or((key, ""));
            let md = read(&root.join("results/sample").join(format!("{name}.md")));
            let figure = value_of(&md, address)
                .unwrap_or_else(|| panic!("{page}: results/sample/{name}.md has no {key}"));
            assert_eq!(
                shown, figure,
                "{page}'s value {key} is stale: run python3 scripts/promote-sample.py --fill-only"
            );
        }
    }
}

#[test]
fn a_value_is_one_cell_of_a_section_table() {
    let md = "run-all · 2026-12-01 · commit abc\n\n### io: 3 fetches\n\n| approach | wall ms |\n\
              |---|---|\n| tokio | 507.6 [507.0–508.2] |\n\n### mistakes, cpu: 64 jobs\n\n\
              | approach | wall ms | ticker max ms |\n|---|---|---|\n\
              | tokio (cpu-inline) | 959.5 [953.3–965.8] | 943.9 [937.0–950.8] |\n";
    assert_eq!(value_of(md, "").as_deref(), Some("run-all · 2026-12-01 · commit abc"));
    assert_eq!(value_of(md, "io|tokio|wall ms").as_deref(), Some("507.6"));
    let late = value_of(md, "mistakes, cpu|tokio (cpu-inline)|ticker max ms");
    assert_eq!(late.as_deref(), Some("943.9"));
    assert_eq!(value_of(md, "mistakes, cpu|tokio|wall ms"), None);
    assert_eq!(value_of(md, "mistakes|tokio (cpu-inline)|wall ms"), None);
    assert_eq!(value_of(md, "io|tokio|p99 ms"), None);
    let sweep = "sweep\n\n### io peak memory: by tasks\n\n| approach | 10000 |\n|---|---|\n\
                 | std-threads | 96.1 MiB 9685 B |\n";
    assert_eq!(
        value_of(sweep, "io peak memory|std-threads|10000").as_deref(),
        Some("96.1 MiB 9685 B")
    );
    assert_eq!(value_of(sweep, "io peak memory|std-threads|10000|-2").as_deref(), Some("9685 B"));
    assert_eq!(value_of(sweep, "io peak memory|std-threads|10000|1").as_deref(), Some("96.1"));
    assert_eq!(value_of(sweep, "io peak memory|std-threads|10000|0"), None);
    let text = "a <!-- value:run-all#io|tokio|wall ms -->507.6<!-- /value --> b";
    assert_eq!(inline_values(text), [("run-all#io|tokio|wall ms", "507.6")]);
}

/// Units after which a number reads as a measurement, longest first. `×` and `x` count only
/// written against the number (`1.91×`); with a space (`4 × T`) they are arithmetic.
const UNITS: &[&str] = &[
    "MiB", "KiB", "GiB", "M/s", "min", "ns", "µs", "us", "ms", "MB", "KB", "GB", "/s", "B", "M",
    "s", "%", "×", "x",
];

/// Workload constants (flag defaults and the sizes the sections are run at) that prose may
/// name without a marker.
const CONSTANTS: &[&str] = &[
    "2000 ms", "2 s", "500 ms", "10 ms", "50 ms", "1 ms", "20 ms", "50 µs", "50%", "90%", "10%",
    "120%",
];

/// The figures of one line: a number (not part of a word such as `p99`) followed, with at
/// most one space, by one of `UNITS`, the unit not followed by a letter or digit.
fn figures(line: &str) -> Vec<String> {
    let c: Vec<char> = line.chars().collect();
    let (mut found, mut i) = (Vec::new(), 0);
    while i < c.len() {
        let after_word = i > 0 && (c[i - 1].is_alphanumeric() || matches!(c[i - 1], '.' | '_'));
        if !c[i].is_ascii_digit() || after_word {
            i += 1;
            continue;
        }
        let start = i;
        while i < c.len()
            && (c[i].is_ascii_digit()
                || (matches!(c[i], '.' | ',') && c.get(i + 1).is_some_and(char::is_ascii_digit)))
        {
            i += 1;
        }
        let spaced = c.get(i) == Some(&' ');
        let rest: String = c[i + usize::from(spaced)..].iter().collect();
        let unit = UNITS.iter().find(|u| {
            rest.starts_with(**u)
                && !rest[u.len()..].starts_with(char::is_alphanumeric)
                && !(spaced && matches!(**u, "×" | "x"))
        });
        if let Some(unit) = unit {
            let number: String = c[start..i].iter().collect();
            found.push(format!("{number}{}{unit}", if spaced { " " } else { "" }));
        }
    }
    found
}

/// What of a page a reader takes as hand-written prose: every line, as (line number, text),
/// outside fenced code, generated blocks (`<!-- sample:… -->`, `<!-- guide -->`) and lines
/// marked `<!-- given: … -->` or `<!-- not measured: … -->`, with its inline values and code
/// spans cut out.
fn prose(text: &str) -> Vec<(usize, String)> {
    let (mut lines, mut fenced, mut block) = (Vec::new(), false, None::<String>);
    for (n, line) in text.lines().enumerate() {
        if let Some(end) = &block {
            if line.starts_with(end.as_str()) {
                block = None;
            }
            continue;
        }
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if let Some(key) = line.strip_prefix("<!-- sample:").and_then(|l| l.split(" -->").next()) {
            block = Some(format!("<!-- /sample:{key} -->"));
            continue;
        }
        if line.starts_with("<!-- guide -->") {
            block = Some("<!-- /guide -->".to_string());
            continue;
        }
        if fenced || line.contains("<!-- given:") || line.contains("<!-- not measured:") {
            continue;
        }
        let mut kept = String::new();
        let mut rest = line;
        while let Some(at) = rest.find("<!-- value:") {
            kept.push_str(&rest[..at]);
            rest = rest[at..].split_once("<!-- /value -->").map_or("", |(_, r)| r);
        }
        kept.push_str(rest);
        let spans: String = kept.split('`').step_by(2).collect::<Vec<_>>().join(" ");
        lines.push((n + 1, spans));
    }
    lines
}

/// No page holds a hand-typed measurement: outside generated blocks, inline values, fenced
/// code and code spans (commands and flags, such as `--delay-ms 50`), a number followed by a
/// unit (`figures`) is a measurement unless
/// - it is one of `CONSTANTS`, the workload's own sizes (the io delay, the ticker period,
///   the mixed example's delay, the probe, the sweep's ranges), or
/// - its line ends with `<!-- given: WHERE -->` (a runtime's or another project's documented
///   number, or an outside benchmark: WHERE says whose, and when) or `<!-- not measured:
///   WHY -->` (arithmetic on constants, a definition such as "1.00× is one wait").
///
/// A measured figure goes into prose as an inline value, so it cannot drift from the sample.
#[test]
fn no_page_holds_a_hand_typed_measurement() {
    let root = project_root();
    let mut typed = Vec::new();
    for (page, text) in pages(&root) {
        for (n, line) in prose(&text) {
            for figure in figures(&line) {
                if !CONSTANTS.contains(&figure.as_str()) {
                    typed.push(format!("{page}:{n}: {figure}"));
                }
            }
        }
    }
    assert!(
        typed.is_empty(),
        "hand-typed measurements (quote them as inline values, or mark the line):\n{}",
        typed.join("\n")
    );
}

#[test]
fn a_figure_is_a_number_with_its_unit() {
    assert_eq!(
        figures("tokio 1.91×, p99 58.3 ms, 4 × T, 96.1 MiB"),
        ["1.91×", "58.3 ms", "96.1 MiB"]
    );
    assert_eq!(figures("E0499, p99, 10⁷, 5 sockets, 2 logical CPUs, 435/s"), ["435/s"]);
    assert_eq!(figures("0–4% and 2,150 connections in 1.2s"), ["4%", "1.2s"]);
    let page = "a 3 ms\n```\n9 ms\n```\n<!-- sample:x#y -->\n7 ms\n<!-- /sample:x#y -->\n\
                b <!-- value:x#y|z|w -->5 ms<!-- /value --> `--delay-ms 8` 6 ms\n\
                c 4 ms <!-- not measured: arithmetic -->";
    let lines: Vec<_> = prose(page).into_iter().map(|(n, l)| (n, figures(&l))).collect();
    assert_eq!(lines, [(1, vec!["3 ms".to_string()]), (8, vec!["6 ms".to_string()])]);
}
