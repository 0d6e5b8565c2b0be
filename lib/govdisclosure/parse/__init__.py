"""From a read document to a :class:`~govdisclosure.model.Report`."""

from __future__ import annotations

from pathlib import Path

from ..errors import NotAReportError
from ..model import Report
from ..readers import Document, read_document
from ..template import TABLE_HINTS
from .sections import find_period_year, find_sections, find_signature_date, find_title, joined_text
from .recover import Budget
from .regions import extend_to_grid_start, find_regions
from .tables import detect_template, read_t2, read_t3, read_t4
from .tokens import tokenise

__all__ = ["load_report", "parse_document"]


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


def parse_document(doc: Document, *, agency: str | None = None, year: int | None = None,
                   template: str | None = None) -> Report:
    notes = list(doc.notes)
    tokens = tokenise(doc.lines, _first_table_line(doc))
    regions = find_regions(tokens)
    extend_to_grid_start(tokens, regions, lambda line: doc.lines[line].is_row,
                         floor=regions["t2"][1] if "t2" in regions else 0)
    text = joined_text(doc)
    sections, section_where, section_headings, section_notes = find_sections(doc, text)
    notes += section_notes

    title_agency, title_year, title_where = find_title(doc)
    period_year = find_period_year(text.text[:5000])
    report_year = year
    year_from = "caller" if year is not None else ""
    if report_year is None and title_year is not None:
        report_year, year_from = title_year, f"title ({title_where})"
    if report_year is None and period_year is not None:
        report_year, year_from = period_year, "statistical period"
    if title_year and period_year and title_year != period_year:
        notes.append(f"title says {title_year} but the statistical period says {period_year}")
    report_agency = agency
    agency_from = "caller" if agency else ""
    if report_agency is None and title_agency:
        report_agency, agency_from = title_agency, f"title ({title_where})"
    if report_agency is None and doc.fields.get("发布机构"):
        report_agency, agency_from = doc.fields["发布机构"], "publisher field"

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
    if not found and len(sections) < 3:
        raise NotAReportError(doc.path, "a 政府信息公开工作年度报告 with its template tables",
                              f"no template table and {len(sections)} of the six section headings",
                              "is this the report's page, or a list or navigation page?")
    cells, labels, shape, lost = [], [], {}, []
    for table in ("t2", "t3", "t4"):
        if table in results:
            cells += results[table].cells
            labels += results[table].labels
            notes += results[table].notes
            shape.update(results[table].shape)
            lost += results[table].lost
    for table in ("t2", "t3", "t4"):
        if table not in found:
            notes.append(f"table {table} not found in the report")
    fields = dict(doc.fields)
    signed = find_signature_date(doc)
    if signed:
        fields.setdefault("落款日期", signed)
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
