"""The relational reader against the PostgreSQL and MariaDB services of this machine.

Each test creates its store tables in a fresh schema (PostgreSQL) / database (MariaDB) and drops
it afterwards, so runs never collide.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa
from ingest_fixtures import T0, as_utc, landed, receipts, store_metadata, store_rows, strip_meta

from ingest.contracts import STORE_TABLES
from ingest.landing import Landing
from ingest.sources.sql_tables import load_sql_source

SERVICES = {
    "postgresql": "postgresql+psycopg://postgres@127.0.0.1:5432/test",
    "mariadb": "mysql+pymysql://root@127.0.0.1:3306/test",
}


@pytest.fixture(params=sorted(SERVICES))
def service_store(request: pytest.FixtureRequest) -> Iterator[tuple[str, str, sa.Engine]]:
    url = SERVICES[request.param]
    schema = f"ingest_{secrets.token_hex(4)}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    ddl = "create schema" if request.param == "postgresql" else "create database"
    drop = (
        f"drop schema {schema} cascade"
        if request.param == "postgresql"
        else f"drop database {schema}"
    )
    with admin.connect() as conn:
        conn.execute(sa.text(f"{ddl} {schema}"))
    engine = sa.create_engine(url).execution_options(schema_translate_map={None: schema})
    try:
        with engine.begin() as conn:
            store_metadata.create_all(conn)
            for table in store_metadata.sorted_tables:
                conn.execute(table.insert(), store_rows()[table.name])
        yield url, schema, engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(sa.text(drop))
        admin.dispose()


@pytest.mark.services
def test_store_on_a_database_server_lands_like_sqlite(service_store, tmp_path):
    url, schema, engine = service_store
    landing = Landing(tmp_path / "landing")

    def load():
        return load_sql_source(
            source="store",
            source_id="S001",
            url=url,
            tables=STORE_TABLES,
            landing=landing,
            db_schema=schema,
            chunk_rows=2,
        )

    results = load()
    rows = store_rows()
    assert [r.error for r in results] == [None] * 5
    assert {r.object: r.rows_loaded for r in results} == {k: len(v) for k, v in rows.items()}
    for contract in STORE_TABLES:
        got = strip_meta(landed(landing, "store", contract.name, "S001"))
        want = [
            {k: as_utc(v) if hasattr(v, "hour") else v for k, v in r.items()}
            for r in rows[contract.name]
        ]

        def key(r, contract=contract):
            return tuple(str(r[k]) for k in contract.key)

        assert sorted(got, key=key) == sorted(want, key=key)

    assert sum(r.rows_loaded for r in load()) == 0
    with engine.begin() as conn:
        conn.execute(
            receipts.update()
            .where(receipts.c.receipt_id == "S001-R00002")
            .values(status="voided", updated_at=T0 + timedelta(hours=2))
        )
    again = {r.object: r.rows_loaded for r in load()}
    assert again == {
        "receipts": 1,
        "receipt_lines": 0,
        "stock_movements": 0,
        "stocktake_counts": 0,
        "stock_on_hand": 0,
    }
