"""Spreadsheet round trip: a matrix as one sheet per section (XLSX workbook, or a folder of CSV files).

Support leads keep their escalation matrix in a spreadsheet today; this lets them keep doing so. Every cell is
text: durations as ``4h``, opening hours as ``09:00-17:00``, lists comma-separated, conditions in their one-line
text form. ``import_sheets(export_sheets(m)) == m`` (same model, same version).
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

from matrix import conditions
from matrix.errors import MatrixLoadError
from matrix.loader import matrix_from_data
from matrix.schema import WEEKDAYS, Matrix, format_duration

Rows = list[dict[str, str]]

SECTIONS: dict[str, list[str]] = {
    "matrix": ["key", "value"],
    "facts": ["name", "kind", "values", "minimum", "maximum", "description"],
    "tiers": ["id", "name", "responsibility", "owner_role", "backup_role", "notify"],
    "severities": ["id", "name", "description", "entry_tier", "notify"],
    "calendars": ["id", "timezone", *WEEKDAYS, "holidays"],
    "plans": ["id", "name", "calendar"],
    "sla": ["plan", "severity", "reply", "resolve"],
    "queues": ["id", "name", "tier", "owner_role", "backup_role", "notify"],
    "triggers": ["id", "when", "tier", "queue", "bypass", "after", "reason", "notify"],
    "time_escalation": ["tier", "to", "plan", "severity", "minutes"],
    "customer_updates": ["severity", "every"],
    "post_resolution": ["id", "action", "when"],
}


def _join(items: list[Any]) -> str:
    return ", ".join(str(i) for i in items)


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _num(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else repr(value)


def to_rows(m: Matrix) -> dict[str, Rows]:
    """The matrix as rows of text, one list per section."""
    data = m.model_dump(mode="json")
    meta = [
        ("name", m.name),
        ("owner", m.owner),
        ("last_reviewed", m.last_reviewed.isoformat()),
        ("adopted", m.adopted.isoformat() if m.adopted else ""),
        ("default_severity", m.defaults.severity),
        ("default_customer_tier", m.defaults.customer_tier),
        ("pre_breach_warning", repr(m.pre_breach_warning)),
    ]
    out: dict[str, Rows] = {"matrix": [{"key": k, "value": v} for k, v in meta]}
    out["facts"] = [
        {
            "name": f.name,
            "kind": f.kind,
            "values": _join(f.values),
            "minimum": _num(f.minimum),
            "maximum": _num(f.maximum),
            "description": f.description,
        }
        for f in m.facts
    ]
    out["tiers"] = [
        {
            "id": t.id,
            "name": t.name,
            "responsibility": t.responsibility,
            "owner_role": t.owner_role,
            "backup_role": t.backup_role or "",
            "notify": _join(t.notify),
        }
        for t in m.tiers
    ]
    out["severities"] = [
        {
            "id": s.id,
            "name": s.name,
            "description": s.description,
            "entry_tier": s.entry_tier,
            "notify": _join(s.notify),
        }
        for s in m.severities
    ]
    out["calendars"] = []
    for cal in data["calendars"]:
        row = {"id": cal["id"], "timezone": cal["timezone"], "holidays": _join(cal["holidays"])}
        hours = cal["hours"]
        for day in WEEKDAYS:
            # "24x7" is told apart from "closed all week" by leaving every day empty *and* writing 24x7 on Monday.
            row[day] = "24x7" if hours is None and day == "mon" else ((hours or {}).get(day) or "")
        out["calendars"].append(row)
    out["plans"] = [{"id": p.id, "name": p.name, "calendar": p.calendar} for p in m.plans]
    out["sla"] = [
        {"plan": p.id, "severity": s, "reply": format_duration(t.reply), "resolve": format_duration(t.resolve)}
        for p in m.plans
        for s, t in p.sla.items()
    ]
    out["queues"] = [
        {
            "id": q.id,
            "name": q.name,
            "tier": q.tier,
            "owner_role": q.owner_role or "",
            "backup_role": q.backup_role or "",
            "notify": _join(q.notify),
        }
        for q in m.queues
    ]
    out["triggers"] = [
        {
            "id": t.id,
            "when": conditions.render(t.when),
            "tier": t.tier,
            "queue": t.queue or "",
            "bypass": "true" if t.bypass else "false",
            "after": format_duration(t.after) if t.after else "",
            "reason": t.reason,
            "notify": _join(t.notify),
        }
        for t in m.triggers
    ]
    out["time_escalation"] = [
        {"tier": te.tier, "to": te.to, "plan": plan, "severity": sev, "minutes": format_duration(mins)}
        for te in m.time_escalation
        for plan, by_sev in te.minutes.items()
        for sev, mins in by_sev.items()
    ]
    out["customer_updates"] = [{"severity": s, "every": format_duration(v)} for s, v in m.customer_updates.items()]
    out["post_resolution"] = [
        {"id": p.id, "action": p.action, "when": conditions.render(p.when) if p.when else ""} for p in m.post_resolution
    ]
    return out


def from_rows(sheets: dict[str, Rows], source: str) -> Matrix:
    """Rebuild and validate a matrix from its sections. Problems name the sheet, row and column."""
    problems: list[tuple[str, str]] = []

    def rows(name: str) -> Rows:
        if name not in sheets:
            problems.append((f"sheet {name}", "missing"))
            return []
        return sheets[name]

    def cell(name: str, i: int, row: dict[str, str], col: str, parse: Callable[[str], Any] = str) -> Any:
        text = (row.get(col) or "").strip()
        try:
            return parse(text)
        except ValueError as exc:
            problems.append((f"sheet {name}, row {i + 2}, column {col}", str(exc)))
            return None

    meta = {r.get("key", ""): (r.get("value") or "").strip() for r in rows("matrix")}
    data: dict[str, Any] = {
        "name": meta.get("name"),
        "owner": meta.get("owner"),
        "last_reviewed": meta.get("last_reviewed"),
        "adopted": meta.get("adopted") or None,
        "defaults": {"severity": meta.get("default_severity"), "customer_tier": meta.get("default_customer_tier")},
    }
    if meta.get("pre_breach_warning"):
        data["pre_breach_warning"] = meta["pre_breach_warning"]
    data["facts"] = [
        {
            "name": r["name"],
            "kind": r["kind"],
            "values": _split(r.get("values", "")),
            "minimum": cell("facts", i, r, "minimum", _parse_number),
            "maximum": cell("facts", i, r, "maximum", _parse_number),
            "description": r.get("description", ""),
        }
        for i, r in enumerate(rows("facts"))
    ]
    data["tiers"] = [
        {
            "id": r["id"],
            "name": r["name"],
            "responsibility": r.get("responsibility", ""),
            "owner_role": r["owner_role"],
            "backup_role": r.get("backup_role") or None,
            "notify": _split(r["notify"]),
        }
        for r in rows("tiers")
    ]
    data["severities"] = [
        {
            "id": r["id"],
            "name": r["name"],
            "description": r.get("description", ""),
            "entry_tier": r["entry_tier"],
            "notify": _split(r.get("notify", "")),
        }
        for r in rows("severities")
    ]
    data["calendars"] = []
    for r in rows("calendars"):
        cal: dict[str, Any] = {"id": r["id"], "timezone": r["timezone"], "holidays": _split(r.get("holidays", ""))}
        if (r.get("mon") or "").strip() != "24x7":
            cal["hours"] = {d: r[d] for d in WEEKDAYS if (r.get(d) or "").strip()}
        data["calendars"].append(cal)
    sla: dict[str, dict[str, Any]] = {}
    for r in rows("sla"):
        sla.setdefault(r["plan"], {})[r["severity"]] = {"reply": r["reply"], "resolve": r["resolve"]}
    data["plans"] = [
        {"id": r["id"], "name": r["name"], "calendar": r["calendar"], "sla": sla.pop(r["id"], {})}
        for r in rows("plans")
    ]
    for plan in sla:
        problems.append(("sheet sla", f"plan {plan!r} is not on the plans sheet"))
    data["queues"] = [
        {
            "id": r["id"],
            "name": r["name"],
            "tier": r["tier"],
            "owner_role": r.get("owner_role") or None,
            "backup_role": r.get("backup_role") or None,
            "notify": _split(r.get("notify", "")),
        }
        for r in rows("queues")
    ]
    data["triggers"] = []
    for i, r in enumerate(rows("triggers")):
        when = cell("triggers", i, r, "when", conditions.parse_text)
        bypass = cell("triggers", i, r, "bypass", _parse_bool)
        data["triggers"].append(
            {
                "id": r["id"],
                "when": when,
                "tier": r["tier"],
                "queue": r.get("queue") or None,
                "bypass": bypass,
                "after": r.get("after") or None,
                "reason": r["reason"],
                "notify": _split(r.get("notify", "")),
            }
        )
    escalations: dict[tuple[str, str], dict[str, dict[str, str]]] = {}
    for r in rows("time_escalation"):
        escalations.setdefault((r["tier"], r["to"]), {}).setdefault(r["plan"], {})[r["severity"]] = r["minutes"]
    data["time_escalation"] = [{"tier": t, "to": to, "minutes": mins} for (t, to), mins in escalations.items()]
    data["customer_updates"] = {r["severity"]: r["every"] for r in rows("customer_updates")}
    data["post_resolution"] = []
    for i, r in enumerate(rows("post_resolution")):
        when = cell("post_resolution", i, r, "when", lambda t: conditions.parse_text(t) if t else None)
        data["post_resolution"].append({"id": r["id"], "action": r["action"], "when": when})
    if problems:
        raise MatrixLoadError(source, problems)
    return matrix_from_data(data, source)


def _parse_number(text: str) -> float | None:
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"must be a number, got {text!r}") from None


def _parse_bool(text: str) -> bool:
    lowered = text.lower()
    if lowered in ("true", "yes", "1", "y"):
        return True
    if lowered in ("false", "no", "0", "n", ""):
        return False
    raise ValueError(f"must be true or false, got {text!r}")


# ---------------------------------------------------------------------------------------------------- files


def export_csv(m: Matrix, folder: Path) -> list[Path]:
    """One CSV file per section in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, rows in to_rows(m).items():
        path = folder / f"{name}.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=SECTIONS[name])
            writer.writeheader()
            writer.writerows(rows)
        written.append(path)
    return written


