"""The helpdesk sidebar end to end: real uvicorn on loopback, real headless Chromium (Debian's), real model."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from api.app import create_app
from assist.runtime import open_runtime
from assist.settings import Settings
from tests.api.conftest import build_kb
from tests.conftest import require_service
from tests.e2e.serving import free_port, serving

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]


HELPDESK_PORT = free_port()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, embedder: object) -> Iterator[tuple[str, str]]:
    data = build_kb(tmp_path_factory.mktemp("e2e"), embedder)
    # The helpdesk that may frame the sidebar: http://localhost:<port> (and no other origin).
    settings = Settings(data_dir=data, demo_kb=False, sidebar_origins=[f"http://localhost:{HELPDESK_PORT}"])
    runtime = open_runtime(settings, embedder=embedder)  # type: ignore[arg-type]
    key = runtime.db.keys.create("sidebar", "agent", "acme", datetime.now(UTC))[0]
    with serving(create_app(settings, runtime)) as base:
        yield base, key


def test_sidebar_suggests_answer_and_decision_then_records_resolution(server: tuple[str, str], tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, key = server
    require_service("Chromium", Path(CHROMIUM).exists(), "apt-get install chromium (.ci/run does)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page()
        page.goto(f"{base}/sidebar#key={key}")
        page.fill("#ticket-id", "E2E-1")
        page.fill("#subject", "CSV export times out")
        page.fill("#body", "The revenue report export to CSV times out after 60 seconds. How can we export it?")
        page.click("#run")
        page.wait_for_selector("#result:not(.hidden)", timeout=30000)
        assert page.inner_text("#tier").startswith(("Stay at T", "Escalate to T"))
        assert page.inner_text("#owner") not in ("", "—")
        assert page.inner_text("#reply-by").endswith("Z")
        assert page.inner_text("#rule")
        answer = page.inner_text("#answer")
        assert "export" in answer.lower()
        # Citations are clickable: the snippet opens.
        first = page.locator("#citations a").first
        assert "acme-1" in first.inner_text() or "exports.md" in first.inner_text()
        first.click()
        assert page.locator("#citations .snippet").first.is_visible()
        page.screenshot(path=str(tmp_path / "sidebar.png"), full_page=True)
        shutil.copy(tmp_path / "sidebar.png", "/tmp/sidebar.png") if Path("/tmp").exists() else None

        # The agent sets the severity the words did not say and decides again in one click: S1 starts at T2.
        page.select_option("#set-severity", "S1")
        page.click("#rerun")
        expect(page.locator("#tier")).to_contain_text("Escalate to T", timeout=30000)
        # The page's CSP forbids eval, so waits use locators rather than JavaScript strings.
        page.click("#accept")
        expect(page.locator("#status")).to_contain_text("Escalation accepted", timeout=15000)
        # Accepting put the ticket on the SLA tracker: its timeline starts.
        expect(page.locator("#timeline")).to_contain_text("registered", timeout=15000)
        page.select_option("#feedback-reason", "wrong_queue")
        page.click("#unhelpful")
        expect(page.locator("#status")).to_contain_text("feedback is recorded", timeout=15000)
        page.click("#resolved")
        expect(page.locator("#status")).to_contain_text("Resolution recorded", timeout=30000)
        assert page.inner_text("#error") == ""
        browser.close()


def test_sidebar_shows_errors_from_the_api(server: tuple[str, str]) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, _ = server
    require_service("Chromium", Path(CHROMIUM).exists(), "apt-get install chromium (.ci/run does)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page()
        page.goto(f"{base}/sidebar#key=ea_not_a_key")
        page.fill("#body", "anything")
        page.click("#run")
        expect(page.locator("#error")).to_contain_text("unknown or revoked API key", timeout=15000)
        browser.close()


class _HostPage:
    """A page that frames the sidebar and sends it a ticket over postMessage, as a helpdesk app does; served on
    one port, so ``http://localhost:PORT`` (configured) and ``http://127.0.0.1:PORT`` (foreign) are two origins."""

    def __init__(self, sidebar: str) -> None:
        import http.server

        page = f"""<!doctype html><iframe id="f" src="{sidebar}" width="500" height="800"></iframe>
<script>
document.getElementById("f").addEventListener("load", () => {{
  document.getElementById("f").contentWindow.postMessage(
    {{type: "ticket", ticket: {{ticket_id: "FRAMED-1", subject: "CSV export times out",
      body: "The revenue report export to CSV times out after 60 seconds."}}}}, "*");
}});
</script>""".encode()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.end_headers()
                self.wfile.write(page)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", HELPDESK_PORT), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def test_only_the_configured_helpdesk_can_frame_the_sidebar_and_send_it_tickets(server: tuple[str, str]) -> None:
    from playwright.sync_api import sync_playwright

    base, key = server
    require_service("Chromium", Path(CHROMIUM).exists(), "apt-get install chromium (.ci/run does)")
    host = _HostPage(f"{base}/sidebar#key={key}")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page()
            # A foreign page: the browser refuses to render the sidebar in its frame (frame-ancestors), so its
            # message reaches nothing and no request is made with the agent's key.
            page.goto(f"http://127.0.0.1:{HELPDESK_PORT}/")
            page.wait_for_timeout(3000)
            frame = page.frame_locator("#f")
            assert frame.locator("#result:not(.hidden)").count() == 0
            # The configured helpdesk: the ticket arrives and the sidebar answers it.
            page.goto(f"http://localhost:{HELPDESK_PORT}/")
            frame = page.frame_locator("#f")
            frame.locator("#result:not(.hidden)").wait_for(timeout=30000)
            assert frame.locator("#ticket-id").input_value() == "FRAMED-1"
            # The key was read from the address and then dropped from it.
            url = page.frames[1].url
            assert "#key=" not in url and key not in url
            browser.close()
    finally:
        host.close()
    import urllib.request

    with urllib.request.urlopen(f"{base}/sidebar") as r:
        csp = r.headers["Content-Security-Policy"]
        assert "script-src 'self';" in csp and "unsafe-inline'; connect" not in csp
        assert f"frame-ancestors 'self' http://localhost:{HELPDESK_PORT}" in csp
        assert r.headers["X-Content-Type-Options"] == "nosniff"


