"""A standard Slack workspace export: threads rebuilt from ``thread_ts``, user ids resolved through users.json.

A thread = the parent (``ts == thread_ts``) and its replies, wherever the day files put them; ``source_id`` =
``<channel>/<thread_ts>``. A message without ``thread_ts`` stands alone (``<channel>/<ts>``). Slack knowledge is
agent-facing by default (``visibility`` internal); pass ``visibility="public"`` for a community workspace.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ingest.connectors.base import Connector, Item
from ingest.documents import PUBLIC, Document, Section, SourceKind

_SKIP_SUBTYPES = {
    "channel_join",
    "channel_leave",
    "channel_purpose",
    "channel_topic",
    "channel_name",
    "bot_add",
    "bot_remove",
    "pinned_item",
    "tombstone",
}
_MENTION = re.compile(r"<@([A-Z0-9]+)(?:\|[^>]*)?>")
_LINK = re.compile(r"<(https?://[^|>]+)\|([^>]+)>")
_BARE_LINK = re.compile(r"<(https?://[^>]+)>")
_CHANNEL = re.compile(r"<#[A-Z0-9]+\|([^>]+)>")


def _ts_iso(ts: str) -> str:
    return datetime.fromtimestamp(float(ts), UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


class SlackConnector(Connector):
    source = SourceKind.SLACK

    def __init__(self, path: str | Path, account: str | None = None, visibility: str = "internal") -> None:
        super().__init__(path, account)
        self.visibility = visibility

    def items(self) -> Iterator[Item]:
        users, failures = self._users()
        yield from failures
        channels = self._channels()
        for channel in channels:
            yield from self._channel(channel, users)

    def _users(self) -> tuple[dict[str, str], list[Item]]:
        path = self.path / "users.json"
        if not path.exists():
            return {}, []
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            return {}, [self.failure("users.json", f"unreadable, user ids stay unresolved: {exc}")]
        names = {}
        for u in data if isinstance(data, list) else []:
            if isinstance(u, dict) and u.get("id"):
                profile = u.get("profile") or {}
                names[u["id"]] = (
                    profile.get("display_name")
                    or u.get("real_name")
                    or profile.get("real_name")
                    or u.get("name")
                    or u["id"]
                )
        return names, []

    def _channels(self) -> list[str]:
        listed: list[str] = []
        path = self.path / "channels.json"
        if path.exists():
            try:
                listed = [c["name"] for c in json.loads(path.read_text(encoding="utf-8")) if c.get("name")]
            except (OSError, json.JSONDecodeError, TypeError, KeyError):
                listed = []
        on_disk = [p.name for p in self.path.iterdir() if p.is_dir()] if self.path.is_dir() else []
        return sorted(set(listed) & set(on_disk) if listed else on_disk)

    def _text(self, msg: dict[str, Any], users: dict[str, str]) -> str:
        text = str(msg.get("text") or "")
        text = _MENTION.sub(lambda m: "@" + users.get(m.group(1), m.group(1)), text)
        text = _LINK.sub(lambda m: f"{m.group(2)} ({m.group(1)})", text)
        text = _BARE_LINK.sub(lambda m: m.group(1), text)
        text = _CHANNEL.sub(lambda m: "#" + m.group(1), text)
        for f in msg.get("files") or []:
            if isinstance(f, dict) and f.get("name"):
                text += f" [file: {f['name']}]"
        return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").strip()

    def _channel(self, channel: str, users: dict[str, str]) -> Iterator[Item]:
        messages: list[dict[str, Any]] = []
        for day in sorted((self.path / channel).glob("*.json")):
            where = f"{channel}/{day.name}"
            try:
                data = json.loads(day.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError) as exc:
                yield self.failure(where, f"unreadable day file: {exc}")
                continue
            if not isinstance(data, list):
                yield self.failure(where, "a day file must be a list of messages")
                continue
            for i, msg in enumerate(data):
                if not isinstance(msg, dict) or "ts" not in msg:
                    yield self.failure(f"{where}[{i}]", "message without 'ts'")
                    continue
                try:
                    float(msg["ts"])
                except (TypeError, ValueError):
                    yield self.failure(f"{where}[{i}]", f"bad ts {msg['ts']!r}")
                    continue
                if msg.get("subtype") in _SKIP_SUBTYPES:
                    continue
                messages.append(msg)
        threads: dict[str, list[dict[str, Any]]] = {}
        for msg in messages:
            key = str(msg.get("thread_ts") or msg["ts"])
            threads.setdefault(key, []).append(msg)
        for key in sorted(threads, key=float):
            msgs = sorted({m["ts"]: m for m in threads[key]}.values(), key=lambda m: float(m["ts"]))
            parent = next((m for m in msgs if m["ts"] == key), msgs[0])
            rest = [m for m in msgs if m is not parent]
            sections = [Section(self._text(parent, users), "", self.visibility)]
            sections += [
                Section(self._text(m, users), users.get(m.get("user", ""), m.get("user", "")), self.visibility)
                for m in rest
            ]
            sections = [s for s in sections if s.text]
            if not sections:
                continue
            first_line = sections[0].text.split("\n", 1)[0]
            yield Document(
                source=self.source,
                source_id=f"{channel}/{key}",
                title=first_line[:120],
                sections=sections,
                account=self.account or PUBLIC,
                created_at=_ts_iso(key),
                metadata={
                    "channel": channel,
                    "replies": len(rest),
                    "author": users.get(parent.get("user", ""), parent.get("user", "")),
                },
            )
