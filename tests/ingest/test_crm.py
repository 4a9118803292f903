from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from ingest_fixtures import landed, parquet_files

from ingest.config import Crm
from ingest.sources.crm import CrmClient, crm_token, load_crm, load_crm_object, parse_retry_after

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def iso(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}Z"


def contact(i: int, modified: datetime, tier: str = "bronze") -> dict:
    created = iso(T0 - timedelta(days=30))
    return {
        "id": str(1000 + i),
        "properties": {
            "firstname": "Anna",
            "lastname": f"Müller{i}",
            "email": f"anna{i}@example.com",
            "phone": "+49 30 1234567",
            "loyalty_card": f"29{i:011d}",
            "tier": tier,
            "marketing_consent": "true" if i % 2 else "false",
            "home_store_id": "S001",
            "createdate": created,
            "lastmodifieddate": iso(modified),
        },
        "createdAt": created,
        "updatedAt": iso(modified),
        "archived": False,
    }


class FakeCrm:
    """The CRM search endpoint over an in-memory list, plus scripted failures."""

    def __init__(self, records: list[dict], token: str = "demo-token") -> None:
        self.records = {"contacts": records, "feedback": []}
        self.token = token
        self.failures: list[Callable[[], httpx.Response]] = []
        self.requests: list[dict] = []

    def upsert(self, object_name: str, record: dict) -> None:
        rows = [r for r in self.records[object_name] if r["id"] != record["id"]]
        self.records[object_name] = [*rows, record]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return httpx.Response(401, json={"message": "bad token"})
        if self.failures:
            return self.failures.pop(0)()
        body = json.loads(request.content)
        self.requests.append(body)
        object_name = request.url.path.split("/")[4]
        (flt,) = body["filterGroups"][0]["filters"]
        since = datetime.fromisoformat(flt["value"])
        rows = sorted(
            (
                r
                for r in self.records[object_name]
                if datetime.fromisoformat(r["properties"]["lastmodifieddate"]) >= since
            ),
            key=lambda r: (r["properties"]["lastmodifieddate"], int(r["id"])),
        )
        start = int(body.get("after") or 0)
        page = rows[start : start + body["limit"]]
        answer: dict = {"total": len(rows), "results": page}
        if start + body["limit"] < len(rows):
            answer["paging"] = {"next": {"after": str(start + body["limit"])}}
        return httpx.Response(200, json=answer)


def make_client(fake: FakeCrm, sleeps: list[float] | None = None, **kwargs) -> CrmClient:
    return CrmClient(
        "http://crm.test",
        fake.token,
        transport=httpx.MockTransport(fake),
        sleep=(sleeps if sleeps is not None else []).append,
        now=lambda: T0,
        **kwargs,
    )


def landed_ids(landing) -> list[tuple[str, str]]:
    return sorted(
        (r["id"], r["lastmodifieddate"]) for r in landed(landing, "crm", "contacts", "crm")
    )


def test_loads_every_record_once_with_properties_flattened(landing):
    fake = FakeCrm([contact(i, T0 + timedelta(minutes=i)) for i in range(7)])
    with make_client(fake) as client:
        result = load_crm_object(client, landing, "contacts", page_size=3, pages_per_batch=2)

    assert (result.rows_loaded, result.error) == (7, None)
    rows = landed(landing, "crm", "contacts", "crm")
    assert len({r["id"] for r in rows}) == 7
    first = next(r for r in rows if r["id"] == "1000")
    assert first["lastname"] == "Müller0"
    assert first["archived"] is False
    assert first["updatedAt"] == "2026-03-02T08:00:00.000Z"
    assert first["_source"] == "crm"
    assert list(rows[0])[:4] == ["id", "createdAt", "updatedAt", "archived"]
    assert len(landing.batch_paths("data")) == 2  # 3 pages, committed 2 + 1

    files = parquet_files(landing.root)
    with make_client(fake) as client:
        again = load_crm_object(client, landing, "contacts", page_size=3)
    assert (again.rows_loaded, again.batch_id) == (0, None)
    assert parquet_files(landing.root) == files


