"""Supplier settings: config/warehouse.yml and the dbt vars carry the same documented defaults."""

from __future__ import annotations

import pytest
import yaml

from retailwh import settings


def test_supplier_defaults_are_the_same_in_both_places():
    project = yaml.safe_load((settings.DBT_PROJECT_DIR / "dbt_project.yml").read_text("utf-8"))
    config = yaml.safe_load((settings.PROJECT_ROOT / "config" / "warehouse.yml").read_text("utf-8"))
    dbt_vars, suppliers = project["vars"], config["suppliers"]
    assert suppliers["on_time_days_early"] == dbt_vars["supplier_on_time_days_early"]
    assert suppliers["on_time_days_late"] == dbt_vars["supplier_on_time_days_late"]
    assert suppliers["in_full_tolerance"] == dbt_vars["supplier_in_full_tolerance"]
    assert suppliers["scorecard_weights"] == dbt_vars["supplier_scorecard_weights"]
    assert sum(suppliers["scorecard_weights"].values()) == pytest.approx(1.0)
