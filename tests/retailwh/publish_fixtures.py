"""Small warehouses for the publish tests: every required mart, a staging table, personal data."""

from __future__ import annotations

from pathlib import Path

import duckdb

from retailwh.publish import INTEGRITY_AUDIT_TABLE, NON_EMPTY_TABLES, REQUIRED_TABLES

AUDIT_TABLES = ("fct_audit_findings", "fct_audit_runs", INTEGRITY_AUDIT_TABLE)
# The integrity audit's columns that publish reads; no rows: nothing blocks.
NO_INTEGRITY_FINDINGS_SQL = (
    "select 'duplicate_key' as rule, 'error' as severity, 'S001' as store_id,"
    " '4006381333931' as gtin, 'fct_sales_lines' as document_id, 'msg' as message limit 0"
)


def make_warehouse(
    path: Path,
    *,
    empty: tuple[str, ...] = (),
    missing: tuple[str, ...] = (),
    stock_rows: int = 3,
) -> Path:
    """A warehouse file named like dbt's, with one table per required relation.

    ``empty`` tables are created without rows, ``missing`` ones not at all. ``marts.v_store_stock``
    is a view over a staging table written with catalog-qualified names, the way dbt-duckdb writes
    views, so the copy must resolve it in the warehouse's own catalog.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    con = duckdb.connect(str(path))
    try:
        for schema in ("staging", "marts", "audits", "pii"):
            con.execute(f"create schema {schema}")
        con.execute(
            "create table staging.stg_store__receipts as"
            " select range as receipt_id, 'S001' as store_id from range(5)"
        )
        for name in REQUIRED_TABLES:
            if name in missing:
                continue
            schema = "audits" if name in AUDIT_TABLES else "marts"
            rows = 0 if name in empty else stock_rows
            if name == INTEGRITY_AUDIT_TABLE:
                con.execute(f"create table audits.{name} as {NO_INTEGRITY_FINDINGS_SQL}")
                continue
            con.execute(
                f"create table {schema}.{name} as"
                f" select range as id, 'S00' || range as store_id from range({rows})"
            )
        catalog = path.stem
        con.execute(
            f"create view marts.v_store_stock as select store_id, count(*) as receipts"
            f' from "{catalog}"."staging"."stg_store__receipts" group by store_id'
        )
        con.execute(
            "create table pii.dim_customer_pii as"
            " select 'C1' as customer_id, 'erika@example.com' as email, '+49 30 1' as phone"
        )
    finally:
        con.close()
    return path


__all__ = [
    "AUDIT_TABLES",
    "NO_INTEGRITY_FINDINGS_SQL",
    "NON_EMPTY_TABLES",
    "REQUIRED_TABLES",
    "make_warehouse",
]
