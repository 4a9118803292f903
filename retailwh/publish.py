"""Write-audit-publish: copy the built warehouse into a new serving snapshot and switch to it.

1. **Write** every relation of the ``marts`` and ``audits`` schemas into a new DuckDB file
   ``serving/snapshots/<version>/warehouse.duckdb`` (schema ``main``, same names), and the ``pii``
   schema into ``pii.duckdb`` beside it: the main serving file holds no personal data.
2. **Audit** the new file with the blocking checks: every required table is there, the core marts
   hold rows, and the warehouse integrity audit (``audit_warehouse_integrity``, every finding of it
   severity error) found nothing. If one fails, the new snapshot is deleted, the reason and the time
   publishing was first blocked are kept in ``serving/publish_status.json`` (the dashboards show
   them), and :class:`PublishBlocked` is raised; ``current.json`` is not touched.
3. **Publish** by replacing ``serving/current.json`` atomically (temp file + ``os.replace``), delete
   ``publish_status.json``, then prune old snapshots down to the last ``keep`` (the current one is
   never deleted).

A snapshot never changes after it is published, so dashboards read it while dbt writes the
warehouse (DuckDB would refuse a read-only open of a file another process is writing).
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from retailwh import settings
from retailwh.serving import (
    CURRENT_FILE,
    PII_FILE,
    WAREHOUSE_FILE,
    Snapshot,
    current_snapshot,
    snapshots_dir,
)

SERVED_SCHEMAS = ("marts", "audits")
PII_SCHEMAS = ("pii",)
SNAPSHOT_MANIFEST = "snapshot.json"
STAGING_PREFIX = ".staging-"
# Written while publishing is blocked, deleted by the next successful publish.
STATUS_FILE = "publish_status.json"
# The audit whose findings are all blocking (severity error): can the warehouse be trusted at all.
INTEGRITY_AUDIT_TABLE = "audit_warehouse_integrity"
# How many findings of one rule the reason quotes; the rest are counted.
QUOTED_FINDINGS_PER_RULE = 3

# What the dashboards need. Audits may legitimately find nothing, so audit tables only have to
# exist; the core stock and sales marts must also hold rows (an empty one means a broken build).
REQUIRED_TABLES = (
    "dim_stores",
    "dim_products",
    "rpt_current_stock",
    "fct_stock_on_hand_intervals",
    "fct_sales_lines",
    "dim_customers",
    "fct_customer_rfm",
    "fct_supplier_scorecard",
    "fct_audit_findings",
    "fct_audit_runs",
    INTEGRITY_AUDIT_TABLE,
)
NON_EMPTY_TABLES = (
    "dim_stores",
    "dim_products",
    "rpt_current_stock",
    "fct_stock_on_hand_intervals",
    "fct_sales_lines",
)


class PublishError(RuntimeError):
    """The warehouse could not be published."""


class PublishBlocked(PublishError):
    """A blocking check failed; the last good snapshot stays current."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("publish blocked: " + "; ".join(problems))


@dataclass(frozen=True)
class BlockedStatus:
    """Publishing is blocked: why (the latest attempt's problems) and since when (the first)."""

    blocked_since: datetime
    last_blocked_at: datetime
    attempts: int
    problems: list[str]
    serving_version: str | None  # the last good snapshot the dashboards still read

    def to_json(self) -> dict[str, object]:
        return {
            "blocked_since": self.blocked_since.isoformat(),
            "last_blocked_at": self.last_blocked_at.isoformat(),
            "attempts": self.attempts,
            "problems": self.problems,
            "serving_version": self.serving_version,
        }

    @classmethod
    def from_json(cls, data: dict) -> BlockedStatus:
        return cls(
            blocked_since=datetime.fromisoformat(data["blocked_since"]),
            last_blocked_at=datetime.fromisoformat(data["last_blocked_at"]),
            attempts=int(data["attempts"]),
            problems=[str(p) for p in data["problems"]],
            serving_version=data.get("serving_version"),
        )


@dataclass(frozen=True)
class TableCopy:
    source: str  # schema.name in the warehouse
    target: str  # name in the snapshot's main schema
    rows: int


def keep_snapshots() -> int:
    """``serving.keep_snapshots`` from config/warehouse.yml (default 5)."""
    return int(settings.warehouse_settings().get("serving", {}).get("keep_snapshots", 5))


def new_version(now: datetime | None = None) -> str:
    """``<UTC yyyymmddThhmmssffffff>Z-<6 hex>``: sorts by time, unique across processes."""
    now = now or datetime.now(UTC)
    return f"{now.astimezone(UTC):%Y%m%dT%H%M%S%f}Z-{secrets.token_hex(3)}"


