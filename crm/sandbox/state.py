"""The sandbox's layout on disk and its ``sandbox.json``.

``DIR/sandbox.json`` holds what cannot be found again by looking: the transport, the
node count, the token, the names of the namespaces, the current partition, and the
last known process ids (always checked against the process's environment before use).

Layout::

    DIR/sandbox.json  DIR/.lock  DIR/bus.sock  DIR/bus.log  DIR/authkey
    DIR/nodeK/run/           node.json, pacerd.pid, based.sock, ...   (PACER_RUN_DIR)
    DIR/nodeK/state/         cib/, log/pacerd.log, log/based.log, ...
    DIR/nodeK/pacerd.out     pacerd's stdout and stderr
    DIR/nodeK/corosync.conf  DIR/nodeK/corosync-run/ (its /run)  DIR/nodeK/corosync-lib/
    DIR/nodeK/corosync.log
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crm.cib.atomic import write_atomic

__all__ = ["ENV_NODE", "ENV_SANDBOX", "STATE_FILE", "SandboxState", "prefix_for"]

STATE_FILE = "sandbox.json"
ENV_SANDBOX = "PACER_SANDBOX"  # = DIR, on every process the sandbox starts
ENV_NODE = "PACER_SANDBOX_NODE"  # = DIR/nodeK, on node K's processes (inherited by daemons, agents)
SUBNET = "10.213.0"  # inside the sandbox's own namespaces only


def prefix_for(directory: Path) -> str:
    """Namespace name prefix, unique per sandbox directory (``ps`` + 6 hex digits)."""
    return "ps" + hashlib.sha1(str(directory).encode()).hexdigest()[:6]


@dataclass(slots=True)
class SandboxState:
    directory: Path
    transport: str
    nodes: int
    token: int | None = None
    prefix: str = ""
    subnet: str = SUBNET
    partition: list[list[int]] = field(default_factory=list)
    bus_pid: int | None = None
    pacerd_pids: dict[int, int] = field(default_factory=dict)
    corosync_pids: dict[int, int] = field(default_factory=dict)
    netns: bool = False  # embedded transport with a network namespace per node (``up --netns``)

    @property
    def namespaced(self) -> bool:
        """Each node runs in its own network (and mount) namespace on a shared switch."""
        return self.transport == "corosync" or self.netns

    # -- layout ------------------------------------------------------------------------
    def node_dir(self, k: int) -> Path:
        return self.directory / f"node{k}"

    def run_dir(self, k: int) -> Path:
        return self.node_dir(k) / "run"

    def state_dir(self, k: int) -> Path:
        return self.node_dir(k) / "state"

    @property
    def bus_socket(self) -> Path:
        return self.directory / "bus.sock"

    def namespace(self, k: int) -> str:
        return f"{self.prefix}-n{k}"

    @property
    def switch(self) -> str:
        return f"{self.prefix}-sw"

    def address(self, k: int) -> str:
        return f"{self.subnet}.{k}"

    def all_nodes(self) -> list[int]:
        return list(range(1, self.nodes + 1))

    def group_of(self, k: int) -> set[int]:
        """The nodes that node ``k`` can reach under the current partition."""
        listed = {n for group in self.partition for n in group}
        for group in self.partition:
            if k in group:
                return set(group)
        return {n for n in self.all_nodes() if n not in listed}

    # -- persistence -------------------------------------------------------------------
    def save(self) -> None:
        data: dict[str, Any] = {
            "transport": self.transport,
            "nodes": self.nodes,
            "token": self.token,
            "prefix": self.prefix,
            "subnet": self.subnet,
            "partition": self.partition,
            "bus_pid": self.bus_pid,
            "pacerd_pids": {str(k): v for k, v in sorted(self.pacerd_pids.items())},
            "corosync_pids": {str(k): v for k, v in sorted(self.corosync_pids.items())},
            "netns": self.netns,
        }
        write_atomic(self.directory / STATE_FILE, (json.dumps(data, indent=2) + "\n").encode())

    @classmethod
    def load(cls, directory: Path) -> SandboxState | None:
        path = directory / STATE_FILE
        try:
            data = json.loads(path.read_text())
        except FileNotFoundError:
            return None
        return cls(
            directory=directory,
            transport=str(data["transport"]),
            nodes=int(data["nodes"]),
            token=int(data["token"]) if data.get("token") is not None else None,
            prefix=str(data.get("prefix") or prefix_for(directory)),
            subnet=str(data.get("subnet") or SUBNET),
            partition=[[int(n) for n in g] for g in data.get("partition") or []],
            bus_pid=int(data["bus_pid"]) if data.get("bus_pid") else None,
            pacerd_pids={int(k): int(v) for k, v in (data.get("pacerd_pids") or {}).items()},
            corosync_pids={int(k): int(v) for k, v in (data.get("corosync_pids") or {}).items()},
            netns=bool(data.get("netns", False)),
        )
