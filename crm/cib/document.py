"""The CIB document: an lxml tree rooted at ``<cib>`` with versions, sections and queries.

Queries take XPath *variables* (``doc.xpath("//primitive[@id=$id]", id=name)``), never
strings formatted into the expression.
"""

from __future__ import annotations

import copy as _copy
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from lxml import etree

from crm.cib.version import CibVersion
from crm.cib.xmltext import parse_xml, to_text

#: ``crm_feature_set`` and ``validate-with`` of a new CIB, as Pacemaker 2.1.5 writes them.
FEATURE_SET = "3.16.1"
DEFAULT_VALIDATE_WITH = "pacemaker-3.9"

CONFIGURATION_SECTIONS: tuple[str, ...] = (
    "crm_config",
    "nodes",
    "resources",
    "constraints",
    "rsc_defaults",
    "op_defaults",
    "acls",
    "fencing-topology",
    "tags",
    "alerts",
)

#: Scope name (``cibadmin -o``) -> path of the section element.
SECTION_PATHS: dict[str, tuple[str, ...]] = {
    "cib": ("cib",),
    "configuration": ("cib", "configuration"),
    "status": ("cib", "status"),
    **{name: ("cib", "configuration", name) for name in CONFIGURATION_SECTIONS},
}

#: Attributes of ``<cib>`` set from the clock or the writer, ignored by versioned digests.
VOLATILE_CIB_ATTRIBUTES: frozenset[str] = frozenset(
    {"cib-last-written", "update-origin", "update-client", "update-user", "crm-debug-origin"}
)


class CibStructureError(ValueError):
    """The document is not a CIB (wrong root, bad version attributes, ...)."""


@dataclass(frozen=True, slots=True)
class DuplicateId:
    id: str
    paths: tuple[str, ...]


def path_step(node: etree._Element) -> str:
    """One step of :func:`element_path`: ``primitive[@id='d1']``, or the tag alone."""
    ident = node.get("id")
    if ident is None:
        return str(node.tag)
    if "'" in ident:
        return f'{node.tag}[@id="{ident}"]'
    return f"{node.tag}[@id='{ident}']"


def element_path(node: etree._Element) -> str:
    """Pacemaker's path of an element: ``/cib/configuration/resources/primitive[@id='d1']``."""
    parts: list[str] = []
    current: etree._Element | None = node
    while current is not None:
        if isinstance(current.tag, str):
            parts.append(path_step(current))
        current = current.getparent()
    return "/" + "/".join(reversed(parts))


def copy_tree(node: etree._Element) -> etree._Element:
    """A copy of ``node`` and its subtree as the root of a new document (without its tail).

    ``deepcopy`` copies the nodes in C, about twice as fast as serialising and parsing again.
    """
    copied = _copy.deepcopy(node)
    copied.tail = None
    return copied


def md5_digest(node: etree._Element) -> str:
    """Pacemaker's on-disk (v1) digest: md5 of ``" " + compact text + "\\n"``."""
    return hashlib.md5((" " + to_text(node, pretty=False) + "\n").encode()).hexdigest()


def _filtered_copy(node: etree._Element) -> etree._Element:
    copy = etree.fromstring(etree.tostring(node))
    for element in copy.iter():
        if isinstance(element.tag, str):
            for name in VOLATILE_CIB_ATTRIBUTES & set(element.attrib):
                del element.attrib[name]
    return copy


def _feature_at_least(version: str | None, minimum: tuple[int, ...]) -> bool:
    if not version:
        return False
    try:
        parts = tuple(int(p) for p in version.split("."))
    except ValueError:
        return False
    return parts >= minimum


def versioned_digest(node: etree._Element) -> str:
    """Pacemaker's on-the-wire digest (``cibadmin -6``).

    For ``crm_feature_set`` >= 3.0.5: md5 of the compact text without volatile attributes;
    older (or absent) feature sets use the on-disk digest.
    """
    if not _feature_at_least(node.get("crm_feature_set"), (3, 0, 5)):
        return md5_digest(node)
    return hashlib.md5(to_text(_filtered_copy(node), pretty=False).encode()).hexdigest()


