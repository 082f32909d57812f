"""The stonith class: fence agents get their options on stdin."""

from __future__ import annotations

from pathlib import Path

import pytest
from lrmd_helpers import executor_for, locator_for, run, write_script

from lrmd.agent_paths import AgentLocator
from lrmd.codes import ExecStatus, OcfRc
from lrmd.operation import OpRequest, OpResult, ResourceSpec


def test_fence_agent_reads_options_from_stdin(tmp_path: Path) -> None:
    loc = locator_for(tmp_path)
    sbin = tmp_path / "sbin"
    loc = AgentLocator(loc.ocf_root, loc.pacer_dirs, loc.lsb_dir, loc.heartbeat_dir, stonith_dirs=(sbin,))
    seen = tmp_path / "stdin"
    write_script(sbin / "fence_test", f"cat >> {seen}\necho ---- >> {seen}\nexit ${{FENCE_RC:-0}}\n")
    write_script(sbin / "not_a_fence_agent", "exit 0\n")
    ex = executor_for(loc, tmp_path)
    params = {"ipaddr": "10.0.0.9", "passwd": "s3cret", "pcmk_host_list": "n1 n2", "CRM_meta_timeout": "5000"}

    async def go() -> list[OpResult]:
        ex.register(ResourceSpec("f1", "stonith", "fence_test"))
        ex.register(ResourceSpec("f2", "stonith", "not_a_fence_agent"))
        return [
            await ex.execute(OpRequest("f1", "start", params=params)),
            await ex.execute(OpRequest("f1", "monitor", params=params)),
            await ex.execute(OpRequest("f1", "stop", params=params)),
            await ex.execute(OpRequest("f2", "start")),
        ]

    start, monitor, stop, other = run(go)
    assert (start.rc, monitor.rc, stop.rc) == (0, 0, 0)
    runs = [chunk.strip().splitlines() for chunk in seen.read_text().split("----") if chunk.strip()]
    assert len(runs) == 2  # stop runs nothing
    assert runs[0] == ["action=monitor", "ipaddr=10.0.0.9", "passwd=s3cret"]
    assert (other.rc, other.op_status) == (OcfRc.ERR_INSTALLED, ExecStatus.NOT_INSTALLED)


def test_debian_fence_dummy(tmp_path: Path) -> None:
    if not Path("/usr/sbin/fence_dummy").exists():
        pytest.skip("fence-agents not installed")
    ex = executor_for(AgentLocator(), tmp_path)
    status = tmp_path / "status"
    status.write_text("on")
    broken = tmp_path / "broken"
    broken.write_text("no such state")

    async def go() -> list[OpResult]:
        ex.register(ResourceSpec("fd", "stonith", "fence_dummy"))
        good = {"type": "file", "status_file": str(status), "pcmk_host_list": "n1"}
        return [
            await ex.execute(OpRequest("fd", "monitor", params=good)),
            await ex.execute(OpRequest("fd", "monitor", params={"type": "file", "status_file": str(broken)})),
            await ex.execute(OpRequest("fd", "meta-data")),
        ]

    ok, failed, meta = run(go)
    assert ok.rc == OcfRc.OK
    assert failed.rc == OcfRc.ERR_GENERIC
    assert meta.rc == 0 and "<resource-agent" in meta.stdout
