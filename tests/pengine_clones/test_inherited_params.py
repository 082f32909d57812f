"""Members of a clone (and of a cloned group) inherit the clone's and the group's instance
attributes as parameters, their own values first (Pacemaker's ``get_rsc_attributes``): the
action attributes in the graph carry them and the op digests are computed over them.
Compared with Debian's Pacemaker 2.1.5 scheduler where it is installed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from pengine import schedule

ORACLE = "/usr/sbin/crm_simulate"

PARAM_NAMES = ("alpha", "beta", "gamma")
NAMES = st.sampled_from(PARAM_NAMES)
VALUES = st.text(alphabet="abcxyz0123", min_size=1, max_size=4)


def _nvpairs(owner: str, params: dict[str, str]) -> str:
    if not params:
        return ""
    pairs = "".join(f'<nvpair id="{owner}-ia-{k}" name="{k}" value="{v}"/>' for k, v in sorted(params.items()))
    return f'<instance_attributes id="{owner}-ia">{pairs}</instance_attributes>'


def cib(clone_params: dict[str, str], group_params: dict[str, str], own_params: dict[str, str]) -> str:
    return f"""<cib epoch="1" num_updates="0" admin_epoch="0" validate-with="pacemaker-3.0">
<configuration>
  <crm_config><cluster_property_set id="cps">
    <nvpair id="cps-st" name="stonith-enabled" value="false"/>
  </cluster_property_set></crm_config>
  <nodes><node id="1" uname="n1"/><node id="2" uname="n2"/></nodes>
  <resources>
    <clone id="c">{_nvpairs("c", clone_params)}
      <group id="g">{_nvpairs("g", group_params)}
        <primitive id="r" class="ocf" provider="heartbeat" type="Dummy">{_nvpairs("r", own_params)}</primitive>
      </group>
    </clone>
  </resources>
  <constraints/>
</configuration>
<status>
  <node_state id="1" uname="n1" in_ccm="true" crmd="online" join="member" expected="member"/>
  <node_state id="2" uname="n2" in_ccm="true" crmd="online" join="member" expected="member"/>
</status>
</cib>"""


def start_params(graph_xml: str) -> dict[str, str]:
    """The test parameters among the attributes of the first action of ``r`` (its probe) in a graph."""
    root = etree.fromstring(graph_xml.encode())
    for op in root.iter("rsc_op"):
        if op.find("primitive") is not None:
            attrs = op.find("attributes")
            assert attrs is not None
            return {str(k): str(v) for k, v in attrs.attrib.items() if str(k) in PARAM_NAMES}
    raise AssertionError("no action of r in the graph")


@settings(max_examples=10, deadline=None)
@given(st.dictionaries(NAMES, VALUES, max_size=3), st.dictionaries(NAMES, VALUES, max_size=3),
       st.dictionaries(NAMES, VALUES, max_size=3))
def test_own_then_group_then_clone(clone_params: dict[str, str], group_params: dict[str, str],
                                   own_params: dict[str, str]) -> None:
    expected = dict(clone_params)
    expected.update(group_params)
    expected.update(own_params)
    got = start_params(schedule(etree.fromstring(cib(clone_params, group_params, own_params).encode())).graph_xml)
    assert got == expected


@pytest.mark.oracle
@pytest.mark.skipif(shutil.which(ORACLE) is None, reason="Debian's crm_simulate is not installed")
def test_same_attributes_as_pacemaker(tmp_path: Path) -> None:
    text = cib({"alpha": "1", "beta": "c"}, {"beta": "g", "gamma": "g"}, {"gamma": "r"})
    path = tmp_path / "cib.xml"
    out = tmp_path / "graph.xml"
    path.write_text(text)
    subprocess.run([ORACLE, "-x", str(path), "-G", str(out), "-Q"], check=True, capture_output=True, timeout=60)
    assert start_params(schedule(etree.fromstring(text.encode())).graph_xml) == start_params(out.read_text())
