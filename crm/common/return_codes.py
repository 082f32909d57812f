"""Pacemaker's three families of result codes and their names and descriptions
(``lib/common/results.c`` of Pacemaker 2.1.5): standard return codes (``pcmk_rc_*`` and system
``errno`` values), legacy return codes (negative ``errno`` and ``pcmk_err_*``) and exit codes
(``crm_exit_t``, see :class:`crm.common.results.ExitCode`).  ``crm_error`` shows them; tools
use them for their messages."""

from __future__ import annotations

import errno
import os
from enum import Enum

from crm.common.results import exit_text

__all__ = ["ResultType", "describe", "family_bounds", "listing"]


class ResultType(Enum):
    LEGACY = "legacy"
    RC = "rc"
    EXIT = "exit"


#: the system errno values Pacemaker names (its ``pcmk_rc_name`` table, as on Linux)
_ERRNO_NAMES = (
    "EPERM",
    "ENOENT",
    "ESRCH",
    "EINTR",
    "EIO",
    "ENXIO",
    "E2BIG",
    "ENOEXEC",
    "EBADF",
    "ECHILD",
    "EAGAIN",
    "ENOMEM",
    "EACCES",
    "EFAULT",
    "ENOTBLK",
    "EBUSY",
    "EEXIST",
    "EXDEV",
    "ENODEV",
    "ENOTDIR",
    "EISDIR",
    "EINVAL",
    "ENFILE",
    "EMFILE",
    "ENOTTY",
    "ETXTBSY",
    "EFBIG",
    "ENOSPC",
    "ESPIPE",
    "EROFS",
    "EMLINK",
    "EPIPE",
    "EDOM",
    "ERANGE",
    "EDEADLOCK",
    "ENAMETOOLONG",
    "ENOLCK",
    "ENOSYS",
    "ENOTEMPTY",
    "ELOOP",
    "ENOMSG",
    "EIDRM",
    "ECHRNG",
    "EL2NSYNC",
    "EL3HLT",
    "EL3RST",
    "EUNATCH",
    "EL2HLT",
    "EBADE",
    "EBADR",
    "EXFULL",
    "EBADRQC",
    "EBADSLT",
    "ENOSTR",
    "ENODATA",
    "ETIME",
    "ENOSR",
    "ENONET",
    "ENOPKG",
    "EREMOTE",
    "ENOLINK",
    "ECOMM",
    "EPROTO",
    "EMULTIHOP",
    "EBADMSG",
    "EOVERFLOW",
    "ENOTUNIQ",
    "EBADFD",
    "EREMCHG",
    "ELIBACC",
    "ELIBBAD",
    "ELIBSCN",
    "ELIBMAX",
    "ELIBEXEC",
    "EILSEQ",
    "ERESTART",
    "ESTRPIPE",
    "EUSERS",
    "ENOTSOCK",
    "EDESTADDRREQ",
    "EMSGSIZE",
    "EPROTOTYPE",
    "ENOPROTOOPT",
    "EPROTONOSUPPORT",
    "ESOCKTNOSUPPORT",
    "EOPNOTSUPP",
    "EPFNOSUPPORT",
    "EAFNOSUPPORT",
    "EADDRINUSE",
    "EADDRNOTAVAIL",
    "ENETDOWN",
    "ENETUNREACH",
    "ENETRESET",
    "ECONNABORTED",
    "ECONNRESET",
    "ENOBUFS",
    "EISCONN",
    "ENOTCONN",
    "ESHUTDOWN",
    "ETIMEDOUT",
    "ECONNREFUSED",
    "EHOSTDOWN",
    "EHOSTUNREACH",
    "EALREADY",
    "EINPROGRESS",
    "ESTALE",
    "EUCLEAN",
    "EISNAM",
    "EREMOTEIO",
    "EDQUOT",
    "ENOMEDIUM",
    "EMEDIUMTYPE",
    "ECANCELED",
    "ENOKEY",
    "EKEYEXPIRED",
    "EKEYREVOKED",
    "EKEYREJECTED",
)
ERRNO_NAME: dict[int, str] = {getattr(errno, name): name for name in _ERRNO_NAMES}

