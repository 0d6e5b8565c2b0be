"""All rules over 10,000 reports at once, beside a plain per-report loop over the same rules.

    .venv/bin/python bench/bench_checks.py [--reports 10000] [--loop-sample 1000]

The reports are generated from the bundled real ones (bench/synthetic.py: counts multiplied
by whole factors, agency names varied, chains of years kept).  ``govdisclosure.check`` runs
every rule of the catalogue over all of them in one call; the baseline calls the same
``check`` once per report (with its previous year, so the cross-year rules run too) on a
sample and scales the time to the whole set.  Both produce the same findings for the sample
(checked and printed).  Goal (issues 3 and 11): the whole catalogue — the text rules and the
cross-agency copy rule included — under 10 s on one core, and at least 10× the loop.
"""

from __future__ import annotations

import argparse
import sys
import time

import pandas as pd

from govdisclosure.agencies import agency_key
from govdisclosure.checks import RULES, check

from synthetic import synthetic

KEY = ["source", "rule", "table", "row", "column", "status"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=10_000)
    parser.add_argument("--loop-sample", type=int, default=1_000)
    parser.add_argument("--distinct-agencies", action="store_true",
                        help="give every synthetic agency its own name key (「…12号」 rather than a bracket the key "
                             "drops), so that the copy rules compare thousands of bodies, not a few")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    reports = synthetic(args.reports)
    if args.distinct_agencies:
        for r in reports:
            base, _, number = r.agency.partition("（合成")
            r.agency = f"{base}{number.rstrip('）')}号"
    print(f"{len(reports)} synthetic reports generated in {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    findings = check(reports)
    batched = time.perf_counter() - started
    print(f"check(all {len(reports)} reports, {len(RULES)} rules): {batched:.2f} s, {len(findings)} findings "
          f"({(findings['status'] == 'fail').sum()} failures) — goal under 10 s")

    # the previous year as check() picks it: of two renderings, the one with fewer ambiguous cells
    previous: dict = {}
    for r in reports:
        key = (agency_key(r.agency), r.year)
        ambiguous = sum(c.state == "ambiguous" for c in r.cell_list)
        if key not in previous or ambiguous < previous[key][0]:
            previous[key] = (ambiguous, r)
    previous = {k: r for k, (_, r) in previous.items()}
    sample = reports[: args.loop_sample]
    started = time.perf_counter()
    looped = []
    for report in sample:
        before = previous.get((agency_key(report.agency), (report.year or 0) - 1))
        found = check([before, report] if before is not None else [report])
        looped.append(found[found["source"] == report.source])
    loop = (time.perf_counter() - started) * len(reports) / len(sample)
    print(f"plain loop, check(report) one at a time: {loop:.1f} s for {len(reports)} "
          f"(measured on {len(sample)}, scaled)")
    print(f"ratio loop / batched: {loop / batched:.1f}×  (goal ≥ 10×)")

    sources = {r.source for r in sample}
    a = findings[findings["source"].isin(sources)][KEY].astype(str).sort_values(KEY).reset_index(drop=True)
    b = pd.concat(looped)[KEY].astype(str).sort_values(KEY).reset_index(drop=True)
    print(f"same findings for the sample: {a.equals(b)} ({len(a)} vs {len(b)})")
    return 0 if a.equals(b) else 1


if __name__ == "__main__":
    sys.exit(main())
