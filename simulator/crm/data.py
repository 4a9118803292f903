"""CRM records of the simulated chain: loyalty contacts and their feedback, stored in SQLite.

Timestamps are ISO-8601 UTC strings with milliseconds and a ``Z`` (``2026-10-01T09:30:00.000Z``), so
they sort as text. Every property is served as a string, as the CRM this API imitates does.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
from stdnum import ean

from simulator.clock import Clock
from simulator.presets import Preset

CONTACT_PROPERTIES = [
    "firstname",
    "lastname",
    "email",
    "phone",
    "loyalty_card",
    "tier",
    "marketing_consent",
    "home_store_id",
    "hs_merged_object_ids",
    "createdate",
    "lastmodifieddate",
]
FEEDBACK_PROPERTIES = [
    "contact_id",
    "store_id",
    "topic",
    "score",
    "submitted_at",
    "lastmodifieddate",
]
CAMPAIGN_PROPERTIES = [
    "name",
    "channel",
    "start_date",
    "end_date",
    "segment",
    "createdate",
    "lastmodifieddate",
]
RESPONSE_PROPERTIES = ["campaign_id", "contact_id", "response", "responded_at", "lastmodifieddate"]
# object name -> (table, properties, column used for createdAt); every table also has ``archived``
OBJECTS: dict[str, tuple[str, list[str], str]] = {
    "contacts": ("contacts", CONTACT_PROPERTIES, "createdate"),
    "feedback": ("feedback", FEEDBACK_PROPERTIES, "submitted_at"),
    "campaigns": ("campaigns", CAMPAIGN_PROPERTIES, "createdate"),
    "campaign_responses": ("campaign_responses", RESPONSE_PROPERTIES, "responded_at"),
}

_FIRST = [
    "Anna",
    "Ben",
    "Clara",
    "David",
    "Emma",
    "Felix",
    "Greta",
    "Hannah",
    "Jonas",
    "Lea",
    "Lukas",
    "Mia",
    "Noah",
    "Paul",
    "Sophie",
    "Tim",
    "Lena",
    "Max",
    "Nina",
    "Ole",
    "Wei",
    "Li",
    "Mehmet",
    "Elif",
    "Olga",
    "Piotr",
]
_LAST = [
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Koch",
    "Richter",
    "Klein",
    "Wolf",
    "Neumann",
    "Zhang",
    "Wang",
    "Yilmaz",
    "Kowalski",
    "Braun",
]
_TOPICS = ["checkout", "freshness", "staff", "availability", "prices", "cleanliness"]


def iso_ms(ts: np.ndarray) -> np.ndarray:
    """``datetime64`` UTC -> ``2026-10-01T09:30:00.000Z`` strings."""
    return np.char.add(np.datetime_as_string(ts.astype("datetime64[ms]"), unit="ms"), "Z")


def _ascii(name: str) -> str:
    return name.replace("ü", "ue").replace("ö", "oe").replace("ä", "ae").lower()


def build_contacts(
    preset: Preset, stores: pd.DataFrame, clock: Clock, rng: np.random.Generator
) -> pd.DataFrame:
    """Contacts sorted by creation; ``create_day`` < 0 means created before the period."""
    n = preset.n_contacts
    first = rng.choice(_FIRST, size=n)
    last = rng.choice(_LAST, size=n)
    before = rng.random(n) < 0.75
    create_day = np.where(
        before, -rng.integers(1, 3 * 365, size=n), rng.integers(0, preset.n_days, size=n)
    )
    create_t = rng.integers(7 * 3600, 21 * 3600, size=n)
    order = np.lexsort((create_t, create_day))
    first, last, create_day, create_t = (
        first[order],
        last[order],
        create_day[order],
        create_t[order],
    )
    created = clock.local(create_day, create_t) - np.timedelta64(3600, "s")  # CET approximation
    end = clock.local(np.array([preset.n_days - 1]), np.array([22 * 3600]))[0] - np.timedelta64(
        3600, "s"
    )
    modified = created.copy()
    touched = rng.random(n) < 0.6
    span = (end - created).astype(np.int64)
    modified[touched] = created[touched] + (rng.random(touched.sum()) * span[touched]).astype(
        "timedelta64[s]"
    )
    ids = np.arange(1, n + 1) * 101 + 1000
    bodies = [f"29{x:010d}" for x in rng.choice(10**10, size=n, replace=False)]
    cards = [b + ean.calc_check_digit(b) for b in bodies]
    home_idx = rng.integers(0, len(stores), size=n)
    return pd.DataFrame(
        {
            "id": ids,
            "firstname": first,
            "lastname": last,
            "email": [
                f"{_ascii(f)}.{_ascii(s)}{i}@example.com"
                for f, s, i in zip(first, last, ids, strict=True)
            ],
            "phone": [f"+49 30 {x:07d}" for x in rng.integers(0, 10**7, size=n)],
            "loyalty_card": cards,
            "tier": rng.choice(["bronze", "silver", "gold"], size=n, p=[0.6, 0.3, 0.1]),
            "marketing_consent": np.where(rng.random(n) < 0.55, "true", "false"),
            "home_store_id": stores["store_id"].to_numpy()[home_idx],
            "home_store_idx": home_idx,
            "create_day": create_day,
            "createdate": iso_ms(created),
            "lastmodifieddate": iso_ms(modified),
        }
    )


def build_feedback(
    preset: Preset, contacts: pd.DataFrame, clock: Clock, rng: np.random.Generator
) -> pd.DataFrame:
    n = max(1, len(contacts) // 2)
    who = rng.integers(0, len(contacts), size=n)
    first_day = np.maximum(contacts["create_day"].to_numpy()[who], 0)
    day = first_day + (rng.random(n) * (preset.n_days - first_day)).astype(np.int64)
    t = rng.integers(8 * 3600, 22 * 3600, size=n)
    submitted = clock.utc(day, t)
    modified = submitted.copy()
    late = rng.random(n) < 0.1
    modified[late] = submitted[late] + rng.integers(3600, 72 * 3600, size=late.sum()).astype(
        "timedelta64[s]"
    )
    end = clock.utc(np.array([preset.n_days - 1]), np.array([23 * 3600 + 3599]))[0]
    modified = np.minimum(modified, end)
    home = contacts["home_store_id"].to_numpy()[who]
    stores = np.unique(contacts["home_store_id"].to_numpy())
    store = np.where(rng.random(n) < 0.8, home, rng.choice(stores, size=n))
    order = np.argsort(submitted, kind="stable")
    return pd.DataFrame(
        {
            "id": 500_000 + np.arange(1, n + 1),
            "contact_id": contacts["id"].to_numpy()[who][order].astype(str),
            "store_id": store[order],
            "topic": rng.choice(_TOPICS, size=n)[order],
            "score": rng.choice(11, size=n, p=_score_weights())[order].astype(str),
            "submitted_at": iso_ms(submitted[order]),
            "lastmodifieddate": iso_ms(modified[order]),
        }
    )


def _score_weights() -> np.ndarray:
    w = np.array([1, 1, 1, 2, 2, 4, 6, 10, 14, 12, 8], dtype=float)
    return w / w.sum()


def build_campaigns(
    preset: Preset, contacts: pd.DataFrame, clock: Clock, rng: np.random.Generator
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Campaigns spread over the period and the responses of contacts who agreed to be contacted."""
    n = preset.n_campaigns
    start = np.sort(rng.integers(0, max(1, preset.n_days - 14), size=n))
    end = np.minimum(start + rng.integers(7, 21, size=n), preset.n_days - 1)
    created = clock.utc(np.maximum(start - 3, 0), np.full(n, 9 * 3600))
    campaigns = pd.DataFrame(
        {
            "id": 900_000 + np.arange(1, n + 1),
            "name": [f"Campaign {i + 1:02d}" for i in range(n)],
            "channel": rng.choice(["email", "sms", "app"], size=n),
            "start_date": clock.dates(start).astype(str),
            "end_date": clock.dates(end).astype(str),
            "segment": rng.choice(["all", "gold", "lapsed", "new", "high_value"], size=n),
            "createdate": iso_ms(created),
            "lastmodifieddate": iso_ms(created),
        }
    )
    consent = np.flatnonzero(contacts["marketing_consent"].to_numpy() == "true")
    parts = []
    for i in range(n):
        who = rng.choice(consent, size=min(len(consent), max(1, len(consent) // 5)), replace=False)
        resp = rng.choice(
            ["opened", "clicked", "redeemed", "unsubscribed"],
            size=len(who),
            p=[0.6, 0.25, 0.12, 0.03],
        )
        day = rng.integers(start[i], end[i] + 1, size=len(who))
        at = clock.utc(day, rng.integers(7 * 3600, 22 * 3600, size=len(who)))
        parts.append(
            pd.DataFrame(
                {
                    "campaign_id": str(campaigns["id"].iat[i]),
                    "contact_id": contacts["id"].to_numpy()[who].astype(str),
                    "response": resp,
                    "responded_at": iso_ms(at),
                    "lastmodifieddate": iso_ms(at),
                }
            )
        )
    responses = pd.concat(parts, ignore_index=True)
    responses.insert(0, "id", 2_000_000 + np.arange(1, len(responses) + 1))
    return campaigns, responses


WITHDRAWAL_SHARE = 0.03  # of the consenting members who withdraw on request (besides unsubscribes)


def consent_withdrawals(
    preset: Preset,
    contacts: pd.DataFrame,
    responses: pd.DataFrame,
    clock: Clock,
    rng: np.random.Generator,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Members who withdrew their marketing consent during the period.

    Every ``unsubscribed`` campaign response withdraws it at that moment; a few more members
    withdraw on request. A withdrawal sets ``marketing_consent`` to ``'false'`` and moves
    ``lastmodifieddate`` to the withdrawal (if that is later); responses the member would have
    given to campaigns after withdrawing are gone (they were not contacted). Returns the contacts,
    the responses and the withdrawals (``contact_id, withdrawn_at, via, campaign_id``).
    """
    contacts = contacts.copy()
    active = ~contacts.get("archived", pd.Series(False, index=contacts.index)).astype(bool)
    consenting = contacts.index[active & (contacts["marketing_consent"] == "true")]
    unsub = responses[responses["response"] == "unsubscribed"].sort_values("responded_at")
    unsub = unsub.drop_duplicates("contact_id")
    rows = [
        (c, at, "campaign_unsubscribe", camp)
        for c, at, camp in zip(
            unsub["contact_id"], unsub["responded_at"], unsub["campaign_id"], strict=True
        )
    ]
    ids = contacts["id"].astype(str)
    unsubscribed = set(unsub["contact_id"])
    rest = np.array([i for i in consenting if ids[i] not in unsubscribed], dtype=int)
    n = min(len(rest), max(1, round(WITHDRAWAL_SHARE * len(consenting))))
    for i in sorted(rng.choice(rest, size=n, replace=False)) if n else []:
        first = max(int(contacts.at[i, "create_day"]) + 1, 0)
        day = int(rng.integers(min(first, preset.n_days - 1), preset.n_days))
        at = iso_ms(clock.utc(np.array([day]), np.array([int(rng.integers(8 * 3600, 22 * 3600))])))
        rows.append((ids[i], str(at[0]), "customer_request", None))
    withdrawals = pd.DataFrame(rows, columns=["contact_id", "withdrawn_at", "via", "campaign_id"])
    when = dict(zip(withdrawals["contact_id"], withdrawals["withdrawn_at"], strict=True))
    hit = ids.isin(when)
    contacts.loc[hit, "marketing_consent"] = "false"
    at = ids[hit].map(when)
    contacts.loc[hit, "lastmodifieddate"] = np.maximum(contacts.loc[hit, "lastmodifieddate"], at)
    after = responses["contact_id"].map(when)
    keep = after.isna() | (responses["responded_at"] <= after)
    return contacts, responses[keep].reset_index(drop=True), withdrawals


def write_crm(
    chain, contacts: pd.DataFrame, path: Path, truth_dir: Path | None = None
) -> dict[str, int]:
    """The CRM database: contacts (as recorded: merges archived, consent withdrawals), feedback,
    campaigns, responses; the withdrawals go to ``truth_dir/consent_withdrawals.jsonl``."""
    campaigns, responses = build_campaigns(
        chain.preset, contacts, chain.clock, np.random.default_rng([chain.seed, 5])
    )
    contacts, responses, withdrawals = consent_withdrawals(
        chain.preset, contacts, responses, chain.clock, np.random.default_rng([chain.seed, 6])
    )
    if truth_dir is not None:
        truth_dir.mkdir(parents=True, exist_ok=True)
        withdrawals.to_json(truth_dir / "consent_withdrawals.jsonl", orient="records", lines=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    if "archived" not in contacts:
        contacts = contacts.assign(archived=False, hs_merged_object_ids="")
    frames = {
        "contacts": contacts,
        "feedback": chain.feedback,
        "campaigns": campaigns,
        "campaign_responses": responses,
    }
    con = sqlite3.connect(path)
    try:
        for name, frame in frames.items():
            _, props, _ = OBJECTS[name]
            cols = ", ".join(f"{p} TEXT" for p in props)
            con.execute(
                f"CREATE TABLE {name} (id INTEGER PRIMARY KEY, {cols}, archived INTEGER NOT NULL)"
            )
            con.execute(f"CREATE INDEX ix_{name}_modified ON {name} (lastmodifieddate, id)")
            archived = (
                frame["archived"].astype(bool).to_numpy()
                if "archived" in frame
                else np.zeros(len(frame), dtype=bool)
            )
            rows = frame[["id", *props]].astype({"id": int}).itertuples(index=False, name=None)
            marks = ", ".join("?" * (len(props) + 2))
            con.executemany(
                f"INSERT INTO {name} VALUES ({marks})",
                [
                    (int(r[0]), *map(str, r[1:]), int(a))
                    for r, a in zip(rows, archived, strict=True)
                ],
            )
        con.commit()
    finally:
        con.close()
    counts = {f"crm.{name}": len(frame) for name, frame in frames.items()}
    counts["crm.consent_withdrawals"] = len(withdrawals)
    return counts
