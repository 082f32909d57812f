"""CIB operations with Pacemaker 2.1 semantics (``lib/cib/cib_ops.c``), on an lxml tree.

Each function changes ``doc`` in place or raises a :class:`~crm.cib.errors.CibError`; callers
work on a copy (see :func:`crm.cib.transaction.apply_operation`) so a failure changes nothing.
Version bookkeeping (epoch / num_updates) is done by the caller after the operation.
"""

from __future__ import annotations

import copy as _copy
from dataclasses import dataclass

from lxml import etree

from crm.cib.document import SECTION_PATHS, CibDocument, element_path
from crm.cib.errors import AlreadyExists, InvalidArgument, NoSuchObject, OldData
from crm.cib.version import CibVersion
from crm.common.scores import INFINITY, parse_score


class UnknownScope(ValueError):
    """``-o`` names no CIB section."""

    def __init__(self, scope: str) -> None:
        valid = ", ".join(sorted(SECTION_PATHS))
        super().__init__(f"unknown scope {scope!r}: expected one of {valid}")
        self.scope = scope


def _check_scope(scope: str | None) -> str | None:
    """Normalise a scope: ``None``/``cib``/``all`` mean the whole document."""
    if scope is None or scope.lower() in ("cib", "all"):
        return None
    if scope not in SECTION_PATHS:
        raise UnknownScope(scope)
    return scope


def _root_for(doc: CibDocument, scope: str | None, create: bool = False) -> etree._Element | None:
    scope = _check_scope(scope)
    if scope is None:
        return doc.root
    if create:
        return doc.ensure_section(scope)
    return doc.section(scope)


def _children(node: etree._Element) -> list[etree._Element]:
    return [child for child in node if isinstance(child.tag, str)]


def set_expanded(target: etree._Element, name: str, value: str) -> None:
    """Set an attribute, expanding ``name++`` and ``name+=N`` against the current value."""
    old = target.get(name)
    if old is not None and value.startswith(name) and len(value) >= len(name) + 2:
        rest = value[len(name) :]
        if rest == "++" or rest.startswith("+="):
            number = parse_score(old) + (1 if rest == "++" else parse_score(rest[2:]))
            target.set(name, str(min(number, INFINITY)))
            return
    target.set(name, value)


def copy_in_properties(target: etree._Element, source: etree._Element) -> None:
    for name, value in source.attrib.items():
        set_expanded(target, str(name), str(value))


def _first_child(parent: etree._Element, tag: str, attr: str | None, value: str | None) -> etree._Element | None:
    for child in _children(parent):
        if child.tag == tag and (attr is None or child.get(attr) == value):
            return child
    return None


def _merge(target: etree._Element, update: etree._Element) -> None:
    """``add_xml_object``: merge attributes, then each child into its match (by id or idref)."""
    copy_in_properties(target, update)
    for child in _children(update):
        attr: str | None = None
        value = child.get("id")
        if value is not None:
            attr = "id"
        elif child.get("id-ref") is not None:
            attr, value = "id-ref", child.get("id-ref")
        match = _first_child(target, str(child.tag), attr, value)
        if match is None:
            match = etree.SubElement(target, str(child.tag))
        _merge(match, child)


def _update_child(node: etree._Element, update: etree._Element) -> bool:
    """``update_xml_child``: merge ``update`` into the first element (pre-order) of the same
    tag and the same id (or both without id).  True if one was found."""
    if node.tag == update.tag and node.get("id") == update.get("id"):
        _merge(node, update)
        return True
    return any(_update_child(child, update) for child in _children(node))


def _replace_child(parent: etree._Element | None, node: etree._Element, update: etree._Element, delete_only: bool) -> bool:
    """``replace_xml_child``: the first element below the search root with the same tag
    (case-insensitive) and id (any id if ``update`` has none) is replaced by ``update`` or,
    with ``delete_only``, deleted if every attribute of ``update`` matches (case-insensitive)."""
    up_id = update.get("id")
    matches = (up_id is None or node.get("id") == up_id) and str(node.tag).lower() == str(update.tag).lower()
    if matches and delete_only:
        for name, value in update.attrib.items():
            actual = node.get(name)
            if actual is None or actual.lower() != str(value).lower():
                matches = False
    if matches and parent is not None:
        if delete_only:
            parent.remove(node)
        else:
            replacement = _copy.deepcopy(update)
            replacement.tail = None
            parent.replace(node, replacement)
        return True
    return any(_replace_child(node, child, update, delete_only) for child in _children(node))


# Operations --------------------------------------------------------------------------------


