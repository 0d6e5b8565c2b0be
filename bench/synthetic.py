"""Many agency-years generated from the bundled real reports, for benchmarks.

Each synthetic report copies a real one and multiplies every count of tables 三 and 四 by a
whole factor (so a consistent table stays consistent and a defective one keeps its defect),
under a new agency name; the real agency's years stay together, so every synthetic agency has
the same chain of years as the real one (cross-year rules have pairs to check).
"""

from __future__ import annotations

import copy
import random
from pathlib import Path

import govdisclosure as gd
from govdisclosure.model import Cell, Report

ROOT = Path(__file__).resolve().parent.parent


def real_reports() -> list[Report]:
    return [gd.load_report(p) for p in sorted((ROOT / "data" / "corpus").glob("*/source.*"))]


def vary(report: Report, number: int, factor: int) -> Report:
    new = copy.copy(report)
    new.agency = f"{report.agency}（合成{number}）"
    new.source = f"synthetic/{number}/{Path(report.source).parent.name}"
    new.cell_list = [
        Cell(c.table, c.row, c.column, c.value * factor, c.state, c.raw, c.location, c.label, c.how)
        if c.state == "number" and c.table in ("t3", "t4") else c
        for c in report.cell_list
    ]
    new.__dict__.pop("_index", None)
    new.__dict__.pop("cells", None)
    return new


def synthetic(count: int, seed: int = 7) -> list[Report]:
    """``count`` agency-years: whole chains of years of each real agency, replicated."""
    rng = random.Random(seed)
    base = real_reports()
    out: list[Report] = []
    number = 0
    while len(out) < count:
        number += 1
        for report in base:
            if len(out) == count:
                break
            out.append(vary(report, number, rng.randint(1, 5)))
    return out


def write_synthetic_files(folder: Path, count: int, seed: int = 7) -> list[Path]:
    """``count`` report files: the real sources with agency names (and nothing else) varied."""
    rng = random.Random(seed)
    sources = sorted(p for p in (ROOT / "data" / "corpus").glob("*/source.*") if p.suffix in (".txt", ".html", ".md"))
    folder.mkdir(parents=True, exist_ok=True)
    texts = {source: source.read_text(encoding="utf-8") for source in sources}
    agencies = {source: gd.load_report(source).agency for source in sources}  # each source read once
    written: list[Path] = []
    number = 0
    while len(written) < count:
        number += 1
        for source in sources:
            if len(written) == count:
                break
            text, agency = texts[source], agencies[source]
            if agency:
                text = text.replace(agency, f"{agency}{number}号", 3)
            path = folder / f"{number:05d}_{source.parent.name}{source.suffix}"
            path.write_text(text, encoding="utf-8")
            written.append(path)
    rng.shuffle(written)
    return written


__all__ = ["real_reports", "synthetic", "vary", "write_synthetic_files"]
