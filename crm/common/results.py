"""Results as Pacemaker numbers them (``include/crm/common/results.h``): the OCF exit codes of
agents, the execution status of an operation (``op-status``) and the exit codes of the tools
and daemons (``crm_exit_t``)."""

from __future__ import annotations

from enum import IntEnum


class OcfRc(IntEnum):
    """OCF exit codes plus Pacemaker's extensions."""

    OK = 0
    ERR_GENERIC = 1
    ERR_ARGS = 2
    ERR_UNIMPLEMENTED = 3
    ERR_PERM = 4
    ERR_INSTALLED = 5
    ERR_CONFIGURED = 6
    NOT_RUNNING = 7
    RUNNING_PROMOTED = 8
    FAILED_PROMOTED = 9
    DEGRADED = 190
    DEGRADED_PROMOTED = 191
    UNKNOWN = 193

    @property
    def text(self) -> str:
        """Pacemaker's ``services_ocf_exitcode_str`` wording."""
        return _RC_TEXT.get(self, "unknown")


_RC_TEXT = {
    OcfRc.OK: "ok",
    OcfRc.ERR_GENERIC: "error",
    OcfRc.ERR_ARGS: "invalid parameter",
    OcfRc.ERR_UNIMPLEMENTED: "unimplemented feature",
    OcfRc.ERR_PERM: "insufficient privileges",
    OcfRc.ERR_INSTALLED: "not installed",
    OcfRc.ERR_CONFIGURED: "not configured",
    OcfRc.NOT_RUNNING: "not running",
    OcfRc.RUNNING_PROMOTED: "promoted",
    OcfRc.FAILED_PROMOTED: "promoted (failed)",
    OcfRc.DEGRADED: "OCF_DEGRADED",
    OcfRc.DEGRADED_PROMOTED: "promoted (degraded)",
    OcfRc.UNKNOWN: "pending",
}


def rc_text(rc: int) -> str:
    """Human wording of an OCF rc (``unknown`` for codes outside the enum)."""
    try:
        return OcfRc(rc).text
    except ValueError:
        return "unknown"


class ExecStatus(IntEnum):
    """``op-status`` values (Pacemaker's ``enum pcmk_exec_status``)."""

    PENDING = -1
    DONE = 0
    CANCELLED = 1
    TIMEOUT = 2
    NOT_SUPPORTED = 3
    ERROR = 4
    ERROR_HARD = 5
    ERROR_FATAL = 6
    NOT_INSTALLED = 7
    NOT_CONNECTED = 8
    INVALID = 9
    NO_FENCE_DEVICE = 10
    NO_SECRETS = 11

    @property
    def text(self) -> str:
        return _STATUS_TEXT[self]


_STATUS_TEXT = {
    ExecStatus.PENDING: "pending",
    ExecStatus.DONE: "complete",
    ExecStatus.CANCELLED: "Cancelled",
    ExecStatus.TIMEOUT: "Timed Out",
    ExecStatus.NOT_SUPPORTED: "NOT SUPPORTED",
    ExecStatus.ERROR: "Error",
    ExecStatus.ERROR_HARD: "Hard error",
    ExecStatus.ERROR_FATAL: "Fatal error",
    ExecStatus.NOT_INSTALLED: "Not installed",
    ExecStatus.NOT_CONNECTED: "Not connected",
    ExecStatus.INVALID: "Cannot execute now",
    ExecStatus.NO_FENCE_DEVICE: "No fence device",
    ExecStatus.NO_SECRETS: "CIB secrets unavailable",
}


class ExitCode(IntEnum):
    """``crm_exit_t`` values of Pacemaker 2.1 (``include/crm/common/results.h``)."""

    OK = 0
    ERROR = 1
    INVALID_PARAM = 2
    UNIMPLEMENT_FEATURE = 3
    INSUFFICIENT_PRIV = 4
    NOT_INSTALLED = 5
    NOT_CONFIGURED = 6
    NOT_RUNNING = 7
    USAGE = 64
    DATAERR = 65
    NOINPUT = 66
    NOUSER = 67
    NOHOST = 68
    UNAVAILABLE = 69
    SOFTWARE = 70
    OSERR = 71
    OSFILE = 72
    CANTCREAT = 73
    IOERR = 74
    TEMPFAIL = 75
    PROTOCOL = 76
    NOPERM = 77
    CONFIG = 78
    FATAL = 100
    PANIC = 101
    DISCONNECT = 102
    OLD = 103
    DIGEST = 104
    NOSUCH = 105
    QUORUM = 106
    UNSAFE = 107
    EXISTS = 108
    MULTIPLE = 109
    EXPIRED = 110
    NOT_YET_IN_EFFECT = 111
    INDETERMINATE = 112
    UNSATISFIED = 113
    TIMEOUT = 124


_EXIT_TEXT = {
    0: "OK", 1: "Error occurred", 2: "Invalid parameter", 3: "Unimplemented",
    4: "Insufficient privileges", 5: "Not installed", 6: "Not configured", 7: "Not running",
    8: "Promoted", 9: "Failed in promoted role", 64: "Incorrect usage", 65: "Invalid data given",
    66: "Input file not available", 67: "User does not exist", 68: "Host does not exist",
    69: "Necessary service unavailable", 70: "Internal software bug", 71: "Operating system error occurred",
    72: "System file not available", 73: "Cannot create output file", 74: "I/O error occurred",
    75: "Temporary failure, try again", 76: "Protocol violated", 77: "Insufficient privileges",
    78: "Invalid configuration", 100: "Fatal error occurred, will not respawn", 101: "System panic required",
    102: "Not connected", 103: "Update was older than existing configuration", 104: "Digest mismatch",
    105: "No such object", 106: "Quorum required", 107: "Operation not safe",
    108: "Requested item already exists", 109: "Multiple items match request",
    110: "Requested item has expired", 111: "Requested item is not yet in effect",
    112: "Could not determine status", 113: "Not applicable under current conditions",
    124: "Timeout occurred", 190: "Service is active but might fail soon",
    191: "Service is promoted but might fail soon", 193: "No exit status available",
}


def exit_text(code: int) -> str:
    """Pacemaker's ``crm_exit_str``: the wording of a ``crm_exit_t`` (tools' exit codes)."""
    return _EXIT_TEXT.get(code, "Unknown exit status")
