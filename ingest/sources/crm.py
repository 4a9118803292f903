"""CRM (HTTP JSON, bearer token): search by last-modified time, cursor paging, retries.

The client POSTs ``/crm/v3/objects/{object}/search`` filtered ``lastmodifieddate GTE <cursor>``,
sorted ascending. It retries 429 (waiting what ``Retry-After`` asks, seconds or HTTP date), 5xx,
timeouts and connection errors with exponential backoff; ``sleep`` and ``now`` are injectable so
tests never wait. The token comes from the environment variable the config names
(``RETAILWH_CRM_TOKEN``); when that is unset the simulated CRM's ``demo-token`` is used, so the demo
runs without setup (a real CRM rejects it with 401, which fails the load loudly).

Loading: every ``pages_per_batch`` pages commit as one batch together with the cursor (the greatest
``lastmodifieddate`` landed and the ids landed at exactly that time). A killed run resumes from the
last committed cursor; records whose (id, lastmodifieddate) already landed are dropped, so nothing
lands twice however many records share one timestamp. When a page ends at a later time than the
query started from, the next query restarts from that time (keyset) instead of following the
``after`` offset: offsets shift when records change during paging and would skip some. ``after`` is
only followed while a whole page shares the query's start time.

Speed: request and answer bodies go through orjson; timestamps in the CRM's own form
(``2026-10-01T09:30:00.000Z``) are compared as text (any other ISO form is parsed once), and a
page's properties become Arrow columns in one conversion. The client checks what the load needs
(an id and a ``lastmodifieddate`` per record) and leaves the rest to the landing's readers.
"""

from __future__ import annotations

import email.utils
import json
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson
import pyarrow as pa
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from ingest.config import Crm
from ingest.contracts import CRM_PROPERTIES, CRM_RECORD_COLUMNS
from ingest.landing import Batch, Landing
from ingest.result import LoadResult

log = logging.getLogger(__name__)

SOURCE = "crm"
SOURCE_ID = "crm"
DEFAULT_TOKEN = "demo-token"
EPOCH = "1970-01-01T00:00:00.000Z"
CURSOR_PROPERTY = "lastmodifieddate"
MAX_RETRY_AFTER_SECONDS = 300.0
PACING_MARGIN = 0.95


class CrmObjectNotFound(Exception):
    """The CRM answered 404 for an object type (not retried)."""


class RetryableStatus(Exception):
    """A response worth retrying (429 or 5xx)."""

    def __init__(self, response: httpx.Response, retry_after: float | None) -> None:
        super().__init__(f"HTTP {response.status_code} from {response.request.url}")
        self.status_code = response.status_code
        self.retry_after = retry_after


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - now).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_SECONDS)


def _retryable(exc: BaseException) -> bool:
    return isinstance(exc, RetryableStatus | httpx.TransportError)


class CrmClient:
    """A small client for the CRM's search endpoint."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
        max_attempts: int = 6,
        backoff_base: float = 0.5,
        backoff_max: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        monotonic: Callable[[], float] = time.monotonic,
        rate_limit_per_s: float | None = None,
    ) -> None:
        # one connection per thread, kept alive between requests (httpx pools them)
        self._http = httpx.Client(
            base_url=base_url,
            headers={
                "Authorization": f"Bearer {token}",
                "Accept": "application/json",
                "Content-Type": "application/json",
            },
            timeout=timeout,
            transport=transport,
        )
        self.max_attempts = max_attempts
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self._sleep = sleep
        self._now = now
        self._monotonic = monotonic
        self.rate_limit_per_s = rate_limit_per_s
        self._next_slot = 0.0
        self._pace_lock = threading.Lock()

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> CrmClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, RetryableStatus) and exc.retry_after is not None:
            return exc.retry_after
        return min(self.backoff_base * 2 ** (state.attempt_number - 1), self.backoff_max)

    def _pace(self) -> None:
        """Stay under the CRM's rate limit (``rate_limit_per_s``) instead of running into 429s."""
        if not self.rate_limit_per_s:
            return
        with self._pace_lock:  # objects load on parallel threads through one client
            wait = self._reserve_slot()
        if wait > 0:
            self._sleep(wait)

    def _reserve_slot(self) -> float:
        """Book the next request slot; seconds to wait for it."""
        # 5% under the limit: the server counts requests as it receives them, so pacing exactly
        # at the limit lets network jitter push one request into the previous second (429)
        interval = 1.0 / (self.rate_limit_per_s * PACING_MARGIN)
        now = self._monotonic()
        start = max(now, self._next_slot)
        self._next_slot = start + interval
        return start - now

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        self._pace()
        response = self._http.post(path, content=orjson.dumps(body))
        if response.status_code == 404:
            raise CrmObjectNotFound(f"the CRM does not offer {path} (HTTP 404)")
        if response.status_code == 429 or response.status_code >= 500:
            retry_after = parse_retry_after(response.headers.get("Retry-After"), self._now())
            raise RetryableStatus(response, retry_after)
        response.raise_for_status()
        return orjson.loads(response.content)

    def search(
        self, object_name: str, since: str, after: str | None = None, limit: int = 100
    ) -> dict[str, Any]:
        """One page of records modified at or after ``since``, oldest first."""
        body: dict[str, Any] = {
            "filterGroups": [
                {"filters": [{"propertyName": CURSOR_PROPERTY, "operator": "GTE", "value": since}]}
            ],
            "sorts": [{"propertyName": CURSOR_PROPERTY, "direction": "ASCENDING"}],
            "limit": limit,
        }
        if after is not None:
            body["after"] = after
        retrying = Retrying(
            retry=retry_if_exception(_retryable),
            wait=self._wait,
            stop=stop_after_attempt(self.max_attempts),
            sleep=self._sleep,
            before_sleep=lambda s: log.warning(
                "CRM %s search: %s; retry %d", object_name, s.outcome.exception(), s.attempt_number
            ),
            reraise=True,
        )
        return retrying(self._post, f"/crm/v3/objects/{object_name}/search", body)


