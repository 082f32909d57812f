"""The DRBD model itself (tests/agents/drbd_model): the stand-ins behave like DRBD 9's
tools in the situations the agent tests rely on."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.model

MODEL = Path(__file__).parent / "drbd_model"


class Model:
    def __init__(self, root: Path, *flags: str) -> None:
        self.env = {**os.environ, "DRBD_MODEL_STATE": str(root / "m.json"), "DRBD_MODEL_ATTRS": str(root / "a.json")}
        self.ctl("init", "r0", "alice", "bob", *flags)

    def ctl(self, *args: str) -> None:
        subprocess.run([str(MODEL / "model.py"), "ctl", *args], env=self.env, check=True, capture_output=True)

    def tool(self, node: str, tool: str, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(MODEL / "bin" / tool), *args], env={**self.env, "DRBD_MODEL_NODE": node},
                              capture_output=True, text=True, check=False)

    def adm(self, node: str, *args: str) -> int:
        return self.tool(node, "drbdadm", *args).returncode

    def events(self, node: str) -> list[dict[str, str]]:
        out = self.tool(node, "drbdsetup", "events2", "--now", "r0").stdout.splitlines()
        assert out[-1] == "exists -"
        return [{"object": ln.split()[1], **dict(f.split(":", 1) for f in ln.split()[2:])} for ln in out[:-1]]

    def first(self, node: str, obj: str) -> dict[str, str]:
        return next(e for e in self.events(node) if e["object"] == obj)


@pytest.fixture
def model(tmp_path: Path) -> Model:
    return Model(tmp_path)


def test_version_and_config(model: Model) -> None:
    version = model.tool("alice", "drbdadm", "--version").stdout
    assert "DRBD_KERNEL_VERSION_CODE=0x09" in version
    assert model.tool("alice", "drbdadm", "sh-dev", "r0").returncode == 0
    assert model.adm("alice", "sh-dev", "nope") == 10
    assert model.events("alice") == []  # down: only the terminating "exists -"


def test_up_connect_and_roles(model: Model) -> None:
    assert model.adm("alice", "up", "r0") == 0
    assert model.first("alice", "connection")["connection"] == "Connecting"
    assert model.first("alice", "peer-device")["peer-disk"] == "DUnknown"
    assert model.adm("bob", "up", "r0") == 0
    conn = model.first("alice", "connection")
    assert (conn["connection"], conn["role"]) == ("Connected", "Secondary")
    assert model.adm("alice", "primary", "r0") == 0
    assert model.first("bob", "connection")["role"] == "Primary"
    assert model.adm("bob", "primary", "r0") == 11  # multiple primaries not allowed
    assert model.adm("alice", "secondary", "r0") == 0
    assert model.adm("bob", "primary", "r0") == 0


def test_no_uptodate_data_is_exit_17(model: Model) -> None:
    model.ctl("disk", "bob", "Inconsistent")
    assert model.adm("bob", "up", "r0") == 0
    assert model.first("bob", "device")["disk"] == "Inconsistent"
    assert model.adm("bob", "primary", "r0") == 17
    assert model.adm("alice", "up", "r0") == 0  # connecting to an UpToDate peer resyncs bob
    assert model.first("bob", "device")["disk"] == "UpToDate"


def test_resource_only_fencing_outdates_the_unreachable_secondary(tmp_path: Path) -> None:
    m = Model(tmp_path, "--fencing=resource-only")
    assert m.adm("alice", "up", "r0") == 0 and m.adm("bob", "up", "r0") == 0
    assert m.adm("alice", "primary", "r0") == 0
    m.ctl("link", "down")
    assert m.first("bob", "device")["disk"] == "Outdated"
    assert m.adm("bob", "primary", "r0") == 17
    m.ctl("link", "up")
    assert m.first("bob", "device")["disk"] == "UpToDate"


def test_divergent_writes_are_split_brain(model: Model) -> None:
    assert model.adm("alice", "up", "r0") == 0 and model.adm("bob", "up", "r0") == 0
    model.ctl("link", "down")
    for node in ("alice", "bob"):
        assert model.adm(node, "primary", "r0") == 0
        model.ctl("write", node)
    model.ctl("link", "up")
    for node in ("alice", "bob"):
        assert model.first(node, "connection")["connection"] == "StandAlone"
        assert model.first(node, "resource")["role"] == "Primary"  # DRBD does not demote by itself
    model.ctl("resolve", "bob")
    assert model.first("alice", "connection")["connection"] == "Connected"


def test_one_sided_writes_resync(model: Model) -> None:
    assert model.adm("alice", "up", "r0") == 0 and model.adm("bob", "up", "r0") == 0
    assert model.adm("alice", "primary", "r0") == 0
    model.ctl("link", "down")
    model.ctl("write", "alice")
    model.ctl("link", "up")
    assert model.first("bob", "connection")["connection"] == "Connected"
    state = json.loads(Path(model.env["DRBD_MODEL_STATE"]).read_text())["resources"]["r0"]["node"]
    assert state["alice"]["gen"] == state["bob"]["gen"]


def test_no_kernel(model: Model) -> None:
    model.env["DRBD_MODEL_NO_KERNEL"] = "1"
    assert "DRBD_KERNEL_VERSION_CODE=0\n" in model.tool("alice", "drbdadm", "--version").stdout
    assert model.adm("alice", "up", "r0") == 20
    assert model.tool("alice", "drbdsetup", "events2", "--now", "r0").returncode == 20