def publish(
    warehouse: Path | None = None,
    serving: Path | None = None,
    keep: int | None = None,
) -> Snapshot:
    """Publish the warehouse as a new snapshot and make it current; return that snapshot."""
    warehouse = Path(warehouse or settings.warehouse_path())
    serving = Path(serving or settings.serving_dir())
    keep = keep_snapshots() if keep is None else keep
    if keep < 1:
        raise ValueError(f"keep must be at least 1, got {keep}")
    if not warehouse.exists():
        raise PublishError(f"no warehouse at {warehouse}: build it with dbt first")

    root = snapshots_dir(serving)
    root.mkdir(parents=True, exist_ok=True)
    with _exclusive(serving / ".publish.lock"):
        _remove_leftover_staging(root)
        published_at = datetime.now(UTC)
        version = new_version(published_at)
        staging = root / f"{STAGING_PREFIX}{version}"
        staging.mkdir()
        try:
            copies = _copy_schemas(warehouse, staging / WAREHOUSE_FILE, SERVED_SCHEMAS)
            pii_copies = _copy_schemas(warehouse, staging / PII_FILE, PII_SCHEMAS)
            problems = blocking_problems(staging / WAREHOUSE_FILE)
            if problems:
                raise PublishBlocked(problems)
            final = root / version
            snapshot = Snapshot(
                version=version,
                published_at=published_at,
                path=final / WAREHOUSE_FILE,
                pii_path=final / PII_FILE if pii_copies else None,
            )
            if not pii_copies:
                (staging / PII_FILE).unlink(missing_ok=True)
            _write_manifest(staging, snapshot, warehouse, copies, pii_copies)
            _make_read_only(staging)
            os.replace(staging, final)
        except PublishBlocked as exc:
            shutil.rmtree(staging, ignore_errors=True)
            _record_blocked(serving, exc.problems, published_at)
            raise
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        _switch_current(serving, snapshot)
        (serving / STATUS_FILE).unlink(missing_ok=True)
        prune(serving, keep)
    return snapshot


