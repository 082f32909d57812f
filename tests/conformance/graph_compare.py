"""Structural comparison of Pacemaker transition graphs, scores, summaries and dot files.

Normalisation (the one of the shared conformance comparator): numbering is ignored; every
action is named ``<operation_key> <on_node>``; actions sharing a name are told apart by the
inputs only some of them have, then by what they precede, then by their instance key
(``rsc:N_op_0``), then by a stable ordinal; every ``<trigger>`` is an edge "input before action".
With ``meta="key"`` a fixed set of ``CRM_meta_*`` attributes is compared on matched actions.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from lxml import etree

ACTION_TAGS = ("rsc_op", "pseudo_event", "crm_event")
KEY_META = (
    "interval", "timeout", "op_target_rc", "role", "on_fail", "start_delay",
    "notify_type", "notify_operation", "notify_key_type", "notify_key_operation",
    "migrate_source", "migrate_target", "stonith_action", "op_no_wait",
    "record_pending", "shutdown",
)


class GraphFormatError(ValueError):
    """A file that cannot be read as a transition graph."""


@dataclass(frozen=True)
class NormAction:
    key: str
    kind: str
    meta: Mapping[str, str]


@dataclass
class NormGraph:
    actions: dict[str, NormAction] = field(default_factory=dict)
    edges: set[tuple[str, str]] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)


def _base_key(elem: etree._Element) -> str:
    key = elem.get("operation_key") or elem.get("operation") or "?"
    node = elem.get("on_node")
    return f"{key} {node}" if node else key


def _inner_key(elem: etree._Element) -> str | None:
    inner = elem.get("internal_operation_key")
    if not inner:
        return None
    node = elem.get("on_node")
    return f"{inner} {node}" if node else inner


def _meta_of(elem: etree._Element) -> dict[str, str]:
    meta: dict[str, str] = {}
    attrs = elem.find("attributes")
    if attrs is None:
        return meta
    for name, value in attrs.attrib.items():
        name, value = str(name), str(value)
        if not name.startswith("CRM_meta_"):
            continue
        short = name[len("CRM_meta_"):]
        if short.startswith("notify_") and short.endswith(("_resource", "_uname", "_hosts")):
            value = " ".join(sorted(value.split()))
        meta[short] = value
    return meta


def _signature(elem: etree._Element) -> list[tuple[str, str]]:
    attrs = elem.find("attributes")
    return sorted((str(k), str(v)) for k, v in attrs.attrib.items()) if attrs is not None else []


def _labels_by_difference(
    members: list[str], neighbours: Mapping[str, set[str]], word: str
) -> dict[str, str] | None:
    sets = {i: frozenset(neighbours.get(i, ())) for i in members}
    common = frozenset.intersection(*sets.values())
    labels = {i: f"{word} {','.join(sorted(sets[i] - common)) or 'none'}" for i in members}
    return labels if len(set(labels.values())) == len(members) else None


def parse_norm_graph(data: str | bytes) -> NormGraph:
    raw = data.encode() if isinstance(data, str) else data
    try:
        root = etree.fromstring(raw)
    except etree.XMLSyntaxError as exc:
        raise GraphFormatError(f"not well-formed XML: {exc}") from None
    if root.tag != "transition_graph":
        raise GraphFormatError(f"root element is <{root.tag}>, not <transition_graph>")
    g = NormGraph()
    synapses: list[tuple[etree._Element, etree._Element]] = []
    elem_of: dict[str, etree._Element] = {}
    for syn in root.iter("synapse"):
        aset = syn.find("action_set")
        acts = [] if aset is None else [a for a in aset if a.tag in ACTION_TAGS]
        if len(acts) != 1:
            g.problems.append(f"synapse {syn.get('id')} has {len(acts)} actions")
        for a in acts:
            synapses.append((syn, a))
            aid = str(a.get("id"))
            if aid in elem_of:
                g.problems.append(f"action id {aid} used twice")
            elem_of[aid] = a
    ids_by_base: dict[str, list[str]] = {}
    for _, a in synapses:
        ids_by_base.setdefault(_base_key(a), []).append(str(a.get("id")))
    raw_edges: list[tuple[etree._Element, str]] = []
    for syn, a in synapses:
        inputs = syn.find("inputs")
        if inputs is None:
            continue
        for trig in inputs.iter("trigger"):
            for ref in trig:
                if ref.tag in ACTION_TAGS:
                    raw_edges.append((ref, str(a.get("id"))))
    key_of = {ids[0]: base for base, ids in ids_by_base.items() if len(ids) == 1}
    dups = {b: ids for b, ids in ids_by_base.items() if len(ids) > 1}
    if dups:

        def name(i: str) -> str:
            return key_of.get(i) or _base_key(elem_of[i])

        preds: dict[str, set[str]] = {}
        succs: dict[str, set[str]] = {}
        for ref, after in raw_edges:
            before = str(ref.get("id"))
            preds.setdefault(after, set()).add(name(before) if before in elem_of else _base_key(ref))
            if before in elem_of:
                succs.setdefault(before, set()).add(name(after))
        for base, ids in dups.items():
            labels = _labels_by_difference(ids, preds, "after") or _labels_by_difference(ids, succs, "before")
            if labels is None:
                inner = {i: _inner_key(elem_of[i]) for i in ids}
                if all(inner.values()) and len(set(inner.values())) == len(ids):
                    labels = {i: str(inner[i]) for i in ids}
                else:
                    order = sorted(
                        ids,
                        key=lambda i: (
                            sorted(preds.get(i, ())), sorted(succs.get(i, ())), _signature(elem_of[i]), i
                        ),
                    )
                    labels = {i: f"#{n + 1}" for n, i in enumerate(order)}
            for i, label in labels.items():
                key_of[i] = f"{base} {{{label}}}"
    for _, a in synapses:
        key = key_of[str(a.get("id"))]
        if key in g.actions:
            g.problems.append(f"duplicate action {key}")
        g.actions[key] = NormAction(key, str(a.tag), _meta_of(a))
    for ref, after_id in raw_edges:
        after = key_of[after_id]
        known = key_of.get(str(ref.get("id")))
        before = known if known is not None else _base_key(ref)
        if known is None:
            g.problems.append(f"input {before} of {after} is not an action of the graph")
        g.edges.add((before, after))
    return g


def reachable_pairs(g: NormGraph) -> tuple[set[tuple[str, str]], bool]:
    """All (a, b) with a path a -> b, and whether the graph has a cycle."""
    nodes = sorted(set(g.actions) | {x for e in g.edges for x in e})
    succ: dict[str, list[str]] = {n: [] for n in nodes}
    for a, b in g.edges:
        succ[a].append(b)
    index = {n: i for i, n in enumerate(nodes)}
    reach: dict[str, int] = {}
    state: dict[str, int] = {}
    cycle = False
    for start in nodes:
        if start in state:
            continue
        stack: list[tuple[str, Iterable[str]]] = [(start, iter(succ[start]))]
        state[start] = 1
        while stack:
            v, it = stack[-1]
            pushed = False
            for w in it:
                if w not in state:
                    state[w] = 1
                    stack.append((w, iter(succ[w])))
                    pushed = True
                    break
                if state[w] == 1:
                    cycle = True
            if not pushed:
                stack.pop()
                acc = 0
                for w in succ[v]:
                    acc |= (1 << index[w]) | reach.get(w, 0)
                reach[v] = acc
                state[v] = 2
    if cycle:
        changed = True
        while changed:
            changed = False
            for v in nodes:
                acc = reach[v]
                for w in succ[v]:
                    acc |= (1 << index[w]) | reach[w]
                if acc != reach[v]:
                    reach[v] = acc
                    changed = True
    pairs = set()
    for v in nodes:
        bits = reach[v]
        i = 0
        while bits:
            if bits & 1:
                pairs.add((v, nodes[i]))
            bits >>= 1
            i += 1
    return pairs, cycle


@dataclass(frozen=True)
class GraphVerdict:
    actions_ok: bool
    edges_ok: bool
    closure_ok: bool
    meta_ok: bool
    cycle: bool
    detail: str

    @property
    def exact(self) -> bool:
        return self.actions_ok and self.edges_ok and self.meta_ok and not self.cycle

    @property
    def closure_equal(self) -> bool:
        return self.actions_ok and self.closure_ok and self.meta_ok and not self.cycle


def _sample(items: Iterable[object], limit: int = 3) -> str:
    seq = sorted(str(i) for i in items)
    text = ", ".join(seq[:limit])
    return text + (f", ...(+{len(seq) - limit})" if len(seq) > limit else "")


def compare_graphs(expected: NormGraph, actual: NormGraph) -> GraphVerdict:
    missing = set(expected.actions) - set(actual.actions)
    extra = set(actual.actions) - set(expected.actions)
    common = set(expected.actions) & set(actual.actions)
    kind_diff = {k for k in common if expected.actions[k].kind != actual.actions[k].kind}
    clo_e, _ = reachable_pairs(expected)
    clo_a, cycle = reachable_pairs(actual)
    meta_diffs = []
    for k in sorted(common):
        em, am = expected.actions[k].meta, actual.actions[k].meta
        for n in KEY_META:
            if (n in em or n in am) and em.get(n) != am.get(n):
                meta_diffs.append(f"{k} {n}={em.get(n)}!={am.get(n)}")
    parts = []
    if missing or extra or kind_diff:
        parts.append(
            f"actions -{len(missing)}/+{len(extra)} [missing: {_sample(missing)}; extra: {_sample(extra)}]"
        )
    if expected.edges != actual.edges:
        parts.append(
            f"edges -{len(expected.edges - actual.edges)}/+{len(actual.edges - expected.edges)}"
            + (" (closure-equal)" if clo_e == clo_a else "")
        )
    if meta_diffs:
        parts.append(f"meta {len(meta_diffs)} [{_sample(meta_diffs)}]")
    if cycle:
        parts.append("ordering cycle")
    return GraphVerdict(
        actions_ok=not (missing or extra or kind_diff),
        edges_ok=expected.edges == actual.edges,
        closure_ok=clo_e == clo_a and not cycle,
        meta_ok=not meta_diffs,
        cycle=cycle,
        detail="; ".join(parts),
    )


def _ws(line: str) -> str:
    return re.sub(r"\s+", " ", line).strip()


def score_lines(text: str | Iterable[str]) -> list[str]:
    lines = text.splitlines() if isinstance(text, str) else list(text)
    return [_ws(line) for line in lines if " score on " in line]


def compare_scores(expected: str, actual: str | Iterable[str]) -> tuple[bool, str]:
    e, a = Counter(score_lines(expected)), Counter(score_lines(actual))
    missing, extra = list((e - a).elements()), list((a - e).elements())
    if not missing and not extra:
        return True, ""
    return False, f"scores -{len(missing)}/+{len(extra)} [{_sample(missing + ['+' + x for x in extra])}]"


def _normalise_summary(text: str) -> list[str]:
    out = []
    for line in text.splitlines():
        line = line.replace("ocf::", "ocf:")
        line = line.replace("Masters:", "Promoted:", 1)
        line = line.replace("Slaves:", "Unpromoted:", 1)
        line = re.sub(r" Master( |\[|$)", r" Promoted\1", line, count=1)
        line = line.replace(" Slave ", " Unpromoted ", 1)
        out.append(line)
    return out


def compare_summary(expected: str, actual: str) -> tuple[bool, str]:
    """Equal up to whitespace and blank lines (like ``diff -w -B``)."""
    le = [re.sub(r"\s+", "", line) for line in _normalise_summary(expected) if line.strip()]
    la = [re.sub(r"\s+", "", line) for line in _normalise_summary(actual) if line.strip()]
    if le == la:
        return True, ""
    for i, (x, y) in enumerate(zip(le, la, strict=False)):
        if x != y:
            return False, f"summary differs at line {i + 1}"
    return False, f"summary length {len(le)}!={len(la)}"


def compare_dot(expected: str, actual: str) -> tuple[bool, str]:
    def body(text: str) -> set[str]:
        return {
            _ws(line) for line in text.splitlines()
            if line.strip() and not line.startswith("digraph") and line.strip() != "}"
        }

    e, a = body(expected), body(actual)
    if e == a:
        return True, ""
    return False, f"dot -{len(e - a)}/+{len(a - e)} [{_sample(e - a)}]"
