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


# what the parser does not do yet, asserted as it should be (the marks go when it does)
PARSE_PRE_2019 = pytest.mark.xfail(strict=True, reason="parse: pre-2019 reports are not recognised yet "
                                                       "(Report.template == 'pre-2019', no table 三/四 cell)")


def corpus_params() -> list:
    """``corpus_ids()`` as test parameters, the pre-2019 ones marked until the parser reads them."""
    return [pytest.param(i, marks=PARSE_PRE_2019) if is_pre_2019(i) else i for i in corpus_ids()]


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
