"""CIB differences as Pacemaker v2 patchsets (``<diff format="2">``), and applying them.

The change list follows ``xml_create_patchset_v2``: first every deleted element (pre-order
of the old document), then a pre-order walk of the new document giving, per element,
``modify`` (its attribute changes and the resulting attributes), the changes below it, and a
``move`` if its rank among siblings changed (see :func:`_collect_rest`); new elements are one
``create`` with their whole subtree.  ``position`` is the index among the new siblings.

Paths name elements by tag and ``id`` (``/cib/configuration/resources/primitive[@id='d1']``).
Where siblings cannot be told apart that way (same tag without ids, comments), the smallest
addressable ancestor that differs is replaced as a whole (delete + create), so that
``apply(diff(a, b), a) == b`` always holds.
"""

from __future__ import annotations

import copy as _copy
import re
from dataclasses import dataclass, field

from lxml import etree

from crm.cib.document import copy_tree, element_path, same_xml
from crm.cib.touched import Touched
from crm.cib.version import VERSION_FIELDS, CibVersion


class PatchError(ValueError):
    """A patchset is malformed or does not apply; the document was left unchanged."""


class PatchVersionError(PatchError):
    """The patch was made for another version of the CIB."""

    def __init__(self, current: CibVersion, source: CibVersion) -> None:
        relation = "older than" if current < source else "newer than"
        super().__init__(
            f"the patch applies to CIB version {source}, but the CIB is at {current} ({relation} the patch's base)"
        )
        self.current = current
        self.source = source


def _elements(node: etree._Element) -> list[etree._Element]:
    return [child for child in node if isinstance(child.tag, str)]


def _key(node: etree._Element) -> tuple[str, str | None]:
    return (str(node.tag), node.get("id"))


def _addressable(children: list[etree._Element], all_nodes: list[etree._Element]) -> bool:
    """Every child can be named by a path that selects it alone among its siblings."""
    if len(children) != len(all_nodes):  # comments or processing instructions present
        return False
    seen: set[tuple[str, str | None]] = set()
    tags_without_id: dict[str, int] = {}
    tags: dict[str, int] = {}
    for child in children:
        key = _key(child)
        if key in seen:
            return False
        seen.add(key)
        ident = child.get("id")
        if ident is not None and "'" in ident and '"' in ident:
            return False
        tags[str(child.tag)] = tags.get(str(child.tag), 0) + 1
        if ident is None:
            tags_without_id[str(child.tag)] = 1
    # a tag without id is selected by "parent/tag": it must be the only child of that tag
    return all(tags[tag] == 1 for tag in tags_without_id)


def _children_addressable(node: etree._Element) -> bool:
    return _addressable(_elements(node), list(node))


def _shallow(node: etree._Element) -> etree._Element:
    shallow = etree.Element(str(node.tag))
    for name, value in node.attrib.items():
        shallow.set(name, value)
    return shallow


def _dirty_attributes(old: etree._Element, new: etree._Element, moves: bool = True) -> set[str]:
    """Attributes of ``new`` that a patch sets: created, changed, or moved.

    As in ``xml_diff_old_attrs``, an unchanged attribute counts as moved when its rank among
    not-yet-skipped attributes differs between old and new; it then skips itself on the side
    where it sat later.
    """
    old_names = [str(n) for n in old.attrib]
    new_names = [str(n) for n in new.attrib]
    skip_old: set[str] = set()
    skip_new: set[str] = set()
    dirty = {name for name in new_names if name not in old.attrib}
    for name in old_names:
        if name not in new.attrib:
            continue
        if old.get(name) != new.get(name):
            dirty.add(name)
            continue
        if not moves:
            continue
        p_old = sum(1 for n in old_names[: old_names.index(name)] if n not in skip_old)
        p_new = sum(1 for n in new_names[: new_names.index(name)] if n not in skip_new)
        if p_old != p_new:
            dirty.add(name)
            (skip_old if p_old > p_new else skip_new).add(name)
    return dirty


