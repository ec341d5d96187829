"""The README's first command, as a new user runs it: `assist serve` on an empty data dir."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_ingests_the_demo_kb_and_answers_with_a_citation(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "ASSIST_DATA_DIR": str(tmp_path / "data"), "HF_HUB_OFFLINE": "1", "ASSIST_TORCH_THREADS": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    ready = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if "Uvicorn running" in line:
                ready.set()

    threading.Thread(target=read, daemon=True).start()
    urlopen = urllib.request.build_opener(urllib.request.ProxyHandler({})).open  # loopback, never a proxy
    try:
        assert ready.wait(240), "".join(lines[-30:])
        key = re.search(r"sidebar: http://127\.0\.0\.1:\d+/sidebar#key=(\S+)", "".join(lines))
        assert key, "".join(lines)
        base = f"http://127.0.0.1:{port}"
        health = json.loads(urlopen(f"{base}/healthz", timeout=30).read())
        assert health["status"] == "ok" and health["chunks"] > 0
        req = urllib.request.Request(
            f"{base}/v1/assist",
            method="POST",
            headers={"Authorization": f"Bearer {key.group(1)}", "Content-Type": "application/json"},
            data=json.dumps({"body": "How do I invite a new user to our workspace?"}).encode(),
        )
        body = json.loads(urlopen(req, timeout=60).read())
        # The demo's help center answers it: cited, and kept at Tier 1.
        assert body["citations"] and body["citations"][0]["source_id"] == "getting-started/inviting-users.md"
        assert body["deflected"] and body["decision"]["tier"] == "T1"
        assert urlopen(f"{base}/sidebar", timeout=30).status == 200
    finally:
        proc.terminate()
        proc.wait(timeout=30)
