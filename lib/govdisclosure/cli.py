"""The ``govdisclosure`` command."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

import pandas as pd

from . import __version__
from .errors import GovDisclosureError
from .checks import SEVERITIES, at_or_above, check
from .export import UnsupportedFormat, check_output, write_table
from .model import TIDY_COLUMNS
from .parse import load_report
from .readers import discover

EXIT_OK, EXIT_FINDINGS, EXIT_UNREADABLE = 0, 1, 2


def _err(message: str) -> None:
    print(message, file=sys.stderr)


def cmd_parse(args: argparse.Namespace) -> int:
    try:
        out = check_output(args.output)
    except UnsupportedFormat as exc:
        _err(f"error: {exc}")
        return EXIT_UNREADABLE
    frames: list[pd.DataFrame] = []
    failed = 0
    files = discover(args.files)
    for path in files:
        try:
            report = load_report(path)
        except GovDisclosureError as exc:
            failed += 1
            _err(f"error: {exc}")
            continue
        frames.append(report.tidy())
        ambiguous = sum(1 for c in report.cell_list if c.state == "ambiguous")
        missing = ",".join(report.missing_tables)
        _err(f"read {path}: {report.agency} {report.year} ({report.template} template), "
             f"{len(report.cell_list)} cells" + (f", {ambiguous} ambiguous" if ambiguous else "")
             + (f", missing {missing}" if missing else ""))
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=TIDY_COLUMNS)
    write_table(table, out)
    _err(f"wrote {len(table)} cells of {len(frames)} report(s) to {out}"
         + (f"; {failed} of {len(files)} file(s) could not be read" if failed else ""))
    return EXIT_UNREADABLE if failed else EXIT_OK


def _load_all(files: list[Path]) -> tuple[list, int]:
    reports, failed = [], 0
    for path in files:
        try:
            reports.append(load_report(path))
        except GovDisclosureError as exc:
            failed += 1
            _err(f"error: {exc}")
    return reports, failed


def print_findings(findings: pd.DataFrame, reports: list, out=None) -> None:
    """Per report: counts by severity, then its failures (and how many were not assessable);
    findings a reviewer dismissed are listed apart and not counted."""
    out = sys.stdout if out is None else out
    for report in reports:
        mine = findings[findings["source"] == report.source]
        dismissed = mine["review"] == "dismissed" if "review" in mine else pd.Series(False, index=mine.index)
        fails = mine[(mine["status"] == "fail") & ~dismissed]
        counts = fails["severity"].value_counts()
        print(f"\n{report.source}  {report.agency or '(机关名称未识别)'} {report.year or ''}  {report.template}年格式", file=out)
        print("  " + "  ".join(f"{s} {counts.get(s, 0)}" for s in SEVERITIES)
              + f"  not assessable {int(((mine['status'] == 'not_assessable') & ~dismissed).sum())}"
              + (f"  dismissed {int(dismissed.sum())}" if dismissed.any() else ""), file=out)
        for f in fails.itertuples():
            where = f" [{f.location}]" if f.location else ""
            accepted = " (accepted)" if getattr(f, "review", "") == "accepted" else ""
            print(f"  {f.severity:<7} {f.rule:<11} {f.message}{where}{accepted}", file=out)
        for f in mine[dismissed].itertuples():
            print(f"  dismissed {f.rule:<11} {f.message} — {f.review_reason}"
                  + (f" ({f.reviewer} {f.review_date})" if f.reviewer or f.review_date else ""), file=out)


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
    files = discover(args.files)
    reports, failed = _load_all(files)
    params = {"S-COPY": {"threshold": args.copy_threshold},
              "S-COPY-PEER": {"threshold": args.copy_threshold}} if args.copy_threshold is not None else None
    findings = check(reports, blank_as_zero=args.blank_as_zero, agencies=agencies, reviews=reviews, params=params)
    print_findings(findings, reports)
    unmatched = findings.attrs.get("unmatched_reviews", [])
    if unmatched:
        _err(f"{len(unmatched)} review decision(s) match no finding of these reports: " + "; ".join(unmatched[:5])
             + (" …" if len(unmatched) > 5 else ""))
    if args.output:
        write_table(findings, args.output)
        _err(f"wrote {len(findings)} finding(s) to {args.output}")
    if failed:
        _err(f"{failed} of {len(files)} file(s) could not be read")
        return EXIT_UNREADABLE
    return EXIT_FINDINGS if len(at_or_above(findings, args.fail_on)) else EXIT_OK


def cmd_batch(args: argparse.Namespace, *, exports: bool = True) -> int:
    from . import batch

    batch.install_sigterm_as_interrupt()
    result = batch.run(args.inputs, args.output, workers=args.workers, scheduler=getattr(args, "scheduler", None),
                       fail_on=args.fail_on, render=not getattr(args, "no_render", False),
                       compare=exports, excel=exports, progress=not args.quiet)
    summary = result.summary
    files = summary[summary["file"] != "(comparison)"]
    bad = summary[summary["status"].isin(["failed", "unreadable"])]
    for row in bad.itertuples():
        first_line = str(row.error).strip().splitlines()[0] if str(row.error).strip() else "unknown error"
        where = "" if first_line.startswith(str(row.file)) else f"{row.file}: "
        _err(f"{row.status}: {where}{first_line}")
    rendered = int(((files["status"] == "ok")).sum())
    unchanged = int((files["status"] == "skipped").sum())
    failed = int(files["status"].isin(["failed", "unreadable"]).sum())
    compare = summary[summary["file"] == "(comparison)"]
    compare_word = f"; comparison {compare.iloc[0]['status']}" if len(compare) else ""
    _err(f"{len(files)} file(s): {rendered} report(s) rendered, {unchanged} unchanged, {failed} of {len(files)} "
         f"failed{compare_word}; see {Path(args.output) / 'index.html'} and {Path(args.output) / 'run_summary.csv'}")
    if result.interrupted:
        _err("interrupted: rerun the same command to resume")
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
    p.add_argument("-o", "--output", required=True, metavar="OUT",
                   help="output file: .csv, .parquet or .json")
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
        if name == "batch":
            p.add_argument("--scheduler", metavar="ADDRESS",
                           help="a Dask scheduler (tcp://host:8786); default: $DASK_SCHEDULER_ADDRESS, else local")
            p.add_argument("--no-render", action="store_true", help="build the corpus and exports only")
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
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        _err("interrupted")
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
