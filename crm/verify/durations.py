"""Durations are read by :mod:`crm.common.durations`; this module keeps the import path of
the checks (and of the crm shell's) working."""

from __future__ import annotations

from crm.common.durations import parse_ms

__all__ = ["parse_ms"]
