"""A mandatory ordering after the stop of a blocked (failed, unmanaged) resource blocks its
``then`` action (Pacemaker 2.1.5: "Disabled ... because ... is blocked")."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from failure_cibs import graph_actions
from lxml import etree

from pengine import schedule

ORACLE = "/usr/sbin/crm_simulate"


def _cib(constraints: str) -> etree._Element:
    def lrm(rsc: str, ops: str) -> str:
        return f'<lrm_resource id="{rsc}" class="ocf" provider="pacemaker" type="Dummy">{ops}</lrm_resource>'

    def op(rsc: str, suffix: str, task: str, call: int, rc: int) -> str:
        return (f'<lrm_rsc_op id="{rsc}_{suffix}" operation_key="{rsc}_{task}_0" operation="{task}" '
                f'interval="0" op-status="0" rc-code="{rc}" call-id="{call}" '
                f'transition-key="1:1:0:6f3a6a3c-0000-4000-8000-000000000000" '
                f'transition-magic="0:{rc};1:1:0:6f3a6a3c-0000-4000-8000-000000000000" '
                f'last-rc-change="1700000000" exec-time="1" queue-time="0"/>')

    status = lrm("rsc1", op("rsc1", "last_0", "start", 2, 0)) + \
        lrm("rsc2", op("rsc2", "last_0", "start", 3, 0) + op("rsc2", "last_failure_0", "stop", 4, 1))
    text = ('<cib admin_epoch="0" epoch="1" num_updates="1" have-quorum="true" validate-with="pacemaker-3.7">'
            '<configuration><crm_config><cluster_property_set id="opts">'
            '<nvpair id="o1" name="stonith-enabled" value="false"/>'
            '<nvpair id="o2" name="no-quorum-policy" value="ignore"/></cluster_property_set></crm_config>'
            '<nodes><node id="node1" uname="node1" type="member"/></nodes><resources>'
            '<primitive id="rsc1" class="ocf" provider="pacemaker" type="Dummy"><meta_attributes id="m1">'
            '<nvpair id="m1-t" name="target-role" value="Stopped"/></meta_attributes></primitive>'
            '<primitive id="rsc2" class="ocf" provider="pacemaker" type="Dummy"/>'
            f"</resources><constraints>{constraints}</constraints></configuration><status>"
            '<node_state id="node1" uname="node1" in_ccm="true" crmd="online" join="member" expected="member">'
            f'<lrm id="node1"><lrm_resources>{status}</lrm_resources></lrm></node_state></status></cib>')
    return etree.fromstring(text.encode())


CONSTRAINTS = {
    "none": "",
    "starts": '<rsc_order id="o" first="rsc1" then="rsc2" kind="Mandatory"/>',
    "stops": '<rsc_order id="o" first="rsc2" first-action="stop" then="rsc1" then-action="stop" kind="Mandatory"/>',
    "optional": '<rsc_order id="o" first="rsc1" then="rsc2" kind="Optional"/>',
}


@pytest.mark.parametrize("name", ["starts", "stops"])
def test_stop_after_a_blocked_stop_is_blocked(name: str) -> None:
    actions = graph_actions(schedule(_cib(CONSTRAINTS[name])).graph_xml)
    assert "rsc1_stop_0 node1" not in actions
    assert "rsc2_stop_0 node1" not in actions


@pytest.mark.parametrize("name", ["none", "optional"])
def test_stop_without_a_mandatory_ordering_happens(name: str) -> None:
    actions = graph_actions(schedule(_cib(CONSTRAINTS[name])).graph_xml)
    assert "rsc1_stop_0 node1" in actions


@pytest.mark.skipif(shutil.which(ORACLE) is None, reason="Debian crm_simulate not installed")
@pytest.mark.parametrize("name", sorted(CONSTRAINTS))
def test_same_actions_as_pacemaker(name: str, tmp_path: Path) -> None:
    cib = _cib(CONSTRAINTS[name])
    xml = tmp_path / "cib.xml"
    out = tmp_path / "graph.xml"
    xml.write_bytes(etree.tostring(cib))
    subprocess.run([ORACLE, "-x", str(xml), "-G", str(out), "-Q"], check=True, capture_output=True, timeout=60)
    assert graph_actions(schedule(cib).graph_xml) == graph_actions(out.read_text())
