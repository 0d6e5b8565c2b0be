"""Rendering the bundled agency-years: the naive command loop beside ``govdisclosure batch``.

    .venv/bin/python bench/bench_render.py [--count 30] [--workers 2]

(b) ``govdisclosure batch`` on the bundled reports that are not PDFs (at most ``--count``
files; fresh output folder, so nothing is skipped): it renders one report per agency-year
(the crawler text and the HTML page of one report are one agency-year); (a) naive: for each
report the batch rendered, the ``papermill`` command and then ``jupyter nbconvert --to html
--no-input --template govdisclosure`` (the project's page template), one after the
other.  Both runs give each report the same context (the same
agency's other years), so their content must be equal: the script compares each report's
visible text and embedded images and prints the result.  Goal (issue 5): (b) at least 10×
faster than (a) on a 2-core machine.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lxml import html as lxml_html

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
TEMPLATE, TEMPLATE_DIRS = "govdisclosure", ROOT / "lib" / "govdisclosure" / "templates" / "nbconvert"
TIMING = re.compile(r"\d{4}-\d\d-\d\dT[\d:.]+|\"duration\": [\d.]+")


def content(path: Path) -> tuple[str, tuple[str, ...]]:
    """A report's visible text (whitespace folded) and its embedded images."""
    page = path.read_text(encoding="utf-8")
    tree = lxml_html.fromstring(page).find("body")  # the page <title> differs by exporter
    for bad in tree.xpath("//style|//script"):
        bad.drop_tree()
    text = " ".join(tree.text_content().split())
    images = tuple(re.findall(r"data:image/png;base64,([A-Za-z0-9+/=]+)", page))
    return text, images


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=30)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    sources = sorted(p for p in (ROOT / "data" / "corpus").glob("*/source.*") if p.suffix != ".pdf")[: args.count]
    work = Path(tempfile.mkdtemp(prefix="bench-render-"))
    inputs = work / "inputs"
    inputs.mkdir()
    for source in sources:
        shutil.copy(source, inputs / f"{source.parent.name}{source.suffix}")

    out = work / "batch"
    started = time.perf_counter()
    done = subprocess.run([str(BIN / "govdisclosure"), "batch", str(inputs), "-o", str(out), "--workers",
                           str(args.workers), "-q"], capture_output=True, text=True)
    batch = time.perf_counter() - started
    print(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "(no output)")
    print(f"(b) govdisclosure batch, {args.workers} workers, {len(sources)} files (with corpus, exports, "
          f"comparison and index): {batch:.1f} s")

    import pandas as pd

    summary = pd.read_csv(out / "run_summary.csv", keep_default_na=False)
    rendered = summary[(summary["file"] != "(comparison)") & (summary["status"] == "report") & (summary["html"] != "")]
    print(f"{len(sources)} files, {len(rendered)} agency-years rendered")
    naive_dir = work / "naive"
    naive_dir.mkdir()
    notebook = ROOT / "notebooks" / "report.ipynb"
    started = time.perf_counter()
    pairs = []
    for row in rendered.itertuples():
        stem = Path(row.html).stem
        context = out / "corpus" / "context" / f"{stem}.json"
        executed = naive_dir / f"{stem}.ipynb"
        subprocess.run([str(BIN / "papermill"), str(notebook), str(executed), "-p", "source",
                        str(Path(row.file).resolve()), "-p", "context", str(context), "-p", "index_url",
                        "../index.html", "-p", "compare_url", "../compare.html", "--cwd",
                        str(notebook.parent)], check=True, capture_output=True)
        subprocess.run([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", "--template", TEMPLATE,
                        f"--TemplateExporter.extra_template_basedirs={TEMPLATE_DIRS}", str(executed)],
                       check=True, capture_output=True)
        pairs.append((naive_dir / f"{stem}.html", out / row.html))
    naive = time.perf_counter() - started
    print(f"(a) naive loop (papermill command, then jupyter nbconvert, per report): {naive:.1f} s")
    print(f"ratio (a) / (b): {naive / batch:.1f}×  (goal ≥ 10×)")

    equal = 0
    for a, b in pairs:
        ca, cb = content(a), content(b)
        if ca == cb:
            equal += 1
            continue
        words_a, words_b = ca[0].split(), cb[0].split()
        first = next((i for i, (x, y) in enumerate(zip(words_a, words_b)) if x != y), min(len(words_a), len(words_b)))
        print(f"  differs: {b.name}: text {'same' if ca[0] == cb[0] else 'from word ' + str(first) + ': ' + repr(' '.join(words_a[first:first + 8])) + ' vs ' + repr(' '.join(words_b[first:first + 8]))}; "
              f"images {len(ca[1])} vs {len(cb[1])}, {'same' if ca[1] == cb[1] else 'different'}")
    print(f"same content (visible text and images) in {equal} of {len(pairs)} reports")
    if equal == len(pairs):
        shutil.rmtree(work)
    else:
        print(f"outputs kept in {work}")
    return 0 if equal == len(pairs) else 1


if __name__ == "__main__":
    sys.exit(main())
