"""The scheduler pipeline, stage by stage (Pacemaker's ``pcmk__schedule_actions``)."""

from __future__ import annotations

from datetime import datetime

from lxml import etree

from pengine.actions import (
    clear_expired_failcounts,
    clear_orphan_failcounts,
    create_actions,
    fence_op,
    history_actions,
    internal_constraints,
    schedule_fencing_and_shutdowns,
    schedule_probes,
)
from pengine.bundles.assign import prepare_bundle
from pengine.clones.bridge import build_clone_instances, clone_expand, expanded_history
from pengine.config_changes import handle_config_changes
from pengine.graph import GraphBuilder, SummaryWriter, render_dot, render_graph
from pengine.node_order import sorted_unames
from pengine.ordering import apply_orderings, unpack_one_or_more, unpack_user_orders
from pengine.placement import Placement, assign_all
from pengine.remote import order_remote_connection_actions
from pengine.result import Result, ScheduleOptions
from pengine.setup import (
    add_colocation,
    apply_exclusive_discovery,
    apply_history,
    apply_locations,
    apply_node_health,
    apply_stickiness,
    apply_symmetric_default,
    apply_tickets,
    build_nodes,
    build_resource,
    check_failure_threshold,
    determine_remote_online,
    link_containers,
)
from pengine.unpack import unpack_cib
from pengine.variants import CLONE_STEPS, METHODS
from pengine.workset import WorkingSet


def prepare(cib: etree._Element, now: datetime | None) -> tuple[WorkingSet, Placement]:
    """Unpack the CIB and build the working set up to (not including) assignment."""
    unpacked = unpack_cib(cib, now)
    cluster = unpacked.cluster
    ws = WorkingSet(cluster, METHODS, CLONE_STEPS)
    ws._op_defaults_el = cib.find("configuration/op_defaults")
    ws.messages.extend(cluster.messages)
    build_nodes(ws)
    ws.node_order[:] = sorted_unames(ws.node_order)
    for model in cluster.resources:
        ws.resources.append(build_resource(ws, model, None))

    for rsc in ws.resources:
        for clone in (rsc, *rsc.children) if rsc.variant == "bundle" else (rsc,):
            if clone.variant == "clone":
                build_clone_instances(ws, clone)
    link_containers(ws)
    for rsc in ws.resources:
        apply_symmetric_default(ws, rsc)
    for rsc in ws.resources:
        if rsc.variant == "bundle":
            prepare_bundle(ws, rsc)
    apply_history(ws, expanded_history(ws.cluster), unpacked.history_bans)
    # pe_fence_node creates a node's (optional) fencing action when unpacking finds the node
    # unclean: the transition summary lists fencing in reverse order of creation
    for uname in cluster.fence_order:
        if uname in ws.nodes:
            fence_op(ws, uname, None, True, ws.nodes[uname].fence_reason)
    determine_remote_online(ws)
    ws.resources.sort(key=lambda r: -r.priority)
    history_actions(ws)
    clear_expired_failcounts(ws)
    # constraints
    for con in cluster.colocations:
        add_colocation(ws, con)
    unpack_user_orders(ws)
    unpack_one_or_more(ws)
    apply_tickets(ws)
    # node criteria
    apply_node_health(ws)
    apply_locations(ws)
    for rsc in ws.resources:
        apply_stickiness(ws, rsc)
    contained = [p for p in ws.all_primitives() if p.container is not None]
    for node in ws.node_order:
        for rsc in ws.resources:
            check_failure_threshold(ws, rsc, node, contained)
            apply_exclusive_discovery(ws, rsc, node)
    for rsc in ws.resources:
        internal_constraints(ws, rsc)
    handle_config_changes(ws)
    if ws.stonith_enabled and not ws.have_stonith_resource:
        # "Resource start-up disabled since no STONITH resources have been defined":
        # pcmk__primitive_assign makes each resource unmanaged, so node criteria
        # (not_managed_default, stickiness) and internal constraints saw managed resources
        ws.messages.append("Resource start-up disabled since no STONITH resources have been defined")
        for prim in ws.all_primitives():
            if prim.managed:
                ws.unmanaged_at_assignment.add(prim.id)
            prim.managed = False
    return ws, Placement(ws)


def run_scheduler(cib: etree._Element, *, now: datetime | None, options: ScheduleOptions) -> Result:
    """Run every stage on ``cib`` and render the requested views."""
    ws, placement = prepare(cib, now)
    assign_all(ws, placement)
    schedule_probes(ws)
    if ws.options.stop_orphan_resources:
        clear_orphan_failcounts(ws)
    for rsc in ws.resources:
        create_actions(ws, rsc)
    order_remote_connection_actions(ws)
    schedule_fencing_and_shutdowns(ws)
    apply_orderings(ws)

    for rsc in ws.resources:
        for clone in (*rsc.children, rsc) if rsc.variant == "bundle" else (rsc,):
            if clone.variant == "clone":
                clone_expand(ws, clone)  # a bundle's inner clone too (pcmk__bundle_expand)
    summary = SummaryWriter(ws).lines()
    builder = GraphBuilder(ws)
    builder.build()
    graph = render_graph(ws, builder)
    dot = render_dot(ws)
    return Result(
        graph_xml=graph,
        dot=dot,
        scores=tuple(ws.scores) if options.show_scores else (),
        utilization=tuple(ws.utilization) if options.show_utilization else (),
        transition_summary=summary,
        messages=tuple(ws.messages),
    )
