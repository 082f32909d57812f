"""``pengine.explain``: the account of one resource's placement agrees with the schedule."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest
from lxml import etree

from crm.cli.crm_simulate import main as crm_simulate
from pengine import schedule
from pengine.api import CibError
from pengine.explain import explain

CIB = """
<cib validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0" have-quorum="1">
  <configuration>
    <crm_config><cluster_property_set id="o">
      <nvpair id="o-s" name="stonith-enabled" value="false"/>
    </cluster_property_set></crm_config>
    <nodes>
      <node id="1" uname="n1"><instance_attributes id="n1-a"><nvpair id="n1-r" name="rack" value="a"/></instance_attributes></node>
      <node id="2" uname="n2"><instance_attributes id="n2-a"><nvpair id="n2-r" name="rack" value="b"/></instance_attributes></node>
      <node id="3" uname="n3"/>
    </nodes>
    <resources>
      <primitive id="db" class="ocf" provider="heartbeat" type="Dummy"/>
      <group id="web">
        <primitive id="ip" class="ocf" provider="heartbeat" type="Dummy"/>
        <primitive id="www" class="ocf" provider="heartbeat" type="Dummy"/>
      </group>
    </resources>
    <constraints>
      <rsc_location id="db-prefers-n2" rsc="db" node="n2" score="50"/>
      <rsc_location id="web-rack" rsc="web">
        <rule id="web-rack-rule" score="200"><expression id="e" attribute="rack" operation="eq" value="a"/></rule>
      </rsc_location>
      <rsc_colocation id="www-with-db" rsc="web" with-rsc="db" score="-INFINITY"/>
    </constraints>
  </configuration>
  <status>
    <node_state id="1" uname="n1" in_ccm="true" crmd="online" join="member" expected="member"/>
    <node_state id="2" uname="n2" in_ccm="true" crmd="online" join="member" expected="member"/>
    <node_state id="3" uname="n3" in_ccm="true" crmd="online" join="member" expected="member"/>
  </status>
</cib>
"""


def _cib() -> etree._Element:
    return etree.fromstring(CIB)


def test_rules_are_evaluated_per_node_and_constraints_named() -> None:
    text = "\n".join(explain(_cib(), "www"))
    assert "part of: web" in text
    assert re.search(r"web-rack: web rule web-rack-rule: n1=200, n2=no match, n3=no match", text)
    assert "www-with-db: web with db score -INFINITY" in text


def test_the_decision_is_the_schedules() -> None:
    cib = _cib()
    summary = [line for line in schedule(cib).transition_summary if re.search(r"\bdb\b", line)]
    text = explain(cib, "db")
    decision = text[text.index("Decision:") + 1:]
    assert summary and decision == summary
    # db's own preference and the anti-colocation from web are both part of the account
    assert any("db-prefers-n2: db 50 on n2" in line for line in text)
    assert any("www-with-db: web depends on it" in line for line in text)


def test_scores_listed_are_those_of_the_resource() -> None:
    lines = explain(_cib(), "db")
    scores = lines[lines.index("Scores computed by the scheduler:") + 1:lines.index("Decision:") - 1]
    assert scores
    assert all(re.search(r"\bdb\b", line) for line in scores)


def test_unknown_resource_is_a_clear_error() -> None:
    with pytest.raises(CibError, match="'nope' is not in the configuration"):
        explain(_cib(), "nope")


def _run(tmp_path: Path, *args: str) -> tuple[int, str]:
    path = tmp_path / "cib.xml"
    path.write_text(CIB)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        rc = crm_simulate(["-x", str(path), "-Q", *args])
    return rc, out.getvalue()


def test_crm_simulate_explain_after_a_node_failure(tmp_path: Path) -> None:
    rc, text = _run(tmp_path, "-f", "n2", "--explain", "db")
    assert rc == 0
    assert "Why db is where it is:" in text
    assert "n2: offline" in text  # the explanation sees the requested modification
    assert re.search(r"Start\s+db\s+\(\s*n[13]\s*\)", text)


def test_crm_simulate_explain_unknown_resource(tmp_path: Path) -> None:
    rc, text = _run(tmp_path, "--explain", "nope")
    assert rc == 105
    assert "Why nope" not in text
