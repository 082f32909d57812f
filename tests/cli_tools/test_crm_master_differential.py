"""crm_master against Debian's script: generated sequences of promotion-score updates, queries
and deletions (and bad command lines) on two copies of one CIB, output, exit code and CIB
compared after every step."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest
from lxml import etree
from tool_oracle import base_env, pacer_tool, require_debian, run

pytestmark = pytest.mark.oracle

CIB = Path(__file__).resolve().parent.parent / "cli_regression" / "data" / "cli" / "crm_mon.xml"


def _steps(rng: random.Random, count: int) -> list[list[str]]:
    steps = []
    for _ in range(count):
        resource = rng.choice(["-r", "--resource", "--reso"])
        step = [resource, rng.choice(["dummy", "promotable-rsc", "x"])]
        node = ["-N", rng.choice(["cluster01", "cluster02", "nosuch"])]
        kind = rng.randrange(6)
        if kind == 0:
            step += [*node, "-v", str(rng.choice([1, 5, 10, -3, 1000]))]
        elif kind == 1:
            step += [*node, rng.choice(["-G", "--query", "-G -q"])]
        elif kind == 2:
            step += [*node, "-D"]
        elif kind == 3:
            step += [*node, "-v", "7", "-l", rng.choice(["reboot", "forever"])]
        elif kind == 4:
            step = rng.choice([["-x"], [], ["--bogus"], ["-v"], ["-G", "-N", "cluster01"]])
        else:
            step += [*node, "-G", "-V"]
        steps.append(" ".join(step).split())
    return steps


def _cib(path: Path) -> str:
    root = etree.parse(str(path)).getroot()
    root.attrib.pop("cib-last-written", None)
    return etree.tostring(root, method="c14n").decode()


@pytest.mark.parametrize("seed", range(3))
def test_sequence_same_as_pacemaker(seed: int, tmp_path: Path) -> None:
    require_debian("crm_master")
    require_debian("crm_attribute")
    pacer_tool("crm_master")
    theirs_cib, ours_cib = tmp_path / "theirs.xml", tmp_path / "ours.xml"
    shutil.copy(CIB, theirs_cib)
    shutil.copy(CIB, ours_cib)
    ours_path = f"{Path(pacer_tool('crm_master')).parent}:/usr/bin:/bin"
    for step in _steps(random.Random(seed), 10):
        theirs = run(["crm_master", *step], base_env({"CIB_file": str(theirs_cib), "PATH": "/usr/sbin:/usr/bin:/bin"}))
        ours = run(["crm_master", *step], base_env({"CIB_file": str(ours_cib), "PATH": ours_path}))
        assert (ours.rc, ours.stdout, ours.stderr) == (theirs.rc, theirs.stdout, theirs.stderr), step
        assert _cib(ours_cib) == _cib(theirs_cib), step