@dataclass
class _Builder:
    deletes: list[etree._Element]
    rest: list[etree._Element]
    attribute_moves: bool = True
    #: where ``old`` and ``new`` may differ (None: anywhere)
    touched: Touched | None = None
    #: ``same_xml(a, b, ordered=True)`` of the pairs compared so far in this diff: the walk
    #: asks again for every subtree below a difference, so each pair is computed once.
    memo: dict[tuple[etree._Element, etree._Element], bool] = field(default_factory=dict)

    def same(self, a: etree._Element, b: etree._Element) -> bool:
        known = self.memo.get((a, b))
        if known is not None:
            return known
        if self.touched is not None:
            return self.touched.same(a, b, ordered=True, memo=self.memo)
        # not compared yet (a sibling after a difference, where the comparison stopped):
        # mostly unchanged, which identical serialisations tell at once
        if etree.tostring(a, with_tail=False) == etree.tostring(b, with_tail=False):
            self.memo[(a, b)] = True
            return True
        return same_xml(a, b, ordered=True, memo=self.memo)

    def delete(self, old: etree._Element) -> None:
        change = etree.Element("change", operation="delete", path=element_path(old))
        self.deletes.append(change)

    def create(self, parent_new: etree._Element, new: etree._Element, position: int) -> None:
        change = etree.Element("change", operation="create", path=element_path(parent_new), position=str(position))
        body = _copy.deepcopy(new)
        body.tail = None
        change.append(body)
        self.rest.append(change)

    def modify(self, old: etree._Element, new: etree._Element) -> None:
        entries: list[etree._Element] = []
        dirty = _dirty_attributes(old, new, self.attribute_moves)
        for name, value in new.attrib.items():
            if name in dirty:
                entries.append(etree.Element("change-attr", name=str(name), operation="set", value=str(value)))
        for name in old.attrib:
            if name not in new.attrib:
                entries.append(etree.Element("change-attr", name=str(name), operation="unset"))
        if not entries:
            return
        change = etree.Element("change", operation="modify", path=element_path(new))
        change_list = etree.SubElement(change, "change-list")
        change_list.extend(entries)
        etree.SubElement(change, "change-result").append(_shallow(new))
        self.rest.append(change)

    def move(self, new: etree._Element, position: int) -> None:
        self.rest.append(etree.Element("change", operation="move", path=element_path(new), position=str(position)))


def _pairs(old: etree._Element, new: etree._Element) -> list[tuple[etree._Element, etree._Element | None]]:
    """Each child of ``new`` with its old partner (same tag and id), or None if it is new."""
    olds = {_key(child): child for child in _elements(old)}
    return [(child, olds.get(_key(child))) for child in _elements(new)]


def _replaced_whole(old: etree._Element, new: etree._Element, builder: _Builder) -> bool:
    """A matched pair whose children cannot be addressed and that differs: replace it whole."""
    return not builder.same(old, new) and not (
        _children_addressable(old) and _children_addressable(new)
    )


def _same_children(new: etree._Element, builder: _Builder) -> bool:
    """Whether what the builder was told was touched leaves the list of ``new``'s children
    as it was (the same elements in the same order: no create, delete or move among them)."""
    return builder.touched is not None and not builder.touched.whole(element_path(new))


def _collect_deletes(old: etree._Element, new: etree._Element, builder: _Builder) -> None:
    """Pre-order over ``old``: deleted children, and children replaced as a whole."""
    if builder.same(old, new):
        return
    if _same_children(new, builder):
        for was, now in zip(old, new, strict=True):
            if not isinstance(now.tag, str) or builder.same(was, now):
                continue
            if _replaced_whole(was, now, builder):
                builder.delete(was)
            else:
                _collect_deletes(was, now, builder)
        return
    partners: dict[etree._Element, etree._Element] = {}
    for n, o in _pairs(old, new):
        if o is not None:
            partners[o] = n
    for child in _elements(old):
        partner = partners.get(child)
        if partner is None or _replaced_whole(child, partner, builder):
            builder.delete(child)
        else:
            _collect_deletes(child, partner, builder)


def _collect_rest(old: etree._Element, new: etree._Element, builder: _Builder) -> None:
    """Pre-order over ``new``: modify, the changes below, then move (Pacemaker's order).

    Moves are detected as ``mark_xml_changes`` does: walking the new children, compare the
    rank among not-yet-skipped old siblings with the rank among not-yet-skipped new ones; a
    moved child then skips itself on the side where it sat later, deleted and created
    children are skipped from the start.
    """
    if builder.same(old, new):
        return
    builder.modify(old, new)
    if _same_children(new, builder):
        position = -1
        for was, now in zip(old, new, strict=True):
            if not isinstance(now.tag, str):
                continue
            position += 1
            if builder.same(was, now):
                continue
            if _replaced_whole(was, now, builder):
                builder.create(new, now, position)
            else:
                _collect_rest(was, now, builder)
        return
    partner = {n: o for n, o in _pairs(old, new) if o is not None and not _replaced_whole(o, n, builder)}
    old_children = _elements(old)
    old_rank = {o: index for index, o in enumerate(old_children)}
    matched = set(partner.values())
    skipped_old = [0 if o in matched else 1 for o in old_children]
    skipped_new = 0  # new children are skipped at their own turn: all of them precede this one
    for position, child in enumerate(_elements(new)):
        match = partner.get(child)
        if match is None:
            builder.create(new, child, position)
            skipped_new += 1
            continue
        p_new = position - skipped_new
        index = old_rank[match]
        p_old = index - sum(skipped_old[:index])
        if p_old > p_new:
            skipped_old[index] = 1
        elif p_old < p_new:
            skipped_new += 1
        _collect_rest(match, child, builder)
        if p_old != p_new:
            builder.move(child, position)


