"""Access control lists on the CIB, as Pacemaker 2.1.5 evaluates them (``lib/common/acl.c``).

ACLs apply when the CIB enables them (``enable-acl=true``) and the user is neither ``root`` nor
``hacluster``.  The ACL entries of the user (``acl_target``/``acl_user`` with the user's name, or
an ``acl_group`` the user belongs to) and the roles they name give permissions: ``read``,
``write`` or ``deny`` on the elements an XPath (or object type, reference and attribute) selects.
An element's permission is the nearest one found walking up from it: ``deny`` refuses,
``write`` allows reading and writing, ``read`` allows reading only; with none up to the root,
access is refused ("default deny").  A user with no ACL entry at all can do nothing.

Reading returns a filtered copy (:func:`filtered_copy`): what the user may not read is
removed, keeping the ids of the elements on the way to what is readable.  A change
(:class:`AclCheck`) is compared with the CIB it starts from, element by element as
Pacemaker's change tracking does, and refused if any changed attribute, removed element or
created element is not writable; the checks are traced (``pcmk__check_acl``,
``pcmk__apply_creation_acl``) as Pacemaker traces them.
"""

from __future__ import annotations

import grp
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Literal

from lxml import etree

from crm.common.booleans import is_true

__all__ = ["AclCheck", "Permission", "acl_required", "acls_enabled", "filtered_copy", "unpack"]

PRIVILEGED_USERS = ("root", "hacluster")

# Pacemaker's xml_private_flags bits that matter here
CREATED = 0x0004
READ = 0x0200
WRITE = 0x0400
DENY = 0x0800
CREATE = 0x1000

Style = Literal["create", "update", "replace"]
"""How the operation changes the CIB: ``create`` (cibadmin --create: the new element's
attributes are copied one by one), ``update`` (modifications in place) or ``replace`` (a
section or the whole CIB replaced, the changes inferred by comparing)."""

Tracer = Callable[[str, str], None]
"""``tracer(function, message)``: where the trace lines go."""


@dataclass(frozen=True, slots=True)
class Permission:
    mode: int  # READ, WRITE or DENY
    xpath: str


def acl_required(user: str | None) -> bool:
    """Pacemaker's ``pcmk_acl_required``: ACLs apply to every user but root and hacluster."""
    return bool(user) and user not in PRIVILEGED_USERS


def acls_enabled(root: etree._Element) -> bool:
    """Whether the CIB's cluster options enable ACLs (``enable-acl``, default false)."""
    for pair in root.iterfind("configuration/crm_config/cluster_property_set/nvpair"):
        if pair.get("name") == "enable-acl":
            return is_true(pair.get("value"))
    return False


def _user_in_group(user: str, group: str) -> bool:
    try:
        return user in grp.getgrnam(group).gr_mem
    except KeyError:
        return False


def _permission(elem: etree._Element, mode: int) -> Permission | None:
    """Pacemaker's ``create_acl``: the XPath of a permission, built from ``object-type``,
    ``reference`` and ``attribute`` when it has none."""
    xpath = elem.get("xpath")
    if xpath:
        return Permission(mode, xpath)
    tag = elem.get("object-type") or elem.get("tag")
    ref = elem.get("reference") or elem.get("ref")
    attr = elem.get("attribute")
    if tag is None and ref is None:
        return None
    text = f"//{tag or '*'}"
    conditions = ([f"@id='{ref}'"] if ref else []) + ([f"@{attr}"] if attr else [])
    if conditions:
        text += "[" + " and ".join(conditions) + "]"
    return Permission(mode, text)


_MODES = {"read": READ, "write": WRITE, "deny": DENY}