def test_updated_record_lands_again_once(landing):
    fake = FakeCrm([contact(i, T0) for i in range(3)])
    with make_client(fake) as client:
        load_crm_object(client, landing, "contacts")
        fake.upsert("contacts", contact(1, T0 + timedelta(hours=1), tier="gold"))
        assert load_crm_object(client, landing, "contacts").rows_loaded == 1
        assert load_crm_object(client, landing, "contacts").rows_loaded == 0
    tiers = sorted((r["id"], r["tier"]) for r in landed(landing, "crm", "contacts", "crm"))
    assert tiers == [("1000", "bronze"), ("1001", "bronze"), ("1001", "gold"), ("1002", "bronze")]


def test_retries_429_and_5xx_with_the_injected_clock(landing):
    fake = FakeCrm([contact(i, T0 + timedelta(seconds=i)) for i in range(5)])
    http_date = "Mon, 02 Mar 2026 08:00:30 GMT"  # 30 s after the injected now
    fake.failures = [
        lambda: httpx.Response(429, headers={"Retry-After": "7"}),
        lambda: httpx.Response(500),
        lambda: httpx.Response(503),
        lambda: httpx.Response(429, headers={"Retry-After": http_date}),
    ]
    sleeps: list[float] = []
    with make_client(fake, sleeps) as client:
        result = load_crm_object(client, landing, "contacts", page_size=2)

    assert result.error is None
    assert sleeps == [7.0, 1.0, 2.0, 30.0]
    assert landed_ids(landing) == sorted(
        (r["id"], r["properties"]["lastmodifieddate"]) for r in fake.records["contacts"]
    )


