"""The one store writer, against the PostgreSQL and MariaDB services on this machine."""

import os
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from simulator.stores.schema import TABLES
from simulator.stores.writer import write_store_to_url

pytestmark = pytest.mark.services

SCHEMA = f"sim_writer_test_{os.getpid()}"
URLS = {
    "postgresql": "postgresql+psycopg://postgres@127.0.0.1:5432/test",
    "mariadb": "mysql+pymysql://root@127.0.0.1:3306/test",
}


@pytest.fixture(params=sorted(URLS))
def server_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A private schema (PostgreSQL) or database (MariaDB), dropped afterwards."""
    url = URLS[request.param]
    engine = sa.create_engine(url)
    create, drop = (
        (f"CREATE SCHEMA {SCHEMA}", f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        if request.param == "postgresql"
        else (f"CREATE DATABASE {SCHEMA}", f"DROP DATABASE IF EXISTS {SCHEMA}")
    )
    with engine.begin() as conn:
        conn.exec_driver_sql(drop)
        conn.exec_driver_sql(create)
    try:
        yield url
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql(drop)
        engine.dispose()


def _sqlite_rows(path: Path, table: str, key: str) -> list[tuple]:
    with sqlite3.connect(path) as con:
        return con.execute(f"select * from {table} order by {key}").fetchall()


def _normalize(value: object) -> object:
    """One form per value: numbers rounded, timestamps as UTC text without offset."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return round(float(value), 4)
    if isinstance(value, datetime):
        if value.tzinfo is not None:  # PostgreSQL timestamptz
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, str) and value.endswith("+00:00"):  # SQLite keeps UTC text with offset
        return value.removesuffix("+00:00")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if value.__class__.__name__ == "Decimal":
        return round(float(value), 4)
    return value


def test_round_trip_matches_the_sqlite_store(server_url: str, ci_sources: Path) -> None:
    counts = write_store_to_url("ci", 42, "S001", server_url, schema=SCHEMA)
    sqlite_path = ci_sources / "stores" / "S001.sqlite"
    engine = sa.create_engine(server_url)
    try:
        with engine.connect() as conn:
            for table in TABLES:
                key = ", ".join(c.name for c in table.primary_key.columns)
                rows = conn.exec_driver_sql(
                    f"select * from {SCHEMA}.{table.name} order by {key}"
                ).fetchall()
                expected = _sqlite_rows(sqlite_path, table.name, key)
                assert counts[table.name] == len(rows) == len(expected) > 0
                assert [tuple(map(_normalize, r)) for r in rows] == [
                    tuple(map(_normalize, r)) for r in expected
                ]
    finally:
        engine.dispose()
