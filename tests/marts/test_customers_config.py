"""Customer settings: config/warehouse.yml and the dbt vars carry the same documented defaults."""

from __future__ import annotations

import yaml

from retailwh import settings


def _dbt_vars() -> dict:
    project = yaml.safe_load((settings.DBT_PROJECT_DIR / "dbt_project.yml").read_text("utf-8"))
    return project["vars"]


def test_rfm_as_of_date_default_is_the_same_in_both_places():
    config = yaml.safe_load((settings.PROJECT_ROOT / "config" / "warehouse.yml").read_text("utf-8"))
    assert config["customers"]["rfm_as_of_date"] == _dbt_vars()["rfm_as_of_date"]
