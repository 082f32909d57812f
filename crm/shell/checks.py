"""crmsh's own advisory checks on a configuration (before a commit, on ``verify``).

Pure: agent meta-data comes through a lookup function.  Each finding is (severity, text);
errors refuse a commit unless forced, as crmsh 4.4.1 does in its default (strict) check
mode.  Objects are checked in id order, each as crmsh checks it:

- primitives and templates: unknown meta attributes (warning), the agent (error when it has
  no meta-data), operations (unknown actions, intervals, timeouts below the advised ones:
  warnings), required parameters missing and unknown parameters (errors);
- groups, clones, ms: unknown meta attributes (warning);
- locations: a node that does not exist (warning);
- property sets, rsc_defaults, op_defaults: unknown names (warning).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from lxml import etree

from crm.shell.render import object_kind
from crm.shell.xpath import xp, xs

__all__ = ["AgentInfo", "Finding", "semantic_checks"]


@dataclass(frozen=True)
class AgentInfo:
    params: tuple[str, ...]
    required: tuple[str, ...]
    action_timeouts: dict[str, str]
    actions: tuple[dict[str, str], ...] = field(default_factory=tuple)
    """Every <action> of the meta-data as a dict of its attributes."""
    unique: tuple[str, ...] = ()
    """The parameters declared ``unique="1"``."""


@dataclass(frozen=True)
class Finding:
    severity: str  # "error" | "warning" | "unique" (a warning that refuses a commit, as crmsh's rc 2)
    text: str


MetaLookup = Callable[[str, str | None, str], AgentInfo | None]

RSC_META = (
    "allow-migrate", "maintenance", "is-managed", "interval-origin", "migration-threshold", "priority",
    "multiple-active", "failure-timeout", "resource-stickiness", "target-role", "restart-type",
    "description", "remote-node", "requires", "provides", "remote-port", "remote-addr", "remote-connect-timeout",
)  # fmt: skip
COMMON_META = ("priority", "target-role", "is-managed")
GROUP_META = (*COMMON_META, "container")
CLONE_META = (
    *COMMON_META, "ordered", "notify", "interleave", "globally-unique", "clone-max", "clone-node-max",
    "clone-state", "description", "clone-min", "promotable", "promoted-max", "promoted-node-max",
)  # fmt: skip
MS_META = (
    *COMMON_META, "clone-max", "clone-node-max", "notify", "globally-unique", "ordered", "interleave",
    "master-max", "master-node-max", "description",
)  # fmt: skip
CLUSTER_PROPERTIES = (
    "batch-limit", "cluster-delay", "cluster-infrastructure", "cluster-ipc-limit", "cluster-name",
    "cluster-recheck-interval", "concurrent-fencing", "dc-deadtime", "dc-version", "election-timeout",
    "enable-acl", "enable-startup-probes", "fence-reaction", "have-watchdog", "join-finalization-timeout",
    "join-integration-timeout", "load-threshold", "maintenance-mode", "migration-limit", "no-quorum-policy",
    "node-action-limit", "node-health-base", "node-health-green", "node-health-red", "node-health-strategy",
    "node-health-yellow", "pe-error-series-max", "pe-input-series-max", "pe-warn-series-max",
    "placement-strategy", "priority-fencing-delay", "remove-after-stop", "shutdown-escalation",
    "shutdown-lock", "shutdown-lock-limit", "start-failure-is-fatal", "startup-fencing", "stonith-action",
    "stonith-enabled", "stonith-max-attempts", "stonith-timeout", "stonith-watchdog-timeout",
    "stop-all-resources", "stop-orphan-actions", "stop-orphan-resources", "symmetric-cluster",
    "transition-delay", "last-lrm-refresh",
)  # fmt: skip
"""Pacemaker 2.1.5's cluster options (controller, scheduler and CIB manager meta-data) and
the extra names crmsh accepts."""
OP_ATTRIBUTES = (
    "id", "name", "interval", "description", "interval-origin", "start-delay", "timeout", "enabled",
    "record-pending", "role", "requires", "on-fail",
)  # fmt: skip
NO_INTERVAL_OPS = ("start", "stop", "promote", "demote")
SKIP_OP_ATTRS = ("name", "depth", "id")


def agent_name(cls: str | None, provider: str | None, typ: str | None) -> str:
    return ":".join(x for x in (cls, provider, typ) if x)


def _meta_warnings(ident: str, elem: etree._Element, allowed: tuple[str, ...]) -> list[Finding]:
    out = []
    for attrs in elem.iterchildren("meta_attributes"):
        for nvp in attrs.iterchildren("nvpair"):
            name = nvp.get("name")
            if name and name not in allowed:
                out.append(Finding("warning", f"{ident}: unknown attribute '{name}'"))
    return out


def advised_value(info: AgentInfo, op: str, key: str, role: str | None, depth: str | None) -> str | None:
    """What the agent's meta-data advises for ``key`` of action ``op`` (of that role or
    depth for a monitor), as crmsh reads it."""
    return _advised(info, op, key, role, depth)


def _advised(info: AgentInfo, op: str, key: str, role: str | None, depth: str | None) -> str | None:
    matching = [a for a in info.actions if a.get("name") == op]
    if not matching:
        return None
    if op == "monitor":
        if role is None and depth is None:
            return matching[0].get(key)
        if role:
            for a in matching:
                if a.get("role") == role:
                    return a.get(key)
        if depth:
            for a in matching:
                if a.get("depth") == depth:
                    return a.get(key)
        return matching[0].get(key)
    return matching[-1].get(key)


def _ops(ident: str, prim: etree._Element, info: AgentInfo, cls: str | None, default_timeout: str | None) -> list[Finding]:
    out: list[Finding] = []
    monitors: list[dict[str, str]] = []
    others: dict[str, dict[str, str]] = {}
    for op_el in xp(prim, "operations/op"):
        name = op_el.get("name") or ""
        d = {str(k): str(v) for k, v in op_el.attrib.items() if k not in SKIP_OP_ATTRS}
        if name == "monitor":
            monitors.append(d)
        else:
            others[name] = d
    known = {a.get("name") for a in info.actions}

    def timeout_check(op: str, item: dict[str, str], advised: str | None) -> None:
        if "timeout" in item:
            actual: str | None = item["timeout"]
            label = "specified timeout"
        else:
            actual = default_timeout
            label = "default timeout"
        if actual and crmsh_msec(advised) - crmsh_msec(actual) > 0:
            out.append(Finding("warning", f"{ident}: {label} {actual} for {op} is smaller than the advised {advised}"))

    for required in ("start", "stop"):  # crmsh's required_ops are checked when not given
        if required not in others and cls != "stonith":
            others[required] = {}
    groups: list[tuple[str, object]] = [("monitor", monitors), *others.items()]
    for op, data in groups:
        if cls == "stonith" and op in ("start", "stop"):
            continue
        if op == "monitor" and not monitors:
            continue
        if op not in known:
            out.append(Finding("warning", f"{ident}: action '{op}' not found in Resource Agent meta-data"))
            continue
        if op == "monitor":
            seen: list[int] = []
            for item in monitors:
                role, depth = item.get("role"), item.get("depth")
                adv_interval = _advised(info, op, "interval", role, depth)
                ms = crmsh_msec(item.get("interval", "0"))
                if ms == 0:
                    out.append(Finding("warning", f"{ident}: interval in monitor should be larger than 0, advised is {adv_interval}"))
                elif ms in seen:
                    out.append(Finding("warning", f"{ident}: interval in monitor must be unique, advised is {adv_interval}"))
                else:
                    seen.append(ms)
            for item in monitors:
                timeout_check(op, item, _advised(info, op, "timeout", item.get("role"), item.get("depth")))
        else:
            assert isinstance(data, dict)
            if "interval" in data and op in NO_INTERVAL_OPS and crmsh_msec(data["interval"]) != 0:
                out.append(Finding("warning", f"{ident}: Specified interval for {op} is {data['interval']}, it must be 0"))
            timeout_check(op, data, _advised(info, op, "timeout", None, None))
    return out


_CRMSH_UNITS = {"ms": (1, 1), "msec": (1, 1), "us": (1, 1000), "usec": (1, 1000), "": (1000, 1), "s": (1000, 1), "sec": (1000, 1)}
_CRMSH_UNITS.update({"m": (60_000, 1), "min": (60_000, 1), "h": (3_600_000, 1), "hr": (3_600_000, 1)})
_CRMSH_SPAN_RE = re.compile(r"\s*(\d+)\s*([a-zA-Z]+)?")


def crmsh_msec(text: str | None) -> int:
    """Milliseconds as crmsh 4.4.1's agent checks read a time span (its own reading, not
    Pacemaker's: leading digits and a unit, no ISO 8601; -1 when unreadable), so that its
    advice on timeouts and intervals is given for the same values."""
    m = _CRMSH_SPAN_RE.match(text or "")
    if not text or not m:
        return -1
    unit = _CRMSH_UNITS.get((m.group(2) or "").lower())
    if unit is None:
        return -1
    return int(m.group(1)) * unit[0] // unit[1]


OP_ATTRIBUTE_VALUES: dict[str, tuple[str, ...]] = {
    "role": ("Stopped", "Started", "Promoted", "Unpromoted", "Slave", "Master"),
    "on-fail": ("ignore", "block", "demote", "stop", "restart", "standby", "fence", "restart-container"),
}
"""The ``<op>`` attributes whose values the schema enumerates (crmsh warns about others)."""


def _op_attribute_values(pid: str, prim: etree._Element) -> list[Finding]:
    out: list[Finding] = []
    for op in xp(prim, "operations/op"):
        for key, raw in op.attrib.items():
            name, value = str(key), str(raw)
            allowed = OP_ATTRIBUTE_VALUES.get(name)
            if allowed is not None and value not in allowed:
                out.append(Finding("warning", f"{pid}: op '{op.get('name')}' attribute '{name}' value '{value}' not recognized"))
    return out


def _primitive(prim: etree._Element, conf: etree._Element, meta: MetaLookup) -> list[Finding]:
    pid = prim.get("id") or ""
    out = _meta_warnings(pid, prim, RSC_META)
    src = prim
    if prim.tag == "primitive" and prim.get("template"):
        found = xp(conf, "resources/template[@id=$i]", i=prim.get("template") or "")
        if not found:
            return [*out, Finding("error", f"{prim.get('template')}: no such resource template")]
        src = found[0]
    cls, provider, typ = src.get("class"), src.get("provider"), src.get("type")
    info = meta(cls or "", provider, typ or "")
    if info is None:
        name = agent_name(cls, provider, typ)
        return [*out, Finding("error", f"{name}: got no meta-data, does this RA exist?"), Finding("error", f"{name}: no such resource agent")]
    default_timeout = None
    for v in xp(conf, "op_defaults/meta_attributes/nvpair[@name='timeout']"):
        default_timeout = v.get("value")
    ops_node = prim if prim.find("operations") is not None else src
    out += _ops(pid, ops_node, info, cls, default_timeout)
    out += _op_attribute_values(pid, prim)
    given: dict[str, str | None] = {}
    for attrs in src.iterchildren("instance_attributes"):
        for nvp in attrs.iterchildren("nvpair"):
            if nvp.get("name"):
                given[nvp.get("name") or ""] = nvp.get("value")
    if src is not prim:
        for attrs in prim.iterchildren("instance_attributes"):
            for nvp in attrs.iterchildren("nvpair"):
                if nvp.get("name"):
                    given[nvp.get("name") or ""] = nvp.get("value")
    for p in info.required:
        if cls == "stonith" and (typ or "").startswith(("rhcs/", "fence_")) and p in ("action", "port"):
            continue
        if p not in given:
            out.append(Finding("error", f'{pid}: required parameter "{p}" not defined'))
    if cls != "stonith":
        for p in given:
            if p.startswith("$"):
                continue
            if p not in info.params:
                out.append(Finding("error", f'{pid}: parameter "{p}" is not known'))
    return out


def _refs(con: etree._Element, conf: etree._Element, kind: str) -> list[Finding]:
    """Constraints on a missing resource, or on a member of a group (colocations) or of a
    clone (all kinds)."""
    ident = con.get("id") or ""
    refs = xs(con, ".//resource_set/resource_ref/@id")
    if not refs:
        attrs = {"order": ("first", "then"), "colocation": ("rsc", "with-rsc")}.get(kind, ("rsc",))
        refs = [con.get(a) or "" for a in attrs if con.get(a)]
    out: list[Finding] = []
    for rid in refs:
        found = xp(conf, "*//*[@id=$i]", i=rid)
        target = next((f for f in found if f.tag in ("primitive", "group", "clone", "master", "template", "bundle", "tag")), None)
        if target is None:
            out.append(Finding("warning", f"{ident}: resource {rid} does not exist"))
            continue
        parent = target.getparent()
        ptag = parent.tag if parent is not None else ""
        if ptag == "group":
            if kind == "colocation":
                out.append(Finding("warning", f"{ident}: resource {rid} is grouped, constraints should apply to the group"))
        elif ptag in ("clone", "master", "bundle"):
            out.append(Finding("warning", f"{ident}: resource {rid} ambiguous, apply constraints to container"))
    return out


def _unique_clashes(conf: etree._Element, meta: MetaLookup, changed: set[str] | None) -> list[Finding]:
    """Primitives with the same value of a parameter their agent declares unique, when one of
    them is among the ``changed`` (crmsh's _check_unique_clash, which is first)."""
    prims = xp(conf, "resources//primitive")
    check = {p.get("id") or "" for p in prims if changed is None or (p.get("id") or "") in changed}
    if not check:
        return []
    clashes: dict[tuple[str | None, str | None, str | None, str, str], list[str]] = {}
    for prim in prims:
        src = prim
        if prim.get("template"):
            found = xp(conf, "resources/template[@id=$i]", i=prim.get("template") or "")
            if not found:
                continue
            src = found[0]
        info = meta(src.get("class") or "", src.get("provider"), src.get("type") or "")
        if info is None:
            continue
        values: dict[str, str] = {}
        pairs: list[tuple[str, str]] = []
        if src is not prim:  # the template's parameters, the primitive's over them
            for nvp in xp(src, "instance_attributes/nvpair") + xp(prim, "instance_attributes/nvpair"):
                if nvp.get("name") and nvp.get("value") is not None:
                    values[nvp.get("name") or ""] = nvp.get("value") or ""
            pairs = list(values.items())
        else:
            pairs = [(n.get("name") or "", n.get("value") or "") for n in xp(prim, "instance_attributes/nvpair") if n.get("value") is not None]
        for name, value in pairs:
            if name in info.unique:
                key = (prim.get("class"), prim.get("provider"), prim.get("type"), name, value)
                clashes.setdefault(key, []).append(prim.get("id") or "")
    out: list[Finding] = []
    for (_c, _p, _t, name, value), ids in clashes.items():
        if len(ids) > 1 and set(ids) & check:
            out.append(Finding("unique", f'Resources {",".join(sorted(ids))} violate uniqueness for parameter "{name}": "{value}"'))
    return out


def semantic_checks(conf: etree._Element, meta: MetaLookup, changed: set[str] | None = None) -> list[Finding]:
    """Findings for the objects of ``conf`` (``changed``: only those ids), in id order."""
    nodes = {(n.get("uname") or n.get("id") or "").lower() for n in xp(conf, "nodes/node")}
    objects: list[etree._Element] = []
    objects += xp(conf, "resources//*[self::primitive or self::template or self::group or self::clone or self::master]")
    objects += xp(conf, "constraints/*[self::rsc_location or self::rsc_colocation or self::rsc_order or self::rsc_ticket]")
    objects += xp(conf, "crm_config/cluster_property_set | rsc_defaults/meta_attributes | op_defaults/meta_attributes")
    if changed is not None:
        objects = [o for o in objects if (o.get("id") or "") in changed]
    out: list[Finding] = _unique_clashes(conf, meta, changed)
    for obj in sorted(objects, key=lambda o: o.get("id") or ""):
        ident = obj.get("id") or ""
        kind = object_kind(obj)
        if obj.tag in ("primitive", "template"):
            out += _primitive(obj, conf, meta)
        elif obj.tag == "group":
            out += _meta_warnings(ident, obj, RSC_META + GROUP_META)
        elif obj.tag == "clone":
            out += _meta_warnings(ident, obj, RSC_META + CLONE_META)
        elif obj.tag == "master":
            out += _meta_warnings(ident, obj, RSC_META + CLONE_META + MS_META)
        elif obj.tag == "rsc_location":
            node = obj.get("node")
            if node and node.lower() not in nodes:
                out.append(Finding("warning", f"{ident}: referenced node {node} does not exist"))
            pattern = obj.get("rsc-pattern")
            if pattern:
                try:
                    re.compile(pattern)
                except re.error as e:
                    out.append(Finding("warning", f"{ident}: '{pattern}' may not be a valid regular expression ({e})"))
            for expr in xp(obj, "rule/expression[@attribute='#uname']"):
                uname = expr.get("value")
                if uname and uname.lower() not in nodes:
                    out.append(Finding("warning", f"{ident}: referenced node {uname} does not exist"))
            out += _refs(obj, conf, kind)
        elif obj.tag in ("rsc_colocation", "rsc_order", "rsc_ticket"):
            out += _refs(obj, conf, kind)
        elif kind in ("property", "rsc_defaults", "op_defaults"):
            if kind == "property":
                if ident != "cib-bootstrap-options":
                    continue
                allowed: tuple[str, ...] = CLUSTER_PROPERTIES
            elif kind == "rsc_defaults":
                allowed = RSC_META
            else:
                allowed = OP_ATTRIBUTES
            for nvp in obj.iterchildren("nvpair"):
                name = nvp.get("name")
                if name and name not in allowed:
                    out.append(Finding("warning", f"{ident}: unknown attribute '{name}'"))
    return out