def test_the_agent_sets_what_the_words_left_unclear_and_decides_again(
    tmp_path_factory: pytest.TempPathFactory, embedder: object
) -> None:
    from playwright.sync_api import expect, sync_playwright

    require_service("Chromium", Path(CHROMIUM).exists(), "apt-get install chromium (.ci/run does)")
    data = build_kb(tmp_path_factory.mktemp("e2e-needs"), embedder)
    # An operator who decides only on facts 95% sure: what the words suggest goes to the agent instead.
    settings = Settings(data_dir=data, demo_kb=False, fact_threshold=0.95)  # type: ignore[call-arg]
    runtime = open_runtime(settings, embedder=embedder)  # type: ignore[arg-type]
    key = runtime.db.keys.create("sidebar", "agent", "acme", datetime.now(UTC))[0]
    with serving(create_app(settings, runtime)) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page()
        page.goto(f"{base}/sidebar#key={key}")
        page.fill("#body", "The revenue report export to CSV times out after 60 seconds and fails. How do we fix it?")
        page.click("#run")
        page.wait_for_selector("#result:not(.hidden)", timeout=30000)
        expect(page.locator("#needs-agent")).to_be_visible()
        # Severity is suggested in its own select; the other unclear facts each get a field with the suggestion.
        assert page.locator("#set-severity option").first.inner_text().startswith("suggested S")
        fields = page.locator("#fact-edits input")
        names = [fields.nth(i).get_attribute("data-fact") for i in range(fields.count())]
        assert "issue_type" in names, names
        issue = page.locator('#fact-edits input[data-fact="issue_type"]')
        assert "suggested:" in (issue.get_attribute("placeholder") or "")
        issue.fill("integration")
        page.click("#rerun")
        # Set by the agent, it is the helpdesk's fact now: nothing left to ask about it.
        expect(page.locator('#fact-edits input[data-fact="issue_type"]')).to_have_count(0, timeout=30000)
        assert page.inner_text("#error") == ""
        assert page.inner_text("#language") == "Written in EN"
        # A language the word lists do not read: the agent is told the facts need checking.
        page.fill(
            "#body", "L'esportazione del report dei ricavi in CSV va in timeout dopo 60 secondi. Come si risolve?"
        )
        page.click("#run")
        expect(page.locator("#language")).to_contain_text("IT, which the fact word lists do not read", timeout=30000)
        browser.close()
