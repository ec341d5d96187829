"""The Zendesk app end to end: the packaged app in headless Chromium, inside a harness page that plays the Zendesk
host. The harness answers the real ZAF SDK's postMessage protocol (handshake, get, invoke, request) with a recorded
ticket, and forwards client.request to the service through its own server, as Zendesk's proxy does: the secure API
key is filled in there and never reaches the browser."""

from __future__ import annotations

import http.server
import io
import json
import threading
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from api.app import create_app
from api.zendesk_package import build_package
from assist.runtime import Runtime, open_runtime
from assist.settings import Settings
from ingest.connectors import AccountsConnector
from ingest.pipeline import ingest
from tests.api.conftest import ACCOUNTS, build_kb
from tests.conftest import require_service
from tests.e2e.serving import free_port, serving
from tests.e2e.test_sidebar import ARGS, CHROMIUM

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "zendesk"
APP_PORT, HOST_PORT = free_port(), free_port()
HOST_PAGE = """<!doctype html>
<iframe id="app" src="http://localhost:{app_port}/assets/iframe.html?origin={origin}&app_guid=guid-1"
        width="360" height="900"></iframe>
<script>
const TICKET = {ticket};
const SETTINGS = {{service_url: "{service}", fact_fields: '{{"360001": "severity"}}'}};
const APP = "http://localhost:{app_port}";
const frame = document.getElementById("app");
window.invoked = []; window.requests = [];
window.addEventListener("message", async (e) => {{
  if (e.source !== frame.contentWindow || e.origin !== APP) return;
  const msg = typeof e.data === "string" ? JSON.parse(e.data) : e.data;
  const reply = (m) => frame.contentWindow.postMessage(JSON.stringify(m), APP);
  if (msg.key === "iframe.handshake") {{
    const context = {{location: "ticket_sidebar", ticketId: TICKET["ticket.id"]}};
    reply({{key: "zaf.app.registered",
      message: {{context, metadata: {{appId: 1, installationId: 1, settings: SETTINGS}}}}}});
  }} else if (msg.request === "get") {{
    const result = {{}}; for (const p of msg.params) result[p] = TICKET[p] === undefined ? null : TICKET[p];
    reply({{id: msg.id, result}});
  }} else if (msg.request === "invoke") {{
    window.invoked.push(msg.params); reply({{id: msg.id, result: {{}}}});
  }} else if (msg.key && msg.key.startsWith("request:")) {{
    window.requests.push(msg.message);
    const resp = await fetch("/proxy", {{method: "POST", body: JSON.stringify(msg.message)}});
    const data = await resp.json();
    const ok = resp.status < 300;
    reply({{key: "zaf." + msg.key + (ok ? ".done" : ".fail"),
      message: {{responseArgs: ok ? [data] : [{{status: resp.status, responseJSON: data}}]}}}});
  }}
}});
</script>"""


