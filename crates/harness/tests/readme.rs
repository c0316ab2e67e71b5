//! The README quotes the committed sample results (results/sample/): they must not drift
//! apart. `python3 scripts/promote-sample.py <name>…` refreshes both.

use avt_harness::Results;
use avt_harness::binaries::project_root;

#[test]
fn readme_quotes_the_committed_samples() {
    let root = project_root();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    for name in ["run-all", "run-all-tcp", "sweep", "sweep-tcp"] {
        let sample = root.join("results/sample").join(name);
        let md = std::fs::read_to_string(sample.with_extension("md")).unwrap();
        // A sweep's per-point details stay in the file; the README quotes its summary.
        let md = md.split("## Every point").next().unwrap_or_default();
        let quoted = format!("<!-- sample:{name} -->\n{}\n<!-- /sample:{name} -->", md.trim());
        assert!(readme.contains(&quoted), "README.md does not quote results/sample/{name}.md");

        let json = std::fs::read_to_string(sample.with_extension("json")).unwrap();
        let results: Results = serde_json::from_str(&json).unwrap();
        assert!(results.ok, "the committed {name} sample has a failed row");
        assert_eq!(results.environment.profile, "release", "samples come from release builds");
        assert!(readme.contains(&results.environment.date), "README names the sample's date");
    }
}
