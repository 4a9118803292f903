"""The one concurrency pool: every step that opens the warehouse DuckDB file holds it.

DuckDB lets one process write a file at a time (a second one fails on the file lock), so the dbt
steps, the forecast and the publish share the pool ``warehouse``, limited to 1 by the instance
config (config/dagster.yaml, ``concurrency.pools.default_limit``). Landing loads take no slot:
store and CRM syncs never wait for the nightly build.
"""

WAREHOUSE_POOL = "warehouse"
