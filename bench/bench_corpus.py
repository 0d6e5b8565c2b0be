"""Building the corpus (parse + check + exports, no rendering) for 10,000 agency-years.

    .venv/bin/python bench/bench_corpus.py [--reports 10000] [--workers 2]

Writes ``--reports`` files generated from the bundled real reports (bench/synthetic.py:
the same sources under varied agency names), runs ``govdisclosure batch --no-render`` on them
and prints the time and the peak memory of the whole process tree (the batch, its
forkserver and workers), sampled from /proc every 0.1 s.  Goal (issue 5): under 60 s and
under 2 GB on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from synthetic import write_synthetic_files

BIN = Path(sys.executable).parent


def tree_rss(root: int) -> int:
    """Resident memory (bytes) of a process and all its descendants (Linux /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(entry), int(fields[1])
        children.setdefault(ppid, []).append(pid)
        rss[pid] = int(fields[21]) * page
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack += children.get(pid, [])
    return total


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="bench-corpus-"))
    started = time.perf_counter()
    write_synthetic_files(work / "inputs", args.reports)
    print(f"{args.reports} report files written in {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    process = subprocess.Popen([str(BIN / "govdisclosure"), "batch", str(work / "inputs"), "-o", str(work / "out"),
                                "--no-render", "--workers", str(args.workers), "-q"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0
    while process.poll() is None:
        peak = max(peak, tree_rss(process.pid))
        time.sleep(0.1)
    elapsed = time.perf_counter() - started
    _, err = process.communicate()
    print(err.strip().splitlines()[-1] if err.strip() else "(no output)")
    sizes = {p.name: p.stat().st_size for p in (work / "out").rglob("*") if p.is_file() and p.suffix in
             (".parquet", ".duckdb", ".csv", ".xlsx")}
    print("outputs:", ", ".join(f"{name} {size / 1e6:.1f} MB" for name, size in sorted(sizes.items())))
    print(f"corpus of {args.reports} agency-years with {args.workers} workers: {elapsed:.1f} s "
          f"(goal under 60 s); peak memory of the process tree {peak / 2**30:.2f} GB (goal under 2 GB)")
    shutil.rmtree(work)
    return process.returncode


if __name__ == "__main__":
    sys.exit(main())