def _parse_ts(value: str) -> datetime:
    return datetime.fromisoformat(value.strip()).astimezone(UTC)


# the CRM's own timestamp form: fixed width UTC, so it sorts as text
_CRM_TS = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")


def _ts_key(value: str) -> str:
    """A text key that sorts as the time does: ``yyyy-mm-ddThh:mm:ss.ffffff`` in UTC. The CRM's
    own form maps by slicing; any other ISO-8601 form is parsed (ValueError if it is none)."""
    if _CRM_TS.fullmatch(value):
        return value[:23] + "000"
    utc = _parse_ts(value).replace(tzinfo=None)
    return utc.isoformat(timespec="microseconds")


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


@dataclass
class CrmCursor:
    """The greatest lastmodifieddate landed (as the CRM wrote it) and the ids landed at it."""

    since: str | None = None
    ids: set[str] = field(default_factory=set)

    @property
    def key(self) -> str | None:
        """``since`` as a ``_ts_key``."""
        return None if self.since is None else _ts_key(self.since)

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> CrmCursor:
        if not data:
            return cls()
        return cls(since=data["lastmodifieddate"], ids=set(data.get("ids", [])))

    def to_json(self) -> dict[str, Any]:
        return {"lastmodifieddate": self.since, "ids": sorted(self.ids)}

    def landed(self, record_id: str, modified: datetime) -> bool:
        """Already landed: older than the cursor, or at it with a known id."""
        if self.since is None:
            return False
        at = _parse_ts(self.since)
        return modified < at or (modified == at and record_id in self.ids)

    def advance(self, record_id: str, raw: str, modified: datetime) -> None:
        if self.since is None or modified > _parse_ts(self.since):
            self.since, self.ids = raw, {record_id}
        elif modified == _parse_ts(self.since):
            self.ids.add(record_id)


def _text_column(values: list[Any]) -> pa.Array:
    """Values as text: strings as they are, other JSON scalars as their JSON text."""
    try:
        return pa.array(values, pa.string())
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([_text(v) for v in values], pa.string())


def records_table(object_name: str, records: Iterable[dict[str, Any]]) -> pa.Table:
    """Records with their properties flattened next to id, createdAt, updatedAt, archived."""
    records = list(records)
    known = CRM_PROPERTIES.get(object_name, ())
    props = [r.get("properties") or {} for r in records]
    seen = set().union(*props)
    extra = sorted(seen - set(known) - set(CRM_RECORD_COLUMNS))
    names = (*known, *extra)
    columns: dict[str, pa.Array] = {
        "id": _text_column([r.get("id") for r in records]),
        "createdAt": _text_column([r.get("createdAt") for r in records]),
        "updatedAt": _text_column([r.get("updatedAt") for r in records]),
        "archived": pa.array([r.get("archived") for r in records], pa.bool_()),
    }
    try:  # every property a string (the CRM serves them so): one conversion for the page
        struct = pa.array(props, pa.struct([(name, pa.string()) for name in names]))
        columns.update((name, struct.field(i)) for i, name in enumerate(names))
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        for name in names:
            columns[name] = _text_column([p.get(name) for p in props])
    return pa.table(columns)