def diff(
    old: etree._Element, new: etree._Element, *, attribute_moves: bool = True, touched: Touched | None = None
) -> etree._Element:
    """The v2 patchset turning ``old`` into ``new`` (both ``<cib>`` roots).

    ``attribute_moves=False`` ignores attributes that only changed rank (Pacemaker's
    "significant changes", as ``crm_diff --cib`` computes them).  ``touched``: where the two
    may differ (``new`` is ``old`` changed by :func:`apply` calls that recorded it there and
    by changes to the ``<cib>`` attributes); the rest is not compared."""
    if old.tag != new.tag:
        raise PatchError(f"cannot diff <{old.tag}> against <{new.tag}>: the roots differ")
    if touched is not None:
        touched.attributes_of(new)  # the root's attributes are always compared
    builder = _Builder([], [], attribute_moves, touched)
    if not builder.same(old, new) and not (_children_addressable(old) and _children_addressable(new)):
        raise PatchError(
            f"the children of <{old.tag}> cannot be told apart by tag and id; no patch can express the change"
        )
    _collect_deletes(old, new, builder)
    _collect_rest(old, new, builder)
    patch = etree.Element("diff", format="2")
    version = etree.SubElement(patch, "version")
    source = etree.SubElement(version, "source")
    target = etree.SubElement(version, "target")
    for name in VERSION_FIELDS:
        source.set(name, str(getattr(CibVersion.of(old), name)))
        target.set(name, str(getattr(CibVersion.of(new), name)))
    patch.extend(builder.deletes)
    patch.extend(builder.rest)
    return patch


def changes(patch: etree._Element) -> list[etree._Element]:
    return [c for c in patch if isinstance(c.tag, str) and c.tag == "change"]


def patch_versions(patch: etree._Element) -> tuple[CibVersion, CibVersion]:
    if patch.tag != "diff" or patch.get("format") != "2":
        raise PatchError(f'expected <diff format="2">, got <{patch.tag} format={patch.get("format")!r}>')
    version = patch.find("version")
    source = version.find("source") if version is not None else None
    target = version.find("target") if version is not None else None
    if source is None or target is None:
        raise PatchError("the patch has no <version><source/><target/></version>")
    return CibVersion.of(source), CibVersion.of(target)


def touches_configuration(patch: etree._Element) -> bool:
    """Whether any change is in (or creates/deletes) the configuration section."""
    for change in changes(patch):
        path = change.get("path", "")
        if "/cib/configuration" in path:
            return True
        if change.get("operation") == "create" and any(
            isinstance(c.tag, str) and c.tag == "configuration" for c in change
        ):
            return True
    return False


def _position(change: etree._Element) -> int:
    raw = change.get("position", "")
    try:
        return int(raw)
    except ValueError:
        raise PatchError(f"change {change.get('operation')} {change.get('path')}: bad position {raw!r}") from None


_STEP = re.compile(r"""/([^/\[]+)(?:\[@id=(?:'([^']*)'|"([^"]*)")\])?""")


def _nodes(parent: etree._Element) -> list[etree._Element]:
    """Element and comment children: what a patch position counts."""
    return [c for c in parent if isinstance(c.tag, str) or isinstance(c, etree._Comment)]


def _steps(path: str) -> list[tuple[str, str | None]]:
    steps: list[tuple[str, str | None]] = []
    offset = 0
    while offset < len(path):
        match = _STEP.match(path, offset)
        if match is None:
            raise PatchError(f"change path {path!r} is not of the form /tag[@id='id']/...")
        ident = match.group(2) if match.group(2) is not None else match.group(3)
        steps.append((match.group(1), ident))
        offset = match.end()
    if not steps:
        raise PatchError("a change has an empty path")
    return steps


def _step_matches(node: etree._Element, tag: str, ident: str | None) -> bool:
    if tag == "comment" and isinstance(node, etree._Comment):
        return ident is None
    return isinstance(node.tag, str) and node.tag == tag and (ident is None or node.get("id") == ident)


def _resolve(root: etree._Element, path: str, position: int | None = None) -> etree._Element | None:
    """Find a path the way Pacemaker's ``search_v2_xpath`` does: each step picks the first
    child with that tag (``comment`` for comments) and id; ``position`` narrows the last step."""
    steps = _steps(path)
    tag, ident = steps[0]
    if not _step_matches(root, tag, ident):
        return None
    node = root
    for number, (tag, ident) in enumerate(steps[1:], start=2):
        last = number == len(steps)
        children = _nodes(node)
        found = None
        for index, child in enumerate(children):
            if last and position is not None and index != position:
                continue
            if _step_matches(child, tag, ident):
                found = child
                break
        if found is None:
            return None
        node = found
    return node


