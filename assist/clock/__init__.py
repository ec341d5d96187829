"""The SLA clock: open tickets, their deadlines, automatic escalation by time (``tracker``) and the leadership
report over them (``report``)."""

from assist.clock.report import escalation_report
from assist.clock.tracker import SweepStats, Tracker

__all__ = ["SweepStats", "Tracker", "escalation_report"]
