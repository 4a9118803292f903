"""The one Definitions loads with the expected assets, job and schedule."""

from __future__ import annotations

import dagster as dg
import pytest

from dagster_project.lib.landing import LANDING_OBJECTS
from retailwh import settings

MARTS = (
    "dim_stores",
    "dim_products",
    "rpt_current_stock",
    "fct_stock_on_hand_intervals",
    "fct_sales_lines",
    "dim_customers",
    "fct_customer_rfm",
    "fct_supplier_scorecard",
)
AUDITS = ("fct_audit_findings", "fct_audit_runs")


@pytest.fixture(scope="module")
def defs() -> dg.Definitions:
    from dagster_project.definitions import defs

    return defs


@pytest.fixture(scope="module")
def asset_graph(defs: dg.Definitions):
    return defs.resolve_asset_graph()


def test_definitions_validate(defs: dg.Definitions) -> None:
    dg.Definitions.validate_loadable(defs)


def test_every_landing_object_is_an_ingest_asset(asset_graph) -> None:
    for source, objects in LANDING_OBJECTS.items():
        for name in objects:
            node = asset_graph.get(dg.AssetKey(["landing", source, name]))
            assert node.group_name == "ingest"
            assert not node.is_external


def test_marts_and_audits_are_dbt_assets_fed_by_landing(asset_graph) -> None:
    keys = asset_graph.get_all_asset_keys()
    for name in MARTS:
        assert dg.AssetKey(["marts", name]) in keys
    for name in AUDITS:
        assert dg.AssetKey(["audits", name]) in keys
    assert asset_graph.get(dg.AssetKey(["marts", "dim_stores"])).group_name == "marts_core"
    staging_receipts = asset_graph.get(dg.AssetKey(["staging", "stg_store__receipts"]))
    assert dg.AssetKey(["landing", "store", "receipts"]) in staging_receipts.parent_keys


def test_publish_waits_for_every_mart_and_audit(asset_graph) -> None:
    publish = asset_graph.get(dg.AssetKey(["serving", "snapshot"]))
    expected = {dg.AssetKey(["marts", n]) for n in MARTS} | {
        dg.AssetKey(["audits", n]) for n in AUDITS
    }
    assert expected <= set(publish.parent_keys)
    assert all(key.path[0] in ("marts", "audits") for key in publish.parent_keys)


def test_full_build_selects_everything(defs: dg.Definitions, asset_graph) -> None:
    job = defs.resolve_job_def("full_build")
    executed = job.asset_layer.executable_asset_keys
    assert executed == set(asset_graph.executable_asset_keys)
    assert dg.AssetKey(["landing", "store", "receipts"]) in executed
    assert dg.AssetKey(["serving", "snapshot"]) in executed


@pytest.mark.parametrize(
    ("name", "job"),
    [("daily_build", "full_build"), ("store_sync", "store_sync"), ("crm_sync", "crm_sync")],
)
def test_schedules_use_the_configured_cron(defs: dg.Definitions, name: str, job: str) -> None:
    schedule = defs.resolve_schedule_def(name)
    config = settings.warehouse_settings()
    assert schedule.cron_schedule == config["schedules"][name]
    assert schedule.execution_timezone == config["timezone"]
    assert schedule.job_name == job


def test_frequent_loads_select_only_their_landing_assets(defs: dg.Definitions) -> None:
    expected = {
        "store_sync": {("landing", "store", n) for n in LANDING_OBJECTS["store"]},
        "crm_sync": {("landing", "crm", n) for n in LANDING_OBJECTS["crm"]},
        "file_ingest": {
            ("landing", kind, n)
            for kind in ("legacy_store", "supplier")
            for n in LANDING_OBJECTS[kind]
        },
    }
    for job_name, keys in expected.items():
        job = defs.resolve_job_def(job_name)
        executed = {tuple(k.path) for k in job.asset_layer.executable_asset_keys}
        assert executed == keys


def test_sensors_are_registered_and_running(defs: dg.Definitions) -> None:
    for name in ("new_source_files", "record_run_failures", "record_run_successes"):
        sensor = defs.resolve_sensor_def(name)
        assert sensor.default_status == dg.DefaultSensorStatus.RUNNING


def test_the_quarantine_is_read_after_every_load(asset_graph) -> None:
    node = asset_graph.get(dg.AssetKey(["landing", "quarantine", "rows"]))
    assert not node.is_external
    expected = {
        dg.AssetKey(["landing", kind, name])
        for kind, objects in LANDING_OBJECTS.items()
        for name in objects
    }
    assert expected == set(node.parent_keys)
    staging = asset_graph.get(dg.AssetKey(["staging", "stg_quarantine__rows"]))
    assert node.key in staging.parent_keys
