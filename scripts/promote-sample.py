#!/usr/bin/env python3
"""Make the latest harness results the committed sample the README and docs/ quote.

Copies results/<name>.{json,md,csv} and its charts (.svg) to results/sample/, then
replaces the text between `<!-- sample:<name> -->` and `<!-- /sample:<name> -->` (in
README.md or whichever page under docs/ holds them) with results/sample/<name>.md, up to its
"## Every point" section (a sweep's details stay in the file); and renders the README's
guide (between `<!-- guide -->` and `<!-- /guide -->`) from the run-all and sweep samples.
Tests check that they stay in step (crates/harness/tests/readme.rs) and that
every sample's JSON renders its .md and .csv (tests/golden.rs) and draws its charts
(tests/charts.rs) byte for byte.

    python3 scripts/promote-sample.py run-all run-all-tcp sweep sweep-tcp

After a deliberate change to the Markdown or CSV format or to the charts, regenerate the
committed samples from their own JSON (no new measurements) with the harness as built now
(`avt-harness render`: the .md, the .csv and the .svg charts), and quote them again, in the
same commit as the change:

    python3 scripts/promote-sample.py --regenerate
"""
import pathlib
import shutil
import subprocess
import sys

root = pathlib.Path(__file__).resolve().parent.parent
args = sys.argv[1:]
regenerate = "--regenerate" in args
names = [a for a in args if a != "--regenerate"]
if any(n.startswith("-") for n in names):
    sys.exit(__doc__.strip())
sample = root / "results" / "sample"
if regenerate and not names:
    names = ["run-all", "run-all-tcp", "sweep", "sweep-tcp"]
names = names or ["run-all"]
sample.mkdir(parents=True, exist_ok=True)
readme_path = root / "README.md"
pages = {p: p.read_text() for p in [readme_path, *sorted((root / "docs").glob("*.md"))]}
for name in names:
    if regenerate:
        json = sample / f"{name}.json"
        if not json.is_file():
            sys.exit(f"missing {json.relative_to(root)}")
        # Its .md, .csv and charts, from the JSON alone.
        cargo = ["cargo", "run", "--quiet", "-p", "avt-harness", "--", "render", str(json)]
        subprocess.run(cargo, cwd=root, check=True)
    else:
        files = [root / "results" / f"{name}.{ext}" for ext in ("json", "md", "csv")]
        # Its charts: <name>.svg and <name>-mistakes.svg (run-all), or <name>-io-*.svg and
        # <name>-cpu-*.svg (sweep).
        for pattern in (f"{name}.svg", f"{name}-mistakes.svg", f"{name}-io-*.svg",
                        f"{name}-cpu-*.svg"):
            files += sorted((root / "results").glob(pattern))
        for f in files:
            if not f.is_file():
                sys.exit(f"missing {f.relative_to(root)}: run `just {name}` first")
        if '"partial": true' in files[0].read_text():
            sys.exit(f"results/{name}.json is partial (the run did not finish): not a sample")
        for f in files:
            shutil.copy(f, sample / f.name)
    start, end = f"<!-- sample:{name} -->", f"<!-- /sample:{name} -->"
    page = next((p for p, text in pages.items() if start in text and end in text), None)
    if page is None:
        sys.exit(f"neither README.md nor docs/*.md has the {start} … {end} markers")
    head, rest = pages[page].split(start, 1)
    _, tail = rest.split(end, 1)
    body = (sample / f"{name}.md").read_text().split("## Every point")[0].strip()
    pages[page] = f"{head}{start}\n{body}\n{end}{tail}"
    print(f"results/sample/ and {page.relative_to(root)} now show results/sample/{name}.md")
# The guide: every number from the samples, rendered by the harness.
guide = subprocess.run(
    ["cargo", "run", "--quiet", "-p", "avt-harness", "--", "guide",
     str(sample / "run-all.json"), "--sweep", str(sample / "sweep.json")],
    cwd=root, check=True, capture_output=True, text=True).stdout.strip()
start, end = "<!-- guide -->", "<!-- /guide -->"
if start in pages[readme_path]:
    head, rest = pages[readme_path].split(start, 1)
    _, tail = rest.split(end, 1)
    pages[readme_path] = f"{head}{start}\n{guide}\n{end}{tail}"
    print("README.md's guide is rendered from results/sample/")
for page, text in pages.items():
    page.write_text(text)
