"""SLA clocks: calendar arithmetic that honours business hours, holidays, DST and paused time.

A clock answers two questions:
  * ``add(start, minutes, pauses)``: when will ``minutes`` of *active* time have passed since ``start``?
  * ``active_minutes(start, end, pauses)``: how much active time lies between two instants?

Active time = inside the calendar's open windows and outside every pause. Pauses are closed intervals of UTC
datetimes (the engine closes an open pause at ``now`` before calling, so deadlines read "if the clock resumed
now").
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

Pause = tuple[datetime, datetime]
_MINUTE = timedelta(minutes=1)
_DAY = timedelta(days=1)
# Search horizon: a calendar whose windows are all holidays for this long is broken, not slow.
_MAX_DAYS = 3 * 366


class Clock:
    """Base class: subclasses yield their open windows; ``add``/``active_minutes`` are shared helpers."""

    def windows(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Open windows (UTC, increasing, non-overlapping) that end after ``start``; the first may begin before."""
        raise NotImplementedError

    def _active(self, start: datetime, pauses: Sequence[Pause]) -> Iterator[tuple[datetime, datetime]]:
        for ws, we in self.windows(start):
            ws = max(ws, start)
            # Cut the paused parts out of this window.
            for ps, pe in pauses:
                if pe <= ws or ps >= we:
                    continue
                if ps > ws:
                    yield ws, ps
                ws = max(ws, pe)
                if ws >= we:
                    break
            if ws < we:
                yield ws, we

    def add(self, start: datetime, minutes: float, pauses: Sequence[Pause] = ()) -> datetime:
        """The instant at which ``minutes`` of active time have elapsed since ``start``."""
        remaining = timedelta(minutes=minutes)
        for ws, we in self._active(start, pauses):
            span = we - ws
            if span >= remaining:
                return ws + remaining
            remaining -= span
        raise RuntimeError("calendar has no open time within the search horizon")  # pragma: no cover

    def active_minutes(self, start: datetime, end: datetime, pauses: Sequence[Pause] = ()) -> float:
        """Active minutes in [start, end)."""
        if end <= start:
            return 0.0
        total = timedelta()
        for ws, we in self._active(start, pauses):
            if ws >= end:
                break
            total += min(we, end) - ws
        return total / _MINUTE


class AlwaysOpen(Clock):
    """24x7: every minute counts, except paused ones."""

    def windows(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        yield start, datetime.max.replace(tzinfo=UTC)

    def add(self, start: datetime, minutes: float, pauses: Sequence[Pause] = ()) -> datetime:
        if not pauses:  # the common case, kept allocation-free
            return start + timedelta(minutes=minutes)
        return super().add(start, minutes, pauses)

    def active_minutes(self, start: datetime, end: datetime, pauses: Sequence[Pause] = ()) -> float:
        if not pauses:
            return max((end - start) / _MINUTE, 0.0)
        return super().active_minutes(start, end, pauses)


class BusinessHours(Clock):
    """Weekly opening hours in a time zone, minus holidays (local dates).

    ``hours`` maps weekday number (Monday = 0) to a list of (open, close) minutes after local midnight (close may
    be 1440). Windows are built from local wall-clock times and converted to UTC one day at a time, so DST changes
    shift them correctly (aware datetime arithmetic in one zone is wall-clock arithmetic).
    """

    def __init__(self, timezone: str, hours: dict[int, list[tuple[int, int]]], holidays: Sequence[date] = ()):
        self.zone = ZoneInfo(timezone)
        self.hours = hours
        self.holidays = frozenset(holidays)
        # Windows of a local day never change; computing them (zone conversions) dominates the arithmetic.
        self._days: dict[date, tuple[tuple[datetime, datetime], ...]] = {}

    def _day(self, day: date) -> tuple[tuple[datetime, datetime], ...]:
        spans = self._days.get(day)
        if spans is None:
            spans = ()
            if day not in self.holidays:
                midnight = datetime.combine(day, time(0), self.zone)
                spans = tuple(
                    (
                        (midnight + timedelta(minutes=o)).astimezone(UTC),
                        (midnight + timedelta(minutes=c)).astimezone(UTC),
                    )
                    for o, c in self.hours.get(day.weekday(), ())
                )
            if len(self._days) > 20_000:  # bounded: a long-running worker sweeps many distinct days
                self._days.clear()
            self._days[day] = spans
        return spans

    def add(self, start: datetime, minutes: float, pauses: Sequence[Pause] = ()) -> datetime:
        if pauses:
            return super().add(start, minutes, pauses)
        # Without pauses (the common case) walk the cached day windows directly: no generators.
        remaining = timedelta(minutes=minutes)
        day = start.astimezone(self.zone).date() - _DAY
        for _ in range(_MAX_DAYS + len(self.holidays)):
            for ws, we in self._days.get(day) or self._day(day):
                if we <= start:
                    continue
                if ws < start:
                    ws = start
                span = we - ws
                if span >= remaining:
                    return ws + remaining
                remaining -= span
            day += _DAY
        raise RuntimeError("calendar has no open time within the search horizon")  # pragma: no cover

    def windows(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        day = start.astimezone(self.zone).date() - timedelta(days=1)  # yesterday: a window may span midnight UTC
        for _ in range(_MAX_DAYS + len(self.holidays)):
            for ws, we in self._day(day):
                if we > start and we > ws:
                    yield ws, we
            day += timedelta(days=1)
