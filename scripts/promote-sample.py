#!/usr/bin/env python3
"""Make the latest harness results the committed sample the README and docs/ quote.

Copies results/<name>.{json,md,csv} and its charts (.svg) to results/sample/, then
replaces the text between `<!-- sample:<name> -->` and `<!-- /sample:<name> -->` (in
README.md or whichever page under docs/ holds them) with results/sample/<name>.md, up to its
"## Every point" section (a sweep's details stay in the file); fills every page's
`<!-- sample:<name>#<section> -->` … `<!-- /sample:<name>#<section> -->` blocks with that
section's tables of results/sample/<name>.md (each `### <section>: …` or `### <section>, …`
heading down to its table's last row or † note) and every inline value (below); and renders
the README's guide (between `<!-- guide -->` and `<!-- /guide -->`) from the run-all and
sweep samples, with `--sweep-tcp` and `--load-work` where those samples are committed.
A whole-sample block whose sample is not committed yet stays empty.
Tests check that they stay in step (crates/harness/tests/readme.rs) and that
every sample's JSON renders its .md and .csv (tests/golden.rs) and draws its charts
(tests/charts.rs) byte for byte.

    python3 scripts/promote-sample.py run-all run-all-tcp sweep sweep-tcp load load-work

After a deliberate change to the Markdown or CSV format or to the charts, regenerate the
committed samples from their own JSON (no new measurements) with the harness as built now
(`avt-harness render`: the .md, the .csv and the .svg charts), and quote them again, in the
same commit as the change:

    python3 scripts/promote-sample.py --regenerate

`--regenerate` takes every sample whose JSON is committed (run-all, run-all-tcp, sweep,
sweep-tcp, load, load-work). `--fill-only` copies and renders nothing and needs no cargo: it
refills every page's blocks and inline values from results/sample/ as it is (the guide
stays as it is).

An inline value puts one figure of a sample into a sentence, exactly as the sample's
Markdown shows it:

    <!-- value:run-all#mistakes, cpu|tokio (cpu-inline)|ticker max ms -->943.9<!-- /value -->

fills in the cell of results/sample/run-all.md under the `### mistakes, cpu: …` heading
(the heading's text before its first `:`), in the row whose first cell is `tokio
(cpu-inline)` and the column headed `ticker max ms`, up to its ` [min–max]`; a fourth part
K keeps the cell's first K words (K < 0: its last -K), as `…|10000|-2` for the `9685 B` of
a sweep's `96.1 MiB 9685 B`; `<!-- value:run-all -->…<!-- /value -->` fills in the sample's
first line (its name, date, build and commit). A value stays on one line, and never inside
a table (its `|` would split the cell). A measured figure typed by hand anywhere else fails
readme.rs's `no_page_holds_a_hand_typed_measurement` (its doc comment says what counts).
"""
import pathlib
import shutil
import re
import subprocess
import sys
import tempfile

root = pathlib.Path(__file__).resolve().parent.parent
args = sys.argv[1:]
regenerate, fill_only = "--regenerate" in args, "--fill-only" in args
names = [a for a in args if a not in ("--regenerate", "--fill-only")]
if any(n.startswith("-") for n in names) or (fill_only and (names or regenerate)):
    sys.exit(__doc__.strip())
sample = root / "results" / "sample"
every = ["run-all", "run-all-tcp", "sweep", "sweep-tcp", "load", "load-work"]
if regenerate and not names:
    names = [n for n in every if (sample / f"{n}.json").is_file()]
names = [] if fill_only else names or ["run-all"]
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
# The guide: every number from the samples, rendered by the harness (readme.rs passes the
# same flags, under the same conditions).
guide_args = [str(sample / "run-all.json"), "--sweep", str(sample / "sweep.json")]
for flag, name in [("--sweep-tcp", "sweep-tcp"), ("--load-work", "load-work"),
                   ("--load-work", "load-work-90/load-work")]:
    if (sample / f"{name}.json").is_file():
        guide_args += [flag, str(sample / f"{name}.json")]
start, end = "<!-- guide -->", "<!-- /guide -->"
if start in pages[readme_path] and not fill_only:
    guide = subprocess.run(
        ["cargo", "run", "--quiet", "-p", "avt-harness", "--", "guide", *guide_args],
        cwd=root, check=True, capture_output=True, text=True).stdout.strip()
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


def value_of(md, address):
    """One figure of a results page, as an inline value shows it (readme.rs's `value_of`
    does the same): "" is the page's first line; "SECTION|ROW|COLUMN" the cell of the table
    under the `### SECTION: …` heading, in the row whose first cell is ROW and the column
    headed COLUMN, up to its ` [min–max]`; "…|COLUMN|K" keeps the cell's first K words
    (K < 0: its last -K), for a sweep's two-figure cells. None when there is no such cell."""
    if not address:
        return md.split("\n")[0]
    parts = address.split("|")
    if len(parts) not in (3, 4) or parts[3:] in (["0"],):
        return None
    section, row, column = parts[:3]
    for part in md.split("\n### ")[1:]:
        if part.split("\n")[0].split(":")[0] != section:
            continue
        table = [[c.strip() for c in line.strip().strip("|").split("|")]
                 for line in part.split("\n") if line.startswith("|")]
        if table and column in table[0]:
            at = table[0].index(column)
            for cells in table[2:]:
                if cells[0] == row and at < len(cells):
                    words = cells[at].split(" [")[0].split(" ")
                    k = int(parts[3]) if len(parts) == 4 else len(words)
                    return " ".join(words[:k] if k > 0 else words[k:])
    return None


# Every page's whole-sample blocks (where the sample is committed), section blocks and
# inline values, from the samples as they are now.
whole = re.compile(r"<!-- sample:([\w./-]+) -->\n.*?<!-- /sample:\1 -->", re.S)
value = re.compile(r"<!-- value:([\w./-]+)#?([^>]*?) -->.*?<!-- /value -->")
for page, text in pages.items():
    def fill_whole(m):
        md = sample / f"{m.group(1)}.md"
        body = md.read_text().split("## Every point")[0].strip() if md.is_file() else ""
        start, end = f"<!-- sample:{m.group(1)} -->", f"<!-- /sample:{m.group(1)} -->"
        return f"{start}\n{body}\n{end}" if body else f"{start}\n{end}"

    def fill_value(m):
        figure = value_of((sample / f"{m.group(1)}.md").read_text(), m.group(2))
        if figure is None:
            sys.exit(f"{page.relative_to(root)}: results/sample/{m.group(1)}.md has no "
                     f"{m.group(2)!r}")
        return f"<!-- value:{m.group(1)}{'#' if m.group(2) else ''}{m.group(2)} -->" \
               f"{figure}<!-- /value -->"
    pages[page] = value.sub(fill_value, whole.sub(fill_whole, text))

# Every page's section blocks, from the samples as they are now.
block = re.compile(r"<!-- sample:([\w./-]+)#([\w-]+) -->\n.*?<!-- /sample:\1#\2 -->", re.S)
for page, text in pages.items():
    def fill(m):
        md = (sample / f"{m.group(1)}.md").read_text()
        body = section_tables(md, m.group(2))
        start, end = f"<!-- sample:{m.group(1)}#{m.group(2)} -->", f"<!-- /sample:{m.group(1)}#{m.group(2)} -->"
        return f"{start}\n{body}\n{end}" if body else f"{start}\n{end}"
    pages[page] = block.sub(fill, text)
for page, text in pages.items():
    page.write_text(text)
