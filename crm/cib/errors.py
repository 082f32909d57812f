"""Pacemaker exit codes (``CRM_EX_*``) and the CIB errors that map to them."""

from __future__ import annotations

from enum import IntEnum


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
    TIMEOUT = 124


class CibError(Exception):
    """A CIB operation failed; nothing was changed.

    ``reason`` is Pacemaker's short wording (what cibadmin prints after ``Call failed:``),
    ``detail`` says what and where.
    """

    exit_code: ExitCode = ExitCode.ERROR
    reason: str = "Error occurred"

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail or self.reason)
        self.detail = detail


class NoSuchObject(CibError):
    exit_code = ExitCode.NOSUCH
    reason = "No such device or address"


class AlreadyExists(CibError):
    exit_code = ExitCode.EXISTS
    reason = "File exists"


class InvalidArgument(CibError):
    exit_code = ExitCode.SOFTWARE  # Pacemaker maps EINVAL from a CIB call to CRM_EX_SOFTWARE
    reason = "Invalid argument"


class OldData(CibError):
    exit_code = ExitCode.OLD
    reason = "Update was older than existing configuration"


class SchemaViolation(CibError):
    exit_code = ExitCode.CONFIG
    reason = "Update does not conform to the configured schema"


class UnsafeCommand(CibError):
    exit_code = ExitCode.UNSAFE
    reason = (
        "The supplied command is considered dangerous.  To prevent accidental destruction of "
        "the cluster, the --force flag is required in order to proceed."
    )


class CibUnavailable(CibError):
    """No CIB to talk to (no ``CIB_file`` and no live cluster, or the file is missing)."""

    exit_code = ExitCode.NOSUCH
    reason = "No such device or address"


class CorruptCib(CibError):
    """A stored CIB failed its integrity checks (digest mismatch, truncated, unparsable)."""

    exit_code = ExitCode.DIGEST
    reason = "Digest mismatch"


class BadInput(CibError):
    """User-supplied XML (``-X``/``-x``/``-p``) is missing or not well-formed."""

    exit_code = ExitCode.CONFIG  # what cibadmin returns for "Couldn't parse input"
    reason = "Invalid XML input"


class UnusableCib(CibError):
    """The CIB itself (a ``CIB_file``) is not a well-formed CIB document."""

    exit_code = ExitCode.DATAERR
    reason = "Invalid CIB"


class PatchFailed(CibError):
    """A patchset could not be applied (wrong base version, missing element, bad format)."""

    exit_code = ExitCode.ERROR
    reason = "Application of update diff failed"
