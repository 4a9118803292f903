"""The CRM's HTTP JSON API, shaped like a widely used CRM's public v3 objects API (stdlib only).

- ``GET /crm/v3/objects/{object}?limit=&after=``: all records, ascending by id.
- ``POST /crm/v3/objects/{object}/search``: ``filterGroups`` on ``lastmodifieddate`` (``GTE``,
  ``GT``, ``LTE``, ``LT``, ``EQ``), sorted ascending by (lastmodifieddate, id).
- Cursor paging: ``paging.next.after`` is an opaque string; ``limit`` defaults to 10, at most 100
  for a list page and 200 for a search page (the limits of the API this imitates).
- ``Authorization: Bearer <token>`` required (401), unknown objects 404, bad requests 400.

Served by a thread per connection with HTTP/1.1 keep-alive; bodies encoded with orjson and each
thread keeps its own read-only SQLite connection.

``FaultConfig`` switches on hangs (longer than a client timeout), slow answers, rate limits
(429 with ``Retry-After``) and random 500s.
"""

from __future__ import annotations

import base64
import json
import random
import sqlite3
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson

from simulator.crm.data import OBJECTS

PREFIX = "/crm/v3/objects/"
DEFAULT_LIMIT = 10
MAX_LIMIT = 100  # list pages
MAX_SEARCH_LIMIT = 200  # search pages
OPERATORS = {"GTE": ">=", "GT": ">", "LTE": "<=", "LT": "<", "EQ": "="}
FILTERABLE = {"lastmodifieddate"}


@dataclass(frozen=True)
class FaultConfig:
    """Misbehaviour of the API; all off by default. Decided per request, in this order (after
    authentication): a hang (``timeout_rate``: no answer for ``hang_s`` seconds, longer than a
    client's timeout, then a 504), latency (``latency_s`` always, ``slow_s`` more for a
    ``slow_rate`` share), the rate limit (429 with ``Retry-After``: above ``rate_limit_per_s``
    requests in the last second, or a ``throttle_rate`` share at random), and random 500s
    (``error_rate``). Random draws come from ``seed``, so one request sequence misbehaves the same
    way every time."""

    latency_s: float = 0.0
    slow_rate: float = 0.0  # share of requests answered slow_s later still
    slow_s: float = 0.0
    timeout_rate: float = 0.0  # share of requests that hang for hang_s before any answer
    hang_s: float = 30.0
    error_rate: float = 0.0  # share of requests answered with 500
    rate_limit_per_s: float | None = None  # above this many requests per second: 429
    throttle_rate: float = 0.0  # share of requests answered 429 regardless of the rate
    retry_after_s: int = 1
    seed: int = 0


class ApiError(Exception):
    def __init__(self, status: HTTPStatus, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


def _encode_cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, json.JSONDecodeError) as exc:
        raise ApiError(HTTPStatus.BAD_REQUEST, f"invalid cursor {cursor!r}") from exc
    if not isinstance(values, list):
        raise ApiError(HTTPStatus.BAD_REQUEST, f"invalid cursor {cursor!r}")
    return values


def _limit(raw: Any, most: int = MAX_LIMIT) -> int:
    if raw in (None, ""):
        return DEFAULT_LIMIT
    try:
        value = int(raw)
    except (TypeError, ValueError) as exc:
        raise ApiError(HTTPStatus.BAD_REQUEST, f"invalid limit {raw!r}") from exc
    if value < 1:
        raise ApiError(HTTPStatus.BAD_REQUEST, f"invalid limit {raw!r}")
    return min(value, most)


def normalize_timestamp(value: Any) -> str:
    """ISO-8601 (any offset) or epoch milliseconds -> ``2026-10-01T09:30:00.000Z``."""
    text = str(value).strip()
    try:
        if text.isdigit():
            ts = datetime.fromtimestamp(int(text) / 1000, tz=UTC)
        else:
            ts = datetime.fromisoformat(text.replace("Z", "+00:00"))
            ts = ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)
    except ValueError as exc:
        raise ApiError(HTTPStatus.BAD_REQUEST, f"invalid timestamp {value!r}") from exc
    return ts.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}Z"


