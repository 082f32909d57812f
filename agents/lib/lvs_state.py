"""The state file the ldirectord checker keeps for the agent (JSON, replaced atomically).

Keys: ``pid``, ``round`` (completed rounds), ``time``, ``services`` (the service keys it
owns), ``reals`` (health key -> ``{"up": bool|None, "detail": str}``), ``error`` (the last
ipvsadm failure, "" when none) and ``fatal`` (the checker could not run at all).
"""

from __future__ import annotations

import json
import os
from typing import Any


def write_state(path: str, state: dict[str, Any]) -> None:
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w") as f:
        json.dump(state, f, indent=1, sort_keys=True)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def read_state(path: str) -> dict[str, Any] | None:
    try:
        with open(path) as f:
            data = json.load(f)
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
