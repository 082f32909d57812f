"""Promotion scores of unmanaged promotable instances compared with Debian's Pacemaker 2.1.5.

An unmanaged instance keeps its unpacked role as its next role. After a start that role is
Started (promotion score, -1 without a ``master-`` attribute); after a demote or a probe that
found it running it is Unpromoted (-INFINITY). The scores printed by ``crm_simulate -s`` must
be the same as Pacemaker's.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from lxml import etree

from pengine import ScheduleOptions, schedule

ORACLE = "/usr/sbin/crm_simulate"

pytestmark = [
    pytest.mark.oracle,
    pytest.mark.skipif(shutil.which(ORACLE) is None, reason="Debian's crm_simulate is not installed"),
]

_UUID = "d1ffe7e5-0000-4000-8000-000000000001"


def _op(rsc: str, task: str, interval: int, call_id: int, rc: int, expected: int | None = None) -> str:
    key = f"{rsc}_{task}_{interval}"
    # the expected rc is the recorded one unless the operation failed
    transition_key = f"{call_id}:1:{rc if expected is None else expected}:{_UUID}"
    op_id = key if interval else f"{rsc}_last_{call_id}"
    return (f'<lrm_rsc_op id="{op_id}" operation_key="{key}" operation="{task}" '
            f'crm_feature_set="3.16.1" transition-key="{transition_key}" '
            f'transition-magic="0:{rc};{transition_key}" call-id="{call_id}" rc-code="{rc}" op-status="0" '
            f'interval="{interval}" last-rc-change="1699999100" exec-time="0" queue-time="0" '
            f'op-digest="f2317cad3d54cec5d7d7aa7d0bf35cf8"/>')


def _cib(ops_node1: list[tuple[str, int, int, int | None]], *, managed: bool, attr_node1: str | None,
         fencing: bool) -> str:
    node1_ops = "".join(_op("c1r", task, interval, i + 1, rc, expected)
                        for i, (task, interval, rc, expected) in enumerate(ops_node1))
    node1_attr = (f'<nvpair id="1-master-c1r" name="master-c1r" value="{attr_node1}"/>'
                  if attr_node1 is not None else "")
    managed_meta = "" if managed else '<nvpair id="c1r-im" name="is-managed" value="false"/>'
    stonith = "true" if fencing else "false"
    return f"""<cib validate-with="pacemaker-3.7" crm_feature_set="3.16.2" admin_epoch="0" epoch="1"
 num_updates="0" have-quorum="1" dc-uuid="1" cib-last-written="Tue Nov 14 22:00:00 2023">
  <configuration>
    <crm_config><cluster_property_set id="opts">
      <nvpair id="opts-se" name="stonith-enabled" value="{stonith}"/>
    </cluster_property_set></crm_config>
    <nodes><node id="1" uname="node1"/><node id="2" uname="node2"/><node id="3" uname="node3"/></nodes>
    <resources>
      <clone id="c1">
        <primitive id="c1r" type="Stateful" class="ocf" provider="pacemaker">
          <meta_attributes id="c1r-meta">{managed_meta}</meta_attributes>
          <operations>
            <op id="c1r-mon-p" name="monitor" interval="11s" timeout="20s" role="Promoted"/>
            <op id="c1r-mon-u" name="monitor" interval="10s" timeout="20s" role="Unpromoted"/>
          </operations>
        </primitive>
        <meta_attributes id="c1-meta">
          <nvpair id="c1-promotable" name="promotable" value="true"/>
          <nvpair id="c1-clone-max" name="clone-max" value="2"/>
        </meta_attributes>
      </clone>
    </resources>
    <constraints/>
  </configuration>
  <status>
    <node_state id="1" uname="node1" in_ccm="true" crmd="online" join="member" expected="member">
      <lrm id="1"><lrm_resources>
        <lrm_resource id="c1r" class="ocf" provider="pacemaker" type="Stateful">{node1_ops}</lrm_resource>
      </lrm_resources></lrm>
      <transient_attributes id="1"><instance_attributes id="ta-1">{node1_attr}</instance_attributes>
      </transient_attributes>
    </node_state>
    <node_state id="3" uname="node3" in_ccm="true" crmd="online" join="member" expected="member">
      <lrm id="3"><lrm_resources>
        <lrm_resource id="c1r" class="ocf" provider="pacemaker" type="Stateful">{
            _op("c1r", "promote", 0, 2, 0)}{_op("c1r", "monitor", 11000, 3, 8)}</lrm_resource>
      </lrm_resources></lrm>
      <transient_attributes id="3"><instance_attributes id="ta-3">
        <nvpair id="3-master-c1r" name="master-c1r" value="100"/>
      </instance_attributes></transient_attributes>
    </node_state>
    <node_state id="2" uname="node2" in_ccm="false" crmd="offline" join="down" expected="down"/>
  </status>
