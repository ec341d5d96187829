"""The runtime's database: schema (``schema``), numbered migrations and ``connect`` (``migrations``)."""

from assist.db.migrations import MIGRATIONS, as_utc, connect

__all__ = ["MIGRATIONS", "as_utc", "connect"]
