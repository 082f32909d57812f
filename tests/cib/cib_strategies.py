"""Hypothesis strategies for CIB-shaped documents (shared by the tests in tests/cib)."""

from __future__ import annotations

from hypothesis import strategies as st
from lxml import etree

TAGS = ("primitive", "group", "nvpair", "op", "meta_attributes")
IDS = ("a", "b", "c", "d", "e", "f")
ATTR_NAMES = ("class", "type", "value", "name", "x")
ATTR_VALUES = ("1", "2", "v", "w", "it's", 'say "hi"', "a&b<c>")


@st.composite
def elements(draw: st.DrawFn, depth: int = 2, ids_always: bool = True, comments: bool = False) -> etree._Element:
    """One element with a random subtree.  Siblings never share tag and id; with
    ``ids_always=False`` some elements have no id (sometimes several same-tag siblings)."""
    tag = draw(st.sampled_from(TAGS))
    node = etree.Element(tag)
    if ids_always or draw(st.integers(0, 4)) > 0:
        node.set("id", draw(st.sampled_from(IDS)))
    for name, value in draw(st.dictionaries(st.sampled_from(ATTR_NAMES), st.sampled_from(ATTR_VALUES), max_size=2)).items():
        node.set(name, value)
    if depth > 0:
        seen: set[tuple[str, str | None]] = set()
        for child in draw(st.lists(elements(depth - 1, ids_always, comments), max_size=3)):
            key = (str(child.tag), child.get("id"))
            if key in seen and child.get("id") is not None:
                continue
            if child.get("id") is None and not ids_always and key in seen and draw(st.booleans()):
                continue
            seen.add(key)
            node.append(child)
        if comments and draw(st.integers(0, 5)) == 0:
            node.insert(draw(st.integers(0, len(node))), etree.Comment(draw(st.sampled_from(("x", "note")))))
    return node


@st.composite
def cibs(draw: st.DrawFn, ids_always: bool = True, comments: bool = False, feature_set: bool = False) -> etree._Element:
    """A ``<cib>`` with version attributes, ``configuration`` (random sections) and ``status``."""
    root = etree.Element("cib")
    if feature_set:
        root.set("crm_feature_set", "3.16.1")
        root.set("validate-with", "pacemaker-3.9")
    for name in ("admin_epoch", "epoch", "num_updates"):
        root.set(name, str(draw(st.integers(0, 3))))
    if draw(st.booleans()):
        root.set("have-quorum", draw(st.sampled_from(("0", "1"))))
    configuration = etree.SubElement(root, "configuration")
    for section in draw(st.lists(st.sampled_from(("crm_config", "nodes", "resources", "constraints")), unique=True)):
        element = etree.SubElement(configuration, section)
        seen: set[tuple[str, str | None]] = set()
        for child in draw(st.lists(elements(2, ids_always, comments), max_size=4)):
            key = (str(child.tag), child.get("id"))
            if key in seen:
                continue
            seen.add(key)
            element.append(child)
    status = etree.SubElement(root, "status")
    for child in draw(st.lists(elements(1, True, False), max_size=2)):
        if status.find(f"{child.tag}[@id='{child.get('id')}']") is None:
            status.append(child)
    return root
