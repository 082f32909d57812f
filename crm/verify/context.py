"""What the checks share: the upgraded document, cluster options and readers for
resources, operations and op history."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

from lxml import etree

from crm.common.booleans import parse_boolean as boolean
from pengine.unpack.history import is_active

RESOURCE_TAGS: Final = frozenset({"primitive", "group", "clone", "master", "bundle"})


def elements(root: etree._Element, path: str) -> list[etree._Element]:
    found = root.xpath(path)
    return [e for e in found if isinstance(e, etree._Element)] if isinstance(found, list) else []


def line_of(element: etree._Element) -> int | None:
    line = element.sourceline
    return line if isinstance(line, int) and line > 0 else None


def nvpairs(element: etree._Element, set_tag: str) -> dict[str, str]:
    """Name/value pairs of the element's sets of one kind (first value wins; rules ignored)."""
    values: dict[str, str] = {}
    for nvpair in element.iterfind(f"{set_tag}/nvpair"):
        name, value = nvpair.get("name"), nvpair.get("value")
        if name is not None and value is not None and name not in values:
            values[name] = value
    return values


@dataclass(frozen=True, slots=True)
class Context:
    """The upgraded document and what several checks need from it."""

    root: etree._Element
    options: dict[str, str]

    @property
    def stonith_enabled(self) -> bool:
        value = boolean(self.options.get("stonith-enabled"))
        return True if value is None else value

    def resources(self) -> Iterator[etree._Element]:
        resources = self.root.find("configuration/resources")
        if resources is not None:
            yield from (e for e in resources.iter() if e.tag in RESOURCE_TAGS)

    def any_node_online(self) -> bool:
        """Some cluster node is up (the scheduler only creates actions then)."""
        return any(
            truthy_state(state.get("in_ccm")) and truthy_state(state.get("crmd"))
            for state in elements(self.root, "/cib/status/node_state")
        )

    def active_anywhere(self) -> set[str]:
        active: set[str] = set()
        for state in elements(self.root, "/cib/status/node_state"):
            active |= active_resources(state)
        return active

    def resource_ids(self) -> set[str]:
        ids = {str(e.get("id")) for e in self.resources()}
        ids |= {str(e.get("id")) for e in elements(self.root, "/cib/configuration/tags/tag")}
        ids |= {str(e.get("id")) for e in elements(self.root, "/cib/configuration/resources/template")}
        return ids


def cluster_options(root: etree._Element) -> dict[str, str]:
    options: dict[str, str] = {}
    for nvpair in elements(root, "/cib/configuration/crm_config/cluster_property_set/nvpair"):
        name, value = nvpair.get("name"), nvpair.get("value")
        if name is not None and value is not None:
            options.setdefault(name, value)
    return options


def operations(ctx: Context, primitive: etree._Element) -> list[etree._Element]:
    ops: list[etree._Element] = []
    template_id = primitive.get("template")
    if template_id is not None:
        for template in elements(ctx.root, "/cib/configuration/resources/template"):
            if template.get("id") == template_id:
                ops.extend(template.iterfind("operations/op"))
    for operations in primitive.iterfind("operations"):
        ref = operations.get("id-ref")
        if ref is not None:
            for shared in ctx.root.iter("operations"):
                if shared.get("id") == ref:
                    ops.extend(shared.iterfind("op"))
        ops.extend(operations.iterfind("op"))
    return ops


def truthy_state(value: str | None) -> bool:
    if value is None:
        return False
    if value.lstrip("-").isdigit():
        return int(value) > 0
    return bool(boolean(value)) or value == "online"


def call_id(op: etree._Element) -> int:
    text = op.get("call-id", "")
    return int(text) if text.lstrip("-").isdigit() else -1


def active_resources_of(resource: etree._Element) -> set[str]:
    """The resource (its id without a clone instance number) if its op history on this node
    leaves it active, as the scheduler reads the history."""
    if is_active(resource.iterfind("lrm_rsc_op")):
        return {resource.get("id", "").split(":", 1)[0]}
    return set()


def active_resources(state: etree._Element) -> set[str]:
    """Resources whose last recorded action on this node left them running."""
    active: set[str] = set()
    for resource in state.iterfind("lrm/lrm_resources/lrm_resource"):
        active |= active_resources_of(resource)
    return active


def replicas(bundle: etree._Element) -> int:
    runtime = next((c for c in bundle if c.tag in ("docker", "podman", "rkt")), None)
    if runtime is None:
        return 1
    for attribute in ("replicas", "promoted-max", "masters"):
        value = runtime.get(attribute, "")
        if value.isdigit():
            return int(value)
    return 1
