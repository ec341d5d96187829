"""Accounts from a CRM export (CSV or JSON): id, name, plan, products in use, contract SLA overrides.

CSV columns: ``id`` (or ``account_id``), ``name``, ``plan`` (or ``customer_tier``), ``products`` (``;`` or ``,``
separated), ``zendesk_organization_id`` (the helpdesk organization whose tickets are this account's), and any
``sla_<SEVERITY>_<reply|resolve>`` columns (e.g. ``sla_S1_reply = 10m``). JSON: a list of
objects (or ``{"accounts": [...]}``) with the same keys, ``products`` a list and ``sla_overrides`` an object.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from ingest.connectors.base import Account, Connector, Item

_SLA_COLUMN = re.compile(r"^sla_([A-Za-z0-9]+)_(reply|resolve)$")


class AccountsConnector(Connector):
    source = "accounts"

    def items(self) -> Iterator[Item]:
        if not self.path.is_file():
            yield self.failure(str(self.path), "not a file")
            return
        try:
            text = self.path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            yield self.failure(self.path.name, f"not UTF-8 text (byte {exc.start}); save the export as UTF-8")
            return
        except OSError as exc:
            yield self.failure(self.path.name, f"cannot read: {exc.strerror or exc}")
            return
        if self.path.suffix.lower() == ".csv":
            for n, row in enumerate(csv.DictReader(io.StringIO(text, newline="")), start=2):
                yield self._account({k: v for k, v in row.items() if k}, f"{self.path.name}:{n}")
            return
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            yield self.failure(self.path.name, f"not readable JSON: {exc}")
            return
        except RecursionError:
            yield self.failure(self.path.name, "nested too deeply to be an accounts export")
            return
        rows = data.get("accounts") if isinstance(data, Mapping) else data
        if not isinstance(rows, list):
            yield self.failure(self.path.name, 'expected a list of accounts or {"accounts": [...]}')
            return
        for i, row in enumerate(rows):
            yield self._account(row, f"{self.path.name}[{i}]")

    def _account(self, row: Any, where: str) -> Item:
        if not isinstance(row, Mapping):
            return self.failure(where, "an account must be an object")
        aid = str(row.get("id") or row.get("account_id") or "").strip()
        if not aid:
            return self.failure(where, "field 'id' is missing")
        products = row.get("products") or row.get("integrations") or []
        if isinstance(products, str):
            products = [p.strip() for p in re.split(r"[;,]", products) if p.strip()]
        if not isinstance(products, list):
            return self.failure(where, f"account {aid}: 'products' must be a list")
        overrides: dict[str, Any] = {}
        raw_over = row.get("sla_overrides")
        if isinstance(raw_over, str) and raw_over.strip():
            try:
                raw_over = json.loads(raw_over)
            except json.JSONDecodeError:
                return self.failure(where, f"account {aid}: 'sla_overrides' is not JSON")
        if isinstance(raw_over, Mapping):
            for sev, targets in raw_over.items():
                for kind, value in (targets or {}).items() if isinstance(targets, Mapping) else []:
                    overrides[f"{sev}.{kind}"] = value
        for key, value in row.items():
            m = _SLA_COLUMN.match(str(key))
            if m and value not in (None, ""):
                overrides[f"{m.group(1)}.{m.group(2)}"] = value
        plan = row.get("plan") or row.get("customer_tier")
        org = str(row.get("zendesk_organization_id") or "").strip()
        if org and not org.isdigit():
            return self.failure(where, f"account {aid}: 'zendesk_organization_id' must be a number, got {org!r}")
        return Account(
            id=aid,
            name=str(row.get("name") or aid),
            plan=str(plan).strip().lower() if plan else None,
            products=tuple(str(p) for p in products),
            sla_overrides=tuple(sorted(overrides.items())),
            zendesk_organization_id=org or None,
        )
