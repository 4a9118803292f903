from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from ingest_fixtures import (
    SALES,
    SALES_HEADER,
    STOCK,
    STOCK_HEADER,
    csv_bytes,
    landed,
    parquet_files,
    quarantined,
)

from ingest.config import LegacyStore
from ingest.contracts import LEGACY_FILES
from ingest.landing import PII_MASK, Landing
from ingest.sources.csv_files import UnreadableFile, parse_csv
from ingest.sources.legacy_files import load_legacy_store


@pytest.fixture
def store(tmp_path: Path) -> LegacyStore:
    folder = tmp_path / "legacy" / "S003"
    folder.mkdir(parents=True)
    return LegacyStore(store_id="S003", kind="legacy", path=folder, encoding="gbk")


def results_by_object(store: LegacyStore, landing: Landing) -> dict:
    return {r.object: r for r in load_legacy_store(store, landing)}


def test_new_files_land_as_text_exactly_as_decoded(store, landing):
    (store.path / "S003_20260302_sales.csv").write_bytes(csv_bytes(SALES_HEADER, SALES))
    (store.path / "S003_20260302_stock.csv").write_bytes(csv_bytes(STOCK_HEADER, STOCK))

    results = results_by_object(store, landing)

    assert {k: (r.rows_loaded, r.rows_quarantined, r.error) for k, r in results.items()} == {
        "sales": (3, 0, None),
        "moves": (0, 0, None),
        "stock": (2, 0, None),
    }
    rows = landed(landing, "legacy_store", "sales", "S003")
    assert [[r[c] for c in SALES_HEADER] for r in rows] == SALES
    assert [r["_source_line"] for r in rows] == [2, 3, 4]
    assert {r["_source_file"] for r in rows} == {"S003_20260302_sales.csv"}
    assert {r["_source"] for r in rows} == {"legacy_store"}
    assert rows[0]["品名"] == "苹果 红富士"
    (manifest,) = [
        f for f in landing.manifest_rows("files") if f["file_name"].endswith("sales.csv")
    ]
    assert manifest["status"] == "loaded"
    assert manifest["batch_id"] == results["sales"].batch_id


def test_rerun_lands_nothing_and_a_duplicate_file_is_recorded_once(store, landing):
    sales = store.path / "S003_20260302_sales.csv"
    sales.write_bytes(csv_bytes(SALES_HEADER, SALES))
    load_legacy_store(store, landing)
    files_before = parquet_files(landing.root)

    again = results_by_object(store, landing)
    assert (again["sales"].rows_loaded, again["sales"].files_skipped) == (0, 0)
    assert parquet_files(landing.root) == files_before

    # the same export delivered twice under another name
    shutil.copy(sales, store.path / "S003_20260303_sales.csv")
    shutil.copy(sales, store.path / "S003_20260304_sales.csv")
    dup = results_by_object(store, landing)
    assert (dup["sales"].rows_loaded, dup["sales"].files_skipped) == (0, 2)
    assert parquet_files(landing.root) == files_before
    statuses = {f["file_name"]: f["status"] for f in landing.manifest_rows("files")}
    assert statuses == {
        "S003_20260302_sales.csv": "loaded",
        "S003_20260303_sales.csv": "duplicate",
        "S003_20260304_sales.csv": "duplicate",
    }
    manifest = landing.manifest_rows("files")
    assert results_by_object(store, landing)["sales"].files_skipped == 0
    assert landing.manifest_rows("files") == manifest


