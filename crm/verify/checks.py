"""The checks ``crm_verify`` runs, in Pacemaker's words.

1. The document is validated against the schema it names (:mod:`crm.cib.schema`); if that
   fails nothing else is checked, as in Pacemaker.
2. An older document is upgraded (:mod:`crm.cib.upgrade`) and the current form is checked:
   cluster options, fencing, resources and their operations, constraints, node state.

Errors are what Pacemaker's scheduler reports as configuration errors when it unpacks the
CIB (it then ignores or resets the offending item); warnings are its configuration warnings
(deprecated syntax, nodes that would be fenced, leftovers in the status section); notices
are ours (agents that are not installed here) and never change the verdict.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

from lxml import etree

from crm.cib.schema import CURRENT_SCHEMA, Grammar, SchemaError, UnknownSchema, grammar_for, validate
from crm.cib.upgrade import upgrade
from crm.verify.durations import parse_ms
from crm.verify.findings import Finding, Report, Severity

__all__ = ["verify"]

RESOURCE_TAGS: Final = frozenset({"primitive", "group", "clone", "master", "bundle"})
PROMOTED_ROLES: Final = frozenset({"Promoted", "Unpromoted", "Master", "Slave"})
TRUE_WORDS: Final = frozenset({"true", "yes", "on", "y", "1"})
FALSE_WORDS: Final = frozenset({"false", "no", "off", "n", "0"})

BOOLEAN_OPTIONS: Final = (
    "stonith-enabled", "symmetric-cluster", "maintenance-mode", "start-failure-is-fatal",
    "startup-fencing", "stop-orphan-resources", "stop-orphan-actions", "stop-all-resources",
    "enable-startup-probes", "concurrent-fencing", "enable-acl", "have-watchdog",
)
DURATION_OPTIONS: Final = (
    "cluster-delay", "stonith-timeout", "cluster-recheck-interval", "dc-deadtime",
    "election-timeout", "shutdown-escalation", "join-integration-timeout",
    "join-finalization-timeout", "transition-delay", "priority-fencing-delay",
)
ENUM_OPTIONS: Final[dict[str, frozenset[str]]] = {
    "no-quorum-policy": frozenset({"stop", "freeze", "ignore", "demote", "suicide"}),
    "stonith-action": frozenset({"reboot", "off", "poweroff"}),
    "placement-strategy": frozenset({"default", "utilization", "minimal", "balanced"}),
    "node-health-strategy": frozenset({"none", "migrate-on-red", "only-green", "progressive", "custom"}),
}


def boolean(text: str | None) -> bool | None:
    if text is None:
        return None
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    return None


def _elements(root: etree._Element, path: str) -> list[etree._Element]:
    found = root.xpath(path)
    return [e for e in found if isinstance(e, etree._Element)] if isinstance(found, list) else []


def _line(element: etree._Element) -> int | None:
    line = element.sourceline
    return line if isinstance(line, int) and line > 0 else None


def _nvpairs(element: etree._Element, set_tag: str) -> dict[str, str]:
    """Name/value pairs of the element's sets of one kind (first value wins; rules ignored)."""
    values: dict[str, str] = {}
    for nvpair in element.iterfind(f"{set_tag}/nvpair"):
        name, value = nvpair.get("name"), nvpair.get("value")
        if name is not None and value is not None and name not in values:
            values[name] = value
    return values


@dataclass(frozen=True, slots=True)
class Context:
    """The upgraded document and what several checks need from it."""

    root: etree._Element
    options: dict[str, str]

    @property
    def stonith_enabled(self) -> bool:
        value = boolean(self.options.get("stonith-enabled"))
        return True if value is None else value

    def resources(self) -> Iterator[etree._Element]:
        resources = self.root.find("configuration/resources")
        if resources is not None:
            yield from (e for e in resources.iter() if e.tag in RESOURCE_TAGS)

    def any_node_online(self) -> bool:
        """Some cluster node is up (the scheduler only creates actions then)."""
        return any(
            _truthy_state(state.get("in_ccm")) and _truthy_state(state.get("crmd"))
            for state in _elements(self.root, "/cib/status/node_state")
        )

    def active_anywhere(self) -> set[str]:
        active: set[str] = set()
        for state in _elements(self.root, "/cib/status/node_state"):
            active |= _active_resources(state)
        return active

    def resource_ids(self) -> set[str]:
        ids = {str(e.get("id")) for e in self.resources()}
        ids |= {str(e.get("id")) for e in _elements(self.root, "/cib/configuration/tags/tag")}
        ids |= {str(e.get("id")) for e in _elements(self.root, "/cib/configuration/resources/template")}
        return ids


