"""The status section: nodes that would be fenced, leftovers, orphans."""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

from crm.verify.context import (
    RESOURCE_TAGS,
    Context,
    active_resources,
    active_resources_of,
    boolean,
    elements,
    line_of,
    nvpairs,
    operations,
    replicas,
    truthy_state,
)
from crm.verify.findings import Finding, Severity
from pengine.model import OnFail
from pengine.unpack.history import ON_FAIL_NAMES, read_history


def _known_node_names(ctx: Context) -> set[str]:
    names: set[str] = set()
    for node in elements(ctx.root, "/cib/configuration/nodes/node"):
        names.update(v for v in (node.get("id"), node.get("uname")) if v)
    for primitive in ctx.root.iter("primitive"):
        if primitive.get("type") == "remote" and primitive.get("provider") == "pacemaker":
            names.add(primitive.get("id", ""))
        remote = nvpairs(primitive, "meta_attributes").get("remote-node")
        if remote:
            names.add(remote)
    for bundle in ctx.root.iter("bundle"):
        if bundle.find("primitive") is not None:
            names.update(f"{bundle.get('id')}-{i}" for i in range(replicas(bundle)))
    return names


def check_node_state(ctx: Context) -> Iterator[Finding]:
    known = _known_node_names(ctx)
    states = elements(ctx.root, "/cib/status/node_state")
    seen = {v for state in states for v in (state.get("id"), state.get("uname")) if v}
    if ctx.stonith_enabled and boolean(ctx.options.get("startup-fencing")) is not False:
        for node in elements(ctx.root, "/cib/configuration/nodes/node"):
            if (
                node.get("type", "member") == "member"
                and node.get("id") not in seen
                and node.get("uname") not in seen
            ):
                yield Finding(
                    Severity.WARNING,
                    "pe_fence_node",
                    f"Cluster node {node.get('uname')} will be fenced: peer has not been seen by the cluster",
                    line_of(node),
                )
    for state in states:
        node_id, uname = state.get("id"), state.get("uname")
        if not node_id:
            yield Finding(
                Severity.NOTICE,
                "unpack_node_state",
                "Ignoring malformed node_state entry without id",
                line_of(state),
            )
            continue
        if not uname:
            yield Finding(
                Severity.NOTICE,
                "unpack_node_state",
                "Ignoring malformed node_state entry without uname",
                line_of(state),
            )
            continue
        if node_id not in known and uname not in known:
            yield Finding(
                Severity.WARNING,
                "unpack_node_state",
                f"Ignoring recorded node state for '{uname}' because it is no longer in the configuration",
                line_of(state),
            )
            continue
        if boolean(state.get("remote_node")) or not _is_cluster_node(ctx, node_id, uname):
            continue
        reason = _unclean_reason(state, ctx.stonith_enabled)
        if reason is None and ctx.stonith_enabled:
            reason = (
                _failed_stop(ctx, state)
                or _terminate_requested(state)
                or _lost_deadman_ticket(ctx, state)
                or _active_while_offline(ctx, state)
            )
        if reason is not None:
            yield Finding(
                Severity.WARNING,
                "pe_fence_node",
                f"Cluster node {uname} will be fenced: {reason}",
                line_of(state),
            )


def _failed_stop(ctx: Context, state: etree._Element) -> str | None:
    """A resource whose op history on this node has a stop failure that makes Pacemaker fence
    the node to recover it (unless the stop has on-fail=block/ignore/stop), read as the
    scheduler reads the history."""
    stop_policy: dict[str, OnFail] = {}
    for primitive in ctx.root.iter("primitive"):
        for op in operations(ctx, primitive):
            if op.get("name") == "stop" and op.get("on-fail") in ON_FAIL_NAMES:
                stop_policy[primitive.get("id", "")] = ON_FAIL_NAMES[op.get("on-fail", "")]
    for resource in state.iterfind("lrm/lrm_resources/lrm_resource"):
        stop_on_fail = stop_policy.get(resource.get("id", "").split(":", 1)[0], OnFail.FENCE)

        def on_fail_for(task: str, interval_ms: int, stop_on_fail: OnFail = stop_on_fail) -> OnFail:
            return stop_on_fail if task == "stop" else OnFail.RESTART

        history, fence = read_history(resource.iterfind("lrm_rsc_op"), on_fail_for=on_fail_for)
        if fence and history.stop_failed:
            return f"{resource.get('id')} failed there"
    return None


