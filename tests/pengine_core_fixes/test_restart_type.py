"""The deprecated ``restart-type="restart"`` of the ``then`` resource upgrades an optional
ordering: a start of ``first`` restarts ``then`` (``pe_order_implies_then``)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from failure_cibs import graph_actions
from lxml import etree

from crm.common.digest import op_digest
from pengine import schedule

ORACLE = "/usr/sbin/crm_simulate"


def _cib(restart_type: str | None, kind: str) -> etree._Element:
    meta = (f'<meta_attributes id="b-m"><nvpair id="b-rt" name="restart-type" value="{restart_type}"/>'
            f"</meta_attributes>") if restart_type else ""
    op = ('<lrm_rsc_op id="b_last_0" operation_key="b_start_0" operation="start" interval="0" op-status="0" '
          'rc-code="0" call-id="2" transition-key="1:1:0:6f3a6a3c-0000-4000-8000-000000000000" '
          'transition-magic="0:0;1:1:0:6f3a6a3c-0000-4000-8000-000000000000" last-rc-change="1700000000" '
          f'exec-time="1" queue-time="0" op-digest="{op_digest({})}"/>')
    text = ('<cib admin_epoch="0" epoch="1" num_updates="1" have-quorum="true" validate-with="pacemaker-3.0">'
            '<configuration><crm_config><cluster_property_set id="opts">'
            '<nvpair id="o1" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>'
            '<nodes><node id="node1" uname="node1" type="member"/></nodes><resources>'
            '<primitive id="a" class="ocf" provider="pacemaker" type="Dummy"/>'
            f'<primitive id="b" class="ocf" provider="pacemaker" type="Dummy">{meta}</primitive>'
            f'</resources><constraints><rsc_order id="o" first="a" then="b" kind="{kind}"/></constraints>'
            '</configuration><status><node_state id="node1" uname="node1" in_ccm="true" crmd="online" '
            'join="member" expected="member"><lrm id="node1"><lrm_resources>'
            '<lrm_resource id="a" class="ocf" provider="pacemaker" type="Dummy"/>'
            f'<lrm_resource id="b" class="ocf" provider="pacemaker" type="Dummy">{op}</lrm_resource>'
            "</lrm_resources></lrm></node_state></status></cib>")
    return etree.fromstring(text.encode())


CASES = {
    "optional-restart": ("restart", "Optional"),
    "optional-ignore": ("ignore", "Optional"),
    "optional-none": (None, "Optional"),
    "mandatory-restart": ("restart", "Mandatory"),
}


def test_restart_type_restart_restarts_then_after_an_optional_ordering() -> None:
    actions = graph_actions(schedule(_cib("restart", "Optional")).graph_xml)
    assert {"a_start_0 node1", "b_stop_0 node1", "b_start_0 node1"} <= actions


def test_optional_ordering_alone_does_not_restart_then() -> None:
    actions = graph_actions(schedule(_cib(None, "Optional")).graph_xml)
    assert "a_start_0 node1" in actions
    assert "b_stop_0 node1" not in actions


@pytest.mark.skipif(shutil.which(ORACLE) is None, reason="Debian crm_simulate not installed")
@pytest.mark.parametrize("name", sorted(CASES))
def test_same_actions_as_pacemaker(name: str, tmp_path: Path) -> None:
    cib = _cib(*CASES[name])
    xml = tmp_path / "cib.xml"
    out = tmp_path / "graph.xml"
    xml.write_bytes(etree.tostring(cib))
    subprocess.run([ORACLE, "-x", str(xml), "-G", str(out), "-Q"], check=True, capture_output=True, timeout=60)
    assert graph_actions(schedule(cib).graph_xml) == graph_actions(out.read_text())
