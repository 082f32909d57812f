"""Exit codes and execution statuses, and how each agent class maps to them.

Follows Pacemaker 2.1.5's executor (``include/crm/common/results.h``,
``lib/services/services_ocf.c``, ``services_lsb.c``) and, for the ``heartbeat``
class that Pacemaker 2 dropped, Pacemaker 1.1's ``hb2uniform_rc``.
"""

from __future__ import annotations

import re
from enum import StrEnum

from crm.common.results import ExecStatus as ExecStatus  # re-exported: lrmd's users import them from here
from crm.common.results import OcfRc as OcfRc
from crm.common.results import rc_text as rc_text


class AgentClass(StrEnum):
    """Supported agent classes (plain strings on the wire)."""

    OCF = "ocf"
    LSB = "lsb"
    HEARTBEAT = "heartbeat"
    STONITH = "stonith"


SUPPORTED_CLASSES = frozenset({AgentClass.OCF, AgentClass.LSB, AgentClass.HEARTBEAT, AgentClass.STONITH})

# Pacemaker's LSB extensions for status (PCMK_LSB_STATUS_NOT_INSTALLED etc.).
LSB_STATUS_NOT_INSTALLED = 150
LSB_STATUS_INSUFFICIENT_PRIV = 151


def ocf_to_ocf(rc: int) -> int:
    """``services__ocf2ocf``: anything outside 0-9, 190, 191 becomes 1."""
    if rc in (OcfRc.DEGRADED, OcfRc.DEGRADED_PROMOTED):
        return rc
    if rc < 0 or rc > OcfRc.FAILED_PROMOTED:
        return int(OcfRc.ERR_GENERIC)
    return rc


def lsb_to_ocf(action: str, rc: int) -> int:
    """``services__lsb2ocf``: status codes are remapped, other actions pass 0-7."""
    if action in ("status", "monitor"):
        if rc == 0:
            return int(OcfRc.OK)
        if rc in (1, 2, 3):
            return int(OcfRc.NOT_RUNNING)
        if rc == LSB_STATUS_NOT_INSTALLED:
            return int(OcfRc.ERR_INSTALLED)
        if rc == LSB_STATUS_INSUFFICIENT_PRIV:
            return int(OcfRc.ERR_PERM)
        return int(OcfRc.ERR_GENERIC)
    if 0 <= rc <= 7:
        return rc
    return int(OcfRc.ERR_GENERIC)


_NOT_RUNNING_RE = re.compile(r"stopped|not.*running", re.DOTALL)


def heartbeat_to_ocf(action: str, rc: int, stdout: str) -> int:
    """Pacemaker 1.1's ``hb2uniform_rc``: status is judged from stdout.

    Lower-cased output containing "stopped" or "not ... running" means not
    running; "running" (or a case-sensitive "OK") means running; anything else,
    or no output at all, means not running.  Other actions use the LSB mapping.
    """
    if action not in ("status", "monitor"):
        return lsb_to_ocf(action, rc)
    lowered = stdout.lower()
    if not stdout.strip():
        return int(OcfRc.NOT_RUNNING)
    if _NOT_RUNNING_RE.search(lowered):
        return int(OcfRc.NOT_RUNNING)
    if "running" in lowered or "OK" in stdout:
        return int(OcfRc.OK)
    return int(OcfRc.NOT_RUNNING)


def normalise_rc(agent_class: str, action: str, rc: int, stdout: str = "") -> int:
    """Map a raw exit code of an agent of ``agent_class`` to an OCF rc."""
    if agent_class == AgentClass.LSB:
        return lsb_to_ocf(action, rc)
    if agent_class == AgentClass.HEARTBEAT:
        return heartbeat_to_ocf(action, rc, stdout)
    if agent_class == AgentClass.STONITH:
        return int(OcfRc.OK) if rc == 0 else int(OcfRc.ERR_GENERIC)
    return ocf_to_ocf(rc)


def class_action(agent_class: str, action: str) -> str:
    """The action name actually passed to the agent (``monitor`` is ``status`` for LSB/v1;
    a fence device's start, monitor and status are the fence agent's ``monitor``)."""
    if agent_class in (AgentClass.LSB, AgentClass.HEARTBEAT) and action == "monitor":
        return "status"
    if agent_class == AgentClass.STONITH:
        if action in ("start", "monitor", "status"):
            return "monitor"
        if action == "meta-data":
            return "metadata"
    return action