PCMK_RC_ERROR = -1001
#: (name, description, legacy code) of the standard return codes -1001, -1002, ... in order
PCMK_RCS: tuple[tuple[str, str, int], ...] = (
    ("pcmk_rc_error", "Error", -201),
    ("pcmk_rc_unknown_format", "Unknown output format", -217),
    ("pcmk_rc_bad_nvpair", "Bad name/value pair given", -216),
    ("pcmk_rc_already", "Already in requested state", -215),
    ("pcmk_rc_node_unknown", "Node not found", -214),
    ("pcmk_rc_multiple", "Resource active on multiple nodes", -213),
    ("pcmk_rc_cib_corrupt", "Could not parse on-disk configuration", -212),
    ("pcmk_rc_cib_save", "Could not save new configuration to disk", -210),
    ("pcmk_rc_cib_backup", "Could not archive previous configuration", -209),
    ("pcmk_rc_cib_modified", "On-disk configuration was manually modified", -208),
    ("pcmk_rc_diff_resync", "Application of update diff failed, requesting full refresh", -207),
    ("pcmk_rc_diff_failed", "Application of update diff failed", -206),
    ("pcmk_rc_old_data", "Update was older than existing configuration", -205),
    ("pcmk_rc_transform_failed", "Schema transform failed", -204),
    ("pcmk_rc_schema_unchanged", "Schema is already the latest available", -211),
    ("pcmk_rc_schema_validation", "Update does not conform to the configured schema", -203),
    ("pcmk_rc_no_quorum", "Operation requires quorum", -202),
    ("pcmk_rc_ipc_unauthorized", "IPC server is blocked by unauthorized process", -201),
    ("pcmk_rc_ipc_unresponsive", "IPC server is unresponsive", -201),
    ("pcmk_rc_ipc_pid_only", "IPC server process is active but not accepting connections", -201),
    ("pcmk_rc_op_unsatisfied", "Not applicable under current conditions", -201),
    ("pcmk_rc_undetermined", "Result undetermined", -201),
    ("pcmk_rc_before_range", "Result occurs before given range", -201),
    ("pcmk_rc_within_range", "Result occurs within given range", -201),
    ("pcmk_rc_after_range", "Result occurs after given range", -201),
    ("pcmk_rc_no_output", "Output message produced no output", -201),
    ("pcmk_rc_no_input", "Input file not available", -201),
    ("pcmk_rc_underflow", "Value too small to be stored in data type", -201),
    ("pcmk_rc_dot_error", "Error writing dot(1) file", -201),
    ("pcmk_rc_graph_error", "Error writing graph file", -201),
    ("pcmk_rc_invalid_transition", "Cluster simulation produced invalid transition", -201),
    ("pcmk_rc_unpack_error", "Unable to parse CIB XML", -201),
    ("pcmk_rc_duplicate_id", "Two or more XML elements have the same ID", -201),
)
PCMK_RC_LOWEST = PCMK_RC_ERROR - len(PCMK_RCS) + 1

#: the legacy ``pcmk_err_*`` codes that have a name (211, schema unchanged, has none)
LEGACY_NAME = {
    201: "pcmk_err_generic", 202: "pcmk_err_no_quorum", 203: "pcmk_err_schema_validation",
    204: "pcmk_err_transform_failed", 205: "pcmk_err_old_data", 206: "pcmk_err_diff_failed",
    207: "pcmk_err_diff_resync", 208: "pcmk_err_cib_modified", 209: "pcmk_err_cib_backup",
    210: "pcmk_err_cib_save", 212: "pcmk_err_cib_corrupt", 213: "pcmk_err_multiple",
    214: "pcmk_err_node_unknown", 215: "pcmk_err_already", 216: "pcmk_err_bad_nvpair",
    217: "pcmk_err_unknown_format",
}
#: the standard return code of each legacy ``pcmk_err_*`` code
_LEGACY_TO_RC = {-legacy: PCMK_RC_ERROR - i for i, (_, _, legacy) in enumerate(PCMK_RCS) if legacy != -201}
_LEGACY_TO_RC[201] = PCMK_RC_ERROR

