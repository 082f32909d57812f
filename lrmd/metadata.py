"""Agent meta-data: the parts the executor and the digests need."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from crm.common.booleans import is_true
from crm.common.digest import PRIVATE_PARAM_NAMES, ParamSpec, ReloadKind


class MetadataError(ValueError):
    """The agent's meta-data is not usable XML."""


@dataclass(frozen=True)
class ActionSpec:
    name: str
    timeout: str | None = None
    interval: str | None = None
    depth: str | None = None
    role: str | None = None


@dataclass(frozen=True)
class AgentMetadata:
    """Parsed ``<resource-agent>`` meta-data."""

    name: str
    ocf_version: str
    params: tuple[ParamSpec, ...]
    actions: tuple[ActionSpec, ...]
    xml: str

    @property
    def reload(self) -> ReloadKind:
        names = {action.name for action in self.actions}
        agent = "reload-agent" in names
        legacy = not agent and "reload" in names and _version_tuple(self.ocf_version) < (1, 1)
        return ReloadKind(agent=agent, legacy=legacy)

    def has_action(self, name: str) -> bool:
        return any(action.name == name for action in self.actions)


def _version_tuple(text: str) -> tuple[int, ...]:
    parts: list[int] = []
    for piece in text.strip().split("."):
        try:
            parts.append(int(piece))
        except ValueError:
            break
    return tuple(parts) or (1, 0)


def parse_metadata(text: str) -> AgentMetadata:
    """Parse an agent's meta-data output (OCF 1.0 or 1.1)."""
    try:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
        root = etree.fromstring(text.encode("utf-8"), parser)
    except etree.XMLSyntaxError as exc:
        raise MetadataError(f"meta-data is not well-formed XML: {exc}") from exc
    if root.tag != "resource-agent":
        raise MetadataError(f"meta-data root element is <{root.tag}>, expected <resource-agent>")
    version_el = root.find("version")
    ocf_version = (version_el.text or "1.0").strip() if version_el is not None else "1.0"
    params: list[ParamSpec] = []
    for param in root.iterfind("parameters/parameter"):
        name = param.get("name")
        if not name:
            continue
        params.append(
            ParamSpec(
                name=name,
                unique=is_true(param.get("unique")),
                reloadable=is_true(param.get("reloadable")),
                private=is_true(param.get("private")) or name in PRIVATE_PARAM_NAMES,
            )
        )
    actions = tuple(
        ActionSpec(
            name=action.get("name", ""),
            timeout=action.get("timeout"),
            interval=action.get("interval"),
            depth=action.get("depth"),
            role=action.get("role"),
        )
        for action in root.iterfind("actions/action")
    )
    return AgentMetadata(
        name=root.get("name", ""), ocf_version=ocf_version, params=tuple(params), actions=actions, xml=text
    )
