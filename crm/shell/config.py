"""The configuration seen as crm objects, and the edits the configure level makes.

:class:`Configuration` wraps the ``<configuration>`` element of a working copy of the CIB.
Objects are the things ``configure show`` lists: nodes, resources (at any depth: a primitive
inside a group is an object too), constraints, property and defaults sets, tags, the fencing
topology and ACLs.  Every method is pure (XML in, XML out); messages for the user are
returned in :class:`Messages`.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from lxml import etree

from crm.shell.ast import REF, Definition, Node
from crm.shell.checks import crmsh_msec
from crm.shell.lexer import LexError, logical_lines, tokenize
from crm.shell.parser import ParseError, parse_definition
from crm.shell.render import RenderContext, object_kind, render
from crm.shell.xmlgen import IdStore, assign_ids, to_element
from crm.shell.xpath import xp, xs

__all__ = ["ConfigError", "Configuration", "Messages", "sanitize", "sort_containers"]

SORT_ORDER = {
    "node": 0,
    "rsc_template": 1,
    "primitive": 2,
    "bundle": 3,
    "group": 4,
    "ms": 5,
    "clone": 6,
    "op": 7,
    "tag": 8,
    "location": 9,
    "colocation": 9,
    "order": 9,
    "rsc_ticket": 10,
    "fencing_topology": 10,
    "property": 11,
    "rsc_defaults": 12,
    "op_defaults": 13,
    "role": 14,
    "acl_target": 15,
    "acl_group": 15,
    "user": 15,
    "alert": 16,
}
RESOURCE_TAGS = ("primitive", "group", "clone", "master", "template", "bundle")
CONSTRAINT_TAGS = ("rsc_location", "rsc_colocation", "rsc_order", "rsc_ticket")
RSC_REF_ATTRS = ("rsc", "with-rsc", "first", "then")
DEFAULT_SET_IDS = {"property": "cib-bootstrap-options", "rsc_defaults": "rsc-options", "op_defaults": "op-options"}
TOP = {
    "node": "nodes",
    "primitive": "resources",
    "template": "resources",
    "group": "resources",
    "clone": "resources",
    "master": "resources",
    "bundle": "resources",
    "rsc_location": "constraints",
    "rsc_colocation": "constraints",
    "rsc_order": "constraints",
    "rsc_ticket": "constraints",
    "cluster_property_set": "crm_config",
    "tag": "tags",
    "acl_role": "acls",
    "acl_target": "acls",
    "acl_group": "acls",
    "acl_user": "acls",
    "alert": "alerts",
}
_VALID_ID = re.compile(r"^[A-Za-z_][\w.-]*$")


def find_operation(rsc: etree._Element, name: str, interval: str | None = None) -> etree._Element | None:
    """crmsh's find_operation: the op ``name`` of ``rsc`` with that interval (the same
    milliseconds as crmsh reads them); without an interval, the only op of that name."""
    matching = [op for op in xp(rsc, "operations/op") if op.get("name") == name]
    if interval is None and len(matching) == 1:
        return matching[0]
    want = crmsh_msec(interval or "0")
    return next((op for op in matching if crmsh_msec(op.get("interval")) == want), None)


ROUND_TRIP_KINDS = ("alert",)


def _canonical(elem: etree._Element) -> str:
    copy_ = copy.deepcopy(elem)
    for c in copy_.iter():
        if not isinstance(c.tag, str):
            parent = c.getparent()
            if parent is not None:
                parent.remove(c)
            continue
        items = sorted(c.attrib.items())
        c.attrib.clear()
        c.attrib.update(items)
        c.text = c.tail = None
    return etree.tostring(copy_, encoding="unicode")


def note_id_refs(definition: Definition, id_refs: dict[str, str]) -> None:
    """Record the ``$id-ref=`` ids of a definition read in a session, under the word crmsh
    records each under: the crm word of an attribute set (``params``, ``meta``,
    ``attributes``, ``utilization``), else the element's tag (``rule``, ``operations``)."""
    words = {"instance_attributes": "attributes" if definition.kind in ("node", "alert") else "params", "meta_attributes": "meta"}
    if definition.kind in ("property", "rsc_defaults", "op_defaults"):
        words = {}

    def walk(node: Node) -> None:
        ref = node.get("id-ref")
        if ref is not None and node.tag not in ("nvpair", REF):
            id_refs[ref] = words.get(node.tag, node.tag)
        for child in node.children:
            walk(child)

    walk(definition.node)


