"""Run by test_kill_resume_files.py as a subprocess, to be killed (-9) between batches:

    kill_file_target.py legacy <landing> <store folder> <files per batch>
    kill_file_target.py crm <landing> <CRM base URL> <page size>

Loads one legacy store's export folder (a few files per batch) or the CRM's contacts (one page
per batch). Every write to a batch sleeps, so a batch is half-written when the kill lands; the
product code is unchanged (the batch size is a parameter of ``load_files``)."""

from __future__ import annotations

import functools
import sys
import time
from pathlib import Path

from ingest.config import LegacyStore
from ingest.landing import Batch, Landing
from ingest.sources import legacy_files
from ingest.sources.crm import CrmClient, load_crm_object

kind, landing_dir, where, size = sys.argv[1:5]
original = Batch.write


def slow_write(self, data):
    n = original(self, data)
    time.sleep(0.3)
    return n


Batch.write = slow_write
landing = Landing(Path(landing_dir))
if kind == "legacy":
    legacy_files.load_files = functools.partial(legacy_files.load_files, batch_files=int(size))
    store = LegacyStore(store_id="S003", kind="legacy", path=Path(where), encoding="gbk")
    print(legacy_files.load_legacy_store(store, landing))
else:
    with CrmClient(where, "demo-token", sleep=lambda s: None) as client:
        print(load_crm_object(client, landing, "contacts", page_size=int(size), pages_per_batch=1))
