"""Network namespaces, a bridge and veth pairs for a Corosync cluster on one machine.

Topology (everything outside the host's own network namespace, nothing routed out):

* a *switch* namespace holding bridge ``br0``;
* one namespace per node, whose ``eth0`` is one end of a veth pair; the other end,
  ``p<K>``, is a port of the bridge;
* a partition moves ports to extra bridges (``brp1``, ``brp2``, ...), so the groups stop
  hearing each other; heal moves every port back to ``br0``.

Commands run through ``ip`` (iproute2); every function raises :class:`NetnsError` with
the command's message on failure.  Needs root.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from pathlib import Path

__all__ = [
    "MAIN_BRIDGE",
    "NetnsError",
    "add_node",
    "add_switch",
    "delete",
    "exec_argv",
    "exists",
    "heal",
    "ip_binary",
    "partition",
    "pids",
]

MAIN_BRIDGE = "br0"
NETNS_DIR = Path("/run/netns")
_SBIN = ("/usr/sbin", "/sbin", "/usr/bin", "/bin")


class NetnsError(RuntimeError):
    pass


def ip_binary() -> str:
    path = os.environ.get("PATH", "") + ":" + ":".join(_SBIN)
    found = shutil.which("ip", path=path)
    if found is None:
        raise NetnsError("the 'ip' command (iproute2) is not installed")
    return found


def _ip(*args: str, check: bool = True) -> str:
    result = subprocess.run([ip_binary(), *args], capture_output=True, text=True, check=False)
    if check and result.returncode != 0:
        message = (result.stderr or result.stdout).strip()
        raise NetnsError(f"ip {' '.join(args)}: {message or f'exit code {result.returncode}'}")
    return result.stdout


def exists(ns: str) -> bool:
    return (NETNS_DIR / ns).exists()


def exec_argv(ns: str, argv: Sequence[str]) -> list[str]:
    """The command line that runs ``argv`` inside ``ns`` (``ip netns exec`` execs it: same pid)."""
    return [ip_binary(), "netns", "exec", ns, *argv]


def pids(ns: str) -> list[int]:
    if not exists(ns):
        return []
    out = _ip("netns", "pids", ns, check=False)
    return [int(word) for word in out.split() if word.isdigit()]


def delete(ns: str) -> None:
    if exists(ns):
        _ip("netns", "del", ns)


def _link_exists(ns: str, name: str) -> bool:
    return subprocess.run(
        [ip_binary(), "-n", ns, "link", "show", name], capture_output=True, check=False
    ).returncode == 0


def add_switch(ns: str) -> None:
    """The switch namespace with its bridge, up."""
    if not exists(ns):
        _ip("netns", "add", ns)
    _ip("-n", ns, "link", "set", "lo", "up")
    if not _link_exists(ns, MAIN_BRIDGE):
        _ip("-n", ns, "link", "add", MAIN_BRIDGE, "type", "bridge")
    _ip("-n", ns, "link", "set", MAIN_BRIDGE, "up")


def add_node(switch: str, ns: str, index: int, address: str) -> None:
    """Node namespace ``ns`` with ``eth0`` = ``address`` (CIDR), plugged in port ``p<index>``."""
    if not exists(ns):
        _ip("netns", "add", ns)
    _ip("-n", ns, "link", "set", "lo", "up")
    port = f"p{index}"
    if not _link_exists(ns, "eth0"):
        if _link_exists(switch, port):
            _ip("-n", switch, "link", "del", port)
        _ip("-n", ns, "link", "add", "eth0", "type", "veth", "peer", "name", port, "netns", switch)
    _ip("-n", ns, "addr", "replace", address, "dev", "eth0")
    _ip("-n", ns, "link", "set", "eth0", "up")
    _ip("-n", switch, "link", "set", port, "master", MAIN_BRIDGE)
    _ip("-n", switch, "link", "set", port, "up")


def _bridges(switch: str) -> list[str]:
    out = _ip("-n", switch, "-o", "link", "show", "type", "bridge", check=False)
    names = []
    for line in out.splitlines():
        parts = line.split(":")
        if len(parts) > 1:
            names.append(parts[1].strip().split("@")[0])
    return names


def partition(switch: str, groups: Sequence[Iterable[int]]) -> None:
    """Group ``k`` (1-based) gets bridge ``brp<k>``; unlisted ports stay on ``br0``."""
    for k, group in enumerate(groups, start=1):
        bridge = f"brp{k}"
        if not _link_exists(switch, bridge):
            _ip("-n", switch, "link", "add", bridge, "type", "bridge")
        _ip("-n", switch, "link", "set", bridge, "up")
        for index in group:
            _ip("-n", switch, "link", "set", f"p{index}", "master", bridge)


def heal(switch: str, indexes: Iterable[int]) -> None:
    for index in indexes:
        port = f"p{index}"
        if _link_exists(switch, port):
            _ip("-n", switch, "link", "set", port, "master", MAIN_BRIDGE)
            _ip("-n", switch, "link", "set", port, "up")
    for bridge in _bridges(switch):
        if bridge != MAIN_BRIDGE:
            _ip("-n", switch, "link", "del", bridge)