class CibDocument:
    """A mutable CIB tree.  ``root`` is the ``<cib>`` element."""

    __slots__ = ("root",)

    def __init__(self, root: etree._Element) -> None:
        if root.tag != "cib":
            raise CibStructureError(f"the root element is <{root.tag}>, expected <cib>")
        CibVersion.of(root)  # reject bad version attributes early
        self.root = root

    # construction -------------------------------------------------------------------------
    @classmethod
    def parse(cls, data: str | bytes, source: str = "<input>", *, from_file: bool = False) -> CibDocument:
        return cls(parse_xml(data, source, from_file=from_file))

    @classmethod
    def empty(cls, epoch: int = 1, validate_with: str = DEFAULT_VALIDATE_WITH) -> CibDocument:
        """An empty CIB with the attributes ``cibadmin --empty`` writes."""
        root = etree.Element("cib")
        root.set("crm_feature_set", FEATURE_SET)
        root.set("validate-with", validate_with)
        root.set("epoch", str(epoch))
        root.set("num_updates", "0")
        root.set("admin_epoch", "0")
        configuration = etree.SubElement(root, "configuration")
        for name in ("crm_config", "nodes", "resources", "constraints"):
            etree.SubElement(configuration, name)
        etree.SubElement(root, "status")
        return cls(root)

    def copy(self) -> CibDocument:
        return CibDocument(copy_tree(self.root))

    # versions -----------------------------------------------------------------------------
    @property
    def version(self) -> CibVersion:
        return CibVersion.of(self.root)

    @version.setter
    def version(self, value: CibVersion) -> None:
        value.write_to(self.root)

    @property
    def validate_with(self) -> str | None:
        return self.root.get("validate-with")

    def bump_epoch(self) -> None:
        """``cibadmin --bump``: increase ``epoch`` by one."""
        self.root.set("epoch", str(self.version.epoch + 1))

    # sections and queries -----------------------------------------------------------------
    def section(self, scope: str) -> etree._Element | None:
        """The element for a scope name (``resources``, ``status``, ...), or None if absent."""
        path = SECTION_PATHS.get(scope)
        if path is None:
            raise KeyError(scope)
        node: etree._Element | None = self.root
        for tag in path[1:]:
            assert node is not None
            node = node.find(tag)
            if node is None:
                return None
        return node

    def ensure_section(self, scope: str) -> etree._Element:
        """The section element, created (empty, in its parent) when missing."""
        path = SECTION_PATHS[scope]
        node = self.root
        for tag in path[1:]:
            child = node.find(tag)
            if child is None:
                child = etree.SubElement(node, tag)
            node = child
        return node

    def xpath(self, expression: str, **variables: str | int | float) -> list[etree._Element]:
        """Elements matching ``expression``; ``$name`` in it refers to ``variables[name]``.

        Raises ``etree.XPathError`` for an invalid expression; non-element results are dropped.
        """
        bound: dict[str, Any] = dict(variables)
        result = self.root.xpath(expression, **bound)
        if not isinstance(result, list):
            return []
        return [node for node in result if isinstance(node, etree._Element)]

    def find_by_id(self, ident: str, tag: str | None = None) -> etree._Element | None:
        if tag is None:
            found = self.xpath("//*[@id=$id]", id=ident)
        else:
            found = self.xpath("//*[local-name()=$tag][@id=$id]", id=ident, tag=tag)
        return found[0] if found else None

    def duplicate_ids(self) -> list[DuplicateId]:
        """Ids used by more than one element in the configuration section.

        (The status section legitimately repeats ids across nodes.)
        """
        configuration = self.root.find("configuration")
        if configuration is None:
            return []
        seen: dict[str, list[str]] = {}
        for node in configuration.iter():
            if isinstance(node.tag, str) and "id" in node.attrib:
                seen.setdefault(str(node.get("id")), []).append(element_path(node))
        return [DuplicateId(k, tuple(v)) for k, v in seen.items() if len(v) > 1]

    def elements(self) -> Iterator[etree._Element]:
        for node in self.root.iter():
            if isinstance(node.tag, str):
                yield node

    # output --------------------------------------------------------------------------------
    def to_text(self, pretty: bool = True) -> str:
        return to_text(self.root, pretty)

    def digest(self) -> str:
        return md5_digest(self.root)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CibDocument):
            return NotImplemented
        return same_xml(self.root, other.root)

    def __hash__(self) -> int:  # pragma: no cover - mutable, not hashable by content
        return id(self)


def _shallow_same(a: etree._Element, b: etree._Element, ignore: frozenset[str], ordered: bool) -> bool:
    """Same node type, tag (text for comments), attributes and number of children."""
    if type(a) is not type(b):
        return False
    if isinstance(a, etree._Comment):
        return a.text == b.text
    if a.tag != b.tag:
        return False
    if ignore:
        attrs_a = [(k, v) for k, v in a.attrib.items() if k not in ignore]
        attrs_b = [(k, v) for k, v in b.attrib.items() if k not in ignore]
    else:
        attrs_a, attrs_b = a.attrib.items(), b.attrib.items()
    if (attrs_a != attrs_b) if ordered else (dict(attrs_a) != dict(attrs_b)):
        return False
    return len(a) == len(b)


#: From this many children on, :func:`same_xml` compares each child's serialisation first.
_SERIALISED_SIBLINGS = 4


def same_xml(
    a: etree._Element,
    b: etree._Element,
    ignore: frozenset[str] = frozenset(),
    *,
    ordered: bool = False,
    memo: dict[tuple[etree._Element, etree._Element], bool] | None = None,
) -> bool:
    """Structural equality: same tags, same attributes, same children in order.

    Attribute order is ignored unless ``ordered``; attributes named in ``ignore`` are skipped.
    Text and tails are not compared.  ``memo`` keeps the answer for every pair of subtrees
    compared, for callers that ask again about subtrees of the same two trees (with the same
    ``ignore`` and ``ordered``, and no change to the trees in between).
    """
    if memo is not None:
        known = memo.get((a, b))
        if known is not None:
            return known
    result = _shallow_same(a, b, ignore, ordered)
    if result and not isinstance(a, etree._Comment):
        # Identical serialisations are equal subtrees (the converse does not hold: attribute
        # order, text and tails), so comparing them shortcuts, in C, the common case.  Only
        # among many siblings: where there are few, a differing child is most of its parent,
        # and serialising it before walking into it would repeat that work at every level.
        serialise = not ignore and len(a) >= _SERIALISED_SIBLINGS
        for x, y in zip(a, b, strict=True):
            if serialise and etree.tostring(x, with_tail=False) == etree.tostring(y, with_tail=False):
                if memo is not None:
                    memo[(x, y)] = True
                continue
            if not same_xml(x, y, ignore, ordered=ordered, memo=memo):
                result = False
                break
    if memo is not None:
        memo[(a, b)] = result
    return result