def _cluster_options(root: etree._Element) -> dict[str, str]:
    options: dict[str, str] = {}
    for nvpair in _elements(root, "/cib/configuration/crm_config/cluster_property_set/nvpair"):
        name, value = nvpair.get("name"), nvpair.get("value")
        if name is not None and value is not None:
            options.setdefault(name, value)
    return options


# ------------------------------------------------------------------ cluster options


def check_options(ctx: Context) -> Iterator[Finding]:
    for name in BOOLEAN_OPTIONS:
        value = ctx.options.get(name)
        if value is not None and boolean(value) is None:
            yield _bad_option(name, value)
    for name in DURATION_OPTIONS:
        value = ctx.options.get(name)
        if value is not None and parse_ms(value) is None:
            yield _bad_option(name, value)
    for name, allowed in ENUM_OPTIONS.items():
        value = ctx.options.get(name)
        if value is not None and value not in allowed:
            yield _bad_option(name, value)
    if ctx.options.get("stonith-action") == "poweroff":
        yield Finding(
            Severity.WARNING,
            "unpack_config",
            "Support for stonith-action of 'poweroff' is deprecated and will be removed in a "
            "future release (use 'off' instead)",
        )


def _bad_option(name: str, value: str) -> Finding:
    return Finding(
        Severity.ERROR,
        "cluster_option_value",
        f"Using default value for cluster option '{name}' because '{value}' is invalid",
    )


def check_fencing(ctx: Context) -> Iterator[Finding]:
    if not ctx.stonith_enabled:
        return
    if any(p.get("class") == "stonith" for p in ctx.root.iter("primitive")):
        return
    for message in (
        "Resource start-up disabled since no STONITH resources have been defined",
        "Either configure some or disable STONITH with the stonith-enabled option",
        "NOTE: Clusters with shared data need STONITH to ensure data integrity",
    ):
        yield Finding(Severity.ERROR, "unpack_resources", message)


# ------------------------------------------------------------------------ resources


def _in_promotable(resource: etree._Element) -> bool:
    for ancestor in resource.iterancestors():
        if ancestor.tag == "master":
            return True
        if ancestor.tag == "clone" and boolean(_nvpairs(ancestor, "meta_attributes").get("promotable")):
            return True
        if ancestor.tag == "bundle":
            return True
    return resource.tag == "master" or (
        resource.tag == "clone" and bool(boolean(_nvpairs(resource, "meta_attributes").get("promotable")))
    )


def check_resources(ctx: Context) -> Iterator[Finding]:
    for resource in ctx.resources():
        rid = resource.get("id", "")
        meta = _nvpairs(resource, "meta_attributes")
        inherited = dict(meta)
        for ancestor in resource.iterancestors():
            if ancestor.tag in RESOURCE_TAGS:
                for name, value in _nvpairs(ancestor, "meta_attributes").items():
                    inherited.setdefault(name, value)
        role = meta.get("target-role")
        if role in PROMOTED_ROLES and not _in_promotable(resource):
            yield Finding(
                Severity.ERROR,
                "get_target_role",
                f"Ignoring 'target-role' for {rid} because '{role}' only makes sense for promotable clones",
                _line(resource),
            )
        if "restart-type" in meta:
            yield Finding(
                Severity.WARNING,
                "pe__unpack_resource",
                "Support for restart-type is deprecated and will be removed in a future release",
                _line(resource),
            )
        if resource.tag == "group":
            for flag in ("ordered", "collocated"):
                if boolean(inherited.get(flag)) is False:
                    yield Finding(
                        Severity.WARNING,
                        "set_group_flag",
                        f"Support for the '{flag}' group meta-attribute is deprecated and will be "
                        "removed in a future release (use a resource set instead)",
                        _line(resource),
                    )


def _operations(ctx: Context, primitive: etree._Element) -> list[etree._Element]:
    ops: list[etree._Element] = []
    template_id = primitive.get("template")
    if template_id is not None:
        for template in _elements(ctx.root, "/cib/configuration/resources/template"):
            if template.get("id") == template_id:
                ops.extend(template.iterfind("operations/op"))
    for operations in primitive.iterfind("operations"):
        ref = operations.get("id-ref")
        if ref is not None:
            for shared in ctx.root.iter("operations"):
                if shared.get("id") == ref:
                    ops.extend(shared.iterfind("op"))
        ops.extend(operations.iterfind("op"))
    return ops


