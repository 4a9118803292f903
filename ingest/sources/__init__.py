"""One module per kind of source system; each lands into ``ingest.landing``."""
