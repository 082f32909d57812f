"""Our graphs against Debian's Pacemaker 2.1.5 ``crm_simulate`` on CIBs built here."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from lxml import etree
from pengine_cibs import Cib, dummy, node_state, parse_graph, run, running

CRM_SIMULATE = "/usr/sbin/crm_simulate"

pytestmark = [
    pytest.mark.oracle,
    pytest.mark.skipif(shutil.which(CRM_SIMULATE) is None, reason="Debian crm_simulate not installed"),
]


def _oracle_graph(cib: Cib, tmp_path: Path) -> str:
    xml = tmp_path / "cib.xml"
    out = tmp_path / "graph.xml"
    xml.write_bytes(etree.tostring(cib.xml()))
    subprocess.run([CRM_SIMULATE, "-x", str(xml), "-G", str(out), "-S", "-Q"], check=True, capture_output=True,
                   timeout=60)
    return out.read_text()


CASES = {
    "spread": Cib(nodes=["n1", "n2", "n3"], resources=dummy("a") + dummy("b") + dummy("c")),
    "group-and-order": Cib(resources='<group id="g">' + dummy("g1") + dummy("g2") + "</group>" + dummy("x"),
                           constraints='<rsc_order id="o" first="g" then="x" kind="Mandatory"/>'),
    "colocated-move": Cib(resources=dummy("ip") + dummy("web"),
                          constraints='<rsc_location id="l" rsc="ip" node="node1" score="200"/>'
                                      '<rsc_colocation id="c" rsc="web" with-rsc="ip" score="INFINITY"/>',
                          states={"node2": node_state("node2", lrm=running("ip") + running("web", 2))}),
    "standby": Cib(resources=dummy("a", ops='<op id="am" name="monitor" interval="10s"/>'),
                   states={"node1": node_state("node1", attrs={"standby": "on"}, lrm=running("a"))}),
    "remote-node": Cib(nodes=["node1"],
                       resources='<primitive id="remote1" class="ocf" provider="pacemaker" type="remote"/>'
                                 + dummy("svc"),
                       constraints='<rsc_location id="l" rsc="svc" node="remote1" score="100"/>'),
    "migration": Cib(resources=dummy("vm", {"allow-migrate": "true"}),
                     constraints='<rsc_location id="l" rsc="vm" node="node2" score="100"/>',
                     states={"node1": node_state("node1", lrm=running("vm"))}),
    "failed-start": Cib(resources=dummy("a"),
                        states={"node1": node_state("node1", attrs={"fail-count-a": "INFINITY"},
                                                    lrm=running("a", rc=1))}),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_same_graph_as_pacemaker(name: str, tmp_path: Path) -> None:
    cib = CASES[name]
    expected = parse_graph(_oracle_graph(cib, tmp_path))
    ours, _, _ = run(cib)
    assert ours.actions == expected.actions
    assert ours.edges == expected.edges
