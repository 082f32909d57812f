"""crm_verify against Debian's Pacemaker 2.1.5 on generated CIBs whose constraints name
resources the scheduler cannot use (members of clones, ids of non-resources), tickets with
``loss-policy=fence`` with and without fencing, and deprecated ``ping`` nodes.

The CIBs are drawn from a seeded generator; the messages of the checks concerned (by their
origin) must be the same lines in the same order as Pacemaker's ``crm_verify -VV``.
"""

from __future__ import annotations

import io
import random
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import verify_oracle

from crm.cli import crm_verify

ORIGINS = (
    "(find_constraint_tag)",
    "(unpack_location_tags)",
    "(unpack_colocation_tags)",
    "(unpack_order_tags)",
    "(unpack_rsc_ticket_tags)",
    "(pcmk__expand_tags_in_sets)",
    "(unpack_location_set)",
    "(unpack_colocation_set)",
    "(unpack_order_set)",
    "(unpack_rsc_ticket_set)",
    "(colocate_rsc_sets)",
    "(order_rsc_sets)",
    "(rsc_ticket_new)",
    "(pe_create_node)",
)
RESOURCES = """
      <primitive class="ocf" id="x" provider="heartbeat" type="Dummy"/>
      <primitive class="ocf" id="y" provider="heartbeat" type="Dummy"/>
      <group id="g"><primitive class="ocf" id="g1" provider="heartbeat" type="Dummy"/><primitive class="ocf" id="g2" provider="heartbeat" type="Dummy"/></group>
      <clone id="c"><primitive class="ocf" id="cp" provider="heartbeat" type="Dummy"/></clone>
      <clone id="cg"><group id="ig"><primitive class="ocf" id="ig1" provider="heartbeat" type="Dummy"/></group></clone>
      <master id="m"><primitive class="ocf" id="mp" provider="pacemaker" type="Stateful"/></master>
      <clone id="pc"><meta_attributes id="pc-meta"><nvpair id="pc-promotable" name="promotable" value="true"/></meta_attributes><primitive class="ocf" id="pcp" provider="pacemaker" type="Stateful"/></clone>
"""
# usable targets, and ids that exist but that no constraint can use
GOOD = ("x", "y", "g", "g1", "c", "cg", "m", "pc")
BAD = ("cp", "ig", "ig1", "mp", "pcp", "opt-stonith")


def _ref(rng: random.Random, bad_rate: float, other: str | None = None) -> str:
    """A reference, not ``other`` (Pacemaker 2.1.5 aborts on an order of a resource after itself)."""
    while True:
        ref = rng.choice(BAD) if rng.random() < bad_rate else rng.choice(GOOD)
        if ref != other:
            return ref


def _two(rng: random.Random, bad_rate: float) -> tuple[str, str]:
    first = _ref(rng, bad_rate)
    return first, _ref(rng, bad_rate, first)


def _set(rng: random.Random, cid: str, n: int, bad_rate: float) -> str:
    members = "".join(f'<resource_ref id="{_ref(rng, bad_rate)}"/>' for _ in range(rng.randint(1, 3)))
    extra = rng.choice(["", ' sequential="false"', ' sequential="true"'])
    return f'<resource_set id="{cid}-s{n}"{extra}>{members}</resource_set>'


def _members(rng: random.Random, cid: str, bad_rate: float) -> str:
    # resource_refs in one set must be unique ids in the document, so sets reuse names rarely
    return "".join(_set(rng, cid, n, bad_rate) for n in range(rng.randint(1, 3)))


def _constraint(rng: random.Random, n: int, bad_rate: float) -> str:
    cid = f"con{n}"
    kind = rng.choice(["location", "colocation", "order", "ticket"])
    with_sets = rng.random() < 0.4
    if kind == "location":
        body = _members(rng, cid, bad_rate) if with_sets else ""
        rsc = "" if with_sets else f' rsc="{_ref(rng, bad_rate)}"'
        return f'<rsc_location id="{cid}"{rsc} node="node1" score="{rng.choice(["10", "-INFINITY"])}">{body}</rsc_location>'
    if kind == "colocation":
        score = rng.choice(["INFINITY", "100", "0", "-INFINITY"])
        if with_sets:
            return f'<rsc_colocation id="{cid}" score="{score}">{_members(rng, cid, bad_rate)}</rsc_colocation>'
        rsc, with_rsc = _two(rng, bad_rate)
        return f'<rsc_colocation id="{cid}" rsc="{rsc}" with-rsc="{with_rsc}" score="{score}"/>'
    if kind == "order":
        kind_attr = rng.choice(["Mandatory", "Optional", "Serialize"])
        if with_sets:
            return f'<rsc_order id="{cid}" kind="{kind_attr}">{_members(rng, cid, bad_rate)}</rsc_order>'
        first, then = _two(rng, bad_rate)
        return f'<rsc_order id="{cid}" first="{first}" then="{then}" kind="{kind_attr}"/>'
    policy = rng.choice(["fence", "fence", "stop", "freeze"])
    if with_sets:
        return f'<rsc_ticket id="{cid}" ticket="T{n}" loss-policy="{policy}">{_members(rng, cid, bad_rate)}</rsc_ticket>'
    return f'<rsc_ticket id="{cid}" rsc="{_ref(rng, bad_rate)}" ticket="T{n}" loss-policy="{policy}"/>'


