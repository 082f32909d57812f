"""System mode: this node's :class:`~crm.cluster.node.NodeConfig` from ``corosync.conf``.

On a real node ``pacerd`` is started by systemd without a ``node.json``; it reads the
nodelist of ``/etc/corosync/corosync.conf`` and finds itself in it by node id (asked from
the running corosync through ``pycorosync`` when it can), else by address (a
``ring0_addr`` that is one of this machine's addresses, or resolves to one), else by name
(the host name, short or full).
"""

from __future__ import annotations

import contextlib
import ipaddress
import itertools
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from crm.cluster.node import DEFAULT_RUN_DIR, DEFAULT_STATE_DIR, NodeConfig

__all__ = [
    "ConfigNode",
    "CorosyncConf",
    "SystemConfigError",
    "corosync_nodeid",
    "find_local_node",
    "local_addresses",
    "parse_corosync_conf",
    "system_node_config",
]

DEFAULT_COROSYNC_CONF = Path("/etc/corosync/corosync.conf")


class SystemConfigError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class ConfigNode:
    nodeid: int
    name: str
    addresses: tuple[str, ...]  # ring0_addr, ring1_addr, ...


@dataclass(frozen=True, slots=True)
class CorosyncConf:
    cluster_name: str
    nodes: tuple[ConfigNode, ...]
    expected_votes: int | None
    two_node: bool


Section = dict[str, list["str | Section"]]


def _parse_sections(text: str, origin: str) -> Section:
    """corosync.conf as nested ``{key: [values or sections]}`` (keys repeat: ``node``)."""
    root: Section = {}
    stack: list[Section] = [root]
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("{"):
            name = line[:-1].strip()
            if not name:
                raise SystemConfigError(f"{origin}:{number}: a section without a name")
            if not all(c.isalnum() or c in "_-." for c in name):
                raise SystemConfigError(f"{origin}:{number}: cannot read {line!r} (one section name, then '{{')")
            section: Section = {}
            stack[-1].setdefault(name, []).append(section)
            stack.append(section)
        elif line == "}":
            if len(stack) == 1:
                raise SystemConfigError(f"{origin}:{number}: '}}' without a section")
            stack.pop()
        elif ":" in line:
            key, _, value = line.partition(":")
            stack[-1].setdefault(key.strip(), []).append(value.strip())
        else:
            raise SystemConfigError(f"{origin}:{number}: cannot read {line!r}")
    if len(stack) != 1:
        raise SystemConfigError(f"{origin}: a section is not closed")
    return root


def _sections(section: Section, key: str) -> list[Section]:
    return [v for v in section.get(key, []) if isinstance(v, dict)]


def _value(section: Section, key: str) -> str | None:
    values = [v for v in section.get(key, []) if isinstance(v, str)]
    return values[-1] if values else None


def parse_corosync_conf(text: str, origin: str = "corosync.conf") -> CorosyncConf:
    root = _parse_sections(text, origin)
    totem = (_sections(root, "totem") or [{}])[-1]
    quorum = (_sections(root, "quorum") or [{}])[-1]
    nodes: list[ConfigNode] = []
    for nodelist in _sections(root, "nodelist"):
        for index, node in enumerate(_sections(nodelist, "node"), start=1):
            raw_id = _value(node, "nodeid")
            if raw_id is None or not raw_id.isdigit() or int(raw_id) == 0:
                raise SystemConfigError(f"{origin}: node {index} of the nodelist has no valid nodeid")
            addresses = tuple(
                value
                for key in sorted(k for k in node if k.startswith("ring") and k.endswith("_addr"))
                if (value := _value(node, key))
            )
            name = _value(node, "name") or (addresses[0] if addresses else f"node{raw_id}")
            nodes.append(ConfigNode(int(raw_id), name, addresses))
    if not nodes:
        raise SystemConfigError(f"{origin} has no nodelist: pacer needs one node {{ }} entry per node")
    ids = [n.nodeid for n in nodes]
    if len(set(ids)) != len(ids):
        raise SystemConfigError(f"{origin}: the nodelist repeats a nodeid")
    expected = _value(quorum, "expected_votes")
    return CorosyncConf(
        cluster_name=_value(totem, "cluster_name") or "",
        nodes=tuple(nodes),
        expected_votes=int(expected) if expected and expected.isdigit() else None,
        two_node=_value(quorum, "two_node") == "1",
    )


