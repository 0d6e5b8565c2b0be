"""Parsing speed on the bundled real reports, beside pandas.read_html in the same run.

    .venv/bin/python bench/bench_parse.py [--repeat 20]

Prints reports per second by format for ``govdisclosure.load_report`` (reading, parsing,
label mapping, recovery and normalisation together), twice: *cold* (the recovery caches
emptied before every report, as for a corpus where no two rows repeat) and *warm* (the
caches kept, as in a batch where rows like "0000000" repeat).  For the HTML reports it also
times ``pandas.read_html`` extracting the same files' raw tables and prints the ratio.
Goals (issue 2): parsing at least as fast as ``pandas.read_html`` alone, and at least 200
text reports per second on one core.
"""

from __future__ import annotations

import argparse
import sys
import time
from io import StringIO
from pathlib import Path

import pandas as pd

import govdisclosure as gd
from govdisclosure.parse import cells, recover

ROOT = Path(__file__).resolve().parent.parent


def clear_caches() -> None:
    recover.clear_caches()
    cells.parse_cell.cache_clear()


def rate(files: list[Path], repeat: int, *, cold: bool) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        for path in files:
            if cold:
                clear_caches()
            gd.load_report(path)
    return repeat * len(files) / (time.perf_counter() - start)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args(argv)
    files = sorted((ROOT / "data" / "corpus").glob("*/source.*"))
    by_format = {
        "text": [f for f in files if f.suffix == ".txt"],
        "html": [f for f in files if f.suffix == ".html"],
        "markdown": [f for f in files if f.suffix == ".md"],
        "pdf": [f for f in files if f.suffix == ".pdf"],
    }
    print(f"govdisclosure {gd.__version__}; {len(files)} bundled reports; repeat {args.repeat}; one process")
    print(f"{'format':<9} {'files':>5} {'cold reports/s':>15} {'warm reports/s':>15}")
    results = {}
    for name, group in by_format.items():
        if not group:
            continue
        repeat = max(1, args.repeat // 10) if name == "pdf" else args.repeat
        rate(group, 1, cold=False)  # imports and first-use costs out of the timing
        cold, warm = rate(group, repeat, cold=True), rate(group, repeat, cold=False)
        results[name] = (cold, warm)
        print(f"{name:<9} {len(group):>5} {cold:>15.1f} {warm:>15.1f}")

    html = by_format["html"]
    texts = [p.read_text(encoding="utf-8") for p in html]
    pd.read_html(StringIO(texts[0]))
    start = time.perf_counter()
    for _ in range(args.repeat):
        for text in texts:
            pd.read_html(StringIO(text))
    read_html = args.repeat * len(texts) / (time.perf_counter() - start)
    cold_html = results["html"][0]
    print(f"\npandas.read_html on the same {len(html)} HTML files (raw tables only): {read_html:.1f} files/s")
    print(f"ratio load_report (cold) / read_html: {cold_html / read_html:.2f}  (goal ≥ 1)")
    print(f"text reports per second (cold): {results['text'][0]:.0f}  (goal ≥ 200)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
