"""Downloads cannot run formulas in a spreadsheet, and every export is logged."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from dashboards.data import exports
from dashboards.data.filters import Filters


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://evil","x")', '\'=HYPERLINK("http://evil","x")'),
        ("+49 30 1234567", "'+49 30 1234567"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("erika@example.com", "erika@example.com"),
        ("Müller = fine", "Müller = fine"),
        ("", ""),
        (-5, -5),
        (None, None),
    ],
)
def test_neutralize_prefixes_only_text_that_starts_like_a_formula(value, expected) -> None:
    assert exports.neutralize(value) == expected


def test_csv_neutralizes_every_text_cell_and_header_but_keeps_numbers() -> None:
    frame = pd.DataFrame(
        {
            "customer_id": ["C1", "C2"],
            "first_name": ["=1+1", "Erika"],
            "phone": ["+49 30 1", None],
            "=evil_header": ["@x", "ok"],
            "qty": [-5.0, 3.0],
        }
    )
    text = exports.to_csv(frame).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["customer_id", "first_name", "phone", "'=evil_header", "qty"]
    assert rows[1] == ["C1", "'=1+1", "'+49 30 1", "'@x", "-5.0"]
    assert rows[2] == ["C2", "Erika", "", "ok", "3.0"]
    # no cell a spreadsheet would evaluate is left
    cells = [cell for row in rows for cell in row]
    assert not [c for c in cells if c[:1] in ("=", "@", "\t", "\r") or c.startswith("+")]


def test_each_export_is_logged_under_the_ops_dir(data_dir: Path) -> None:
    assert exports.export_log().empty
    flt = Filters(start=date(2026, 10, 1), end=date(2026, 10, 31), store_id="S001")
    exports.log_export("erika@example.com", "segment_contacts", 40, flt, "v1", segment="Loyal")
    exports.log_export("anonymous", "reorder_suggestions", 7, None, "v1")
    assert (data_dir / "ops" / exports.EXPORT_LOG).exists()
    log = exports.export_log()
    assert list(log["who"]) == ["anonymous", "erika@example.com"]
    assert list(log["rows"]) == [7, 40]
    assert list(log["segment"].fillna("")) == ["", "Loyal"]
    assert '"store_id": "S001"' in log["filters"].iloc[1]
    assert log["exported_at"].str.match(r"\d{4}-\d{2}-\d{2}T").all()


def test_a_download_logs_itself_when_its_data_is_produced(data_dir: Path) -> None:
    frame = pd.DataFrame({"gtin": ["4006381333931"], "note": ["=cmd|' /C calc'!A0"]})
    payload = exports.logged_csv(frame, "store-manager", "reorder_suggestions", None, "v2")
    assert payload.decode("utf-8-sig").splitlines()[1] == "4006381333931,'=cmd|' /C calc'!A0"
    log = exports.export_log()
    assert log[["who", "export", "rows"]].values.tolist() == [
        ["store-manager", "reorder_suggestions", 1]
    ]
