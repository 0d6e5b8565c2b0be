"""The corpus stage at scale (issue 13): the rules that compare reports, run bucket by bucket
on the key table and the working files, give the findings the whole-corpus check gives; a run
that adds files to an earlier output reads only those and gives the outputs of a run from
scratch; a Dask cluster gives the outputs of a local run.
"""

from __future__ import annotations

import functools
import logging
import shutil
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

import govdisclosure as gd
from govdisclosure import batch, cross
from govdisclosure.build import build_corpus
from govdisclosure.checks import check
from govdisclosure.digest import CROSS_YEAR_RULES

from conftest import CORPUS

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from synthetic import write_synthetic_files  # noqa: E402

KEY = ["source", "rule", "status", "severity", "table", "row", "column", "message"]
READABLE = (".txt", ".html", ".md")  # the PDFs take seconds each: the text and HTML sources suffice


def corpus_files(folder: Path) -> list[Path]:
    """The real reports of data/corpus (not the PDFs), copied under their folder's name."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for source in sorted(CORPUS.glob("*/source.*")):
        if source.suffix in READABLE:
            target = folder / f"{source.parent.name}{source.suffix}"
            shutil.copyfile(source, target)
            out.append(target)
    return out


def cross_of(frame: pd.DataFrame) -> pd.DataFrame:
    """The findings of the rules that compare reports, in a canonical order."""
    frame = frame[frame["rule"].isin(CROSS_YEAR_RULES)][KEY].astype(str)
    return frame.sort_values(KEY).reset_index(drop=True)


def whole_corpus_cross(files: list[Path]) -> pd.DataFrame:
    """The oracle: every report loaded at once and checked together (the library's check)."""
    reports = [gd.load_report(p) for p in files]
    return cross_of(check(reports, rules=CROSS_YEAR_RULES))


@pytest.mark.parametrize("corpus", ["real", "synthetic"])
def test_cross_rules_by_bucket_give_the_whole_corpus_findings(corpus, tmp_path, monkeypatch):
    """Buckets of a few reports (so that families and years are split over many tasks) give
    the same cross findings as the whole corpus checked in one piece."""
    if corpus == "real":
        files = corpus_files(tmp_path / "in")
    else:  # 6 synthetic agencies, each with the real agencies' chains of years
        files = sorted(write_synthetic_files(tmp_path / "in", 132))
    monkeypatch.setattr(cross, "buckets", functools.partial(cross.buckets, size=5))
    runner = batch.LocalRunner(2)
    try:
        build = build_corpus(files, runner, store=tmp_path / "store", progress=False)
        found = cross_of(build["findings"])
    finally:
        runner.close()
    assert build.errors == []
    expected = whole_corpus_cross(files)
    assert len(expected) and set(expected["rule"]) >= {"X-STOCK", "S-COPY"}  # the comparison has content
    pd.testing.assert_frame_equal(found, expected)


# --------------------------------------------------------------------------- incremental runs

def outputs(out: Path) -> dict[str, pd.DataFrame]:
    """Every table a batch publishes (Parquet, DuckDB, CSV, the run summary), without the
    seconds each file took (the only column that differs between two runs of the same files)."""
    tables = {}
    for path in sorted((out / "corpus").glob("*.parquet")):
        tables[f"parquet:{path.stem}"] = pd.read_parquet(path)
    with duckdb.connect(str(out / "corpus" / "corpus.duckdb"), read_only=True) as con:
        for (name,) in con.execute("SELECT table_name FROM information_schema.tables ORDER BY 1").fetchall():
            tables[f"duckdb:{name}"] = con.execute(f'SELECT * FROM "{name}"').df()
    for path in sorted((out / "exports").glob("*.csv")):
        tables[f"csv:{path.stem}"] = pd.read_csv(path, dtype=str, keep_default_na=False)
    tables["run_summary"] = pd.read_csv(out / "run_summary.csv", dtype=str, keep_default_na=False)
    tables["xlsx:sheets"] = pd.DataFrame({"sheet": pd.ExcelFile(out / "exports" / "corpus.xlsx").sheet_names})
    return {name: frame.drop(columns=[c for c in frame.columns if c == "seconds"]) for name, frame in tables.items()}


def assert_same_outputs(a: Path, b: Path) -> None:
    first, second = outputs(a), outputs(b)
    assert sorted(first) == sorted(second)
    assert {"parquet:cells", "parquet:findings", "parquet:measures", "parquet:reports", "csv:cells",
            "duckdb:cells", "run_summary"} <= set(first)
    for name in first:
        assert len(first[name]), f"{name} is empty: the comparison would prove nothing"
        pd.testing.assert_frame_equal(first[name], second[name], obj=name)


def test_adding_next_years_reports_reads_only_them_and_equals_a_run_from_scratch(tmp_path):
    files = corpus_files(tmp_path / "all")
    later = [p for p in files if any(y in p.name for y in ("2024", "2025"))]
    assert 4 <= len(later) < len(files)
    folder = tmp_path / "in"
    folder.mkdir()
    for path in files:
        if path not in later:
            shutil.copyfile(path, folder / path.name)
    out, scratch = tmp_path / "out", tmp_path / "scratch"
    one = batch.run([folder], out, workers=2, render=False, progress=False)
    assert one.timings["files_read"] == len(files) - len(later)
    for path in later:  # next year's reports come into the same folder
        shutil.copyfile(path, folder / path.name)
    two = batch.run([folder], out, workers=2, render=False, progress=False)
    assert two.timings["files_read"] == len(later)
    whole = batch.run([folder], scratch, workers=2, render=False, progress=False)
    assert whole.timings["files_read"] == len(files)
    # the incremental run did not redo the cross rules of the agencies the new files do not touch
    assert 0 < two.timings["cross_families"] < whole.timings["cross_families"]
    assert_same_outputs(out, scratch)


def test_a_changed_file_is_read_again_and_a_removed_one_leaves_the_corpus(tmp_path):
    folder = tmp_path / "in"
    files = corpus_files(folder)
    out, scratch = tmp_path / "out", tmp_path / "scratch"
    batch.run([folder], out, workers=2, render=False, progress=False)
    changed = folder / "pingtan_2024.txt"
    changed.write_text(changed.read_text(encoding="utf-8").replace("440", "441", 1), encoding="utf-8")
    (folder / "sanming_2020.txt").unlink()
    again = batch.run([folder], out, workers=2, render=False, progress=False)
    assert again.timings["files_read"] == 1
    batch.run([folder], scratch, workers=2, render=False, progress=False)
    assert_same_outputs(out, scratch)
    cells = pd.read_parquet(out / "corpus" / "cells.parquet")
    assert str(folder / "sanming_2020.txt") not in set(cells["source"])
    assert len(files) - 1 == pd.read_parquet(out / "corpus" / "reports.parquet")["source"].nunique()


# --------------------------------------------------------------------------- a Dask cluster

def test_a_dask_cluster_gives_the_outputs_of_a_local_run(tmp_path, monkeypatch):
    import dask
    from distributed import Client, LocalCluster

    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS", raising=False)
    folder = tmp_path / "in"
    files = corpus_files(folder)
    local, remote = tmp_path / "local", tmp_path / "cluster"
    batch.run([folder], local, workers=2, render=False, progress=False)
    with dask.config.set({"distributed.worker.daemon": False}):
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                               silence_logs=logging.ERROR)
    try:
        with Client(cluster) as client:
            batch.run([folder], remote, scheduler=cluster.scheduler_address, render=False, progress=False)
            prefixes = client.run_on_scheduler(lambda dask_scheduler: sorted(dask_scheduler.task_prefixes))
            # workers that do not see the output folder: they return their parts, the batch writes them
            unshared = batch.DaskRunner(cluster.scheduler_address, shared=False)
            try:
                returned = build_tables(files, unshared, tmp_path / "store-unshared")
            finally:
                unshared.close()
    finally:
        cluster.close()
    # the files were read and the cross rules run on the cluster's workers
    assert any("digest" in p for p in prefixes) and any("run_task" in p for p in prefixes), prefixes
    assert_same_outputs(local, remote)
    here = batch.LocalRunner(2)
    try:
        expected = build_tables(files, here, tmp_path / "store-local")
    finally:
        here.close()
    for name, frame in expected.items():
        assert len(frame), name
        pd.testing.assert_frame_equal(returned[name], frame, obj=name)


def build_tables(files: list[Path], runner, store: Path) -> dict[str, pd.DataFrame]:
    """The corpus stage's tables (without the seconds a file took)."""
    build = build_corpus(files, runner, store=store, progress=False)
    assert build.errors == [] and not build.output_error
    tables = {name: build[name] for name in ("cells", "findings", "measures")}
    tables["reports"] = build.reports.drop(columns=["seconds"]).reset_index(drop=True)
    return tables
