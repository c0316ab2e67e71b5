#!/usr/bin/env python3
"""Make the latest harness results the committed sample the README and docs/ quote.

Copies results/<name>.{json,md,csv} and its charts (.svg) to results/sample/, then
replaces the text between `<!-- sample:<name> -->` and `<!-- /sample:<name> -->` (in
README.md or whichever page under docs/ holds them) with results/sample/<name>.md, up to its
"## Every point" section (a sweep's details stay in the file); fills every page's
`<!-- sample:<name>#<section> -->` … `<!-- /sample:<name>#<section> -->` blocks with that
section's tables of results/sample/<name>.md (each `### <section>: …` or `### <section>, …`
heading down to its table's last row or † note); and renders the README's guide (between
`<!-- guide -->` and `<!-- /guide -->`) from the run-all and sweep samples.
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
import re
import subprocess
import sys
import tempfile

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
        # Its charts, as the harness names them: render the JSON into a scratch folder and
        # take the same names from results/.
        with tempfile.TemporaryDirectory() as scratch:
            cargo = ["cargo", "run", "--quiet", "-p", "avt-harness", "--", "render",
                     str(files[0]), "--out", scratch]
            subprocess.run(cargo, cwd=root, check=True, capture_output=True)
            charts = sorted(pathlib.Path(scratch).glob("*.svg"))
            files += [root / "results" / c.name for c in charts]
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

def section_tables(md, section):
    """The tables of one section of a results page: each `### <section>: …` or
    `### <section>, …` part, from its heading down to its table's last row or † note (the
    page's own notes, after the last table, stay out)."""
    picked = []
    for part in md.split("\n### ")[1:]:
        if not (part.startswith(f"{section}:") or part.startswith(f"{section},")):
            continue
        lines = f"### {part}".split("\n")
        ends = [i for i, line in enumerate(lines) if line.startswith(("|", "†"))]
        picked.append("\n".join(lines[: ends[-1] + 1] if ends else lines[:1]).strip())
    return "\n\n".join(picked)


# Every page's section blocks, from the samples as they are now.
block = re.compile(r"<!-- sample:([\w.-]+)#([\w-]+) -->\n.*?<!-- /sample:\1#\2 -->", re.S)
for page, text in pages.items():
    def fill(m):
        md = (sample / f"{m.group(1)}.md").read_text()
        body = section_tables(md, m.group(2))
        start, end = f"<!-- sample:{m.group(1)}#{m.group(2)} -->", f"<!-- /sample:{m.group(1)}#{m.group(2)} -->"
        return f"{start}\n{body}\n{end}" if body else f"{start}\n{end}"
    pages[page] = block.sub(fill, text)
for page, text in pages.items():
    page.write_text(text)