_SET_WORDS = {"instance_attributes": "params", "meta_attributes": "meta"}


def _note_xml_id_refs(conf: etree._Element, id_refs: dict[str, str]) -> None:
    """The ``$id-ref=`` ids of a configuration as crmsh records them when it reads each object
    back from its text on loading (see :func:`note_id_refs`)."""
    for e in xp(conf, "//*[@id-ref]"):
        if e.tag == "nvpair":
            continue
        parent = e.getparent()
        in_defaults = parent is not None and parent.tag in ("crm_config", "rsc_defaults", "op_defaults")
        word = str(e.tag) if in_defaults else _SET_WORDS.get(str(e.tag), str(e.tag))
        if parent is not None and parent.tag in ("node", "alert", "recipient") and e.tag == "instance_attributes":
            word = "attributes"
        id_refs.setdefault(str(e.get("id-ref")), word)


def reads_back(text: str) -> bool:
    """Whether the shown text of an object parses as a definition again."""
    body = [line for _n, line in logical_lines(text) if not line.lstrip().startswith("#")]
    try:
        for line in body:
            tokens = tokenize(line).tokens
            if tokens:
                parse_definition(tokens, providers=lambda _t: ["heartbeat"])
    except (LexError, ParseError):
        return False
    return True


class ConfigError(ValueError):
    """A configure command that cannot be carried out (crmsh prints it as ``ERROR:``)."""


@dataclass
class Messages:
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    infos: list[str] = field(default_factory=list)


