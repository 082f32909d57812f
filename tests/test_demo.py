"""The README's main job: the demo migrates the example cluster and fails it over in simulation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from crm import demo, demo_services

ROOT = Path(__file__).resolve().parent.parent


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


def test_demo_fails_the_services_over_on_a_live_three_node_cluster(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    import tempfile

    with tempfile.TemporaryDirectory(prefix="pdemo", dir="/tmp") as short:  # socket paths stay short
        out = Path(short)
        assert demo.main(["--out", str(out), "--stand-ins"]) == 0
        output = capfd.readouterr().out
        live = output[output.index("run as stand-ins"):]
        assert "apache_4 (ocf:heartbeat:apache) runs as ocf:pacer:Dummy" in live
        before = live[live.index("The services run on the promoted"):live.index("crashes")]
        holder = re.search(r"apache_4\t\(ocf:pacer:Dummy\):\t Started (node\d)", before)
        assert holder is not None and "3 nodes configured" in before
        assert f"Promoted: [ {holder.group(1)} ]" in before
        after = live[live.index("The cluster after the failover"):]
        moved = re.search(r"apache_4\t\(ocf:pacer:Dummy\):\t Started (node\d)", after)
        assert moved is not None and moved.group(1) != holder.group(1)
        assert f"Promoted: [ {moved.group(1)} ]" in after
        assert re.search(r"The services run again on node\d, \d+\.\d s after the crash", live)
        assert "=== Stop the cluster" in live


def test_every_command_the_demo_prints_runs_as_printed(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import subprocess

    monkeypatch.chdir(ROOT)  # the README runs it from the repository's root
    assert demo.main(["--out", str(tmp_path / "demo"), "--no-live"]) == 0
    commands = [line[2:] for line in capfd.readouterr().out.splitlines() if line.startswith("$ ")]
    assert len(commands) >= 8
    for command in commands:
        proc = subprocess.run(command, shell=True, cwd=ROOT, capture_output=True, text=True, check=False,
                              env={"PATH": "/usr/bin:/bin"})  # pacer's commands are not on this PATH
        assert proc.returncode == 0, (command, proc.stderr[-500:])


@pytest.mark.skipif(bool(demo_services.missing()), reason="the real services need: "
                    + ", ".join(demo_services.missing()))
def test_demo_fails_real_services_over(capfd: pytest.CaptureFixture[str]) -> None:
    """As root: the real IPaddr2 on the sandbox's switch, ext4 on a loop device, apache."""
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory(prefix="pdemo", dir="/tmp") as short:
        out = Path(short)
        assert demo.main(["--out", str(out)]) == 0
        output = capfd.readouterr().out
        live = output[output.index("The services are real"):]
        assert "--netns" in live
        pages = re.findall(r"A client on (node\d) fetches http://([\d.]+)/: « (.*) »", live)
        assert len(pages) == 2 and all(page == demo_services.PAGE for _, _, page in pages), pages
        before = live[live.index("The services run on the promoted"):live.index("crashes")]
        holder = re.search(r"apache_4\t\(ocf:pacer:apache\):\t Started (node\d)", before)
        assert holder is not None
        for member in ("IPaddr2", "Filesystem"):
            assert re.search(rf"\(ocf:pacer:{member}\):\t Started {holder.group(1)}", before), member
        after = live[live.index("The cluster after the failover"):]
        moved = re.search(r"apache_4\t\(ocf:pacer:apache\):\t Started (node\d)", after)
        assert moved is not None and moved.group(1) != holder.group(1)
        # the clients were on other nodes than the holders: the address moved with the services
        assert pages[0][0] != holder.group(1) and pages[1][0] != moved.group(1)
        image = out / "cluster" / "services" / "shared-disk.img"
        attached = subprocess.run(["losetup", "-j", str(image)], capture_output=True, text=True, check=False)
        assert attached.stdout.strip() == ""  # the loop device is released
        assert "Failed Resource Actions" not in live


def test_demo_refuses_an_incomplete_example(tmp_path: Path) -> None:
    example = tmp_path / "example"
    example.mkdir()
    (example / "ha.cf").write_text("node node1\n")
    assert demo.main(["--example", str(example), "--out", str(tmp_path / "out")]) == 2
    assert not (tmp_path / "out" / "cib.xml").exists()
