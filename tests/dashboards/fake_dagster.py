"""A stand-in for Dagster's GraphQL endpoint: answers the two requests DagsterGraphQLClient sends
to launch a job (which code location has it; launch it) and records them."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCATION = "dagster_project.definitions"


@contextmanager
def fake_dagster(jobs: tuple[str, ...], run_id: str) -> Iterator[tuple[int, list[dict]]]:
    """Serve on a free local port; yields (port, the GraphQL requests received)."""
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            received.append(body)
            if "repositoriesOrError" in body["query"]:
                data = {
                    "repositoriesOrError": {
                        "__typename": "RepositoryConnection",
                        "nodes": [
                            {
                                "name": "__repository__",
                                "location": {"name": LOCATION},
                                "pipelines": [{"name": job} for job in jobs],
                            }
                        ],
                    }
                }
            else:
                data = {
                    "launchPipelineExecution": {
                        "__typename": "LaunchRunSuccess",
                        "run": {"runId": run_id},
                    }
                }
            payload = json.dumps({"data": data}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1], received
    finally:
        server.shutdown()
        server.server_close()
