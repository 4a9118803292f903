"""Write-audit-publish: a new snapshot per publish, switched atomically, pruned, refused if bad."""

from __future__ import annotations

import json
import os
from pathlib import Path

import duckdb
import pytest
from publish_fixtures import NON_EMPTY_TABLES, REQUIRED_TABLES, make_warehouse

from retailwh import publish as publish_module
from retailwh.publish import PublishBlocked, PublishError, list_versions, publish, restore
from retailwh.serving import current_snapshot


def _tables(path: Path) -> dict[str, str]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        rows = con.execute(
            "select table_schema || '.' || table_name, table_type from information_schema.tables"
        ).fetchall()
    finally:
        con.close()
    return dict(rows)


def _scalar(path: Path, sql: str):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


def test_publish_copies_marts_and_audits_without_personal_data(
    data_dir: Path, warehouse: Path
) -> None:
    snapshot = publish()

    assert snapshot.path == data_dir / "serving" / "snapshots" / snapshot.version / (
        "warehouse.duckdb"
    )
    tables = _tables(snapshot.path)
    expected = {f"main.{name}" for name in (*REQUIRED_TABLES, "v_store_stock")}
    assert set(tables) == expected
    assert set(tables.values()) == {"BASE TABLE"}
    assert _scalar(snapshot.path, "select receipts from v_store_stock") == 5
    assert _scalar(snapshot.path, "select count(*) from dim_stores") == 3
    assert not any("pii" in name or "stg_" in name for name in tables)
    assert (
        _scalar(
            snapshot.path,
            "select count(*) from duckdb_columns() where column_name in ('email', 'phone')",
        )
        == 0
    )

    assert snapshot.pii_path is not None
    assert set(_tables(snapshot.pii_path)) == {"main.dim_customer_pii"}


def test_publish_switches_current_json(data_dir: Path, warehouse: Path) -> None:
    first = publish()
    second = publish()

    current = json.loads((data_dir / "serving" / "current.json").read_text())
    assert current["version"] == second.version != first.version
    assert Path(current["path"]) == second.path
    assert Path(current["pii_path"]) == second.pii_path
    assert set(current) == {"version", "published_at", "path", "pii_path"}
    assert current_snapshot() == second
    assert not list((data_dir / "serving").glob(".current.json*"))


def test_old_snapshots_are_pruned_to_keep(data_dir: Path, warehouse: Path) -> None:
    versions = [publish(keep=2).version for _ in range(4)]

    assert list_versions() == sorted(versions[-2:], reverse=True)
    assert not (data_dir / "serving" / "snapshots" / versions[0]).exists()
    assert current_snapshot().version == versions[-1]


def test_keep_defaults_to_the_warehouse_settings(
    data_dir: Path, warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings_file = tmp_path / "warehouse.yml"
    settings_file.write_text("serving:\n  keep_snapshots: 1\n")
    monkeypatch.setenv("RETAILWH_SETTINGS", str(settings_file))

    publish()
    last = publish()

    assert list_versions() == [last.version]


def test_the_current_snapshot_is_never_pruned(data_dir: Path, warehouse: Path) -> None:
    old = publish(keep=5)
    publish(keep=5)
    publish(keep=5)
    restore(old.version)

    publish_module.prune(keep=1)

    assert current_snapshot().version == old.version
    assert old.path.exists()


@pytest.mark.parametrize(
    ("empty", "missing", "problem"),
    [
        (("rpt_current_stock",), (), "table rpt_current_stock is empty"),
        ((), ("dim_stores",), "missing table dim_stores"),
        ((), ("fct_audit_findings",), "missing table fct_audit_findings"),
    ],
)
def test_a_blocked_publish_leaves_current_untouched(
    data_dir: Path, warehouse: Path, empty, missing, problem
) -> None:
    good = publish()
    current_json = (data_dir / "serving" / "current.json").read_bytes()
    make_warehouse(warehouse, empty=empty, missing=missing)

    with pytest.raises(PublishBlocked) as blocked:
        publish()

    assert problem in blocked.value.problems
    assert (data_dir / "serving" / "current.json").read_bytes() == current_json
    assert list_versions() == [good.version]
    assert not [p for p in (data_dir / "serving" / "snapshots").iterdir() if p.name != good.version]


def test_empty_audit_findings_do_not_block(data_dir: Path) -> None:
    warehouse = make_warehouse(
        data_dir / "warehouse" / "warehouse.duckdb", empty=("fct_audit_findings",)
    )
    assert "fct_audit_findings" not in NON_EMPTY_TABLES

    snapshot = publish(warehouse=warehouse)

    assert _scalar(snapshot.path, "select count(*) from fct_audit_findings") == 0


def test_the_first_publish_is_refused_when_blocked(data_dir: Path) -> None:
    make_warehouse(data_dir / "warehouse" / "warehouse.duckdb", empty=("dim_products",))

    with pytest.raises(PublishBlocked):
        publish()

    assert current_snapshot() is None
    assert list_versions() == []


def test_no_warehouse_is_an_error(data_dir: Path) -> None:
    with pytest.raises(PublishError, match="no warehouse"):
        publish()
    assert current_snapshot() is None


def test_a_half_written_snapshot_is_cleaned_up(data_dir: Path, warehouse: Path) -> None:
    leftover = data_dir / "serving" / "snapshots" / ".staging-20200101T000000000000Z-abcdef"
    leftover.mkdir(parents=True)
    (leftover / "warehouse.duckdb").write_bytes(b"half")

    publish()

    assert not leftover.exists()


def test_snapshot_files_are_read_only(data_dir: Path, warehouse: Path) -> None:
    snapshot = publish()
    assert not os.stat(snapshot.path).st_mode & 0o222


def test_restore_switches_back(data_dir: Path, warehouse: Path) -> None:
    first = publish()
    publish()

    restored = restore(first.version)

    assert restored == first
    assert current_snapshot() == first
    with pytest.raises(PublishError):
        restore("no-such-version")


def test_versions_sort_by_time() -> None:
    from datetime import UTC, datetime

    early = publish_module.new_version(datetime(2026, 1, 1, 5, 0, tzinfo=UTC))
    late = publish_module.new_version(datetime(2026, 1, 1, 5, 0, 0, 1, tzinfo=UTC))
    assert early < late
    assert early.startswith("20260101T050000000000Z-")


def test_cli_lists_and_restores_snapshots(data_dir: Path, warehouse: Path, capsys) -> None:
    from retailwh.cli import main

    first = publish()
    second = publish()
    assert current_snapshot().version == second.version

    assert main(["snapshots"]) == 0
    listed = capsys.readouterr().out.split("\n")
    assert f"* {second.version}" in listed and f"  {first.version}" in listed

    assert main(["restore", first.version]) == 0
    assert current_snapshot().version == first.version
