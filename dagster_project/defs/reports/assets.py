"""Reports written as files after every publish and on their weekly schedules: each store's open
findings, and the weekly management report. Both read the serving snapshot, so a report only ever
shows data that passed the blocking audits."""

import dagster as dg

from dagster_project.defs.publish.assets import serving_snapshot
from retailwh.management_report import write_management_report
from retailwh.store_report import write_all_store_reports


@dg.asset(
    key=["reports", "store_reports"],
    group_name="reports",
    deps=[serving_snapshot],
    kinds={"csv", "excel", "html"},
    description="Each store's open audit findings as CSV, Excel and printable HTML "
    "(data/reports/stores/<date>/).",
)
def store_reports(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    written = write_all_store_reports(source="serving")
    files = [path for paths in written.values() for path in paths]
    folder = files[0].parent if files else None
    context.log.info(f"wrote {len(files)} files for {len(written)} stores to {folder}")
    return dg.MaterializeResult(
        metadata={
            "stores": len(written),
            "files": len(files),
            "folder": dg.MetadataValue.path(str(folder) if folder else ""),
        }
    )


@dg.asset(
    key=["reports", "weekly_management_report"],
    group_name="reports",
    deps=[serving_snapshot],
    kinds={"csv", "excel", "html"},
    description="The latest complete week's management report per store as HTML, CSV and Excel "
    "(data/reports/weekly/<iso-week>/), from the mart rpt_weekly_management_store.",
)
def weekly_management_report(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    report, files = write_management_report(source="serving")
    context.log.info(f"wrote the report of {report.iso_week} to {files[0].parent}")
    return dg.MaterializeResult(
        metadata={
            "iso_week": report.iso_week,
            "stores": len(report.week),
            "amount_net": dg.MetadataValue.float(float(report.week["amount_net"].sum())),
            "html": dg.MetadataValue.path(str(files[0])),
        }
    )


report_assets = [store_reports, weekly_management_report]
