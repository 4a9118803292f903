"""One definition of every audit tolerance: config/warehouse.yml `audits:` -> dbt vars."""

from __future__ import annotations

import json
import re

import yaml

from dagster_project.lib.dbt_cli import dbt_build_args, dbt_vars
from retailwh import settings


def _project_vars() -> dict:
    project = yaml.safe_load((settings.DBT_PROJECT_DIR / "dbt_project.yml").read_text())
    return project["vars"]


def test_every_audit_setting_is_a_dbt_var_with_the_same_default() -> None:
    config = yaml.safe_load((settings.PROJECT_ROOT / "config" / "warehouse.yml").read_text())
    variables = dbt_vars(config)
    assert len(variables) >= 15
    declared = _project_vars()
    assert {name: declared.get(name) for name in variables} == variables


def test_audit_vars_are_named_section_key_and_mappings_stay_whole() -> None:
    settings_ = {
        "audits": {
            "transfers": {"transit_days": 3, "tolerance_qty": None},
            "freshness": {"max_silent_days": {"store": 2}},
            "recurring_min_weeks": 4,
        },
        "serving": {"keep_snapshots": 5},
    }
    assert dbt_vars(settings_) == {
        "transfers_transit_days": 3,
        "freshness_max_silent_days": {"store": 2},
        "audits_recurring_min_weeks": 4,
    }
    args = dbt_build_args(settings_)
    assert args[:2] == ["build", "--vars"]
    assert json.loads(args[2])["transfers_transit_days"] == 3


def test_every_audit_model_reads_only_declared_vars() -> None:
    declared = set(_project_vars())
    models = (settings.DBT_PROJECT_DIR / "models" / "audits").glob("*.sql")
    used = {
        name
        for path in models
        for name in re.findall(r"var\(\s*['\"](\w+)['\"]", path.read_text(encoding="utf-8"))
    }
    assert used and used <= declared
