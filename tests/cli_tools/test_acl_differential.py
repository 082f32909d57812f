"""ACLs on a CIB file (``CIB_user``), differential: what ``cibadmin`` shows and refuses to users
with generated permissions, with Pacemaker 2.1.5's cibadmin and with pacer's.

Each seed builds a CIB (a few resources with meta attributes, cluster options) whose ACLs give
one user a random list of ``read``/``write``/``deny`` permissions on XPaths drawn from a pool;
both tools then query the CIB as that user (what is shown, or the refusal).  The write checks
are compared by the CLI regression suite's ACL cases (``tests/cli_regression``)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from tool_oracle import base_env, pacer_tool, require_debian, run

XPATHS = (
    "/cib", "//resources", "//meta_attributes", "//nvpair[@name='target-role']", "//crm_config",
    "//primitive[@id='r1']", "//nvpair", "/cib/configuration", "//status", "//constraints",
)

CIB = """<cib crm_feature_set="3.16.2" validate-with="pacemaker-3.9" epoch="5" num_updates="0" admin_epoch="0">
  <configuration>
    <crm_config>
      <cluster_property_set id="cib-bootstrap-options">
        <nvpair id="opt-acl" name="enable-acl" value="true"/>
        <nvpair id="opt-stonith" name="stonith-enabled" value="false"/>
      </cluster_property_set>
    </crm_config>
    <nodes/>
    <resources>
      <primitive id="r1" class="ocf" provider="pacemaker" type="Dummy">
        <meta_attributes id="r1-meta">
          <nvpair id="r1-meta-target-role" name="target-role" value="Started"/>
        </meta_attributes>
      </primitive>
      <primitive id="r2" class="ocf" provider="pacemaker" type="Dummy">
        <meta_attributes id="r2-meta">
          <nvpair id="r2-meta-is-managed" name="is-managed" value="true"/>
        </meta_attributes>
      </primitive>
    </resources>
    <constraints/>
    <acls>
      <acl_target id="alice"><role id="generated"/></acl_target>
      <acl_role id="generated">
{permissions}
      </acl_role>
    </acls>
  </configuration>
  <status/>
</cib>
"""

def _cib(seed: int) -> str:
    rng = random.Random(seed)
    lines = []
    for n in range(rng.randint(0, 3)):
        kind = rng.choice(("read", "write", "deny"))
        xpath = rng.choice(XPATHS)
        lines.append(f'        <acl_permission id="p{n}" kind="{kind}" xpath="{xpath}"/>')
    return CIB.format(permissions="\n".join(lines))


@pytest.mark.parametrize("seed", range(60))
def test_acl_query_like_pacemaker(seed: int, tmp_path: Path) -> None:
    debian = require_debian("cibadmin")
    ours = pacer_tool("cibadmin")
    text = _cib(seed)
    cib = tmp_path / "cib.xml"
    cib.write_text(text)
    env = base_env({"CIB_file": str(cib), "CIB_user": "alice"})
    theirs, mine = run([debian, "-Q"], env), run([ours, "-Q"], env)
    assert (mine.rc, mine.stdout) == (theirs.rc, theirs.stdout), f"query differs for\n{text}"
