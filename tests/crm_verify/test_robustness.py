"""Damaged CIBs: crm_verify reports, it never crashes; the upgrade refuses with a clear
error or produces a document, and never modifies its input."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from verify_oracle import CONFORMANCE

from crm.cib.upgrade import UpgradeError, upgrade
from crm.verify import verify

SOURCES = sorted(CONFORMANCE.glob("*.xml"))[::10] + sorted(
    (Path(__file__).resolve().parent.parent / "schema" / "data" / "haresources2cib").glob("*.pcmk100.xml")
)
VALUES = st.sampled_from(["", "x", "-1", "INFINITY", "0", "true", "P", "10s", ":", "pacemaker-0.6", "none"])
MUTATION = st.tuples(st.integers(0, 10**6), st.integers(0, 3), VALUES, st.integers(0, 10**6))


def mutate(root: etree._Element, mutations: list[tuple[int, int, str, int]]) -> None:
    for pick, kind, value, which in mutations:
        elements = [e for e in root.iter() if isinstance(e.tag, str)]
        element = elements[pick % len(elements)]
        names = sorted(str(k) for k in element.attrib)
        parent = element.getparent()
        if kind == 0 and names:
            del element.attrib[names[which % len(names)]]
        elif kind == 1 and names:
            element.set(names[which % len(names)], value)
        elif kind == 2 and parent is not None:
            parent.remove(element)
        else:
            element.append(etree.Element(["nvpair", "op", "primitive", "rule", "attributes"][which % 5]))


@settings(deadline=None, max_examples=60)
@given(st.sampled_from(SOURCES), st.lists(MUTATION, min_size=1, max_size=4))
def test_damaged_documents(path: Path, mutations: list[tuple[int, int, str, int]]) -> None:
    root = etree.parse(str(path)).getroot()
    mutate(root, mutations)
    before = etree.tostring(root)
    report = verify(root)
    assert report.schema_valid or (report.has_errors and not report.findings)
    try:
        upgrade(root)
    except UpgradeError as err:
        assert "cannot upgrade" in str(err)
    assert etree.tostring(root) == before


def test_upgrade_refuses_a_bad_admin_epoch() -> None:
    root = etree.fromstring(b'<cib admin_epoch="lots" epoch="1" num_updates="0"><configuration/></cib>')
    with pytest.raises(UpgradeError, match="admin_epoch='lots'"):
        upgrade(root)
    with pytest.raises(UpgradeError, match="must be <cib>"):
        upgrade(etree.fromstring(b"<configuration/>"))
