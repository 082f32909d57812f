"""What ``crm_mon`` reads off operation records, shared by its text and XML output:
integer attributes, Pacemaker's time stamps, and whether a record is a failed action."""

from __future__ import annotations

import time

from lxml import etree

__all__ = ["epoch_text", "failed_op", "int_attr"]


def epoch_text(seconds: float) -> str:
    """Pacemaker's ``pcmk__epoch2str``: ``Sun Nov 22 01:40:54 2026`` in local time."""
    return time.strftime("%a %b %e %H:%M:%S %Y", time.localtime(seconds))


def int_attr(text: str | None, default: int = 0) -> int:
    try:
        return int(text or "")
    except ValueError:
        return default


def _expected(op: etree._Element) -> int:
    parts = (op.get("transition-key") or "").split(":")
    return int_attr(parts[2]) if len(parts) >= 3 else 0


def failed_op(op: etree._Element) -> bool:
    """Whether Pacemaker's unpacking records ``op`` as a failed action: results of finished or
    errored operations are judged by their return code against the expected one."""
    status = int_attr(op.get("op-status"))
    if status in (-1, 1):
        return False
    if status not in (0, 4):
        return True
    rc = int_attr(op.get("rc-code"))
    task = op.get("operation") or ""
    if task == "monitor" and int_attr(op.get("interval")) == 0 and rc in (0, 5, 7, 8):
        return False  # a probe found the resource running, promoted, stopped or not installed
    return rc != _expected(op)
