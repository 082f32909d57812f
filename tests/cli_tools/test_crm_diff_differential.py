"""crm_diff against Debian's on generated pairs of CIBs (attribute values changed, elements
added, removed and moved in a copy of a real CIB; comments left out): the patch, its
application and the exit codes must be the same.  The digest of a --cib patch is left out of
the comparison (pacer's CIB digest is not the one Pacemaker writes into patches)."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from lxml import etree
from tool_oracle import base_env, pacer_tool, require_debian, run

pytestmark = pytest.mark.oracle

SOURCE = Path(__file__).resolve().parent.parent / "cli_regression" / "data" / "cli" / "crm_mon.xml"


def _base() -> etree._Element:
    parser = etree.XMLParser(remove_comments=True, remove_blank_text=True)
    return etree.parse(str(SOURCE), parser).getroot()


def _mutate(root: etree._Element, rng: random.Random) -> None:
    config = root.find("configuration")
    assert config is not None
    elements = [e for e in config.iter() if isinstance(e.tag, str) and e.get("id")]
    for _ in range(rng.randint(1, 4)):
        kind = rng.randrange(5)
        target = rng.choice(elements)
        if kind == 0 and target.getparent() is not None and target.getparent().tag != "configuration":
            parent = target.getparent()
            parent.remove(target)
            elements = [e for e in config.iter() if isinstance(e.tag, str) and e.get("id")]
        elif kind == 1:
            target.set(rng.choice(["value", "description", "score"]), str(rng.randint(0, 99)))
        elif kind == 2:
            etree.SubElement(target, "meta_attributes", id=f"new-{rng.randint(0, 10**6)}")
        elif kind == 3 and len(target) > 1:
            children = list(target)
            child = rng.choice(children)
            target.remove(child)
            target.insert(rng.randrange(len(target) + 1), child)
        elif kind == 4 and set(target.attrib.keys()) - {"id"}:
            del target.attrib[rng.choice(sorted(set(target.attrib.keys()) - {"id"}))]
    if rng.random() < 0.5:
        root.set("epoch", str(int(root.get("epoch", "0")) + 1))


def _normal(text: str) -> str:
    return re.sub(r' digest="[0-9a-f]+"', "", text)


@pytest.mark.parametrize("seed", range(12))
def test_patch_same_as_pacemaker(seed: int, tmp_path: Path) -> None:
    debian = require_debian("crm_diff")
    ours_tool = pacer_tool("crm_diff")
    rng = random.Random(seed)
    old, new = _base(), _base()
    _mutate(new, rng)
    (tmp_path / "old.xml").write_bytes(etree.tostring(old))
    (tmp_path / "new.xml").write_bytes(etree.tostring(new))
    env = base_env()
    for flags in ([], ["-c"], ["-u"]):
        argv = [*flags, "-o", "old.xml", "-n", "new.xml"]
        theirs = run([debian, *argv], env, cwd=tmp_path)
        ours = run([ours_tool, *argv], env, cwd=tmp_path)
        assert (ours.rc, _normal(ours.stdout), ours.stderr) == (theirs.rc, _normal(theirs.stdout), theirs.stderr), flags
    (tmp_path / "patch.xml").write_text(run([debian, "-o", "old.xml", "-n", "new.xml"], env, cwd=tmp_path).stdout)
    argv = ["-o", "old.xml", "-p", "patch.xml"]
    theirs = run([debian, *argv], env, cwd=tmp_path)
    ours = run([ours_tool, *argv], env, cwd=tmp_path)
    assert (ours.rc, ours.stdout, ours.stderr) == (theirs.rc, theirs.stdout, theirs.stderr)
