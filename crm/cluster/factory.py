"""Open the transport a node is configured for."""

from __future__ import annotations

from crm.cluster.node import NodeConfig
from crm.cluster.transport import Transport, TransportError

__all__ = ["open_transport"]


def open_transport(config: NodeConfig, group: str) -> Transport:
    """A not yet joined transport for ``group`` on this node."""
    if config.transport == "embedded":
        from crm.cluster.embedded import EmbeddedTransport

        if config.bus is None:
            raise TransportError("the embedded transport needs the bus socket (node.json 'bus')")
        return EmbeddedTransport(config.bus, group, config.nodeid, config.name)
    if config.transport == "corosync":
        from crm.cluster.corosync import CorosyncTransport

        transport: Transport = CorosyncTransport(group, config.nodeid, config.name)
        return transport
    raise TransportError(f"unknown transport {config.transport!r} (embedded or corosync)")
