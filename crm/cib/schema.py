"""RelaxNG validation of a CIB against the grammar named by its ``validate-with``.

Which grammar (files in ``crm/schemas/``):

=====================================================  ==========================
``validate-with``                                       grammar
=====================================================  ==========================
``pacemaker-3.0`` .. ``pacemaker-3.9``, ``pacemaker-next``  ``pacemaker-3.rng`` (current)
``pacemaker-0.7``, ``pacemaker-1.0`` .. ``pacemaker-2.10``  ``pacemaker-2.rng``
absent, ``pacemaker-0.6``, ``transitional-0.6``           ``heartbeat-2.rng`` (legacy)
``none``                                                 no validation (as Pacemaker)
anything else                                            one error: unknown schema
=====================================================  ==========================

A document without ``validate-with`` is what Heartbeat 2 and ``haresources2cib`` wrote,
so it is read as a legacy document; every later release writes the attribute.  If such a
document uses none of Heartbeat 2's syntax (``<attributes>`` wrappers, ``master_slave``,
``from``/``to`` constraints) it is validated as a current document instead.

Besides the grammar, ids are checked for uniqueness (with the line of the first
definition, which libxml2 does not tell), and references to unknown ids are reported with
the line of the referring element.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from functools import cache
from importlib import resources
from typing import Final

from lxml import etree

__all__ = [
    "CURRENT_SCHEMA",
    "Grammar",
    "SchemaError",
    "UnknownSchema",
    "grammar_for",
    "has_legacy_syntax",
    "validate",
    "validate_with",
]

CURRENT_SCHEMA: Final = "pacemaker-3.9"
"""The ``validate-with`` value written by :func:`crm.cib.upgrade.upgrade`."""


class Grammar(Enum):
    """The grammar files shipped in ``crm/schemas``."""

    CURRENT = "pacemaker-3.rng"
    PACEMAKER_1_2 = "pacemaker-2.rng"
    HEARTBEAT_2 = "heartbeat-2.rng"


@dataclass(frozen=True, slots=True)
class SchemaError:
    """One problem: where (element path and line) and why."""

    path: str
    """XPath of the offending element, e.g. ``/cib/configuration/resources/primitive[2]``."""
    line: int | None
    """Line of the element in the parsed text, ``None`` if unknown (built in memory)."""
    reason: str
    element: str = ""
    """Tag of the offending element (last step of ``path``)."""

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        what = f"element {self.element}: " if self.element else ""
        return f"{where}{what}{self.reason} (at {self.path})"


_VERSION_RE: Final = re.compile(r"pacemaker-(\d+)\.(\d+)")
_MINORS: Final = {0: range(7, 8), 1: range(4), 2: range(11), 3: range(10)}
"""Schema versions that Pacemaker releases defined (0.6 is the legacy one, handled apart)."""


class UnknownSchema(ValueError):
    """``validate-with`` names no schema we know."""


def grammar_for(validate_with: str | None) -> Grammar | None:
    """The grammar for a ``validate-with`` value; ``None`` means: do not validate.

    Raises :class:`UnknownSchema` for a value no release of Pacemaker used.
    """
    if validate_with is None:
        return Grammar.HEARTBEAT_2
    name = validate_with.strip()
    if name == "none":
        return None
    if name in ("pacemaker-0.6", "transitional-0.6"):
        return Grammar.HEARTBEAT_2
    if name == "pacemaker-next":
        return Grammar.CURRENT
    match = _VERSION_RE.fullmatch(name)
    if match is not None:
        major, minor = int(match.group(1)), int(match.group(2))
        if minor in _MINORS.get(major, range(0)):
            return Grammar.CURRENT if major >= 3 else Grammar.PACEMAKER_1_2
    raise UnknownSchema(
        f"unknown schema {validate_with!r} in validate-with (known: none, pacemaker-0.6 .. "
        f"pacemaker-3.9, pacemaker-next)"
    )


@cache
def _relaxng(grammar: Grammar) -> etree.RelaxNG:
    ref = resources.files("crm").joinpath("schemas", grammar.value)
    with resources.as_file(ref) as path:
        return etree.RelaxNG(etree.parse(str(path)))


def _root(doc: etree._Element | etree._ElementTree) -> etree._Element:
    if isinstance(doc, etree._ElementTree):
        return doc.getroot()
    return doc


def validate_with(doc: etree._Element | etree._ElementTree) -> str | None:
    """The ``validate-with`` attribute of the document, ``None`` when absent."""
    return _root(doc).get("validate-with")


def _path_of(element: etree._Element) -> str:
    return str(element.getroottree().getpath(element))


def _line(element: etree._Element) -> int | None:
    line = element.sourceline
    return line if isinstance(line, int) and line > 0 else None


def _error_at(element: etree._Element, reason: str) -> SchemaError:
    return SchemaError(path=_path_of(element), line=_line(element), reason=reason, element=str(element.tag))


# Elements whose ``id`` attribute refers to something else rather than naming the element.
_ID_IS_REFERENCE: Final = frozenset({"resource_ref", "obj_ref", "role", "role_ref", "node", "acl_target"})
_IDREF_RE: Final = re.compile(r'IDREF attribute (\S+) references an unknown ID "([^"]*)"')


def _duplicate_ids(root: etree._Element) -> tuple[list[SchemaError], set[int]]:
    """Ids defined twice in the configuration; also the lines already reported."""
    errors: list[SchemaError] = []
    lines: set[int] = set()
    configuration = root.find("configuration")
    if configuration is None:
        return errors, lines
    first: dict[str, etree._Element] = {}
    for element in configuration.iter():
        if not isinstance(element.tag, str) or element.tag in _ID_IS_REFERENCE:
            continue
        ident = element.get("id")
        if ident is None:
            continue
        if ident in first:
            earlier = first[ident]
            earlier_line = _line(earlier)
            where = f"line {earlier_line}" if earlier_line else _path_of(earlier)
            errors.append(
                _error_at(element, f"ID {ident} redefined (first defined by {earlier.tag} at {where})")
            )
            line = _line(element)
            if line is not None:
                lines.add(line)
        else:
            first[ident] = element
    return errors, lines


def _locate_idref(root: etree._Element, attribute: str, value: str) -> list[etree._Element]:
    if not re.fullmatch(r"[\w-]+", attribute):
        return []
    found = root.xpath(f"//*[@{attribute}=$value]", value=value)
    if not isinstance(found, list):
        return []
    return [element for element in found if isinstance(element, etree._Element)]


_INVALID_ATTR_RE: Final = re.compile(r"Invalid attribute (\S+) for element \S+")


def _element_at(root: etree._Element, path: str) -> etree._Element | None:
    if not path.startswith("/"):
        return None
    try:
        found = root.getroottree().xpath(path)
    except etree.XPathError:
        return None
    if isinstance(found, list) and found and isinstance(found[0], etree._Element):
        return found[0]
    return None


MAX_ERRORS: Final = 100
"""Distinct schema errors reported at most (libxml2 repeats each problem many times)."""


def _grammar_errors(root: etree._Element, grammar: Grammar, skip_lines: set[int]) -> list[SchemaError]:
    relaxng = _relaxng(grammar)
    if relaxng.validate(root.getroottree()):
        return []
    entries: dict[tuple[str, int, str], None] = {}
    for entry in relaxng.error_log:
        entries.setdefault((entry.path or "", entry.line or 0, entry.message.strip()), None)
    ids: set[str] | None = None
    targets: dict[str, etree._Element | None] = {}
    errors: list[SchemaError] = []
    seen: set[tuple[str, int | None, str]] = set()

    def add(error: SchemaError) -> None:
        key = (error.path, error.line, error.reason)
        if key not in seen:
            seen.add(key)
            errors.append(error)

    for path, raw_line, message in entries:
        if len(errors) >= MAX_ERRORS:
            break
        idref = _IDREF_RE.fullmatch(message)
        if idref is not None:
            attribute, value = idref.groups()
            if ids is None:
                ids = {str(e.get("id")) for e in root.iter() if isinstance(e.tag, str) and e.get("id") is not None}
            if value in ids:
                continue  # the id exists: a side effect of an error reported elsewhere
            for element in _locate_idref(root, attribute, value):
                add(_error_at(element, f"{attribute}={value!r} refers to an id that does not exist"))
            continue
        line: int | None = raw_line or None
        if path not in targets:
            targets[path] = _element_at(root, path)
        target = targets[path]
        if target is not None and line is None:
            line = _line(target)
        invalid = _INVALID_ATTR_RE.fullmatch(message)
        if invalid is not None and target is not None and target.get(invalid.group(1)) is not None:
            message = f"{message}: {invalid.group(1)}={target.get(invalid.group(1))!r} is not allowed here"
        elif (
            target is not None
            and len(target.attrib)
            and (message.endswith("failed to validate attributes") or message.startswith("Expecting an element"))
        ):
            listed = ", ".join(f"{k!s}={str(v)!r}" for k, v in target.attrib.items())
            message = f"{message} (one of {listed} is missing, misspelt or has a value not allowed here)"
        if line in skip_lines and message.startswith("Invalid attribute id"):
            continue  # already reported as a duplicate id, with more detail
        element_name = path.rsplit("/", 1)[-1].split("[", 1)[0] if path else ""
        add(SchemaError(path=path or "/", line=line, reason=message, element=element_name))
    if len(errors) >= MAX_ERRORS:
        errors.append(_error_at(root, f"more errors not shown (only the first {MAX_ERRORS} are reported)"))
    if not errors:
        errors.append(_error_at(root, f"document does not conform to {grammar.value}"))
    return errors


_LEGACY_SYNTAX: Final = (
    "/cib/configuration//attributes|/cib/configuration//master_slave"
    "|/cib/configuration//rsc_order[@from]|/cib/configuration//rsc_colocation[@from]"
)


def has_legacy_syntax(doc: etree._Element | etree._ElementTree) -> bool:
    """The configuration uses Heartbeat 2 constructs (``<attributes>`` wrappers,
    ``master_slave``, ``from``/``to`` constraints)."""
    found = _root(doc).xpath(_LEGACY_SYNTAX)
    return bool(found)


def validate(doc: etree._Element | etree._ElementTree) -> list[SchemaError]:
    """Problems that make ``doc`` invalid for the schema it names; empty list = valid.

    The grammar is chosen from ``validate-with`` (see the module documentation);
    ``validate-with="none"`` skips validation.  ``doc`` is not modified.
    """
    root = _root(doc)
    if root.tag != "cib":
        return [_error_at(root, f"the document element is <{root.tag}>, expected <cib>")]
    try:
        grammar = grammar_for(root.get("validate-with"))
    except UnknownSchema as err:
        return [_error_at(root, str(err))]
    if grammar is None:
        return []
    duplicates, duplicate_lines = _duplicate_ids(root)
    if root.get("validate-with") is None and not has_legacy_syntax(root):
        # no validate-with and nothing of Heartbeat 2's syntax: a current document that
        # lost its attribute (Pacemaker also looks for a schema the document fits)
        grammar = Grammar.CURRENT
    return duplicates + _grammar_errors(root, grammar, duplicate_lines)