def test_bad_rows_go_to_quarantine_with_their_reason_and_neighbours_load(store, landing):
    good = SALES[0]
    bad_date = [*SALES[1][:1], "2026-03-02", *SALES[1][2:]]
    bad_qty = [*SALES[2][:6], "zwei", *SALES[2][7:]]
    short = SALES[2][:5]
    lines = [
        ",".join(SALES_HEADER).encode("gbk"),
        ",".join(good).encode("gbk"),
        ",".join(bad_date).encode("gbk"),
        ",".join(bad_qty).encode("gbk"),
        ",".join(short).encode("gbk"),
        b"S003-000009,02/03/2026,10:00:00,1,4006381333931,\xff\xfe,1,1,0,1,",
        ",".join(SALES[1]).encode("gbk"),
    ]
    (store.path / "S003_20260302_sales.csv").write_bytes(b"\r\n".join(lines) + b"\r\n")

    result = results_by_object(store, landing)["sales"]

    assert (result.rows_loaded, result.rows_quarantined) == (2, 4)
    assert [r["_source_line"] for r in landed(landing, "legacy_store", "sales", "S003")] == [2, 7]
    bad = {q["line_no"]: q for q in quarantined(landing, "legacy_store", "sales", "S003")}
    assert sorted(bad) == [3, 4, 5, 6]
    assert bad[3]["reason"] == "日期: '2026-03-02' is not a dd/mm/yyyy date"
    # sales rows carry loyalty cards: raw is masked here, kept in the PII quarantine
    assert {q["raw"] for q in bad.values()} == {PII_MASK}
    raw = {
        q["line_no"]: q["raw"]
        for q in quarantined(landing, "legacy_store", "sales", "S003", pii=True)
    }
    assert raw[3] == ",".join(bad_date)
    assert bad[4]["reason"] == "数量: 'zwei' is not a number"
    assert bad[5]["reason"] == "expected 11 columns, got 5"
    assert bad[6]["reason"].startswith("undecodable as gbk")
    assert "\\xff" in raw[6]
    assert {q["source_file"] for q in bad.values()} == {"S003_20260302_sales.csv"}
    assert {q["_batch_id"] for q in bad.values()} == {result.batch_id}
    (f,) = landing.manifest_rows("files")
    assert f["status"] == "loaded"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (csv_bytes(SALES_HEADER, SALES)[:-25], "truncated"),
        (b"", "empty file"),
        (csv_bytes(SALES_HEADER[:-2], [r[:-2] for r in SALES]), "missing required columns: 金额"),
    ],
    ids=["truncated", "empty", "missing-columns"],
)
def test_unreadable_file_is_quarantined_whole(store, landing, content, reason):
    (store.path / "S003_20260302_sales.csv").write_bytes(content)

    result = results_by_object(store, landing)["sales"]

    assert (result.rows_loaded, result.rows_quarantined, result.error) == (0, 1, None)
    assert landed(landing, "legacy_store", "sales", "S003") == []
    (q,) = quarantined(landing, "legacy_store", "sales", "S003")
    assert q["line_no"] is None
    assert q["reason"].startswith(reason)
    assert q["raw"] == PII_MASK  # a sales file carries loyalty cards
    (q_pii,) = quarantined(landing, "legacy_store", "sales", "S003", pii=True)
    assert q_pii["raw"] == content.decode("gbk", "backslashreplace")
    (f,) = landing.manifest_rows("files")
    assert (f["status"], f["batch_id"]) == ("quarantined", result.batch_id)


def test_complete_file_arriving_after_a_cut_off_one_loads(store, landing):
    path = store.path / "S003_20260302_sales.csv"
    full = csv_bytes(SALES_HEADER, SALES)
    path.write_bytes(full[:-25])
    assert results_by_object(store, landing)["sales"].rows_quarantined == 1
    path.write_bytes(full)
    assert results_by_object(store, landing)["sales"].rows_loaded == 3


def test_file_of_another_store_is_quarantined_not_landed_under_this_one(store, landing):
    (store.path / "S004_20260302_stock.csv").write_bytes(csv_bytes(STOCK_HEADER, STOCK))
    result = results_by_object(store, landing)["stock"]
    assert (result.rows_loaded, result.rows_quarantined) == (0, 1)
    (q,) = quarantined(landing, "legacy_store", "stock", "S003")
    assert "store S004" in q["reason"]


def test_missing_folder_is_an_error(tmp_path, landing):
    store = LegacyStore(store_id="S009", kind="legacy", path=tmp_path / "nowhere")
    results = load_legacy_store(store, landing)
    assert all("does not exist" in r.error for r in results)


