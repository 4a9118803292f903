import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from simulator.crm.server import make_server

TOKEN = "test-token"


@pytest.fixture(scope="module")
def crm(ci_sources: Path) -> Iterator[httpx.Client]:
    server = make_server(ci_sources / "crm" / "crm.sqlite", port=0, token=TOKEN)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    with httpx.Client(
        base_url=f"http://{host}:{port}", headers={"Authorization": f"Bearer {TOKEN}"}
    ) as client:
        yield client
    server.shutdown()
    server.server_close()


def _all_pages(client: httpx.Client, obj: str, limit: int) -> tuple[list[dict], int]:
    results, after, pages = [], None, 0
    while True:
        params = {"limit": limit} | ({"after": after} if after else {})
        answer = client.get(f"/crm/v3/objects/{obj}", params=params).raise_for_status().json()
        results += answer["results"]
        pages += 1
        if "paging" not in answer:
            return results, pages
        after = answer["paging"]["next"]["after"]


def _search(client: httpx.Client, obj: str, since: str, limit: int = 100) -> list[dict]:
    results, after = [], None
    while True:
        body = {
            "filterGroups": [
                {
                    "filters": [
                        {"propertyName": "lastmodifieddate", "operator": "GTE", "value": since}
                    ]
                }
            ],
            "sorts": [{"propertyName": "lastmodifieddate", "direction": "ASCENDING"}],
            "limit": limit,
        } | ({"after": after} if after else {})
        answer = client.post(f"/crm/v3/objects/{obj}/search", json=body).raise_for_status().json()
        assert answer["total"] >= len(answer["results"])
        results += answer["results"]
        if "paging" not in answer:
            return results
        after = answer["paging"]["next"]["after"]


def test_paging_returns_every_contact_once(crm: httpx.Client, ci_sources: Path) -> None:
    results, pages = _all_pages(crm, "contacts", limit=100)
    ids = [r["id"] for r in results]
    assert len(ids) == len(set(ids)) == 401  # 400 members + 1 absorbed by a merge
    assert pages == 5
    first = results[0]
    assert set(first) == {"id", "properties", "createdAt", "updatedAt", "archived"}
    props = first["properties"]
    assert props["marketing_consent"] in {"true", "false"}
    assert props["tier"] in {"bronze", "silver", "gold"}
    assert props["home_store_id"] in {"S001", "S002", "S003"}
    assert first["updatedAt"] == props["lastmodifieddate"] >= props["createdate"]


def test_limit_is_capped_at_100(crm: httpx.Client) -> None:
    answer = crm.get("/crm/v3/objects/contacts", params={"limit": 500}).json()
    assert len(answer["results"]) == 100 and answer["total"] == 401


def test_search_by_lastmodifieddate(crm: httpx.Client, ci_sources: Path) -> None:
    since = "2026-10-01T00:00:00.000Z"
    with sqlite3.connect(ci_sources / "crm" / "crm.sqlite") as con:
        expected = {
            str(i)
            for (i,) in con.execute("select id from contacts where lastmodifieddate >= ?", (since,))
        }
    results = _search(crm, "contacts", since, limit=37)
    got = [r["id"] for r in results]
    assert 0 < len(expected) < 401
    assert len(got) == len(set(got)) and set(got) == expected
    keys = [(r["properties"]["lastmodifieddate"], int(r["id"])) for r in results]
    assert keys == sorted(keys)
    assert all(r["updatedAt"] >= since for r in results)
    # the same instant as an offset timestamp and as epoch milliseconds
    assert len(_search(crm, "contacts", "2026-10-01T02:00:00+02:00")) == len(expected)
    assert len(_search(crm, "contacts", "1790812800000")) == len(expected)


def test_feedback_object(crm: httpx.Client) -> None:
    results, _ = _all_pages(crm, "feedback", limit=100)
    assert len(results) == 200
    scores = {int(r["properties"]["score"]) for r in results}
    assert scores <= set(range(11))


def test_requires_bearer_token(crm: httpx.Client) -> None:
    url = str(crm.base_url) + "/crm/v3/objects/contacts"
    assert httpx.get(url).status_code == 401
    assert httpx.get(url, headers={"Authorization": "Bearer wrong"}).status_code == 401


def test_unknown_object_and_bad_cursor(crm: httpx.Client) -> None:
    assert crm.get("/crm/v3/objects/deals").status_code == 404
    assert crm.post("/crm/v3/objects/deals/search", json={}).status_code == 404
    assert crm.get("/crm/v3/objects/contacts", params={"after": "!!"}).status_code == 400


def test_consent_withdrawals(crm: httpx.Client, ci_sources: Path) -> None:
    """Unsubscribes and requests withdraw consent; an incremental search since the withdrawal
    finds the member, and no campaign reached a member after the withdrawal."""
    import json

    lines = (ci_sources / "ground_truth" / "consent_withdrawals.jsonl").read_text().splitlines()
    withdrawals = [json.loads(x) for x in lines]
    assert {w["via"] for w in withdrawals} == {"campaign_unsubscribe", "customer_request"}
    with sqlite3.connect(ci_sources / "crm" / "crm.sqlite") as con:
        unsubscribed = {
            c
            for (c,) in con.execute(
                "select contact_id from campaign_responses where response = 'unsubscribed'"
            )
        }
        late = con.execute(
            "select count(*) from campaign_responses r join json_each(?) w "
            "on r.contact_id = json_extract(w.value, '$.contact_id') "
            "where r.responded_at > json_extract(w.value, '$.withdrawn_at')",
            (json.dumps(withdrawals),),
        ).fetchone()[0]
    assert unsubscribed <= {w["contact_id"] for w in withdrawals} and late == 0
    for w in withdrawals[:3] + withdrawals[-2:]:
        found = {r["id"]: r for r in _search(crm, "contacts", w["withdrawn_at"])}
        assert found[w["contact_id"]]["properties"]["marketing_consent"] == "false"
