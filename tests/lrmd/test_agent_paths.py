"""Agent lookup: OCF root, pacer provider search order, fallbacks, LSB and v1 directories."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from lrmd_helpers import write_script

from lrmd.agent_paths import AgentLocator, pacer_agent_dirs


def _locator(tmp_path: Path) -> AgentLocator:
    return AgentLocator(
        ocf_root=tmp_path / "ocf",
        pacer_dirs=(tmp_path / "override", tmp_path / "prefix", tmp_path / "tree"),
        lsb_dir=tmp_path / "init.d",
        heartbeat_dir=tmp_path / "resource.d",
    )


def test_ocf_agent_under_root(tmp_path: Path) -> None:
    agent = write_script(tmp_path / "ocf" / "resource.d" / "heartbeat" / "Thing", "exit 0\n")
    ref = _locator(tmp_path).resolve("ocf", "heartbeat", "Thing")
    assert ref is not None and ref.path == agent and not ref.fallback


def test_pacer_provider_search_order(tmp_path: Path) -> None:
    tree = write_script(tmp_path / "tree" / "A", "exit 0\n")
    loc = _locator(tmp_path)
    assert loc.resolve("ocf", "pacer", "A").path == tree  # type: ignore[union-attr]
    prefix = write_script(tmp_path / "prefix" / "A", "exit 0\n")
    assert loc.resolve("ocf", "pacer", "A").path == prefix  # type: ignore[union-attr]
    override = write_script(tmp_path / "override" / "A", "exit 0\n")
    assert loc.resolve("ocf", "pacer", "A").path == override  # type: ignore[union-attr]


def test_heartbeat_provider_falls_back_to_ours_with_a_log(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    ours = write_script(tmp_path / "tree" / "Only", "exit 0\n")
    with caplog.at_level(logging.INFO, logger="lrmd.agent_paths"):
        ref = _locator(tmp_path).resolve("ocf", "heartbeat", "Only")
    assert ref is not None and ref.path == ours and ref.fallback
    assert "Only" in caplog.text
    # No fallback for other providers.
    assert _locator(tmp_path).resolve("ocf", "linbit", "Only") is None


def test_system_heartbeat_agent_wins_over_ours(tmp_path: Path) -> None:
    write_script(tmp_path / "tree" / "Both", "exit 0\n")
    system = write_script(tmp_path / "ocf" / "resource.d" / "heartbeat" / "Both", "exit 0\n")
    assert _locator(tmp_path).resolve("ocf", "heartbeat", "Both").path == system  # type: ignore[union-attr]


def test_lsb_and_heartbeat_directories(tmp_path: Path) -> None:
    init = write_script(tmp_path / "init.d" / "svc", "exit 0\n")
    v1 = write_script(tmp_path / "resource.d" / "IPaddr", "exit 0\n")
    loc = _locator(tmp_path)
    assert loc.resolve("lsb", None, "svc").path == init  # type: ignore[union-attr]
    assert loc.resolve("heartbeat", None, "IPaddr").path == v1  # type: ignore[union-attr]
    # heartbeat's ResourceManager also looked in the init directory.
    assert loc.resolve("heartbeat", None, "svc").path == init  # type: ignore[union-attr]
    assert loc.resolve("lsb", None, str(init)).path == init  # type: ignore[union-attr]


def test_missing_or_unsafe_names_are_not_found(tmp_path: Path) -> None:
    loc = _locator(tmp_path)
    write_script(tmp_path / "ocf" / "resource.d" / "x" / "ok", "exit 0\n")
    (tmp_path / "ocf" / "resource.d" / "x" / "noexec").write_text("#!/bin/sh\n")
    assert loc.resolve("ocf", "x", "missing") is None
    assert loc.resolve("ocf", "x", "noexec") is None
    assert loc.resolve("ocf", "x", "../x/ok") is None
    assert loc.resolve("lsb", None, "../init.d/svc") is None
    assert loc.resolve("stonith", None, "ok") is None


def test_pacer_dirs_from_environment(tmp_path: Path) -> None:
    dirs = pacer_agent_dirs({"PACER_AGENTS_DIR": str(tmp_path)})
    assert dirs[0] == tmp_path
    assert dirs[-1].name == "agents"
    loc = AgentLocator.from_env({"OCF_ROOT": str(tmp_path / "r"), "HA_RESOURCEDIR": str(tmp_path / "hb")})
    assert loc.ocf_root == tmp_path / "r" and loc.heartbeat_dir == tmp_path / "hb"