def check_operations(ctx: Context) -> Iterator[Finding]:
    for primitive in ctx.root.iter("primitive"):
        rid = primitive.get("id", "")
        seen: dict[tuple[str, int], str] = {}
        for op in _operations(ctx, primitive):
            name, oid = op.get("name", ""), op.get("id", "")
            interval_text = op.get("interval", "0")
            interval = parse_ms(interval_text)
            if interval is None:
                yield Finding(
                    Severity.ERROR,
                    "unpack_operation",
                    f"Operation '{oid}' of {rid} has an invalid interval '{interval_text}'",
                    _line(op),
                )
                continue
            for attribute in ("timeout", "start-delay"):
                value = op.get(attribute)
                if value is not None and parse_ms(value) is None:
                    yield Finding(
                        Severity.ERROR,
                        "unpack_operation",
                        f"Operation '{oid}' of {rid} has an invalid {attribute} '{value}'",
                        _line(op),
                    )
            if interval > 0:
                first = seen.get((name, interval))
                if first is not None:
                    yield Finding(
                        Severity.ERROR,
                        "is_op_dup",
                        f"Operation {oid} is duplicate of {first} (do not use same name and "
                        "interval combination more than once per resource)",
                        _line(op),
                    )
                else:
                    seen[(name, interval)] = oid
            on_fail = op.get("on-fail")
            if on_fail == "fence" and not ctx.stonith_enabled and ctx.any_node_online():
                yield Finding(
                    Severity.ERROR,
                    "unpack_operation",
                    f"Resetting 'on-fail' for operation '{rid}_{name}_{interval}' to 'stop' because "
                    "'fence' is not valid when fencing is disabled",
                    _line(op),
                )
            if name == "stop" and on_fail == "stop" and rid in ctx.active_anywhere():
                yield Finding(
                    Severity.ERROR,
                    "unpack_operation_on_fail",
                    f"Resetting 'on-fail' for {rid} stop action to default value because 'stop' "
                    "is not allowed for stop",
                    _line(op),
                )


# ---------------------------------------------------------------------- constraints


TAG_ORIGINS: Final = {
    "rsc_location": "unpack_location_tags",
    "rsc_colocation": "unpack_colocation_tags",
    "rsc_order": "unpack_order_tags",
    "rsc_ticket": "unpack_rsc_ticket_tags",
}


def check_constraints(ctx: Context) -> Iterator[Finding]:
    known = ctx.resource_ids()
    constraints = ctx.root.find("configuration/constraints")
    if constraints is None:
        return
    for constraint in constraints:
        if not isinstance(constraint.tag, str):
            continue
        cid = constraint.get("id", "")
        origin = TAG_ORIGINS.get(str(constraint.tag), "unpack_constraints")
        refs = [(constraint, constraint.get(a)) for a in ("rsc", "with-rsc", "first", "then")]
        refs += [(r, r.get("id")) for r in constraint.iterfind("resource_set/resource_ref")]
        for element, ref in refs:
            if ref is not None and ref not in known:
                yield Finding(
                    Severity.ERROR,
                    origin,
                    f"Ignoring constraint '{cid}' because '{ref}' is not a valid resource or tag",
                    _line(element),
                )
        if constraint.tag == "rsc_order":
            clones = {str(r.get("id")) for r in ctx.resources() if r.tag in ("clone", "master")}
            if constraint.get("require-all") is not None and constraint.get("first") in clones:
                yield Finding(
                    Severity.WARNING,
                    "get_minimum_first_instances",
                    "Support for require-all in ordering constraints is deprecated and will be "
                    "removed in a future release (use clone-min clone meta-attribute instead)",
                    _line(constraint),
                )
            if constraint.get("kind") == "Serialize" and boolean(constraint.get("symmetrical")):
                yield Finding(
                    Severity.WARNING,
                    "get_ordering_symmetry",
                    f"Ignoring symmetrical for '{cid}' because not valid with kind of 'Serialize'",
                    _line(constraint),
                )


# ----------------------------------------------------------------------- node state


def _known_node_names(ctx: Context) -> set[str]:
    names: set[str] = set()
    for node in _elements(ctx.root, "/cib/configuration/nodes/node"):
        names.update(v for v in (node.get("id"), node.get("uname")) if v)
    for primitive in ctx.root.iter("primitive"):
        if primitive.get("type") == "remote" and primitive.get("provider") == "pacemaker":
            names.add(primitive.get("id", ""))
        remote = _nvpairs(primitive, "meta_attributes").get("remote-node")
        if remote:
            names.add(remote)
    for bundle in ctx.root.iter("bundle"):
        if bundle.find("primitive") is not None:
            names.update(f"{bundle.get('id')}-{i}" for i in range(_replicas(bundle)))
    return names