def _unique_refs(text: str) -> bool:
    """Pacemaker's schema allows a resource once per set only; the generator may repeat one."""
    import re

    for rset in re.findall(r"<resource_set [^>]*>(.*?)</resource_set>", text):
        ids = re.findall(r'resource_ref id="([^"]+)"', rset)
        if len(ids) != len(set(ids)):
            return False
    return True


def generated_cib(seed: int) -> str:
    rng = random.Random(seed)
    stonith = "true" if rng.random() < 0.3 else "false"
    ping = '<node id="3" uname="quorum-pinger" type="ping"/>' if rng.random() < 0.3 else ""
    bad_rate = rng.choice([0.0, 0.2, 0.5])
    while True:
        constraints = "\n".join(_constraint(rng, n, bad_rate) for n in range(rng.randint(1, 4)))
        if _unique_refs(constraints):
            break
    fencing = '<primitive class="stonith" id="fence" type="fence_dummy"/>' if stonith == "true" else ""
    return f"""<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">
  <configuration>
    <crm_config><cluster_property_set id="opt"><nvpair id="opt-stonith" name="stonith-enabled" value="{stonith}"/></cluster_property_set></crm_config>
    <nodes><node id="1" uname="node1"/><node id="2" uname="node2"/>{ping}</nodes>
    <resources>{RESOURCES}{fencing}
    </resources>
    <constraints>
{constraints}
    </constraints>
  </configuration>
  <status>
    <node_state id="1" uname="node1" in_ccm="true" crmd="online" join="member" expected="member"/>
    <node_state id="2" uname="node2" in_ccm="true" crmd="online" join="member" expected="member"/>
  </status>
</cib>
"""


def concerned(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith(ORIGINS)]


def run_oracle(cib: Path) -> tuple[int, list[str]]:
    done = subprocess.run([str(verify_oracle.ORACLE), "-x", str(cib), "-VV"], capture_output=True, text=True, timeout=120, check=False)
    return done.returncode, concerned(done.stderr)


def run_ours(cib: Path) -> tuple[int, list[str]]:
    """pacer's crm_verify command, run in this process (the generator makes many CIBs)."""
    out, err = io.StringIO(), io.StringIO()
    code = crm_verify.run(["-x", str(cib), "-VV"], io.StringIO(), out, err)
    return code, concerned(err.getvalue())


SEEDS = range(150)


def test_generator_reaches_every_check() -> None:
    """The seeds used cover every kind of finding (so the comparison below is not vacuous)."""
    texts = [generated_cib(s) for s in SEEDS]
    joined = "\n".join(texts)
    for needle in ('id="cp"', 'loss-policy="fence"', 'type="ping"', "<resource_set", 'sequential="false"'):
        assert needle in joined


@pytest.mark.oracle
@pytest.mark.skipif(not verify_oracle.available(), reason="Debian's crm_verify is not installed")
def test_same_messages_as_pacemaker() -> None:
    differing: list[str] = []
    nonempty = 0
    with tempfile.TemporaryDirectory(prefix="verify-targets-") as d:
        for seed in SEEDS:
            cib = Path(d) / f"cib-{seed}.xml"
            cib.write_text(generated_cib(seed))
            want_rc, want = run_oracle(cib)
            if want_rc < 0:
                continue  # Pacemaker aborts on some orderings of a resource after itself (same one in consecutive sets)
            got_rc, got = run_ours(cib)
            nonempty += bool(want)
            if want != got or (want_rc == 0) != (got_rc == 0):
                differing.append(f"seed {seed}: Pacemaker rc {want_rc} {want}\n  pacer rc {got_rc} {got}")
    assert nonempty >= len(SEEDS) // 3, "the generator should produce findings in many CIBs"
    assert not differing, "\n".join(differing)