def _unclean_reason(state: etree._Element, fencing: bool) -> str | None:
    """Why a cluster node with this recorded membership would be fenced, if it would."""
    in_cluster = truthy_state(state.get("in_ccm"))
    online = truthy_state(state.get("crmd"))
    expected = state.get("expected")
    join = state.get("join")
    if not fencing:
        if in_cluster and not online and expected == "member":
            return "peer is unexpectedly down"
        return None
    if join == "nack":
        return "peer failed Pacemaker membership criteria"
    if expected == "down":
        return None
    if not in_cluster:
        if expected == "member" or (online and join == "member"):
            return "peer is no longer part of the cluster"
        return None
    if not online and expected == "member":
        return "peer process is no longer available"
    return None


def _is_cluster_node(ctx: Context, node_id: str, uname: str) -> bool:
    for node in elements(ctx.root, "/cib/configuration/nodes/node"):
        if node.get("id") == node_id or node.get("uname") == uname:
            return node.get("type", "member") == "member"
    return False


def _node_attribute(ctx: Context, state: etree._Element, name: str) -> str | None:
    for node in elements(ctx.root, "/cib/configuration/nodes/node"):
        if node.get("id") == state.get("id"):
            value = nvpairs(node, "instance_attributes").get(name)
            if value is not None:
                return value
    for nvpair in state.iterfind("transient_attributes/instance_attributes/nvpair"):
        if nvpair.get("name") == name:
            return nvpair.get("value")
    return None


def _active_while_offline(ctx: Context, state: etree._Element) -> str | None:
    """A node that is down but whose op history says a managed resource runs there."""
    if truthy_state(state.get("in_ccm")) and truthy_state(state.get("crmd")):
        return None
    if (
        boolean(ctx.options.get("maintenance-mode"))
        or boolean(state.get("node_in_maintenance"))
        or boolean(_node_attribute(ctx, state, "maintenance"))
    ):
        return None
    unmanaged = {
        str(p.get("id"))
        for p in ctx.root.iter("primitive")
        if boolean(nvpairs(p, "meta_attributes").get("is-managed")) is False
    }
    for resource in state.iterfind("lrm/lrm_resources/lrm_resource"):
        rid = resource.get("id", "")
        if rid.split(":", 1)[0] in active_resources_of(resource) - unmanaged:
            return f"{rid} is thought to be active there"
    return None


def _terminate_requested(state: etree._Element) -> str | None:
    for nvpair in state.iterfind("transient_attributes/instance_attributes/nvpair"):
        if nvpair.get("name") == "terminate" and (
            boolean(nvpair.get("value")) or truthy_state(nvpair.get("value"))
        ):
            return "termination was requested"
    return None


def _lost_deadman_ticket(ctx: Context, state: etree._Element) -> str | None:
    granted = {
        t.get("id"): bool(boolean(t.get("granted")))
        for t in elements(ctx.root, "/cib/status/tickets/ticket_state")
    }
    active = active_resources(state)
    if not active:
        return None
    for ticket in ctx.root.iter("rsc_ticket"):
        if ticket.get("loss-policy") != "fence" or granted.get(ticket.get("ticket"), False):
            continue
        members = {ticket.get("rsc")} | {r.get("id") for r in ticket.iterfind("resource_set/resource_ref")}
        members.discard(None)
        covered = set(members)
        for resource in ctx.resources():
            if resource.get("id") in members:
                covered.update(str(d.get("id")) for d in resource.iter() if d.tag in RESOURCE_TAGS)
        if covered & active:
            return "deadman ticket was lost"
    return None