def _replicas(bundle: etree._Element) -> int:
    runtime = next((c for c in bundle if c.tag in ("docker", "podman", "rkt")), None)
    if runtime is None:
        return 1
    for attribute in ("replicas", "promoted-max", "masters"):
        value = runtime.get(attribute, "")
        if value.isdigit():
            return int(value)
    return 1


def _truthy_state(value: str | None) -> bool:
    if value is None:
        return False
    if value.lstrip("-").isdigit():
        return int(value) > 0
    return bool(boolean(value)) or value == "online"


def check_node_state(ctx: Context) -> Iterator[Finding]:
    known = _known_node_names(ctx)
    states = _elements(ctx.root, "/cib/status/node_state")
    seen = {v for state in states for v in (state.get("id"), state.get("uname")) if v}
    if ctx.stonith_enabled and boolean(ctx.options.get("startup-fencing")) is not False:
        for node in _elements(ctx.root, "/cib/configuration/nodes/node"):
            if node.get("type", "member") == "member" and node.get("id") not in seen and node.get("uname") not in seen:
                yield Finding(
                    Severity.WARNING,
                    "pe_fence_node",
                    f"Cluster node {node.get('uname')} will be fenced: peer has not been seen by the cluster",
                    _line(node),
                )
    for state in states:
        node_id, uname = state.get("id"), state.get("uname")
        if not node_id:
            yield Finding(Severity.NOTICE, "unpack_node_state", "Ignoring malformed node_state entry without id", _line(state))
            continue
        if not uname:
            yield Finding(Severity.NOTICE, "unpack_node_state", "Ignoring malformed node_state entry without uname", _line(state))
            continue
        if node_id not in known and uname not in known:
            yield Finding(
                Severity.WARNING,
                "unpack_node_state",
                f"Ignoring recorded node state for '{uname}' because it is no longer in the configuration",
                _line(state),
            )
            continue
        if boolean(state.get("remote_node")) or not _is_cluster_node(ctx, node_id, uname):
            continue
        reason = _unclean_reason(state, ctx.stonith_enabled)
        if reason is None and ctx.stonith_enabled:
            reason = (
                _failed_stop(ctx, state)
                or _terminate_requested(state)
                or _lost_deadman_ticket(ctx, state)
                or _active_while_offline(ctx, state)
            )
        if reason is not None:
            yield Finding(
                Severity.WARNING, "pe_fence_node", f"Cluster node {uname} will be fenced: {reason}", _line(state)
            )


def _call_id(op: etree._Element) -> int:
    text = op.get("call-id", "")
    return int(text) if text.lstrip("-").isdigit() else -1


def _failed_stop(ctx: Context, state: etree._Element) -> str | None:
    """A resource whose last recorded action on this node is a failed stop (Pacemaker
    fences the node to recover it, unless the stop has on-fail=block/ignore)."""
    stop_policy: dict[str, str] = {}
    for primitive in ctx.root.iter("primitive"):
        for op in _operations(ctx, primitive):
            if op.get("name") == "stop" and op.get("on-fail"):
                stop_policy[primitive.get("id", "")] = op.get("on-fail", "")
    for resource in state.iterfind("lrm/lrm_resources/lrm_resource"):
        ops = [op for op in resource.iterfind("lrm_rsc_op") if op.get("interval", "0") == "0"]
        if not ops:
            continue
        last = max(ops, key=_call_id)
        if last.get("operation") != "stop" or last.get("rc-code", "0") == "0":
            continue
        if last.get("op-status", "0") not in ("0", "4", "1"):
            continue
        rid = resource.get("id", "").split(":", 1)[0]
        if stop_policy.get(rid) in ("block", "ignore", "stop"):
            continue
        return f"{resource.get('id')} failed there"
    return None


def _unclean_reason(state: etree._Element, fencing: bool) -> str | None:
    """Why a cluster node with this recorded membership would be fenced, if it would."""
    in_cluster = _truthy_state(state.get("in_ccm"))
    online = _truthy_state(state.get("crmd"))
    expected = state.get("expected")
    join = state.get("join")
    if not fencing:
        if in_cluster and not online and expected == "member":
            return "peer is unexpectedly down"
        return None
    if join == "nack":
        return "peer failed Pacemaker membership criteria"
    if expected == "down":
        return None
    if not in_cluster:
        if expected == "member" or (online and join == "member"):
            return "peer is no longer part of the cluster"
        return None
    if not online and expected == "member":
        return "peer process is no longer available"
    return None