class Configuration:
    def __init__(self, root: etree._Element, id_refs: dict[str, str] | None = None) -> None:
        """``root`` is the ``<cib>`` element of a working copy (changed in place); ``id_refs``
        the ``$id-ref=`` ids read in the session (see :class:`RenderContext`)."""
        self.cib = root
        self.id_refs = id_refs if id_refs is not None else {}
        conf = root.find("configuration")
        if conf is not None:
            _note_xml_id_refs(conf, self.id_refs)
        conf = root.find("configuration")
        if conf is None:
            conf = etree.SubElement(root, "configuration")
        self.conf = conf
        self.ids = IdStore.of(root)

    # -- sections and objects ---------------------------------------------------------
    def section(self, tag: str, create: bool = True) -> etree._Element | None:
        """The ``configuration`` child ``tag``; a missing one is appended (crmsh adds sections in
        the order the objects needing them were created, not in the schema's order)."""
        sec = self.conf.find(tag)
        if sec is None and create:
            sec = etree.SubElement(self.conf, tag)
        return sec

    def objects(self) -> list[etree._Element]:
        out: list[etree._Element] = []
        c = self.conf
        out += xp(c, "nodes/node")
        out += xp(c, "resources//*[self::primitive or self::group or self::clone or self::master or self::template or self::bundle]")
        out += xp(c, "constraints/*[self::rsc_location or self::rsc_colocation or self::rsc_order or self::rsc_ticket]")
        out += xp(c, "crm_config/cluster_property_set")
        out += xp(c, "rsc_defaults/meta_attributes | op_defaults/meta_attributes")
        out += xp(c, "tags/tag")
        out += xp(c, "fencing-topology")
        out += xp(c, "acls/*")
        out += xp(c, "alerts/alert")
        return out

    @staticmethod
    def object_id(elem: etree._Element) -> str:
        if elem.tag == "fencing-topology":
            return "fencing_topology"
        return elem.get("id") or elem.get("uname") or ""

    def sorted_objects(self, objs: Iterable[etree._Element] | None = None) -> list[etree._Element]:
        return sorted(
            self.objects() if objs is None else objs,
            key=lambda e: (SORT_ORDER.get(object_kind(e), 1000), self.object_id(e)),
        )

    def find(self, ident: str) -> etree._Element | None:
        for obj in self.objects():
            if self.object_id(obj) == ident:
                return obj
        for obj in xp(self.conf, "nodes/node"):
            if obj.get("uname") == ident:
                return obj
        return None

    def find_resource(self, ident: str) -> etree._Element | None:
        for obj in xp(self.conf, "resources//*[@id=$i]", i=ident):
            if obj.tag in RESOURCE_TAGS:
                return obj
        return None

    def node_names(self) -> list[str]:
        return [n.get("uname") or n.get("id") or "" for n in xp(self.conf, "nodes/node")]

    def resource_ids(self) -> list[str]:
        return [e.get("id") or "" for e in xp(self.conf, "resources//*") if e.tag in RESOURCE_TAGS]

    def render_context(self, color: Callable[[str, str], str] | None = None) -> RenderContext:
        ctx = RenderContext(self.id_refs, self.node_names())
        if color is not None:
            ctx.color = color
        return ctx

    def show(self, objs: Sequence[etree._Element] | None = None) -> str:
        ctx = self.render_context()
        return "\n".join(self._show_one(o, ctx) for o in self.sorted_objects(objs))

    def _show_one(self, obj: etree._Element, ctx: RenderContext) -> str:
        """The text of ``obj``; as crmsh, an object whose text does not read back (an empty
        group, say) is shown as its XML: ``xml <group id="g"/>``."""
        text = render(obj, ctx)
        if text.startswith("xml ") or (reads_back(text) and self._same_when_read(obj, text)):
            return text
        lines = [x for x in etree.tostring(obj, pretty_print=True, encoding="unicode").split("\n") if x]
        return "xml " + " \\\n".join(lines)

    def _same_when_read(self, obj: etree._Element, text: str) -> bool:
        """For the kinds whose text names all of their parts (``ROUND_TRIP_KINDS``): whether the
        text, read back with the ids of ``obj`` kept where they match, gives ``obj`` again
        (crmsh shows the XML of an alert whose recipients' ids are not the ones it would give)."""
        if object_kind(obj) not in ROUND_TRIP_KINDS:
            return True
        lines = [line for _n, line in logical_lines(text) if not line.lstrip().startswith("#")]
        if len(lines) != 1:
            return True
        again = to_element(parse_definition(tokenize(lines[0]).tokens, providers=lambda _t: ["heartbeat"]).node)
        assign_ids(again, IdStore(self.ids.used), old=obj)
        return _canonical(again) == _canonical(obj)

    # -- filters (show / edit / save arguments) ------------------------------------------
    def select(self, args: Sequence[str]) -> list[etree._Element]:
        """Objects named by ``args``: ids, ``type:KIND``, ``related:ID``, ``tag:NAME``,
        ``changed`` is the caller's business; unknown ids raise ConfigError."""
        if not args:
            return self.objects()
        chosen: list[etree._Element] = []
        for arg in args:
            if arg.startswith("type:"):
                kind = arg[5:]
                chosen += [o for o in self.objects() if object_kind(o) == kind]
            elif arg.startswith("related:"):
                rid = arg[8:]
                for o in self.objects():
                    if self.object_id(o) == rid or rid in self._references(o) or (
                        o.tag in ("group", "clone", "master") and xp(o, ".//*[@id=$i]", i=rid)
                    ):
                        chosen.append(o)
            elif arg.startswith("tag:"):
                tag = self.find(arg[4:])
                if tag is None or tag.tag != "tag":
                    raise ConfigError(f"object {arg[4:]} does not exist")
                chosen += [o for ref in tag for o in [self.find(ref.get("id") or "")] if o is not None]
            else:
                obj = self.find(arg)
                if obj is None:
                    raise ConfigError(f"object {arg} does not exist")
                chosen.append(obj)
        uniq: list[etree._Element] = []
        for o in chosen:
            if o not in uniq:
                uniq.append(o)
        return uniq

    @staticmethod
    def _references(elem: etree._Element) -> set[str]:
        refs = {elem.get(a) or "" for a in RSC_REF_ATTRS if elem.get(a)}
        refs |= {str(r) for r in xs(elem, "resource_set/resource_ref/@id | obj_ref/@id")}
        return refs

    # -- creating -----------------------------------------------------------------------
    def apply(self, definition: Definition, msgs: Messages, *, replace: bool = False) -> None:
        """Add the object ``definition`` describes (crmsh's create_from_cli); with
        ``replace``, an existing object with the same id is replaced (load update, edit)."""
        node = definition.node
        kind = definition.kind
        if kind in ("property", "rsc_defaults", "op_defaults"):
            self._apply_set(kind, to_element(node), msgs, replace=False)
            return
        if kind == "monitor":
            self._apply_monitor(to_element(node))
            return
        if kind == "fencing_topology":
            elem = to_element(node)
            old = self.conf.find("fencing-topology")
            if old is not None and not replace:
                raise ConfigError("Cannot create fencing_topology with ID 'fencing_topology': Found existing fencing_topology with same ID.")
            assign_ids(elem, self.ids, old)
            if old is not None:
                self.conf.replace(old, elem)
            else:
                self.section("fencing-topology")
                sec = self.conf.find("fencing-topology")
                assert sec is not None
                self.conf.replace(sec, elem)
            return
        elem = to_element(node)
        ident = elem.get("id") or elem.get("uname") or ""
        if elem.tag != "node" and not _VALID_ID.match(ident):
            raise ConfigError(f"{ident}: invalid object id")
        existing = self.find(ident)
        if elem.tag == "node" and existing is not None and existing.tag == "node" and replace and "id" not in elem.attrib:
            elem.set("id", existing.get("id") or ident)  # the node keeps its id (crmsh's fix_node_ids)
            for c in list(elem):
                if not isinstance(c.tag, str):
                    elem.remove(c)  # crmsh loses the comments of a node it updates
        if elem.tag == "node" and existing is not None and existing.tag == "node" and not replace:
            if existing.get("id"):
                elem.set("id", existing.get("id") or "")
            assign_ids(elem, self.ids, existing)
            _merge_node(existing, elem)
            return
        if existing is not None and not (replace and existing.tag == elem.tag):
            if (existing.tag == "node" and elem.tag != "node") or (existing.tag != "node" and elem.tag == "node"):
                pass
            else:
                raise ConfigError(
                    f"Cannot create {kind} with ID '{ident}': Found existing {object_kind(existing)} with same ID."
                )
        assign_ids(elem, self.ids, existing if replace else None)
        self._resolve_refs(elem, msgs)
        if replace and existing is not None and existing.tag == elem.tag:
            self._replace_object(existing, elem)
        else:
            sec = self.section(TOP[str(elem.tag)])
            assert sec is not None
            sec.append(elem)

    def _replace_object(self, old: etree._Element, new: etree._Element) -> None:
        parent = old.getparent()
        assert parent is not None
        if old.tag in ("group", "clone", "master"):
            # children no longer listed go back to the top level
            new_children = {c.get("id") for c in new if c.tag in RESOURCE_TAGS}
            sec = self.section("resources")
            assert sec is not None
            for c in list(old):
                if c.tag in RESOURCE_TAGS and c.get("id") not in new_children:
                    sec.append(c)
        parent.replace(old, new)

    def _resolve_refs(self, elem: etree._Element, msgs: Messages) -> None:
        for ref in list(elem.iterchildren(REF)):
            child_id = ref.get("id") or ""
            found = self.find_resource(child_id)
            if found is not None and found is not elem:
                parent = found.getparent()
                if parent is not None and parent.tag in ("group", "clone", "master") and parent.get("id") != elem.get("id"):
                    raise ConfigError(
                        f"Cannot create {object_kind(elem)}:{elem.get('id')}: Child {object_kind(found)}:{child_id} already in {object_kind(parent)}:{parent.get('id')}"
                    )
                elem.replace(ref, found)
            else:
                elem.remove(ref)
                msgs.errors.append(f"{elem.get('id')} refers to missing object {child_id}")

    def _apply_set(self, kind: str, root: etree._Element, msgs: Messages, *, replace: bool) -> None:
        attrs = root if kind == "property" else root[0]
        set_id = attrs.get("id") or DEFAULT_SET_IDS[kind]
        if kind == "property":
            parent = self.section("crm_config")
            tag = "cluster_property_set"
        else:
            parent = self.section(kind)
            tag = "meta_attributes"
        assert parent is not None
        existing = parent.find(f"{tag}[@id='{set_id}']") if _VALID_ID.match(set_id) else None
        merged = existing is not None and not replace  # crmsh merges the nvpairs only (comments are lost)
        if existing is None:
            other = self.find(set_id)
            if other is not None:
                raise ConfigError(f"Cannot create {kind} with ID '{set_id}': Found existing {object_kind(other)} with same ID.")
            existing = etree.SubElement(parent, tag)
            existing.set("id", set_id)
            self.ids.save(set_id)
        elif replace:
            for c in list(existing):
                existing.remove(c)
        for c in attrs:
            if not isinstance(c.tag, str):
                if not merged:
                    existing.append(copy.deepcopy(c))
            elif c.tag == "nvpair":
                if "value" not in c.attrib:
                    existing.append(copy.deepcopy(c))
                    continue
                name = c.get("name")
                for old in existing.iterchildren("nvpair"):
                    if old.get("name") == name:
                        old.set("value", c.get("value") or "")
                        break
                else:
                    new = copy.deepcopy(c)
                    existing.append(new)
                    if "id" not in new.attrib:
                        new.set("id", self.ids.new(new, set_id))
            else:
                new = copy.deepcopy(c)
                assign_ids(new, self.ids, prefix=set_id)
                same = existing.find(f"*[@id='{new.get('id')}']") if new.get("id") else None
                if same is not None:
                    existing.replace(same, new)
                else:
                    existing.append(new)

    def _apply_monitor(self, op: etree._Element) -> None:
        rsc_id = op.get("rsc") or ""
        rsc = self.find_resource(rsc_id)
        if rsc is None:
            raise ConfigError(f"object {rsc_id} does not exist")
        if rsc.tag != "primitive":
            raise ConfigError(f"{rsc_id} is not a primitive")
        del op.attrib["rsc"]
        if find_operation(rsc, op.get("name") or "", op.get("interval")) is not None:
            raise ConfigError(f"{rsc_id} already has a {op.get('name')} op with interval {op.get('interval')}")
        op.set("id", self.ids.new(op, rsc_id))
        ops = rsc.find("operations")
        if ops is None:
            ops = etree.SubElement(rsc, "operations")
        ops.append(op)

    # -- deleting, renaming -------------------------------------------------------------
    def delete(self, ident: str, msgs: Messages, quiet: bool = False) -> None:
        """Delete an object as crmsh does: the only child of a group or clone takes its parent
        with it; constraints follow (renamed to the first child of a deleted container,
        references dropped, left-over constraints deleted); ``quiet`` leaves out the
        "hanging ... deleted" notes (erase)."""
        obj = self.find(ident)
        if obj is None:
            raise ConfigError(f"object {ident} does not exist")
        self._delete_1(obj, msgs, quiet)

    def delete_many(self, idents: Sequence[str], msgs: Messages, *, force: bool = False) -> bool:
        """crmsh's ``delete id...``: every object is looked up first (a missing one is an
        error, or skipped with ``force``), a template takes the primitives made from it
        along, then the objects go in reverse processing order (constraints before the
        resources they name, so they are not reported as left hanging); an object already
        gone with an earlier one is skipped."""
        ok = True
        found: list[etree._Element] = []
        for ident in idents:
            obj = self.find(ident)
            if obj is None:
                if not force:
                    msgs.errors.append(f"object {ident} does not exist")
                    ok = False
                continue
            if obj.tag == "template":
                for prim in xp(self.conf, "resources//primitive[@template=$t]", t=ident):
                    if prim not in found and prim.get("id") not in idents:
                        msgs.infos.append(f"hanging primitive:{prim.get('id')} deleted")
                        found.append(prim)
            found.append(obj)
        found.sort(key=lambda o: (SORT_ORDER.get(object_kind(o), 1000), self.object_id(o)))
        for obj in reversed(found):
            if self._is_present(obj):
                self._delete_1(obj, msgs, False)
        return ok

    def _is_present(self, obj: etree._Element) -> bool:
        return any(a is self.conf for a in obj.iterancestors())

    def _delete_1(self, obj: etree._Element, msgs: Messages, quiet: bool) -> None:
        parent = obj.getparent()
        if parent is not None and parent.tag in ("group", "clone", "master"):
            siblings = [c for c in parent if c.tag in RESOURCE_TAGS]
            if len(siblings) == 1:
                self._delete_1(parent, msgs, quiet)
        if obj.getparent() is not None:
            self._remove_obj(obj, msgs, quiet)

    def _remove_obj(self, obj: etree._Element, msgs: Messages, quiet: bool) -> None:
        ident = self.object_id(obj)
        children = [c for c in obj if c.tag in RESOURCE_TAGS] if obj.tag in ("group", "clone", "master") else []
        parent = obj.getparent()
        assert parent is not None
        top = self.section("resources")
        assert top is not None
        for c in children:
            top.append(c)
        for e in obj.iter():
            if isinstance(e.tag, str):
                self.ids.remove(e.get("id"))
        parent.remove(obj)
        if obj.tag == "fencing-topology":
            return
        for tag in list(xp(self.conf, "tags/tag")):
            refs = [r for r in tag.iterchildren("obj_ref") if r.get("id") == ident]
            if not refs:
                continue
            for ref in refs:
                tag.remove(ref)
            if tag.find("obj_ref") is None:
                self._remove_obj(tag, msgs, quiet)
                if not quiet:
                    msgs.infos.append(f"hanging tag:{tag.get('id')} deleted")
        if obj.tag not in RESOURCE_TAGS:
            return
        for con in list(xp(self.conf, "constraints/*")):
            if ident not in self._references(con):
                continue
            ckind = object_kind(con)
            if children and con.find("resource_set") is None:
                first = children[0].get("id") or ""
                if _rename_simple(con, ident, first):
                    msgs.infos.append(f"modified {ckind}:{con.get('id')} from {ident} to {first}")
            deleted = _delete_rscref(con, ident)
            if deleted and con.find("resource_set") is not None:
                con = self._maybe_rset_convert(con)
            if _silly(con, ident):
                self._remove_obj(con, msgs, quiet)
                if not quiet:
                    msgs.infos.append(f"hanging {ckind}:{con.get('id')} deleted")
            elif deleted:
                msgs.infos.append(f"constraint {ckind}:{con.get('id')} updated")

    def erase_objects(self, msgs: Messages) -> None:
        """crmsh's erase: delete every leaf object (not nodes, not constraints) in document
        order; containers, constraints and tags follow."""
        leaves = [
            o
            for o in self.objects_in_document_order()
            if o.tag != "node"
            and o.tag not in CONSTRAINT_TAGS
            and not (o.tag in ("group", "clone", "master") and any(c.tag in RESOURCE_TAGS for c in o))
            and o.tag != "tag"
        ]
        for o in leaves:
            if o.getparent() is not None:
                self._delete_1(o, msgs, True)
        self.erase(nodes=False)

    def objects_in_document_order(self) -> list[etree._Element]:
        objs = set(self.objects())
        return [e for e in self.conf.iter() if e in objs]

    def _maybe_rset_convert(self, con: etree._Element, *, keep_nonsequential: bool = True) -> etree._Element:
        """A set constraint left with two resources becomes a simple one (crmsh's rset_convert);
        after a delete, not when a non-sequential set has both (a rename converts it too)."""
        refs = xp(con, "resource_set/resource_ref")
        nonseq = keep_nonsequential and any(
            (s.get("sequential") or "true").lower() in ("false", "no", "off", "0") and len(s.findall("resource_ref")) > 1
            for s in con.findall("resource_set")
        )
        if nonseq or len(refs) != 2:
            return con
        sets = con.findall("resource_set")
        for s in sets:
            s.attrib.pop("sequential", "")
        text = render(con, self.render_context(), break_lines=False).replace("_rsc_set_ ", "")
        from crm.shell.lexer import tokenize
        from crm.shell.parser import ParseError, parse_definition

        try:
            definition = parse_definition(tokenize(text).tokens)
        except ParseError:
            return con
        new = to_element(definition.node)
        if len(sets) == 1 and new.tag == "rsc_colocation":
            rsc, with_rsc = new.get("rsc"), new.get("with-rsc")
            if with_rsc is not None:
                new.set("rsc", with_rsc)
            if rsc is not None:
                new.set("with-rsc", rsc)
        for e in con.iter():
            if isinstance(e.tag, str) and e is not con:
                self.ids.remove(e.get("id"))
        assign_ids(new, self.ids, old=con)  # the parts the text gives again keep their ids
        parent = con.getparent()
        assert parent is not None
        parent.replace(con, new)
        return new

    def rename(self, old: str, new: str, msgs: Messages | None = None) -> None:
        # crmsh 4.4.1 checks the new id for use first and not for validity (a commit of an
        # invalid one is refused by the schema)
        if self.find(new) is not None or new in self.ids.used:
            raise ConfigError(f"{new}: id is already in use")
        obj = self.find(old)
        if obj is None:
            raise ConfigError(f"object {old} does not exist")
        if obj.tag == "node":
            raise ConfigError(f"cannot rename {old}")
        obj.set("id", new)
        self.ids.remove(old)
        self.ids.save(new)
        if obj.tag not in ("primitive", "group", "clone", "master", "template", "bundle"):
            return  # crmsh follows the references of resources only (a renamed tag leaves them dangling)
        related = [con for con in xp(self.conf, "constraints/*") if old in self._references(con)]
        if msgs is not None:
            for con in related:
                msgs.infos.append(f"modified {object_kind(con)}:{con.get('id')} from {old} to {new}")
        for e in self.conf.iter():
            if not isinstance(e.tag, str):
                continue
            # primitives made from a renamed template keep naming the old id, as in crmsh
            for attr in RSC_REF_ATTRS:
                if e.get(attr) == old and e.tag in CONSTRAINT_TAGS:
                    e.set(attr, new)
            if e.tag == "resource_ref" and e.get("id") == old:
                e.set("id", new)
            if e.get("id-ref") == old:
                e.set("id-ref", new)
        for con in related:
            if con.find("resource_set") is not None:
                self._rset_uniq(con)
                self._maybe_rset_convert(con, keep_nonsequential=False)

    @staticmethod
    def _rset_uniq(con: etree._Element) -> None:
        """A resource named twice in a constraint's sets after a rename is left only at its
        last place (crmsh's rset_uniq); emptied sets stay."""
        refs = xp(con, "resource_set/resource_ref")
        count: dict[str, int] = {}
        for ref in refs:
            count[ref.get("id") or ""] = count.get(ref.get("id") or "", 0) + 1
        for ref in refs:
            ident = ref.get("id") or ""
            if count[ident] > 1:
                count[ident] -= 1
                parent = ref.getparent()
                assert parent is not None
                parent.remove(ref)

    def modgroup(self, group_id: str, action: str, rsc_id: str, where: str | None, ref: str | None) -> None:
        group = self.find(group_id)
        if group is None or group.tag != "group":
            raise ConfigError(f"{group_id} is not a group")
        members = [c for c in group if c.tag == "primitive"]
        if action == "add":
            prim = self.find_resource(rsc_id)
            if prim is None:
                raise ConfigError(f"object {rsc_id} does not exist")
            if prim.tag != "primitive":
                raise ConfigError(f"{rsc_id} is not a primitive")
            if prim.getparent() is group:
                raise ConfigError(f"{rsc_id} already in {group_id}")
            parent = prim.getparent()
            if parent is not None and parent.tag != "resources":
                raise ConfigError(f"{rsc_id} already in {parent.get('id')}")
            if where and ref:
                anchor = next((m for m in members if m.get("id") == ref), None)
                if anchor is None:
                    raise ConfigError(f"{ref} is not member of {group_id}")
                if where == "after":
                    anchor.addnext(prim)
                else:
                    anchor.addprevious(prim)
            else:
                group.append(prim)
        else:
            prim = next((m for m in members if m.get("id") == rsc_id), None)
            if prim is None:
                raise ConfigError(f"{rsc_id} is not member of {group_id}")
            if len(members) == 1:
                raise ConfigError(f"cannot remove the last member {rsc_id} of {group_id}")
            sec = self.section("resources")
            assert sec is not None
            sec.append(prim)

    def erase(self, nodes: bool = False) -> None:
        for tag in ("resources", "constraints", "rsc_defaults", "op_defaults", "tags", "fencing-topology", "acls", "alerts"):
            sec = self.conf.find(tag)
            if sec is not None:
                for c in list(sec):
                    sec.remove(c)
        crm_config = self.conf.find("crm_config")
        if crm_config is not None:
            for c in list(crm_config):
                crm_config.remove(c)
        if nodes:
            sec = self.conf.find("nodes")
            if sec is not None:
                for c in list(sec):
                    sec.remove(c)
        fence = self.conf.find("fencing-topology")
        if fence is not None:
            self.conf.remove(fence)
        self.ids = IdStore.of(self.cib)