def _implicit_resource_ids(ctx: Context) -> set[str]:
    """Resources a bundle creates for its replicas."""
    ids: set[str] = set()
    for bundle in ctx.root.iter("bundle"):
        bid = bundle.get("id", "")
        for i in range(replicas(bundle)):
            ids.update({f"{bid}-{i}", f"{bid}-docker-{i}", f"{bid}-podman-{i}", f"{bid}-rkt-{i}"})
    return ids


def check_remote_connections(ctx: Context) -> Iterator[Finding]:
    """A remote node whose established connection failed is fenced: its resources' state
    is unknown once the connection is lost."""
    if not ctx.stonith_enabled:
        return
    remotes = {
        str(p.get("id"))
        for p in ctx.root.iter("primitive")
        if p.get("provider") == "pacemaker" and p.get("type") == "remote"
    }
    reported: set[str] = set()
    for state in elements(ctx.root, "/cib/status/node_state"):
        for resource in state.iterfind("lrm/lrm_resources/lrm_resource"):
            rid = resource.get("id", "")
            if rid not in remotes or rid in reported:
                continue
            for op in resource.iterfind("lrm_rsc_op"):
                if not op.get("id", "").endswith("_last_failure_0"):
                    continue
                # only a lost connection counts: a failed recurring monitor
                recurring = op.get("operation") == "monitor" and op.get("interval", "0") != "0"
                if not recurring or op.get("rc-code") in ("0", "7", "8"):
                    continue
                reported.add(rid)
                yield Finding(
                    Severity.WARNING,
                    "pe_fence_node",
                    f"Remote node {rid} will be fenced: remote connection is unrecoverable",
                    line_of(op),
                )


def check_orphans(ctx: Context) -> Iterator[Finding]:
    guests = {
        str(v) for p in ctx.root.iter("primitive") if (v := nvpairs(p, "meta_attributes").get("remote-node"))
    }
    configured = {str(p.get("id")) for p in ctx.root.iter("primitive")} | _implicit_resource_ids(ctx) | guests
    prefixes = tuple(f"{b.get('id')}-ip-" for b in ctx.root.iter("bundle"))
    for state in elements(ctx.root, "/cib/status/node_state"):
        for rid in sorted(active_resources(state)):
            if rid in configured or (prefixes and rid.startswith(prefixes)):
                continue
            yield Finding(
                Severity.WARNING,
                "process_rsc_state",
                f"Detected active orphan {rid} running on {state.get('uname')}",
                line_of(state),
            )


def _clone_max(ctx: Context, clone: etree._Element) -> int:
    meta = nvpairs(clone, "meta_attributes")
    value = meta.get("clone-max", "")
    if value.isdigit():
        return int(value)
    nodes = {
        str(n.get("uname"))
        for n in elements(ctx.root, "/cib/configuration/nodes/node")
        if n.get("type", "member") != "ping"
    }
    for primitive in ctx.root.iter("primitive"):
        guest = nvpairs(primitive, "meta_attributes").get("remote-node")
        if guest:
            nodes.add(guest)
        elif primitive.get("provider") == "pacemaker" and primitive.get("type") == "remote":
            nodes.add(str(primitive.get("id")))
    return len(nodes)


def check_anonymous_clone_orphans(ctx: Context) -> Iterator[Finding]:
    """An anonymous clone active on more nodes than clone-max allows: the extra
    instances are orphans (Pacemaker numbers them from clone-max on)."""
    for clone in ctx.root.iter("clone"):
        meta = nvpairs(clone, "meta_attributes")
        if boolean(meta.get("globally-unique")) or boolean(meta.get("promotable")):
            continue
        limit = _clone_max(ctx, clone)
        for member in clone.iter("primitive"):
            running: list[str] = []
            for state in elements(ctx.root, "/cib/status/node_state"):
                for resource in state.iterfind("lrm/lrm_resources/lrm_resource"):
                    if member.get("id") in active_resources_of(resource):
                        running.append(state.get("uname", ""))
            for extra, uname in enumerate(running[limit:]):
                yield Finding(
                    Severity.WARNING,
                    "process_rsc_state",
                    f"Detected active orphan {member.get('id')}:{limit + extra} running on {uname}",
                    line_of(clone),
                )
