"""The CIB errors and the Pacemaker exit codes (``CRM_EX_*``, :mod:`crm.common.results`) they map to."""

from __future__ import annotations

from crm.common.results import ExitCode as ExitCode  # re-exported: the CLIs import it from here


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


class PermissionDenied(CibError):
    """The CIB's access control lists refuse the operation to the user (``CIB_user``)."""

    exit_code = ExitCode.INSUFFICIENT_PRIV
    reason = "Permission denied"


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
