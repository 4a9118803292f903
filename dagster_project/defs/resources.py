"""Resources: the dbt CLI, run with the venv's dbt against dbt_project/ (target ``dev``)."""

from __future__ import annotations

from dagster_dbt import DbtCliResource

from dagster_project.defs.dbt.project import dbt_project
from dagster_project.lib.dbt_cli import dbt_executable


def build_resources() -> dict[str, object]:
    return {
        "dbt": DbtCliResource(
            project_dir=dbt_project,
            dbt_executable=str(dbt_executable()),
            target=dbt_project.target,
        ),
    }
