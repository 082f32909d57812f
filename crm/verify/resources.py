"""Resources and their operations."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from lxml import etree

from crm.verify.context import RESOURCE_TAGS, Context, boolean, elements, line_of, nvpairs, operations
from crm.verify.durations import parse_ms
from crm.verify.findings import Finding, Severity

PROMOTED_ROLES: Final = frozenset({"Promoted", "Unpromoted", "Master", "Slave"})


def _in_promotable(resource: etree._Element) -> bool:
    for ancestor in resource.iterancestors():
        if ancestor.tag == "master":
            return True
        if ancestor.tag == "clone" and boolean(nvpairs(ancestor, "meta_attributes").get("promotable")):
            return True
        if ancestor.tag == "bundle":
            return True
    return resource.tag == "master" or (
        resource.tag == "clone" and bool(boolean(nvpairs(resource, "meta_attributes").get("promotable")))
    )


# Agent classes whose agents cannot tell instances apart (no "unique" capability).
ANONYMOUS_ONLY_CLASSES: Final = frozenset({"lsb", "systemd", "service", "upstart", "nagios"})


def check_forced_anonymous(ctx: Context) -> Iterator[Finding]:
    for clone in ctx.root.iter("clone"):
        if not boolean(nvpairs(clone, "meta_attributes").get("globally-unique")):
            continue
        for primitive in clone.iter("primitive"):
            agent_class = primitive.get("class", "")
            if agent_class in ANONYMOUS_ONLY_CLASSES:
                yield Finding(
                    Severity.WARNING,
                    "pe__force_anon",
                    f"Ignoring globally-unique for {clone.get('id')} because {agent_class} resources such as "
                    f"{primitive.get('id')}:0 can be used only as anonymous clones",
                    line_of(clone),
                )
                break


def check_resources(ctx: Context) -> Iterator[Finding]:
    for resource in ctx.resources():
        rid = resource.get("id", "")
        meta = nvpairs(resource, "meta_attributes")
        inherited = dict(meta)
        for ancestor in resource.iterancestors():
            if ancestor.tag in RESOURCE_TAGS:
                for name, value in nvpairs(ancestor, "meta_attributes").items():
                    inherited.setdefault(name, value)
        role = meta.get("target-role")
        if role in PROMOTED_ROLES and not _in_promotable(resource):
            yield Finding(
                Severity.ERROR,
                "get_target_role",
                f"Ignoring 'target-role' for {rid} because '{role}' only makes sense for promotable clones",
                line_of(resource),
            )
        if "restart-type" in meta:
            yield Finding(
                Severity.WARNING,
                "pe__unpack_resource",
                "Support for restart-type is deprecated and will be removed in a future release",
                line_of(resource),
            )
        if resource.tag == "group":
            for flag in ("ordered", "collocated"):
                if boolean(inherited.get(flag)) is False:
                    yield Finding(
                        Severity.WARNING,
                        "set_group_flag",
                        f"Support for the '{flag}' group meta-attribute is deprecated and will be "
                        "removed in a future release (use a resource set instead)",
                        line_of(resource),
                    )


def check_operations(ctx: Context) -> Iterator[Finding]:
    for primitive in ctx.root.iter("primitive"):
        rid = primitive.get("id", "")
        seen: dict[tuple[str, int], str] = {}
        for op in operations(ctx, primitive):
            name, oid = op.get("name", ""), op.get("id", "")
            interval_text = op.get("interval", "0")
            interval = parse_ms(interval_text)
            if interval is None:
                yield Finding(
                    Severity.ERROR,
                    "unpack_operation",
                    f"Operation '{oid}' of {rid} has an invalid interval '{interval_text}'",
                    line_of(op),
                )
                continue
            for attribute in ("timeout", "start-delay"):
                value = op.get(attribute)
                if value is not None and parse_ms(value) is None:
                    yield Finding(
                        Severity.ERROR,
                        "unpack_operation",
                        f"Operation '{oid}' of {rid} has an invalid {attribute} '{value}'",
                        line_of(op),
                    )
            if interval > 0:
                first = seen.get((name, interval))
                if first is not None:
                    yield Finding(
                        Severity.ERROR,
                        "is_op_dup",
                        f"Operation {oid} is duplicate of {first} (do not use same name and "
                        "interval combination more than once per resource)",
                        line_of(op),
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
                    line_of(op),
                )
            if name == "stop" and on_fail == "stop" and rid in ctx.active_anywhere():
                yield Finding(
                    Severity.ERROR,
                    "unpack_operation_on_fail",
                    f"Resetting 'on-fail' for {rid} stop action to default value because 'stop' "
                    "is not allowed for stop",
                    line_of(op),
                )


def check_failure_timeout(ctx: Context) -> Iterator[Finding]:
    """A failure timeout cannot expire failures of an operation with on-fail=block."""
    failed: set[str] = set()
    for nvpair in elements(
        ctx.root, "/cib/status/node_state/transient_attributes/instance_attributes/nvpair"
    ):
        name = nvpair.get("name", "")
        if name.startswith("fail-count-"):
            failed.add(name.removeprefix("fail-count-").split("#", 1)[0])
    defaults = {
        str(nv.get("name")): str(nv.get("value"))
        for nv in elements(ctx.root, "/cib/configuration/rsc_defaults/meta_attributes/nvpair")
    }
    for primitive in ctx.root.iter("primitive"):
        rid = primitive.get("id", "")
        if rid not in failed:
            continue
        timeout = nvpairs(primitive, "meta_attributes").get(
            "failure-timeout", defaults.get("failure-timeout")
        )
        if timeout is None or not parse_ms(timeout):
            continue
        if any(op.get("on-fail") == "block" for op in operations(ctx, primitive)):
            yield Finding(
                Severity.WARNING,
                "pe_get_failcount",
                f"Ignoring failure timeout {timeout} for {rid} because it conflicts with on-fail=block",
                line_of(primitive),
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
                line_of(primitive),
            )
