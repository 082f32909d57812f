"""Cluster options and fencing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from crm.verify.context import Context, boolean
from crm.verify.durations import parse_ms
from crm.verify.findings import Finding, Severity

BOOLEAN_OPTIONS: Final = (
    "stonith-enabled",
    "symmetric-cluster",
    "maintenance-mode",
    "start-failure-is-fatal",
    "startup-fencing",
    "stop-orphan-resources",
    "stop-orphan-actions",
    "stop-all-resources",
    "enable-startup-probes",
    "concurrent-fencing",
    "enable-acl",
    "have-watchdog",
)

DURATION_OPTIONS: Final = (
    "cluster-delay",
    "stonith-timeout",
    "cluster-recheck-interval",
    "dc-deadtime",
    "election-timeout",
    "shutdown-escalation",
    "join-integration-timeout",
    "join-finalization-timeout",
    "transition-delay",
    "priority-fencing-delay",
)

ENUM_OPTIONS: Final[dict[str, frozenset[str]]] = {
    "no-quorum-policy": frozenset({"stop", "freeze", "ignore", "demote", "suicide"}),
    "stonith-action": frozenset({"reboot", "off", "poweroff"}),
    "placement-strategy": frozenset({"default", "utilization", "minimal", "balanced"}),
    "node-health-strategy": frozenset({"none", "migrate-on-red", "only-green", "progressive", "custom"}),
}


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
