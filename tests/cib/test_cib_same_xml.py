"""``same_xml``'s shortcuts (serialised children, answers kept per pair) agree with the plain
structural comparison: tags, attributes (in order or not), children in order, comment text;
element text and tails never count."""

from __future__ import annotations

import copy

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from crm.cib.document import same_xml

NAMES = ("id", "name", "value", "score")


def reference(a: etree._Element, b: etree._Element, ignore: frozenset[str], ordered: bool) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, etree._Comment):
        return a.text == b.text
    if a.tag != b.tag:
        return False
    attrs_a = [(k, v) for k, v in a.attrib.items() if k not in ignore]
    attrs_b = [(k, v) for k, v in b.attrib.items() if k not in ignore]
    if (attrs_a != attrs_b) if ordered else (dict(attrs_a) != dict(attrs_b)):
        return False
    return len(a) == len(b) and all(reference(x, y, ignore, ordered) for x, y in zip(a, b, strict=True))


@st.composite
def trees(draw: st.DrawFn, depth: int = 3) -> etree._Element:
    node = etree.Element(draw(st.sampled_from(("a", "b"))))
    for name in draw(st.lists(st.sampled_from(NAMES), unique=True, max_size=3)):
        node.set(name, draw(st.sampled_from(("1", "2"))))
    if depth > 0:
        # up to 6 children: both sides of the "many siblings" threshold
        for _ in range(draw(st.integers(0, 6))):
            if draw(st.integers(0, 9)) == 0:
                node.append(etree.Comment(draw(st.sampled_from(("x", "y")))))
            else:
                node.append(draw(trees(depth - 1)))
    return node


def mutate(tree: etree._Element, data: st.DataObject) -> etree._Element:
    other = copy.deepcopy(tree)
    nodes = [n for n in other.iter() if isinstance(n.tag, str)]
    for _ in range(data.draw(st.integers(0, 2))):
        node = data.draw(st.sampled_from(nodes))
        kind = data.draw(st.sampled_from(("set", "reorder", "text", "tail", "drop", "comment")))
        if kind == "set":
            node.set(data.draw(st.sampled_from(NAMES)), data.draw(st.sampled_from(("1", "2"))))
        elif kind == "reorder" and len(node.attrib) > 1:
            items = list(node.attrib.items())
            node.attrib.clear()
            for name, value in reversed(items):
                node.set(name, value)
        elif kind == "text":
            node.text = "\n  "
        elif kind == "tail" and node.getparent() is not None:
            node.tail = " "
        elif kind == "drop" and len(node):
            node.remove(node[-1])
        elif kind == "comment":
            node.append(etree.Comment("x"))
    return other


@settings(max_examples=300, deadline=None)
@given(trees(), st.data(), st.booleans(), st.sampled_from((frozenset(), frozenset({"value"}))))
def test_same_xml_agrees_with_the_plain_comparison(tree: etree._Element, data: st.DataObject, ordered: bool, ignore: frozenset[str]) -> None:
    other = mutate(tree, data)
    expected = reference(tree, other, ignore, ordered)
    assert same_xml(tree, other, ignore, ordered=ordered) == expected
    memo: dict[tuple[etree._Element, etree._Element], bool] = {}
    assert same_xml(tree, other, ignore, ordered=ordered, memo=memo) == expected
    # every answer kept is the right one, and asking again gives it
    for (x, y), known in memo.items():
        assert known == reference(x, y, ignore, ordered)
        assert same_xml(x, y, ignore, ordered=ordered, memo=memo) == known
