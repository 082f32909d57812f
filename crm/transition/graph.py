"""Transition graph model: Pacemaker's ``<transition_graph>`` XML as immutable synapses and actions.

A transition graph is a list of synapses.  Each synapse holds one action (Pacemaker allows
several; every scheduler in practice writes one) and the ids of the actions that must be
confirmed before it may fire (its inputs).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from lxml import etree

from crm.common.booleans import is_true
from crm.common.scores import INFINITY


class GraphError(ValueError):
    """A transition graph that cannot be understood; the message names the element."""


class ActionKind(enum.Enum):
    """The three kinds of graph action."""

    PSEUDO = "pseudo_event"  # confirmed as soon as it fires; nothing is executed
    RESOURCE = "rsc_op"  # an operation of a resource agent on a node
    CLUSTER = "crm_event"  # fencing, shutdown, clear-failcount: handled by the cluster itself


@dataclass(frozen=True)
class ResourceRef:
    """The ``<primitive>`` element of a resource action: which agent to run."""

    id: str
    long_id: str | None = None
    rsc_class: str | None = None
    provider: str | None = None
    type: str | None = None


def _frozen(mapping: Mapping[str, str] | None = None) -> Mapping[str, str]:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True)
class GraphAction:
    """One action of a graph, with its agent parameters and ``CRM_meta_*`` attributes."""

    id: int
    kind: ActionKind
    operation: str
    operation_key: str
    on_node: str | None = None
    on_node_uuid: str | None = None
    router_node: str | None = None
    resource: ResourceRef | None = None
    attributes: Mapping[str, str] = field(default_factory=_frozen)

    def meta(self, name: str) -> str | None:
        """Value of ``CRM_meta_<name>``, if present."""
        return self.attributes.get("CRM_meta_" + name)

    @property
    def interval_ms(self) -> int:
        return _int(self.meta("interval"), 0)

    @property
    def target_rc(self) -> int:
        return _int(self.meta("op_target_rc"), 0)

    @property
    def timeout_ms(self) -> int:
        return _int(self.meta("timeout"), 0)

    @property
    def can_fail(self) -> bool:
        return is_true(self.meta("can_fail"))

    @property
    def params(self) -> Mapping[str, str]:
        """Agent parameters: the attributes that are not ``CRM_meta_*``."""
        return {k: v for k, v in self.attributes.items() if not k.startswith("CRM_meta_")}

    def describe(self) -> str:
        return f"{self.operation_key}" + (f" on {self.on_node}" if self.on_node else "")


@dataclass(frozen=True)
class Synapse:
    """An action plus the ids of the actions that must complete before it fires."""

    id: int
    priority: int
    action: GraphAction
    inputs: tuple[int, ...]


@dataclass(frozen=True)
class TransitionGraph:
    """A whole transition graph."""

    transition_id: int
    synapses: tuple[Synapse, ...]
    attributes: Mapping[str, str] = field(default_factory=_frozen)

    @property
    def batch_limit(self) -> int:
        return _int(self.attributes.get("batch-limit"), 0)

    def actions(self) -> dict[int, GraphAction]:
        return {s.action.id: s.action for s in self.synapses}


def _int(text: str | None, default: int) -> int:
    if text is None:
        return default
    text = text.strip()
    if text.upper() in ("INFINITY", "+INFINITY"):
        return INFINITY
    if text.upper() == "-INFINITY":
        return -INFINITY
    try:
        return int(text)
    except ValueError:
        return default


def _required_int(elem: etree._Element, name: str, where: str) -> int:
    text = elem.get(name)
    if text is None:
        raise GraphError(f"{where}: <{elem.tag}> has no {name} attribute")
    try:
        return int(text)
    except ValueError:
        raise GraphError(f"{where}: <{elem.tag}> {name}={text!r} is not an integer") from None


def _parse_action(elem: etree._Element, where: str) -> GraphAction:
    try:
        kind = ActionKind(elem.tag)
    except ValueError:
        raise GraphError(f"{where}: unknown action element <{elem.tag}>") from None
    action_id = _required_int(elem, "id", where)
    operation = elem.get("operation")
    if operation is None:
        raise GraphError(f"{where}: action {action_id} has no operation attribute")
    resource = None
    prim = elem.find("primitive")
    if prim is not None:
        rid = prim.get("id")
        if rid is None:
            raise GraphError(f"{where}: <primitive> of action {action_id} has no id")
        resource = ResourceRef(
            id=rid,
            long_id=prim.get("long-id"),
            rsc_class=prim.get("class"),
            provider=prim.get("provider"),
            type=prim.get("type"),
        )
    attrs: dict[str, str] = {}
    attr_elem = elem.find("attributes")
    if attr_elem is not None:
        attrs = {str(k): str(v) for k, v in attr_elem.attrib.items()}
        for param in attr_elem.iterfind("param"):  # heartbeat-class positional parameters
            name = param.get("name")
            if name is not None:
                attrs[name] = param.get("value", "")
    return GraphAction(
        id=action_id,
        kind=kind,
        operation=operation,
        operation_key=elem.get("operation_key") or operation,
        on_node=elem.get("on_node"),
        on_node_uuid=elem.get("on_node_uuid"),
        router_node=elem.get("router_node"),
        resource=resource,
        attributes=_frozen(attrs),
    )


def parse_graph(source: str | bytes | etree._Element) -> TransitionGraph:
    """Parse transition graph XML (text or element) into a :class:`TransitionGraph`."""
    if isinstance(source, etree._Element):
        root = source
    else:
        data = source.encode() if isinstance(source, str) else source
        try:
            root = etree.fromstring(data, parser=etree.XMLParser(remove_blank_text=True))
        except etree.XMLSyntaxError as exc:
            raise GraphError(f"transition graph is not well-formed XML: {exc}") from None
    if root.tag != "transition_graph":
        raise GraphError(f"root element is <{root.tag}>, expected <transition_graph>")
    synapses: list[Synapse] = []
    seen: set[int] = set()
    for syn in root.iterchildren("synapse"):
        sid = _required_int(syn, "id", "transition_graph")
        where = f"synapse {sid}"
        aset = syn.find("action_set")
        elems = [] if aset is None else [a for a in aset if isinstance(a.tag, str)]
        if len(elems) != 1:
            raise GraphError(f"{where}: expected exactly one action, found {len(elems)}")
        action = _parse_action(elems[0], where)
        if action.id in seen:
            raise GraphError(f"{where}: action id {action.id} is used by another synapse")
        seen.add(action.id)
        inputs: list[int] = []
        inp = syn.find("inputs")
        if inp is not None:
            for trig in inp.iterchildren("trigger"):
                for ref in trig:
                    if isinstance(ref.tag, str):
                        inputs.append(_required_int(ref, "id", where + " input"))
        synapses.append(
            Synapse(id=sid, priority=_int(syn.get("priority"), 0), action=action, inputs=tuple(inputs))
        )
    # An input naming no action of the graph is kept: it is never confirmed, so its synapse
    # never fires and the run ends incomplete, as Pacemaker's transition engine behaves.
    attrs = {str(k): str(v) for k, v in root.attrib.items()}
    return TransitionGraph(
        transition_id=_int(root.get("transition_id"), 0),
        synapses=tuple(synapses),
        attributes=_frozen(attrs),
    )
