"""Clone meta attributes: what ``clone_unpack`` in Pacemaker's ``lib/pengine/clone.c`` reads.

The input is the clone's effective meta attributes (its own ``meta_attributes`` merged over
``rsc_defaults``, rules already evaluated by the caller); the output is an immutable
:class:`CloneConfig` plus the configuration messages Pacemaker would log.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

TRUE_WORDS = frozenset({"true", "on", "yes", "y", "1"})

#: Resource classes that can never be globally unique (Pacemaker forces them anonymous).
ANONYMOUS_ONLY_CLASSES = frozenset({"lsb"})


def is_true(value: str | None) -> bool:
    """Pacemaker's ``crm_is_true``: true, on, yes, y and 1 (any case) are true."""
    return value is not None and value.strip().lower() in TRUE_WORDS


def parse_count(value: str | None, default: int) -> int:
    """A non-negative integer meta attribute; missing or invalid gives ``default``.

    Leading digits are used (``crm_parse_int`` semantics); negative values become 0.
    """
    if value is None:
        return default
    text = value.strip()
    sign = 1
    if text[:1] in ("+", "-") and text:
        sign = -1 if text[0] == "-" else 1
        text = text[1:]
    end = 0
    while end < len(text) and text[end].isdigit():
        end += 1
    if end == 0:
        return default
    return max(0, sign * int(text[:end]))


def _first(meta: Mapping[str, str], *names: str) -> str | None:
    for name in names:
        if name in meta:
            return meta[name]
    return None


@dataclass(frozen=True)
class CloneConfig:
    """The clone-specific settings of one ``<clone>`` (or legacy ``<master>``)."""

    clone_id: str
    child_id: str
    clone_max: int
    clone_node_max: int = 1
    clone_min: int = 0
    promotable: bool = False
    promoted_max: int = 1
    promoted_node_max: int = 1
    globally_unique: bool = False
    ordered: bool = False
    interleave: bool = False
    notify: bool = False

    def instance_id(self, number: int) -> str:
        """The id of instance ``number`` of the clone's child (``child:N``)."""
        return f"{self.child_id}:{number}"

    @property
    def instance_ids(self) -> tuple[str, ...]:
        """All configured instance ids, in instance order."""
        return tuple(self.instance_id(n) for n in range(self.clone_max))

    def graph_meta(self) -> dict[str, str]:
        """The ``CRM_meta_*`` attributes (without prefix) every clone action carries."""
        meta = {
            "clone_max": str(self.clone_max),
            "clone_node_max": str(self.clone_node_max),
            "globally_unique": "true" if self.globally_unique else "false",
        }
        if self.promotable:
            meta["master_max"] = str(self.promoted_max)
            meta["master_node_max"] = str(self.promoted_node_max)
            meta["promoted_max"] = str(self.promoted_max)
            meta["promoted_node_max"] = str(self.promoted_node_max)
        meta["notify"] = "true" if self.notify else "false"
        return meta


@dataclass(frozen=True)
class CloneUnpacked:
    """A clone's configuration and the configuration messages its unpacking produced."""

    config: CloneConfig
    messages: tuple[str, ...]


def unpack_clone_config(
    clone_id: str,
    child_id: str,
    meta: Mapping[str, str],
    *,
    node_count: int,
    legacy_master: bool = False,
    child_classes: frozenset[str] = frozenset(),
) -> CloneUnpacked:
    """Read a clone's meta attributes the way Pacemaker 2.1.5 does.

    ``node_count`` is the number of configured cluster nodes (the default ``clone-max``);
    ``legacy_master`` is true for a ``<master>`` element; ``child_classes`` are the resource
    classes of the primitives inside the clone (an ``lsb`` child forces an anonymous clone).
    """
    messages: list[str] = []
    promotable = legacy_master or is_true(meta.get("promotable"))
    globally_unique = is_true(meta.get("globally-unique"))
    forced = sorted(child_classes & ANONYMOUS_ONLY_CLASSES)
    if globally_unique and forced:
        messages.append(
            f"Resource {child_id} is of type {forced[0]} and therefore cannot be used as a unique clone. "
            "This resource will be treated as anonymous"
        )
        globally_unique = False
    clone_node_max = parse_count(meta.get("clone-node-max"), 1)
    if not globally_unique and clone_node_max > 1:
        messages.append(
            f"Ignoring clone-node-max for {clone_id} because anonymous clones support only one "
            "instance per node"
        )
        clone_node_max = 1
    clone_max = parse_count(meta.get("clone-max"), node_count)
    if forced and is_true(meta.get("globally-unique")):
        # a unique clone forced anonymous keeps at most one instance per node
        clone_max = min(clone_max, node_count)
    config = CloneConfig(
        clone_id=clone_id,
        child_id=child_id,
        clone_max=clone_max,
        clone_node_max=clone_node_max,
        clone_min=parse_count(meta.get("clone-min"), 0),
        promotable=promotable,
        promoted_max=parse_count(_first(meta, "promoted-max", "master-max"), 1) if promotable else 0,
        promoted_node_max=(
            parse_count(_first(meta, "promoted-node-max", "master-node-max"), 1) if promotable else 0
        ),
        globally_unique=globally_unique,
        ordered=is_true(meta.get("ordered")),
        interleave=is_true(meta.get("interleave")),
        notify=is_true(meta.get("notify")),
    )
    return CloneUnpacked(config=config, messages=tuple(messages))
