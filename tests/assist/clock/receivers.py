"""Loopback notification receivers the tests start: an HTTP endpoint (Slack/PagerDuty/webhook) and SMTP."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.loopback import Loopback


class Receiver(Loopback):
    """Records every POST; answers 500 while ``failures_left`` > 0 (a receiver that is down for a while). With a
    ``gate``, each POST sets ``arrived`` and is answered only once the test opens the gate (an endpoint still
    answering, for as long as the test needs)."""

    def __init__(self, failures: int = 0, gate: threading.Event | None = None) -> None:
        self.arrived = threading.Event()
        self.received: list[dict[str, Any]] = []
        self.failures_left = failures
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if gate is not None:
                    outer.arrived.set()
                    gate.wait(timeout=120)  # a bound, so a failing test cannot hang the suite
                with outer.lock:
                    if outer.failures_left > 0:
                        outer.failures_left -= 1
                        self.send_response(500)
                        self.end_headers()
                        return
                    outer.received.append(
                        {
                            "path": self.path,
                            "headers": dict(self.headers),
                            "body": json.loads(body or b"{}"),
                            "raw": body,
                        }
                    )
                self.send_response(202)
                self.end_headers()

        self.serve(Handler)


class SmtpReceiver:
    """A tiny SMTP server on loopback that keeps the messages it accepts."""

    def __init__(self) -> None:
        import asyncore  # noqa: F401 - smtpd needs it; both ship with Python 3.11
        import smtpd

        self.messages: list[bytes] = []
        outer = self

        class Server(smtpd.SMTPServer):
            def process_message(self, peer: Any, mailfrom: str, rcpttos: list[str], data: bytes, **kwargs: Any) -> None:
                outer.messages.append(data)

        self.server = Server(("127.0.0.1", 0), None)
        self.port = self.server.socket.getsockname()[1]
        import asyncore as loop

        self.thread = threading.Thread(target=loop.loop, kwargs={"timeout": 0.1}, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.close()
