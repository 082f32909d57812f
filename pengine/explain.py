"""Why is a resource where it is?  A per-resource account of the scheduler's decision.

``explain(cib, rsc_id, now=...)`` (pure, like :func:`pengine.schedule`) lists, for one
resource and the resources it is part of (its group, its clone):

* where it runs now (from the op history) and which nodes cannot host anything
  (offline, unclean, standby, maintenance);
* each location constraint and what it gives each node (a rule is evaluated per node with
  the node's attributes, as the scheduler does);
* stickiness on the nodes where it is active, fail counts against ``migration-threshold``;
* the colocations it depends on, and those that depend on it;
* the allocation and promotion scores the scheduler computed (the ``-s`` lines);
* the decision: the transition-summary lines for it, or that it stays as it is.

``crm_simulate --explain RSC`` prints it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

from lxml import etree

from crm.common.scores import score_text as score_to_str
from pengine.api import CibError, ScheduleOptions, schedule
from pengine.model import Cluster, Node, Primitive, Resource, Role
from pengine.rules import RuleContext, rule_score
from pengine.unpack import unpack_cib


def _lineage(cluster: Cluster, rsc_id: str) -> list[Resource]:
    """The resource and its ancestors, innermost first; also matches clone instances (``rsc:N``)."""
    by_id: dict[str, Resource] = {}

    def walk(rsc: Resource) -> None:
        by_id[rsc.id] = rsc
        for child in rsc.children():
            walk(child)

    for top in cluster.resources:
        walk(top)
    base = rsc_id.split(":", 1)[0]
    rsc = by_id.get(rsc_id) or by_id.get(base)
    if rsc is None:
        raise CibError(f"resource {rsc_id!r} is not in the configuration")
    chain = [rsc]
    while chain[-1].parent is not None and chain[-1].parent in by_id:
        chain.append(by_id[chain[-1].parent])
    return chain


def _node_state(node: Node) -> str | None:
    for flag, word in ((node.unclean, "unclean"), (not node.online, "offline"), (node.standby, "standby"),
                       (node.maintenance, "maintenance"), (node.shutdown, "shutting down")):
        if flag:
            return word
    return None


def _location_lines(cluster: Cluster, ids: set[str]) -> Iterable[str]:
    for loc in cluster.locations:
        matched = loc.rsc in ids or (loc.rsc_pattern is not None
                                     and any(re.fullmatch(loc.rsc_pattern, i) for i in ids))
        if not matched:
            continue
        role = "" if loc.role in (Role.UNKNOWN, Role.STARTED) else f" (role {loc.role.text})"
        target = loc.rsc or f"/{loc.rsc_pattern}/"
        if loc.node is not None and loc.score is not None:
            yield f"  {loc.id}: {target} {score_to_str(loc.score)} on {loc.node}{role}"
            continue
        for ref in loc.rules:
            per_node = []
            for node in cluster.nodes:
                ctx = RuleContext(now=cluster.now, node_attrs=node.attributes)
                score = rule_score(ref.element, ctx)
                per_node.append(f"{node.uname}={score_to_str(score) if score is not None else 'no match'}")
            rule_id = ref.element.get("id", "rule")
            yield f"  {loc.id}: {target} rule {rule_id}{role}: {', '.join(per_node)}"


def _colocation_lines(cluster: Cluster, ids: set[str]) -> Iterable[str]:
    for col in cluster.colocations:
        if col.dependent in ids:
            yield (f"  {col.id}: {col.dependent} with {col.primary} score {score_to_str(col.score)}"
                   f"{_roles(col.dependent_role, col.primary_role)}")
    for col in cluster.colocations:
        if col.primary in ids:
            yield (f"  {col.id}: {col.dependent} depends on it, score {score_to_str(col.score)}"
                   f"{_roles(col.dependent_role, col.primary_role)}")


def _roles(dependent: Role, primary: Role) -> str:
    parts = [f"{side} role {role.text}" for side, role in (("dependent", dependent), ("primary", primary))
             if role not in (Role.UNKNOWN, Role.STARTED)]
    return f" ({', '.join(parts)})" if parts else ""


def _mentions(line: str, ids: set[str]) -> bool:
    return any(re.search(rf"(?<![\w.-]){re.escape(i)}(?::\d+)?(?![\w.-])", line) for i in ids)


def explain(cib: etree._Element, rsc_id: str, *, now: datetime | None = None) -> list[str]:
    """The explanation of ``rsc_id``'s placement, as lines of text."""
    cluster = unpack_cib(cib, now).cluster
    chain = _lineage(cluster, rsc_id)
    ids = {r.id for r in chain}
    target = chain[0]
    members: set[str] = set()
    stack: list[Resource] = [target]
    while stack:
        r = stack.pop()
        members.add(r.id)
        stack.extend(r.children())
    result = schedule(cib, now=now, options=ScheduleOptions(show_scores=True))

    agent = f" ({target.agent})" if isinstance(target, Primitive) else f" ({target.kind})"
    lines = [f"Resource {target.id}{agent}"]
    if len(chain) > 1:
        lines.append("  part of: " + " -> ".join(r.id for r in chain[1:]))

    active = sorted({f"{h.node} ({h.role.text})" for h in cluster.history
                     if h.rsc_id.split(":", 1)[0] in members and h.role not in (Role.STOPPED, Role.UNKNOWN)})
    lines.append("  active on: " + (", ".join(active) if active else "nowhere"))
    failed = sorted({h.node for h in cluster.history if h.rsc_id.split(":", 1)[0] in members and h.failed})
    if failed:
        lines.append("  failed on: " + ", ".join(failed))

    lines += ["", "Nodes:"]
    for node in cluster.nodes:
        state = _node_state(node)
        lines.append(f"  {node.uname}: {state if state else 'can host resources'}")

    locs = list(_location_lines(cluster, ids | members))
    lines += ["", "Location constraints:"]
    lines.extend(locs or ["  none"])

    lines += ["", "Stickiness and failures:"]
    for r in chain:
        stick = r.meta.get("resource-stickiness", cluster.rsc_defaults.get("resource-stickiness"))
        if stick is not None:
            lines.append(f"  {r.id}: resource-stickiness {stick}")
        threshold = r.meta.get("migration-threshold", cluster.rsc_defaults.get("migration-threshold"))
        if threshold is not None:
            lines.append(f"  {r.id}: migration-threshold {threshold}")
    for (rid, where), (count, _) in sorted(cluster.fail_counts.items()):
        if rid.split(":", 1)[0] in members and count:
            lines.append(f"  fail count of {rid} on {where}: {score_to_str(count)}")

    cols = list(_colocation_lines(cluster, ids | members))
    lines += ["", "Colocations:"]
    lines.extend(cols or ["  none"])

    scores = [line for line in result.scores if _mentions(line.split(":", 1)[-1], members | ids)]
    lines += ["", "Scores computed by the scheduler:"]
    lines.extend(f"  {line}" for line in scores or ["none"])

    decision = [line for line in result.transition_summary if _mentions(line, members)]
    lines += ["", "Decision:"]
    lines.extend(decision or ["  no action: it stays as it is"])
    return lines