def sort_containers(conf: etree._Element) -> None:
    """Attribute sets before child resources in every group and clone, as crmsh keeps its
    copy of the CIB (so every crmsh commit writes them in that order)."""
    for container in xp(conf, "resources//*[self::group or self::clone or self::master]"):
        children = [c for c in container if c.tag in ("group", "primitive")]
        for c in children:
            container.remove(c)
            container.append(c)


DEFAULT_ATTRS = {
    "rule": {"boolean-op": "and"},
    "expression": {"type": "string"},
    "node": {"type": "normal"},
    "resource_set": {"sequential": "true", "require-all": "true"},
}
"""Attributes crmsh drops wherever they have their default value when it reads a CIB (its
attr_defaults, constants.attr_defaults)."""


def sanitize(conf: etree._Element) -> None:
    """The configuration as crmsh holds it once read (its sanitize_cib): containers' attribute
    sets first, attributes at their default value dropped.  Every crmsh commit writes its
    whole copy, so these changes reach the CIB with the first change to anything."""
    sort_containers(conf)
    for tag, defaults in DEFAULT_ATTRS.items():
        for e in conf.iter(tag):
            for name, value in defaults.items():
                if e.get(name) == value:
                    del e.attrib[name]


def _merge_node(old: etree._Element, new: etree._Element) -> None:
    """crmsh's merge_nodes: the attribute sets of a node defined again are merged into the
    existing node; its own attributes (type, description) are not taken."""
    for c in new:
        if not isinstance(c.tag, str):
            continue
        match = old.find(f"{c.tag}[@id='{c.get('id')}']")
        if match is None:
            old.append(c)
            continue
        for nvp in c.iterchildren("nvpair"):
            for onvp in match.iterchildren("nvpair"):
                if onvp.get("name") == nvp.get("name"):
                    onvp.set("value", nvp.get("value") or "")
                    break
            else:
                match.append(nvp)