class CrmStore:
    """Read-only queries over ``crm.sqlite``; one connection per thread, kept for its life."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        if not self.path.exists():
            raise FileNotFoundError(self.path)
        self._local = threading.local()

    def _connect(self) -> sqlite3.Connection:
        con = getattr(self._local, "con", None)
        if con is None:
            con = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
            self._local.con = con
        return con

    def _object(self, name: str) -> tuple[str, list[str], str]:
        if name not in OBJECTS:
            raise ApiError(HTTPStatus.NOT_FOUND, f"unknown object type {name!r}")
        return OBJECTS[name]

    @staticmethod
    def _results(rows: list[tuple], props: list[str], created_col: str) -> list[dict[str, Any]]:
        """Rows ``(id, *props, archived)`` as API records."""
        created = props.index(created_col) + 1
        modified = props.index("lastmodifieddate") + 1
        out = []
        for row in rows:
            record_id = str(row[0])
            properties = dict(zip(props, row[1:-1], strict=True))
            properties["hs_object_id"] = record_id
            out.append(
                {
                    "id": record_id,
                    "properties": properties,
                    "createdAt": row[created],
                    "updatedAt": row[modified],
                    "archived": bool(row[-1]),
                }
            )
        return out

    def list(self, name: str, limit: int, after: str | None) -> dict[str, Any]:
        table, props, created_col = self._object(name)
        last_id = 0
        if after:
            cursor = _decode_cursor(after)
            if len(cursor) != 1 or not isinstance(cursor[0], int):
                raise ApiError(HTTPStatus.BAD_REQUEST, f"invalid cursor {after!r}")
            last_id = cursor[0]
        cols = ", ".join(["id", *props, "archived"])
        con = self._connect()
        total = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        rows = con.execute(
            f"SELECT {cols} FROM {table} WHERE id > ? ORDER BY id LIMIT ?",
            (last_id, limit + 1),
        ).fetchall()
        return self._page(rows[:limit], props, created_col, total, len(rows) > limit, "list")

    def search(self, name: str, body: dict[str, Any]) -> dict[str, Any]:
        table, props, created_col = self._object(name)
        limit = _limit(body.get("limit"), MAX_SEARCH_LIMIT)
        where, params = self._filters(body.get("filterGroups") or [])
        for sort in body.get("sorts") or []:
            prop = sort.get("propertyName") if isinstance(sort, dict) else sort
            direction = sort.get("direction", "ASCENDING") if isinstance(sort, dict) else "ASC"
            if prop not in ("lastmodifieddate", "hs_lastmodifieddate") or direction not in (
                "ASCENDING",
                "ASC",
            ):
                raise ApiError(HTTPStatus.BAD_REQUEST, f"unsupported sort {sort!r}")
        cols = ", ".join(["id", *props, "archived"])
        con = self._connect()
        total = con.execute(f"SELECT count(*) FROM {table} WHERE {where}", params).fetchone()[0]
        page_where, page_params = where, list(params)
        if body.get("after"):
            cursor = _decode_cursor(str(body["after"]))
            if len(cursor) != 2:
                raise ApiError(HTTPStatus.BAD_REQUEST, f"invalid cursor {body['after']!r}")
            # a row value: the index seeks straight to the cursor instead of scanning up to it
            page_where += " AND (lastmodifieddate, id) > (?, ?)"
            page_params += [cursor[0], cursor[1]]
        rows = con.execute(
            f"SELECT {cols} FROM {table} WHERE {page_where} ORDER BY lastmodifieddate, id LIMIT ?",
            (*page_params, limit + 1),
        ).fetchall()
        return self._page(rows[:limit], props, created_col, total, len(rows) > limit, "search")

    @staticmethod
    def _filters(groups: list[dict[str, Any]]) -> tuple[str, list[Any]]:
        """``filterGroups`` are ORed, the filters inside one group ANDed."""
        if not groups:
            return "1=1", []
        ors, params = [], []
        for group in groups:
            ands = []
            for flt in group.get("filters") or []:
                prop, op = flt.get("propertyName"), flt.get("operator")
                if prop == "hs_lastmodifieddate":
                    prop = "lastmodifieddate"
                if prop not in FILTERABLE or op not in OPERATORS:
                    raise ApiError(HTTPStatus.BAD_REQUEST, f"unsupported filter {flt!r}")
                ands.append(f"{prop} {OPERATORS[op]} ?")
                params.append(normalize_timestamp(flt.get("value")))
            ors.append("(" + (" AND ".join(ands) or "1=1") + ")")
        return "(" + " OR ".join(ors) + ")", params

    def _page(
        self,
        rows: list[tuple],
        props: list[str],
        created_col: str,
        total: int,
        more: bool,
        mode: str,
    ) -> dict[str, Any]:
        answer: dict[str, Any] = {
            "total": total,
            "results": self._results(rows, props, created_col),
        }
        if more and rows:
            last = rows[-1]
            cursor = (
                [last[0]]
                if mode == "list"
                else [last[props.index("lastmodifieddate") + 1], last[0]]
            )
            answer["paging"] = {"next": {"after": _encode_cursor(cursor)}}
        return answer


class _Handler(BaseHTTPRequestHandler):
    server: CrmHttpServer
    protocol_version = "HTTP/1.1"
    # headers and body go out in two writes: with Nagle on, the body waits for the client's
    # delayed ACK (~40 ms a request on Linux), which capped the API at ~25 requests/s
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        if self.server.verbose:
            super().log_message(format, *args)

    def _send(self, status: HTTPStatus, body: dict[str, Any], headers: dict[str, str]) -> None:
        data = orjson.dumps(body)
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (its timeout)
            self.close_connection = True

    def _handle(self, method: str) -> None:
        try:
            self.server.before_request(self.headers.get("Authorization"))
            url = urlsplit(self.path)
            if not url.path.startswith(PREFIX):
                raise ApiError(HTTPStatus.NOT_FOUND, f"no route {url.path}")
            parts = url.path[len(PREFIX) :].strip("/").split("/")
            store = self.server.store
            if method == "GET" and len(parts) == 1:
                query = parse_qs(url.query)
                after = query.get("after", [None])[0]
                body = store.list(parts[0], _limit(query.get("limit", [None])[0]), after)
            elif method == "POST" and len(parts) == 2 and parts[1] == "search":
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    request = orjson.loads(self.rfile.read(length) or b"{}")
                except orjson.JSONDecodeError as exc:
                    raise ApiError(HTTPStatus.BAD_REQUEST, "body is not JSON") from exc
                if not isinstance(request, dict):
                    raise ApiError(HTTPStatus.BAD_REQUEST, "body must be a JSON object")
                body = store.search(parts[0], request)
            else:
                raise ApiError(HTTPStatus.NOT_FOUND, f"no route {method} {url.path}")
            self._send(HTTPStatus.OK, body, {})
        except ApiError as err:
            payload = {"status": "error", "message": err.message, "category": err.status.phrase}
            self._send(err.status, payload, err.headers)

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        self._handle("GET")

    def do_POST(self) -> None:  # noqa: N802 - stdlib naming
        self._handle("POST")


class CrmHttpServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        store: CrmStore,
        token: str,
        faults: FaultConfig,
        verbose: bool = False,
    ) -> None:
        super().__init__(address, _Handler)
        self.store, self.token, self.faults, self.verbose = store, token, faults, verbose
        self._random = random.Random(faults.seed)
        self._lock = threading.Lock()
        self._window: list[float] = []

    def before_request(self, authorization: str | None) -> None:
        """Authentication first, then the configured misbehaviour (see ``FaultConfig``)."""
        if authorization != f"Bearer {self.token}":
            raise ApiError(HTTPStatus.UNAUTHORIZED, "missing or invalid bearer token")
        f = self.faults
        with self._lock:  # one draw of each kind per request, in request order
            r = self._random
            hang = f.timeout_rate > 0 and r.random() < f.timeout_rate
            slow = f.slow_rate > 0 and r.random() < f.slow_rate
            throttle = f.throttle_rate > 0 and r.random() < f.throttle_rate
            fail = f.error_rate > 0 and r.random() < f.error_rate
        if hang:
            time.sleep(f.hang_s)
            raise ApiError(HTTPStatus.GATEWAY_TIMEOUT, "upstream timed out")
        delay = f.latency_s + (f.slow_s if slow else 0.0)
        if delay:
            time.sleep(delay)
        with self._lock:
            if f.rate_limit_per_s is not None:
                now = time.monotonic()
                self._window = [t for t in self._window if now - t < 1.0]
                throttle = throttle or len(self._window) >= f.rate_limit_per_s
                if not throttle:
                    self._window.append(now)
        if throttle:
            raise ApiError(
                HTTPStatus.TOO_MANY_REQUESTS,
                "rate limit exceeded",
                {"Retry-After": str(f.retry_after_s)},
            )
        if fail:
            raise ApiError(HTTPStatus.INTERNAL_SERVER_ERROR, "internal error")


def make_server(
    crm_db: Path,
    host: str = "127.0.0.1",
    port: int = 8765,
    token: str = "demo-token",
    faults: FaultConfig | None = None,
) -> ThreadingHTTPServer:
    """A CRM API server bound to ``host:port`` (port 0 picks a free one); call ``serve_forever``."""
    return CrmHttpServer((host, port), CrmStore(Path(crm_db)), token, faults or FaultConfig())


def serve(
    crm_db: Path,
    host: str = "127.0.0.1",
    port: int = 8765,
    token: str = "demo-token",
    faults: FaultConfig | None = None,
) -> None:
    """Serve the CRM API until interrupted."""
    server = make_server(crm_db, host, port, token, faults)
    server.verbose = True
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def main(argv: list[str] | None = None) -> None:
    """``python -m simulator.crm.server CRM_DB [--port 0] [--rate-limit-per-s N]``: serve until
    killed; prints the port first (port 0 picks a free one), so a bench or test can run the API in
    its own process."""
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("crm_db", type=Path)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--token", default="demo-token")
    parser.add_argument("--rate-limit-per-s", type=float, default=None)
    args = parser.parse_args(argv)
    faults = FaultConfig(rate_limit_per_s=args.rate_limit_per_s)
    server = make_server(args.crm_db, args.host, args.port, args.token, faults)
    print(server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
