"""Who may use a daemon's local socket: root, the daemon's own user, and members of the
``haclient`` group (Pacemaker's rule).  The socket file is mode 0660, group ``haclient``
where that group exists, and every connection's peer credentials are checked as well."""

from __future__ import annotations

import contextlib
import grp
import os
import socket
import struct
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CLIENT_GROUP", "Peer", "allowed", "peer_of", "secure_socket_file"]

CLIENT_GROUP = "haclient"
_UCRED = struct.Struct("3i")


@dataclass(frozen=True, slots=True)
class Peer:
    pid: int
    uid: int
    gid: int


def peer_of(sock: socket.socket) -> Peer:
    data = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _UCRED.size)
    pid, uid, gid = _UCRED.unpack(data)
    return Peer(pid, uid, gid)


def _client_gid() -> int | None:
    try:
        return grp.getgrnam(CLIENT_GROUP).gr_gid
    except KeyError:
        return None


def _groups_of(pid: int) -> set[int]:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("Groups:"):
                return {int(g) for g in line.split()[1:]}
    except (OSError, ValueError):
        pass
    return set()


def allowed(peer: Peer) -> bool:
    if peer.uid in (0, os.geteuid()):
        return True
    gid = _client_gid()
    if gid is None:
        return False
    return peer.gid == gid or gid in _groups_of(peer.pid)


def secure_socket_file(path: Path) -> None:
    os.chmod(path, 0o660)
    gid = _client_gid()
    if gid is not None:
        with contextlib.suppress(PermissionError):
            os.chown(path, -1, gid)