def test_retries_timeouts_then_gives_up_with_an_error(landing):
    fake = FakeCrm([contact(1, T0)])
    calls = {"n": 0}

    def timeout(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        if calls["n"] == 1:
            raise httpx.ReadTimeout("slow", request=request)
        return fake(request)

    sleeps: list[float] = []
    client = CrmClient(
        "http://crm.test", "demo-token", transport=httpx.MockTransport(timeout), sleep=sleeps.append
    )
    assert load_crm_object(client, landing, "contacts").rows_loaded == 1
    assert sleeps == [0.5]

    fake.failures = [lambda: httpx.Response(502)] * 10
    sleeps.clear()
    limited = make_client(fake, sleeps, max_attempts=4)
    failed = load_crm_object(limited, landing, "contacts")
    assert "HTTP 502" in failed.error
    assert sleeps == [0.5, 1.0, 2.0]


def test_unauthorized_is_not_retried(landing):
    fake = FakeCrm([contact(1, T0)], token="secret")
    sleeps: list[float] = []
    client = CrmClient(
        "http://crm.test", "wrong", transport=httpx.MockTransport(fake), sleep=sleeps.append
    )
    result = load_crm_object(client, landing, "contacts")
    assert "401" in result.error
    assert sleeps == []


def test_crash_resumes_from_the_last_committed_page_without_duplicates(landing):
    fake = FakeCrm([contact(i, T0 + timedelta(seconds=i // 2)) for i in range(10)])
    fake_search = fake.__call__
    served = {"n": 0}

    def crashing(request: httpx.Request) -> httpx.Response:
        served["n"] += 1
        if served["n"] == 3:
            return httpx.Response(400, json={"message": "killed"})
        return fake_search(request)

    crashing_client = CrmClient(
        "http://crm.test", "demo-token", transport=httpx.MockTransport(crashing)
    )
    first = load_crm_object(crashing_client, landing, "contacts", page_size=3, pages_per_batch=1)
    # pages [0, 1, 2] and (restarted at record 2's time) [2, 3, 4] committed, then the crash
    assert first.error and first.rows_loaded == 5

    with make_client(fake) as client:
        second = load_crm_object(client, landing, "contacts", page_size=3, pages_per_batch=1)
    assert second.error is None and second.rows_loaded == 5
    ids = landed_ids(landing)
    assert len(ids) == len(set(ids)) == 10


def test_hundreds_of_records_sharing_one_lastmodifieddate(landing):
    fake = FakeCrm([contact(i, T0) for i in range(250)])
    with make_client(fake) as client:
        assert load_crm_object(client, landing, "contacts", page_size=100).rows_loaded == 250
        for i in range(250, 260):
            fake.upsert("contacts", contact(i, T0))
        assert load_crm_object(client, landing, "contacts", page_size=100).rows_loaded == 10
    ids = landed_ids(landing)
    assert len(ids) == len(set(ids)) == 260


def test_keyset_restart_when_a_page_moves_past_the_start(landing):
    fake = FakeCrm([contact(i, T0 + timedelta(seconds=i)) for i in range(6)])
    with make_client(fake) as client:
        load_crm_object(client, landing, "contacts", page_size=2)
    # every page after the first restarts at the last time seen instead of following `after`
    # (the record at that time comes again and is dropped)
    assert [r.get("after") for r in fake.requests] == [None] * 5
    assert [r["filterGroups"][0]["filters"][0]["value"] for r in fake.requests] == [
        "1970-01-01T00:00:00.000Z",
        *(iso(T0 + timedelta(seconds=s)) for s in range(1, 5)),
    ]
    assert len(landed_ids(landing)) == 6


def test_load_crm_token_from_env_or_demo_default(landing, monkeypatch):
    config = Crm(base_url="http://crm.test", objects=("contacts", "feedback"))
    assert crm_token(config) == "demo-token"
    monkeypatch.setenv("RETAILWH_CRM_TOKEN", "s3cret")
    assert crm_token(config) == "s3cret"
    fake = FakeCrm([contact(1, T0)], token="s3cret")
    fake.records["feedback"] = [
        {
            "id": "7",
            "properties": {
                "contact_id": "1001",
                "store_id": "S001",
                "topic": "staff",
                "score": 9,
                "submitted_at": iso(T0),
                "lastmodifieddate": iso(T0),
            },
            "createdAt": iso(T0),
            "updatedAt": iso(T0),
            "archived": False,
        }
    ]
    client = CrmClient(
        config.base_url,
        crm_token(config),
        transport=httpx.MockTransport(fake),
        sleep=lambda s: None,
    )
    results = load_crm(config, landing, client=client)
    assert [(r.object, r.rows_loaded, r.error) for r in results] == [
        ("contacts", 1, None),
        ("feedback", 1, None),
    ]
    (feedback,) = landed(landing, "crm", "feedback", "crm")
    assert feedback["score"] == "9"


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("12", 12.0), ("Mon, 02 Mar 2026 08:01:00 GMT", 60.0), ("garbage", None), (None, None)],
)
def test_parse_retry_after(header, seconds):
    assert parse_retry_after(header, T0) == seconds


def test_timestamps_in_other_iso_forms_order_by_time_not_text(landing):
    # the same instants written with an offset or without milliseconds; compared as times
    records = [contact(i, T0 + timedelta(minutes=i)) for i in range(4)]
    records[1]["properties"]["lastmodifieddate"] = "2026-03-02T10:01:00+02:00"  # 08:01 UTC
    records[3]["properties"]["lastmodifieddate"] = "2026-03-02T08:03:00.000500+00:00"
    fake = FakeCrm(records)
    fake_search = fake.__call__

    def by_time(request: httpx.Request) -> httpx.Response:  # the fake sorts by text; fix that
        response = fake_search(request)
        body = json.loads(response.content)
        if "results" in body:
            body["results"].sort(key=lambda r: parse_ts(r["properties"]["lastmodifieddate"]))
        return httpx.Response(response.status_code, json=body)

    client = CrmClient("http://crm.test", "demo-token", transport=httpx.MockTransport(by_time))
    with client:
        assert load_crm_object(client, landing, "contacts", page_size=10).rows_loaded == 4
        cursor = landing.get_cursor("crm", "contacts", "crm")
        assert cursor == {"lastmodifieddate": "2026-03-02T08:03:00.000500+00:00", "ids": ["1003"]}
        assert load_crm_object(client, landing, "contacts", page_size=10).rows_loaded == 0


def parse_ts(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