def local_addresses() -> set[str]:
    """This machine's IPv4 and IPv6 addresses (from /proc: no subprocess, no netlink)."""
    found: set[str] = set()
    with contextlib.suppress(OSError):
        lines = Path("/proc/net/fib_trie").read_text().splitlines()
        for previous, line in itertools.pairwise(lines):
            if line.strip() == "/32 host LOCAL":
                found.add(previous.strip().split()[-1])
    with contextlib.suppress(OSError):
        for line in Path("/proc/net/if_inet6").read_text().splitlines():
            raw = line.split()[0]
            found.add(str(ipaddress.IPv6Address(bytes.fromhex(raw))))
    return found


def _resolve(address: str) -> set[str]:
    try:
        return {str(ipaddress.ip_address(address))}
    except ValueError:
        pass
    try:
        return {str(info[4][0]) for info in socket.getaddrinfo(address, None)}
    except OSError:
        return set()


def corosync_nodeid() -> int | None:
    """The local node id from the running corosync (``corosync_cfg_local_get``), or None."""
    try:
        import pycorosync

        cfg = pycorosync.Cfg()
    except Exception:
        return None
    try:
        return cfg.local_get()
    except Exception:
        return None
    finally:
        with contextlib.suppress(Exception):
            cfg.finalize()


def find_local_node(
    conf: CorosyncConf,
    *,
    nodeid: int | None = None,
    addresses: Iterable[str] = (),
    hostname: str = "",
    resolve: Callable[[str], set[str]] = _resolve,
) -> ConfigNode:
    """This node's entry: by node id, else by address, else by host name."""
    if nodeid is not None:
        for node in conf.nodes:
            if node.nodeid == nodeid:
                return node
        raise SystemConfigError(f"corosync says this is node {nodeid}, which is not in the nodelist")
    mine = {str(ipaddress.ip_address(a.split("%")[0])) for a in addresses}
    matches = [n for n in conf.nodes if any(resolve(a) & mine for a in n.addresses)]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise SystemConfigError(
            "several nodelist entries have an address of this machine: " + ", ".join(n.name for n in matches)
        )
    short = hostname.split(".")[0]
    named = [n for n in conf.nodes if hostname and n.name in (hostname, short)]
    if len(named) == 1:
        return named[0]
    raise SystemConfigError(
        f"this machine ({hostname or 'no host name'}) is not in the nodelist: no entry has one of its "
        "addresses or its name, and corosync is not running to say which node it is"
    )


def system_node_config(
    corosync_conf: Path = DEFAULT_COROSYNC_CONF,
    run_dir: Path = DEFAULT_RUN_DIR,
    state_dir: Path = DEFAULT_STATE_DIR,
    *,
    nodeid: int | None = None,
) -> NodeConfig:
    """The NodeConfig of this machine for the corosync transport."""
    try:
        text = corosync_conf.read_text()
    except OSError as err:
        raise SystemConfigError(f"cannot read {corosync_conf}: {err.strerror or err}") from None
    conf = parse_corosync_conf(text, str(corosync_conf))
    if nodeid is None:
        nodeid = corosync_nodeid()
    node = find_local_node(conf, nodeid=nodeid, addresses=local_addresses(), hostname=socket.gethostname())
    return NodeConfig(
        name=node.name,
        nodeid=node.nodeid,
        run_dir=run_dir,
        state_dir=state_dir,
        transport="corosync",
        bus=None,
        expected_votes=conf.expected_votes or len(conf.nodes),
        corosync_conf=corosync_conf,
    )
