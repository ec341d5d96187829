"""Split an item into chunks that keep what belongs together.

* A ticket's question stays with its resolution: every chunk of a ticket starts with the question (shortened if
  needed) and carries part of the resolution.
* A Slack thread's question stays with its answers: every chunk starts with the parent message.
* A doc is split at its headings; each chunk carries the title and heading path as context.

The budget is in characters (~4 per token): all-MiniLM-L6-v2 reads 256 word pieces, so longer chunks would be
silently truncated by the model.
"""

from __future__ import annotations

import re
from typing import Any

from ingest.documents import NO_ACCESS, PUBLIC, Chunk, Document, Part, Section, SourceKind, chunk_id, is_ticket_source

MAX_CHARS = 1000
QUESTION_CHARS = 8000  # the whole question of a past ticket, kept on its first chunk for the routing model
_PARA = re.compile(r"\n\s*\n")


def _split(text: str, budget: int) -> list[str]:
    """Paragraphs, then sentences, then hard cuts, packed greedily up to ``budget`` characters."""
    text = text.strip()
    if len(text) <= budget:
        return [text] if text else []
    pieces: list[str] = []
    for para in _PARA.split(text):
        para = para.strip()
        if len(para) <= budget:
            pieces.append(para)
            continue
        for sentence in re.split(r"(?<=[.!?])\s+", para):
            while len(sentence) > budget:
                cut = sentence.rfind(" ", 0, budget)
                cut = cut if cut > budget // 2 else budget
                pieces.append(sentence[:cut].strip())
                sentence = sentence[cut:].strip()
            if sentence:
                pieces.append(sentence)
    out: list[str] = []
    for piece in pieces:
        if out and len(out[-1]) + 2 + len(piece) <= budget:
            out[-1] += "\n\n" + piece
        else:
            out.append(piece)
    return out


def _metadata(doc: Document, number: int, section: Section, extra: dict[str, Any]) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "source": str(doc.source),
        "source_id": doc.source_id,
        "account": doc.account or NO_ACCESS,
        "public": doc.account == PUBLIC,
        "visibility": section.visibility,
        "title": doc.title[:300],
        "chunk": number,
    }
    if doc.created_at:
        meta["created_at"] = doc.created_at
    if section.heading:
        meta["heading"] = section.heading[:300]
    for key, value in {**doc.metadata, **extra}.items():
        # Chroma metadata values must be scalars; lists are joined so they stay filterable by substring.
        if value is None or value == "" or value == []:
            continue
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        if isinstance(value, str | int | float | bool):
            meta[key] = value
    return meta


# A piece of chunk text, the section it came from, its role and (for a ticket's answer) where the answer starts.
_Piece = tuple[str, Section, Part, int | None]


def chunk_document(doc: Document, budget: int = MAX_CHARS) -> list[Chunk]:
    """Chunks of one item with deterministic ids ``source:hash(source_id):n``; each chunk's metadata says what
    its text is (``part``) and, for a past ticket's answer, where the answer starts (``answer_at``)."""
    first: dict[str, Any] = {}
    texts: list[_Piece]
    if is_ticket_source(doc.source):
        texts = _ticket_chunks(doc, budget)
        # Chunks carry the question shortened to make room for the resolution; routing learns from the whole
        # question, as the helpdesk will send it.
        first["question"] = _question(doc)[:QUESTION_CHARS]
    elif doc.source == SourceKind.SLACK:
        texts = _thread_chunks(doc, budget)
    else:
        texts = _doc_chunks(doc, budget)
    return [
        Chunk(
            chunk_id(doc.source, doc.source_id, i),
            text,
            _metadata(doc, i, section, {**(first if i == 0 else {}), "part": part.value, "answer_at": answer_at}),
        )
        for i, (text, section, part, answer_at) in enumerate(texts)
    ]


def _question(doc: Document) -> str:
    """Title and question of a ticket, the title left out when the question already starts with it."""
    q_text = "\n\n".join(s.text for s in doc.sections if s.heading == "question").strip()
    return f"{doc.title}\n\n{q_text}".strip() if q_text and not q_text.startswith(doc.title) else (q_text or doc.title)


def _ticket_chunks(doc: Document, budget: int) -> list[_Piece]:
    public = [s for s in doc.sections if s.heading != "question" and s.visibility == "public"]
    internal = [s for s in doc.sections if s.visibility == "internal"]
    head = _question(doc)
    # Keep the question to at most half the budget so each chunk has room for the resolution.
    q_short = head if len(head) <= budget // 2 else head[: budget // 2].rsplit(" ", 1)[0] + " …"
    out: list[_Piece] = []
    answer = "\n\n".join(f"{s.heading.capitalize()}: {s.text}" if s.heading else s.text for s in public).strip()
    if not answer:
        for part in _split(head, budget):
            out.append((part, Section(part, "question"), Part.QUESTION, _quoted_from(part)))
    else:
        for part in _split(answer, budget - len(q_short) - 2):
            text = f"{q_short}\n\n{part}"
            out.append((text, Section(part, "resolution"), Part.ANSWER, _quoted_from(text)))
    for note in internal:
        for part in _split(note.text, budget - len(q_short) - 2):
            out.append(
                (
                    f"{q_short}\n\nInternal note: {part}",
                    Section(part, note.heading, "internal"),
                    Part.INTERNAL_NOTE,
                    None,
                )
            )
    return out


_LABEL = re.compile(r"\n\n(?:Resolution|Reply): ")


def _quoted_from(text: str) -> int:
    """Where the part of a ticket chunk that an answer may quote begins (``answer_at``): after the first answer
    label, else after the first paragraph. A chunk of a ticket with no recorded answer is therefore quoted from its
    question: the behaviour answers had before this was metadata, kept so that eval reports stay comparable;
    issue #20 stops it, measured."""
    found = _LABEL.search(text)
    if found:
        return found.end()
    cut = text.find("\n\n")
    return cut + 2 if cut >= 0 else 0


def _thread_chunks(doc: Document, budget: int) -> list[_Piece]:
    parent, replies = doc.sections[0], doc.sections[1:]
    p_text = parent.text if len(parent.text) <= budget // 2 else parent.text[: budget // 2].rsplit(" ", 1)[0] + " …"
    if not replies:
        return [
            (part, Section(part, "question", parent.visibility), Part.THREAD, None)
            for part in _split(parent.text, budget)
        ]
    lines = [f"{r.heading}: {r.text}" if r.heading else r.text for r in replies]
    out: list[_Piece] = []
    for part in _split("\n\n".join(lines), budget - len(p_text) - 2):
        out.append((f"{p_text}\n\n{part}", Section(part, "replies", parent.visibility), Part.THREAD, None))
    return out


def _doc_chunks(doc: Document, budget: int) -> list[_Piece]:
    out: list[_Piece] = []
    for section in doc.sections:
        context = " > ".join(p for p in (doc.title, section.heading) if p)
        room = max(budget - len(context) - 2, budget // 2)
        for part in _split(section.text, room):
            text = f"{context}\n\n{part}" if context and not part.startswith(context) else part
            out.append((text, section, Part.DOC, None))
    return out
