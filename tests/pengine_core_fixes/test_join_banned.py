"""A node whose controller was refused membership (``join="banned"``, CRMD_JOINSTATE_NACK) is
fenced: "peer failed Pacemaker membership criteria"."""

from __future__ import annotations

from lxml import etree

from pengine import schedule


def _cib(join: str) -> etree._Element:
    text = ('<cib admin_epoch="0" epoch="1" num_updates="1" have-quorum="1" validate-with="pacemaker-3.0">'
            '<configuration><crm_config><cluster_property_set id="opts">'
            '<nvpair id="o1" name="stonith-enabled" value="true"/></cluster_property_set></crm_config>'
            '<nodes><node id="n1" uname="node1" type="member"/><node id="n2" uname="node2" type="member"/>'
            '</nodes><resources><primitive id="fence" class="stonith" type="fence_dummy"/></resources>'
            '<constraints/></configuration><status>'
            '<node_state id="n1" uname="node1" in_ccm="true" crmd="online" join="member" expected="member"/>'
            f'<node_state id="n2" uname="node2" in_ccm="true" crmd="online" join="{join}"/>'
            "</status></cib>")
    return etree.fromstring(text.encode())


def test_banned_node_is_fenced() -> None:
    result = schedule(_cib("banned"))
    assert "stonith-node2-reboot" in result.graph_xml
    assert any("'peer failed Pacemaker membership criteria'" in line for line in result.transition_summary)


def test_pending_node_is_not_fenced() -> None:
    assert "stonith-node2-reboot" not in schedule(_cib("pending")).graph_xml
