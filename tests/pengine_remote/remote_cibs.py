"""Small CIBs with remote and guest nodes, and a reader for transition graphs."""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree
from pengine_cibs import Graph as Graph  # re-exported: the graph reader shared with the core tests
from pengine_cibs import parse_graph as parse_graph

from crm.common.digest import op_digest


def op(rsc: str, task: str, *, call_id: int = 1, rc: int = 0, status: int = 0, interval_ms: int = 0,
       node: str = "", last: bool = True) -> str:
    """One ``lrm_rsc_op`` record (``_last_0`` or, for recurring monitors, ``_monitor_N``)."""
    op_id = f"{rsc}_last_0" if last and interval_ms == 0 else f"{rsc}_{task}_{interval_ms}"
    if rc not in (0, 7, 8) or status != 0:
        op_id = f"{rsc}_last_failure_0"
    on_node = f' on_node="{node}"' if node else ""
    meta = {"CRM_meta_interval": str(interval_ms), "CRM_meta_timeout": "20000"} if interval_ms else {}
    return (f'<lrm_rsc_op id="{op_id}" operation_key="{rsc}_{task}_{interval_ms}" operation="{task}" '
            f'interval="{interval_ms}" op-status="{status}" rc-code="{rc}" call-id="{call_id}" '
            f'transition-key="1:1:0:abc" transition-magic="{status}:{rc};1:1:0:abc" '
            f'last-rc-change="1000" op-digest="{op_digest(meta)}"{on_node}/>')


def lrm_resource(rsc: str, ops: str, *, provider: str = "heartbeat", rtype: str = "Dummy") -> str:
    return f'<lrm_resource id="{rsc}" class="ocf" provider="{provider}" type="{rtype}">{ops}</lrm_resource>'


def node_state(name: str, lrm: str = "", *, online: bool = True, remote: bool = False,
               attrs: dict[str, str] | None = None) -> str:
    transient = ""
    if attrs:
        pairs = "".join(f'<nvpair id="{name}-{k}" name="{k}" value="{v}"/>' for k, v in attrs.items())
        transient = (f'<transient_attributes id="{name}"><instance_attributes id="status-{name}">{pairs}'
                     f"</instance_attributes></transient_attributes>")
    body = f'{transient}<lrm id="{name}"><lrm_resources>{lrm}</lrm_resources></lrm>'
    if remote:
        return f'<node_state id="{name}" uname="{name}" remote_node="true">{body}</node_state>'
    state = ('in_ccm="true" crmd="online" join="member" expected="member"' if online
             else 'in_ccm="false" crmd="offline" join="down" expected="member"')
    return f'<node_state id="{name}" uname="{name}" {state}>{body}</node_state>'


def primitive(rid: str, *, provider: str = "heartbeat", rtype: str = "Dummy", meta: dict[str, str] | None = None,
              ops: str = "", rclass: str = "ocf") -> str:
    m = ""
    if meta:
        pairs = "".join(f'<nvpair id="{rid}-m-{k}" name="{k}" value="{v}"/>' for k, v in meta.items())
        m = f'<meta_attributes id="{rid}-meta">{pairs}</meta_attributes>'
    o = f"<operations>{ops}</operations>" if ops else ""
    prov = f' provider="{provider}"' if rclass == "ocf" else ""
    return f'<primitive id="{rid}" class="{rclass}"{prov} type="{rtype}">{m}{o}</primitive>'


def fencing_device(rid: str = "fence") -> str:
    return primitive(rid, rclass="stonith", rtype="fence_dummy")


@dataclass
class Cib:
    nodes: list[str] = field(default_factory=lambda: ["node1", "node2"])
    options: dict[str, str] = field(default_factory=lambda: {"stonith-enabled": "true",
                                                             "no-quorum-policy": "ignore"})
    resources: str = ""
    constraints: str = ""
    states: list[str] = field(default_factory=list)

    def xml(self) -> etree._Element:
        opts = "".join(f'<nvpair id="opt-{k}" name="{k}" value="{v}"/>' for k, v in self.options.items())
        nodes = "".join(f'<node id="{n}" uname="{n}" type="member"/>' for n in self.nodes)
        text = ('<cib admin_epoch="0" epoch="1" num_updates="1" have-quorum="true" validate-with="pacemaker-3.0" '
                'dc-uuid="node1">'
                f'<configuration><crm_config><cluster_property_set id="cib-bootstrap-options">{opts}'
                f"</cluster_property_set></crm_config><nodes>{nodes}</nodes>"
                f"<resources>{self.resources}</resources><constraints>{self.constraints}</constraints>"
                f"</configuration><status>{''.join(self.states)}</status></cib>")
        return etree.fromstring(text)
