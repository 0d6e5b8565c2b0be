"""Every bundled HTML page reads exactly as it did before the HTML reader was made faster.

``tests/fixtures/html_frozen.json`` was written by ``tests/fixtures/html_frozen.py`` from the
code before the rewrite (see that file); the first test compares every line the reader makes
and every cell, section, note and label the parser makes with it.  The others check the frozen
file itself against what was read by eye (``truth.json``) and against the crawler-text
rendering of the same reports, so that it is not merely the old code's output.
"""

from __future__ import annotations

import json

import pytest

from conftest import CORPUS, load, truth_of
from fixtures.html_frozen import FROZEN, pages, record

_FROZEN = json.loads(FROZEN.read_text(encoding="utf-8"))
_PAGES = pages()


def test_the_frozen_file_covers_every_bundled_html_page():
    assert sorted(_FROZEN) == sorted(_PAGES)
    assert sum(1 for name in _PAGES if name.startswith("data/corpus/")) == len(list(CORPUS.glob("*/source.html")))


@pytest.mark.parametrize("name", sorted(_PAGES))
def test_page_reads_as_frozen(name):
    now = json.loads(json.dumps(record(_PAGES[name], name), ensure_ascii=False))
    then = _FROZEN[name]
    assert now.keys() == then.keys()
    if "lines" in then:
        for i, (a, b) in enumerate(zip(now["lines"], then["lines"])):
            assert a == b, f"line {i}: {a} != frozen {b}"
        assert len(now["lines"]) == len(then["lines"])
    if "report" in then:
        for i, (a, b) in enumerate(zip(now["report"]["cells"], then["report"]["cells"])):
            assert a == b, f"cell {i}: {a} != frozen {b}"
    assert now == then


T4_ROWS = {"review_total": "review", "litigation_direct_total": "litigation_direct",
           "litigation_after_review_total": "litigation_after_review"}


def _frozen_cells(name: str) -> dict[tuple[str, str, str], tuple]:
    return {(t, r, c): (value, state) for t, r, c, value, state, *_ in _FROZEN[name]["report"]["cells"]}


@pytest.mark.parametrize("corpus_id", sorted(p.parent.name for p in CORPUS.glob("*/source.html")))
def test_frozen_cells_agree_with_the_values_read_by_eye(corpus_id):
    cells = _frozen_cells(f"data/corpus/{corpus_id}/source.html")
    truth = truth_of(corpus_id)
    checked = 0
    for row, expected in truth["table3_total"].items():
        assert cells[("t3", row, "total")] == ((expected, "number") if expected is not None else (None, "blank"))
        checked += 1
    for key, expected in truth["table4"].items():
        assert cells[("t4", T4_ROWS[key], "total")] == ((expected, "number") if expected is not None else (None, "blank"))
        checked += 1
    assert checked >= 5


@pytest.mark.parametrize("text_id", ["pingtan_2019", "pingtan_2023", "pingtan_2024", "pingtan_2025", "putian_cg_2019",
                                     "putian_cg_2021"])
def test_frozen_cells_agree_with_the_crawler_text_of_the_same_report(text_id):
    """Tables 三 and 四 of the crawler's text (another reader, another damage) equal the frozen
    HTML cells, value and state, cell by cell."""
    frozen = _frozen_cells(f"data/corpus/{text_id}_html/source.html")
    text = {(c.table, c.row, c.column): (c.value, c.state) for c in load(text_id).cell_list if c.table in ("t3", "t4")}
    assert len(text) >= 150
    assert text == {key: value for key, value in frozen.items() if key[0] in ("t3", "t4")}
