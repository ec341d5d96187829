"""SLA clocks: calendar arithmetic that honours business hours, holidays, DST and paused time.

A clock answers two questions:
  * ``add(start, minutes, pauses)``: when will ``minutes`` of *active* time have passed since ``start``?
  * ``active_minutes(start, end, pauses)``: how much active time lies between two instants?

Active time = inside the calendar's open windows and outside every pause. Pauses are closed intervals of UTC
datetimes (the engine closes an open pause at ``now`` before calling, so deadlines read "if the clock resumed
now").
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

Pause = tuple[datetime, datetime]
_MINUTE = timedelta(minutes=1)
_DAY = timedelta(days=1)
_US = timedelta(microseconds=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DAY_US = 86_400_000_000
_BUCKET = 256 * _DAY_US
# Search horizon: a calendar whose windows are all holidays for this long is broken, not slow.
_MAX_DAYS = 3 * 366


def _instant(us: int) -> datetime:
    """Microseconds since the epoch -> UTC datetime (a positional timedelta of integer microseconds: exact, and the
    cheapest conversion)."""
    return _EPOCH + timedelta(0, 0, us)


@dataclass(frozen=True, slots=True)
class _Index:
    # Slots, not a NamedTuple: a slot is read in a third of the time of a named field, and a new start reads a
    # dozen of them.
    first: date  # local days [first, last) are indexed
    last: date
    lo: int  # the first day's local midnight, microseconds since the epoch
    hi: int  # ... and the local midnight that ends the last day
    starts: list[int]  # open windows, microseconds since the epoch
    ends: list[int]
    cum: list[int]  # open microseconds before each window
    cum_end: list[int]  # ... and up to its end


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

    def add_each(self, start: datetime, minutes: Sequence[float], pauses: Sequence[Pause] = ()) -> list[datetime]:
        """``add`` for several allowances from one start (a decision counts its deadlines from creation, its
        time in tier from entering it); a clock may find the start once."""
        return [self.add(start, m, pauses) for m in minutes]

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
        if not pauses:
            return start + timedelta(minutes=minutes)
        return super().add(start, minutes, pauses)

    def add_each(self, start: datetime, minutes: Sequence[float], pauses: Sequence[Pause] = ()) -> list[datetime]:
        if not pauses:
            return [start + timedelta(minutes=m) for m in minutes]
        return super().add_each(start, minutes, pauses)

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
        self._indexes: dict[int, _Index] = {}  # see _locate

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

    # -- fast path without pauses: a cumulative index of open time ---------------------------------------------
    # Open windows over a span of local days, as integer microseconds since the epoch, with the open time that
    # lies before each window. "Minutes of open time after t" is then two binary searches instead of a walk
    # over the days, and integer arithmetic keeps add(add(t, a), b) == add(t, a + b) exact. The index is one
    # immutable object swapped in whole, so threads sharing a clock never see half of a rebuild.

    def _build(self, first: date, last: date) -> _Index:
        starts: list[int] = []
        ends: list[int] = []
        cum: list[int] = []
        total = 0
        day = first
        while day < last:
            for ws, we in self._day(day):
                if we > ws:
                    starts.append((ws - _EPOCH) // _US)
                    ends.append((we - _EPOCH) // _US)
                    cum.append(total)
                    total += ends[-1] - starts[-1]
            day += _DAY
        lo = (datetime.combine(first, time(0), self.zone) - _EPOCH) // _US
        hi = (datetime.combine(last, time(0), self.zone) - _EPOCH) // _US
        cum_end = [c + e - s for c, s, e in zip(cum, starts, ends, strict=True)]
        return _Index(first, last, lo, hi, starts, ends, cum, cum_end)

    def _locate(self, t: int, need: int = 0, until: int | None = None) -> tuple[_Index, int, int] | None:
        """(index, window, open microseconds in the index before instant ``t``), where the window is the first
        that ends after ``t``, once the index covers ``t``, ``need`` open microseconds after it and the instant
        ``until``; None if the calendar has not that much open time.

        One index per 256-day bucket of instants (so tickets from different years do not rebuild each other's),
        each starting a week before its bucket and grown forward when a window reaches past its end."""
        while True:
            ix = self._indexes.get(t // _BUCKET)
            if ix is not None:
                i = bisect_right(ix.ends, t)
                if i < len(ix.ends):
                    opens = ix.starts[i]
                    before = ix.cum[i] + (t - opens if t > opens else 0)
                    if ix.cum_end[-1] - before >= need and (until is None or ix.ends[-1] >= until):
                        return ix, i, before
            if not self._grow(t, ix):
                return None

    def _grow(self, t: int, ix: _Index | None) -> bool:
        """Build the index of ``t``'s bucket, or extend it by a year; False once it reaches past the search
        horizon (the calendar has not the open time asked for)."""
        if ix is None:
            first = _instant(t // _BUCKET * _BUCKET).astimezone(self.zone).date() - timedelta(days=7)
            ix = self._build(first, first + timedelta(days=400))
        elif ix.hi > t + (_MAX_DAYS + len(self.holidays)) * _DAY_US:
            return False
        else:
            ix = self._build(ix.first, ix.last + timedelta(days=366))
        if len(self._indexes) >= 64:  # bounded: a worker that sees many years keeps the recent ones
            self._indexes.clear()
        self._indexes[t // _BUCKET] = ix
        return True

    def add(self, start: datetime, minutes: float, pauses: Sequence[Pause] = ()) -> datetime:
        return self.add_each(start, (minutes,), pauses)[0]

    def add_each(self, start: datetime, minutes: Sequence[float], pauses: Sequence[Pause] = ()) -> list[datetime]:
        """Without pauses: the start is found in the index once, then each allowance is one binary search (exact
        integer arithmetic). With pauses: the window walk."""
        if pauses or not minutes or min(minutes) <= 0:
            return [Clock.add(self, start, m, pauses) for m in minutes]
        needs = [m * 60_000_000 if type(m) is int else timedelta(minutes=m) // _US for m in minutes]
        ix, i, t, counting, before = self._where(start, max(needs))
        out = []
        for need in needs:
            if counting + need <= ix.ends[i]:  # within the window it starts counting in: no search
                at = counting + need
            else:
                target = before + need
                j = bisect_left(ix.cum_end, target)  # the window in which the open time reaches the target
                at = ix.starts[j] + target - ix.cum[j]
            out.append(start + timedelta(microseconds=at - t) if counting == t else _instant(at))
        return out

    def _where(self, start: datetime, need: int) -> tuple[_Index, int, int, int, int]:
        """(index, window, start, the instant open time starts counting from, open time before it), instants in
        microseconds since the epoch, with ``need`` open microseconds after the start in the index."""
        t = (start - _EPOCH) // _US
        found = self._locate(t, need)
        if found is None:
            raise RuntimeError("calendar has no open time within the search horizon")
        ix, i, before = found
        return ix, i, t, max(t, ix.starts[i]), before

    def active_minutes(self, start: datetime, end: datetime, pauses: Sequence[Pause] = ()) -> float:
        if pauses or end <= start:
            return super().active_minutes(start, end, pauses)
        a, b = (start - _EPOCH) // _US, (end - _EPOCH) // _US
        first = self._locate(a, until=b)
        last = self._locate(b) if first is not None else None
        if first is None or last is None or first[0] is not last[0]:
            return super().active_minutes(start, end, pauses)
        return (last[2] - first[2]) / 60e6

    def windows(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        day = start.astimezone(self.zone).date() - timedelta(days=1)  # yesterday: a window may span midnight UTC
        for _ in range(_MAX_DAYS + len(self.holidays)):
            for ws, we in self._day(day):
                if we > start and we > ws:
                    yield ws, we
            day += timedelta(days=1)
