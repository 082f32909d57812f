"""Parse Heartbeat v1 ``ha.cf``.

Only the directives the migration uses are kept; every other directive is accepted and
ignored, as Heartbeat's own tools did.  ``parse_hacf(text, strict=...)`` returns an
immutable :class:`HaCf`; in strict mode, malformed values of the directives we use raise
:class:`~crm.migrate.diagnostics.MigrationError` with ``file:line: reason`` messages.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from enum import Enum

from crm.migrate.diagnostics import Diagnostic, MigrationError, error, warning


class AutoFailback(Enum):
    ON = "on"
    OFF = "off"
    LEGACY = "legacy"


@dataclass(frozen=True)
class Located:
    line: int


@dataclass(frozen=True)
class StonithHost(Located):
    host: str
    type: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Medium(Located):
    """A Heartbeat communication medium: ``bcast``, ``ucast``, ``mcast`` or ``serial``."""

    kind: str
    interface: str
    args: tuple[str, ...]


@dataclass(frozen=True)
class PingGroup(Located):
    """``ping host...`` (name empty) or ``ping_group name host...``."""

    name: str
    hosts: tuple[str, ...]


@dataclass(frozen=True)
class Respawn(Located):
    user: str
    argv: tuple[str, ...]

    @property
    def program(self) -> str:
        return self.argv[0].rsplit("/", 1)[-1] if self.argv else ""


@dataclass(frozen=True)
class Timing(Located):
    milliseconds: int


@dataclass(frozen=True)
class HaCf:
    """What the migration needs from ha.cf.  ``nodes`` keeps file order, without duplicates."""

    file: str = "ha.cf"
    nodes: tuple[str, ...] = ()
    node_lines: tuple[int, ...] = ()
    node_name_count: int = 0
    stonith_hosts: tuple[StonithHost, ...] = ()
    auto_failback: AutoFailback | None = None
    auto_failback_line: int = 0
    pings: tuple[PingGroup, ...] = ()
    respawns: tuple[Respawn, ...] = ()
    media: tuple[Medium, ...] = ()
    keepalive: Timing | None = None
    deadtime: Timing | None = None
    warntime: Timing | None = None
    initdead: Timing | None = None
    udpport: int | None = None
    logfacility: str | None = None
    warnings: tuple[Diagnostic, ...] = field(default=())
    ignored: tuple[tuple[int, str], ...] = ()
    """(line, directive) of the directives the migration does not convert."""

    @property
    def two_node(self) -> bool:
        """Exactly two nodes: corosync.conf sets ``two_node: 1`` and the CIB ignores loss of
        quorum (one fact for both generated files)."""
        return len(self.nodes) == 2


#: The ha.cf directives that become part of corosync.conf or of the CIB.
MIGRATED_DIRECTIVES = frozenset(
    {
        "node", "stonith_host", "auto_failback", "ping", "ping_group", "respawn",
        "bcast", "ucast", "mcast", "serial", "keepalive", "deadtime", "udpport", "logfacility",
    }
)


_TIME = re.compile(r"^(\d+(?:\.\d*)?|\.\d+)(ms|us|s)?$")
_NODE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
_MEDIA = ("bcast", "ucast", "mcast", "serial")


def parse_time_ms(text: str) -> int | None:
    """Heartbeat time value (seconds by default, ``ms``/``us``/``s`` suffixes) -> milliseconds."""
    match = _TIME.match(text)
    if not match:
        return None
    value = float(match.group(1))
    unit = match.group(2) or "s"
    factor = {"s": 1000.0, "ms": 1.0, "us": 0.001}[unit]
    return round(value * factor)


def _logical_lines(text: str, strip_comments: bool) -> list[tuple[int, list[str]]]:
    result = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if strip_comments and "#" in line:
            line = line.split("#", 1)[0].strip()
        result.append((number, line.split()))
    return result


def parse_hacf(text: str, *, file: str = "ha.cf", strict: bool = True) -> HaCf:
    """Parse ha.cf text.  ``strict=False`` reproduces the lenient historical reading."""
    errors: list[Diagnostic] = []
    warnings: list[Diagnostic] = []
    nodes: list[str] = []
    node_lines: list[int] = []
    name_count = 0
    stonith: list[StonithHost] = []
    pings: list[PingGroup] = []
    respawns: list[Respawn] = []
    media: list[Medium] = []
    timings: dict[str, Timing] = {}
    auto_failback: AutoFailback | None = None
    auto_failback_line = 0
    udpport: int | None = None
    logfacility: str | None = None
    ignored: list[tuple[int, str]] = []

    for number, tokens in _logical_lines(text, strip_comments=strict):
        directive, args = tokens[0], tokens[1:]
        if directive not in MIGRATED_DIRECTIVES:
            ignored.append((number, directive))
        if directive == "node":
            name_count += len(args)
            if not args and strict:
                errors.append(error(file, number, "'node' needs at least one node name"))
            for name in args:
                if strict and not _NODE_NAME.match(name):
                    errors.append(error(file, number, f"invalid node name {name!r}"))
                    continue
                if name in nodes:
                    if strict:
                        warnings.append(warning(file, number, f"node {name!r} listed twice; kept once"))
                    continue
                nodes.append(name)
                node_lines.append(number)
        elif directive == "stonith_host":
            if len(args) < 2:
                if strict:
                    errors.append(
                        error(file, number, "'stonith_host' needs a host (or '*'), a device type and its parameters")
                    )
                continue
            stonith.append(StonithHost(number, args[0], args[1], tuple(args[2:])))
        elif not strict:
            continue
        elif directive == "auto_failback":
            value = args[0].lower() if len(args) == 1 else ""
            aliases = {"yes": "on", "true": "on", "1": "on", "no": "off", "false": "off", "0": "off"}
            value = aliases.get(value, value)
            try:
                auto_failback = AutoFailback(value)
                auto_failback_line = number
            except ValueError:
                errors.append(error(file, number, f"auto_failback must be on, off or legacy, not {' '.join(args)!r}"))
        elif directive in ("ping", "ping_group"):
            name = ""
            hosts = args
            if directive == "ping_group":
                if len(args) < 2:
                    errors.append(error(file, number, "'ping_group' needs a group name and at least one host"))
                    continue
                name, hosts = args[0], args[1:]
            if not hosts:
                errors.append(error(file, number, f"'{directive}' needs at least one host"))
                continue
            pings.append(PingGroup(number, name, tuple(hosts)))
        elif directive == "respawn":
            if len(args) < 2:
                errors.append(error(file, number, "'respawn' needs a user and a command"))
                continue
            try:
                argv = shlex.split(" ".join(args[1:]))
            except ValueError as exc:
                errors.append(error(file, number, f"cannot parse respawn command: {exc}"))
                continue
            respawns.append(Respawn(number, args[0], tuple(argv)))
        elif directive in _MEDIA:
            if not args:
                errors.append(error(file, number, f"'{directive}' needs an interface or device"))
                continue
            if directive == "bcast":
                media.extend(Medium(number, directive, iface, ()) for iface in args)
            elif directive == "serial":
                media.extend(Medium(number, directive, dev, ()) for dev in args)
            else:
                if len(args) < 2:
                    errors.append(error(file, number, f"'{directive}' needs an interface and an address"))
                    continue
                media.append(Medium(number, directive, args[0], tuple(args[1:])))
        elif directive in ("keepalive", "deadtime", "warntime", "initdead"):
            ms = parse_time_ms(args[0]) if len(args) == 1 else None
            if ms is None or ms <= 0:
                errors.append(
                    error(file, number, f"'{directive}' needs one positive time value (e.g. 2, 500ms), got {' '.join(args)!r}")
                )
                continue
            timings[directive] = Timing(number, ms)
        elif directive == "udpport":
            if len(args) != 1 or not args[0].isdigit() or not 0 < int(args[0]) < 65536:
                errors.append(error(file, number, f"'udpport' needs a port number, got {' '.join(args)!r}"))
                continue
            udpport = int(args[0])
        elif directive == "logfacility" and len(args) == 1:
            logfacility = args[0]

    if errors:
        raise MigrationError(errors)
    return HaCf(
        file=file,
        nodes=tuple(nodes),
        node_lines=tuple(node_lines),
        node_name_count=name_count,
        stonith_hosts=tuple(stonith),
        auto_failback=auto_failback,
        auto_failback_line=auto_failback_line,
        pings=tuple(pings),
        respawns=tuple(respawns),
        media=tuple(media),
        keepalive=timings.get("keepalive"),
        deadtime=timings.get("deadtime"),
        warntime=timings.get("warntime"),
        initdead=timings.get("initdead"),
        udpport=udpport,
        logfacility=logfacility,
        warnings=tuple(warnings),
        ignored=tuple(ignored),
    )
