"""What really happened, for tests and benchmarks only: true on-hand and the injected faults."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from simulator.chain import Chain
from simulator.faults import FAULT_FIELDS
from simulator.formats import fmt_qty


def write_ground_truth(chain: Chain, faults: list[dict], folder: Path) -> dict[str, int]:
    folder.mkdir(parents=True, exist_ok=True)
    S, P = chain.true_on_hand.shape
    on_hand = pd.DataFrame(
        {
            "store_id": np.repeat(chain.store_ids, P),
            "gtin": np.tile(chain.gtins, S),
            "product_id": np.tile(chain.catalog.products["product_id"].to_numpy(), S),
            "on_hand_qty": fmt_qty(chain.true_on_hand.ravel()),
        }
    )
    on_hand.to_csv(folder / "on_hand.csv", index=False, lineterminator="\n")
    with (folder / "faults.jsonl").open("w", encoding="utf-8") as fh:
        for fault in faults:
            fh.write(json.dumps({k: fault[k] for k in FAULT_FIELDS}, ensure_ascii=False) + "\n")
    return {"ground_truth.on_hand": len(on_hand), "ground_truth.faults": len(faults)}


def read_faults(folder: Path) -> list[dict]:
    path = folder / "faults.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
