"""Time spans are :mod:`crm.common.durations`; this module keeps the old import path working."""

from __future__ import annotations

from crm.common.durations import parse_interval_ms, parse_ms, parse_seconds

__all__ = ["parse_interval_ms", "parse_ms", "parse_seconds"]
