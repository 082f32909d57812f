"""Small CIB builders and graph readers for the scheduler tests."""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from crm.common.digest import op_digest
from pengine import ScheduleOptions, schedule


def node_state(name: str, *, online: bool = True, attrs: dict[str, str] | None = None, lrm: str = "") -> str:
    transient = ""
    if attrs:
        pairs = "".join(f'<nvpair id="{name}-{k}" name="{k}" value="{v}"/>' for k, v in attrs.items())
        transient = (f'<transient_attributes id="{name}"><instance_attributes id="status-{name}">{pairs}'
                     f"</instance_attributes></transient_attributes>")
    crmd = "online" if online else "offline"
    join = "member" if online else "down"
    in_ccm = "true" if online else "false"
    expected = "member" if online else "down"
    return (f'<node_state id="{name}" uname="{name}" in_ccm="{in_ccm}" crmd="{crmd}" join="{join}" '
            f'expected="{expected}">{transient}<lrm id="{name}"><lrm_resources>{lrm}</lrm_resources></lrm>'
            f"</node_state>")


def running(rsc: str, call_id: int = 1, *, rc: int = 0, op: str = "start", status: int = 0) -> str:
    """An lrm_resource entry recording one operation of an ocf:heartbeat:Dummy resource."""
    return (f'<lrm_resource id="{rsc}" class="ocf" provider="heartbeat" type="Dummy">'
            f'<lrm_rsc_op id="{rsc}_last_0" operation="{op}" interval="0" op-status="{status}" rc-code="{rc}" '
            f'call-id="{call_id}" transition-key="1:1:0:abc" op-digest="{op_digest({})}"/></lrm_resource>')


@dataclass
class Cib:
    """A CIB under construction."""

    nodes: list[str] = field(default_factory=lambda: ["node1", "node2"])
    options: dict[str, str] = field(default_factory=lambda: {"stonith-enabled": "false",
                                                             "no-quorum-policy": "ignore"})
    resources: str = ""
    constraints: str = ""
    states: dict[str, str] = field(default_factory=dict)
    node_attrs: dict[str, dict[str, str]] = field(default_factory=dict)

    def xml(self) -> etree._Element:
        opts = "".join(f'<nvpair id="opt-{k}" name="{k}" value="{v}"/>' for k, v in self.options.items())
        nodes = []
        for n in self.nodes:
            attrs = self.node_attrs.get(n, {})
            inner = ""
            if attrs:
                pairs = "".join(f'<nvpair id="{n}-a-{k}" name="{k}" value="{v}"/>' for k, v in attrs.items())
                inner = f'<instance_attributes id="{n}-attrs">{pairs}</instance_attributes>'
            nodes.append(f'<node id="{n}" uname="{n}" type="member">{inner}</node>')
        states = "".join(self.states.get(n, node_state(n)) for n in self.nodes)
        text = (f'<cib admin_epoch="0" epoch="1" num_updates="1" have-quorum="true" validate-with="pacemaker-3.0">'
                f'<configuration><crm_config><cluster_property_set id="cib-bootstrap-options">{opts}'
                f"</cluster_property_set></crm_config><nodes>{''.join(nodes)}</nodes>"
                f"<resources>{self.resources}</resources><constraints>{self.constraints}</constraints>"
                f"</configuration><status>{states}</status></cib>")
        return etree.fromstring(text)


def dummy(rid: str, meta: dict[str, str] | None = None, ops: str = "") -> str:
    m = ""
    if meta:
        pairs = "".join(f'<nvpair id="{rid}-m-{k}" name="{k}" value="{v}"/>' for k, v in meta.items())
        m = f'<meta_attributes id="{rid}-meta">{pairs}</meta_attributes>'
    o = f"<operations>{ops}</operations>" if ops else ""
    return f'<primitive id="{rid}" class="ocf" provider="heartbeat" type="Dummy">{m}{o}</primitive>'


@dataclass(frozen=True)
class Graph:
    """A transition graph reduced to action keys ("key node") and edges (before, after)."""

    actions: frozenset[str]
    edges: frozenset[tuple[str, str]]

    def has(self, key: str) -> bool:
        return key in self.actions


def _key(elem: etree._Element) -> str:
    key = elem.get("operation_key", "")
    node = elem.get("on_node")
    return f"{key} {node}" if node else key


def parse_graph(text: str) -> Graph:
    root = etree.fromstring(text.encode())
    actions = set()
    edges = set()
    for syn in root.iter("synapse"):
        aset = syn.find("action_set")
        assert aset is not None
        act = aset[0]
        actions.add(_key(act))
        inputs = syn.find("inputs")
        if inputs is not None:
            for trig in inputs.iter("trigger"):
                for ref in trig:
                    edges.add((_key(ref), _key(act)))
    return Graph(frozenset(actions), frozenset(edges))


def run(cib: Cib, *, scores: bool = False) -> tuple[Graph, tuple[str, ...], tuple[str, ...]]:
    result = schedule(cib.xml(), options=ScheduleOptions(show_scores=scores))
    return parse_graph(result.graph_xml), result.scores, result.transition_summary
