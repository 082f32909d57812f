"""What ``crm_mon`` reads off operation records, shared by its text and XML output:
integer attributes, Pacemaker's time stamps, and whether a record is a failed action."""

from __future__ import annotations

import time

from lxml import etree

__all__ = ["epoch_text", "failed_op", "hard_failures", "int_attr", "masked_probe"]


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


def _probe(op: etree._Element) -> bool:
    return op.get("operation") == "monitor" and int_attr(op.get("interval")) == 0


def masked_probe(op: etree._Element) -> bool:
    """``pcmk_xe_mask_probe_failure``: a probe that found the agent missing or its parameters
    invalid is shown as a stopped resource (``Stopped (not installed)``), not as a failure."""
    if not _probe(op):
        return False
    return int_attr(op.get("rc-code")) in (2, 5) or int_attr(op.get("op-status")) == 7


HARD_RC = {2: "invalid parameter", 3: "unimplemented feature", 4: "insufficient privileges"}


def _parent(rsc: str, cib: etree._Element) -> str:
    """The resource Pacemaker names when it stops ``rsc`` from restarting: its clone (a bundle's
    primitive belongs to the implicit clone ``BUNDLE-clone``), else itself."""
    base = rsc.split(":", 1)[0]
    for prim in cib.iterfind("configuration/resources//primitive"):
        if prim.get("id") != base:
            continue
        for ancestor in prim.iterancestors():
            if ancestor.tag in ("clone", "master"):
                return str(ancestor.get("id"))
            if ancestor.tag == "bundle":
                return f"{ancestor.get('id')}-clone"
    return rsc


def hard_failures(cib: etree._Element) -> list[str]:
    """What unpacking the status logs for failures that forbid a restart on the node (agents
    answering invalid parameter, unimplemented feature or insufficient privileges)."""
    lines: list[str] = []
    for state in cib.iterfind("status/node_state"):
        node = state.get("uname") or state.get("id") or ""
        for entry in state.iterfind("lrm/lrm_resources/lrm_resource"):
            for op in entry.iterfind("lrm_rsc_op"):
                rc = int_attr(op.get("rc-code"))
                if int_attr(op.get("op-status")) != 0 or rc not in HARD_RC or not failed_op(op):
                    continue
                reason = op.get("exit-reason") or ""
                text = f"{HARD_RC[rc]}: {reason}" if reason else HARD_RC[rc]
                lines.append(f"Preventing {_parent(str(entry.get('id')), cib)} from restarting on {node} because of "
                             f"hard failure ({text})| rc={rc} id={op.get('id')}")
    return lines
