"""Which nodes the DC records with their controller offline or back (``controller_marks``)."""

from __future__ import annotations

from crm.cib.document import CibDocument
from crm.controld.daemon import controller_marks


def _doc(*states: tuple[str, str, str]) -> CibDocument:
    rows = "".join(f'<node_state id="{i}" uname="{name}" in_ccm="{ccm}" crmd="{crmd}" join="member" '
                   f'expected="member"/>' for i, (name, ccm, crmd) in enumerate(states, 1))
    return CibDocument.parse(
        '<cib admin_epoch="0" epoch="1" num_updates="0" validate-with="pacemaker-3.9"><configuration>'
        "<crm_config/><nodes/><resources/><constraints/></configuration>"
        f"<status>{rows}</status></cib>"
    )


def test_a_lost_controller_of_a_member_node_is_marked_offline() -> None:
    doc = _doc(("node1", "true", "online"), ("node2", "true", "online"), ("node3", "true", "online"))
    assert controller_marks(doc, {"node1", "node2"}, {"node3"}) == {"node3": False}


def test_a_controller_never_seen_is_left_alone() -> None:
    """A node whose controller is still starting is not marked: it was never lost."""
    doc = _doc(("node1", "true", "online"), ("node2", "true", "online"))
    assert controller_marks(doc, {"node1"}, set()) == {}


def test_a_node_that_left_is_not_marked() -> None:
    doc = _doc(("node1", "true", "online"), ("node2", "false", "offline"))
    assert controller_marks(doc, {"node1"}, {"node2"}) == {}


def test_a_controller_back_is_marked_online_once() -> None:
    doc = _doc(("node1", "true", "online"), ("node2", "true", "offline"))
    assert controller_marks(doc, {"node1", "node2"}, set()) == {"node2": True}
    doc = _doc(("node1", "true", "online"), ("node2", "true", "online"))
    assert controller_marks(doc, {"node1", "node2"}, set()) == {}
