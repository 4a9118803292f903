"""A simulated modern store written to PostgreSQL and to MariaDB lands exactly the rows written."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import duckdb
import pytest
import sqlalchemy as sa

from ingest.config import ModernStore, SourcesConfig
from ingest.run import load_source_kind
from simulator.stores.writer import write_store_to_url

pytestmark = pytest.mark.services

STORE_ID = "S001"


def _normalize(value: object) -> object:
    """One comparable form for what the server returns and what Parquet holds."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float | Decimal):
        return round(float(value), 3)
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def test_store_on_a_server_lands_every_row_written(server_schema, tmp_path):
    url, schema = server_schema
    written = write_store_to_url("ci", 42, STORE_ID, url, schema=schema)
    config = SourcesConfig(
        chain="ci",
        head_office={"url": "sqlite://"},
        stores=[ModernStore(store_id=STORE_ID, kind="modern", url=url, schema=schema)],
    )
    landing = tmp_path / "landing"

    results = load_source_kind("store", config, landing)

    assert [r.error for r in results if r.error] == []
    assert {r.object: r.rows_loaded for r in results} == written
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn, duckdb.connect() as duck:
            for table, count in written.items():
                columns = [c["name"] for c in sa.inspect(conn).get_columns(table, schema=schema)]
                column_list = ", ".join(columns)
                at_source = conn.exec_driver_sql(
                    f"select {column_list} from {schema}.{table}"
                ).fetchall()
                landed = duck.execute(
                    f"select {column_list} from read_parquet(?)",
                    [str(landing / "store" / table / STORE_ID / "*.parquet")],
                ).fetchall()
                assert len(landed) == count > 0
                assert sorted(tuple(map(_normalize, r)) for r in landed) == sorted(
                    tuple(map(_normalize, r)) for r in at_source
                ), table
    finally:
        engine.dispose()
