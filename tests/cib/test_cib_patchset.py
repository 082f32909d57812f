"""Diff and patch: apply(diff(a, b), a) == b, base-version checks, Pacemaker's crm_diff as oracle."""

from __future__ import annotations

import copy
import itertools
import shutil
import subprocess
from pathlib import Path

import pytest
from cib_strategies import cibs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from crm.cib.document import same_xml
from crm.cib.patchset import PatchError, PatchVersionError, apply, changes, diff, touches_configuration
from crm.cib.version import CibVersion
from crm.cib.xmltext import parse_xml, to_text

CRM_DIFF = "/usr/sbin/crm_diff"
needs_crm_diff = pytest.mark.skipif(not Path(CRM_DIFF).exists(), reason="Debian's crm_diff is not installed")


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cibs(ids_always=False, comments=True), cibs(ids_always=False, comments=True))
def test_apply_of_diff_gives_the_target(a: etree._Element, b: etree._Element) -> None:
    before = etree.tostring(a)
    patch = diff(a, b)
    result = apply(patch, a)
    assert same_xml(result, b), to_text(patch)
    assert etree.tostring(a) == before  # input untouched


@settings(max_examples=25, deadline=None)
@given(cibs())
def test_diff_of_equal_documents_has_no_changes(a: etree._Element) -> None:
    patch = diff(a, copy.deepcopy(a))
    assert changes(patch) == []
    assert same_xml(apply(patch, a), a)


@settings(max_examples=30, deadline=None)
@given(cibs(), cibs(), st.tuples(st.integers(0, 3), st.integers(0, 3), st.integers(0, 3)))
def test_wrong_base_version_is_refused(a: etree._Element, b: etree._Element, other: tuple[int, int, int]) -> None:
    patch = diff(a, b)
    base = copy.deepcopy(a)
    wrong = CibVersion(*other)
    if wrong == CibVersion.of(a):
        wrong = CibVersion(wrong.admin_epoch, wrong.epoch, wrong.num_updates + 1)
    wrong.write_to(base)
    snapshot = etree.tostring(base)
    with pytest.raises(PatchVersionError) as info:
        apply(patch, base)
    assert str(CibVersion.of(a)) in str(info.value) and str(wrong) in str(info.value)
    assert ("older" in str(info.value)) == (wrong < CibVersion.of(a))
    assert etree.tostring(base) == snapshot


@settings(max_examples=25, deadline=None)
@given(cibs(), cibs())
def test_configuration_flag_matches_the_sections(a: etree._Element, b: etree._Element) -> None:
    config_a, config_b = a.find("configuration"), b.find("configuration")
    assert config_a is not None and config_b is not None
    assert touches_configuration(diff(a, b)) == (not same_xml(config_a, config_b))


def test_a_change_to_a_missing_element_fails_cleanly() -> None:
    a = parse_xml('<cib epoch="1" num_updates="0" admin_epoch="0"><configuration/></cib>', "a")
    patch = parse_xml(
        '<diff format="2"><version><source admin_epoch="0" epoch="1" num_updates="0"/>'
        '<target admin_epoch="0" epoch="2" num_updates="0"/></version>'
        '<change operation="modify" path="/cib/nothing"><change-list/><change-result><nothing/></change-result>'
        "</change></diff>",
        "patch",
    )
    with pytest.raises(PatchError, match="/cib/nothing"):
        apply(patch, a)
    bad_format = parse_xml('<diff format="1"/>', "p")
    with pytest.raises(PatchError, match="format"):
        apply(bad_format, a)


# Oracle: Debian's crm_diff ------------------------------------------------------------------


def _write(path: Path, root: etree._Element) -> Path:
    path.write_text(to_text(root))
    return path


@pytest.mark.oracle
@needs_crm_diff
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cibs(feature_set=True), cibs(feature_set=True))
def test_same_patch_as_crm_diff(tmp_path: Path, a: etree._Element, b: etree._Element) -> None:
    if same_xml(a, b, ordered=True):
        return
    old, new = _write(tmp_path / "old.xml", a), _write(tmp_path / "new.xml", b)
    theirs = subprocess.run([CRM_DIFF, "-o", str(old), "-n", str(new)], capture_output=True, text=True, check=False)
    assert theirs.returncode == 1, theirs.stderr
    assert to_text(diff(a, b)) == theirs.stdout


