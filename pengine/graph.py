"""Writers: the transition graph XML, the dot graph, and the transition summary lines.

The graph is Pacemaker's (``pcmk__create_graph``): one synapse per action that is required and
runnable (or pseudo), with the inputs it must wait for.
"""

from __future__ import annotations

import re

from pengine.bundles.probes import remote_address, replica_members
from pengine.model import Role
from pengine.working import Action, F, O, RscState, Wrapper
from pengine.workset import WorkingSet, parse_op_key

_XML_NAME = re.compile(r"^[A-Za-z_][\w.-]*$")


def _interval(action: Action) -> int:
    try:
        return int(action.meta.get("interval", "0"))
    except ValueError:
        return 0


def should_add_action(ws: WorkingSet, action: Action) -> bool:
    """``should_add_action_to_graph``."""
    if not action.runnable:
        return False
    if action.optional and not action.flags & F.PRINT_ALWAYS:
        return False
    if action.rsc is not None and not action.rsc.managed and action.task != "monitor" \
            and action.meta.get("interval", "0") == "0":
        return False
    if action.pseudo or action.task in ("stonith", "do_shutdown"):
        return True
    if action.node is None:
        return False
    node = ws.nodes.get(action.node)
    if node is None:
        return False
    if action.flags & F.DC:
        return True
    if node.model.is_remote and ws.guest_container(node.uname) is not None and not node.remote_requires_reset:
        return True  # assume the guest will be up
    return node.online and not node.unclean


def _can_change_actions(w: Wrapper) -> bool:
    return bool(w.type & ~(O.IMPLIES_FIRST_PRINTED | O.IMPLIES_THEN_PRINTED | O.OPTIONAL))


def should_add_input(ws: WorkingSet, action: Action, w: Wrapper) -> bool:
    """``should_add_input_to_graph``."""
    inp = w.action
    if w.dumped:
        return True
    if w.type == O.NONE:
        return False
    if not inp.runnable and not _can_change_actions(w):
        return False
    if not inp.runnable and w.type & O.ONE_OR_MORE:
        return False
    if w.type & O.IMPLIES_FIRST_MIGRATABLE and not inp.runnable:
        return False
    if w.type & O.APPLY_FIRST_NON_MIGRATABLE and inp.flags & F.MIGRATE_RUNNABLE:
        return False
    if w.type == O.OPTIONAL and inp.flags & F.MIGRATE_RUNNABLE and inp.key.endswith("_stop_0"):
        return False
    if w.type == O.LOAD:
        if action.rsc is not None and action.task == "migrate_to":
            assigned = action.rsc.assigned
            if inp.node is None or assigned is None or inp.node != assigned:
                w.type = O.NONE
                return False
        elif inp.node is None or action.node is None or inp.node != action.node or inp.optional:
            w.type = O.NONE
            return False
    elif w.type == O.ANTI_COLOCATION:
        # an anti-colocation ordering (or a probe ordering derived from one) holds only
        # between actions on the same node, and only after a first action that runs
        if (inp.node is not None and action.node is not None and inp.node != action.node) or inp.optional:
            w.type = O.NONE
            return False
    elif (inp.rsc is not None and inp.rsc is not action.rsc and inp.rsc.failed and not inp.rsc.managed \
            and inp.key.endswith("_stop_0") and action.rsc is not None and action.rsc.variant == "clone") or (inp.optional and not inp.flags & (F.PRINT_ALWAYS | F.DUMPED) and not should_add_action(ws, inp)):
        return False
    return True


def graph_has_loop(ws: WorkingSet, init: Action, action: Action, w: Wrapper, tracking: set[int]) -> bool:
    """``pcmk__graph_has_loop``: would input ``w`` of ``action`` lead back to ``init``?"""
    inp = w.action
    if id(inp) in tracking:
        return False
    if not should_add_input(ws, action, w):
        return False
    if inp is init:
        return True
    tracking.add(id(inp))
    try:
        return any(graph_has_loop(ws, init, inp, before, tracking) for before in inp.before)
    finally:
        tracking.discard(id(inp))


