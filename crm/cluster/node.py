"""What a node's daemons and local clients need to know about the node: its name and id,
where its state and sockets live, and which transport it uses.

``pacerd`` writes it to ``RUN_DIR/node.json``; daemons read it from there (``--run-dir``),
and command-line tools find the run directory in ``PACER_RUN_DIR`` (default ``/run/pacer``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

from crm.cib.atomic import write_atomic

__all__ = [
    "DEFAULT_RUN_DIR",
    "DEFAULT_STATE_DIR",
    "ENV_RUN_DIR",
    "NodeConfig",
    "NodeConfigError",
    "run_dir_from_environment",
]

ENV_RUN_DIR = "PACER_RUN_DIR"
DEFAULT_RUN_DIR = Path("/run/pacer")
DEFAULT_STATE_DIR = Path("/var/lib/pacer")
NODE_FILE = "node.json"


class NodeConfigError(ValueError):
    pass


def run_dir_from_environment(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    return Path(env.get(ENV_RUN_DIR) or DEFAULT_RUN_DIR)


@dataclass(frozen=True, slots=True)
class NodeConfig:
    name: str
    nodeid: int
    run_dir: Path
    state_dir: Path
    transport: str = "embedded"  # "embedded" or "corosync"
    bus: Path | None = None  # the embedded bus socket
    expected_votes: int = 1
    corosync_conf: Path = Path("/etc/corosync/corosync.conf")

    def socket(self, daemon: str) -> Path:
        """The local API socket of ``daemon`` (``based``, ``attrd``, ...)."""
        return self.run_dir / f"{daemon}.sock"

    @property
    def cib_dir(self) -> Path:
        return self.state_dir / "cib"

    def save(self) -> None:
        data = asdict(self)
        for key, value in data.items():
            if isinstance(value, Path):
                data[key] = str(value)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        write_atomic(self.run_dir / NODE_FILE, (json.dumps(data, indent=2) + "\n").encode())

    @classmethod
    def load(cls, run_dir: Path) -> NodeConfig:
        path = run_dir / NODE_FILE
        try:
            data = json.loads(path.read_text())
        except FileNotFoundError:
            raise NodeConfigError(f"{path} does not exist: pacer is not running on this node") from None
        except (OSError, json.JSONDecodeError) as err:
            raise NodeConfigError(f"{path} is unreadable: {err}") from None
        try:
            return cls(
                name=str(data["name"]),
                nodeid=int(data["nodeid"]),
                run_dir=Path(data["run_dir"]),
                state_dir=Path(data["state_dir"]),
                transport=str(data.get("transport", "embedded")),
                bus=Path(data["bus"]) if data.get("bus") else None,
                expected_votes=int(data.get("expected_votes", 1)),
                corosync_conf=Path(data.get("corosync_conf", "/etc/corosync/corosync.conf")),
            )
        except (KeyError, TypeError, ValueError) as err:
            raise NodeConfigError(f"{path} is incomplete: {err}") from None
