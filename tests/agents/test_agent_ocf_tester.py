"""Every agent of ours passes Debian's ocf-tester, run from a temporary OCF root."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from pacer_agent_fixtures import ApacheSite, LoopFs, NetnsPair, Recorder

OCF_TESTER = Path("/usr/sbin/ocf-tester")

pytestmark = pytest.mark.root


def ocf_tester(ocf_root: Path, agent: str, params: dict[str, str], tmp_path: Path, *,
               netns: str | None = None, path_prefix: Path | None = None,
               extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    if not OCF_TESTER.exists():
        pytest.skip("ocf-tester (resource-agents) not installed")
    if os.geteuid() != 0:
        pytest.skip("ocf-tester's permission check needs root")
    if shutil.which("xmllint") is None:
        pytest.skip("ocf-tester's meta-data check needs xmllint (libxml2-utils)")
    argv = [str(OCF_TESTER), "-n", f"t-{agent.lower()}"]
    for k, v in params.items():
        argv += ["-o", f"{k}={v}"]
    argv.append(str(ocf_root / "resource.d" / "pacer" / agent))
    if netns is not None:
        argv = ["ip", "netns", "exec", netns, *argv]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OCF_", "HA_"))}
    env.update(OCF_ROOT=str(ocf_root), HA_RSCTMP=str(tmp_path / "rsctmp"))
    if path_prefix is not None:
        env["PATH"] = f"{path_prefix}:{env['PATH']}"
    env.update(extra_env or {})
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "passed all tests" in proc.stdout
    return proc


def test_dummy(ocf_root: Path, tmp_path: Path) -> None:
    ocf_tester(ocf_root, "Dummy", {"state": str(tmp_path / "d.state")}, tmp_path)


def test_stateful(ocf_root: Path, tmp_path: Path, recorder: Recorder) -> None:
    ocf_tester(ocf_root, "Stateful", {"state": str(tmp_path / "s.state")}, tmp_path, path_prefix=recorder.bin_dir)
    # it published its promotion score while running (crm_attribute, as crm_master does)
    assert any("master-t-stateful" in call for call in recorder.calls("crm_attribute"))


@pytest.mark.parametrize("agent", ["IPaddr2", "IPaddr"])
def test_ipaddr(ocf_root: Path, tmp_path: Path, netns_pair: NetnsPair, agent: str) -> None:
    ocf_tester(ocf_root, agent, {"ip": f"{netns_pair.prefix}.40", "cidr_netmask": "24",
                                 "nic": netns_pair.if_a}, tmp_path, netns=netns_pair.ns_a)


def test_filesystem(ocf_root: Path, tmp_path: Path, loop_ext4: LoopFs) -> None:
    ocf_tester(ocf_root, "Filesystem", {"device": loop_ext4.device, "directory": str(loop_ext4.mountpoint),
                                        "fstype": "ext4"}, tmp_path)
    assert not loop_ext4.mounted()


def test_apache(ocf_root: Path, tmp_path: Path, apache_site: ApacheSite) -> None:
    ocf_tester(ocf_root, "apache", {"configfile": str(apache_site.config), "envfiles": ""}, tmp_path)
    assert not apache_site.pidfile.exists()


def test_ping(ocf_root: Path, tmp_path: Path, recorder: Recorder) -> None:
    ocf_tester(ocf_root, "ping", {"host_list": "127.0.0.1", "attempts": "1", "timeout": "1"}, tmp_path,
               path_prefix=recorder.bin_dir)
    assert any(call[:2] == ["-n", "pingd"] for call in recorder.calls("attrd_updater"))


@pytest.mark.model
def test_drbd_against_the_model(ocf_root: Path, tmp_path: Path) -> None:
    model = Path(__file__).parent / "drbd_model"
    env = {"DRBD_MODEL_STATE": str(tmp_path / "model.json"), "DRBD_MODEL_ATTRS": str(tmp_path / "attrs.json"),
           "DRBD_MODEL_NODE": "alice", "DRBD_MODEL_DEV_DIR": str(tmp_path)}
    subprocess.run(["/usr/bin/python3", "-IS", str(model / "model.py"), "ctl", "init", "r0", "alice", "bob"],
                   env={**os.environ, **env}, check=True)
    ocf_tester(ocf_root, "drbd", {"drbd_resource": "r0"}, tmp_path, path_prefix=model / "bin", extra_env=env)
    assert json.loads((tmp_path / "model.json").read_text())["resources"]["r0"]["node"]["alice"]["up"] is False
