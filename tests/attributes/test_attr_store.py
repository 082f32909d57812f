"""The attribute library on its own: lookups, created ids, and laws of update/delete."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from attr_harness import DATA
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from crm.attributes import (
    AttrTarget,
    MultipleMatches,
    NoSuchState,
    Section,
    delete,
    find,
    node_uuid,
    sanitize_id,
    update,
)
from crm.cli import crm_attribute, crm_failcount

A = DATA / "10-a-then-bm-b-move-a-clone.xml"


def _root(path: Path = A) -> etree._Element:
    return etree.parse(str(path)).getroot()


names = st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126, exclude_characters="\"'<>&"),
                min_size=1, max_size=20)
values = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=20)
sections = st.sampled_from(list(Section))


def _target(root: etree._Element, section: Section, name: str) -> AttrTarget:
    return AttrTarget(section, name, node_uuid(root, "f20node2") if section.per_node else None)


@settings(max_examples=60, deadline=None)
@given(section=sections, name=names, value=values)
def test_update_then_find_returns_the_value(section: Section, name: str, value: str) -> None:
    root = _root()
    target = _target(root, section, name)
    update(root, target, value)
    found = find(root, target)
    assert [(m.name, m.value) for m in found] == [(name, value)]
    assert ":" not in found[0].id and "#" not in found[0].id


@settings(max_examples=60, deadline=None)
@given(section=sections, name=names, first=values, second=values)
def test_update_is_idempotent_and_last_value_wins(section: Section, name: str, first: str, second: str) -> None:
    root = _root()
    target = _target(root, section, name)
    update(root, target, first)
    once = etree.tostring(update_and_dump(root, target, second))
    assert etree.tostring(update_and_dump(root, target, second)) == once
    assert [m.value for m in find(root, target)] == [second]


def update_and_dump(root: etree._Element, target: AttrTarget, value: str) -> etree._Element:
    update(root, target, value)
    return root


@settings(max_examples=60, deadline=None)
@given(section=sections, name=names, value=values)
def test_delete_undoes_a_fresh_update_of_an_existing_set(section: Section, name: str, value: str) -> None:
    root = _root()
    target = _target(root, section, name)
    if find(root, target):
        return
    update(root, target, "seed")  # make sure the set exists
    removed = delete(root, target)
    assert removed is not None
    before = etree.tostring(root)
    update(root, target, value)
    delete(root, target)
    assert etree.tostring(root) == before
    assert find(root, target) == []


def test_ids_follow_pacemaker() -> None:
    root = _root()
    made = update(root, AttrTarget(Section.STATUS, "master-rsc:0", "2"), "5")
    assert (made.set_id, made.id) == ("status-2", "status-2-master-rsc.0")
    made = update(root, AttrTarget(Section.RSC_DEFAULTS, "x", None), "1")
    assert (made.set_id, made.id) == ("rsc_defaults-options", "rsc_defaults-options-x")
    assert sanitize_id("a:b#c d") == "a.b.c d"


def test_unknown_node_and_missing_state() -> None:
    root = _root(DATA / "1484.xml")
    assert node_uuid(root, "nonode") is None
    hb3 = node_uuid(root, "hb3")
    assert hb3 is not None
    with pytest.raises(NoSuchState):
        update(root, AttrTarget(Section.STATUS, "x", hb3), "1")


def test_several_matches_refuse_update_and_delete() -> None:
    root = _root()
    update(root, AttrTarget(Section.CRM_CONFIG, "stonith-enabled", set_id="other"), "1")
    target = AttrTarget(Section.CRM_CONFIG, "stonith-enabled")
    before = etree.tostring(root)
    for operation in (lambda: update(root, target, "2"), lambda: delete(root, target)):
        with pytest.raises(MultipleMatches) as info:
            operation()
        assert len(info.value.matches) == 2
        assert etree.tostring(root) == before


def test_failing_command_leaves_file_byte_identical(tmp_path: Path) -> None:
    path = tmp_path / "cib.xml"
    path.write_bytes(A.read_bytes())
    env = {"CIB_file": str(path)}
    for args in (["-N", "nonode", "-n", "x", "-v", "1"], ["-n", "x", "-v", "1", "-t", "bogus", "-N", "f20node1"]):
        out, err = io.StringIO(), io.StringIO()
        assert crm_attribute.run(args, out, err, env) != 0
        assert err.getvalue()
        assert path.read_bytes() == A.read_bytes()


def test_fail_count_clear_removes_counts_and_last_failures(tmp_path: Path, fail_counts_cib: Path) -> None:
    env = {"CIB_file": str(fail_counts_cib)}
    out, err = io.StringIO(), io.StringIO()
    assert crm_failcount.run(["-r", "vm", "-N", "f20node1", "-D"], out, err, env) == 0
    assert out.getvalue() == "Cleaned up vm on f20node1\n"
    root = _root(fail_counts_cib)
    left = find(root, AttrTarget(Section.STATUS, None, "1"))
    assert not any(m.name.startswith(("fail-count-vm", "last-failure-vm")) for m in left)
    out = io.StringIO()
    assert crm_failcount.run(["-r", "vm", "-N", "f20node1", "-G", "-q"], out, err, env) == 0
    assert out.getvalue() == "0\n"
    out = io.StringIO()
    assert crm_failcount.run(["-r", "myclone", "-N", "f20node2", "-G", "-q"], out, err, env) == 0
    assert out.getvalue() == "INFINITY\n"
