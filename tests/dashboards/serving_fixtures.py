"""A tiny published warehouse for the dashboard tests, and the SQL the tests check pages against.

The builders take folders, not fixtures, so end-to-end tests can point the same checks at the
serving folder of the real ``ci`` chain: ``expected_total_stock_value(serving_dir)`` and
``expected_latest_findings_count(serving_dir)`` read whatever snapshot is current there.
Import them with ``from serving_fixtures import ...`` from any test in tests/dashboards/.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from retailwh.publish import publish
from retailwh.serving import Snapshot, current_snapshot

TINY_WAREHOUSE_SQL = """
create schema marts;
create schema audits;
create schema pii;
create schema staging;

create table staging.stg_store__receipts as select 1 as receipt_id;

create table marts.dim_stores as
select * from (values
    ('S001', 'Berlin Mitte', 'East', 'Berlin', 'modern', date '2019-03-01'),
    ('S002', 'Hamburg Hafen', 'North', 'Hamburg', 'legacy', date '2015-06-15'),
    ('S003', 'München Süd', 'South', 'Munich', 'modern', date '2021-09-01')
) t(store_id, store_name, region, city, store_kind, opened_on);

create table marts.dim_products as
select * from (values
    ('P001', '4006381333931', 'Whole milk 1l', 'Dairy', 0.79, 1.19),
    ('P002', '4006381333948', 'Yoghurt 500g', 'Dairy', 0.55, 0.99),
    ('P003', '4006381333955', 'Rye bread', 'Bakery', 1.10, 2.49),
    ('P004', '4006381333962', 'Pretzel', 'Bakery', 0.20, 0.69),
    ('P005', '4006381333979', 'Sparkling water 1.5l', 'Beverages', 0.18, 0.49),
    ('P006', '4006381333986', 'Apple juice 1l', 'Beverages', 0.65, 1.49)
) t(product_id, gtin, product_name, category, cost_price, retail_price_gross);

create table marts.rpt_current_stock as
with stock(store_id, product_id, on_hand_qty, avg_daily_sales_qty_28d) as (
    values
    ('S001', 'P001', 40.0, 12.0), ('S001', 'P002', 3.0, 4.0), ('S001', 'P003', 15.0, 5.0),
    ('S001', 'P004', 120.0, 30.0), ('S001', 'P005', 300.0, 20.0), ('S001', 'P006', 0.0, 2.0),
    ('S002', 'P001', 10.0, 6.0), ('S002', 'P003', 8.0, 1.0), ('S002', 'P005', 96.0, 8.0),
    ('S003', 'P002', 55.0, 3.0), ('S003', 'P004', 2.0, 9.0), ('S003', 'P006', 24.0, 1.5)
)
select
    s.store_id, st.store_name, st.region, s.product_id, p.gtin, p.product_name, p.category,
    s.on_hand_qty, p.cost_price, s.on_hand_qty * p.cost_price as stock_value_cost,
    s.avg_daily_sales_qty_28d,
    s.on_hand_qty / nullif(s.avg_daily_sales_qty_28d, 0) as days_of_cover,
    s.on_hand_qty / nullif(s.avg_daily_sales_qty_28d, 0) < 3 as is_low_stock
from stock s
join marts.dim_stores st using (store_id)
join marts.dim_products p using (product_id);

create table marts.fct_stock_on_hand_intervals as
select store_id, product_id, on_hand_qty, timestamp '2026-01-01' as valid_from,
       cast(null as timestamp) as valid_to
from marts.rpt_current_stock;

create table marts.fct_sales_lines as
select 'R1' as receipt_id, 1 as line_no, 'S001' as store_id, 'P001' as product_id,
       2.0 as qty, 2.38 as amount_gross, date '2026-01-02' as business_date;

create table marts.dim_customers as
select 'C1' as customer_id, 'gold' as tier, 'S001' as home_store_id, true as has_marketing_consent;

create table marts.fct_customer_rfm as
select 'C1' as customer_id, 5 as recency_score, 4 as frequency_score, 3 as monetary_score;

create table marts.fct_supplier_scorecard as
select 'SUP01' as supplier_id, 0.93 as otif_rate;

create table audits.fct_audit_runs as
select * from (values
    ('run-1', timestamp '2026-01-01 05:00:00', 'stock_ledger', 2),
    ('run-1', timestamp '2026-01-01 05:00:00', 'transfers', 1),
    ('run-2', timestamp '2026-01-02 05:00:00', 'stock_ledger', 3),
    ('run-2', timestamp '2026-01-02 05:00:00', 'transfers', 1),
    ('run-2', timestamp '2026-01-02 05:00:00', 'master_data', 0)
) t(run_id, run_at, audit, findings_count);

