"""The ``retailwh`` command: simulate the sources, serve the CRM, load, publish, run the demo."""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from pathlib import Path

from retailwh import settings


def _cmd_simulate(args: argparse.Namespace) -> int:
    from simulator.generate import simulate

    summary = simulate(args.preset, args.seed, Path(args.out))
    for name, value in summary.items():
        print(f"{name}: {value}")
    return 0


def _cmd_crm_serve(args: argparse.Namespace) -> int:
    from simulator.crm.server import serve

    crm_db = Path(args.sources) / "crm" / "crm.sqlite"
    token = os.environ.get("RETAILWH_CRM_TOKEN", "demo-token")
    print(f"CRM API on http://{args.host}:{args.port} (bearer token from RETAILWH_CRM_TOKEN)")
    serve(crm_db, host=args.host, port=args.port, token=token)
    return 0


def _cmd_ingest(args: argparse.Namespace) -> int:
    from ingest.config import load_sources_config
    from ingest.run import load_source_kind

    config = load_sources_config()
    failed = 0
    for kind in args.kind or ["head_office", "store", "legacy_store", "supplier", "crm"]:
        for result in load_source_kind(kind, config, settings.landing_dir()):
            status = f"ERROR {result.error}" if result.error else "ok"
            print(
                f"{result.source}/{result.object}/{result.source_id}: "
                f"{result.rows_loaded} rows, {result.rows_quarantined} quarantined, {status}"
            )
            failed += bool(result.error)
    return 1 if failed else 0


def _cmd_publish(args: argparse.Namespace) -> int:
    from retailwh.publish import PublishBlocked, blocked_status, publish

    try:
        snapshot = publish()
    except PublishBlocked as exc:
        status = blocked_status()
        since = f" since {status.blocked_since:%Y-%m-%d %H:%M} UTC" if status else ""
        print(f"publish blocked{since}; the last good snapshot stays current:")
        for problem in exc.problems:
            print(f"- {problem}")
        return 1
    print(f"published snapshot {snapshot.version}")
    return 0


def _cmd_snapshots(args: argparse.Namespace) -> int:
    from retailwh.publish import list_versions
    from retailwh.serving import current_snapshot

    current = current_snapshot()
    for version in list_versions():
        marker = "*" if current is not None and current.version == version else " "
        print(f"{marker} {version}")
    return 0


def _cmd_restore(args: argparse.Namespace) -> int:
    from retailwh.publish import restore

    snapshot = restore(args.version)
    print(f"dashboards now read snapshot {snapshot.version}")
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from retailwh.demo import run_demo

    return run_demo(preset=args.preset, seed=args.seed, serve=not args.no_serve)


def _cmd_audit_score(args: argparse.Namespace) -> int:
    import json

    from retailwh import audit_score
    from retailwh.serving import current_snapshot

    if args.serving:
        snapshot = current_snapshot()
        if snapshot is None:
            print("no published snapshot; run without --serving to read the warehouse")
            return 1
        database, schema, marts = snapshot.path, "main", "main"
    else:
        database, schema, marts = (
            Path(args.warehouse or settings.warehouse_path()),
            "audits",
            "marts",
        )
    faults = audit_score.load_faults(Path(args.faults or audit_score.faults_path()))
    result = audit_score.score(
        faults,
        audit_score.load_findings(database, schema),
        facts=audit_score.load_source_facts(database, marts),
    )
    if args.json:
        print(json.dumps(result.as_json(), indent=2))
    else:
        print(audit_score.format_table(result))
    return 0


def _cmd_store_report(args: argparse.Namespace) -> int:
    from retailwh.store_report import write_store_report

    written = write_store_report(
        args.store, Path(args.out), source=args.source, warehouse=args.warehouse
    )
    for path in written:
        print(path)
    return 0


def _cmd_management_report(args: argparse.Namespace) -> int:
    from retailwh.management_report import write_management_report

    _, written = write_management_report(
        args.week,
        Path(args.out) if args.out else None,
        source=args.source,
        warehouse=args.warehouse,
        trend_weeks=args.trend_weeks,
    )
    for path in written:
        print(path)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="retailwh", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("simulate", help="write a simulated chain's source systems")
    p.add_argument("--preset", default="ci")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--out", default=str(settings.data_dir() / "sources"))
    p.set_defaults(func=_cmd_simulate)

    p = sub.add_parser("crm-serve", help="serve the simulated CRM's HTTP API")
    p.add_argument("--sources", default=str(settings.data_dir() / "sources"))
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765)
    p.set_defaults(func=_cmd_crm_serve)

    p = sub.add_parser("ingest", help="land new data from the configured sources")
    p.add_argument("--kind", action="append", help="source kind (repeatable); default all")
    p.set_defaults(func=_cmd_ingest)

    p = sub.add_parser("publish", help="publish the audited marts as a new serving snapshot")
    p.set_defaults(func=_cmd_publish)

    p = sub.add_parser("snapshots", help="list kept serving snapshots (* = current)")
    p.set_defaults(func=_cmd_snapshots)

    p = sub.add_parser("restore", help="serve an earlier snapshot again")
    p.add_argument("version")
    p.set_defaults(func=_cmd_restore)

    p = sub.add_parser("demo", help="simulate, materialize everything, then serve the UIs")
    p.add_argument("--preset", default="demo")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--no-serve", action="store_true", help="stop after the first build")
    p.set_defaults(func=_cmd_demo)

    p = sub.add_parser(
        "audit-score",
        help="recall and precision of the latest audit findings against ground_truth/faults.jsonl",
    )
    p.add_argument("--json", action="store_true", help="print {kind: {faults, findings, ...}}")
    p.add_argument("--faults", help="faults.jsonl (default: ground_truth/ beside sources.yml)")
    p.add_argument("--warehouse", help="warehouse DuckDB file (default: the configured one)")
    p.add_argument("--serving", action="store_true", help="read the current serving snapshot")
    p.set_defaults(func=_cmd_audit_score)

    p = sub.add_parser("store-report", help="a store's open findings as CSV, Excel and HTML files")
    p.add_argument("--store", required=True, help="store id, e.g. S001")
    p.add_argument("--out", required=True, help="folder to write the files to")
    p.add_argument(
        "--source",
        choices=["auto", "serving", "warehouse"],
        default="auto",
        help="the published snapshot, the warehouse, or the snapshot when there is one (default)",
    )
    p.add_argument("--warehouse", help="warehouse DuckDB file (default: the configured one)")
    p.set_defaults(func=_cmd_store_report)

    p = sub.add_parser(
        "management-report",
        help="the weekly management report per store as HTML, CSV and Excel files",
    )
    p.add_argument("--week", help="ISO week, e.g. 2026-W44 (default: the latest complete week)")
    p.add_argument("--out", help="folder to write to (default: <data>/reports/weekly/<week>/)")
    p.add_argument("--trend-weeks", type=int, default=8, help="weeks in the trend (default 8)")
    p.add_argument(
        "--source",
        choices=["auto", "serving", "warehouse"],
        default="auto",
        help="the published snapshot, the warehouse, or the snapshot when there is one (default)",
    )
    p.add_argument("--warehouse", help="warehouse DuckDB file (default: the configured one)")
    p.set_defaults(func=_cmd_management_report)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
