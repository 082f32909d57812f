"""Nodes of the configuration: deprecated node types."""

from __future__ import annotations

from collections.abc import Iterator

from crm.verify.context import Context, elements, line_of
from crm.verify.findings import Finding, Severity


def check_nodes(ctx: Context) -> Iterator[Finding]:
    """Pacemaker 2.1.5 still reads ``type="ping"`` nodes (quorum-only members of Heartbeat
    clusters) but warns that they will go away."""
    for node in elements(ctx.root, "/cib/configuration/nodes/node"):
        if node.get("type") == "ping":
            name = node.get("uname") or node.get("id")
            yield Finding(
                Severity.WARNING,
                "pe_create_node",
                f"Support for nodes of type 'ping' (such as {name}) is deprecated and will be removed in a future release",
                line_of(node),
            )
