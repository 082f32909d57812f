"""Corosync configuration/administration (``libcfg.so.7``): node id, shutdown negotiation."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

from pycorosync._ffi import ffi
from pycorosync._handle import Handle


class ShutdownFlags(enum.IntEnum):
    """``corosync_cfg_shutdown_flags_t``: how hard the shutdown was requested."""

    REQUEST = 0
    REGARDLESS = 1
    IMMEDIATE = 2


@dataclass(frozen=True, slots=True)
class ShutdownRequest:
    """Someone asked corosync to shut down (``corosync-cfgtool -H``).  With ``REQUEST``,
    answer with :meth:`Cfg.replyto_shutdown` (``False`` vetoes)."""

    flags: ShutdownFlags


CfgEvent = ShutdownRequest


def _on_shutdown(handle: int, flags: int) -> None:
    cfg = Cfg._lookup(handle)
    if cfg is None:
        return
    try:
        event = ShutdownRequest(ShutdownFlags(int(flags)))
    except BaseException as exc:
        cfg._callback_failed(exc)
        return
    cfg._deliver_event(event)


def _ignore_error(*_exc: object) -> None:
    return None


_SHUTDOWN_CB = ffi.callback("corosync_cfg_shutdown_callback_t", _on_shutdown, onerror=_ignore_error)


class Cfg(Handle[CfgEvent]):
    """A cfg connection (``corosync_cfg_initialize`` with the shutdown callback).

    Corosync only asks clients that called :meth:`trackstart` before shutting down (as
    Pacemaker does); ``on_shutdown`` should then answer with :meth:`replyto_shutdown`."""

    _LIB = "cfg"
    _PREFIX = "corosync_cfg_"

    def __init__(self, on_shutdown: Callable[[ShutdownRequest], object] | None = None) -> None:
        super().__init__()
        self._on(ShutdownRequest, on_shutdown)
        callbacks = ffi.new("corosync_cfg_callbacks_t *")
        callbacks.corosync_cfg_shutdown_callback = _SHUTDOWN_CB
        handle = ffi.new("corosync_cfg_handle_t *")
        self._open_call("corosync_cfg_initialize", handle, callbacks)
        self._opened(handle[0])

    def fd_get(self) -> int:
        fd = ffi.new("int32_t *")
        self._call("corosync_cfg_fd_get", fd, retry=False)
        return int(fd[0])

    def local_get(self) -> int:
        """This node's id."""
        nodeid = ffi.new("unsigned int *")
        self._call("corosync_cfg_local_get", nodeid)
        return int(nodeid[0])

    def trackstart(self, flags: int = 0) -> None:
        """Ask to be consulted (:class:`ShutdownRequest`) before corosync shuts down."""
        self._call("corosync_cfg_trackstart", flags)

    def trackstop(self) -> None:
        self._call("corosync_cfg_trackstop")

    def replyto_shutdown(self, allow: bool) -> None:
        """Answer a :class:`ShutdownRequest`: ``True`` lets corosync stop, ``False`` vetoes."""
        self._call("corosync_cfg_replyto_shutdown", 1 if allow else 0)

    def try_shutdown(self, flags: ShutdownFlags = ShutdownFlags.REQUEST) -> None:
        """Ask corosync to shut down (like ``corosync-cfgtool -H``).  :class:`Busy` if a
        tracking client vetoed."""
        self._call("corosync_cfg_try_shutdown", int(flags), retry=False)

    def reload_config(self) -> None:
        """Re-read corosync.conf on every node (``corosync-cfgtool -R``)."""
        self._call("corosync_cfg_reload_config")
