"""Downloads: CSV that a spreadsheet cannot execute, the consent-filtered contact list of a segment,
and a log of who exported what.

Formula neutralizing (OWASP "CSV injection"): a text cell starting with = + - @, a tab or a carriage
return gets a leading apostrophe, so a spreadsheet shows it as text instead of evaluating it.
Numbers are written as numbers (a negative quantity is data, not a formula).
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from dataclasses import asdict
from datetime import UTC, datetime

import duckdb
import pandas as pd

from dashboards.data.filters import Filters
from retailwh import settings
from retailwh.serving import Snapshot

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
EXPORT_LOG = "exports.sqlite"
CONTACT_COLUMNS = ["customer_id", "first_name", "last_name", "email", "phone", "tier"]

_LOG_SCHEMA = """
create table if not exists exports (
    export_id integer primary key autoincrement,
    exported_at text not null,
    who text not null,
    export text not null,
    segment text,
    filters text not null,
    snapshot_version text not null,
    rows integer not null
)
"""


def neutralize(value: object) -> object:
    """The cell as a spreadsheet must show it: text starting like a formula is prefixed with '."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def to_csv(frame: pd.DataFrame) -> bytes:
    """CSV (UTF-8 with BOM, which Excel needs for umlauts) with every text cell neutralized."""
    safe = frame.copy()
    safe.columns = [neutralize(str(c)) for c in safe.columns]
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(neutralize)
    return safe.to_csv(index=False).encode("utf-8-sig")


def marketing_contacts(snap: Snapshot, segment: str, flt: Filters) -> pd.DataFrame:
    """Customers of an RFM segment (in the filter's home stores) who may be contacted now.

    Contactable = the CRM's current marketing consent (dim_customers.has_marketing_consent), not
    archived, not merged into another contact, and never unsubscribed through a campaign: an
    unsubscribe withdraws consent in the CRM, and a contact list must not wait for the next CRM
    sync to honour it. Contact data comes from the snapshot's separate personal-data file; without
    one the list holds customer ids only.
    """
    con = duckdb.connect(str(snap.path), read_only=True)
    try:
        has_pii = snap.pii_path is not None and snap.pii_path.exists()
        if has_pii:
            # the path comes from current.json (written by publish), never from a user
            literal = "'" + str(snap.pii_path).replace("'", "''") + "'"
            con.execute(f"attach {literal} as pii (read_only)")
        contact = (
            "p.first_name, p.last_name, p.email, p.phone"
            if has_pii
            else "null::varchar as first_name, null::varchar as last_name,"
            " null::varchar as email, null::varchar as phone"
        )
        join = "left join pii.main.dim_customer_pii as p on p.customer_id = c.customer_id"
        return con.execute(
            f"""
            select c.customer_id, {contact}, c.tier
            from dim_customers as c
            {join if has_pii else ""}
            where c.rfm_segment = $segment
              and c.has_marketing_consent
              and not coalesce(c.has_unsubscribed, false)
              and not coalesce(c.is_archived, false)
              and c.merged_into_customer_id is null
              and c.home_store_id in (
                  select store_id from dim_stores
                  where ($region is null or region = $region)
                    and ($store_id is null or store_id = $store_id)
              )
              and ($category is null or c.top_category = $category)
            order by c.customer_id
            """,
            {"segment": segment, **flt.params("region", "store_id", "category")},
        ).df()[CONTACT_COLUMNS]
    finally:
        con.close()


def log_export(
    who: str,
    export: str,
    rows: int,
    flt: Filters | None,
    snapshot_version: str,
    segment: str | None = None,
) -> None:
    """Append who exported what, when, from which snapshot and how many rows (ops/exports.sqlite).

    A SQLite file beside the pipeline log, not the warehouse: dbt is the warehouse's only writer
    and the serving snapshots never change.
    """
    path = settings.ops_dir() / EXPORT_LOG
    path.parent.mkdir(parents=True, exist_ok=True)
    scope = {} if flt is None else {k: str(v) for k, v in asdict(flt).items() if v is not None}
    with closing(sqlite3.connect(path, timeout=30)) as con, con:
        con.execute(_LOG_SCHEMA)
        con.execute(
            "insert into exports (exported_at, who, export, segment, filters, snapshot_version,"
            " rows) values (?, ?, ?, ?, ?, ?, ?)",
            (
                datetime.now(UTC).isoformat(),
                who,
                export,
                segment,
                json.dumps(scope, sort_keys=True),
                snapshot_version,
                int(rows),
            ),
        )


def logged_csv(
    frame: pd.DataFrame,
    who: str,
    export: str,
    flt: Filters | None,
    snapshot_version: str,
    segment: str | None = None,
) -> bytes:
    """The CSV of ``frame``, logged as exported. Pages hand it to ``st.download_button`` as the
    deferred ``data`` callable, which Streamlit runs only when the button is clicked."""
    log_export(who, export, len(frame), flt, snapshot_version, segment=segment)
    return to_csv(frame)


def export_log(limit: int = 50) -> pd.DataFrame:
    """The latest exports, newest first (empty before the first export)."""
    path = settings.ops_dir() / EXPORT_LOG
    if not path.exists():
        return pd.DataFrame(columns=["exported_at", "who", "export", "segment", "filters", "rows"])
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as con:
        return pd.read_sql_query(
            "select exported_at, who, export, segment, filters, rows from exports"
            " order by export_id desc limit ?",
            con,
            params=(int(limit),),
        )
