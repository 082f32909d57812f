"""The shell on a live three-node sandbox: configure on one node, seen on the others,
resource commands, ``crm status``, and a commit refused when another node changed the
configuration after this session read it."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from crm.cli.cib_source import CibSource
from crm.shell.session import Options, Session

BIN = Path(sys.executable).parent
DUMMY = Path("/usr/lib/ocf/resource.d/pacemaker/Dummy")

pytestmark = pytest.mark.skipif(not DUMMY.exists(), reason="needs ocf:pacemaker:Dummy (Debian's pacemaker)")


def sandbox(*args: str, stdin: str | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CIB_")}
    result = subprocess.run(
        [str(BIN / "pacer-sandbox"), *args], input=stdin, capture_output=True, text=True, env=env, timeout=120, check=False
    )
    if check and result.returncode != 0:
        raise AssertionError(f"pacer-sandbox {' '.join(args)}: rc {result.returncode}\n{result.stdout}{result.stderr}")
    return result


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="crm-live-") as d:
        sandbox("up", "3", "--dir", d)
        try:
            yield d
        finally:
            sandbox("down", "--dir", d, check=False)


def crm(d: str, k: int, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return sandbox("run", "--dir", d, str(k), "--", "crm", "-D", "plain", *args, stdin=stdin, check=False)


def test_configure_on_one_node_seen_on_the_others(cluster: str) -> None:
    stream = (
        "configure\n"
        "property stonith-enabled=false\n"
        "primitive live1 ocf:pacemaker:Dummy op monitor interval=10 timeout=20\n"
        "primitive live2 ocf:pacemaker:Dummy\n"
        "group live-g live1 live2\n"
        "commit\n"
    )
    r = crm(cluster, 1, "-f", "-", stdin=stream)
    assert r.returncode == 0, r.stderr
    for k in (2, 3):
        shown = crm(cluster, k, "configure", "show", "live-g")
        assert shown.returncode == 0, shown.stderr
        assert shown.stdout.strip() == "group live-g live1 live2"
    r = crm(cluster, 3, "resource", "stop", "live-g")
    assert r.returncode == 0, r.stderr
    shown = crm(cluster, 1, "configure", "show", "live-g")
    assert "meta target-role=Stopped" in shown.stdout
    status = crm(cluster, 2, "status")
    assert status.returncode == 0, status.stderr
    assert "Online: [ node1 node2 node3 ]" in status.stdout
    # live, the members are known: no ping of the node names (crmsh pings them)
    r = crm(cluster, 1, "node", "standby", "node3")
    assert r.returncode == 0, r.stderr
    assert "standby=on" in crm(cluster, 2, "configure", "show", "node3").stdout
    r = crm(cluster, 2, "-w", "node", "online", "node3")
    assert r.returncode == 0, r.stderr
    assert "standby=off" in crm(cluster, 3, "configure", "show", "node3").stdout


def test_commit_refused_when_another_node_changed_the_configuration(cluster: str) -> None:
    env = {"PACER_RUN_DIR": f"{cluster}/node1/run", "PATH": f"{BIN}:/usr/bin:/bin"}
    out, err = io.StringIO(), io.StringIO()
    mine = Session(CibSource.from_environment, Options(env=env), out, err)
    assert mine.execute("configure")
    assert mine.execute("primitive racer ocf:pacemaker:Dummy")
    r = crm(cluster, 2, "configure", "primitive", "other", "ocf:pacemaker:Dummy")
    assert r.returncode == 0, r.stderr
    assert not mine.execute("commit")
    assert "CIB changed in the meantime" in err.getvalue()
    shown = crm(cluster, 3, "configure", "show", "type:primitive").stdout
    assert "primitive other" in shown and "racer" not in shown
    assert mine.execute("refresh")
    assert mine.execute("primitive racer ocf:pacemaker:Dummy")
    assert mine.execute("commit"), err.getvalue()
    shown = crm(cluster, 3, "configure", "show", "type:primitive").stdout
    assert "primitive other" in shown and "primitive racer" in shown
