"""crm_simulate with ``PCMK_stderr=1`` on a CIB whose fencing is enabled without any device:
the ``unpack_resources`` errors Pacemaker logs each time it unpacks the CIB (current status,
after modifications, revised status), and the status without a node list when there are no
nodes, against Debian's tool for combinations of options."""

from __future__ import annotations

from pathlib import Path

import pytest
from tool_oracle import base_env, pacer_tool, require_debian, run

pytestmark = pytest.mark.oracle

CIB = """<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">
  <configuration><crm_config>{options}</crm_config><nodes>{nodes}</nodes>
    <resources><primitive id="d" class="ocf" provider="pacemaker" type="Dummy"/></resources>
    <constraints/></configuration><status/></cib>
"""
DISABLED = '<cluster_property_set id="o"><nvpair id="o-se" name="stonith-enabled" value="false"/></cluster_property_set>'
OPTION_SETS = [
    [], ["-S"], ["--node-up=node1"], ["--node-up=node1", "-S"], ["-s"], ["--show-attrs"],
    ["--node-up=node1", "--in-place"], ["-S", "--in-place"], ["--op-inject=d_start_0@node1=0"],
    ["-Q", "-S"], ["--node-up=node1", "-Q"],
]


@pytest.mark.parametrize("fencing", ["default", "disabled"])
@pytest.mark.parametrize("nodes", [0, 1])
@pytest.mark.parametrize("options", OPTION_SETS, ids=" ".join)
def test_unpack_errors_and_status_equal_pacemakers(tmp_path: Path, fencing: str, nodes: int,
                                                   options: list[str]) -> None:
    theirs_tool = require_debian("crm_simulate")
    text = CIB.format(options=DISABLED if fencing == "disabled" else "",
                      nodes='<node id="1" uname="node1"/>' if nodes else "")
    outcomes = []
    for tool in (theirs_tool, pacer_tool("crm_simulate")):
        cib = tmp_path / f"{Path(tool).name}-{len(outcomes)}.xml"
        cib.write_text(text)
        outcome = run([tool, "-x", str(cib), *options], base_env({"PCMK_stderr": "1"}))
        outcomes.append((outcome.rc, outcome.stdout, outcome.stderr))
    theirs, ours = outcomes
    assert ours == theirs