def test_quoted_field_spanning_lines_is_one_record():
    header = ",".join(LEGACY_FILES["stock"].columns)
    data = f'{header}\r\n02/03/2026,"4006381333931",5\r\n'.encode("gbk")
    parsed = parse_csv(data, "gbk", LEGACY_FILES["stock"])
    assert parsed.rows == [(2, ["02/03/2026", "4006381333931", "5"])]
    with pytest.raises(UnreadableFile, match="unterminated"):
        parse_csv(f'{header}\r\n02/03/2026,"40063\r\n'.encode("gbk"), "gbk", LEGACY_FILES["stock"])


def test_files_parsed_together_equal_the_exact_parser():
    from ingest.sources.file_formats import check_rows, parse_csv_many

    contract = LEGACY_FILES["stock"]
    header = ",".join(contract.columns)
    rows = "".join(f"02/03/2026,40063813{i:05d},{i}\r\n" for i in range(200))
    bad_bytes = "02/03/2026,4006381333931,".encode("gbk") + b"\xff\xfe\x80" + b"\r\n"
    files = [
        f"{header}\r\n{rows}".encode("gbk"),
        f"\ufeff{header}\n{rows.replace(chr(13), '')}".encode(),  # BOM, LF: not GBK
        f"{header}\r\n{rows}02/03/2026,1,2,3\r\n".encode("gbk"),  # a row with too many fields
        f"{header}\r\n{rows}\r\n".encode("gbk"),  # a blank line: read alone
        f'{header}\r\n{rows}02/03/2026,"4006381333931",5\r\n'.encode("gbk"),  # quotes
        f"{header}\r\n{rows}31/02/2026,x,\r\n".encode("gbk"),  # rule breaks: checked later
        f"{header}\r\n".encode("gbk"),  # no rows
        f"{header}\r\n{rows}".encode("gbk") + bad_bytes + rows.encode("gbk"),  # not GBK
        bad_bytes + rows.encode("gbk"),  # undecodable header
        f"{header}\r\n{rows}  \r\n02/03/2026,9\r\n{rows}".encode("gbk"),  # blanks, too few
    ]
    names = [f"S003_2026030{i}_stock.csv" for i in range(len(files))]
    together = parse_csv_many(files, "gbk", contract, names=names)
    assert [p is None for p in together] == [
        False, True, False, True, False, False, False, False, True, False,
    ]  # fmt: skip
    for data, name, parsed in zip(files, names, together, strict=True):
        if parsed is None:
            continue
        exact = parse_csv(data, "gbk", contract)
        good, bad = check_rows([(parsed.table(name), parsed.raw_of)], contract)
        assert good.equals(exact.table(name)), name
        got_bad = sorted(parsed.bad + [(line, raw, why) for _, line, raw, why in bad])
        assert got_bad == sorted(exact.bad), name


def test_undecodable_line_of_a_large_gbk_file_is_quarantined_at_its_line(store, landing):
    rows = [[f"S003-{i:06d}", *SALES[0][1:]] for i in range(3_000)]
    data = bytearray(csv_bytes(SALES_HEADER, rows))
    lines = bytes(data).split(b"\r\n")
    lines[1500] = lines[1500].replace("苹果".encode("gbk"), b"\xff\xfe")
    (store.path / "S003_20260302_sales.csv").write_bytes(b"\r\n".join(lines))

    result = results_by_object(store, landing)["sales"]

    assert (result.rows_loaded, result.rows_quarantined) == (2_999, 1)
    (bad,) = quarantined(landing, "legacy_store", "sales", "S003", pii=True)
    assert bad["line_no"] == 1501
    assert bad["reason"] == "undecodable as gbk: illegal multibyte sequence"
    assert bad["raw"].startswith("S003-001499,02/03/2026") and "\\xff" in bad["raw"]
    rows_landed = landed(landing, "legacy_store", "sales", "S003")
    assert sorted(r["_source_line"] for r in rows_landed) == [
        n for n in range(2, 3_002) if n != 1501
    ]
