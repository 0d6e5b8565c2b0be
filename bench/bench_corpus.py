"""The corpus stage at national scale: time and peak memory for several corpus sizes in one run.

    .venv/bin/python bench/bench_corpus.py [--sizes 10000,30000] [--workers 2]
    .venv/bin/python bench/bench_corpus.py --sizes 10000,30000,300000     # national scale (≈ 15 GB of files)

For each size, writes that many report files generated from the bundled real reports
(bench/synthetic.py: the same sources under varied agency names, whole chains of years, a
third of them 100–200 KB Word-exported HTML pages), runs ``govdisclosure batch --no-render``
on them and prints the time and the peak resident memory of the whole process tree (the batch,
its workers, DuckDB inside it), sampled from /proc every 0.1 s; then the growth of peak memory
per 10,000 reports between sizes, and where the time went (``--timings`` of the batch).

Baseline measured in the same run: reading alone — the workers' own work
(:func:`govdisclosure.digest.digest_files` on the same mix of files, in this process, on one
core), scaled to the size and the number of workers: the floor no batch on this machine can go
below.  The ratio says how much the batch costs beyond it.

Goals (issue 13): under 30 s for 10,000 and under 120 s for 30,000 on 2 cores, peak memory
under 2 GB at every size, and independent of the number of reports.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from synthetic import write_synthetic_files

BIN = Path(sys.executable).parent
GOALS = {10_000: 30.0, 30_000: 120.0}
MEMORY_GOAL = 2 * 2 ** 30


def tree_rss(root: int) -> tuple[int, int]:
    """Resident memory (bytes) of a process and all its descendants (Linux /proc): (the whole
    tree, the root process alone)."""
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
    return total, rss.get(root, 0)


def reading_floor(sample: list[Path]) -> float:
    """Seconds of one core per report for the workers' own work on ``sample`` (a warm run)."""
    from govdisclosure.digest import digest_files

    digest_files([str(p) for p in sample[:20]])  # warm: imports, caches
    started = time.process_time()
    digest_files([str(p) for p in sample])
    return (time.process_time() - started) / len(sample)


def run_batch(inputs: Path, out: Path, workers: int) -> tuple[float, int, str, int, str]:
    """(seconds, peak bytes of the process tree, the batch's last lines, exit status, where
    the peak was: when, and how much of it the batch process itself held)."""
    started = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    process = subprocess.Popen([str(BIN / "govdisclosure"), "batch", str(inputs), "-o", str(out), "--no-render",
                                "--workers", str(workers), "-q", "--timings"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak, own, when, own_peak = 0, 0, 0.0, 0
    while process.poll() is None:
        total, parent = tree_rss(process.pid)
        own_peak = max(own_peak, parent)
        if total > peak:
            peak, own, when = total, parent, time.perf_counter() - started
        time.sleep(0.1)
    elapsed = time.perf_counter() - started
    _, err = process.communicate()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    where = (f"CPU time of the process tree {cpu:.1f} s; peak at {when:.0f} s, the batch process {own / 2 ** 20:.0f} MB of it, its workers the rest; "
             f"the batch process's own peak {own_peak / 2 ** 20:.0f} MB")
    return elapsed, peak, err.strip(), process.returncode, where


def load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,30000", help="corpus sizes, comma-separated")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="keep the generated files and outputs")
    args = parser.parse_args(argv)
    sizes = sorted(int(s) for s in args.sizes.split(","))
    work = Path(tempfile.mkdtemp(prefix="bench-corpus-"))
    print(f"load average before: {load()} ({os.cpu_count()} cores)")
    status = 0
    try:
        started = time.perf_counter()
        files = write_synthetic_files(work / "all", sizes[-1])
        print(f"{len(files)} report files written in {time.perf_counter() - started:.1f} s "
              f"({sum(p.stat().st_size for p in files) / 1e9:.2f} GB)")
        per_report = reading_floor(sorted(files)[:300])
        print(f"baseline, reading alone (same mix, one core): {per_report * 1000:.1f} ms a report")
        measured = []
        for size in sizes:
            inputs = work / f"in-{size}"
            inputs.mkdir()
            for path in sorted(files)[:size]:
                os.link(path, inputs / path.name)
            out = work / f"out-{size}"
            seconds, peak, err, code, where = run_batch(inputs, out, args.workers)
            status = status or (code not in (0, 1))
            lines = err.splitlines()
            floor = size * per_report / args.workers
            goal = GOALS.get(size)
            print(f"{size:>7} agency-years, {args.workers} workers: {seconds:6.1f} s"
                  + (f" (goal under {goal:g} s: {'met' if seconds < goal else 'NOT met'})" if goal else "")
                  + f"; reading alone would take {floor:.1f} s → batch/reading {seconds / floor:.2f}×; "
                  f"peak memory {peak / 2 ** 30:.2f} GB (goal under 2 GB: "
                  f"{'met' if peak < MEMORY_GOAL else 'NOT met'})")
            for line in [*lines[-2:], where]:
                print("         ", line)
            measured.append((size, peak))
            if not args.keep:
                shutil.rmtree(out)
                shutil.rmtree(inputs)
        for (a, pa_), (b, pb) in zip(measured, measured[1:]):
            growth = (pb - pa_) / (b - a) * 10_000
            print(f"growth of peak memory from {a} to {b}: {growth / 2 ** 20:+.0f} MB per 10,000 reports")
    finally:
        print(f"load average after: {load()}")
        if args.keep:
            print(f"kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
