"""cibadmin on a CIB file, generated updates the schema mostly refuses: what is printed (the
refused CIB, numbered, then ``Call failed``; libxml2's reasons only go to the log), the exit code
and the file afterwards, against Debian's cibadmin."""

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
    <crm_config/>
    <nodes/>
    <resources>
      <primitive id="dummy1" class="ocf" provider="pacemaker" type="Dummy"/>
      <primitive id="dummy2" class="ocf" provider="pacemaker" type="Dummy"/>
    </resources>
    <constraints/>
  </configuration>
  <status/>
</cib>
"""


def _updates(rng: random.Random) -> list[list[str]]:
    action = rng.choice(["break", "start2", "Start"])
    kind = rng.choice(["Mandatory", "sometimes"])
    return [
        ["-M", "-o", "constraints", "--xml-text",
         f'<rsc_order id="o{rng.randrange(9)}" first="dummy1" first-action="{action}" then="dummy2"/>'],
        ["-C", "-o", "constraints", "--xml-text",
         f'<rsc_order id="k{rng.randrange(9)}" first="dummy1" then="dummy2" kind="{kind}"/>'],
        ["-M", "--xml-text", f'<cib validate-with="pacemaker-{rng.randrange(4, 9999)}.0"/>'],
        ["-C", "-o", "resources", "--xml-text", f'<primitive id="p{rng.randrange(9)}" class="ocf"/>'],
    ]


@pytest.mark.parametrize("seed", range(3))
def test_refused_updates_equal_pacemakers(seed: int, tmp_path: Path) -> None:
    theirs_tool = require_debian("cibadmin")
    for argv in _updates(random.Random(seed)):
        results = []
        for tool in (theirs_tool, pacer_tool("cibadmin")):
            cib = tmp_path / "cib.xml"
            cib.write_text(CIB)
            outcome = run([tool, *argv], base_env({"CIB_file": str(cib), "PCMK_stderr": "1"}))
            written = re.sub(r' cib-last-written="[^"]*"', "", cib.read_text())
            results.append((outcome.rc, outcome.stdout, outcome.stderr, etree.tostring(etree.fromstring(written))))
        theirs, ours = results
        assert ours == theirs, argv