def blocked_status(serving: Path | None = None) -> BlockedStatus | None:
    """Why and since when publishing is blocked, or None when the last publish succeeded."""
    serving = Path(serving or settings.serving_dir())
    try:
        data = json.loads((serving / STATUS_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    return BlockedStatus.from_json(data)


def _record_blocked(serving: Path, problems: list[str], attempted_at: datetime) -> BlockedStatus:
    """Keep the first blocked time across attempts; the reasons are the latest attempt's."""
    previous = blocked_status(serving)
    current = current_snapshot(serving)
    status = BlockedStatus(
        blocked_since=previous.blocked_since if previous else attempted_at,
        last_blocked_at=attempted_at,
        attempts=(previous.attempts if previous else 0) + 1,
        problems=problems,
        serving_version=current.version if current else None,
    )
    _write_json_atomically(serving / STATUS_FILE, status.to_json())
    return status


def blocking_problems(snapshot_file: Path) -> list[str]:
    """Reasons the snapshot must not be published (empty list: it may be)."""
    con = duckdb.connect(str(snapshot_file), read_only=True)
    try:
        present = {
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables where table_schema = 'main'"
            ).fetchall()
        }
        problems = [f"missing table {name}" for name in REQUIRED_TABLES if name not in present]
        for name in NON_EMPTY_TABLES:
            if name in present:
                (count,) = con.execute(f"select count(*) from main.{_quote(name)}").fetchone()
                if count == 0:
                    problems.append(f"table {name} is empty")
        if INTEGRITY_AUDIT_TABLE in present:
            problems.extend(_integrity_problems(con))
        return problems
    finally:
        con.close()


def _integrity_problems(con: duckdb.DuckDBPyConnection) -> list[str]:
    """One reason per rule of the integrity audit that found something, quoting its findings."""
    rows = con.execute(
        f"""
        select
            rule,
            count(*) as findings,
            list(message order by document_id, store_id, gtin)[1:{QUOTED_FINDINGS_PER_RULE}]
        from main.{_quote(INTEGRITY_AUDIT_TABLE)}
        where severity = 'error'
        group by rule
        order by rule
        """
    ).fetchall()
    problems = []
    for rule, findings, messages in rows:
        more = findings - len(messages)
        quoted = " | ".join(messages) + (f" | and {more} more" if more > 0 else "")
        problems.append(f"warehouse integrity audit, {findings} blocking {rule}: {quoted}")
    return problems


def restore(version: str, serving: Path | None = None) -> Snapshot:
    """Make an earlier, still kept snapshot current again."""
    serving = Path(serving or settings.serving_dir())
    folder = snapshots_dir(serving) / version
    manifest = folder / SNAPSHOT_MANIFEST
    if not manifest.exists():
        raise PublishError(f"no snapshot {version} in {snapshots_dir(serving)}")
    data = json.loads(manifest.read_text(encoding="utf-8"))
    snapshot = Snapshot.from_json(data["snapshot"], serving)
    with _exclusive(serving / ".publish.lock"):
        _switch_current(serving, snapshot)
    return snapshot


def list_versions(serving: Path | None = None) -> list[str]:
    """Published snapshot versions, newest first."""
    root = snapshots_dir(serving)
    if not root.exists():
        return []
    names = [p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")]
    return sorted(names, reverse=True)


def prune(serving: Path | None = None, keep: int | None = None) -> list[str]:
    """Delete all but the newest ``keep`` snapshots, never the current one; return the deleted."""
    serving = Path(serving or settings.serving_dir())
    keep = keep_snapshots() if keep is None else keep
    current = current_snapshot(serving)
    current_version = current.version if current else None
    deleted = []
    for version in list_versions(serving)[keep:]:
        if version == current_version:
            continue
        _remove_tree(snapshots_dir(serving) / version)
        deleted.append(version)
    return deleted


def _copy_schemas(warehouse: Path, target: Path, schemas: tuple[str, ...]) -> list[TableCopy]:
    """CREATE TABLE AS every table and view of ``schemas`` into ``target``'s main schema."""
    con = duckdb.connect(":memory:")
    try:
        # Attach under the file's own name: dbt-duckdb writes views with catalog-qualified names.
        source_db = _quote(warehouse.stem)
        con.execute(f"attach {_literal(str(warehouse))} as {source_db} (read_only)")
        con.execute(f"attach {_literal(str(target))} as snapshot")
        placeholders = ", ".join("?" for _ in schemas)
        relations = con.execute(
            "select table_schema, table_name from information_schema.tables"
            f" where table_catalog = ? and table_schema in ({placeholders})"
            " order by table_schema, table_name",
            [warehouse.stem, *schemas],
        ).fetchall()
        copies: list[TableCopy] = []
        seen: dict[str, str] = {}
        for schema, name in relations:
            if name in seen:
                raise PublishError(f"{schema}.{name} and {seen[name]}.{name} share a name")
            seen[name] = schema
            con.execute(
                f"create table snapshot.main.{_quote(name)} as "
                f"select * from {source_db}.{_quote(schema)}.{_quote(name)}"
            )
            (rows,) = con.execute(f"select count(*) from snapshot.main.{_quote(name)}").fetchone()
            copies.append(TableCopy(source=f"{schema}.{name}", target=name, rows=rows))
        return copies
    except duckdb.IOException as exc:
        raise PublishError(f"cannot read the warehouse {warehouse}: {exc}") from exc
    finally:
        con.close()


def _write_manifest(
    folder: Path,
    snapshot: Snapshot,
    warehouse: Path,
    copies: list[TableCopy],
    pii_copies: list[TableCopy],
) -> None:
    manifest = {
        "snapshot": snapshot.to_json(),
        "warehouse": str(warehouse),
        "tables": {c.target: {"source": c.source, "rows": c.rows} for c in copies},
        "pii_tables": {c.target: {"source": c.source, "rows": c.rows} for c in pii_copies},
    }
    (folder / SNAPSHOT_MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")


def _switch_current(serving: Path, snapshot: Snapshot) -> None:
    _write_json_atomically(serving / CURRENT_FILE, snapshot.to_json())


def _write_json_atomically(path: Path, data: object) -> None:
    """Readers see the old file or the new one, never half of one."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _make_read_only(folder: Path) -> None:
    for path in folder.iterdir():
        path.chmod(0o444)


def _remove_tree(folder: Path) -> None:
    # Files are read-only but the folder is not, so removal works; readers that still hold the
    # file open keep reading it (POSIX unlink semantics).
    shutil.rmtree(folder)


def _remove_leftover_staging(root: Path) -> None:
    """A publish killed half-way leaves a staging folder; it was never current, so drop it."""
    for path in root.glob(f"{STAGING_PREFIX}*"):
        shutil.rmtree(path, ignore_errors=True)


@contextmanager
def _exclusive(lock_file: Path) -> Iterator[None]:
    """One publish at a time per serving folder."""
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_file, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
