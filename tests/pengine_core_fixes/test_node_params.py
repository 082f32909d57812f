"""Location rules with value-source="param" see the instance attributes as evaluated for each
node (``pe_rsc_params``): a parameter set with a ``#uname`` rule applies on that node only."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from failure_cibs import graph_actions
from lxml import etree

from pengine import ScheduleOptions, schedule

ORACLE = "/usr/sbin/crm_simulate"


def _cib(node_values: dict[str, str]) -> etree._Element:
    nodes = "".join(
        f'<node id="{n}" uname="{n}" type="member"><instance_attributes id="{n}-a">'
        f'<nvpair id="{n}-fake" name="fake" value="{v}"/></instance_attributes></node>'
        for n, v in node_values.items())
    states = "".join(f'<node_state id="{n}" uname="{n}" in_ccm="true" crmd="online" join="member" '
                     f'expected="member"/>' for n in node_values)
    text = ('<cib admin_epoch="0" epoch="1" num_updates="1" have-quorum="true" validate-with="pacemaker-3.7">'
            '<configuration><crm_config><cluster_property_set id="opts">'
            '<nvpair id="o1" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>'
            f"<nodes>{nodes}</nodes><resources>"
            '<primitive id="rsc" class="ocf" provider="pacemaker" type="Dummy">'
            '<instance_attributes id="p1" score="10"><nvpair id="p1-fake" name="fake" value="1"/>'
            '</instance_attributes><instance_attributes id="p2" score="20">'
            '<rule id="p2-r" score="INFINITY"><expression id="p2-e" attribute="#uname" operation="eq" '
            'value="node2"/></rule><nvpair id="p2-fake" name="fake" value="2"/></instance_attributes>'
            '</primitive></resources><constraints><rsc_location id="loc" rsc="rsc">'
            '<rule id="loc-r" score="INFINITY"><expression id="loc-e" attribute="fake" operation="eq" '
            'value="fake" value-source="param"/></rule></rsc_location></constraints></configuration>'
            f"<status>{states}</status></cib>")
    return etree.fromstring(text.encode())


CASES = {
    "only-node2-matches": {"node1": "2", "node2": "2", "node3": "2"},
    "default-elsewhere": {"node1": "1", "node2": "1", "node3": "1"},
}


def test_parameter_rule_evaluated_per_node() -> None:
    scores = schedule(_cib(CASES["only-node2-matches"]), options=ScheduleOptions(show_scores=True)).scores
    assert "pcmk__primitive_assign: rsc allocation score on node2: INFINITY" in scores
    assert "pcmk__primitive_assign: rsc allocation score on node1: 0" in scores
    assert "rsc_start_0 node2" in graph_actions(schedule(_cib(CASES["only-node2-matches"])).graph_xml)


def test_default_parameter_on_other_nodes() -> None:
    scores = schedule(_cib(CASES["default-elsewhere"]), options=ScheduleOptions(show_scores=True)).scores
    assert "pcmk__primitive_assign: rsc allocation score on node2: 0" in scores
    assert "pcmk__primitive_assign: rsc allocation score on node1: INFINITY" in scores


@pytest.mark.skipif(shutil.which(ORACLE) is None, reason="Debian crm_simulate not installed")
@pytest.mark.parametrize("name", sorted(CASES))
def test_same_scores_as_pacemaker(name: str, tmp_path: Path) -> None:
    cib = _cib(CASES[name])
    xml = tmp_path / "cib.xml"
    xml.write_bytes(etree.tostring(cib))
    proc = subprocess.run([ORACLE, "-x", str(xml), "-s", "-Q"], check=True, capture_output=True, text=True,
                          timeout=60)
    expected = sorted(line for line in proc.stdout.splitlines() if "allocation score" in line)
    ours = sorted(schedule(cib, options=ScheduleOptions(show_scores=True)).scores)
    assert ours == expected
