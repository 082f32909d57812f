"""Run a command with Pacemaker 2.1.5's own tool (Debian's pacemaker-cli-utils) and with
pacer's, under the same environment, and compare what they print and return."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

DEBIAN_DIRS = ("/usr/sbin", "/usr/lib/pacemaker")
PACER_BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class Outcome:
    rc: int
    stdout: str
    stderr: str


def debian_tool(name: str) -> str | None:
    for directory in DEBIAN_DIRS:
        path = Path(directory) / name
        if path.exists():
            return str(path)
    return None


def require_debian(name: str) -> str:
    path = debian_tool(name)
    if path is None:
        pytest.skip(f"Debian's {name} (pacemaker-cli-utils) is not installed")
    return path


def pacer_tool(name: str) -> str:
    path = PACER_BIN / name
    if not path.exists():
        pytest.fail(f"pacer's {name} is not installed in {PACER_BIN}")
    return str(path)


def base_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CIB_", "PCMK_", "PACER_"))}
    env["LC_ALL"] = "C"
    env.update(extra or {})
    return env


def run(argv: list[str], env: dict[str, str], cwd: str | Path | None = None, stdin: str | None = None) -> Outcome:
    proc = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True, input=stdin, timeout=60,
                          check=False)
    return Outcome(proc.returncode, proc.stdout, proc.stderr)
