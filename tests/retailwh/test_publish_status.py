"""A blocked publish keeps why and since when in serving/publish_status.json; the next successful
publish deletes it. The command line says the same."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb
from publish_fixtures import make_warehouse

from retailwh.cli import main
from retailwh.publish import STATUS_FILE, blocked_status, list_versions, publish


def _add_integrity_finding(warehouse: Path, rule: str, document_id: str, message: str) -> None:
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "insert into audits.audit_warehouse_integrity"
            " values ($rule, 'error', null, null, $doc, $msg)",
            {"rule": rule, "doc": document_id, "msg": message},
        )


def test_the_command_reports_a_block_and_the_status_keeps_its_first_time(
    data_dir: Path, warehouse: Path, capsys
) -> None:
    good = publish()
    for n in range(5):
        _add_integrity_finding(warehouse, "duplicate_key", f"rel{n}", f"rel{n} has 1 duplicate.")
    _add_integrity_finding(warehouse, "ledger_out_of_balance", "current", "Rebuild the marts.")
    before = datetime.now(UTC)

    assert main(["publish"]) == 1

    status = blocked_status()
    assert status is not None
    assert before <= status.blocked_since == status.last_blocked_at <= datetime.now(UTC)
    # one reason per rule; three findings quoted, the rest counted
    assert status.problems == [
        "warehouse integrity audit, 5 blocking duplicate_key: rel0 has 1 duplicate. | "
        "rel1 has 1 duplicate. | rel2 has 1 duplicate. | and 2 more",
        "warehouse integrity audit, 1 blocking ledger_out_of_balance: Rebuild the marts.",
    ]
    out = capsys.readouterr().out.splitlines()
    assert out == [
        f"publish blocked since {status.blocked_since:%Y-%m-%d %H:%M} UTC; "
        "the last good snapshot stays current:",
        *(f"- {problem}" for problem in status.problems),
    ]
    assert list_versions() == [good.version]

    make_warehouse(warehouse)  # the faults fixed
    assert main(["publish"]) == 0
    assert blocked_status() is None
    assert not (data_dir / "serving" / STATUS_FILE).exists()
    assert len(list_versions()) == 2
