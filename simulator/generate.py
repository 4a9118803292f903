"""Write the whole simulated chain's sources (and its ground truth) under one folder."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

from simulator.chain import Chain
from simulator.crm.data import write_crm
from simulator.faults import recorded_chain
from simulator.file_faults import apply_file_faults
from simulator.ground_truth import write_ground_truth
from simulator.head_office import write_head_office
from simulator.legacy import write_legacy_store
from simulator.stores.frames import store_frames
from simulator.stores.writer import write_store
from simulator.suppliers import supplier_formats, write_supplier_files

CRM_BASE_URL = "http://127.0.0.1:8765"
CRM_TOKEN_ENV = "RETAILWH_CRM_TOKEN"
_OWNED = [
    "head_office.sqlite",
    "stores",
    "legacy",
    "suppliers",
    "crm",
    "ground_truth",
    "sources.yml",
]


def sources_yml(chain: Chain) -> str:
    """The chain's ``sources.yml`` (paths relative to the file through ``{here}``)."""
    lines = [
        f"chain: {chain.preset.name}",
        "timezone: Europe/Berlin",
        "head_office:",
        '  url: "sqlite:///{here}/head_office.sqlite"',
        "stores:",
    ]
    for store_id, kind in zip(chain.store_ids, chain.catalog.stores["kind"], strict=True):
        if kind == "modern":
            lines.append(
                f"  - {{store_id: {store_id}, kind: modern, "
                f'url: "sqlite:///{{here}}/stores/{store_id}.sqlite"}}'
            )
        else:
            lines.append(
                f'  - {{store_id: {store_id}, kind: legacy, path: "{{here}}/legacy/{store_id}", '
                f"encoding: gbk}}"
            )
    lines.append("suppliers:")
    for supplier_id, fmt in supplier_formats(chain).items():
        lines.append(
            f'  - {{supplier_id: {supplier_id}, path: "{{here}}/suppliers/{supplier_id}", '
            f"format: {fmt}}}"
        )
    lines += [
        "crm:",
        f'  base_url: "{CRM_BASE_URL}"',
        f"  token_env: {CRM_TOKEN_ENV}      # the token itself never sits in the file",
    ]
    return "\n".join(lines) + "\n"


def simulate(preset: str, seed: int, out: Path) -> dict[str, Any]:
    """Simulate ``preset`` with ``seed`` and write every source system under ``out``.

    Replaces what an earlier run wrote there. Returns row counts per table and faults per kind.
    """
    started = time.perf_counter()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for name in _OWNED:
        path = out / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    chain, rec = recorded_chain(preset, seed)
    tables: dict[str, int] = {}
    for table, n in write_head_office(chain, f"sqlite:///{out / 'head_office.sqlite'}").items():
        tables[f"head_office.{table}"] = n
    (out / "stores").mkdir()
    for store_id, kind in zip(chain.store_ids, chain.catalog.stores["kind"], strict=True):
        if kind == "modern":
            url = f"sqlite:///{out / 'stores' / f'{store_id}.sqlite'}"
            for table, n in write_store(url, store_frames(chain, rec, store_id)).items():
                tables[f"stores.{table}"] = tables.get(f"stores.{table}", 0) + n
        else:
            counts = write_legacy_store(chain, rec, store_id, out / "legacy" / store_id)
            for key, n in counts.items():
                tables[key] = tables.get(key, 0) + n
    tables.update(write_supplier_files(chain, out / "suppliers", rec))
    tables.update(write_crm(chain, rec.contacts, out / "crm" / "crm.sqlite", out / "ground_truth"))
    faults = rec.faults + apply_file_faults(chain, out)
    tables.update(write_ground_truth(chain, faults, out / "ground_truth"))
    (out / "sources.yml").write_text(sources_yml(chain), encoding="utf-8")
    by_kind: dict[str, int] = {}
    for fault in faults:
        by_kind[fault["kind"]] = by_kind.get(fault["kind"], 0) + 1
    return {
        "preset": preset,
        "seed": seed,
        "period": [str(chain.preset.start_date), str(chain.preset.end_date)],
        "stores": {
            "modern": int((chain.catalog.stores["kind"] == "modern").sum()),
            "legacy": int((chain.catalog.stores["kind"] == "legacy").sum()),
        },
        "tables": tables,
        "faults": by_kind,
        "seconds": round(time.perf_counter() - started, 2),
    }
