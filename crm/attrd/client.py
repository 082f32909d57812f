"""A blocking client of the local attribute daemon, for the command-line tools.

Errors are :class:`crm.ipc.client.DaemonError` (``DaemonNotRunning``, exit code 102, when
there is no attrd socket).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crm.cluster.node import run_dir_from_environment
from crm.ipc.client import IpcClient

__all__ = ["ATTRD_SOCKET", "AttrValue", "AttrdClient", "target_node"]

ATTRD_SOCKET = "attrd.sock"


@dataclass(frozen=True, slots=True)
class AttrValue:
    name: str
    node: str
    value: str | None


def target_node(node: str | None, environ: Mapping[str, str] | None = None) -> str | None:
    """Pacemaker's ``pcmk__node_attr_target``: with no node (or ``localhost``/``auto``), the node
    a resource agent runs for (``OCF_RESKEY_CRM_meta_on_node``, or the physical host of a
    container whose ``container-attribute-target`` is ``host``); None means attrd's own node."""
    if node is not None and node.lower() not in ("localhost", "auto"):
        return node
    env = os.environ if environ is None else environ
    physical = env.get("OCF_RESKEY_CRM_meta_physical_host")
    if physical and env.get("OCF_RESKEY_CRM_meta_container_attribute_target", "").lower() == "host":
        return physical
    return env.get("OCF_RESKEY_CRM_meta_on_node") or None


class AttrdClient:
    """The attrd of the node whose run directory is ``run_dir`` (``PACER_RUN_DIR``)."""

    def __init__(self, run_dir: Path | None = None, timeout: float | None = 120.0) -> None:
        self.run_dir = run_dir if run_dir is not None else run_dir_from_environment()
        self.timeout = timeout

    @property
    def socket(self) -> Path:
        return self.run_dir / ATTRD_SOCKET

    def call(self, request: dict[str, Any]) -> dict[str, Any]:
        with IpcClient(self.socket, "attribute daemon", self.timeout) as client:
            return client.call(request)

    def update(
        self,
        name: str,
        value: str | None,
        node: str | None = None,
        *,
        dampen: str | None = None,
        set_id: str | None = None,
        private: bool = False,
        utilization: bool = False,
        what: str = "value",
    ) -> None:
        """``what``: ``value`` (update), ``both`` (value and dampening), ``delay`` (dampening only)
        or ``delete``."""
        op = {"value": "update", "both": "update-both", "delay": "update-delay", "delete": "delete"}[what]
        request: dict[str, Any] = {"op": op, "name": name}
        if value is not None and what in ("value", "both"):
            request["value"] = value
        for key, item in (("node", node), ("dampen", dampen), ("set", set_id)):
            if item is not None:
                request[key] = item
        if private:
            request["private"] = True
        if utilization:
            request["utilization"] = True
        self.call(request)

    def delete(self, name: str, node: str | None = None) -> None:
        self.update(name, None, node, what="delete")

    def query(self, name: str, node: str | None = None, *, all_nodes: bool = False) -> list[AttrValue]:
        request: dict[str, Any] = {"op": "query", "name": name}
        if all_nodes:
            request["all"] = True
        elif node is not None:
            request["node"] = node
        reply = self.call(request)
        values = reply.get("values", [])
        return [
            AttrValue(name, str(v.get("node", "")), v.get("value"))
            for v in values
            if isinstance(v, dict)
        ]

    def refresh(self) -> None:
        self.call({"op": "refresh"})

    def flush(self) -> None:
        self.call({"op": "flush"})

    def status(self) -> dict[str, Any]:
        return self.call({"op": "status"})
