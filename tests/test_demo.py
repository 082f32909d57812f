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
    assert demo.main(["--out", str(out)]) == 0
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


def test_demo_refuses_an_incomplete_example(tmp_path: Path) -> None:
    example = tmp_path / "example"
    example.mkdir()
    (example / "ha.cf").write_text("node node1\n")
    assert demo.main(["--example", str(example), "--out", str(tmp_path / "out")]) == 2
    assert not (tmp_path / "out" / "cib.xml").exists()