class GraphBuilder:
    """Collects synapses in Pacemaker's order."""

    def __init__(self, ws: WorkingSet) -> None:
        self.ws = ws
        self.synapses: list[tuple[Action, list[Action]]] = []

    def add(self, action: Action) -> None:
        if action.flags & F.DUMPED or not should_add_action(self.ws, action):
            return
        action.set(F.DUMPED)
        inputs: list[Action] = []
        seen: set[int] = set()
        for w in action.before:
            if should_add_input(self.ws, action, w):
                if w.type == O.LOAD and graph_has_loop(self.ws, action, action, w, set()):
                    w.type = O.NONE
                    continue
                w.dumped = True
                if id(w.action) not in seen:  # deduplicate_inputs
                    seen.add(id(w.action))
                    inputs.append(w.action)
        self.synapses.append((action, inputs))

    def add_rsc(self, rsc: RscState) -> None:
        if rsc.variant == "bundle":
            # pcmk__bundle_expand: the inner clone, then each replica's members; the bundle's
            # own pseudo actions come with the actions of no resource, at the end
            inner = [c for c in rsc.children if c.variant == "clone"]
            for child in inner + [c for c in rsc.children if c.variant != "clone"]:
                self.add_rsc(child)
            return
        if rsc.variant == "clone":
            for child in rsc.children:
                self.add_rsc(child)
            for a in list(rsc.actions):
                self.add(a)
            return
        for a in list(rsc.actions):
            self.add(a)
        for child in rsc.children:
            self.add_rsc(child)

    def build(self) -> None:
        for rsc in self.ws.resources:
            self.add_rsc(rsc)
        for a in reversed(self.ws.actions):  # newest first, as Pacemaker prepends new actions
            self.add(a)


_NEEDS_ESCAPE = re.compile(r'[&<>"\n\r\t]')


def quoteattr(value: str) -> str:
    """``xml.sax.saxutils.quoteattr``, imported on first use (it pulls in urllib and email)."""
    from xml.sax import saxutils

    return saxutils.quoteattr(value)


def _attr(name: str, value: str) -> str:
    if _NEEDS_ESCAPE.search(value) is None:
        return f'{name}="{value}"'
    return f"{name}={quoteattr(value)}"


def _meta_name(key: str) -> str:
    return "CRM_meta_" + key.replace("-", "_")


def _operation_key(action: Action, for_dot: bool = False) -> tuple[str, str | None]:
    rsc = action.rsc
    if rsc is not None and rsc.history_id is not None and rsc.history_id != rsc.id:
        prefix = "notify_key_" if for_dot else "notify_"
        notify_task = action.task == "notify" or (for_dot and action.task == "notified")
        if notify_task and f"{prefix}type" in action.meta:
            key = (f"{rsc.history_id}_{action.meta[prefix + 'type']}_notify_"
                   f"{action.meta.get(prefix + 'operation', '')}_0")
            return key, action.key

        parsed = parse_op_key(action.key)
        if parsed is not None:
            _, task, interval = parsed
            if action.task == "notified" and not for_dot:
                task = action.task  # pcmk__op_key(clone_name, action->task, interval)
            return f"{rsc.history_id}_{task}_{interval}", action.key
    return action.key, None


def _tag(action: Action) -> str:
    if action.task == "stonith":
        return "pseudo_event" if action.pseudo else "crm_event"
    if action.task in ("do_shutdown", "clear_failcount", "lrm_delete"):
        return "crm_event"
    if action.pseudo:
        return "pseudo_event"
    return "rsc_op"


def _head(ws: WorkingSet, action: Action) -> str:
    tag = _tag(action)
    key, internal = _operation_key(action)
    parts = [_attr("id", str(action.id)), _attr("operation", action.task), _attr("operation_key", key)]
    if internal is not None:
        parts.append(_attr("internal_operation_key", internal))
    if (tag != "pseudo_event" or action.task == "stonith") and action.node is not None:
        # all fencing needs node info, guest node fencing (a pseudo event) too
        node = ws.nodes.get(action.node)
        parts.append(_attr("on_node", action.node))
        parts.append(_attr("on_node_uuid", node.id if node else action.node))
    return f"<{tag} " + " ".join(parts)


