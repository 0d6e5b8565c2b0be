"""The ``govdisclosure`` command.

Every file given (or found under a folder given) is accounted for in one class — ``report``,
``pre-2019``, ``not a report``, ``unreadable`` or ``failed`` (see :mod:`.digest`; the batch adds
``duplicate``) — with a one-line message for the troubled ones; no file's trouble stops the
others, and no command ends in a Python traceback.  Text from reports and file names is printed
with every terminal control character escaped (:func:`.names.terminal_text`).

Exit status (also in the README): 0 all well; 1 a finding at or above ``--fail-on`` (check),
or a file unreadable or failed while others were read (report, batch); 2 a file unreadable or
failed (parse, check), nothing readable at all (report, batch), or outputs that could not be
written; 130 interrupted.  ``not a report``, ``pre-2019`` and ``duplicate`` are not failures.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Sequence

import pandas as pd

from . import __version__
from .checks import SEVERITIES, apply_reviews, at_or_above, check_corpus
from .checks.frame import build_corpus
from .digest import PRE_2019_NOTE, Outcome, read_one
from .errors import GovDisclosureError
from .export import UnsupportedFormat, check_output, csv_text, write_table
from .model import PROVENANCE_COLUMNS, TIDY_COLUMNS
from .names import fallback_agency, terminal_text, year_text
from .readers import discover, display_path, scan

EXIT_OK, EXIT_FINDINGS, EXIT_UNREADABLE = 0, 1, 2
EXIT_INTERRUPTED = 130


def _err(message: str) -> None:
    print(terminal_text(message), file=sys.stderr)


def _out(message: str, out=None) -> None:
    print(terminal_text(message), file=out or sys.stdout)


def read_files(names: Sequence[str]) -> tuple[list[Outcome], int]:
    """Every file named or found, read and classed (not printed).  Returns (outcomes, number of
    files unreadable or failed)."""
    found = scan(names)
    outcomes = [Outcome(str(path), "unreadable", error=f"{path}: expected a regular report file, found {why}; "
                        "not read") for path, why in found.skipped]
    outcomes += [read_one(path) for path in found.files]
    return outcomes, sum(o.status in ("unreadable", "failed") for o in outcomes)


def say_trouble(outcome: Outcome) -> None:
    """One line for a file that is not a report, could not be read, or broke the kit."""
    prefix = {"unreadable": "error", "failed": "failed", "not a report": "not a report"}.get(outcome.status)
    if prefix:
        _err(f"{prefix}: {display_path(outcome.error)}")


def _write_or_say(frame: pd.DataFrame, out: Path) -> bool:
    try:
        write_table(frame, out)
        return True
    except (OSError, GovDisclosureError) as exc:
        _err(f"error: could not write {out}: {getattr(exc, 'strerror', None) or exc}")
        return False


def cmd_parse(args: argparse.Namespace) -> int:
    try:
        out = check_output(args.output) if args.output else None
    except UnsupportedFormat as exc:
        _err(f"error: {exc}")
        return EXIT_UNREADABLE
    outcomes, bad = read_files(args.files)
    frames: list[pd.DataFrame] = []
    for outcome in outcomes:
        report = outcome.report
        if report is None:
            say_trouble(outcome)
            continue
        where = f"read {display_path(outcome.file)}: {fallback_agency(report.agency, report.source)} {year_text(report.year)}"
        if outcome.status == "pre-2019":
            _err(f"{where}: {PRE_2019_NOTE}")
            continue
        frames.append(report.cells[TIDY_COLUMNS + PROVENANCE_COLUMNS] if args.provenance else report.tidy())
        ambiguous = sum(1 for c in report.cell_list if c.state == "ambiguous")
        missing = ",".join(report.missing_tables)
        _err(f"{where} ({report.template} template), {len(report.cell_list)} cells"
             + (f", {ambiguous} ambiguous" if ambiguous else "") + (f", missing {missing}" if missing else ""))
    columns = TIDY_COLUMNS + (PROVENANCE_COLUMNS if args.provenance else [])
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    if out is None:  # a look at one report: the cells as CSV on the terminal, nothing in it acting on it
        sys.stdout.write(terminal_text(csv_text(table)))
        sys.stdout.flush()
    elif not _write_or_say(table, out):
        return EXIT_UNREADABLE
    others = sum(o.status == "not a report" for o in outcomes)
    _err(f"wrote {len(table)} cells of {len(frames)} report(s) to {out or 'standard output'}"
         + (f"; {bad} of {len(outcomes)} file(s) could not be read" if bad else "")
         + (f"; {others} file(s) not a report" if others else ""))
    return EXIT_UNREADABLE if bad else EXIT_OK


def print_findings(findings: pd.DataFrame, outcomes: list[Outcome], out=None) -> None:
    """Per report: counts by severity, then its failures (and how many were not assessable);
    findings a reviewer dismissed are listed apart and not counted."""
    for outcome in outcomes:
        report = outcome.report
        mine = findings[findings["source"] == report.source]
        dismissed = mine["review"] == "dismissed" if "review" in mine else pd.Series(False, index=mine.index)
        fails = mine[(mine["status"] == "fail") & ~dismissed]
        counts = fails["severity"].value_counts()
        name = fallback_agency(report.agency, report.source)
        what = PRE_2019_NOTE if outcome.status == "pre-2019" else f"{report.template}年格式"
        _out(f"\n{display_path(report.source)}  {name} {year_text(report.year)}  {what}", out)
        _out("  " + "  ".join(f"{s} {counts.get(s, 0)}" for s in SEVERITIES)
             + f"  not assessable {int(((mine['status'] == 'not_assessable') & ~dismissed).sum())}"
             + (f"  dismissed {int(dismissed.sum())}" if dismissed.any() else ""), out)
        for f in fails.itertuples():
            where = f" [{f.location}]" if f.location else ""
            accepted = " (accepted)" if getattr(f, "review", "") == "accepted" else ""
            _out(f"  {f.severity:<7} {f.rule:<11} {f.message}{where}{accepted}", out)
        for f in mine[dismissed].itertuples():
            _out(f"  dismissed {f.rule:<11} {f.message} — {f.review_reason}"
                 + (f" ({f.reviewer} {f.review_date})" if f.reviewer or f.review_date else ""), out)


def cmd_check(args: argparse.Namespace) -> int:
    from .agencies import AgencyTable
    from .checks.reviews import read_reviews

    if args.output:
        try:
            check_output(args.output)
        except UnsupportedFormat as exc:
            _err(f"error: {exc}")
            return EXIT_UNREADABLE
    try:
        agencies = AgencyTable.from_csv(args.agencies) if args.agencies else None
        reviews = read_reviews(args.reviews) if args.reviews else None
    except GovDisclosureError as exc:
        _err(f"error: {exc}")
        return EXIT_UNREADABLE
    outcomes, bad = read_files(args.files)
    for outcome in outcomes:
        say_trouble(outcome)
    read = [o for o in outcomes if o.report is not None]
    params = {"S-COPY": {"threshold": args.copy_threshold},
              "S-COPY-PEER": {"threshold": args.copy_threshold}} if args.copy_threshold is not None else None
    corpus = build_corpus([o.report for o in read], agencies=agencies)
    corpus.reports["updated"] = [o.updated for o in read]  # which version of an agency-year is primary
    try:
        findings = check_corpus(corpus, blank_as_zero=args.blank_as_zero, params=params)
        if reviews is not None:
            findings = apply_reviews(findings, reviews)
    except Exception as exc:  # a bug of the kit: said, not a traceback
        from .digest import failure

        _err(f"failed: {failure('checking', exc, 'checking the reports')}")
        return EXIT_UNREADABLE
    findings["agency"] = findings["source"].map(dict(zip(corpus.reports["source"], corpus.reports["agency"])))
    findings["agency"] = [fallback_agency(a, s) for a, s in zip(findings["agency"], findings["source"])]
    print_findings(findings, read)
    unmatched = findings.attrs.get("unmatched_reviews", [])
    if unmatched:
        _err(f"{len(unmatched)} review decision(s) match no finding of these reports: " + "; ".join(unmatched[:5])
             + (" …" if len(unmatched) > 5 else ""))
    if args.output:
        if not _write_or_say(findings, Path(args.output)):
            return EXIT_UNREADABLE
        _err(f"wrote {len(findings)} finding(s) to {args.output}")
    if bad:
        _err(f"{bad} of {len(outcomes)} file(s) could not be read")
        return EXIT_UNREADABLE
    return EXIT_FINDINGS if len(at_or_above(findings, args.fail_on)) else EXIT_OK


def cmd_batch(args: argparse.Namespace, *, exports: bool = True) -> int:
    from . import batch

    batch.install_sigterm_as_interrupt()
    try:
        result = batch.run(args.inputs, args.output, workers=args.workers,
                           scheduler=getattr(args, "scheduler", None), fail_on=args.fail_on,
                           render=not getattr(args, "no_render", False), compare=exports, excel=exports,
                           progress=not args.quiet, agencies=args.agencies, reviews=args.reviews,
                           blank_as_zero=args.blank_as_zero)
    except (batch.OutputBusy, GovDisclosureError) as exc:  # busy; an agency table or review file at fault
        _err(f"error: {exc}")
        return EXIT_UNREADABLE
    except OSError as exc:  # the output folder cannot be made or written (read-only, full)
        _err(f"error: cannot write into {args.output}: {exc.strerror or exc}")
        return EXIT_UNREADABLE
    summary = result.summary
    for row in summary[summary["status"].isin(batch.BAD)].itertuples():
        first_line = str(row.error).strip().splitlines()[0] if str(row.error).strip() else "unknown error"
        where = "" if first_line.startswith(str(row.file)) else f"{row.file}: "
        _err(f"{row.status}: {where}{first_line}")
    if result.unmatched_reviews:
        _err(f"{len(result.unmatched_reviews)} review decision(s) match no finding (a finding that no longer "
             f"occurs, or a key mistyped): " + ", ".join(result.unmatched_reviews[:5])
             + (" …" if len(result.unmatched_reviews) > 5 else ""))
    counts = result.counts
    files = sum(counts.values())
    rendered = summary.loc[summary["file"] != "(comparison)", "rendered"]
    parts = [f"{int((rendered == 'new').sum())} report(s) rendered, {int((rendered == 'unchanged').sum())} unchanged"]
    for status, word in (("duplicate", "duplicate(s)"), ("pre-2019", "pre-2019"), ("not a report", "not a report"),
                         ("unreadable", "unreadable"), ("failed", "failed"), ("interrupted", "interrupted")):
        if counts[status]:
            parts.append(f"{counts[status]} {word}")
    compare = summary[summary["file"] == "(comparison)"]
    if len(compare):
        parts[-1] += f"; comparison {'failed' if compare.iloc[0]['status'] == 'failed' else 'ok'}"
    _err(f"{files} file(s): {', '.join(parts)}; see {Path(args.output) / 'index.html'} and "
         f"{Path(args.output) / 'run_summary.csv'}")
    if result.output_error:
        _err(f"error: {result.output_error}; the outputs of an earlier run are left as they were")
    elif not files:
        _err(f"error: no report file found in {', '.join(args.inputs)}")
    elif not len(result.reports) and not result.interrupted:
        _err("error: no file could be read as a report")
    if result.interrupted:
        _err("interrupted: rerun the same command to resume")
    if getattr(args, "timings", False):
        times = dict(result.timings)
        read = times.pop("files_read", None)
        families, years = times.pop("cross_families", None), times.pop("cross_years", None)
        _err("timings: " + ("" if read is None else f"{read} file(s) read; ")
             + ("" if families is None else f"cross rules run again for {families} families and {years} years; ")
             + ", ".join(f"{k} {v:.1f} s" for k, v in times.items()))
    return result.exit_code


def cmd_report(args: argparse.Namespace) -> int:
    return cmd_batch(args, exports=False)


def cmd_compare(args: argparse.Namespace) -> int:
    from .render import render_compare

    source = args.corpus
    if len(source) == 1 and Path(source[0]).is_dir():
        corpus = Path(source[0])
    else:
        from .notebook import write_file_list

        corpus = write_file_list([str(p) for p in discover(source)], Path(args.output).with_suffix(".files.json"))
    result = render_compare(corpus, args.output, years=args.years, agencies=args.agencies, measure=args.measure)
    if not result.ok:
        _err(f"failed: the comparison notebook stopped with {result.error}; its HTML is at {result.html}")
        return EXIT_FINDINGS
    _err(f"wrote {result.html}")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="govdisclosure",
        description="Read, check and report on 政府信息公开工作年度报告 (government information-disclosure annual reports).")
    parser.add_argument("--version", action="version", version=f"govdisclosure {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("parse", help="read reports into the tidy cell table (CSV, Parquet or JSON)")
    p.add_argument("files", nargs="+", metavar="FILE", help="report files, or folders to search")
    p.add_argument("-o", "--output", metavar="OUT",
                   help="output file: .csv, .parquet or .json (default: CSV on standard output)")
    p.add_argument("--provenance", action="store_true",
                   help="also the columns label (as printed), how (how a value was recovered) and confidence (OCR)")
    p.set_defaults(func=cmd_parse)

    p = sub.add_parser("check", help="check reports against the rule catalogue and print the findings")
    p.add_argument("files", nargs="+", metavar="FILE", help="report files, or folders to search")
    p.add_argument("-o", "--output", metavar="FINDINGS", help="also write the findings: .csv, .parquet or .json")
    p.add_argument("--fail-on", choices=("error", "warning", "info", "never"), default="error",
                   help="exit with status 1 when a finding at or above this severity fails (default: error)")
    p.add_argument("--blank-as-zero", action="store_true",
                   help="count blank and dash cells as 0 in sums (said in each finding) instead of not assessable; "
                        "a blank 总计 beside filled parts stays 总计未填")
    p.add_argument("--agencies", metavar="FILE",
                   help="agency table (CSV: match, agency_id, name, kind, parent) that says which file or name is "
                        "which body, its kind and its parent")
    p.add_argument("--reviews", metavar="FILE",
                   help="review file (CSV: rule, agency_id, year, table, row, column, decision, reason, reviewer, "
                        "date): dismissed findings are listed apart and not counted")
    p.add_argument("--copy-threshold", type=float, metavar="SHARE", default=None,
                   help="share of repeated text above which S-COPY and S-COPY-PEER fail (default 0.5: more than half)")
    p.set_defaults(func=cmd_check)

    for name, helptext, func in (
            ("batch", "parse, check, export and render reports for whole folders (resumable)", cmd_batch),
            ("report", "render one HTML report per agency-year (and OUT/index.html)", cmd_report)):
        p = sub.add_parser(name, help=helptext)
        p.add_argument("inputs", nargs="+", metavar="FILE_OR_DIR", help="report files or folders to search")
        p.add_argument("-o", "--output", required=True, metavar="OUT", help="output folder")
        p.add_argument("--workers", type=int, default=None, help="worker processes (default: one per CPU)")
        p.add_argument("--fail-on", choices=("error", "warning", "info", "never"), default="never",
                       help="a report with a failure at or above this level counts as failed (default: never)")
        p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
        p.add_argument("--agencies", metavar="FILE",
                       help="your agency table (CSV: match, agency_id, name, kind, parent, summary): overrides what "
                            "the names suggest, for matching across years, the rules and H-SUM")
        p.add_argument("--reviews", metavar="FILE", help="your review file (decisions on findings, by key)")
        p.add_argument("--blank-as-zero", action="store_true", help="count blank cells as 0 in the rules and measures")
        if name == "batch":
            p.add_argument("--scheduler", metavar="ADDRESS",
                           help="a Dask scheduler (tcp://host:8786); default: $DASK_SCHEDULER_ADDRESS, else local")
            p.add_argument("--no-render", action="store_true", help="build the corpus and exports only")
            p.add_argument("--timings", action="store_true",
                           help="say where the time went (reading, ordering, cross rules, publishing, rendering)")
        p.set_defaults(func=func)

    p = sub.add_parser("compare", help="render the comparison report of a folder of reports (or a batch output)")
    p.add_argument("corpus", nargs="+", metavar="DIR_OR_FILES")
    p.add_argument("-o", "--output", required=True, metavar="FILE.html")
    p.add_argument("--years", default="", help='e.g. "2021-2024" or "2023,2024"')
    p.add_argument("--agencies", default="", help="comma-separated parts of agency names")
    from .measures import MEASURE

    p.add_argument("--measure", default="open_rate", choices=list(MEASURE), metavar="MEASURE",
                   help=f"measure to rank and plot: {', '.join(MEASURE)} (default: open_rate)")
    p.set_defaults(func=cmd_compare)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):  # a terminal that is not UTF-8 gets escapes, not a crash
        try:
            stream.reconfigure(errors="backslashreplace")
        except (AttributeError, ValueError):
            pass
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        _err("interrupted")
        return EXIT_INTERRUPTED
    except Exception as exc:  # a bug of the kit: one line, and the traceback on request
        if os.environ.get("GOVDISCLOSURE_DEBUG"):
            raise
        _err(f"error: govdisclosure {args.command} stopped on an unexpected {type(exc).__name__}: {exc} "
             "(a bug: set GOVDISCLOSURE_DEBUG=1 to see where, and please report it)")
        return EXIT_UNREADABLE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
