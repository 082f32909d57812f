"""What ``patchset.apply`` records as touched: comparing and diffing only there gives the
same answers as comparing the whole documents (property tests on random small edits of
random CIBs, one write or a burst of several)."""

from __future__ import annotations

import copy

from cib_strategies import cibs, elements
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from crm.cib.document import CibDocument, same_xml
from crm.cib.patchset import PatchError, apply, diff
from crm.cib.touched import Touched
from crm.cib.transaction import configuration_changed, finish

MUTATIONS = ("set", "unset", "delete", "insert", "move", "id")


def _all_elements(root: etree._Element) -> list[etree._Element]:
    return [e for e in root.iter() if isinstance(e.tag, str)]


def _mutate(data: st.DataObject, root: etree._Element) -> etree._Element:
    """A copy of ``root`` with a few random edits anywhere below ``<cib>``."""
    new = copy.deepcopy(root)
    for _ in range(data.draw(st.integers(1, 3))):
        nodes = [e for e in _all_elements(new) if e is not new]
        if not nodes:
            break
        node = data.draw(st.sampled_from(nodes))
        kind = data.draw(st.sampled_from(MUTATIONS))
        parent = node.getparent()
        assert parent is not None
        if kind == "set":
            node.set(data.draw(st.sampled_from(("value", "x", "class"))), data.draw(st.sampled_from(("1", "9", "z"))))
        elif kind == "unset" and node.attrib:
            del node.attrib[data.draw(st.sampled_from(sorted(node.attrib)))]
        elif kind == "delete" and parent is not new:
            parent.remove(node)
        elif kind == "insert":
            child = data.draw(elements(1, ids_always=False))
            if not any(c.tag == child.tag and c.get("id") == child.get("id") for c in node):
                node.insert(data.draw(st.integers(0, len(node))), child)
        elif kind == "move" and parent is not new and len(parent) > 1:
            parent.remove(node)
            parent.insert(data.draw(st.integers(0, len(parent))), node)
        elif kind == "id" and parent is not new:
            node.set("id", data.draw(st.sampled_from(("a", "q", "r"))))
    return new


def _same_answers(before: etree._Element, after: etree._Element, touched: Touched) -> None:
    touched.attributes_of(after)  # the <cib> attributes (versions) are the caller's to record
    assert touched.same(before, after) == same_xml(before, after)
    assert touched.same(before, after, ordered=True) == same_xml(before, after, ordered=True)
    a, b = CibDocument(before), CibDocument(after)
    assert configuration_changed(a, b, touched) == configuration_changed(a, b)
    try:
        full = etree.tostring(diff(before, after))
    except PatchError:
        return
    assert etree.tostring(diff(before, after, touched=touched)) == full


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cibs(ids_always=False, comments=True), st.data())
def test_one_write_compared_and_diffed_where_it_touched(base: etree._Element, data: st.DataObject) -> None:
    other = _mutate(data, base)
    try:
        patch = diff(base, other)
    except PatchError:
        return
    touched = Touched()
    result = apply(patch, base, merge=data.draw(st.booleans()), touched=touched)
    result.set("epoch", str(int(result.get("epoch", "0")) + 1))  # as finish bumps versions
    _same_answers(base, result, touched)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cibs(ids_always=False, comments=True), st.data())
def test_a_burst_of_writes_merged_on_a_moving_cib(base: etree._Element, data: st.DataObject) -> None:
    """Patches made against the first copy, applied one after the other (``merge``), as
    the CIB daemon applies concurrent writers' patches; one diff announces them all."""
    touched = Touched()
    current = base
    for _ in range(data.draw(st.integers(1, 4))):
        try:
            patch = diff(base, _mutate(data, base))
            step = Touched()
            nxt = apply(patch, current, merge=True, touched=step)
        except PatchError:
            continue
        touched.update(step)
        current = nxt
    _same_answers(base, current, touched)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cibs(ids_always=False, comments=True), st.data())
def test_finish_decides_alike_with_and_without_touched(base: etree._Element, data: st.DataObject) -> None:
    try:
        patch = diff(base, _mutate(data, base))
    except PatchError:
        return
    touched = Touched()
    after = apply(patch, base, merge=True, touched=touched)
    before = CibDocument(base)
    plain = finish(before, CibDocument(copy.deepcopy(after)), validate=False)
    scoped = finish(before, CibDocument(after), validate=False, touched=touched)
    assert (scoped.changed, scoped.config_changed) == (plain.changed, plain.config_changed)
    assert etree.tostring(scoped.document.root) == etree.tostring(plain.document.root)


def test_an_untouched_difference_is_not_seen() -> None:
    """The point of it, and why only apply may record: what it did not record is not looked at."""
    root = etree.fromstring(
        '<cib admin_epoch="0" epoch="1" num_updates="0"><configuration><crm_config/></configuration><status/></cib>'
    )
    other = copy.deepcopy(root)
    other.find("status").set("x", "1")  # type: ignore[union-attr]
    assert not same_xml(root, other)
    assert Touched().same(root, other)
