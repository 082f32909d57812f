"""crm_resource --move/--ban/--clear against Debian's: generated sequences on two copies of one
CIB file (a stopped resource, so that every node may be named), with and without lifetimes;
after every command the output, the exit code and the CIB (times and write stamps aside) must
be the same: the constraints, where they sit, and how far the epoch went.  ``--clear --expired``
on generated sets of lifetime constraints, past and future, named as each tool writes them or not."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from lxml import etree
from tool_oracle import base_env, pacer_tool, require_debian, run

pytestmark = pytest.mark.oracle

CIB = """<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="3" num_updates="0" admin_epoch="0">
  <configuration>
    <crm_config><cluster_property_set id="o"><nvpair id="o-se" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>
    <nodes><node id="1" uname="node1"/><node id="2" uname="node2"/><node id="3" uname="node3"/></nodes>
    <resources><primitive id="d" class="ocf" provider="pacemaker" type="Dummy"/></resources>
    <constraints><rsc_location id="other" rsc="d" node="node3" score="5"/></constraints>
  </configuration>
  <status/>
</cib>
"""
TIMES = re.compile(r'( cib-last-written="[^"]*"| end="[^"]*"|(?<=until: )\S+ \S+)')


def _steps(rng: random.Random, length: int) -> list[list[str]]:
    steps = []
    for _ in range(length):
        node = ["--node", rng.choice(["node1", "node2", "node3"])]
        kind = rng.randrange(4)
        if kind == 0:
            step = ["--move", *node]
        elif kind == 1:
            step = ["--ban", *node]
        else:
            step = ["--clear", *(node if rng.random() < 0.5 else [])]
        if kind < 2 and rng.random() < 0.3:
            step.append("--lifetime=PT1H")
        steps.append(["-r", "d", *step])
    return steps


def _normal(text: str) -> str:
    return TIMES.sub("", text)


@pytest.mark.parametrize("seed", range(3))
def test_placement_sequences_equal_pacemakers(seed: int, tmp_path: Path) -> None:
    theirs_tool = require_debian("crm_resource")
    files = {}
    for name in ("theirs", "ours"):
        files[name] = tmp_path / f"{name}.xml"
        files[name].write_text(CIB)
    for argv in _steps(random.Random(seed), 8):
        results = []
        for name, tool in (("theirs", theirs_tool), ("ours", pacer_tool("crm_resource"))):
            outcome = run([tool, *argv], base_env({"CIB_file": str(files[name])}))
            parser = etree.XMLParser(remove_blank_text=True)
            cib = etree.tostring(etree.fromstring(_normal(files[name].read_text()).encode(), parser))
            results.append((outcome.rc, _normal(outcome.stdout), _normal(outcome.stderr), cib))
        assert results[1] == results[0], argv


EXPIRED_CIB = """<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="3" num_updates="0" admin_epoch="0">
  <configuration>
    <crm_config/>
    <nodes><node id="1" uname="node1"/><node id="2" uname="node2"/></nodes>
    <resources>
      <primitive id="d" class="ocf" provider="pacemaker" type="Dummy"/>
      <primitive id="e" class="ocf" provider="pacemaker" type="Dummy"/>
    </resources>
    <constraints>{constraints}</constraints>
  </configuration>
  <status/>
</cib>
"""


def _lifetime_constraint(cid: str, rsc: str, node: str, end: str, lifetime_id: str) -> str:
    score = "INFINITY" if cid.startswith("cli-prefer-") else "-INFINITY"
    return (f'<rsc_location id="{cid}" rsc="{rsc}" role="Started"><rule id="{cid}-rule" score="{score}" '
            f'boolean-op="and"><expression id="{cid}-expr" attribute="#uname" operation="eq" value="{node}" '
            f'type="string"/><date_expression id="{lifetime_id}" operation="lt" end="{end}"/></rule></rsc_location>')


@pytest.mark.parametrize("seed", range(6))
def test_clear_expired_equals_pacemakers(seed: int, tmp_path: Path) -> None:
    theirs_tool = require_debian("crm_resource")
    rng = random.Random(seed)
    constraints = []
    for rsc in ("d", "e"):
        for node in ("node1", "node2"):
            end = rng.choice(["2020-01-01 00:00:00Z", "2099-01-01 00:00:00Z"])
            cid = f"cli-ban-{rsc}-on-{node}"
            constraints.append(_lifetime_constraint(cid, rsc, node, end, rng.choice([f"{cid}-lifetime", f"{cid}-end"])))
        end = rng.choice(["2020-01-01 00:00:00Z", "2099-01-01 00:00:00Z"])
        constraints.append(_lifetime_constraint(f"cli-prefer-{rsc}", rsc, rng.choice(["node1", "node2"]), end,
                                                rng.choice([f"cli-prefer-lifetime-end-{rsc}", f"cli-prefer-{rsc}-lifetime"])))
    rng.shuffle(constraints)
    text = EXPIRED_CIB.format(constraints="".join(constraints))
    # (with -N, which constraints Pacemaker takes is not fully known yet: not compared here)
    for extra in ([], ["-r", "d"], ["-r", "e"]):
        results = []
        for tool in (theirs_tool, pacer_tool("crm_resource")):
            cib = tmp_path / "cib.xml"
            cib.write_text(text)
            outcome = run([tool, "--clear", "--expired", *extra], base_env({"CIB_file": str(cib)}))
            parser = etree.XMLParser(remove_blank_text=True)
            written = etree.tostring(etree.fromstring(_normal(cib.read_text()).encode(), parser))
            results.append((outcome.rc, outcome.stdout, outcome.stderr, written))
        assert results[1] == results[0], extra


DELETE_CIB = """<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="3" num_updates="0" admin_epoch="0">
  <configuration>
    <crm_config/>
    <nodes><node id="1" uname="node1"/></nodes>
    <resources>
      <primitive id="d" class="ocf" provider="pacemaker" type="Dummy"/>
      <group id="g"><primitive id="g1" class="ocf" provider="pacemaker" type="Dummy"/></group>
      <clone id="c"><primitive id="c1" class="ocf" provider="pacemaker" type="Dummy"/></clone>
    </resources>
    <constraints>{constraints}</constraints>
  </configuration>
  <status/>
</cib>
"""


@pytest.mark.parametrize("referenced", [False, True])
@pytest.mark.parametrize("argv", [
    ["-D", "-r", "d"], ["-D", "-r", "nosuch", "-t", "primitive"], ["-D", "-r", "d", "-t", "group"],
    ["-D", "-t", "primitive"], ["-D", "-r", "d", "-t", "primitive"], ["-D", "-r", "g", "-t", "group"],
    ["-D", "-r", "g1", "-t", "primitive"], ["-D", "-r", "c", "-t", "clone"],
], ids=" ".join)
def test_delete_equals_pacemakers(argv: list[str], referenced: bool, tmp_path: Path) -> None:
    theirs_tool = require_debian("crm_resource")
    constraints = '<rsc_location id="l" rsc="d" node="node1" score="5"/>' if referenced else ""
    text = DELETE_CIB.format(constraints=constraints)
    results = []
    for tool in (theirs_tool, pacer_tool("crm_resource")):
        cib = tmp_path / "cib.xml"
        cib.write_text(text)
        outcome = run([tool, *argv], base_env({"CIB_file": str(cib)}))
        parser = etree.XMLParser(remove_blank_text=True)
        written = etree.tostring(etree.fromstring(_normal(cib.read_text()).encode(), parser))
        results.append((outcome.rc, outcome.stdout, _normal(outcome.stderr), written))
    assert results[1] == results[0]