def _is_cluster_node(ctx: Context, node_id: str, uname: str) -> bool:
    for node in _elements(ctx.root, "/cib/configuration/nodes/node"):
        if node.get("id") == node_id or node.get("uname") == uname:
            return node.get("type", "member") == "member"
    return False


def _node_attribute(ctx: Context, state: etree._Element, name: str) -> str | None:
    for node in _elements(ctx.root, "/cib/configuration/nodes/node"):
        if node.get("id") == state.get("id"):
            value = _nvpairs(node, "instance_attributes").get(name)
            if value is not None:
                return value
    for nvpair in state.iterfind("transient_attributes/instance_attributes/nvpair"):
        if nvpair.get("name") == name:
            return nvpair.get("value")
    return None


def _active_while_offline(ctx: Context, state: etree._Element) -> str | None:
    """A node that is down but whose op history says a managed resource runs there."""
    if _truthy_state(state.get("in_ccm")) and _truthy_state(state.get("crmd")):
        return None
    if (
        boolean(ctx.options.get("maintenance-mode"))
        or boolean(state.get("node_in_maintenance"))
        or boolean(_node_attribute(ctx, state, "maintenance"))
    ):
        return None
    unmanaged = {
        str(p.get("id"))
        for p in ctx.root.iter("primitive")
        if boolean(_nvpairs(p, "meta_attributes").get("is-managed")) is False
    }
    for resource in state.iterfind("lrm/lrm_resources/lrm_resource"):
        rid = resource.get("id", "")
        if rid.split(":", 1)[0] in _active_resources_of(resource) - unmanaged:
            return f"{rid} is thought to be active there"
    return None


def _terminate_requested(state: etree._Element) -> str | None:
    for nvpair in state.iterfind("transient_attributes/instance_attributes/nvpair"):
        if nvpair.get("name") == "terminate" and (boolean(nvpair.get("value")) or _truthy_state(nvpair.get("value"))):
            return "termination was requested"
    return None


_ACTIVE_OPS: Final = frozenset({"start", "promote", "demote", "monitor", "migrate_from", "notify"})


def _active_resources_of(resource: etree._Element) -> set[str]:
    ops = list(resource.iterfind("lrm_rsc_op"))
    if not ops:
        return set()
    last = max(ops, key=_call_id)
    if last.get("operation") in _ACTIVE_OPS and last.get("rc-code") in ("0", "8"):
        return {resource.get("id", "").split(":", 1)[0]}
    return set()


def _active_resources(state: etree._Element) -> set[str]:
    """Resources whose last recorded action on this node left them running."""
    active: set[str] = set()
    for resource in state.iterfind("lrm/lrm_resources/lrm_resource"):
        active |= _active_resources_of(resource)
    return active


def _lost_deadman_ticket(ctx: Context, state: etree._Element) -> str | None:
    granted = {
        t.get("id"): bool(boolean(t.get("granted"))) for t in _elements(ctx.root, "/cib/status/tickets/ticket_state")
    }
    active = _active_resources(state)
    if not active:
        return None
    for ticket in ctx.root.iter("rsc_ticket"):
        if ticket.get("loss-policy") != "fence" or granted.get(ticket.get("ticket"), False):
            continue
        members = {ticket.get("rsc")} | {r.get("id") for r in ticket.iterfind("resource_set/resource_ref")}
        members.discard(None)
        covered = set(members)
        for resource in ctx.resources():
            if resource.get("id") in members:
                covered.update(str(d.get("id")) for d in resource.iter() if d.tag in RESOURCE_TAGS)
        if covered & active:
            return "deadman ticket was lost"
    return None


# --------------------------------------------------------------------------- entry

def _implicit_resource_ids(ctx: Context) -> set[str]:
    """Resources a bundle creates for its replicas."""
    ids: set[str] = set()
    for bundle in ctx.root.iter("bundle"):
        bid = bundle.get("id", "")
        for i in range(_replicas(bundle)):
            ids.update({f"{bid}-{i}", f"{bid}-docker-{i}", f"{bid}-podman-{i}", f"{bid}-rkt-{i}"})
    return ids


