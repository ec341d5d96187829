"""Docs folder: .md, .txt and .html files at any depth. Headings are kept as chunk context."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from ingest.connectors.base import Connector, Item
from ingest.documents import PUBLIC, Document, Section, SourceKind

SUFFIXES = (".md", ".markdown", ".txt", ".html", ".htm")
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")


class DocsConnector(Connector):
    """``source_id`` = path relative to the folder, with ``/``. Public unless an account is given."""

    source = SourceKind.DOCS

    def items(self) -> Iterator[Item]:
        if not self.path.is_dir():
            yield self.failure(str(self.path), "not a folder")
            return
        root = self.path.resolve()
        for file in sorted(p for p in self.path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES):
            rel = file.relative_to(self.path).as_posix()
            if not file.resolve().is_relative_to(root):
                # A link out of the folder would make whatever it points at (a system file) knowledge.
                yield self.failure(rel, "a link to a file outside the folder: not read")
                continue
            try:
                data = file.read_bytes()
            except OSError as exc:
                yield self.failure(rel, f"cannot read: {exc.strerror or exc}")
                continue
            raw = _decode(data)
            if raw is None:
                yield self.failure(rel, "not text (binary or an unknown encoding)")
                continue
            suffix = file.suffix.lower()
            if suffix in (".html", ".htm"):
                title, sections = _html(raw)
            elif suffix in (".md", ".markdown"):
                title, sections = _markdown(raw)
            else:
                title, sections = _text(raw)
            sections = [s for s in sections if s.text.strip()]
            if not sections:
                yield self.failure(rel, "no text")
                continue
            yield Document(
                source=self.source,
                source_id=rel,
                title=title or file.stem,
                sections=sections,
                account=self.account or PUBLIC,
                metadata={"path": rel, "format": suffix.lstrip(".")},
            )


def _decode(data: bytes) -> str | None:
    """UTF-8, else Latin-1 as old exports write it; None for binary content (NULs, or the control bytes no text
    file has in any number)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    head = text[:4096]
    controls = sum(1 for c in head if c < " " and c not in "\t\n\r\f")
    return None if "\x00" in text or controls > len(head) // 100 else text


def _text(raw: str) -> tuple[str, list[Section]]:
    first = raw.strip().split("\n", 1)[0].strip()
    title = first if 0 < len(first) <= 120 else ""
    return title, [Section(raw.strip())]


def _markdown(raw: str) -> tuple[str, list[Section]]:
    title = ""
    path: list[str] = []
    sections: list[Section] = []
    buf: list[str] = []

    def flush() -> None:
        if buf and "\n".join(buf).strip():
            sections.append(Section("\n".join(buf).strip(), " > ".join(path[1:] if title else path)))
        buf.clear()

    in_code = False
    for line in raw.splitlines():
        if line.strip().startswith("```"):
            in_code = not in_code
        m = None if in_code else _MD_HEADING.match(line)
        if m:
            flush()
            level, text = len(m.group(1)), m.group(2).strip()
            if level == 1 and not title:
                title = text
            path[:] = [*path[: level - 1], text]
        else:
            buf.append(line)
    flush()
    return title, sections


def _html(raw: str) -> tuple[str, list[Section]]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(raw, "html.parser")
    for tag in soup(["script", "style", "nav", "footer", "noscript"]):
        tag.decompose()
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    body = soup.body or soup
    sections: list[Section] = []
    path: list[str] = []
    buf: list[str] = []
    for el in body.find_all(["h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "pre", "td", "dd", "dt", "blockquote"]):
        if el.find_parent(["p", "li", "td", "pre", "blockquote"]) is not None:
            continue  # counted with its parent
        text = el.get_text(" ", strip=True)
        if not text:
            continue
        if el.name and el.name[0] == "h" and el.name[1:].isdigit():
            if buf:
                sections.append(Section("\n\n".join(buf), " > ".join(path)))
                buf = []
            level = int(el.name[1:])
            if level == 1 and not title:
                title = text
            path[:] = [*path[: level - 1], text]
        else:
            buf.append(text)
    if buf:
        sections.append(Section("\n\n".join(buf), " > ".join(path)))
    if not sections:  # markup without block elements: take all the text
        text = body.get_text(" ", strip=True)
        sections = [Section(text)] if text else []
    return title, sections


def read_docs(path: Path) -> list[Document]:
    """Convenience for tests and scripts: the documents of a folder, failures dropped."""
    return [i for i in DocsConnector(path).items() if isinstance(i, Document)]