def export_xlsx(m: Matrix, path: Path) -> Path:
    """One workbook, one sheet per section; every cell is text so nothing is reinterpreted on the way back."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in to_rows(m).items():
        ws = wb.create_sheet(name)
        cols = SECTIONS[name]
        ws.append(cols)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append([row.get(c, "") for c in cols])
        for cell_row in ws.iter_rows(min_row=2):
            for cell in cell_row:
                cell.number_format = "@"
        for i, col in enumerate(cols, start=1):
            width = max([len(col), *(len(str(r.get(col, ""))) for r in rows)])
            ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = min(max(width + 2, 10), 80)
        ws.freeze_panes = "A2"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _text(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):  # a spreadsheet app may have turned a typed date into a date cell
        return str(value.isoformat())[:10]
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_sheets(path: Path) -> dict[str, Rows]:
    """Read a workbook (.xlsx) or a folder of <section>.csv files into rows of text."""
    sheets: dict[str, Rows] = {}
    if path.is_dir():
        for name in SECTIONS:
            file = path / f"{name}.csv"
            if file.exists():
                with file.open(newline="", encoding="utf-8-sig") as fh:
                    sheets[name] = [{k: (v or "") for k, v in row.items() if k} for row in csv.DictReader(fh)]
        return sheets
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    for ws in wb.worksheets:
        values = list(ws.iter_rows(values_only=True))
        if not values:
            continue
        header = [_text(h).strip() for h in values[0]]
        sheets[ws.title] = [
            {h: _text(v) for h, v in zip(header, row, strict=False) if h}
            for row in values[1:]
            if any(v not in (None, "") for v in row)
        ]
    return sheets


def import_sheets(path: Path) -> Matrix:
    """Load a matrix from an .xlsx workbook or a folder of CSV files."""
    if not path.exists():
        raise MatrixLoadError(str(path), [("(file)", "no such file or folder")])
    try:
        sheets = read_sheets(path)
    except (OSError, ValueError, KeyError) as exc:
        raise MatrixLoadError(str(path), [("(file)", f"cannot read spreadsheet: {exc}")]) from None
    try:
        return from_rows(sheets, str(path))
    except KeyError as exc:
        raise MatrixLoadError(str(path), [("(sheet)", f"missing column {exc}")]) from None