def _attributes(ws: WorkingSet, action: Action) -> dict[str, str]:
    attrs: dict[str, str] = {}
    rsc = action.rsc
    if rsc is not None and rsc.primitive is not None and not action.pseudo:
        for k, v in rsc.primitive.params.items():
            if _XML_NAME.match(k):
                attrs[k] = v
        address = remote_address(ws, rsc)
        if address is not None:
            attrs["addr"] = address  # pcmk__bundle_expand
        if action.op is not None:
            for k, v in action.op.params.items():
                if _XML_NAME.match(k):
                    attrs[k] = v
    meta = dict(action.meta)
    if action.node is not None and (_tag(action) != "pseudo_event" or action.task == "stonith"):
        node = ws.nodes.get(action.node)
        meta["on_node"] = action.node
        meta["on_node_uuid"] = node.id if node else action.node
    for k, v in meta.items():
        attrs[_meta_name(k)] = v
    cur = rsc
    while cur is not None:
        for k, v in cur.extra_meta.items():
            attrs.setdefault(_meta_name(k), v)
        cur = cur.parent
    if rsc is None and action.task == "stonith" and action.node is not None:
        node = ws.nodes.get(action.node)
        if node is not None:
            for k, v in node.model.attributes.items():
                if "#" in k or ":" in k:
                    continue
                attrs.setdefault(_meta_name(k), v)
    return attrs


def render_graph(ws: WorkingSet, builder: GraphBuilder) -> str:
    opts = ws.options
    top = (f'<transition_graph cluster-delay="{opts.cluster_delay}" stonith-timeout="{opts.stonith_timeout}" '
           f'failed-stop-offset="INFINITY" failed-start-offset="INFINITY" ')
    if opts.batch_limit:
        top += f' batch-limit="{opts.batch_limit}"'
    if opts.migration_limit >= 0:
        top += f' migration-limit="{opts.migration_limit}"'
    top += ' transition_id="0"'
    if not builder.synapses:
        return top + "/>\n"
    out = [top + ">"]
    for n, (action, inputs) in enumerate(builder.synapses):
        prio = f' priority="{action.priority}"' if action.priority else ""
        out.append(f'  <synapse id="{n}"{prio}>')
        out.append("    <action_set>")
        out.append("      " + _head(ws, action) + ">")
        rsc = action.rsc
        if rsc is not None and rsc.primitive is not None and not action.pseudo:
            prim = rsc.primitive
            pid = rsc.graph_primitive_id or rsc.id
            parts = [_attr("id", pid)]
            if rsc.graph_long_id is not None:
                parts.append(_attr("long-id", rsc.graph_long_id))
            parts.append(_attr("class", prim.rclass))
            if prim.provider:
                parts.append(_attr("provider", prim.provider))
            parts.append(_attr("type", prim.type))
            out.append("        <primitive " + " ".join(parts) + "/>")
        attrs = _attributes(ws, action)
        out.append("        <attributes " + " ".join(_attr(k, attrs[k]) for k in sorted(attrs)) + " />")
        downed = _downed(ws, action)
        if downed:
            out.append("        <downed>")
            for d in downed:
                out.append(f"          <node id={quoteattr(d)}/>")
            out.append("        </downed>")
        out.append(f"      </{_tag(action)}>")
        out.append("    </action_set>")
        if inputs:
            out.append("    <inputs>")
            for inp in inputs:
                out.append("      <trigger>")
                out.append("        " + _head(ws, inp) + "/>")
                out.append("      </trigger>")
            out.append("    </inputs>")
        else:
            out.append("    <inputs/>")
        out.append("  </synapse>")
    out.append("</transition_graph>")
    return "\n".join(out) + "\n"


def _downed(ws: WorkingSet, action: Action) -> list[str]:
    if action.node is None:
        return []
    node = ws.nodes.get(action.node)
    if node is None:
        return []
    if action.task == "do_shutdown":
        return [node.id]
    if action.task == "stonith" and action.meta.get("stonith_action") in ("reboot", "off", "poweroff"):
        return [node.id]
    return []


# ----------------------------------------------------------------------------------------------
# dot