def _modified_raw(record: dict[str, Any]) -> str | None:
    value = (record.get("properties") or {}).get(CURSOR_PROPERTY) or record.get("updatedAt")
    return value if isinstance(value, str) else None


def load_crm_object(
    client: CrmClient,
    landing: Landing,
    object_name: str,
    *,
    page_size: int = 100,
    pages_per_batch: int = 20,
    max_pages: int = 1_000_000,
) -> LoadResult:
    """Land the records of one CRM object modified since its cursor."""
    result = LoadResult(source=SOURCE, object=object_name, source_id=SOURCE_ID)
    try:
        with landing.scope(SOURCE, object_name, SOURCE_ID):
            _load(client, landing, object_name, result, page_size, pages_per_batch, max_pages)
    except Exception as exc:  # committed pages stay landed; the next run resumes from them
        log.exception("crm/%s failed", object_name)
        result.error = f"{type(exc).__name__}: {exc}"
    return result


def _load(
    client: CrmClient,
    landing: Landing,
    object_name: str,
    result: LoadResult,
    page_size: int,
    pages_per_batch: int,
    max_pages: int,
) -> None:
    cursor = CrmCursor.from_json(landing.get_cursor(SOURCE, object_name, SOURCE_ID))
    since = cursor.since or EPOCH
    after: str | None = None
    pending: list[dict[str, Any]] = []
    bad: list[tuple[str, str]] = []  # (raw, reason)
    pages_pending = 0

    def commit() -> None:
        nonlocal pending, bad, pages_pending
        if pending or bad:
            batch: Batch = landing.new_batch(SOURCE, object_name, SOURCE_ID)
            with batch:
                batch.write(records_table(object_name, pending))
                for raw, reason in bad:
                    # CRM records are personal data: raw only in the PII quarantine
                    batch.quarantine(raw=raw, reason=reason, pii=True)
                batch.rows_source = len(pending) + len(bad)
                committed = batch.commit(cursor=cursor.to_json())
            if committed:
                result.add(committed)
        pending, bad, pages_pending = [], [], 0

    for _ in range(max_pages):
        page = client.search(object_name, since=since, after=after, limit=page_size)
        parsed = []
        for record in page.get("results") or []:
            raw_ts = _modified_raw(record)
            record_id = record.get("id")
            if not isinstance(record_id, str):
                record_id = _text(record_id)
            try:
                if not record_id:
                    raise ValueError("record has no id")
                if raw_ts is None:
                    raise ValueError(f"record has no {CURSOR_PROPERTY}")
                parsed.append((_ts_key(raw_ts), raw_ts, record_id, record))
            except ValueError as exc:
                bad.append((json.dumps(record, ensure_ascii=False, default=str), str(exc)))
        parsed.sort(key=lambda p: p[0])
        at, ids = cursor.key, cursor.ids
        for key, raw_ts, record_id, record in parsed:
            if at is not None and (key < at or (key == at and record_id in ids)):
                continue  # landed before
            pending.append(record)
            if at is None or key > at:
                at, ids = key, {record_id}
                cursor.since, cursor.ids = raw_ts, ids
            else:
                ids.add(record_id)
        pages_pending += 1
        next_after = ((page.get("paging") or {}).get("next") or {}).get("after")
        if pages_pending >= pages_per_batch or not next_after:
            commit()
        if not next_after:
            return
        if parsed and parsed[-1][0] > _ts_key(since):
            since, after = parsed[-1][1], None  # keyset: restart at the page's last time
        else:
            after = str(next_after)
    commit()
    raise RuntimeError(f"stopped after {max_pages} pages without reaching the end")


def crm_token(config: Crm) -> str:
    return os.environ.get(config.token_env) or DEFAULT_TOKEN


def load_crm(
    config: Crm,
    landing: Landing,
    objects: Iterable[str] | None = None,
    *,
    client: CrmClient | None = None,
) -> list[LoadResult]:
    """Land every CRM object; one LoadResult per object."""
    own = client is None
    client = client or CrmClient(
        config.base_url,
        crm_token(config),
        timeout=config.timeout_seconds,
        max_attempts=config.max_attempts,
        rate_limit_per_s=config.rate_limit_per_s,
    )
    names = list(objects if objects is not None else config.objects)

    def load(obj: str) -> LoadResult:
        return load_crm_object(
            client, landing, obj, page_size=config.page_size, pages_per_batch=config.pages_per_batch
        )

    try:
        # objects page in parallel (each its own scope and cursor); pacing is shared
        with ThreadPoolExecutor(max(len(names), 1), thread_name_prefix="crm") as pool:
            return list(pool.map(load, names))
    finally:
        if own:
            client.close()
