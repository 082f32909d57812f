"""CIB operations, version bookkeeping and the CIB_file source."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from crm.cib import operations as ops
from crm.cib.document import CibDocument
from crm.cib.errors import AlreadyExists, CibError, NoSuchObject, OldData
from crm.cib.transaction import ValidationFailed, perform
from crm.cib.version import CibVersion
from crm.cib.xmltext import parse_xml
from crm.cli.cib_source import CibSource, LiveCibSource, NoLiveCluster

BASE = """<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="4" num_updates="2" admin_epoch="0">
  <configuration><crm_config/><nodes/>
    <resources>
      <primitive id="a" class="ocf" provider="pacemaker" type="Dummy">
        <meta_attributes id="a-meta"><nvpair id="a-tr" name="target-role" value="Stopped"/></meta_attributes>
      </primitive>
    </resources>
    <constraints><rsc_location id="l" rsc="a" node="n1" score="10"/></constraints>
  </configuration>
  <status/>
</cib>"""


def _doc() -> CibDocument:
    return CibDocument.parse(BASE)


@given(st.integers(-2_000_000, 2_000_000), st.integers(-2_000_000, 2_000_000))
def test_plus_equals_is_clamped_score_arithmetic(old: int, step: int) -> None:
    node = etree.Element("x", score=str(old))
    ops.set_expanded(node, "score", f"score+={step}")
    clamp = max(-1_000_000, min(1_000_000, old)) + max(-1_000_000, min(1_000_000, step))
    assert node.get("score") == str(min(clamp, 1_000_000))


def test_plus_plus_and_literals() -> None:
    node = etree.Element("x", v="INFINITY", w="3")
    ops.set_expanded(node, "v", "v++")
    ops.set_expanded(node, "w", "w++")
    ops.set_expanded(node, "n", "n++")  # no previous value: stored literally
    ops.set_expanded(node, "w2", "w++")  # other attribute's name: literal
    assert dict(node.attrib) == {"v": "1000000", "w": "4", "n": "n++", "w2": "w++"}


def test_create_modify_replace_delete() -> None:
    doc = _doc()
    ops.create(doc, "resources", parse_xml('<primitive id="b" class="ocf" provider="pacemaker" type="Dummy"/>', "x"))
    with pytest.raises(AlreadyExists, match="'b'"):
        ops.create(doc, "resources", parse_xml('<primitive id="b"/>', "x"))
    ops.modify(doc, None, parse_xml('<nvpair id="a-tr" value="Started"/>', "x"))
    assert doc.xpath("//nvpair[@id='a-tr']")[0].get("value") == "Started"
    ops.replace(doc, "resources", parse_xml('<primitive id="b" class="lsb" type="x"/>', "x"))
    assert doc.xpath("//primitive[@id='b']")[0].get("class") == "lsb"
    assert not ops.delete(doc, None, parse_xml('<primitive id="b" class="ocf"/>', "x"))
    assert ops.delete(doc, None, parse_xml('<primitive id="b" class="LSB"/>', "x"))
    assert doc.xpath("//primitive[@id='b']") == []
    with pytest.raises(NoSuchObject):
        ops.modify(doc, "constraints", parse_xml('<primitive id="a"/>', "x"))


def test_replace_with_older_cib_is_refused() -> None:
    doc = _doc()
    with pytest.raises(OldData, match="older"):
        ops.replace(doc, None, parse_xml('<cib epoch="3" admin_epoch="0" num_updates="9"/>', "x"))


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: ops.modify(d, None, parse_xml('<nvpair id="a-tr" value="Started"/>', "x")), CibVersion(0, 5, 0)),
        (lambda d: ops.modify(d, None, parse_xml('<cib have-quorum="1"/>', "x")), CibVersion(0, 4, 3)),
        (lambda d: d.ensure_section("status").append(etree.Element("node_state", id="1")), CibVersion(0, 4, 3)),
        (lambda d: ops.bump(d), CibVersion(0, 5, 3)),
        (lambda d: ops.erase(d), CibVersion(1, 5, 0)),
        (lambda d: ops.delete(d, None, parse_xml('<primitive id="zz"/>', "x")), CibVersion(0, 4, 2)),
    ],
)
def test_version_rules(change, expected: CibVersion) -> None:  # type: ignore[no-untyped-def]
    before = _doc()
    _, outcome = perform(before, change)
    assert outcome.document.version == expected
    assert before.version == CibVersion(0, 4, 2)  # input untouched


def test_version_going_backwards_is_refused() -> None:
    with pytest.raises(OldData, match="epoch"):
        perform(_doc(), lambda d: ops.modify(d, None, parse_xml('<cib epoch="1"/>', "x")))


def test_duplicate_ids_fail_validation() -> None:
    with pytest.raises(ValidationFailed, match="element rsc_location"):
        perform(_doc(), lambda d: ops.modify(d, "constraints", parse_xml('<rsc_location id="a" rsc="a" node="n" score="1"/>', "x"), allow_create=True))


# CIB_file source ---------------------------------------------------------------------------------


def test_source_from_environment(tmp_path: Path) -> None:
    live = CibSource.from_environment({"PACER_RUN_DIR": str(tmp_path)})
    assert isinstance(live, LiveCibSource) and live.run_dir == tmp_path
    with pytest.raises(NoLiveCluster, match="CIB_file"):
        CibSource.file_from_environment({"PACER_RUN_DIR": str(tmp_path)})
    with pytest.raises(CibError, match="pacer is not running on this node"):
        live.read()
    source = CibSource.from_environment({"CIB_file": "/x/cib.xml"})
    assert isinstance(source, CibSource) and source.path == Path("/x/cib.xml")
    shadow = CibSource.from_environment({"CIB_shadow": "s1", "CIB_shadow_dir": str(tmp_path)})
    assert isinstance(shadow, CibSource) and shadow.path == tmp_path / "shadow.s1"


def test_source_writes_only_when_the_change_succeeds(tmp_path: Path) -> None:
    path = tmp_path / "cib.xml"
    path.write_text(BASE)
    source = CibSource(path)

    def broken(doc: CibDocument) -> None:
        ops.modify(doc, None, parse_xml('<nvpair id="a-tr" value="Started"/>', "x"))
        raise RuntimeError("command failed after changing the copy")

    with pytest.raises(RuntimeError):
        source.modify(broken)
    assert path.read_text() == BASE
    _, unchanged = source.modify(lambda d: ops.delete(d, None, parse_xml('<primitive id="zz"/>', "x")))
    assert not unchanged.changed and path.read_text() == BASE
    result, outcome = source.modify(lambda d: ops.modify(d, None, parse_xml('<nvpair id="a-tr" value="Started"/>', "x")))
    assert result is None and outcome.config_changed
    assert source.read().version == CibVersion(0, 5, 0)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cib.xml"]
