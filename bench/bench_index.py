"""Opening index.html of 10,000 agency-years in Chromium: the data-file page beside the same
rows written into the page.

    .venv/bin/python bench/bench_index.py [--rows 10000] [--runs 3]

(a) baseline: every row in the page's table (what the index does up to 2,000 rows);
(b) the index as written for that many rows: rows in ``index-data.js``, 200 shown at a time.
Each is opened ``--runs`` times in headless Chromium (the system's, driven by Selenium) and the
time from navigation to the end of the load event (the sorting script has run) is taken, the
median printed.  Goal (issue 13): (b) opens in under a second.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path
from unittest import mock

import pandas as pd


def synthetic(n: int) -> tuple[dict, pd.DataFrame]:
    sources = [f"/in/{i}/source.txt" for i in range(n)]
    agencies = [f"某省某市第{i % 2000}局" for i in range(n)]
    years = pd.array([2019 + i // 2000 for i in range(n)], dtype="Int64")
    reports = pd.DataFrame({"rid": range(n), "source": sources, "agency": agencies, "year": years, "format": "text"})
    measures = pd.concat([pd.DataFrame({"source": sources, "measure": m, "value": v}) for m, v in (
        ("new_received", [float(i % 300) for i in range(n)]), ("total_processed", [float(i % 290) for i in range(n)]),
        ("open_rate", [(i % 97) / 97 for i in range(n)]), ("review_total", [float(i % 5) for i in range(n)]),
        ("litigation_total", [float(i % 3) for i in range(n)]))])
    findings = pd.DataFrame({"source": sources[::3], "status": "fail", "severity": "warning", "rule": "X-CARRY"})
    summary = pd.DataFrame({"file": sources, "agency": agencies, "year": years, "status": "ok", "seconds": 0.5,
                            "error": "", "html": [f"reports/{i}.html" for i in range(n)]})
    return dict(reports=reports, measures=measures, findings=findings), summary


def open_times(path: Path, runs: int) -> list[float]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,1000"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(executable_path=shutil.which("chromedriver") or "/usr/bin/chromedriver"),
                              options=options)
    try:
        times = []
        for _ in range(runs):
            driver.get("about:blank")
            driver.get(path.resolve().as_uri())
            times.append(driver.execute_script(
                "const e = performance.getEntriesByType('navigation')[0]; return e.loadEventEnd - e.startTime;") / 1000)
        return times
    finally:
        driver.quit()


def main(argv=None) -> int:
    from govdisclosure import index

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="bench-index-"))
    corpus, summary = synthetic(args.rows)
    inline, paged = work / "inline", work / "paged"
    inline.mkdir()
    paged.mkdir()
    with mock.patch.object(index, "INLINE_LIMIT", args.rows * 10):
        index.write_index(inline, corpus, summary)
    index.write_index(paged, corpus, summary)
    size = lambda folder: sum(p.stat().st_size for p in folder.iterdir())  # noqa: E731
    a = statistics.median(open_times(inline / "index.html", args.runs))
    b = statistics.median(open_times(paged / "index.html", args.runs))
    print(f"{args.rows} agency-years (and as many files), median of {args.runs} opens in headless Chromium")
    print(f"(a) every row in the page: {a:.2f} s, {size(inline) / 1e6:.1f} MB")
    print(f"(b) index-data.js, {index.PAGE_ROWS} rows shown at a time: {b:.2f} s, {size(paged) / 1e6:.1f} MB")
    print(f"ratio (a) / (b): {a / b:.1f}×  (goal: (b) under 1 s)")
    shutil.rmtree(work)
    return 0 if b < 1.0 else 1


if __name__ == "__main__":
    sys.exit(main())
