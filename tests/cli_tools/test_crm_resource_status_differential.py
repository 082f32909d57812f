"""crm_resource's views of where resources run (``--locate`` in text, quiet and XML, ``-L`` and
``-q`` in XML) against Debian's on generated clusters: random nodes, a primitive, a group, an
anonymous clone, a promotable clone, a unique clone and a clone of a group, with random clone
sizes and location constraints; Debian's ``crm_simulate -S`` brings the cluster to its settled
state (the status section then holds the history both tools read)."""

from __future__ import annotations

import contextlib
import io
import random
import re
from pathlib import Path

import pytest
from tool_oracle import base_env, require_debian, run

from crm.cli import crm_resource

pytestmark = pytest.mark.oracle

IDS = ["p1", "g1", "g1a", "c1", "c1p", "ms1", "ms1p", "u1", "u1p", "cg1", "cg1g", "cg1a", "nosuch"]


def _prim(pid: str, agent: str = "Dummy") -> str:
    return (f'<primitive id="{pid}" class="ocf" provider="pacemaker" type="{agent}"><operations>'
            f'<op id="{pid}-mon" name="monitor" interval="10s"/></operations></primitive>')


def _meta(mid: str, pairs: dict[str, str]) -> str:
    if not pairs:
        return ""
    body = "".join(f'<nvpair id="{mid}-{k}" name="{k}" value="{v}"/>' for k, v in pairs.items())
    return f'<meta_attributes id="{mid}">{body}</meta_attributes>'


def generated_cib(rng: random.Random) -> str:
    nodes = [f"node{i}" for i in range(1, rng.randint(2, 4) + 1)]
    size = {"clone-max": str(rng.randint(1, len(nodes)))} if rng.random() < 0.5 else {}
    promotable = {"promotable": "true"}
    if rng.random() < 0.5:
        promotable["promoted-max"] = str(rng.randint(1, 2))
    unique = {"globally-unique": "true", "clone-max": str(rng.randint(1, len(nodes) + 1))}
    resources = [
        _prim("p1"),
        f'<group id="g1">{_prim("g1a")}{_prim("g1b")}</group>',
        f'<clone id="c1">{_meta("c1-meta", size)}{_prim("c1p")}</clone>',
        f'<clone id="ms1">{_meta("ms1-meta", promotable)}{_prim("ms1p", "Stateful")}</clone>',
        f'<clone id="u1">{_meta("u1-meta", unique)}{_prim("u1p")}</clone>',
        f'<clone id="cg1"><group id="cg1g">{_prim("cg1a")}{_prim("cg1b")}</group></clone>',
    ]
    constraints = []
    for rid in ("p1", "g1", "c1", "ms1", "u1", "cg1"):
        if rng.random() < 0.3:
            constraints.append(f'<rsc_location id="ban-{rid}" rsc="{rid}" node="{rng.choice(nodes)}" '
                               'score="-INFINITY"/>')
        if rng.random() < 0.15:
            constraints.append(f'<rsc_location id="pin-{rid}" rsc="{rid}" node="{rng.choice(nodes)}" '
                               'score="INFINITY"/>')
    states = "".join(f'<node_state id="{n}" uname="{n}" in_ccm="true" crmd="online" join="member" '
                     'expected="member"/>' for n in nodes)
    return (
        '<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">'
        '<configuration><crm_config><cluster_property_set id="opts">'
        '<nvpair id="opts-se" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>'
        f'<nodes>{"".join(f"<node id={chr(34)}{n}{chr(34)} uname={chr(34)}{n}{chr(34)}/>" for n in nodes)}</nodes>'
        f'<resources>{"".join(resources)}</resources><constraints>{"".join(constraints)}</constraints>'
        f'</configuration><status>{states}</status></cib>'
    )


def _pacer(argv: list[str], cib: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with monkeypatch.context() as patch:
        patch.setenv("CIB_file", str(cib))
        patch.delenv("CIB_shadow", raising=False)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = crm_resource.main(argv)
    return code, out.getvalue(), err.getvalue()


def _without_request(text: str) -> str:
    return re.sub(r' request="[^"]*"', "", text)


@pytest.mark.parametrize("seed", range(4))
def test_locate_list_and_query_equal_pacemakers(seed: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    simulate = require_debian("crm_simulate")
    theirs_tool = require_debian("crm_resource")
    rng = random.Random(seed)
    start = tmp_path / "in.xml"
    start.write_text(generated_cib(rng))
    cib = tmp_path / "cib.xml"
    settled = run([simulate, "-x", str(start), "-S", "-O", str(cib), "-Q"], base_env())
    assert settled.rc == 0, settled.stderr
    env = base_env({"CIB_file": str(cib)})
    names = [*IDS, *(f"{rid}:{rng.randrange(4)}" for rid in ("c1p", "ms1p", "u1p", "cg1g", "cg1a", "p1"))]
    commands = [["-L", "--output-as=xml"]]
    for rid in names:
        commands.append(["--locate", "-r", rid])
    for rid in rng.sample(names, 6):
        commands.append(["--locate", "-r", rid, rng.choice(["-Q", "--output-as=xml"])])
    for rid in rng.sample([n for n in names if n not in ("nosuch", "u1p")], 6):
        commands.append(["-q", "-r", rid, "--output-as=xml"])
    for argv in commands:
        theirs = run([theirs_tool, *argv], env)
        code, out, err = _pacer(argv, cib, monkeypatch)
        assert (code, _without_request(out), err) == (theirs.rc, _without_request(theirs.stdout), theirs.stderr), argv


@pytest.mark.parametrize("argv", [["--list"], ["-L"], ["-l"], ["--list-raw"], ["--list", "--output-as=xml"],
                                  ["-L", "--output-as=xml"]])
def test_listing_a_cluster_without_resources_equals_pacemakers(
    argv: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    theirs_tool = require_debian("crm_resource")
    cib = tmp_path / "cib.xml"
    cib.write_text(
        '<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">'
        '<configuration><crm_config/><nodes><node id="1" uname="node1"/></nodes><resources/><constraints/>'
        '</configuration><status/></cib>'
    )
    theirs = run([theirs_tool, *argv], base_env({"CIB_file": str(cib)}))
    code, out, err = _pacer(argv, cib, monkeypatch)
    assert theirs.rc != 0
    assert (code, _without_request(out), err) == (theirs.rc, _without_request(theirs.stdout), theirs.stderr)
