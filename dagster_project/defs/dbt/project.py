"""The dbt project Dagster builds: dbt_project/ with its own profiles.yml, target ``dev``."""

from __future__ import annotations

from dagster_dbt import DbtProject

from dagster_project.lib.dbt_cli import dbt_environ
from retailwh import settings

DBT_TARGET = "dev"

dbt_project = DbtProject(
    project_dir=settings.DBT_PROJECT_DIR,
    profiles_dir=settings.DBT_PROJECT_DIR,
    target=DBT_TARGET,
)

with dbt_environ():
    # `dagster dev` re-parses on every load. Elsewhere (tests, `dagster asset materialize`, the
    # daemon) the manifest comes from `make manifest`, but a fresh checkout has none, so parse once
    # rather than fail to load.
    dbt_project.prepare_if_dev()
    if not dbt_project.manifest_path.exists():
        dbt_project.preparer.prepare(dbt_project)
