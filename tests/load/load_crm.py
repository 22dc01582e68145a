"""A tiny CRM for --verify tests: it takes callbacks at /hook and shows its rows at GET /rows.

``dedupe=True`` applies each event_id once, as a CRM should; ``dedupe=False`` applies every copy
(a naive receiver that --verify must catch).
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from catapult_sim.load.verify import rows_from_requests
from catapult_sim.testing.receiver import Received


class Crm:
    def __init__(self, *, dedupe: bool) -> None:
        self.dedupe = dedupe
        self.got: list[Received] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> Crm:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def _handler(crm: Crm) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with crm.lock:
                crm.got.append(Received("POST", self.path, {}, body, status=200))
            self._answer(b"")

        def do_GET(self) -> None:
            with crm.lock:
                rows = rows_from_requests(crm.got, dedupe=crm.dedupe)
            self._answer(json.dumps({"subscriptions": rows}).encode())

        def _answer(self, data: bytes) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            return None

    return Handler
