import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from sim_readback import faults

from simulator.legacy import MOVES_COLUMNS, SALES_COLUMNS, STOCK_COLUMNS


def test_one_file_per_object_and_day(ci_sources: Path) -> None:
    """Every business day has its three files, except the days the store was silent."""
    files = sorted(p.name for p in (ci_sources / "legacy" / "S003").iterdir())
    silent = sorted(
        f["document_id"].replace("-", "")
        for f in faults(ci_sources)
        if f["kind"] == "store_silent" and f["store_id"] == "S003"
    )
    assert len(files) == (60 - len(silent)) * 3
    assert files[:3] == [
        "S003_20260902_moves.csv",
        "S003_20260902_sales.csv",
        "S003_20260902_stock.csv",
    ]
    last = (date(2026, 10, 31) - timedelta(days=len(silent))).strftime("%Y%m%d")
    assert files[-1] == f"S003_{last}_stock.csv"
    assert not [f for f in files if f.split("_")[1] in silent]


def test_files_are_gbk_with_chinese_headers(ci_sources: Path) -> None:
    folder = ci_sources / "legacy" / "S003"
    # a day no file fault touched (a row in the wrong encoding is one of them)
    broken = {f["document_id"] for f in faults(ci_sources) if f["document_type"] == "file"}
    day = next(
        d
        for d in (date(2026, 10, 15) + timedelta(days=i) for i in range(-40, 15))
        if (folder / f"S003_{d:%Y%m%d}_sales.csv").exists()
        and not {f"S003_{d:%Y%m%d}_{obj}.csv" for obj in ("sales", "moves", "stock")} & broken
    )
    for obj, columns in (
        ("sales", SALES_COLUMNS),
        ("moves", MOVES_COLUMNS),
        ("stock", STOCK_COLUMNS),
    ):
        raw = (folder / f"S003_{day:%Y%m%d}_{obj}.csv").read_bytes()
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")
        text = raw.decode("gbk")
        assert text.splitlines()[0] == ",".join(columns)
    assert SALES_COLUMNS[5] == "品名"
    sales = (folder / f"S003_{day:%Y%m%d}_sales.csv").read_bytes().decode("gbk").splitlines()
    first = sales[1].split(",")
    assert first[1] == f"{day:%d/%m/%Y}"
    assert re.fullmatch(r"\d\d:\d\d:\d\d", first[2])
    assert re.search(r"[\u4e00-\u9fff]", first[5])
