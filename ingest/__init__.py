"""Extract/load: read the chain's source systems and land them as immutable Parquet batches.

Plain Python (no Dagster, no simulator): ``ingest.run`` is the entry point, ``ingest.landing`` the
landing store and its manifest, ``ingest.sources.*`` one module per kind of source system.
"""