HEAD = '<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" admin_epoch="0" epoch="0" num_updates="0">'


@pytest.mark.oracle
@needs_crm_diff
@pytest.mark.parametrize(
    ("old", "new"),
    [
        ('<op id="d" x="X"/>', '<op id="d" value="1" x="X"/>'),
        ('<op id="d" a="1" b="2"/>', '<op id="d" b="2" a="1"/>'),
        ('<op id="d" a="1" b="2" c="3"/>', '<op id="d" c="3" a="1" b="2"/>'),
        ('<op id="d" a="1" b="2" c="3"/>', '<op id="d" b="2" c="3"/>'),
        ('<op id="d" a="1" b="2" c="3"/>', '<op id="d" a="1" c="3" b="9"/>'),
        ('<p id="a"/><g id="a"/><p id="b"/>', '<g id="a"/><p id="b"/><p id="a"/>'),
        ('<p id="a"/><p id="b"/><p id="z"/><p id="q"/>', '<p id="n1"/><p id="n2"/><p id="a"/><p id="q"/><p id="n3"/><p id="b"/>'),
        ('<p id="a"><i id="x"/><i id="y"/></p>', '<p id="a"><!-- c --><i id="y"/><i id="x"/></p>'),
    ],
)
def test_same_patch_as_crm_diff_on_known_cases(tmp_path: Path, old: str, new: str) -> None:
    a = parse_xml(f"{HEAD}<configuration><resources>{old}</resources></configuration></cib>", "a")
    b = parse_xml(f"{HEAD}<configuration><resources>{new}</resources></configuration></cib>", "b")
    first, second = _write(tmp_path / "old.xml", a), _write(tmp_path / "new.xml", b)
    theirs = subprocess.run([CRM_DIFF, "-o", str(first), "-n", str(second)], capture_output=True, text=True, check=False)
    ours = diff(a, b)
    if "<!--" in new:  # comments: we replace the parent as a whole; both patches must work
        assert same_xml(apply(ours, a), b) and same_xml(apply(parse_xml(theirs.stdout, "t"), a), b)
    else:
        assert to_text(ours) == theirs.stdout


@pytest.mark.oracle
@needs_crm_diff
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cibs(feature_set=True), cibs(feature_set=True))
def test_crm_diff_applies_our_patches(tmp_path: Path, a: etree._Element, b: etree._Element) -> None:
    old = _write(tmp_path / "old.xml", a)
    patch = _write(tmp_path / "patch.xml", diff(a, b))
    result = subprocess.run([CRM_DIFF, "-o", str(old), "-p", str(patch)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert same_xml(parse_xml(result.stdout, "crm_diff output"), b)


@pytest.mark.oracle
@needs_crm_diff
def test_we_apply_crm_diff_patches_of_conformance_inputs(tmp_path: Path) -> None:
    """Real CIBs: patch between pairs of scheduler inputs of the same family."""
    data = Path(__file__).resolve().parents[1] / "conformance" / "data" / "xml"
    files = sorted(data.glob("*.xml"))[:40]
    assert shutil.which(CRM_DIFF)
    checked = 0
    for first, second in itertools.pairwise(files):
        a, b = parse_xml(first.read_bytes(), str(first)), parse_xml(second.read_bytes(), str(second))
        for root in (a, b):  # crm_diff writes v2 patches only for CIBs with a feature set
            root.set("crm_feature_set", "3.16.1")
        old, new = _write(tmp_path / "old.xml", a), _write(tmp_path / "new.xml", b)
        out = subprocess.run([CRM_DIFF, "-o", str(old), "-n", str(new)], capture_output=True, check=False)
        assert out.returncode == 1, (first.name, second.name, out.stderr)
        theirs = parse_xml(out.stdout, "crm_diff")
        assert same_xml(apply(theirs, a), b), (first.name, second.name)
        try:
            ours = diff(a, b)
        except PatchError:
            continue
        assert same_xml(apply(ours, a), b), (first.name, second.name)
        checked += 1
    assert checked >= 10
