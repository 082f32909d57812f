"""Corosync ``cs_error_t`` codes as Python exceptions, and the bounded TRY_AGAIN retry.

Every ``CS_ERR_*`` code has its own subclass of :class:`CorosyncError`, which carries the
numeric ``code``, the symbolic ``name`` (``"CS_ERR_TRY_AGAIN"``) and the C ``function`` that
returned it.  :func:`error_for` builds the right subclass from a code.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable


class CsError(enum.IntEnum):
    """``cs_error_t``."""

    OK = 1
    ERR_LIBRARY = 2
    ERR_VERSION = 3
    ERR_INIT = 4
    ERR_TIMEOUT = 5
    ERR_TRY_AGAIN = 6
    ERR_INVALID_PARAM = 7
    ERR_NO_MEMORY = 8
    ERR_BAD_HANDLE = 9
    ERR_BUSY = 10
    ERR_ACCESS = 11
    ERR_NOT_EXIST = 12
    ERR_NAME_TOO_LONG = 13
    ERR_EXIST = 14
    ERR_NO_SPACE = 15
    ERR_INTERRUPT = 16
    ERR_NAME_NOT_FOUND = 17
    ERR_NO_RESOURCES = 18
    ERR_NOT_SUPPORTED = 19
    ERR_BAD_OPERATION = 20
    ERR_FAILED_OPERATION = 21
    ERR_MESSAGE_ERROR = 22
    ERR_QUEUE_FULL = 23
    ERR_QUEUE_NOT_AVAILABLE = 24
    ERR_BAD_FLAGS = 25
    ERR_TOO_BIG = 26
    ERR_NO_SECTIONS = 27
    ERR_CONTEXT_NOT_FOUND = 28
    ERR_TOO_MANY_GROUPS = 30
    ERR_SECURITY = 100

    @property
    def cname(self) -> str:
        """The C spelling, e.g. ``CS_ERR_TRY_AGAIN``."""
        return "CS_" + self.name


class CorosyncUnavailable(RuntimeError):
    """A Corosync client library (``libcpg.so.4``...) cannot be loaded."""

    def __init__(self, message: str, soname: str = "") -> None:
        super().__init__(message)
        self.soname = soname


class CorosyncError(Exception):
    """A Corosync call returned something other than ``CS_OK``."""

    #: the ``cs_error_t`` this class stands for (``None`` on the base class)
    code_for_class: CsError | None = None

    def __init__(self, code: int, function: str = "", message: str = "") -> None:
        self.code = int(code)
        self.function = function
        try:
            self.name = CsError(self.code).cname
        except ValueError:
            self.name = f"CS_ERR_{self.code}"
        text = f"{function}: {self.name} ({self.code})" if function else f"{self.name} ({self.code})"
        if message:
            text += f": {message}"
        super().__init__(text)

    def __reduce__(self) -> tuple[object, ...]:
        return (error_for, (self.code, self.function))


class LibraryError(CorosyncError):
    """``CS_ERR_LIBRARY``: the connection to corosync is gone (corosync not running or died).
    The handle that returned it is closed."""

    code_for_class = CsError.ERR_LIBRARY


class VersionError(CorosyncError):
    code_for_class = CsError.ERR_VERSION


class InitError(CorosyncError):
    code_for_class = CsError.ERR_INIT


class CorosyncTimeout(CorosyncError, TimeoutError):
    code_for_class = CsError.ERR_TIMEOUT


class TryAgain(CorosyncError):
    """``CS_ERR_TRY_AGAIN``: corosync is busy (flow control, membership change, sync)."""

    code_for_class = CsError.ERR_TRY_AGAIN


class InvalidParam(CorosyncError, ValueError):
    code_for_class = CsError.ERR_INVALID_PARAM


class NoMemory(CorosyncError, MemoryError):
    code_for_class = CsError.ERR_NO_MEMORY


class BadHandle(CorosyncError):
    code_for_class = CsError.ERR_BAD_HANDLE


class HandleClosed(BadHandle):
    """The Python handle was finalized (explicitly, or after ``CS_ERR_LIBRARY``)."""

    def __init__(self, what: str = "handle") -> None:
        super().__init__(CsError.ERR_BAD_HANDLE, what, "handle is closed")


class UsedAfterFork(BadHandle):
    """A handle opened in another process (before ``fork()``) was used in a child.
    Corosync handles are not fork-safe: open new ones in the child."""

    def __init__(self, what: str = "handle", owner_pid: int = 0) -> None:
        super().__init__(
            CsError.ERR_BAD_HANDLE, what, f"handle belongs to pid {owner_pid} (used after fork)"
        )


class Busy(CorosyncError):
    code_for_class = CsError.ERR_BUSY


class AccessError(CorosyncError, PermissionError):
    code_for_class = CsError.ERR_ACCESS


class NotExist(CorosyncError):
    code_for_class = CsError.ERR_NOT_EXIST


class NameTooLong(CorosyncError, ValueError):
    code_for_class = CsError.ERR_NAME_TOO_LONG


class Exist(CorosyncError):
    code_for_class = CsError.ERR_EXIST


class NoSpace(CorosyncError):
    code_for_class = CsError.ERR_NO_SPACE


class Interrupt(CorosyncError):
    code_for_class = CsError.ERR_INTERRUPT


class NameNotFound(CorosyncError, KeyError):
    code_for_class = CsError.ERR_NAME_NOT_FOUND

    def __str__(self) -> str:  # KeyError would repr() the message
        return Exception.__str__(self)


class NoResources(CorosyncError):
    code_for_class = CsError.ERR_NO_RESOURCES


class NotSupported(CorosyncError):
    code_for_class = CsError.ERR_NOT_SUPPORTED


class BadOperation(CorosyncError):
    code_for_class = CsError.ERR_BAD_OPERATION


class FailedOperation(CorosyncError):
    code_for_class = CsError.ERR_FAILED_OPERATION


class MessageError(CorosyncError):
    code_for_class = CsError.ERR_MESSAGE_ERROR


class QueueFull(CorosyncError):
    code_for_class = CsError.ERR_QUEUE_FULL


class QueueNotAvailable(CorosyncError):
    code_for_class = CsError.ERR_QUEUE_NOT_AVAILABLE


class BadFlags(CorosyncError):
    code_for_class = CsError.ERR_BAD_FLAGS


class TooBig(CorosyncError):
    code_for_class = CsError.ERR_TOO_BIG


class NoSections(CorosyncError):
    code_for_class = CsError.ERR_NO_SECTIONS


class ContextNotFound(CorosyncError):
    code_for_class = CsError.ERR_CONTEXT_NOT_FOUND


class TooManyGroups(CorosyncError):
    code_for_class = CsError.ERR_TOO_MANY_GROUPS


class SecurityError(CorosyncError, PermissionError):
    code_for_class = CsError.ERR_SECURITY


#: ``cs_error_t`` value -> exception class
ERROR_CLASSES: dict[int, type[CorosyncError]] = {
    int(cls.code_for_class): cls
    for cls in (
        LibraryError, VersionError, InitError, CorosyncTimeout, TryAgain, InvalidParam, NoMemory,
        BadHandle, Busy, AccessError, NotExist, NameTooLong, Exist, NoSpace, Interrupt,
        NameNotFound, NoResources, NotSupported, BadOperation, FailedOperation, MessageError,
        QueueFull, QueueNotAvailable, BadFlags, TooBig, NoSections, ContextNotFound,
        TooManyGroups, SecurityError,
    )
    if cls.code_for_class is not None
}


def error_for(code: int, function: str = "", message: str = "") -> CorosyncError:
    """The exception for ``cs_error_t`` ``code`` (the base class for unknown codes)."""
    cls = ERROR_CLASSES.get(int(code), CorosyncError)
    return cls(code, function, message)


def check(code: int, function: str = "") -> None:
    """Raise the exception for ``code`` unless it is ``CS_OK``."""
    if code != CsError.OK:
        raise error_for(code, function)


# --------------------------------------------------------------------------- TRY_AGAIN
#: default bound on the total time spent retrying one call
RETRY_TIMEOUT = 5.0
RETRY_FIRST_DELAY = 0.001
RETRY_MAX_DELAY = 0.1


def call_with_retry(
    fn: Callable[[], int],
    *,
    timeout: float | None = None,
    sleep: Callable[[float], None] | None = None,
    clock: Callable[[], float] | None = None,
) -> int:
    """Call ``fn()`` (which returns a ``cs_error_t``) until it returns something other than
    ``CS_ERR_TRY_AGAIN`` or ``timeout`` seconds have passed, sleeping with exponential backoff
    (1 ms doubling up to 100 ms).  Returns the last code (``CS_ERR_TRY_AGAIN`` when the time ran
    out); does not raise.  ``timeout`` defaults to :data:`RETRY_TIMEOUT` (read at call time);
    ``sleep``/``clock`` default to ``time.sleep``/``time.monotonic``."""
    sleep = sleep or time.sleep
    clock = clock or time.monotonic
    deadline = clock() + (RETRY_TIMEOUT if timeout is None else timeout)
    delay = RETRY_FIRST_DELAY
    while True:
        rc = fn()
        if rc != CsError.ERR_TRY_AGAIN:
            return rc
        remaining = deadline - clock()
        if remaining <= 0:
            return rc
        sleep(min(delay, remaining))
        delay = min(delay * 2, RETRY_MAX_DELAY)