EXIT_NAME = {
    0: "CRM_EX_OK", 1: "CRM_EX_ERROR", 2: "CRM_EX_INVALID_PARAM", 3: "CRM_EX_UNIMPLEMENT_FEATURE",
    4: "CRM_EX_INSUFFICIENT_PRIV", 5: "CRM_EX_NOT_INSTALLED", 6: "CRM_EX_NOT_CONFIGURED",
    7: "CRM_EX_NOT_RUNNING", 8: "CRM_EX_PROMOTED", 9: "CRM_EX_FAILED_PROMOTED", 64: "CRM_EX_USAGE",
    65: "CRM_EX_DATAERR", 66: "CRM_EX_NOINPUT", 67: "CRM_EX_NOUSER", 68: "CRM_EX_NOHOST",
    69: "CRM_EX_UNAVAILABLE", 70: "CRM_EX_SOFTWARE", 71: "CRM_EX_OSERR", 72: "CRM_EX_OSFILE",
    73: "CRM_EX_CANTCREAT", 74: "CRM_EX_IOERR", 75: "CRM_EX_TEMPFAIL", 76: "CRM_EX_PROTOCOL",
    77: "CRM_EX_NOPERM", 78: "CRM_EX_CONFIG", 100: "CRM_EX_FATAL", 101: "CRM_EX_PANIC",
    102: "CRM_EX_DISCONNECT", 103: "CRM_EX_OLD", 104: "CRM_EX_DIGEST", 105: "CRM_EX_NOSUCH",
    106: "CRM_EX_QUORUM", 107: "CRM_EX_UNSAFE", 108: "CRM_EX_EXISTS", 109: "CRM_EX_MULTIPLE",
    110: "CRM_EX_EXPIRED", 111: "CRM_EX_NOT_YET_IN_EFFECT", 112: "CRM_EX_INDETERMINATE",
    113: "CRM_EX_UNSATISFIED", 124: "CRM_EX_TIMEOUT", 190: "CRM_EX_DEGRADED",
    191: "CRM_EX_DEGRADED_PROMOTED", 193: "CRM_EX_NONE",
}
UNKNOWN_EXIT_NAME = "CRM_EX_UNKNOWN"
EXIT_MAX = 255


def rc_name(rc: int) -> str:
    """``pcmk_rc_name``."""
    if PCMK_RC_LOWEST <= rc <= PCMK_RC_ERROR:
        return PCMK_RCS[PCMK_RC_ERROR - rc][0]
    if rc == 0:
        return "pcmk_rc_ok"
    return ERRNO_NAME.get(rc, "Unknown")


def rc_str(rc: int) -> str:
    """``pcmk_rc_str``: the description of a standard return code."""
    if rc == 0:
        return "OK"
    if PCMK_RC_LOWEST <= rc <= PCMK_RC_ERROR:
        return PCMK_RCS[PCMK_RC_ERROR - rc][1]
    if rc < 0:
        return "Error"
    return os.strerror(rc)


def legacy_to_rc(legacy: int) -> int:
    code = _abs32(legacy)
    if code == 0:
        return 0
    return _LEGACY_TO_RC.get(code, code)


def legacy_name(legacy: int) -> str:
    """``pcmk_errorname``."""
    code = _abs32(legacy)
    return LEGACY_NAME.get(code) or rc_name(code)


def legacy_str(legacy: int) -> str:
    """``pcmk_strerror``."""
    return rc_str(legacy_to_rc(legacy))


def exit_name(code: int) -> str:
    """``crm_exit_name``."""
    return EXIT_NAME.get(code, UNKNOWN_EXIT_NAME)


