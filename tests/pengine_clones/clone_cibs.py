"""Small clone CIBs for the clone tests: a few nodes, one clone of a Dummy primitive, and an
op history that says where instances run (and which one is promoted).

Start operations carry the digest Pacemaker computes for a primitive without parameters, so
neither scheduler sees a definition change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.sax.saxutils import quoteattr

#: op-digest of an operation of a primitive without instance attributes
EMPTY_DIGEST = "f2317cad3d54cec5d7d7aa7d0bf35cf8"


@dataclass(frozen=True)
class Running:
    """One history entry: ``rsc_id`` (as written in the status) active on ``node``."""

    node: str
    rsc_id: str
    promoted: bool = False
    failed: bool = False  # a later probe found it failed (rc 1)


@dataclass(frozen=True)
class Scenario:
    nodes: tuple[str, ...]
    clone_max: int | None = None
    clone_node_max: int = 1
    unique: bool = False
    promotable: bool = False
    promoted_max: int = 1
    notify: bool = False
    ordered: bool = False
    standby: frozenset[str] = frozenset()
    offline: frozenset[str] = frozenset()
    running: tuple[Running, ...] = ()
    probed: tuple[tuple[str, str], ...] = ()  # (node, rsc id) probed and found stopped
    bans: tuple[str, ...] = ()  # nodes with a -INFINITY location for the clone
    promotion_scores: dict[str, int] = field(default_factory=dict)  # node -> master-r
    #: a second, anonymous clone "c2" of primitive "s" that depends on "c"
    second: bool = False
    second_running: tuple[str, ...] = ()  # nodes where "s" runs
    interleave: bool = False  # on c2
    colocated: bool = False  # c2 with c (INFINITY; with the promoted role when promotable)
    ordered_after: bool = False  # c then c2 (start; promote when promotable)


def _op(rsc_id: str, node: str, task: str, call_id: int, rc: int, expected: int) -> str:
    key = f"{rsc_id}_{task}_0"
    magic = f"0:{rc};{call_id}:1:{expected}:00000000-0000-0000-0000-000000000000"
    return (f'<lrm_rsc_op id="{rsc_id}_last_{call_id}" operation_key="{key}" operation="{task}" '
            f'crm-debug-origin="test" crm_feature_set="3.0.10" '
            f'transition-key="{call_id}:1:{expected}:00000000-0000-0000-0000-000000000000" '
            f'transition-magic="{magic}" on_node="{node}" call-id="{call_id}" rc-code="{rc}" op-status="0" '
            f'interval="0" last-run="1" last-rc-change="1" exec-time="1" queue-time="0" '
            f'op-digest="{EMPTY_DIGEST}"/>')


def build_cib(s: Scenario) -> str:
    """The CIB XML text of a scenario."""
    meta = []
    if s.clone_max is not None:
        meta.append(("clone-max", str(s.clone_max)))
    meta.append(("clone-node-max", str(s.clone_node_max)))
    meta.append(("globally-unique", "true" if s.unique else "false"))
    meta.append(("notify", "true" if s.notify else "false"))
    meta.append(("ordered", "true" if s.ordered else "false"))
    if s.promotable:
        meta.append(("promotable", "true"))
        meta.append(("promoted-max", str(s.promoted_max)))
    meta_xml = "".join(f'<nvpair id="cm-{n}" name="{n}" value={quoteattr(v)}/>' for n, v in meta)
    nodes_xml = []
    for node in s.nodes:
        attrs = ""
        if node in s.standby:
            attrs = (f'<instance_attributes id="{node}-ia"><nvpair id="{node}-sb" name="standby" value="on"/>'
                     f'</instance_attributes>')
        nodes_xml.append(f'<node id="{node}" uname="{node}">{attrs}</node>')
    states = []
    for node in s.nodes:
        lrm = []
        call = 1
        for entry in s.running:
            if entry.node != node:
                continue
            ops = _op(entry.rsc_id, node, "start", call, 0, 0)
            call += 1
            if entry.promoted:
                ops += _op(entry.rsc_id, node, "promote", call, 0, 0)
                call += 1
            if entry.failed:
                ops += _op(entry.rsc_id, node, "monitor", call, 1, 7).replace(
                    'id="' + entry.rsc_id + '_last_', 'id="' + entry.rsc_id + '_last_failure_')
                call += 1
            lrm.append(f'<lrm_resource id="{entry.rsc_id}" class="ocf" provider="pacemaker" type="Stateful">'
                       f'{ops}</lrm_resource>')
        for pnode, rsc_id in s.probed:
            if pnode != node:
                continue
            lrm.append(f'<lrm_resource id="{rsc_id}" class="ocf" provider="pacemaker" type="Stateful">'
                       f'{_op(rsc_id, node, "monitor", call, 7, 7)}</lrm_resource>')
            call += 1
        if s.second and node in s.second_running:
            lrm.append(f'<lrm_resource id="s" class="ocf" provider="pacemaker" type="Dummy">'
                       f'{_op("s", node, "start", call, 0, 0)}</lrm_resource>')
            call += 1
        transient = ""
        if node in s.promotion_scores:
            transient = (f'<transient_attributes id="{node}"><instance_attributes id="status-{node}">'
                         f'<nvpair id="status-{node}-m" name="master-r" value="{s.promotion_scores[node]}"/>'
                         f'</instance_attributes></transient_attributes>')
        if node in s.offline:
            state = f'<node_state id="{node}" uname="{node}" in_ccm="false" crmd="offline" join="down" expected="down">'
        else:
            state = f'<node_state id="{node}" uname="{node}" in_ccm="true" crmd="online" join="member" expected="member">'
        states.append(f'{state}<lrm id="{node}"><lrm_resources>{"".join(lrm)}</lrm_resources></lrm>'
                      f'{transient}</node_state>')
    bans = "".join(f'<rsc_location id="ban-{n}" rsc="c" node="{n}" score="-INFINITY"/>' for n in s.bans)
    second = ""
    constraints = bans
    if s.second:
        second = (f'<clone id="c2"><meta_attributes id="c2m"><nvpair id="c2m-i" name="interleave" '
                  f'value="{"true" if s.interleave else "false"}"/></meta_attributes>'
                  f'<primitive id="s" class="ocf" provider="pacemaker" type="Dummy"/></clone>')
        if s.colocated:
            role = ' with-rsc-role="Master"' if s.promotable else ""
            constraints += f'<rsc_colocation id="col" rsc="c2" with-rsc="c"{role} score="INFINITY"/>'
        if s.ordered_after:
            action = "promote" if s.promotable else "start"
            constraints += f'<rsc_order id="ord" first="c" first-action="{action}" then="c2" then-action="start"/>'

    return f"""<cib crm_feature_set="3.0.10" validate-with="pacemaker-3.0" epoch="1" num_updates="0" admin_epoch="0" have-quorum="1">
  <configuration>
    <crm_config><cluster_property_set id="opts">
      <nvpair id="opts-stonith" name="stonith-enabled" value="false"/>
    </cluster_property_set></crm_config>
    <nodes>{"".join(nodes_xml)}</nodes>
    <resources>
      <clone id="c"><meta_attributes id="cm">{meta_xml}</meta_attributes>
        <primitive id="r" class="ocf" provider="pacemaker" type="Stateful"/>
      </clone>{second}
    </resources>
    <constraints>{constraints}</constraints>
  </configuration>
  <status>{"".join(states)}</status>
</cib>
"""
