from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import duckdb
import pyarrow as pa
import pytest
import sqlalchemy as sa
from ingest_fixtures import (
    T0,
    as_utc,
    create_store,
    landed,
    parquet_files,
    quarantined,
    receipt_line,
    receipt_lines,
    receipts,
    store_rows,
    strip_meta,
)

from ingest.contracts import STORE_TABLES, TableContract
from ingest.landing import Landing
from ingest.sources.sql_tables import (
    convert_column,
    load_sql_source,
    load_table,
    make_engine,
    shift_text_timestamp,
    to_arrow,
)

CONTRACTS = {t.name: t for t in STORE_TABLES}


def load_store(url: str, landing: Landing, **kwargs):
    return load_sql_source(
        source="store", source_id="S001", url=url, tables=STORE_TABLES, landing=landing, **kwargs
    )


def load_lines(url: str, landing: Landing, **kwargs):
    engine = make_engine(url)
    try:
        return load_table(
            engine,
            landing,
            source="store",
            source_id="S001",
            contract=CONTRACTS["receipt_lines"],
            **kwargs,
        )
    finally:
        engine.dispose()


def expected(rows: list[dict]) -> list[dict]:
    """Source rows as they should land: naive timestamps become UTC."""
    return [{k: as_utc(v) if isinstance(v, datetime) else v for k, v in r.items()} for r in rows]


def by_key(rows: list[dict], *key: str) -> list[dict]:
    return sorted(rows, key=lambda r: tuple(str(r[k]) for k in key))


def test_landed_rows_equal_source_rows_with_contract_types(store_url, landing):
    rows = store_rows()
    create_store(store_url, rows).dispose()

    results = load_store(store_url, landing)

    assert [r.error for r in results] == [None] * 5
    assert {r.object: r.rows_loaded for r in results} == {k: len(v) for k, v in rows.items()}
    for contract in STORE_TABLES:
        got = strip_meta(landed(landing, "store", contract.name, "S001"))
        assert by_key(got, *contract.key) == by_key(expected(rows[contract.name]), *contract.key)
    # declared types, not SQLite's text
    path = landing.batch_paths("data")[0]
    schema = duckdb.sql(f"describe select * from '{path}'").fetchall()
    types = {name: typ for name, typ, *_ in schema}
    assert types["updated_at"] == "TIMESTAMP WITH TIME ZONE"
    lines = duckdb.sql(
        f"describe select * from '{landing.data_dir('store', 'receipt_lines', 'S001')}/*.parquet'"
    ).fetchall()
    lines_types = {name: typ for name, typ, *_ in lines}
    assert lines_types["qty"] == "DECIMAL(12,3)"
    assert lines_types["unit_price_gross"] == "DECIMAL(12,2)"
    assert lines_types["vat_rate"] == "DECIMAL(5,4)"
    assert lines_types["line_no"] == "BIGINT"
    receipts_landed = landed(landing, "store", "receipts", "S001")
    assert receipts_landed[0]["business_date"] == date(2026, 3, 2)


def test_metadata_columns(store_url, landing):
    create_store(store_url, store_rows(1)).dispose()
    result = load_lines(store_url, landing)
    rows = landed(landing, "store", "receipt_lines", "S001")
    assert {r["_source"] for r in rows} == {"store"}
    assert {r["_object"] for r in rows} == {"receipt_lines"}
    assert {r["_source_id"] for r in rows} == {"S001"}
    assert {r["_batch_id"] for r in rows} == {result.batch_id}
    (loaded_at,) = {r["_loaded_at"] for r in rows}
    assert loaded_at.utcoffset() == timedelta(0)
    assert abs(datetime.now(UTC) - loaded_at) < timedelta(minutes=5)


def test_rerun_without_source_change_lands_nothing(store_url, landing):
    create_store(store_url, store_rows()).dispose()
    load_store(store_url, landing)
    files = parquet_files(landing.root)
    manifest = {t: landing.manifest_rows(t) for t in ("batches", "cursors", "files")}

    again = load_store(store_url, landing)

    assert [(r.rows_loaded, r.batch_id, r.error) for r in again] == [(0, None, None)] * 5
    assert parquet_files(landing.root) == files
    assert {t: landing.manifest_rows(t) for t in manifest} == manifest


