"""Small one- and two-node CIBs with failure histories, for the failure-handling tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from lxml import etree

from crm.common.digest import op_digest
from pengine import ScheduleOptions, schedule

# The effective time of every scenario (crm_simulate -t), and as an epoch
NOW = datetime(2024, 1, 1, 12, 0, 0, tzinfo=UTC)
NOW_TS = int(NOW.timestamp())
NOW_SPEC = "2024-01-01 12:00:00Z"


@dataclass(frozen=True)
class Op:
    """One lrm_rsc_op of resource ``rsc`` (an ocf:heartbeat:Dummy)."""

    task: str
    interval_ms: int
    call_id: int
    rc: int = 0
    last_rc_change: int = NOW_TS - 3600
    suffix: str | None = None  # id suffix: "last_0", "last_failure_0" or the op key by default
    stale: bool = False  # recorded with parameters that are no longer configured

    def xml(self, rsc: str) -> str:
        op_id = f"{rsc}_{self.suffix}" if self.suffix else f"{rsc}_{self.task}_{self.interval_ms}"
        params = {"CRM_meta_interval": str(self.interval_ms), "CRM_meta_timeout": "20000"} \
            if self.interval_ms else {}
        if self.stale:
            params["stale"] = "1"
        return (f'<lrm_rsc_op id="{op_id}" operation_key="{rsc}_{self.task}_{self.interval_ms}" '
                f'operation="{self.task}" interval="{self.interval_ms}" op-status="0" rc-code="{self.rc}" '
                f'call-id="{self.call_id}" transition-key="1:1:0:6f3a6a3c-0000-4000-8000-000000000000" '
                f'transition-magic="0:{self.rc};1:1:0:6f3a6a3c-0000-4000-8000-000000000000" '
                f'last-rc-change="{self.last_rc_change}" last-run="{self.last_rc_change}" '
                f'exec-time="1" queue-time="0" crm_feature_set="3.16.2" on_node="node1" '
                f'op-digest="{op_digest(params)}"/>')


@dataclass(frozen=True)
class Scenario:
    """One Dummy resource ``rsc`` with a monitor, its history on node1 and node1's fail count."""

    monitor_on_fail: str | None = None
    meta: dict[str, str] = field(default_factory=dict)
    ops: tuple[Op, ...] = ()
    fail_count: int = 0
    last_failure: int = 0
    nodes: tuple[str, ...] = ("node1", "node2")

    def xml(self) -> etree._Element:
        meta = "".join(f'<nvpair id="rsc-m-{k}" name="{k}" value="{v}"/>' for k, v in self.meta.items())
        on_fail = f' on-fail="{self.monitor_on_fail}"' if self.monitor_on_fail else ""
        rsc = (f'<primitive id="rsc" class="ocf" provider="heartbeat" type="Dummy">'
               f'<meta_attributes id="rsc-meta">{meta}</meta_attributes><operations>'
               f'<op id="rsc-mon" name="monitor" interval="10s" timeout="20s"{on_fail}/>'
               f"</operations></primitive>")
        nodes = "".join(f'<node id="{n}" uname="{n}" type="member"/>' for n in self.nodes)
        states = []
        for n in self.nodes:
            attrs = ""
            lrm = ""
            if n == "node1":
                if self.fail_count:
                    attrs = (f'<transient_attributes id="{n}"><instance_attributes id="st-{n}">'
                             f'<nvpair id="{n}-fc" name="fail-count-rsc#monitor_10000" value="{self.fail_count}"/>'
                             f'<nvpair id="{n}-lf" name="last-failure-rsc#monitor_10000" '
                             f'value="{self.last_failure}"/></instance_attributes></transient_attributes>')
                ops = "".join(op.xml("rsc") for op in self.ops)
                lrm = f'<lrm_resource id="rsc" class="ocf" provider="heartbeat" type="Dummy">{ops}</lrm_resource>'
            states.append(f'<node_state id="{n}" uname="{n}" in_ccm="true" crmd="online" join="member" '
                          f'expected="member">{attrs}<lrm id="{n}"><lrm_resources>{lrm}</lrm_resources></lrm>'
                          f"</node_state>")
        text = ('<cib admin_epoch="0" epoch="1" num_updates="1" have-quorum="true" '
                'validate-with="pacemaker-3.7" crm_feature_set="3.16.2"><configuration><crm_config>'
                '<cluster_property_set id="opts"><nvpair id="o1" name="stonith-enabled" value="false"/>'
                '<nvpair id="o2" name="no-quorum-policy" value="ignore"/></cluster_property_set></crm_config>'
                f"<nodes>{nodes}</nodes><resources>{rsc}</resources><constraints/></configuration>"
                f"<status>{''.join(states)}</status></cib>")
        return etree.fromstring(text.encode())


def graph_actions(graph_xml: str) -> frozenset[str]:
    """``task_key node`` of every action in a transition graph."""
    root = etree.fromstring(graph_xml.encode())
    out = set()
    for syn in root.iter("synapse"):
        act = syn.find("action_set")[0]  # type: ignore[index]
        key = act.get("operation_key", "")
        node = act.get("on_node")
        out.add(f"{key} {node}" if node else key)
    return frozenset(out)


def run(scn: Scenario) -> tuple[frozenset[str], tuple[str, ...]]:
    result = schedule(scn.xml(), now=NOW, options=ScheduleOptions(show_scores=True))
    return graph_actions(result.graph_xml), result.scores