def _dot_name(ws: WorkingSet, action: Action) -> str:
    host = action.node
    if host is None and not action.pseudo:
        host = "<none>"
    if action.task == "cancel":
        prefix = "Cancel "
    else:
        prefix = ""
    rsc = action.rsc
    if rsc is not None and rsc.history_id is not None and rsc.history_id != rsc.id:
        key, _ = _operation_key(action, for_dot=True)
        return f"{prefix}{key} {host}" if host is not None else f"{prefix}{key}"
    if action.task == "stonith":
        return f"{prefix}stonith '{action.meta.get('stonith_action')}' {host}"
    if rsc is not None and host is not None:
        return f"{prefix}{action.key} {host}"
    if host is not None:
        return f"{prefix}{action.task} {host}"
    return action.key


def render_dot(ws: WorkingSet) -> str:
    lines = [' digraph "g" {']
    shown: set[int] = set()
    for action in ws.actions:
        style = "dashed"
        font = "black"
        color = "black"
        if action.pseudo:
            font = "orange"
        if action.flags & F.DUMPED:
            style = "bold"
            color = "green"
        elif (action.rsc is not None and not action.rsc.managed) or action.optional:
            continue
        else:
            color = "red"
        shown.add(id(action))
        lines.append(f'"{_dot_name(ws, action)}" [ style={style} color="{color}" fontcolor="{font}"]')
    for action in ws.actions:
        for w in action.before:
            style = "dashed"
            optional = True
            if w.dumped:
                optional = False
                style = "bold"
            elif w.type == O.NONE:
                continue
            elif id(w.action) in shown and id(action) in shown and w.type != O.LOAD:
                # crm_simulate marks every action it printed as dumped before writing edges
                optional = False
            if not optional:
                lines.append(f'"{_dot_name(ws, w.action)}" -> "{_dot_name(ws, action)}" [ style = {style}]')
    lines.append("}")
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------------------------
# Transition summary


