"""The README's main job: the demo migrates the example cluster and fails it over in simulation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from crm import demo


def _revised_status(output: str) -> list[str]:
    """The "Revised Cluster Status" blocks of every crm_simulate run, in order."""
    return re.findall(r"Revised Cluster Status:\n(.*?)(?:\n===|\nResults are in)", output, re.S)


def test_demo_migrates_promotes_and_fails_over(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "demo"
    assert demo.main(["--out", str(out), "--no-live"]) == 0
    output = capfd.readouterr().out

    for name in ("cib.xml", "corosync.conf", "authkey", "cib-running.xml", "cib-promoted.xml", "cib-failover.xml"):
        assert (out / name).is_file(), name
    assert (out / "authkey").stat().st_mode & 0o777 == 0o400

    running, promoted, failover = _revised_status(output)
    assert "Unpromoted: [ node1 node2 ]" in running
    # the services start where haresources put them, on top of the promoted DRBD disk
    assert "Promoted: [ node1 ]" in promoted
    assert re.search(r"apache_4\t\(ocf:heartbeat:apache\):\t Started node1", promoted)
    # and move with the promoted role when node1 fails
    assert "Promoted: [ node2 ]" in failover
    for member in ("IPaddr_192_168_122_100", "Filesystem_3", "apache_4"):
        assert re.search(rf"{member}\t\(ocf:heartbeat:\w+\):\t Started node2", failover), member


def test_demo_runs_the_configuration_on_a_live_two_node_cluster(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    import tempfile

    with tempfile.TemporaryDirectory(prefix="pdemo", dir="/tmp") as short:  # socket paths stay short
        out = Path(short)
        assert demo.main(["--out", str(out), "--stop"]) == 0
        output = capfd.readouterr().out
        live = output[output.index("Start a live two-node cluster"):]
        # node2 shows the configuration loaded on node1
        assert re.search(r"apache_4\t\(ocf:heartbeat:apache\):\t Stopped", live)
        assert 'name="pingd" host="node1" value="100"' in live
        crashed = live[live.index("node1 sees it at once"):]
        assert "OFFLINE: [ node2 ]" in crashed
        assert "name=written-while-node2-was-down value=yes" in crashed
        assert "is down" in live


def test_demo_refuses_an_incomplete_example(tmp_path: Path) -> None:
    example = tmp_path / "example"
    example.mkdir()
    (example / "ha.cf").write_text("node node1\n")
    assert demo.main(["--example", str(example), "--out", str(tmp_path / "out")]) == 2
    assert not (tmp_path / "out" / "cib.xml").exists()
