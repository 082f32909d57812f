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