def failed_update(obj: etree._Element, operation: str, reason: str) -> etree._Element:
    """Pacemaker's ``<failed><failed_update .../></failed>`` answer for a refused object."""
    failed = etree.Element("failed")
    item = etree.SubElement(failed, "failed_update")
    if obj.get("id") is not None:
        item.set("id", str(obj.get("id")))
    item.set("object_type", str(obj.tag))
    item.set("operation", operation)
    item.set("reason", reason)
    item.append(_copy.deepcopy(obj))
    return failed


class CreateFailed(AlreadyExists):
    """``--create`` of an object whose tag and id already exist in the section.

    ``failed`` is Pacemaker's ``<failed>`` answer, which cibadmin prints."""

    def __init__(self, detail: str, failed: etree._Element) -> None:
        super().__init__(detail)
        self.failed = failed


class CreateInvalid(InvalidArgument):
    """``--create`` into a section the CIB does not have."""

    def __init__(self, detail: str, failed: etree._Element) -> None:
        super().__init__(detail)
        self.failed = failed


def _add_object(parent: etree._Element, new: etree._Element) -> None:
    ident = new.get("id")
    if _first_child(parent, str(new.tag), "id" if ident is not None else None, ident) is not None:
        where = element_path(parent)
        what = f"<{new.tag} id={ident!r}>" if ident is not None else f"<{new.tag}>"
        raise CreateFailed(
            f"{what} already exists in {where}", failed_update(new, "cib_create", AlreadyExists.reason)
        )
    target = etree.SubElement(parent, str(new.tag))
    _merge(target, new)


def create(doc: CibDocument, scope: str | None, obj: etree._Element) -> None:
    """``cibadmin --create``: add ``obj`` to the section (all children if ``obj`` is the section).

    Without a scope, Pacemaker treats a create as a modify without ``--allow-create``.
    """
    norm = _check_scope(scope)
    if norm is None or obj.tag == "cib":
        modify(doc, None, obj, allow_create=False)
        return
    section = doc.section(norm)
    if section is None:
        raise CreateInvalid(
            f"the CIB has no {norm} section to create <{obj.tag}> in (create it with --modify --scope {norm})",
            failed_update(obj, "cib_create", InvalidArgument.reason),
        )
    if str(obj.tag).lower() == norm.lower():
        for child in _children(obj):
            _add_object(section, child)
    else:
        _add_object(section, obj)


def modify(doc: CibDocument, scope: str | None, obj: etree._Element, allow_create: bool = False) -> None:
    """``cibadmin --modify``: merge ``obj`` into the first element with its tag and id.

    ``name++`` / ``name+=N`` values are expanded.  With ``allow_create`` a missing object is
    appended to the scope's element.
    """
    root = _root_for(doc, scope, create=True)
    assert root is not None
    if _update_child(root, obj):
        return
    if not allow_create:
        raise NoSuchObject(f"no <{obj.tag}> with id={obj.get('id')!r} in {element_path(root)}")
    root.append(_copy.deepcopy(obj))


def replace(doc: CibDocument, scope: str | None, obj: etree._Element) -> None:
    """``cibadmin --replace``: replace the matching object (or the whole CIB for ``<cib>``)."""
    norm = _check_scope(scope)
    if norm is not None and str(obj.tag).lower() == norm.lower():
        norm = None
    if obj.tag == "cib" and norm is not None:
        # a whole CIB given for one section: its copy of that section replaces ours (Pacemaker's
        # file-based CIB takes the section out of the input)
        section = _section_of(obj, norm)
        if section is None:
            raise InvalidArgument(f"the replacement has no {norm} section")
        obj = section
        if str(obj.tag).lower() == norm.lower():
            norm = None
    if obj.tag == "cib":
        current = doc.version
        incoming = CibVersion.of(obj)
        if (incoming.admin_epoch, incoming.epoch, incoming.num_updates) < current.as_tuple():
            raise OldData(f"the replacement has version {incoming}, older than the current {current}")
        new_root = _copy.deepcopy(obj)
        new_root.tail = None
        doc.root = new_root
        return
    root = doc.root if norm is None else doc.section(norm)
    if root is None or not _replace_child(None, root, obj, delete_only=False):
        where = "the CIB" if norm is None else f"section {norm}"
        raise NoSuchObject(f"no <{obj.tag}> with id={obj.get('id')!r} in {where}")


def _section_of(cib: etree._Element, scope: str) -> etree._Element | None:
    """Pacemaker's ``pcmk_find_cib_element``: section ``scope`` of the CIB ``cib``."""
    if scope in ("status",):
        return cib.find("status")
    if scope == "configuration":
        return cib.find("configuration")
    return cib.find(f"configuration/{scope}")