class Harness:
    """The Zendesk host (page and proxy) on one port and the app's files on another: two origins."""

    def __init__(self, service: str, key: str, app_dir: Path, **fields: Any) -> None:
        """``fields``: ticket fields in place of the fixture's (``{"ticket.description": …}``)."""
        origin = f"http://127.0.0.1:{HOST_PORT}"
        ticket = {**json.loads((FIXTURES / "zaf_ticket.json").read_text()), **fields}
        page = HOST_PAGE.format(app_port=APP_PORT, origin=origin, service=service, ticket=json.dumps(ticket)).encode()
        self.proxied: list[dict[str, Any]] = []
        outer = self

        class Host(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                self._send(200, page, "text/html")

            def do_POST(self) -> None:  # Zendesk's proxy: the secure setting replaces its placeholder here
                options = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.proxied.append(options)
                headers = {k: v.replace("{{setting.api_key}}", key) for k, v in options.get("headers", {}).items()}
                headers["Content-Type"] = options.get("contentType", "application/json")
                data = options.get("data")
                req = urllib.request.Request(
                    options["url"], data=data.encode() if data else None, headers=headers, method=options["type"]
                )
                try:
                    with urllib.request.urlopen(req) as resp:
                        self._send(resp.status, resp.read(), "application/json")
                except urllib.error.HTTPError as exc:
                    self._send(exc.code, exc.read(), "application/json")

            def _send(self, status: int, body: bytes, kind: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        class Files(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, directory=str(app_dir), **kwargs)

            def log_message(self, *args: object) -> None:
                pass

        self.servers = [
            http.server.ThreadingHTTPServer(("127.0.0.1", HOST_PORT), Host),
            http.server.ThreadingHTTPServer(("127.0.0.1", APP_PORT), Files),
        ]
        for s in self.servers:
            threading.Thread(target=s.serve_forever, daemon=True).start()

    def close(self) -> None:
        for s in self.servers:
            s.shutdown()
            s.server_close()


def _assist(base: str, key: str, body: dict[str, Any]) -> dict[str, Any]:
    req = urllib.request.Request(
        f"{base}/v1/assist",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req) as resp:
        return dict(json.loads(resp.read()))


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory, embedder: object) -> Iterator[tuple[str, str, Runtime]]:
    root = tmp_path_factory.mktemp("zaf")
    data = build_kb(root, embedder)
    orgs = root / "orgs.csv"
    orgs.write_text("id,name,plan,products,zendesk_organization_id\nacme,Acme,enterprise,reporting,509974\n")
    ingest(AccountsConnector(orgs), data, embedder, progress=False)  # type: ignore[arg-type]
    settings = Settings(data_dir=data, demo_kb=False)
    runtime = open_runtime(settings, embedder=embedder)  # type: ignore[arg-type]
    key = runtime.db.keys.create("zendesk app", "agent", None, datetime.now(UTC))[0]
    with serving(create_app(settings, runtime)) as base:
        yield base, key, runtime


def test_the_packaged_app_answers_the_open_ticket_inserts_and_takes_feedback(
    service: tuple[str, str, Runtime], tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, key, runtime = service
    require_service("Chromium", Path(CHROMIUM).exists(), "apt-get install chromium (.ci/run does)")
    app_dir = tmp_path / "app"
    zipfile.ZipFile(io.BytesIO(build_package(base))).extractall(app_dir)
    assert json.loads((app_dir / "manifest.json").read_text())["domainWhitelist"] == ["127.0.0.1"]
    harness = Harness(base, key, app_dir)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{HOST_PORT}/")
            app = page.frame_locator("#app")
            app.locator("#result:not(.hidden)").wait_for(timeout=30000)
            assert "export" in app.locator("#answer").inner_text().lower()
            assert app.locator("#decision").inner_text().startswith(("Keep at Tier 1", "Stay at", "Escalate to"))
            assert app.locator("#reply-by").inner_text().endswith("Z")
            # The recorded ticket's organization is Acme's: Acme's knowledge, nobody else's.
            cited = app.locator("#citations").inner_text() + app.locator("#answer").inner_text()
            assert ACCOUNTS["globex"] not in cited and ACCOUNTS["initech"] not in cited
            # The key never reached the browser: the app sent the placeholder, the proxy filled it in.
            sent = page.evaluate("window.requests")
            assert sent and all(r["headers"]["Authorization"] == "Bearer {{setting.api_key}}" for r in sent)
            assert json.loads(sent[0]["data"])["zendesk_organization_id"] == "509974"
            # What the decision assumed (a default it applied for a fact the ticket did not give) is shown.
            decision = _assist(base, key, json.loads(sent[0]["data"]))["decision"]
            assumed = [s["detail"] for s in decision["trace"] if s["rule"] == "defaults"]
            assert app.locator("#assumed").is_visible() == bool(assumed)
            for detail in assumed:
                assert detail in app.locator("#assumed").inner_text()

            app.locator("#insert").click()
            expect(app.locator("#status")).to_contain_text("Answer inserted", timeout=10000)
            invoked = page.evaluate("window.invoked")
            appended = [i["ticket.comment.appendText"] for i in invoked if "ticket.comment.appendText" in i]
            assert appended and "export" in appended[0][0].lower()

            app.locator("#reason-select").select_option("wrong_tier")
            app.locator("#tier-select").select_option("T2")
            app.locator("#unhelpful").click()
            expect(app.locator("#status")).to_contain_text("feedback is recorded", timeout=10000)
            assert app.locator("#error").inner_text() == ""
            browser.close()
    finally:
        harness.close()
    with runtime.db.engine.connect() as con:
        found = con.execute(text("SELECT account_id, reason, corrected FROM feedback")).all()
    assert [(a, r, json.loads(c)) for a, r, c in found] == [("acme", "wrong_tier", {"tier": "T2"})]


def test_the_app_asks_to_check_the_facts_of_a_ticket_in_a_language_the_word_lists_do_not_read(
    service: tuple[str, str, Runtime], tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, key, _ = service
    require_service("Chromium", Path(CHROMIUM).exists(), "apt-get install chromium (.ci/run does)")
    zipfile.ZipFile(io.BytesIO(build_package(base))).extractall(tmp_path / "app")
    italian = "L'esportazione del report dei ricavi in CSV va in timeout dopo 60 secondi da stamattina."
    harness = Harness(
        base, key, tmp_path / "app", **{"ticket.subject": "Esportazione CSV", "ticket.description": italian}
    )
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{HOST_PORT}/")
            app = page.frame_locator("#app")
            app.locator("#result:not(.hidden)").wait_for(timeout=30000)
            expect(app.locator("#assumed")).to_contain_text("written in IT, which the fact word lists do not read")
            browser.close()
    finally:
        harness.close()