def _entry(acls: etree._Element, entry: etree._Element, out: list[Permission], depth: int = 0) -> None:
    """Pacemaker's ``parse_acl_entry``: the permissions of an entry and of the roles it names."""
    for child in entry:
        if not isinstance(child.tag, str):
            continue
        tag = child.get("kind", "") if child.tag == "acl_permission" else child.tag
        if tag in ("role", "role_ref"):
            ref = child.get("id")
            role = next((r for r in acls if r.tag == "acl_role" and r.get("id") == ref), None)
            if role is not None and depth < 16:
                _entry(acls, role, out, depth + 1)
        elif tag in _MODES:
            permission = _permission(child, _MODES[tag])
            if permission is not None:
                out.append(permission)


def unpack(root: etree._Element, user: str) -> list[Permission] | None:
    """The permissions of ``user`` in document order; None when no ACL entry names the user
    (or a group of the user)."""
    acls = root.find("configuration/acls")
    found: list[Permission] | None = None
    if acls is None:
        return None
    for entry in acls:
        if entry.tag in ("acl_target", "acl_user"):
            if (entry.get("name") or entry.get("id")) == user:
                found = found if found is not None else []
                _entry(acls, entry, found)
        elif entry.tag == "acl_group":
            name = entry.get("name") or entry.get("id")
            if name and _user_in_group(user, name):
                found = found if found is not None else []
                _entry(acls, entry, found)
    return found


def _select(root: etree._Element, xpath: str) -> list[etree._Element]:
    try:
        result = root.xpath(xpath)
    except etree.XPathError:
        return []
    if not isinstance(result, list):
        return []
    return [e for e in result if isinstance(e, etree._Element)]


def apply(root: etree._Element, permissions: list[Permission] | None,
          flags: dict[etree._Element, int] | None = None) -> dict[etree._Element, int]:
    """Pacemaker's ``pcmk__apply_acls``: the permission bits of every selected element (added to
    ``flags`` when given)."""
    table: dict[etree._Element, int] = {} if flags is None else flags
    for permission in permissions or ():
        for elem in _select(root, permission.xpath):
            table[elem] = table.get(elem, 0) | permission.mode
    return table


def _allows(allowed: int, requested: int) -> bool:
    """Pacemaker's ``test_acl_mode``."""
    if allowed & DENY:
        return False
    if allowed & requested == requested:
        return True
    if requested & READ and allowed & WRITE:
        return True
    return bool(requested & CREATE and allowed & (WRITE | CREATED))


def _mode_text(mode: int) -> str:
    if mode & DENY:
        return "deny"
    if mode & (WRITE | CREATE):
        return "read/write"
    if mode & READ:
        return "read"
    return "none"


def element_xpath(elem: etree._Element) -> str:
    """Pacemaker's ``pcmk__element_xpath``: ``/cib/configuration/resources/primitive[@id='x']``."""
    parts: list[str] = []
    node: etree._Element | None = elem
    while node is not None:
        part = str(node.tag)
        if node.get("id") is not None:
            part += f"[@id='{node.get('id')}']"
        parts.append(part)
        node = node.getparent()
    return "/" + "/".join(reversed(parts))


# ---------------------------------------------------------------------------------------------
# Reading


def _purge(elem: etree._Element, flags: dict[etree._Element, int]) -> bool:
    """Pacemaker's ``purge_xml_attributes``: keep what is readable; False when nothing is."""
    if _allows(flags.get(elem, 0), READ):
        return True
    for name in list(elem.attrib):
        if name != "id":
            del elem.attrib[name]
    readable = False
    for child in list(elem):
        if isinstance(child.tag, str):
            readable |= _purge(child, flags)
        else:
            elem.remove(child)
    if not readable:
        parent = elem.getparent()
        if parent is not None:
            parent.remove(elem)
    return readable


def filtered_copy(root: etree._Element, user: str) -> etree._Element | None:
    """Pacemaker's ``xml_acl_filtered_copy``: what ``user`` may read of the CIB ``root``
    (ACLs taken from ``root``); None when nothing is readable."""
    permissions = unpack(root, user)
    target = etree.fromstring(etree.tostring(root))
    flags = apply(target, permissions)
    for permission in permissions or ():
        if permission.mode != DENY:
            continue
        for match in _select(target, permission.xpath):
            if not _purge(match, flags) and match is target:
                return None
    if not _purge(target, flags):
        return None
    if permissions is None:
        return None
    return target


