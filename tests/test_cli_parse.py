"""`govdisclosure parse FILE... -o OUT`, run in-process."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from conftest import source_of
from govdisclosure.cli import main

COLUMNS = ["source", "agency", "year", "template", "table", "row", "column", "value", "state", "raw", "location"]
SEED = "seed_changning_tzcjb_2024"  # 25×7 + 15 + 10 cells
HTML = "shanghai_gov_office_2019"  # blank 总计 cells


def read_output(path) -> pd.DataFrame:
    if path.suffix == ".csv":
        return pd.read_csv(path, encoding="utf-8-sig", keep_default_na=False, na_values=[""],
                           dtype={"raw": str, "location": str, "template": str})
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    records = json.loads(path.read_text(encoding="utf-8"))
    assert all(list(record) == COLUMNS for record in records)
    return pd.DataFrame.from_records(records, columns=COLUMNS)


@pytest.mark.parametrize("suffix", [
    pytest.param(".csv", id="csv-has-exactly-the-tidy-columns"),
    pytest.param(".parquet", id="parquet-has-exactly-the-tidy-columns"),
    pytest.param(".json", id="json-records-have-exactly-the-tidy-columns"),
])
def test_parse_writes_the_tidy_table(tmp_path, capsys, suffix):
    out = tmp_path / f"cells{suffix}"
    status = main(["parse", str(source_of(SEED)), str(source_of(HTML)), "-o", str(out)])
    assert status == 0
    frame = read_output(out)
    assert list(frame.columns) == COLUMNS
    assert set(frame["source"]) == {str(source_of(SEED)), str(source_of(HTML))}
    seed = frame[frame["source"] == str(source_of(SEED))]
    assert len(seed[seed["table"] == "t3"]) == 175 and len(seed[seed["table"] == "t4"]) == 15
    assert set(seed["year"]) == {2024} and set(seed["template"]) == {"2021"}
    one = seed[(seed["table"] == "t3") & (seed["row"] == "new_received") & (seed["column"] == "total")]
    assert one[["value", "state", "raw", "location"]].values.tolist() == [[1.0, "number", "1", "line 54 cell 8"]]
    html = frame[frame["source"] == str(source_of(HTML))]
    blank = html[(html["table"] == "t3") & (html["row"] == "granted") & (html["column"] == "total")]
    assert blank["state"].tolist() == ["blank"] and blank["value"].isna().all()  # blank, not 0
    assert set(html["year"]) == {2019}
    err = capsys.readouterr().err
    assert f"wrote {len(frame)} cells of 2 report(s) to {out}" in err


@pytest.mark.parametrize("bad_name,bad_data,reason", [
    pytest.param("noise.bin.txt", b"\x00\x01\x02\xff" * 300, "binary", id="a-binary-file-among-good-ones"),
    pytest.param("empty.txt", b"", "empty", id="an-empty-file-among-good-ones"),
])
def test_a_bad_file_among_good_ones_is_reported_and_the_good_ones_written(tmp_path, capsys, bad_name,
                                                                         bad_data, reason):
    bad = tmp_path / bad_name
    bad.write_bytes(bad_data)
    out = tmp_path / "cells.csv"
    status = main(["parse", str(source_of(SEED)), str(bad), str(source_of(HTML)), "-o", str(out)])
    assert status == 2
    frame = read_output(out)
    assert set(frame["source"]) == {str(source_of(SEED)), str(source_of(HTML))}
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1
    assert str(bad) in errors[0] and reason in errors[0]


def test_a_page_that_is_not_a_report_among_good_ones_is_said_and_is_no_failure(tmp_path, capsys):
    """A list page or a note beside the reports is one of the classes of a folder, not an error."""
    page = tmp_path / "list.html"
    page.write_text('<html><body><div><a href="/">首页</a></div><p>政务公开</p></body></html>', encoding="utf-8")
    out = tmp_path / "cells.csv"
    status = main(["parse", str(source_of(SEED)), str(page), "-o", str(out)])
    assert status == 0
    assert set(read_output(out)["source"]) == {str(source_of(SEED))}
    err = capsys.readouterr().err.splitlines()
    assert [line for line in err if str(page) in line][0].startswith(f"not a report: {page}: expected ")
    assert not [line for line in err if line.startswith("error:")]
    assert err[-1].endswith("; 1 file(s) not a report")


def test_a_missing_file_among_good_ones_is_reported_and_the_good_ones_written(tmp_path, capsys):
    missing = tmp_path / "missing.txt"
    out = tmp_path / "cells.parquet"
    status = main(["parse", str(missing), str(source_of(SEED)), "-o", str(out)])
    assert status == 2
    assert set(read_output(out)["source"]) == {str(source_of(SEED))}
    err = capsys.readouterr().err
    assert f"error: {missing}: expected a report file, found no such file" in err.splitlines()
    assert "1 of 2 file(s) could not be read" in err


def test_every_file_unreadable_still_writes_an_empty_table_with_the_columns(tmp_path, capsys):
    bad = tmp_path / "empty.txt"
    bad.write_bytes(b"")
    out = tmp_path / "cells.csv"
    assert main(["parse", str(bad), "-o", str(out)]) == 2
    frame = read_output(out)
    assert list(frame.columns) == COLUMNS and frame.empty


@pytest.mark.parametrize("name", [
    pytest.param("cells.xlsx", id="xlsx-is-not-an-output-of-parse"),
    pytest.param("cells.txt", id="txt-is-not-an-output-format"),
    pytest.param("cells", id="no-extension-is-refused"),
])
def test_an_unsupported_output_extension_is_refused(tmp_path, capsys, name):
    out = tmp_path / name
    status = main(["parse", str(source_of(SEED)), "-o", str(out)])
    assert status == 2
    assert not out.exists()
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith(f"error: {out}: expected an output file ending in .csv, .parquet, .json")
    assert "found" in err[0]


def test_without_an_output_file_the_cells_are_printed_as_csv(tmp_path, capsys):
    """``parse FILE`` alone, for a first look: the same table as ``-o cells.csv`` writes, on
    standard output; the messages stay on standard error."""
    out = tmp_path / "cells.csv"
    assert main(["parse", str(source_of(SEED)), "-o", str(out)]) == 0
    capsys.readouterr()
    assert main(["parse", str(source_of(SEED))]) == 0
    printed = capsys.readouterr()
    import io

    shown = pd.read_csv(io.StringIO(printed.out), keep_default_na=False, na_values=[""],
                        dtype={"raw": str, "location": str, "template": str})
    pd.testing.assert_frame_equal(shown, read_output(out))
    assert "standard output" in printed.err


def test_text_printed_to_the_terminal_cannot_act_on_it(tmp_path, capsys):
    """A report whose agency name carries an escape sequence and a direction override: the
    printed CSV shows them as escapes, never as the characters."""
    text = source_of(SEED).read_text(encoding="utf-8")
    first = text.splitlines()[0]
    page = tmp_path / "r.txt"
    page.write_text(text.replace(first, "\x1b]0;owned\x07\u202e" + first, 1), encoding="utf-8")
    assert main(["parse", str(page)]) == 0
    printed = capsys.readouterr()
    assert "\x1b" not in printed.out + printed.err and "\u202e" not in printed.out + printed.err


def test_provenance_columns_on_request(tmp_path, capsys):
    """``--provenance``: the tidy columns, then label, how and confidence — so that a recovered
    value can be told from one read as printed outside Python."""
    out = tmp_path / "cells.csv"
    assert main(["parse", str(source_of("pingtan_2020")), "-o", str(out), "--provenance"]) == 0
    frame = pd.read_csv(out, encoding="utf-8-sig", keep_default_na=False)
    assert list(frame.columns) == COLUMNS + ["label", "how", "confidence"]
    assert (frame["how"] != "").any()  # 平潭 2020's glued cells were recovered, and say so
