#!/usr/bin/env python3
"""Make the latest harness results the committed sample the README quotes.

Copies results/<name>.{json,md,csv} and its charts (.svg) to results/sample/, then
replaces the README's text between `<!-- sample:<name> -->` and `<!-- /sample:<name> -->`
with results/sample/<name>.md, up to its "## Every point" section (a sweep's details stay in
the file). A test (crates/harness/tests/readme.rs) checks that the two stay in step.

    python3 scripts/promote-sample.py run-all run-all-tcp sweep sweep-tcp
"""
import pathlib
import shutil
import sys

root = pathlib.Path(__file__).resolve().parent.parent
names = sys.argv[1:] or ["run-all"]
sample = root / "results" / "sample"
sample.mkdir(parents=True, exist_ok=True)
readme_path = root / "README.md"
readme = readme_path.read_text()
for name in names:
    files = [root / "results" / f"{name}.{ext}" for ext in ("json", "md", "csv")]
    # Its charts: <name>.svg (run-all) or <name>-io-*.svg and <name>-cpu-*.svg (sweep).
    for pattern in (f"{name}.svg", f"{name}-io-*.svg", f"{name}-cpu-*.svg"):
        files += sorted((root / "results").glob(pattern))
    for f in files:
        if not f.is_file():
            sys.exit(f"missing {f.relative_to(root)}: run `just {name}` first")
        shutil.copy(f, sample / f.name)
    start, end = f"<!-- sample:{name} -->", f"<!-- /sample:{name} -->"
    if start not in readme or end not in readme:
        sys.exit(f"README.md has no {start} … {end} markers")
    head, rest = readme.split(start, 1)
    _, tail = rest.split(end, 1)
    body = (sample / f"{name}.md").read_text().split("## Every point")[0].strip()
    readme = f"{head}{start}\n{body}\n{end}{tail}"
    print(f"results/sample/ and README.md now show results/{name}.md")
readme_path.write_text(readme)
