"""Filesystem on a real ext4 loop device (root)."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

import pytest
from pacer_agent_fixtures import AgentResult, LoopFs, agent_env, run_agent

pytestmark = pytest.mark.root


def fs_run(fs: LoopFs, action: str, tmp_path: Path, *, interval_ms: int | None = None,
           level: int | None = None, params: dict[str, str] | None = None, **overrides: str) -> AgentResult:
    params = {"device": fs.device, "directory": str(fs.mountpoint), "fstype": "ext4", "term_wait": "2",
              **(params or {}), **overrides}
    extra = {"HA_RSCTMP": str(tmp_path / "rsctmp"), "OCF_RESKEY_CRM_meta_on_node": "node1"}
    if level is not None:
        extra["OCF_CHECK_LEVEL"] = str(level)
    return run_agent("Filesystem", action, agent_env("fs1", params, interval_ms=interval_ms, extra=extra))


def test_mount_monitor_depths_and_unmount(loop_ext4: LoopFs, tmp_path: Path) -> None:
    fs = loop_ext4
    assert fs_run(fs, "monitor", tmp_path).rc == 7
    assert fs_run(fs, "start", tmp_path).rc == 0
    assert fs.mounted()
    assert fs_run(fs, "start", tmp_path).rc == 0  # idempotent
    for level in (0, 10, 20):
        assert fs_run(fs, "monitor", tmp_path, interval_ms=20000, level=level).rc == 0
    status = fs.mountpoint / ".Filesystem_status" / "node1"
    assert status.exists()
    assert fs_run(fs, "stop", tmp_path).rc == 0
    assert not fs.mounted()
    assert fs_run(fs, "stop", tmp_path).rc == 0
    assert fs_run(fs, "monitor", tmp_path).rc == 7


def test_busy_mount_users_are_killed_at_stop(loop_ext4: LoopFs, tmp_path: Path) -> None:
    fs = loop_ext4
    assert fs_run(fs, "start", tmp_path).rc == 0
    polite = subprocess.Popen(["sleep", "300"], cwd=fs.mountpoint)
    (fs.mountpoint / "held").write_text("x")
    stubborn = subprocess.Popen(["sh", "-c", 'trap "" TERM; exec 3<held; while :; do sleep 1; done'],
                                cwd=fs.mountpoint)
    try:
        res = fs_run(fs, "stop", tmp_path)
        assert res.rc == 0, res.stderr
        assert not fs.mounted()
        assert polite.wait(timeout=10) == -signal.SIGTERM
        assert stubborn.wait(timeout=10) == -signal.SIGKILL
        assert "SIGTERM" in res.stderr and "SIGKILL" in res.stderr
    finally:
        for p in (polite, stubborn):
            if p.poll() is None:
                p.kill()
                p.wait()


def test_busy_mount_without_force_unmount_fails(loop_ext4: LoopFs, tmp_path: Path) -> None:
    fs = loop_ext4
    assert fs_run(fs, "start", tmp_path).rc == 0
    user = subprocess.Popen(["sleep", "300"], cwd=fs.mountpoint)
    try:
        res = fs_run(fs, "stop", tmp_path, force_unmount="false")
        assert res.rc == 1
        assert "couldn't unmount" in res.exit_reason
        assert fs.mounted()
        assert user.poll() is None
    finally:
        user.kill()
        user.wait()


def test_external_umount_shows_as_not_running(loop_ext4: LoopFs, tmp_path: Path) -> None:
    fs = loop_ext4
    assert fs_run(fs, "start", tmp_path).rc == 0
    subprocess.run(["umount", str(fs.mountpoint)], check=True)
    assert fs_run(fs, "monitor", tmp_path, interval_ms=20000).rc == 7
    assert fs_run(fs, "monitor", tmp_path).rc == 7


def test_missing_device(loop_ext4: LoopFs, tmp_path: Path) -> None:
    missing = f"/dev/pacer-missing-{tmp_path.name}"
    res = fs_run(loop_ext4, "start", tmp_path, device=missing)
    assert res.rc == 5
    assert missing in res.exit_reason
    assert fs_run(loop_ext4, "monitor", tmp_path, device=missing).rc == 7  # probe
    assert fs_run(loop_ext4, "stop", tmp_path, device=missing).rc == 0


def test_read_only_mount_fails_the_depth_20_check(loop_ext4: LoopFs, tmp_path: Path) -> None:
    fs = loop_ext4
    assert fs_run(fs, "start", tmp_path, options="ro").rc == 0
    assert fs_run(fs, "monitor", tmp_path, interval_ms=20000, level=10).rc == 0
    res = fs_run(fs, "monitor", tmp_path, interval_ms=20000, level=20)
    assert res.rc == 1
    assert "read/write test" in res.exit_reason
    assert fs_run(fs, "stop", tmp_path).rc == 0


def test_uuid_device_spec(loop_ext4: LoopFs, tmp_path: Path) -> None:
    uuid = subprocess.run(["blkid", "-s", "UUID", "-o", "value", loop_ext4.device], capture_output=True,
                          text=True, check=False).stdout.strip()
    if not uuid:
        pytest.skip("blkid did not report a UUID")
    assert fs_run(loop_ext4, "start", tmp_path, device=f"UUID={uuid}").rc == 0
    assert fs_run(loop_ext4, "monitor", tmp_path, device=f"UUID={uuid}").rc == 0
    assert fs_run(loop_ext4, "stop", tmp_path, device=f"UUID={uuid}").rc == 0
    assert not loop_ext4.mounted()


@pytest.mark.parametrize(("overrides", "action", "rc", "reason"), [
    ({"directory": "relative/dir"}, "validate-all", 6, "absolute"),
    ({"directory": "/"}, "start", 6, "root filesystem"),
    ({"device": ""}, "validate-all", 6, "device is required"),
    ({"fstype": "nosuchfs"}, "start", 5, "does not support"),
    ({"fstype": "ext4;rm"}, "validate-all", 6, "not a filesystem type"),
])
def test_bad_parameters(loop_ext4: LoopFs, tmp_path: Path, overrides: dict[str, str], action: str, rc: int,
                        reason: str) -> None:
    res = fs_run(loop_ext4, action, tmp_path, params=overrides)
    assert res.rc == rc
    assert reason in res.exit_reason
    assert not loop_ext4.mounted()