def _rename_simple(con: etree._Element, old: str, new: str) -> bool:
    changed = False
    for attr in RSC_REF_ATTRS:
        if con.get(attr) == old:
            con.set(attr, new)
            changed = True
    return changed


def _delete_rscref(con: etree._Element, ident: str) -> bool:
    changed = False
    for attr in RSC_REF_ATTRS:
        if con.get(attr) == ident:
            del con.attrib[attr]
            changed = True
    if changed:
        return True
    for ref in xp(con, "resource_set/resource_ref[@id=$i]", i=ident):
        parent = ref.getparent()
        assert parent is not None
        parent.remove(ref)
        changed = True
    for rset in con.findall("resource_set"):
        if rset.find("resource_ref") is None:
            con.remove(rset)
            changed = True
    return changed


def _silly(con: etree._Element, ident: str) -> bool:
    refs = xp(con, "resource_set/resource_ref")
    never = con.tag in ("rsc_location", "rsc_ticket")
    if refs:
        return len(refs) < 1 if never else len(refs) <= 1
    cnt = sum(1 for a in RSC_REF_ATTRS if a in con.attrib)
    same = sum(1 for a in RSC_REF_ATTRS if con.get(a) == ident)
    if con.tag == "rsc_location" and con.find("resource_set") is None and "rsc-pattern" in con.attrib:
        return False
    if never:
        return cnt < 1
    return same == 2 or cnt < 2