def test_updated_row_lands_once_more_and_latest_per_key_picks_it(store_url, landing):
    engine = create_store(store_url, store_rows())
    load_store(store_url, landing)
    later = T0 + timedelta(hours=1)
    with engine.begin() as conn:
        conn.execute(
            receipts.update()
            .where(receipts.c.receipt_id == "S001-R00001")
            .values(status="voided", updated_at=later)
        )
    engine.dispose()

    results = {r.object: r for r in load_store(store_url, landing)}
    assert results["receipts"].rows_loaded == 1
    assert results["receipt_lines"].rows_loaded == 0

    rows = landed(landing, "store", "receipts", "S001")
    versions = [r for r in rows if r["receipt_id"] == "S001-R00001"]
    assert sorted(r["status"] for r in versions) == ["completed", "voided"]
    paths = [str(p) for p in landing.batch_paths("data") if "/receipts/" in str(p)]
    latest = duckdb.sql(
        f"""select receipt_id, status from read_parquet({paths})
            qualify row_number() over (partition by receipt_id order by updated_at desc) = 1
            order by receipt_id"""
    ).fetchall()
    assert latest == [
        ("S001-R00000", "completed"),
        ("S001-R00001", "voided"),
        ("S001-R00002", "completed"),
    ]
    # nothing more on the next run
    assert sum(r.rows_loaded for r in load_store(store_url, landing)) == 0


def test_lookback_catches_a_row_committed_late_with_an_older_timestamp(store_url, landing):
    engine = create_store(store_url, {"receipt_lines": [receipt_line(1, 1, T0)]})
    assert load_lines(store_url, landing, lookback_seconds=600).rows_loaded == 1
    with engine.begin() as conn:  # committed after the load, stamped 5 minutes before the mark
        conn.execute(receipt_lines.insert(), [receipt_line(2, 1, T0 - timedelta(minutes=5))])
        conn.execute(receipt_lines.insert(), [receipt_line(3, 1, T0 - timedelta(hours=1))])
    engine.dispose()

    again = load_lines(store_url, landing, lookback_seconds=600)

    assert again.rows_loaded == 1  # the one inside the window; the original is not repeated
    ids = sorted(r["receipt_id"] for r in landed(landing, "store", "receipt_lines", "S001"))
    assert ids == ["S001-R00001", "S001-R00002"]
    assert load_lines(store_url, landing, lookback_seconds=600).rows_loaded == 0


def test_thousands_of_rows_sharing_one_updated_at_all_land_once(store_url, landing):
    n = 5_000
    engine = create_store(store_url, {"receipt_lines": [receipt_line(i, 1, T0) for i in range(n)]})
    first = load_lines(store_url, landing, chunk_rows=700)
    assert first.rows_loaded == n
    with engine.begin() as conn:  # more rows at the very same timestamp, after the load
        conn.execute(receipt_lines.insert(), [receipt_line(i, 2, T0) for i in range(250)])
    engine.dispose()

    second = load_lines(store_url, landing, chunk_rows=700)

    assert second.rows_loaded == 250
    rows = landed(landing, "store", "receipt_lines", "S001")
    keys = [(r["receipt_id"], r["line_no"]) for r in rows]
    assert len(keys) == len(set(keys)) == n + 250
    assert load_lines(store_url, landing, chunk_rows=700).rows_loaded == 0


def test_chunked_read_equals_one_read(tmp_path, store_url):
    rows = [receipt_line(i, 1, T0 + timedelta(seconds=i % 17)) for i in range(1_000)]
    create_store(store_url, {"receipt_lines": rows}).dispose()
    small, big = Landing(tmp_path / "a"), Landing(tmp_path / "b")
    assert load_lines(store_url, small, chunk_rows=33).rows_loaded == 1_000
    assert load_lines(store_url, big).rows_loaded == 1_000
    a = by_key(strip_meta(landed(small, "store", "receipt_lines", "S001")), "receipt_id")
    b = by_key(strip_meta(landed(big, "store", "receipt_lines", "S001")), "receipt_id")
    assert a == b == by_key(expected(rows), "receipt_id")


def test_bad_value_goes_to_quarantine_once_and_neighbours_load(store_url, landing):
    engine = create_store(store_url, {"receipt_lines": [receipt_line(i, 1, T0) for i in range(3)]})
    with engine.begin() as conn:  # SQLite lets a broken writer put text into a NUMERIC column
        conn.execute(
            sa.text("update receipt_lines set qty = 'two' where receipt_id = 'S001-R00001'")
        )
    engine.dispose()

    result = load_lines(store_url, landing)

    assert (result.rows_loaded, result.rows_quarantined) == (2, 1)
    (bad,) = quarantined(landing, "store", "receipt_lines", "S001")
    assert bad["reason"] == "qty: 'two' is not a number"
    assert '"receipt_id": "S001-R00001"' in bad["raw"]
    assert bad["line_no"] is None
    assert bad["_batch_id"] == result.batch_id
    again = load_lines(store_url, landing)  # re-read at the mark, not quarantined twice
    assert (again.rows_loaded, again.rows_quarantined, again.batch_id) == (0, 0, None)


def test_missing_sqlite_file_is_an_error_and_creates_nothing(tmp_path, landing):
    url = f"sqlite:///{tmp_path / 'nope.sqlite'}"
    results = load_store(url, landing)
    assert all(r.error and "does not exist" in r.error for r in results)
    assert not (tmp_path / "nope.sqlite").exists()