class SummaryWriter:
    """``LogActions`` / ``rsc-action-item``, with Pacemaker's growing column widths."""

    def __init__(self, ws: WorkingSet) -> None:
        self.ws = ws
        self.items: list[tuple[str, str, str, str]] = []  # change, rsc id, details, reason

    def _item(self, change: str, rsc: RscState, origin: str | None, destination: str | None,
              action: Action | None, source: Action | None) -> None:
        if source is None:
            source = action
        role = rsc.role
        next_role = rsc.next_role
        need_role = role > Role.STARTED or next_role > Role.UNPROMOTED
        same_host = origin is not None and destination is not None and origin == destination
        same_role = role == next_role
        if need_role and origin is None:
            details = f"{role.text} -> {next_role.text} {destination}"
        elif origin is None:
            details = f"{destination}"
        elif need_role and destination is None:
            details = f"{role.text} {origin}"
        elif destination is None:
            details = f"{origin}"
        elif need_role and same_role and same_host:
            details = f"{role.text} {origin}"
        elif same_role and same_host:
            details = f"{origin}"
        elif need_role and same_role:
            details = f"{origin} -> {destination} {role.text}"
        elif same_role:
            details = f"{origin} -> {destination}"
        elif same_host:
            details = f"{role.text} -> {next_role.text} {origin}"
        else:
            details = f"{role.text} {origin} -> {next_role.text} {destination}"
        reason = ""
        runnable = action.runnable if action is not None else True
        if source is not None and source.reason and not runnable:
            reason = f"due to {source.reason} (blocked)"
        elif source is not None and source.reason:
            reason = f"due to {source.reason}"
        elif not runnable:
            reason = "blocked"
        self.items.append((change, rsc.id, details, reason))

    def _first(self, actions: list[Action]) -> Action | None:
        return actions[0] if actions else None

    def log_actions(self, rsc: RscState) -> None:
        ws = self.ws
        if rsc.variant == "bundle":
            for member in replica_members(rsc):
                self.log_actions(member)
            return
        if rsc.children:
            for child in rsc.children:
                self.log_actions(child)
            return
        nxt = rsc.assigned
        current: str | None = None
        if rsc.running_on:
            current = rsc.current_node()
            if rsc.role == Role.STOPPED:
                rsc.role = Role.STARTED
        if current is None and rsc.orphan:
            return
        if not rsc.managed or (current is None and nxt is None):
            return
        moving = current is not None and nxt is not None and current != nxt
        start = self._first(ws.resource_actions(rsc, nxt, "start", False))
        start_node = current if start is not None and start.runnable else None
        stop = self._first(ws.resource_actions(rsc, start_node, "stop", False))
        if stop is None and rsc.stop_unexpected:
            stop = self._first(ws.resource_actions(rsc, None, "stop", False))
        promote = self._first(ws.resource_actions(rsc, nxt, "promote", False))
        demote = self._first(ws.resource_actions(rsc, nxt, "demote", False))
        failed_stop = rsc.failed and rsc.on_fail.name != "DEMOTE"
        if rsc.role == rsc.next_role:
            if nxt is None:
                return
            migrate = self._first(ws.resource_actions(rsc, nxt, "migrate_from", False))
            if migrate is not None and current is not None and migrate.runnable:
                self._item("Migrate", rsc, current, nxt, start, None)
            elif rsc.reload:
                self._item("Reload", rsc, current, nxt, start, None)
            elif start is None or start.optional:
                if demote is not None and promote is not None and not demote.optional and not promote.optional:
                    self._item("Re-promote", rsc, current, nxt, promote, demote)
            elif not start.runnable:
                self._item("Stop", rsc, current, None, stop, stop if (stop and stop.reason) else start)
            elif moving and current:
                self._item("Recover" if rsc.failed else "Move", rsc, current, nxt, stop, None)
            elif rsc.failed:
                self._item("Recover", rsc, current, None, stop, None)
            else:
                self._item("Restart", rsc, current, nxt, start, None)
            return
        if stop is not None and (rsc.next_role == Role.STOPPED or (start is not None and not start.runnable)):
            key = f"{rsc.id}_stop_0"
            for node in rsc.running_on:
                matches = ws.find_actions(rsc, key, node)
                stop_op = matches[0] if matches else None
                self._item("Stop", rsc, node, None, stop_op, stop_op if (stop_op and stop_op.reason) else start)
        elif stop is not None and failed_stop:
            self._item("Recover", rsc, current, nxt, stop, start)
        elif moving:
            self._item("Move", rsc, current, nxt, stop, None)
        elif rsc.reload:
            self._item("Reload", rsc, current, nxt, start, None)
        elif stop is not None and not stop.optional:
            self._item("Restart", rsc, current, nxt, start, None)
        elif rsc.role == Role.PROMOTED:
            self._item("Demote", rsc, current, nxt, demote, None)
        elif rsc.next_role == Role.PROMOTED:
            self._item("Promote", rsc, current, nxt, promote, None)
        elif rsc.role == Role.STOPPED and rsc.next_role > Role.STOPPED:
            self._item("Start", rsc, current, nxt, start, None)

    def node_action_lines(self) -> list[str]:
        """``pcmk__output_actions``: scheduled fencing with its reason, in creation order.

        (Pacemaker lists shutdowns too, but only with a reason, which they do not get.)
        """
        out = []
        for action in reversed(self.ws.actions):
            if action.rsc is not None or action.optional or action.node is None or not action.reason:
                continue
            if action.task != "stonith":
                continue
            task = f"Fence ({action.meta.get('stonith_action')})"
            name = action.node
            node = self.ws.node(action.node)
            container = self.ws.guest_container(action.node)
            if container is not None:
                name = f"{action.node} (resource: {container.id})"
            elif node is not None and node.model.is_remote and node.model.remote_rsc not in (None, action.node):
                name = f"{action.node} (resource: {node.model.remote_rsc})"
            out.append(f"  * {task} {name} '{action.reason}'")
        return out

    def lines(self) -> tuple[str, ...]:
        for rsc in self.ws.resources:
            self.log_actions(rsc)
        rsc_width = 5
        detail_width = 5
        for _ in range(2):
            for _, rid, details, _ in self.items:
                if len(rid) > rsc_width:
                    rsc_width = len(rid) + 2
                if len(details) > detail_width:
                    detail_width = len(details)
        out = self.node_action_lines()
        for change, rid, details, reason in self.items:
            text = f"  * {change:<8}   {rid:<{rsc_width}}   ( {details:>{detail_width}} )"
            if reason:
                text += "  " + reason
            out.append(text)
        return tuple(out)