</cib>
"""


def _promotion_lines(lines: list[str]) -> list[str]:
    return sorted(line.strip() for line in lines if " promotion score on " in line)


HISTORIES: dict[str, list[tuple[str, int, int, int | None]]] = {
    "start": [("start", 0, 0, None)],
    "start-monitor": [("start", 0, 0, None), ("monitor", 10000, 0, None)],
    "probe-found-running": [("monitor", 0, 0, 7)],
    "demote": [("start", 0, 0, None), ("promote", 0, 0, None), ("demote", 0, 0, None)],
    "stop-start": [("start", 0, 0, None), ("stop", 0, 0, None), ("start", 0, 0, None)],
    "start-monitor-failed": [("start", 0, 0, None), ("monitor", 10000, 1, 0)],
    "start-monitor-not-running": [("start", 0, 0, None), ("monitor", 10000, 7, 0)],
}


@pytest.mark.parametrize("history", sorted(HISTORIES))
@pytest.mark.parametrize(("managed", "fencing"), [(False, False), (True, True), (True, False)])
@pytest.mark.parametrize("attr", [None, "5"])
def test_promotion_scores_match_pacemaker(history: str, managed: bool, fencing: bool, attr: str | None,
                                          tmp_path: Path) -> None:
    text = _cib(HISTORIES[history], managed=managed, attr_node1=attr, fencing=fencing)
    cib_file = tmp_path / "cib.xml"
    cib_file.write_text(text)
    proc = subprocess.run([ORACLE, "-x", str(cib_file), "-s", "-Q"], capture_output=True, text=True,
                          timeout=60, check=True)
    expected = _promotion_lines(proc.stdout.splitlines())
    assert expected, "Pacemaker printed no promotion scores"
    result = schedule(etree.fromstring(text.encode()), options=ScheduleOptions(show_scores=True))
    assert _promotion_lines(list(result.scores)) == expected


_SUMMARY_VERB = re.compile(r"^\*? ?(Start|Stop|Restart|Move|Migrate|Recover|Promote|Demote|Reload|Fence)\b")


def _summary(lines: list[str] | tuple[str, ...]) -> list[str]:
    """Transition summary lines (single spaces, no list marker)."""
    out = []
    for line in lines:
        text = re.sub(r"\s+", " ", line).strip()
        if _SUMMARY_VERB.match(text):
            out.append(text.removeprefix("* "))
    return out


@pytest.mark.parametrize("history", ["start", "demote", "none"])
@pytest.mark.parametrize("managed", [True, False])
@pytest.mark.parametrize("on_clone", [True, False])
def test_target_role_unpromoted_matches_pacemaker(history: str, managed: bool, on_clone: bool,
                                                  tmp_path: Path) -> None:
    """``target-role=Unpromoted`` (on the clone or its primitive): managed instances are not
    promoted and the promoted one is demoted, even with promotion scores."""
    text = _cib(HISTORIES.get(history, []), managed=managed, attr_node1="5", fencing=False)
    nvpair = '<nvpair id="tr" name="target-role" value="Unpromoted"/>'
    if on_clone:
        text = text.replace('<nvpair id="c1-promotable"', nvpair + '<nvpair id="c1-promotable"')
    else:
        text = text.replace('<meta_attributes id="c1r-meta">', '<meta_attributes id="c1r-meta">' + nvpair)
    cib_file = tmp_path / "cib.xml"
    cib_file.write_text(text)
    proc = subprocess.run([ORACLE, "-x", str(cib_file), "-s", "-G", str(tmp_path / "graph.xml")],
                          capture_output=True, text=True, timeout=60, check=True)
    result = schedule(etree.fromstring(text.encode()), options=ScheduleOptions(show_scores=True))
    assert _promotion_lines(list(result.scores)) == _promotion_lines(proc.stdout.splitlines())
    expected = _summary(proc.stdout.splitlines())
    assert _summary(result.transition_summary) == expected
    if managed:
        assert any(line.startswith("Demote") for line in expected), expected


@pytest.mark.parametrize("interleave", [True, False])
@pytest.mark.parametrize("score", ["-50", "50", "INFINITY"])
def test_unpromoted_colocation_with_plain_clone_matches_pacemaker(interleave: bool, score: str,
                                                                  tmp_path: Path) -> None:
    """A promotable clone colocated in the Unpromoted role with a clone that has no roles:
    each instance's priority gets the negated score where the primary runs."""
    role = "Unpromoted"
    text = _cib(HISTORIES["start-monitor"], managed=True, attr_node1="10", fencing=False)
    text = text.replace('<nvpair id="c1-promotable"',
                        f'<nvpair id="c1-il" name="interleave" value="{str(interleave).lower()}"/>'
                        '<nvpair id="c1-promotable"')
    text = text.replace("</resources>", """<clone id="d1"><primitive id="d1r" class="ocf" provider="pacemaker"
        type="Dummy"/></clone></resources>""")
    text = text.replace("<constraints/>", f"""<constraints><rsc_colocation id="col" rsc="c1" rsc-role="{role}"
        with-rsc="d1" score="{score}"/></constraints>""")
    cib_file = tmp_path / "cib.xml"
    cib_file.write_text(text)
    proc = subprocess.run([ORACLE, "-x", str(cib_file), "-s", "-G", str(tmp_path / "graph.xml")],
                          capture_output=True, text=True, timeout=60, check=True)
    expected = _promotion_lines(proc.stdout.splitlines())
    assert expected, "Pacemaker printed no promotion scores"
    result = schedule(etree.fromstring(text.encode()), options=ScheduleOptions(show_scores=True))
    assert _promotion_lines(list(result.scores)) == expected
    assert _summary(result.transition_summary) == _summary(proc.stdout.splitlines())
