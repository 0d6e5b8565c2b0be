"""Shared fixtures: the real reports bundled under data/corpus (with values read by eye)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "data" / "corpus"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def corpus_ids() -> list[str]:
    return sorted(p.name for p in CORPUS.iterdir() if (p / "truth.json").exists())


def is_pre_2019(corpus_id: str) -> bool:
    """A report from before the national template (no template table is read from it)."""
    return meta_of(corpus_id)["template"] == "pre-2019"


def corpus_params() -> list:
    """``corpus_ids()`` as test parameters."""
    return list(corpus_ids())


def source_of(corpus_id: str) -> Path:
    return next((CORPUS / corpus_id).glob("source.*"))


def truth_of(corpus_id: str) -> dict:
    return json.loads((CORPUS / corpus_id / "truth.json").read_text(encoding="utf-8"))


def meta_of(corpus_id: str) -> dict:
    return json.loads((CORPUS / corpus_id / "meta.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def load(corpus_id: str):
    """A corpus report, parsed once per test session (reports are not mutated by tests)."""
    import govdisclosure

    return govdisclosure.load_report(source_of(corpus_id))


@pytest.fixture
def corpus_report():
    return load


# --------------------------------------------------------------------------- damage rates
# Filled by tests/test_damage_generator.py: kind -> Counter of exact / flagged / wrong / lost cells.
from collections import Counter, defaultdict  # noqa: E402

DAMAGE_RATES: defaultdict[str, Counter] = defaultdict(Counter)


def pytest_terminal_summary(terminalreporter):
    """The damage generator's rates per kind, printed after the tests (issue 9)."""
    if not DAMAGE_RATES:
        return
    write = terminalreporter.write_line
    terminalreporter.section("damage generator: cells per kind of damage")
    write(f"{'kind':<22} {'cells':>7} {'exact':>7} {'flagged':>8} {'wrong':>6} {'lost':>6}")
    for kind, counts in DAMAGE_RATES.items():
        cells = sum(counts.values()) or 1
        write(f"{kind:<22} {cells:>7} {counts['exact'] / cells:>7.1%} {counts['flagged'] / cells:>8.1%} "
              f"{counts['wrong']:>6} {counts['lost']:>6}")
