//! The README and the pages under docs/ quote the committed sample results
//! (results/sample/), and the README's guide is rendered from them: they must not drift
//! apart. `python3 scripts/promote-sample.py <name>…` refreshes all of them.

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
    for name in ["run-all", "run-all-tcp", "sweep", "sweep-tcp"] {
        let sample = root.join("results/sample").join(name);
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
    let out = Command::new(env!("CARGO_BIN_EXE_avt-harness"))
        .arg("guide")
        .arg(sample.join("run-all.json"))
        .arg("--sweep")
        .arg(sample.join("sweep.json"))
        .output()
        .unwrap();
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
            let Some((name, section)) = key.split_once('#') else { continue };
            let md = read(&root.join("results/sample").join(format!("{name}.md")));
            let body = section_tables(&md, section);
            let (start, end) =
                (format!("<!-- sample:{key} -->"), format!("<!-- /sample:{key} -->"));
            let quoted = if body.is_empty() {
                format!("{start}\n{end}")
            } else {
                format!("{start}\n{body}\n{end}")
            };
            assert!(
                text.contains(&quoted),
                "{page}'s {key} block is not the sample's {section} tables: run \
                 python3 scripts/promote-sample.py"
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
