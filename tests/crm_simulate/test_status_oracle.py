"""The cluster status view against Debian's crm_simulate on generated clusters and injected events.

Without -S neither tool schedules anything: both print the status of the input, after the
requested modifications (-u/-d/-f/-i), so the comparison covers the status view and the
injections alone.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from simulate_helpers import ORACLE, run_ours

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
import cibgen

pytestmark = [
    pytest.mark.oracle,
    pytest.mark.skipif(not ORACLE.exists(), reason="Debian's crm_simulate is not installed"),
]

SPECS = {
    "running": cibgen.Spec(nodes=3, resources=8, grouped=0.5, group_size=2, clones=1, status="running"),
    "failed": cibgen.Spec(nodes=3, resources=8, grouped=0.5, group_size=2, clones=1, status="failed",
                          stonith=True),
    "empty": cibgen.Spec(nodes=2, resources=4, clones=1, status="empty"),
}
EVENTS = [
    [],
    ["-i", "{rsc}_monitor_10000@node2=7"],
    ["-i", "{rsc}_start_0@node1=1", "-i", "{first}_monitor_10000@node1=1"],
    ["-i", "{rsc}_monitor_0@node2=5"],
    ["-i", "cloned1_monitor_10000@node2=1"],
    ["-i", "{first}_stop_0@node1=1"],
    ["-i", "nosuchrsc_start_0@node1=1"],
    ["-u", "node9", "-d", "node2"],
    ["-f", "node2"],
]


def _oracle(args: list[str]) -> str:
    proc = subprocess.run([str(ORACLE), *args], capture_output=True, text=True, timeout=60,
                          env={"LC_ALL": "C", "PATH": "/usr/bin:/bin"})
    return proc.stdout


def _strip_wallclock(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if "last-failure" not in line)


@pytest.mark.parametrize("kind", sorted(SPECS))
@pytest.mark.parametrize("events", EVENTS, ids=lambda e: " ".join(e) or "none")
def test_status_matches_pacemaker(kind: str, events: list[str], tmp_path: Path) -> None:
    cib, layout = cibgen.generate(SPECS[kind], seed=5)
    src = tmp_path / "cib.xml"
    src.write_bytes(cibgen.to_bytes(cib))
    events = [e.format(rsc=layout.primitives[-1], first=layout.primitives[0]) for e in events]
    theirs = _oracle(["-x", str(src), *events])
    ours = run_ours(["-x", str(src), *events])
    assert ours.rc == 0, ours.stderr
    assert _strip_wallclock(ours.stdout) == _strip_wallclock(theirs)


def _meta(elem, name: str, value: str) -> None:  # type: ignore[no-untyped-def]
    from lxml import etree

    meta = etree.SubElement(elem, "meta_attributes", id=f"{elem.get('id')}-meta-{name}")
    etree.SubElement(meta, "nvpair", id=f"{elem.get('id')}-meta-{name}-nv", name=name, value=value)


def _node_attr(cib, node: str, name: str, value: str) -> None:  # type: ignore[no-untyped-def]
    from lxml import etree

    elem = cib.find(f"configuration/nodes/node[@uname='{node}']")
    attrs = etree.SubElement(elem, "instance_attributes", id=f"{node}-attrs-{name}")
    etree.SubElement(attrs, "nvpair", id=f"{node}-attrs-{name}-nv", name=name, value=value)


DECORATIONS = {
    "standby": lambda cib, lay: _node_attr(cib, "node1", "standby", "on"),
    "node-maintenance": lambda cib, lay: _node_attr(cib, "node2", "maintenance", "true"),
    "disabled": lambda cib, lay: _meta(cib.find(f".//primitive[@id='{lay.primitives[-1]}']"), "target-role",
                                       "Stopped"),
    "unmanaged-group": lambda cib, lay: _meta(cib.find(".//group"), "is-managed", "false"),
    "disabled-clone": lambda cib, lay: _meta(cib.find(".//clone"), "target-role", "Stopped"),
    "rsc-maintenance": lambda cib, lay: _meta(cib.find(f".//primitive[@id='{lay.primitives[0]}']"), "maintenance",
                                              "true"),
}


@pytest.mark.parametrize("decoration", sorted(DECORATIONS))
@pytest.mark.parametrize("kind", ["running", "failed"])
def test_decorated_status_matches_pacemaker(kind: str, decoration: str, tmp_path: Path) -> None:
    if (kind, decoration) == ("failed", "unmanaged-group"):
        pytest.xfail("Pacemaker hides an unmanaged group active on a lost node; the rule is not known yet")
    cib, layout = cibgen.generate(SPECS[kind], seed=11)
    DECORATIONS[decoration](cib, layout)
    src = tmp_path / "cib.xml"
    src.write_bytes(cibgen.to_bytes(cib))
    theirs = _oracle(["-x", str(src)])
    ours = run_ours(["-x", str(src)])
    assert ours.rc == 0, ours.stderr
    assert ours.stdout == theirs