def check_orphans(ctx: Context) -> Iterator[Finding]:
    guests = {str(v) for p in ctx.root.iter("primitive") if (v := _nvpairs(p, "meta_attributes").get("remote-node"))}
    configured = {str(p.get("id")) for p in ctx.root.iter("primitive")} | _implicit_resource_ids(ctx) | guests
    prefixes = tuple(f"{b.get('id')}-ip-" for b in ctx.root.iter("bundle"))
    for state in _elements(ctx.root, "/cib/status/node_state"):
        for rid in sorted(_active_resources(state)):
            if rid in configured or (prefixes and rid.startswith(prefixes)):
                continue
            yield Finding(
                Severity.WARNING,
                "process_rsc_state",
                f"Detected active orphan {rid} running on {state.get('uname')}",
                _line(state),
            )


def check_failure_timeout(ctx: Context) -> Iterator[Finding]:
    """A failure timeout cannot expire failures of an operation with on-fail=block."""
    failed: set[str] = set()
    for nvpair in _elements(ctx.root, "/cib/status/node_state/transient_attributes/instance_attributes/nvpair"):
        name = nvpair.get("name", "")
        if name.startswith("fail-count-"):
            failed.add(name.removeprefix("fail-count-").split("#", 1)[0])
    defaults = {
        str(nv.get("name")): str(nv.get("value"))
        for nv in _elements(ctx.root, "/cib/configuration/rsc_defaults/meta_attributes/nvpair")
    }
    for primitive in ctx.root.iter("primitive"):
        rid = primitive.get("id", "")
        if rid not in failed:
            continue
        timeout = _nvpairs(primitive, "meta_attributes").get("failure-timeout", defaults.get("failure-timeout"))
        if timeout is None or not parse_ms(timeout):
            continue
        if any(op.get("on-fail") == "block" for op in _operations(ctx, primitive)):
            yield Finding(
                Severity.WARNING,
                "pe_get_failcount",
                f"Ignoring failure timeout {timeout} for {rid} because it conflicts with on-fail=block",
                _line(primitive),
            )


def check_agents(ctx: Context) -> Iterator[Finding]:
    """OCF agents that are not installed on this machine (a notice: the configuration may
    be meant for other machines)."""
    try:
        from lrmd.agent_paths import AgentLocator
    except ImportError:  # pragma: no cover - lrmd is part of the same distribution
        return
    locator = AgentLocator.from_env()
    reported: set[tuple[str, str]] = set()
    for primitive in [*ctx.root.iter("primitive"), *ctx.root.iter("template")]:
        if primitive.get("class") != "ocf":
            continue
        provider, agent = primitive.get("provider", ""), primitive.get("type", "")
        if (provider, agent) in reported:
            continue
        if locator.resolve("ocf", provider, agent) is None:
            reported.add((provider, agent))
            yield Finding(
                Severity.NOTICE,
                "check_agents",
                f"Resource agent ocf:{provider}:{agent} (used by {primitive.get('id')}) is not installed here",
                _line(primitive),
            )


CHECKS: Final = (check_options, check_fencing, check_resources, check_operations, check_constraints, check_node_state, check_orphans, check_failure_timeout, check_agents)


def verify(doc: etree._Element | etree._ElementTree) -> Report:
    """All findings for a CIB (the input is not modified)."""
    root = doc.getroot() if isinstance(doc, etree._ElementTree) else doc
    schema_errors = validate(root)
    if schema_errors:
        return Report((), tuple(schema_errors))
    try:
        grammar = grammar_for(root.get("validate-with"))
    except UnknownSchema:  # pragma: no cover - validate() reported it already
        grammar = None
    current = root if grammar is Grammar.CURRENT or grammar is None else upgrade(root)
    if grammar is not None and grammar is not Grammar.CURRENT:
        problems = validate(current)
        if problems:
            return Report(
                (),
                tuple(
                    SchemaError(p.path, p.line, f"after upgrade to the current schema: {p.reason}", p.element)
                    for p in problems
                ),
            )
    ctx = Context(current, _cluster_options(current))
    findings: list[Finding] = []
    if current is not root:
        findings.append(
            Finding(
                Severity.NOTICE,
                "cli_config_update",
                f"Your configuration was internally updated to the latest version ({CURRENT_SCHEMA}) "
                f"from {root.get('validate-with') or 'the Heartbeat 2 format'}; "
                "cibadmin --upgrade makes this permanent",
            )
        )
    for check in CHECKS:
        findings.extend(check(ctx))
    return Report(tuple(findings))
