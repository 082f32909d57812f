"""The writer's batches applied to a CIB (Pacemaker's status layout)."""

from __future__ import annotations

from lxml import etree

from crm.attrd.cibwrite import apply_write
from crm.attrd.machine import Purge, WriteCib, WriteItem

CIB = """<cib><configuration><nodes><node id="7" uname="seven"/></nodes></configuration>
<status><node_state id="2" uname="node2" in_ccm="true"><transient_attributes id="2">
<instance_attributes id="status-2"><nvpair id="status-2-old" name="old" value="1"/></instance_attributes>
<instance_attributes id="custom"><nvpair id="custom-old" name="old" value="2"/></instance_attributes>
</transient_attributes></node_state></status></cib>"""


def root() -> etree._Element:
    return etree.fromstring(CIB)


def test_creates_node_state_and_pacemaker_ids() -> None:
    r = root()
    report = apply_write(r, WriteCib(1, (WriteItem("pingd", "node3", 3, "100"), WriteItem("fail-count-r#monitor_10000", "node3", 3, "1"))))
    assert report.set == 2
    state = r.find("status/node_state[@id='3']")
    assert state is not None and state.get("uname") == "node3"
    ids = [p.get("id") for p in state.iter("nvpair")]
    assert ids == ["status-3-pingd", "status-3-fail-count-r.monitor_10000"]
    assert state.find("transient_attributes").get("id") == "3"  # type: ignore[union-attr]


def test_updates_the_pair_of_its_set_and_removes_them() -> None:
    r = root()
    apply_write(r, [WriteItem("old", "node2", 2, "9")])
    assert r.xpath("//nvpair[@name='old']/@value") == ["9", "2"]
    apply_write(r, [WriteItem("old", "node2", 2, None, set_id="custom")])
    assert r.xpath("//nvpair[@name='old']/@id") == ["status-2-old"]
    report = apply_write(r, [WriteItem("old", "node2", 2, None)])
    assert report.removed == 1 and r.xpath("//nvpair[@name='old']") == []
    assert apply_write(r, [WriteItem("old", "node9", 9, None)]).removed == 0


def test_set_names_utilization_and_node_lookup() -> None:
    r = root()
    apply_write(r, [WriteItem("a", "seven", None, "1", set_id="mine"), WriteItem("cpu", "seven", None, "4", utilization=True)])
    state = r.find("status/node_state[@id='7']")
    assert state is not None
    assert state.xpath("transient_attributes/instance_attributes[@id='mine']/nvpair/@id") == ["mine-a"]
    assert state.xpath("transient_attributes/utilization[@id='status-7-utilization']/nvpair/@value") == ["4"]
    report = apply_write(r, [WriteItem("a", "nobody", None, "1")])
    assert report.set == 0 and report.skipped == ["a for nobody (unknown node)"]


def test_purge_removes_the_transient_attributes_only() -> None:
    r = root()
    report = apply_write(r, WriteCib(1, (), (Purge("node2", 2), Purge("node5", 5))))
    assert report.purged == 1
    state = r.find("status/node_state[@id='2']")
    assert state is not None and state.get("in_ccm") == "true" and len(state) == 0
