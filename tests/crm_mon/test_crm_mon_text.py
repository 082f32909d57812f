"""Our ``crm_mon`` text on its own: header lines, clock, sections and options."""

from __future__ import annotations

import io
import re
import time
from pathlib import Path

from lxml import etree

from crm.cli import crm_mon, mon_blocks

INPUTS = Path(__file__).resolve().parent.parent / "conformance" / "data" / "xml"
A = INPUTS / "10-a-then-bm-b-move-a-clone.xml"  # DC f20node1 with quorum, corosync, standby node
B = INPUTS / "1484.xml"  # a failed start, an offline node


def _run(*args: str, cib: Path = A, now: float | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    rc = crm_mon.run(list(args), out, err, {"CIB_file": str(cib)}, now=now)
    return rc, out.getvalue(), err.getvalue()


def test_header_from_cib_attributes_and_clock() -> None:
    now = 1_700_000_000.0
    rc, out, _ = _run("-1", now=now)
    assert rc == 0
    lines = out.splitlines()
    assert lines[0] == "Cluster Summary:"
    assert "  * Stack: corosync" in lines
    assert "  * Current DC: f20node1 (version 1.1.7-1.fc20-ce5d77c) - partition with quorum" in lines
    assert f"  * Last updated: {time.strftime('%a %b %e %H:%M:%S %Y', time.localtime(now))}" in lines
    assert "  * Last change:  Sat Dec 21 11:47:45 2013 via cibadmin on f20node1" in lines
    assert "  * 2 nodes configured" in lines


def test_header_without_dc_or_quorum(tmp_path: Path) -> None:
    root = etree.parse(str(A)).getroot()
    for name in ("dc-uuid", "have-quorum", "cib-last-written", "update-client", "update-origin"):
        root.attrib.pop(name, None)
    path = tmp_path / "cib.xml"
    path.write_bytes(etree.tostring(root))
    _, out, _ = _run("-1", cib=path)
    assert "  * Current DC: NONE\n" in out
    assert "  * Last change:  \n" in out


def test_inactive_resources_only_with_r() -> None:
    _, short, _ = _run("-1", cib=B)
    _, full, _ = _run("-1", "-r", cib=B)
    assert "Active Resources:" in short and "Full List of Resources:" not in short
    assert "Full List of Resources:" in full


def test_failed_actions_and_readable_intervals() -> None:
    _, out, _ = _run("-1", cib=B)
    assert re.search(r"^Failed Resource Actions:\n  \* the-future-of-vaj start on hb2 could not be executed",
                     out, re.M)
    # 60000 ms reads "60s" in Pacemaker 2.1.5 (a unit is used only for strictly larger values)
    assert [mon_blocks.readable_interval(ms) for ms in (0, 500, 10000, 60000)] == ["0s", "500ms", "10s", "60s"]


def test_simple_status_and_bad_input(tmp_path: Path) -> None:
    rc, out, _ = _run("-s", cib=B)
    assert (rc, out) == (1, "CLUSTER WARN: offline node: hb3\n")
    rc, _, err = _run("-1", cib=tmp_path / "missing.xml")
    assert (rc, err) == (105, "Could not connect to the CIB: No such device or address\n")
    rc, _, err = _run("--bogus")
    assert (rc, err) == (64, "crm_mon: Unknown option --bogus\n")