create table audits.fct_audit_findings as
select * from (values
    ('f1', 'stock_ledger', 'run-1', timestamp '2026-01-01 05:00:00', 'error', 'S001', 'P001',
     '4006381333931', 'stocktake', 'ST-1', 40.0, 38.0, -2.0, 1.58, 'on hand differs'),
    ('f2', 'stock_ledger', 'run-1', timestamp '2026-01-01 05:00:00', 'warning', 'S002', 'P003',
     '4006381333955', 'stocktake', 'ST-2', 8.0, 7.0, -1.0, 1.10, 'on hand differs'),
    ('f3', 'transfers', 'run-1', timestamp '2026-01-01 05:00:00', 'error', 'S001', 'P004',
     '4006381333962', 'transfer', 'TR-9', 10.0, 0.0, -10.0, 2.00, 'transfer never arrived'),
    ('f4', 'stock_ledger', 'run-2', timestamp '2026-01-02 05:00:00', 'error', 'S001', 'P002',
     '4006381333948', 'stocktake', 'ST-3', 5.0, 3.0, -2.0, 1.10, 'on hand differs'),
    ('f5', 'stock_ledger', 'run-2', timestamp '2026-01-02 05:00:00', 'warning', 'S003', 'P004',
     '4006381333962', 'stocktake', 'ST-4', 3.0, 2.0, -1.0, 0.20, 'on hand differs'),
    ('f6', 'stock_ledger', 'run-2', timestamp '2026-01-02 05:00:00', 'error', 'S003', 'P006',
     '4006381333986', 'adjustment', 'AD-1', 20.0, 24.0, 4.0, 2.60, 'on hand differs'),
    ('f7', 'transfers', 'run-2', timestamp '2026-01-02 05:00:00', 'error', 'S002', 'P005',
     '4006381333979', 'transfer', 'TR-12', 24.0, 12.0, -12.0, 2.16, 'transfer short')
) t(finding_id, audit, run_id, run_at, severity, store_id, product_id, gtin, document_type,
    document_id, expected, actual, difference, amount_cost, message);

create table audits.audit_warehouse_integrity as
select 'warehouse_integrity' as audit, 'duplicate_key' as rule, 'error' as severity,
       cast(null as varchar) as store_id, cast(null as varchar) as gtin,
       'relation' as document_type, 'fct_sales_lines' as document_id,
       'Warehouse: fct_sales_lines has 1 rows with a duplicate key.' as message
limit 0;

create table marts.rpt_quarantine_summary as
select * from (values
    ('legacy_store', 'sales', 'S003', 'bad date', 2, 0, 1, timestamp '2026-01-02 04:00:00')
) t(source_kind, source_object, source_id, reason, rows_quarantined, files_quarantined_whole,
    files_affected, last_quarantined_at);

create table marts.fct_quarantined_rows as
select * from (values
    (timestamp '2026-01-02 04:00:00', 'legacy_store', 'sales', 'S003', 'sales_20260101.csv', 7,
     'bad date', '31/02/2026;...'),
    (timestamp '2026-01-02 04:00:00', 'legacy_store', 'sales', 'S003', 'sales_20260101.csv', 9,
     'bad date', '32/01/2026;...')
) t(quarantined_at, source_kind, source_object, source_id, source_file, line_no, reason,
    raw_masked);

create table pii.dim_customer_pii as
select 'C1' as customer_id, 'Erika' as first_name, 'Mustermann' as last_name,
       'erika@example.com' as email, '+49 30 1234567' as phone;
"""


def write_tiny_warehouse(path: Path) -> Path:
    """A dbt-free warehouse with every mart the dashboards and publish need."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    con = duckdb.connect(str(path))
    try:
        con.execute(TINY_WAREHOUSE_SQL)
    finally:
        con.close()
    return path


def publish_tiny_serving(data_dir: Path) -> Snapshot:
    """Build the tiny warehouse under ``data_dir`` and publish it to ``data_dir/serving``."""
    warehouse = write_tiny_warehouse(data_dir / "warehouse" / "warehouse.duckdb")
    return publish(warehouse=warehouse, serving=data_dir / "serving", keep=3)


def _query_current(serving_dir: Path, sql: str) -> object:
    snapshot = current_snapshot(serving_dir)
    assert snapshot is not None, f"nothing published in {serving_dir}"
    con = duckdb.connect(str(snapshot.path), read_only=True)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


def expected_total_stock_value(serving_dir: Path) -> float:
    return float(_query_current(serving_dir, "select sum(stock_value_cost) from rpt_current_stock"))


def expected_low_stock_lines(serving_dir: Path) -> int:
    return int(
        _query_current(serving_dir, "select count(*) from rpt_current_stock where is_low_stock")
    )


def expected_latest_findings_count(serving_dir: Path) -> int:
    """Findings of each audit's latest run (what the Audits page calls the latest run)."""
    return int(
        _query_current(
            serving_dir,
            """
            with latest as (
                select audit, run_id from fct_audit_runs
                qualify row_number() over (partition by audit order by run_at desc) = 1
            )
            select count(*) from fct_audit_findings join latest using (audit, run_id)
            """,
        )
    )


def expected_products_by_stock(serving_dir: Path, store_id: str, column: str) -> list[str]:
    """A store's product names, most stock first by ``column`` (units or value at cost)."""
    assert column in ("on_hand_qty", "stock_value_cost")
    snapshot = current_snapshot(serving_dir)
    assert snapshot is not None, f"nothing published in {serving_dir}"
    con = duckdb.connect(str(snapshot.path), read_only=True)
    try:
        rows = con.execute(
            f"select product_name from rpt_current_stock where store_id = ?"
            f" order by {column} desc, product_id",
            [store_id],
        ).fetchall()
    finally:
        con.close()
    return [name for (name,) in rows]
