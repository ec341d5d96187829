"""A loopback server speaking the part of the Zendesk API the write-back uses: ``PUT /api/v2/tickets/{id}.json``
with basic auth (``<email>/token:<token>``), answered with the documented body (fixtures/zendesk). Scripted
failures (``429`` with ``Retry-After``, ``5xx``) stand in the way when a test asks for them."""

from __future__ import annotations

import base64
import json
import re
import threading
from collections import deque
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from tests.loopback import Loopback

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "zendesk"
EMAIL, TOKEN = "agent@example.com", "zd-token-3f9a1c"


class ZendeskServer(Loopback):
    def __init__(self) -> None:
        self.updates: list[dict[str, Any]] = []  # accepted PUTs: {"ticket_id", "body", "auth"}
        self.refused: list[int] = []
        self.script: deque[tuple[int, dict[str, str]]] = deque()  # (status, headers) answered before success
        self.arrived = threading.Event()
        self.lock = threading.Lock()
        outer = self
        answer = json.loads((FIXTURES / "ticket_update_response.json").read_text())

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_PUT(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                found = re.fullmatch(r"/api/v2/tickets/(\d+)\.json", self.path)
                expected = "Basic " + base64.b64encode(f"{EMAIL}/token:{TOKEN}".encode()).decode()
                if found is None:
                    return self._send(404, {"error": "InvalidEndpoint", "description": "Not found"})
                if self.headers.get("Authorization") != expected:
                    return self._send(401, {"error": "Couldn't authenticate you"})
                with outer.lock:
                    if outer.script:
                        status, headers = outer.script.popleft()
                        outer.refused.append(status)
                        return self._send(status, {"error": "scripted"}, headers)
                    outer.updates.append({"ticket_id": found.group(1), "body": json.loads(body)})
                self._send(200, {**answer, "ticket": {**answer["ticket"], "id": int(found.group(1))}})
                outer.arrived.set()

            def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

        self.serve(Handler)
