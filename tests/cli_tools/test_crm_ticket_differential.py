"""crm_ticket against Debian's: generated sequences of ticket commands (grant, revoke, standby,
activate, attributes set/deleted, queries, cleanup, with and without --force) run on two copies
of one CIB file, one with each tool; after every command the output, the exit code and the
CIB must be the same (times aside: last-granted is when the command ran)."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from lxml import etree
from tool_oracle import base_env, pacer_tool, require_debian, run

pytestmark = pytest.mark.oracle

BASE_CIB = """<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="3" num_updates="0" admin_epoch="0">
  <configuration>
    <crm_config/>
    <nodes>
      <node id="1" uname="node1"/>
    </nodes>
    <resources>
      <primitive id="dummy" class="ocf" provider="pacemaker" type="Dummy"/>
    </resources>
    <constraints>
      <rsc_ticket id="dummy-needs-T1" rsc="dummy" ticket="T1" loss-policy="stop"/>
    </constraints>
  </configuration>
  <status/>
</cib>
"""


def _sequence(rng: random.Random, length: int) -> list[list[str]]:
    steps = []
    for _ in range(length):
        ticket = rng.choice(["T1", "T2", "T3"])
        kind = rng.randrange(12)
        force = ["--force"] if rng.random() < 0.6 else []
        if kind == 0:
            steps.append(["-t", ticket, "-g", *force])
        elif kind == 1:
            steps.append(["-t", ticket, "-r", *force])
        elif kind == 2:
            steps.append(["-t", ticket, rng.choice(["-s", "-a"])])
        elif kind == 3:
            steps.append(["-t", ticket, "-S", rng.choice(["owner", "standby", "note"]), "-v", rng.choice(["a", "true"])])
        elif kind == 4:
            steps.append(["-t", ticket, "-D", rng.choice(["owner", "standby", "granted"]), *force])
        elif kind == 5:
            steps.append(["-t", ticket, "-G", rng.choice(["granted", "standby", "owner"]),
                          *(["-d", "dflt"] if rng.random() < 0.5 else [])])
        elif kind == 6:
            steps.append(rng.choice([["-l"], ["-w"], ["-t", ticket, "-l"], ["-t", ticket, "-w"]]))
        elif kind == 7:
            steps.append(["-t", ticket, "-q"] if rng.random() < 0.7 else ["-q"])
        elif kind == 8:
            steps.append(["-t", ticket, "-c"] if rng.random() < 0.7 else ["-c"])
        elif kind == 9:
            steps.append(["-t", ticket, "-C", *force])
        elif kind == 10:
            steps.append(rng.choice([[], ["-g"], ["-t", ticket], ["-t", ticket, "-v", "x"], ["-t", ticket, "-S", "y"]]))
        else:
            steps.append(["-t", ticket, "-s", "-S", "owner", "-v", "site-a"])
    return steps


def _normal(text: str) -> str:
    text = re.sub(r'last-granted="\d+"', 'last-granted="T"', text)
    return re.sub(r"'\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}'", "'DATE'", text)


def _cib(path: Path) -> str:
    root = etree.parse(str(path)).getroot()
    for name in ("cib-last-written", "update-origin", "update-client", "update-user"):
        root.attrib.pop(name, None)
    return _normal(etree.tostring(root, method="c14n").decode())


@pytest.mark.parametrize("seed", range(6))
def test_sequence_same_as_pacemaker(seed: int, tmp_path: Path) -> None:
    debian = require_debian("crm_ticket")
    ours_tool = pacer_tool("crm_ticket")
    theirs_cib, ours_cib = tmp_path / "theirs.xml", tmp_path / "ours.xml"
    theirs_cib.write_text(BASE_CIB)
    ours_cib.write_text(BASE_CIB)
    for step in _sequence(random.Random(seed), 14):
        theirs = run([debian, *step], base_env({"CIB_file": str(theirs_cib)}))
        ours = run([ours_tool, *step], base_env({"CIB_file": str(ours_cib)}))
        assert (ours.rc, _normal(ours.stdout), ours.stderr) == (theirs.rc, _normal(theirs.stdout), theirs.stderr), step
        assert _cib(ours_cib) == _cib(theirs_cib), step