def exit_str(code: int) -> str:
    """``crm_exit_str`` (a code between 128 and 255 is a signal, 255 the generic error)."""
    if code in EXIT_NAME:
        return exit_text(code)
    if code == EXIT_MAX:
        return exit_text(1)
    if 128 < code < EXIT_MAX:
        return "Interrupted by signal"
    return exit_text(code)


def _abs32(code: int) -> int:
    """C's ``abs`` on an ``int``: INT_MIN stays negative."""
    return code if code == -(2**31) else abs(code)


def describe(code: int, family: ResultType) -> tuple[str, str]:
    """The name and description of ``code`` read as a member of ``family``."""
    if family is ResultType.LEGACY:
        return legacy_name(code), legacy_str(code)
    if family is ResultType.RC:
        return rc_name(code), rc_str(code)
    return exit_name(code), exit_str(code)


def family_bounds(family: ResultType) -> tuple[int, int]:
    """The codes ``crm_error --list`` walks for a family (both ends included)."""
    if family is ResultType.LEGACY:
        return 0, 256
    if family is ResultType.RC:
        return PCMK_RC_LOWEST, 256
    return 0, EXIT_MAX


def listing(family: ResultType) -> list[tuple[int, str, str]]:
    """The named codes of a family, in ``crm_error --list`` order: (code, name, description)."""
    low, high = family_bounds(family)
    found = []
    for code in range(low, high + 1):
        if PCMK_RC_ERROR < code < 0:
            continue  # reserved for callers
        name, desc = describe(code, family)
        if name in ("Unknown", UNKNOWN_EXIT_NAME):
            continue
        found.append((code, name, desc))
    return found


# Standard return codes the tools turn into exit codes (``pcmk_rc2exitc``).
RC_UNDETERMINED = -1022
RC_OP_UNSATISFIED = -1021
RC_BEFORE_RANGE = -1023
RC_WITHIN_RANGE = -1024
RC_AFTER_RANGE = -1025
RC_DUPLICATE_ID = -1033

_RC_TO_EXIT: dict[int, int] = {
    0: 0, -1017: 106, -1013: 103, -1016: 78, -1014: 78, -1032: 78, -1003: 2,
    errno.EACCES: 4, errno.EBADF: 70, errno.EINVAL: 70, errno.EFAULT: 70, errno.ENOSYS: 70,
    errno.EOVERFLOW: 70, -1028: 70,
    errno.EBADMSG: 76, errno.EMSGSIZE: 76, errno.ENOMSG: 76, errno.ENOPROTOOPT: 76, errno.EPROTO: 76,
    errno.EPROTONOSUPPORT: 76, errno.EPROTOTYPE: 76,
    errno.ECOMM: 71, errno.ENOMEM: 71,
    errno.ECONNABORTED: 102, errno.ECONNREFUSED: 102, errno.ECONNRESET: 102, errno.ENOTCONN: 102,
    errno.EEXIST: 108, -1004: 108,
    errno.EIO: 74, -1026: 74, -1029: 74, -1030: 74,
    errno.EOPNOTSUPP: 3,
    errno.ENOTUNIQ: 109, -1006: 109,
    errno.ENODEV: 105, errno.ENOENT: 105, errno.ENXIO: 105, -1005: 105, -1002: 105,
    errno.ETIME: 124, errno.ETIMEDOUT: 124,
    errno.EAGAIN: 113, errno.EBUSY: 113,
    RC_BEFORE_RANGE: 111, RC_AFTER_RANGE: 110, RC_UNDETERMINED: 112, RC_OP_UNSATISFIED: 113,
    RC_WITHIN_RANGE: 0, -1027: 66, RC_DUPLICATE_ID: 109,
}


def rc_to_exit(rc: int) -> int:
    """``pcmk_rc2exitc``: the exit code a tool gives for a standard return code."""
    return _RC_TO_EXIT.get(rc, 1)
