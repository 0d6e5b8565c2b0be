"""From a read document to a :class:`~govdisclosure.model.Report`."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from ..errors import NotAReportError
from ..model import Report
from ..names import DIRECTION_CONTROLS
from ..readers import Document, read_document
from ..template import PRE_2019, PRE_2019_MARKERS, TABLE_HINTS, TEMPLATE_TABLE_WORDS
from .identity import find_identity, looks_like_report_title
from .sections import find_sections, joined_text
from .recover import Budget
from .regions import extend_to_grid_start, find_regions, settled_regions
from .tables import detect_template, read_t2, read_t3, read_t4
from .tokens import tokenise

__all__ = ["load_report", "parse_document", "PRE_2019_NOTE"]

# The one line that says a file predates the national template (parse, check and the report say it).
PRE_2019_NOTE = "2019年以前的旧格式年报，未读取统计表"


def load_report(path: str | Path, *, agency: str | None = None, year: int | None = None,
                template: str | None = None) -> Report:
    """Read a published report (text, HTML, Markdown, PDF or DOCX) into a :class:`Report`.

    ``agency`` and ``year`` override what the title says; ``template`` ("2019"/"2021")
    overrides the version detected from the tables' labels.  Raises
    :class:`~govdisclosure.errors.ReportReadError` for a file that cannot be read and
    :class:`~govdisclosure.errors.NotAReportError` for one that holds no report.
    """
    return parse_document(read_document(path), agency=agency, year=year, template=template)


def _first_table_line(doc: Document) -> int:
    """The first line that may belong to a table: the prose and site chrome before it need no
    tokenising (the sections are found in the text itself)."""
    for index, line in enumerate(doc.lines):
        text = line.text
        if any(a in text for a in TABLE_HINTS):
            return index
    return 0


def _table_tokens(doc: Document) -> tuple[list, dict[str, tuple[int, int]], Callable[[], list]]:
    """The tokens of ``doc`` from its first table line (:func:`_first_table_line`) to where table
    四's region ends, the regions of the tables in them (:func:`.regions.find_regions`), and a
    function giving the tokens of the lines after those.

    Lines are cut into tokens a block at a time, until the regions are settled
    (:func:`.regions.settled_regions`): the report's last sections and a page's footer are
    not tokenised for the tables.  The regions are those of the whole document's tokens.
    """
    start = _first_table_line(doc)
    stop = start
    tokens: list = []
    size = 64
    while True:
        stop, previous = min(len(doc.lines), stop + size), stop
        tokens += tokenise(doc.lines, previous, stop)
        regions = settled_regions(tokens) if stop < len(doc.lines) else find_regions(tokens)
        if regions is not None:
            return tokens, regions, lambda: tokenise(doc.lines, stop)
        size *= 2


def _pre_2019(doc: Document, all_tokens: Callable[[], list], year: int | None) -> bool:
    """A report in a format from before the national template (2008–2018): its year says so, or
    its statistics table uses the old provincial labels (当面申请数, 同意公开答复数 …), and it has
    none of the template's tables.  ``all_tokens()``: the document's tokens from its first table
    line."""
    def template_words() -> int:  # every label normalised: only when the answer depends on it
        norms = "".join(t.norm for t in all_tokens() if t.kind == "L")
        return sum(1 for w in TEMPLATE_TABLE_WORDS if w in norms)

    if year is not None and year <= 2018:
        return template_words() < 3
    text = "".join(line.text for line in doc.lines).replace(" ", "")
    markers = sum(1 for m in PRE_2019_MARKERS if m in text)
    return markers >= 2 and template_words() < 2


def _strong_tables(cells) -> bool:
    """Enough read cells to be a report's tables: five rows of table 三, two of table 二, or all of
    table 四."""
    rows = {(c.table, c.row) for c in cells if c.state in ("number", "dash", "blank")}
    t4 = sum(1 for c in cells if c.table == "t4" and c.state in ("number", "dash"))
    return (sum(1 for t, _ in rows if t == "t3") >= 5 or sum(1 for t, _ in rows if t == "t2") >= 2
            or t4 >= 15)


def parse_document(doc: Document, *, agency: str | None = None, year: int | None = None,
                   template: str | None = None) -> Report:
    """A :class:`~govdisclosure.model.Report` from a read document (see :func:`load_report`).

    Raises :class:`~govdisclosure.errors.NotAReportError` for a document that holds no report:
    too few cells of the template's tables, no report title with a section or a table, and
    fewer than four section headings (a note, a list page, a navigation page).
    """
    notes = list(doc.notes)
    tokens, regions, rest = _table_tokens(doc)
    text = joined_text(doc)
    sections, section_where, section_headings, section_notes = find_sections(doc, text)
    identity = find_identity(doc, text.text, text.first_section)
    report_agency, agency_from = (agency, "caller") if agency else (identity.agency, identity.agency_from)
    if report_agency and DIRECTION_CONTROLS.search(report_agency):  # invisible, and they reorder what follows
        report_agency = DIRECTION_CONTROLS.sub("", report_agency)
    report_year, year_from = (year, "caller") if year is not None else (identity.year, identity.year_from)
    notes += [n for n in identity.notes if not (agency and n.startswith("机关")) and not (year and n.startswith("年度"))]
    fields = dict(doc.fields)
    for name, value in identity.fields.items():
        fields.setdefault(name, value)
    if identity.signed:
        fields.setdefault("落款日期", identity.signed)

    if template is None and _pre_2019(doc, lambda: tokens + rest(), report_year):
        if not (looks_like_report_title(doc) or len(sections) >= 2):
            raise NotAReportError(doc.path, "a 政府信息公开工作年度报告",
                                  "a page with an old statistics table but no report title or sections")
        notes.insert(0, PRE_2019_NOTE)
        return Report(
            source=doc.path, format=doc.format, sha256=doc.sha256, agency=report_agency, year=report_year,
            template=PRE_2019, sections=sections, cell_list=[], tables_found=(),
            notes=notes + section_notes, fields=fields, section_locations=section_where,
            section_headings=section_headings, agency_from=agency_from, year_from=year_from,
            reader=doc.reader or doc.format)
    notes += section_notes

    extend_to_grid_start(tokens, regions, lambda line: doc.lines[line].is_row,
                         floor=regions["t2"][1] if "t2" in regions else 0)
    detected = None
    for table in ("t2", "t3"):
        if table in regions:
            start, stop = regions[table]
            detected, _ = detect_template(tokens[start:stop])
            if detected:
                break
    chosen = template or detected
    if chosen is None:
        chosen = "2019" if report_year is not None and report_year <= 2020 else "2021"
        notes.append(f"template version not recognisable from the labels; {chosen} assumed from the year")
    elif template and detected and template != detected:
        notes.append(f"template {template} given by the caller; the labels look like {detected}")

    results = {}
    budget = Budget()
    if "t2" in regions:
        start, stop = regions["t2"]
        results["t2"] = read_t2(tokens[start:stop], doc, chosen, budget)
    if "t3" in regions:
        start, stop = regions["t3"]
        results["t3"] = read_t3(tokens[start:stop], doc, chosen, budget)
    if "t4" in regions:
        start, stop = regions["t4"]
        results["t4"] = read_t4(tokens[start:stop], doc, budget)

    found = tuple(t for t in ("t2", "t3", "t4") if t in results and results[t].found)
    cells, labels, shape, lost = [], [], {}, []
    for table in ("t2", "t3", "t4"):
        if table in results:
            cells += results[table].cells
            labels += results[table].labels
            notes += results[table].notes
            shape.update(results[table].shape)
            lost += results[table].lost
    titled = looks_like_report_title(doc)
    if not (_strong_tables(cells) or (titled and (sections or cells)) or len(sections) >= 4):
        raise NotAReportError(doc.path, "a 政府信息公开工作年度报告 with its template tables",
                              f"{'no' if not cells else 'too few'} template table cells, "
                              f"{'a' if titled else 'no'} report title and "
                              f"{len(sections)} of the six section headings",
                              "is this the report's page, or a note, a list or a navigation page?")
    for table in ("t2", "t3", "t4"):
        if table not in found:
            notes.append(f"table {table} not found in the report")
    if budget.cut:
        notes.append(f"{budget.cut} search(es) for the readings of damaged rows did not finish within the "
                     "report's budget; what they could not settle is ambiguous")
    report = Report(
        source=doc.path, format=doc.format, sha256=doc.sha256, agency=report_agency, year=report_year,
        template=chosen, sections=sections, cell_list=cells, tables_found=found, shape=shape,
        labels=labels, notes=notes, fields=fields, section_locations=section_where,
        section_headings=section_headings,
        agency_from=agency_from, year_from=year_from, reader=doc.reader or doc.format, lost=lost,
    )
    recognitions = getattr(doc, "recognitions", None)
    if recognitions:  # cells read by OCR: checked by the template's arithmetic
        from .ocr_verify import verify

        verify(report, recognitions)
    return report