def test_missing_table_fails_only_that_table(store_url, landing):
    engine = create_store(store_url, store_rows())
    with engine.begin() as conn:
        conn.execute(sa.text("drop table stocktake_counts"))
    engine.dispose()
    results = {r.object: r for r in load_store(store_url, landing)}
    assert results["stocktake_counts"].error
    assert results["receipts"].error is None and results["receipts"].rows_loaded == 3


def test_shift_text_timestamp_keeps_the_stored_format():
    delta = timedelta(seconds=-90)
    assert shift_text_timestamp("2026-03-02 08:00:00.000000", delta) == "2026-03-02 07:58:30.000000"
    assert shift_text_timestamp("2026-03-02T08:00:00", delta) == "2026-03-02T07:58:30"
    assert shift_text_timestamp("2026-03-02T08:00:00.250Z", delta) == "2026-03-02T07:58:30.250Z"
    assert shift_text_timestamp("2026-03-02 08:00:00+01:00", delta) == "2026-03-02 07:58:30+01:00"


@pytest.mark.parametrize(
    ("values", "typ", "expected_values", "bad"),
    [
        ([1.5, 2, None], pa.decimal128(12, 3), [Decimal("1.500"), Decimal("2.000"), None], set()),
        ([Decimal("2.49"), "x"], pa.decimal128(12, 2), [Decimal("2.49"), None], {1}),
        ([7, "8", 9.0], pa.int64(), [7, 8, 9], set()),
        (
            ["2026-03-02", date(2026, 3, 3)],
            pa.date32(),
            [date(2026, 3, 2), date(2026, 3, 3)],
            set(),
        ),
        (
            ["2026-03-02 08:00:00.000000", "2026-03-02T09:00:00+01:00"],
            pa.timestamp("us", tz="UTC"),
            [datetime(2026, 3, 2, 8, tzinfo=UTC)] * 2,
            set(),
        ),
        ([123, "A1"], pa.string(), ["123", "A1"], set()),
        ([Decimal("12345678901.5")], pa.decimal128(12, 2), [None], {0}),
    ],
)
def test_convert_column(values, typ, expected_values, bad):
    array, reasons = convert_column(values, typ)
    assert array.type == typ
    assert array.to_pylist() == expected_values
    assert set(reasons) == bad


def test_contract_tables_have_keys_and_updated_at():
    for contract in STORE_TABLES:
        assert isinstance(contract, TableContract)
        assert set(contract.key) <= set(contract.column_names)
        assert contract.updated_at in contract.column_names


@pytest.mark.parametrize(
    "values",
    [
        ["2026-05-05 06:10:27.000000+00:00", None, "2024-02-29 23:59:59.999999+00:00"],
        ["2026-05-05T06:10:27", "1970-01-01T00:00:00", "1969-12-31T23:59:59"],
        ["2026-05-05 06:10:27.123456", "0001-01-01 00:00:00.000000"],
        ["2026-05-05T06:10:27Z", "9999-12-31T23:59:59Z"],
        ["2026-02-29 00:00:00", "2026-03-01 00:00:00"],  # no 29 Feb in 2026
        ["2026-05-05 06:10:27+02:00", "2026-05-05 06:10:27+00:00"],  # another zone
        ["2026-05-05 06:10:27", "2026-05-05 06:10:7"],  # widths differ
        ["2026-05-05 24:00:00", "2026/05/05 06:10:27"],
    ],
)
def test_timestamp_text_converts_like_one_value_at_a_time(values):
    # the column-at-once Arrow cast and the per-value path agree: same instants, same rejects
    utc = pa.timestamp("us", tz="UTC")
    arr = pa.array(values, pa.string())
    for array in (arr, arr.slice(1)):
        converted, bad = convert_column(array, utc)
        assert converted.type == utc
        for i, value in enumerate(array.to_pylist()):
            try:
                parsed = None if value is None else datetime.fromisoformat(value)
            except ValueError:
                assert i in bad
                continue
            assert i not in bad
            if parsed is not None:
                parsed = as_utc(parsed) if parsed.tzinfo is None else parsed.astimezone(UTC)
            assert converted[i].as_py() == parsed


def test_a_timestamp_column_equal_to_another_is_converted_once():
    contract = CONTRACTS["stock_on_hand"]
    at = pa.array(["2026-05-05 06:10:27.000000+00:00", "2026-05-05 07:00:00.000000+00:00"])
    columns = [pa.array(["1", "2"]), pa.array([1.5, 2.0]), at, pa.array(at.to_pylist())]
    table, bad = to_arrow(columns, contract)
    assert not bad
    assert table.column("as_of").equals(table.column("updated_at"))
    assert table.column("updated_at")[1].as_py() == datetime(2026, 5, 5, 7, tzinfo=UTC)