def delete(doc: CibDocument, scope: str | None, obj: etree._Element) -> bool:
    """``cibadmin --delete``: remove the first element whose tag, id and every given attribute
    match.  A missing object is not an error (returns False)."""
    norm = _check_scope(scope)
    root = doc.root if norm is None else doc.section(norm)
    if root is None:
        return False
    if norm is not None and str(obj.tag).lower() == norm.lower():
        found = False
        for child in _children(obj):
            found = _replace_child(None, root, child, delete_only=True) or found
        return found
    return _replace_child(None, root, obj, delete_only=True)


def erase(doc: CibDocument) -> None:
    """``cibadmin --erase``: an empty CIB keeping the ``<cib>`` attributes, admin_epoch + 1."""
    fresh = CibDocument.empty(epoch=0)
    copy_in_properties(fresh.root, doc.root)
    admin = CibVersion.of(doc.root).admin_epoch
    fresh.root.set("admin_epoch", str(admin + 1))
    doc.root = fresh.root


def bump(doc: CibDocument) -> None:
    """``cibadmin --bump``: epoch + 1."""
    doc.bump_epoch()


# XPath forms -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QueryResult:
    """What a query found: one element, or several wrapped in ``<xpath-query>``."""

    element: etree._Element


def _select(doc: CibDocument, xpath: str) -> list[etree._Element]:
    try:
        return doc.xpath(xpath)
    except (etree.XPathError, etree.XPathEvalError) as err:
        raise NoSuchObject(f"invalid XPath {xpath!r}: {err}") from None


def _shallow(node: etree._Element) -> etree._Element:
    shallow = etree.Element(str(node.tag))
    for name, value in node.attrib.items():
        shallow.set(name, value)
    return shallow


def query(doc: CibDocument, scope: str | None = None, xpath: str | None = None, no_children: bool = False) -> etree._Element:
    """``cibadmin --query``: a copy of the section, the match, or ``<xpath-query>`` of matches."""
    if xpath is not None:
        matches = _select(doc, xpath)
        if not matches:
            raise NoSuchObject(f"nothing matches {xpath}")
        items = [_shallow(m) if no_children else _copy.deepcopy(m) for m in matches]
        if len(items) == 1:
            items[0].tail = None
            return items[0]
        wrapper = etree.Element("xpath-query")
        for item in items:
            item.tail = None
            wrapper.append(item)
        return wrapper
    root = _root_for(doc, scope)
    if root is None:
        raise NoSuchObject(f"the CIB has no {scope} section")
    result = _shallow(root) if no_children else _copy.deepcopy(root)
    result.tail = None
    return result


def query_paths(doc: CibDocument, xpath: str) -> list[str]:
    """``cibadmin --query --xpath X --node-path``: the path of every match."""
    matches = _select(doc, xpath)
    if not matches:
        raise NoSuchObject(f"nothing matches {xpath}")
    return [element_path(m) for m in matches]


def xpath_modify(doc: CibDocument, xpath: str, obj: etree._Element) -> None:
    matches = _select(doc, xpath)
    if not matches:
        raise NoSuchObject(f"nothing matches {xpath}")
    if not _update_child(matches[0], obj):
        raise NoSuchObject(f"no <{obj.tag}> with id={obj.get('id')!r} at or below {element_path(matches[0])}")


def xpath_create(doc: CibDocument, xpath: str, obj: etree._Element) -> None:
    matches = _select(doc, xpath)
    if not matches:
        raise NoSuchObject(f"nothing matches {xpath}")
    matches[0].append(_copy.deepcopy(obj))


def xpath_replace(doc: CibDocument, xpath: str, obj: etree._Element | None) -> None:
    matches = _select(doc, xpath)
    if not matches:
        raise NoSuchObject(f"nothing matches {xpath}")
    target = matches[0]
    parent = target.getparent()
    if parent is None:
        raise InvalidArgument(f"{xpath} addresses the whole /cib")
    parent.remove(target)
    if obj is not None:
        parent.append(_copy.deepcopy(obj))


def xpath_delete(doc: CibDocument, xpath: str, all_matches: bool) -> int:
    """Remove the first match (or all); nothing matching is not an error.  Returns the count."""
    matches = _select(doc, xpath)
    removed = 0
    for node in matches:
        parent = node.getparent()
        if parent is None:
            raise InvalidArgument(f"{xpath} addresses the whole /cib")
        parent.remove(node)
        removed += 1
        if not all_matches:
            break
    return removed
