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
