"""pacer's policy engine: a pure function from a CIB to a transition graph."""

from pengine.api import CibError, Result, ScheduleOptions, schedule

__all__ = ["CibError", "Result", "ScheduleOptions", "schedule"]
