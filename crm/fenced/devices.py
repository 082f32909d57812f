"""Fence devices and fencing topology, read from a CIB (no I/O).

A *device* is a stonith-class primitive (``<primitive class="stonith" type="fence_xxx">``);
its instance attributes are the agent's parameters plus the fencer's own ``pcmk_*`` options
(Pacemaker Explained, "Fencing"):

=======================  ==================================================================
``pcmk_host_list``       the targets it can fence (space, comma or semicolon separated)
``pcmk_host_map``        ``node:port;node2:port2`` (``=`` also accepted): targets, and the
                         name the agent knows each one by
``pcmk_host_check``      ``static-list`` (default when a list or map is given),
                         ``dynamic-list`` (the agent's ``list`` output; the default
                         otherwise), ``status`` (the agent's ``status`` for the target),
                         ``none`` (any target)
``pcmk_host_argument``   the stdin key that names the target (default ``port``; ``none``)
``pcmk_delay_base/max``  a static / random delay before an ``off`` or ``reboot``
``pcmk_<a>_action``      the agent action run for fencer action ``<a>`` (e.g.
                         ``pcmk_reboot_action=off``)
``pcmk_<a>_timeout``     the timeout of action ``<a>`` (otherwise the request's)
``pcmk_<a>_retries``     extra attempts of action ``<a>`` within its timeout (default 2)
=======================  ==================================================================

A device may run on every node except those it is banned from (an ``rsc_location`` of the
device with a negative score for the node, or a disabled device: ``target-role=Stopped``).
Pacemaker's fencer runs the whole scheduler to decide this; the simple constraints cover
what fencing configurations use.

*Topology*: ``<fencing-level index target|target-pattern|target-attribute(+target-value)
devices="a,b">``; the levels that match a target are tried in index order, and a level
succeeds when all its devices do.  Without levels, every device that can fence the target
is a level of its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from lxml import etree

__all__ = [
    "HOST_CHECKS",
    "Device",
    "FencingConfig",
    "Level",
    "agent_input",
    "parse_duration",
    "parse_host_list",
    "parse_host_map",
    "read_config",
]

HOST_CHECKS = ("static-list", "dynamic-list", "status", "none")
DEFAULT_RETRIES = 2
INFINITY = 1_000_000

#: the fencer's options: never passed to the agent (Pacemaker's pcmk_stonith_param)
_FENCER_OPTIONS = frozenset(
    {
        "provides",
        "stonith-timeout",
        "pcmk_delay_base",
        "pcmk_delay_max",
        "pcmk_host_argument",
        "pcmk_host_check",
        "pcmk_host_list",
        "pcmk_host_map",
    }
)


def is_fencer_option(name: str) -> bool:
    if name in _FENCER_OPTIONS:
        return True
    if not name.startswith("pcmk_"):
        return False
    rest = name[len("pcmk_") :]
    index = rest.find("_")
    return index >= 0 and rest[index:] in ("_action", "_timeout", "_retries")


def parse_duration(text: str | None, default: float = 0.0) -> float:
    """Seconds from ``30``, ``30s``, ``500ms``, ``2m``, ``1h`` (Pacemaker's interval syntax)."""
    if text is None:
        return default
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(ms|msec|s|sec|m|min|h|hr)?\s*", text)
    if not match:
        return default
    value = float(match.group(1))
    unit = match.group(2) or "s"
    factor = {"ms": 0.001, "msec": 0.001, "s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hr": 3600}[unit]
    return value * factor


def parse_host_list(text: str | None) -> tuple[str, ...]:
    if not text:
        return ()
    return tuple(word for word in re.split(r"[\s,;]+", text) if word)


def parse_host_map(text: str | None) -> dict[str, str]:
    """``node1:port1;node2:port2`` (also ``=``, and space or comma separators)."""
    result: dict[str, str] = {}
    if not text:
        return result
    for item in re.split(r"[\s,;]+", text):
        if not item:
            continue
        for sep in (":", "="):
            if sep in item:
                name, _, alias = item.partition(sep)
                if name:
                    result[name] = alias or name
                break
        else:
            result[item] = item
    return result


def _score(text: str | None) -> int:
    if text is None:
        return 0
    value = text.strip().lower()
    if value in ("infinity", "+infinity", "inf", "+inf"):
        return INFINITY
    if value in ("-infinity", "-inf"):
        return -INFINITY
    try:
        return max(-INFINITY, min(INFINITY, int(value)))
    except ValueError:
        return 0


@dataclass(frozen=True, slots=True)
class Device:
    id: str
    agent: str
    params: Mapping[str, str]
    disabled: bool = False
    banned: frozenset[str] = frozenset()  # nodes that may not run it

    # -- the fencer's options ----------------------------------------------------------
    @property
    def host_list(self) -> tuple[str, ...]:
        return parse_host_list(self.params.get("pcmk_host_list"))

    @property
    def host_map(self) -> dict[str, str]:
        return parse_host_map(self.params.get("pcmk_host_map"))

    @property
    def host_check(self) -> str:
        value = (self.params.get("pcmk_host_check") or "").strip()
        if value in HOST_CHECKS:
            return value
        if self.params.get("pcmk_host_list") or self.params.get("pcmk_host_map"):
            return "static-list"
        return "dynamic-list"

    @property
    def host_argument(self) -> str:
        return (self.params.get("pcmk_host_argument") or "port").strip() or "port"

    @property
    def delay_base(self) -> float:
        return parse_duration(self.params.get("pcmk_delay_base"))

    @property
    def delay_max(self) -> float:
        return parse_duration(self.params.get("pcmk_delay_max"))

    def agent_action(self, action: str) -> str:
        """The agent action for fencer ``action`` (``pcmk_reboot_action`` etc.)."""
        return (self.params.get(f"pcmk_{action}_action") or action).strip() or action

    def timeout(self, action: str, default: float) -> float:
        return parse_duration(self.params.get(f"pcmk_{action}_timeout"), default) or default

    def retries(self, action: str) -> int:
        text = self.params.get(f"pcmk_{action}_retries")
        try:
            return max(0, int(text)) if text is not None else DEFAULT_RETRIES
        except ValueError:
            return DEFAULT_RETRIES

    def alias(self, target: str) -> str:
        """The name the agent knows ``target`` by (``pcmk_host_map``)."""
        return self.host_map.get(target, target)

    # -- who can do what ---------------------------------------------------------------
    def runnable_on(self, node: str) -> bool:
        return not self.disabled and node not in self.banned

    @property
    def needs_agent_check(self) -> bool:
        """Whether :meth:`can_fence` needs the agent's ``list`` or ``status`` answer."""
        return self.host_check in ("dynamic-list", "status")

    def can_fence(self, target: str, listed: Iterable[str] | None = None, status_ok: bool | None = None) -> bool:
        """Whether this device can fence ``target``.

        ``listed`` is the agent's ``list`` output (dynamic-list), ``status_ok`` whether its
        ``status`` for the target succeeded (status); without them those checks fail.
        """
        check = self.host_check
        if check == "none":
            return True
        if check == "static-list":
            return target in self.host_list or target in self.host_map
        if check == "dynamic-list":
            if listed is None:
                return False
            names = set(listed)
            return target in names or self.alias(target) in names
        return bool(status_ok)


def agent_input(device: Device, action: str, target: str | None, nodeid: int | None = None) -> bytes:
    """The agent's stdin (Pacemaker's ``make_args``): ``action=``, the target as
    ``nodename=`` and as the host argument (its host-map alias), ``nodeid=``, then every
    device parameter that is not the fencer's own."""
    lines = [f"action={device.agent_action(action)}"]
    params = {k: v for k, v in device.params.items() if not is_fencer_option(k) and not k.startswith("CRM_meta")}
    if target:
        lines.append(f"nodename={target}")
        if nodeid is not None:
            lines.append(f"nodeid={nodeid}")
        argument = device.host_argument
        if argument != "none" and argument not in params:
            lines.append(f"{argument}={device.alias(target)}")
    lines.extend(f"{k}={v}" for k, v in params.items() if k not in ("action", "nodename"))
    return ("\n".join(lines) + "\n").encode()


@dataclass(frozen=True, slots=True)
class Level:
    index: int
    devices: tuple[str, ...]
    target: str | None = None
    pattern: str | None = None
    attribute: str | None = None
    value: str | None = None
    id: str = ""

    def matches(self, node: str, attributes: Mapping[str, str]) -> bool:
        if self.target is not None:
            return node == self.target
        if self.pattern is not None:
            try:
                return re.search(self.pattern, node) is not None
            except re.error:
                return False
        if self.attribute is not None:
            return attributes.get(self.attribute) == self.value
        return False


@dataclass(frozen=True, slots=True)
class FencingConfig:
    """What the fencer takes from the CIB."""

    devices: Mapping[str, Device] = field(default_factory=dict)
    levels: tuple[Level, ...] = ()
    node_attributes: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    node_ids: Mapping[str, int] = field(default_factory=dict)
    stonith_enabled: bool = True
    stonith_timeout: float = 60.0

    def levels_for(self, target: str) -> list[Level]:
        attributes = self.node_attributes.get(target, {})
        matching = [level for level in self.levels if level.matches(target, attributes)]
        return sorted(matching, key=lambda level: level.index)

    def signature(self) -> tuple[object, ...]:
        """Changes when anything the fencer uses changes."""
        return (
            tuple(sorted((d.id, d.agent, tuple(sorted(d.params.items())), d.disabled, tuple(sorted(d.banned)))
                         for d in self.devices.values())),
            self.levels,
            tuple(sorted((n, tuple(sorted(a.items()))) for n, a in self.node_attributes.items())),
            self.stonith_enabled,
            self.stonith_timeout,
        )


def _nvpairs(element: etree._Element, tag: str) -> dict[str, str]:
    """Name/value pairs of ``element``'s ``tag`` sets without rules (first value wins)."""
    result: dict[str, str] = {}
    for block in element.findall(tag):
        if block.find("rule") is not None:
            continue
        for pair in block.findall("nvpair"):
            name = pair.get("name")
            value = pair.get("value")
            if name and value is not None and name not in result:
                result[name] = value
    return result


def _false(text: str | None) -> bool:
    return (text or "").strip().lower() in ("false", "no", "off", "0", "n", "f")


def read_config(cib: etree._Element) -> FencingConfig:
    """Devices, levels, node attributes and the fencing options of a CIB root."""
    configuration = cib.find("configuration")
    if configuration is None:
        return FencingConfig()
    bans: dict[str, set[str]] = {}
    constraints = configuration.find("constraints")
    if constraints is not None:
        for location in constraints.iter("rsc_location"):
            rsc, node = location.get("rsc"), location.get("node")
            if rsc and node and _score(location.get("score")) < 0:
                bans.setdefault(rsc, set()).add(node)
    devices: dict[str, Device] = {}
    resources = configuration.find("resources")
    if resources is not None:
        for primitive in resources.iter("primitive"):
            if primitive.get("class") != "stonith":
                continue
            rid, agent = primitive.get("id"), primitive.get("type")
            if not rid or not agent:
                continue
            meta = _nvpairs(primitive, "meta_attributes")
            role = (meta.get("target-role") or "").strip().lower()
            devices[rid] = Device(
                id=rid,
                agent=agent,
                params=_nvpairs(primitive, "instance_attributes"),
                disabled=role == "stopped",
                banned=frozenset(bans.get(rid, ())),
            )
    levels: list[Level] = []
    topology = configuration.find("fencing-topology")
    if topology is not None:
        for level in topology.findall("fencing-level"):
            try:
                index = int(level.get("index") or "0")
            except ValueError:
                continue
            names = tuple(d for d in re.split(r"[\s,]+", level.get("devices") or "") if d)
            if not names:
                continue
            levels.append(Level(
                index=index, devices=names, target=level.get("target"), pattern=level.get("target-pattern"),
                attribute=level.get("target-attribute"), value=level.get("target-value"), id=level.get("id") or "",
            ))
    node_attributes: dict[str, dict[str, str]] = {}
    node_ids: dict[str, int] = {}
    nodes = configuration.find("nodes")
    if nodes is not None:
        for entry in nodes.findall("node"):
            uname = entry.get("uname")
            if not uname:
                continue
            node_attributes[uname] = _nvpairs(entry, "instance_attributes")
            with_id = entry.get("id") or ""
            if with_id.isdigit():
                node_ids[uname] = int(with_id)
    options: dict[str, str] = {}
    crm_config = configuration.find("crm_config")
    if crm_config is not None:
        options = _nvpairs(crm_config, "cluster_property_set")
    return FencingConfig(
        devices=devices,
        levels=tuple(levels),
        node_attributes=node_attributes,
        node_ids=node_ids,
        stonith_enabled=not _false(options.get("stonith-enabled")),
        stonith_timeout=parse_duration(options.get("stonith-timeout"), 60.0) or 60.0,
    )