# ---------------------------------------------------------------------------------------------
# Writing


def _match(parent: etree._Element, needle: etree._Element) -> etree._Element | None:
    """Pacemaker's ``pcmk__xml_match``: the first child of the same name (and id, if any)."""
    ident = needle.get("id")
    for child in parent:
        if child.tag == needle.tag and (ident is None or child.get("id") == ident):
            return child
    return None


def _elements(parent: etree._Element) -> Iterator[etree._Element]:
    return (c for c in parent if isinstance(c.tag, str))


@dataclass
class AclCheck:
    """The ACL checks of one change by ``user`` to the CIB ``before`` (Pacemaker's change
    tracking with ACLs: ``xml_track_changes``, the checks while changing, ``xml_acl_disable``)."""

    user: str
    before: etree._Element
    tracer: Tracer
    permissions: list[Permission] | None = field(init=False)
    denied: bool = field(init=False, default=False)
    refused_while_changing: bool = field(init=False, default=False)
    """Refused before the creation checks (cibadmin --create then answers ``<failed>``)."""
    _flags: dict[etree._Element, int] = field(init=False, default_factory=dict)
    _created: set[etree._Element] = field(init=False, default_factory=set)
    _old_flags: dict[etree._Element, int] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.permissions = unpack(self.before, self.user)

    @classmethod
    def needed(cls, user: str | None, before: etree._Element, tracer: Tracer) -> AclCheck | None:
        if user is None or not acl_required(user) or not acls_enabled(before):
            return None
        return cls(user, before, tracer)

    # -- Pacemaker's pcmk__check_acl -------------------------------------------------------------

    def _deny(self, text: str) -> bool:
        self.denied = True
        self.tracer("pcmk__check_acl", text)
        return False

    def check(self, elem: etree._Element, name: str | None, mode: int, *, path: str | None = None,
              start: etree._Element | None = None, own: int = 0) -> bool:
        """Whether ``user`` may do ``mode`` on ``elem`` (attribute ``name``).  ``start``,
        ``path`` and ``own`` describe an element that is not in the tree (a removed one: its
        would-be parent, its path and its own permissions)."""
        where = path if path is not None else element_xpath(elem)
        if name is not None:
            where += f"[@{name}]"
        if self.permissions is None:
            return self._deny(f"User '{self.user}' without ACLs denied {_mode_text(mode)} access to {where}")
        if name is not None and elem.get(name) is not None and mode == CREATE:
            mode = WRITE
        if start is not None and own:
            if _allows(own, mode):
                return True
            if own & DENY:
                return self._deny(f"ACL denies user '{self.user}' {_mode_text(mode)} access to {where}")
        node: etree._Element | None = elem if start is None else start
        while node is not None:
            allowed = self._flags.get(node, 0) | (CREATED if node in self._created else 0)
            if _allows(allowed, mode):
                return True
            if allowed & DENY:
                parent = "Parent " if (node is not elem or start is not None) else ""
                return self._deny(f"{parent}ACL denies user '{self.user}' {_mode_text(mode)} access to {where}")
            node = node.getparent()
        return self._deny(f"Default ACL denies user '{self.user}' {_mode_text(mode)} access to {where}")

    # -- Pacemaker's pcmk__apply_creation_acl ----------------------------------------------------

    def _creation(self, elem: etree._Element, check_top: bool) -> None:
        if elem in self._created:
            ident = elem.get("id") or "<unset>"
            scaffolding = all(name == "id" for name in elem.attrib) and "/acls/" not in element_xpath(elem)
            if scaffolding:
                self.tracer("pcmk__apply_creation_acl",
                            f'Creation of <{elem.tag}> scaffolding with id="{ident}" is implicitly allowed')
            elif self.check(elem, None, WRITE):
                self.tracer("pcmk__apply_creation_acl", f'ACLs allow creation of <{elem.tag}> with id="{ident}"')
            elif check_top:
                self.tracer("pcmk__apply_creation_acl", f'ACLs disallow creation of <{elem.tag}> with id="{ident}"')
                parent = elem.getparent()
                if parent is not None:
                    parent.remove(elem)
                return
        for child in list(_elements(elem)):
            self._creation(child, True)

    def _mark_created(self, elem: etree._Element) -> None:
        self._created.update(elem.iter(tag=etree.Element))

    # -- the change --------------------------------------------------------------------------

    def _map_flags(self, old: etree._Element, new: etree._Element, old_flags: dict[etree._Element, int]) -> None:
        """Give the elements of ``new`` the permissions of their counterparts in ``old``."""
        if old in old_flags:
            self._flags[new] = self._flags.get(new, 0) | old_flags[old]
        for child in _elements(old):
            counterpart = _match(new, child)
            if counterpart is not None:
                self._map_flags(child, counterpart, old_flags)

    def _attributes(self, old: etree._Element, new: etree._Element, style: Style) -> bool:
        """Pacemaker's ``xml_diff_attrs`` with the ACL checks; False to stop (a user without
        ACLs stops at the first refusal when the change is not a replacement)."""
        for raw, value in old.attrib.items():
            name = str(raw)
            if new.get(name) is None:
                ok = self.check(new, None, WRITE)
            elif new.get(name) != value:
                ok = self.check(new, name, CREATE)
            else:
                continue
            if not ok and style != "replace" and self.permissions is None:
                return False
        for raw in new.attrib:
            if old.get(raw) is None:
                ok = self.check(new, str(raw), WRITE)
                if not ok and style != "replace" and self.permissions is None:
                    return False
        return True

    def _first_attribute_of_new(self, elem: etree._Element) -> bool:
        """A user without ACLs setting the first attribute of an element just created."""
        if self.permissions is not None or not elem.attrib:
            return True
        first = str(next(iter(elem.attrib)))
        parent = elem.getparent()
        where = (element_xpath(parent) if parent is not None else "") + f"/{elem.tag}"
        self.check(elem, first, CREATE, path=where)
        # nothing of it was copied: neither its attributes nor its children
        elem.attrib.clear()
        for child in list(elem):
            elem.remove(child)
        return False

    def _diff(self, old: etree._Element, new: etree._Element, style: Style) -> bool:
        """Pacemaker's ``mark_xml_changes``; False to stop."""
        if not self._attributes(old, new, style):
            return False
        for child in list(_elements(old)):
            counterpart = _match(new, child)
            if counterpart is not None:
                if not self._diff(child, counterpart, style):
                    return False
            else:
                path = element_xpath(new) + f"/{child.tag}" + (
                    f"[@id='{child.get('id')}']" if child.get("id") is not None else "")
                # removed in place, the element keeps its permissions; a replaced one is
                # re-created to be checked, without them
                own = 0 if style == "replace" else self._old_flags.get(child, 0)
                if not self.check(child, None, WRITE, path=path, start=new, own=own) \
                        and self.permissions is None and style != "replace":
                    return False
        for child in list(_elements(new)):
            if _match(old, child) is None:
                self._mark_created(child)
                if style == "replace":
                    self._creation(child, True)
                elif not self._first_attribute_of_new(child):
                    return False
        return True

    def run(self, after: etree._Element, style: Style) -> bool:
        """Check the change from ``before`` to ``after``; True when it is allowed.  Elements
        whose creation is refused are removed from ``after``."""
        old_flags = self._old_flags = apply(self.before, self.permissions)
        if style == "replace":
            apply(after, self.permissions, self._flags)
        else:
            self._map_flags(self.before, after, old_flags)
        if self.before.tag == after.tag:
            self._diff(self.before, after, style)
        else:
            self._mark_created(after)
        self.refused_while_changing = self.denied
        # xml_acl_disable: "catch anything that was created but shouldn't have been"
        apply(after, self.permissions, self._flags)
        self._creation(after, False)
        return not self.denied