def _index(node: etree._Element) -> int:
    parent = node.getparent()
    assert parent is not None
    return _nodes(parent).index(node)


def _insert_at(parent: etree._Element, node: etree._Element, position: int) -> None:
    siblings = _nodes(parent)
    if position < len(siblings):
        siblings[position].addprevious(node)
    else:
        parent.append(node)


def _changes_id(node: etree._Element, result: etree._Element, listed: etree._Element | None) -> bool:
    """Whether a modify sets or unsets ``node``'s id (``listed``: only what the change-list
    names is set, else the attributes become ``result``'s)."""
    if listed is None:
        return result.get("id") != node.get("id")
    for item in listed.iterfind("change-attr"):
        if item.get("name") == "id":
            unset = item.get("operation") == "unset"
            if (None if unset else item.get("value", "")) != node.get("id"):
                return True
    return False


def apply(
    patch: etree._Element, root: etree._Element, *, merge: bool = False, touched: Touched | None = None
) -> etree._Element:
    """Apply a v2 patchset to a ``<cib>`` and return the new tree (``root`` is not changed).

    The CIB must be exactly at the patch's source version; raises :class:`PatchVersionError`
    otherwise and :class:`PatchError` if a change cannot be applied.

    ``merge=True`` applies the changes to whatever version ``root`` is at (the patch was made
    against an older copy and other writes came in between); the versions are left as in
    ``root`` for the caller to bump.  A change whose target is gone raises
    :class:`PatchError`, so the writer can re-read and retry.

    ``touched`` records where the new tree may differ from ``root`` (see
    :mod:`crm.cib.touched`).
    """
    source, target = patch_versions(patch)
    current = CibVersion.of(root)
    if current != source and not merge:
        raise PatchVersionError(current, source)
    work = copy_tree(root)
    delayed: list[tuple[etree._Element, etree._Element]] = []
    for change in changes(patch):
        op = change.get("operation")
        path = change.get("path")
        if path is None:
            raise PatchError(f"a <change operation={op!r}> has no path")
        position = _position(change) if op == "delete" and change.get("position") is not None else None
        match = _resolve(work, path, position)
        if op == "delete":
            if match is not None:
                parent = match.getparent()
                if parent is None:
                    raise PatchError("a patch cannot delete the root element")
                if touched is not None:
                    touched.children_of(parent)
                parent.remove(match)
            continue
        if match is None:
            raise PatchError(f"{op} {path}: no such element in the CIB")
        if op == "create":
            body = _nodes(change)
            if not body:
                raise PatchError(f"create {path}: the change holds no new element")
            _position(change)
            if merge:
                new_id = body[0].get("id")
                for child in match:
                    if child.tag == body[0].tag and new_id is not None and child.get("id") == new_id:
                        raise PatchError(f"create {path}/{body[0].tag}[@id='{new_id}']: it exists already")
            if touched is not None:
                touched.children_of(match)
            delayed.append((change, match))
        elif op == "move":
            parent = match.getparent()
            if parent is None:
                raise PatchError(f"move {path}: cannot move the root element")
            _position(change)
            if touched is not None:
                touched.children_of(parent)
            parent.append(match)  # temporarily last, as Pacemaker does
            delayed.append((change, match))
        elif op == "modify":
            result = change.find("change-result")
            attrs = [c for c in result if isinstance(c.tag, str)] if result is not None else []
            if not attrs:
                raise PatchError(f"modify {path}: no <change-result> element")
            listed = change.find("change-list")
            if touched is not None:
                touched.attributes_of(match)
                parent = match.getparent()
                if parent is not None and _changes_id(match, attrs[0], listed if merge else None):
                    touched.children_of(parent)  # its path changes: it is another element
            if merge and listed is not None:
                # only what this change set or unset: other writers' attributes stay
                for item in listed.iterfind("change-attr"):
                    attr = item.get("name")
                    if not attr:
                        continue
                    if item.get("operation") == "unset":
                        if attr in match.attrib:
                            del match.attrib[attr]
                    else:
                        match.set(attr, item.get("value", ""))
                continue
            for name in list(match.attrib):
                del match.attrib[name]
            for name, value in attrs[0].attrib.items():
                match.set(name, value)
        else:
            raise PatchError(f"unknown change operation {op!r} at {path}")
    delayed.sort(key=lambda item: _position(item[0]))
    for change, match in delayed:
        position = _position(change)
        if change.get("operation") == "create":
            template: etree._Element = _nodes(change)[0]
            created = _copy.deepcopy(template)
            created.tail = None
            _insert_at(match, created, position)
        else:
            parent = match.getparent()
            assert parent is not None
            if position != _index(match):
                parent.remove(match)
                _insert_at(parent, match, position)
    if merge:
        current.write_to(work)
    else:
        target.write_to(work)
    return work
