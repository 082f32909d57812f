"""From CIB XML to crm shell text, laid out as crmsh 4.4.1's ``configure show``.

``render(elem, ctx)`` gives the text of one configuration object (a node, a resource, a
constraint, a property set...), continuation lines joined with `` \\`` + newline + tab.
``ctx`` answers the few questions that need the whole configuration (which ids are
referenced elsewhere, the node names).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from lxml import etree

__all__ = ["RenderContext", "object_kind", "quote", "render"]

_NOQUOTES_RE = re.compile(r"^[\w.-]+$")


@dataclass
class RenderContext:
    id_refs: dict[str, str] = field(default_factory=dict)
    """The ids given to ``$id-ref=`` in definitions read in this session, with the kind of
    element each was given for (crmsh's ``id_refs``): an element is shown with its ``$id=``
    when its tag is that kind, so after ``utilization $id-ref=X`` or ``rule $id-ref=X`` but
    not after ``params``/``meta`` ones (crmsh records those under their crm word)."""
    node_names: Sequence[str] = ()
    color: Callable[[str, str], str] = lambda kind, text: text


def quote(v: str) -> str:
    if _NOQUOTES_RE.match(v):
        return v
    if '"' in v:
        escaped = v.replace('"', '\\"')
        return f'"{escaped}"'
    return f'"{v}"'


def nvpair_format(n: str, v: str | None) -> str:
    if v is None:
        return n
    return f"{n}={quote(v)}"


def cli_nvpair(nvp: etree._Element, ctx: RenderContext) -> str:
    ident = nvp.get("id")
    idref = nvp.get("id-ref")
    name = nvp.get("name")
    value = nvp.get("value")
    if idref is not None:
        return f"@{idref}:{name}" if name is not None else f"@{idref}"
    if ident is not None and ctx.id_refs.get(ident) == nvp.tag:
        return f"${ident}:{nvpair_format(name or '', value)}"
    return nvpair_format(name or "", value)


def cli_format(parts: list[str], break_lines: bool = True) -> str:
    return " \\\n\t".join(parts) if break_lines else " ".join(parts)


def head_id_format(ident: str) -> str:
    if _NOQUOTES_RE.match(ident):
        return f"{ident}:"
    return f'$id="{ident}"'


def _date_exp(node: etree._Element) -> str:
    op = node.get("operation") or ""
    parts = ["date", {"in_range": "in", "date_spec": "spec"}.get(op, op)]
    if op in ("lt", "gt"):
        parts.append(quote(node.get("end" if op == "lt" else "start") or ""))
    else:
        if op == "in_range":
            for name in ("start", "end"):
                if name in node.attrib:
                    parts.append(nvpair_format(name, node.get(name)))
        for c in node:
            if c.tag in ("duration", "date_spec"):
                parts.extend(nvpair_format(str(k), str(v)) for k, v in c.attrib.items() if k != "id")
    return " ".join(parts)


def _exp(node: etree._Element) -> str:
    op = node.get("operation") or ""
    typ = node.get("type")
    if typ and typ != "string":  # crmsh drops the default type when it reads the CIB
        op = f"{typ}:{op}"
    attribute = node.get("attribute")
    value = node.get("value")
    if not value:
        return f"{op} {attribute}"
    source = node.get("value-source")
    if not source or source == "literal":
        return f"{attribute} {op} {value}"
    return f"{attribute} {op} {source}{{{value}}}"


def get_score(node: etree._Element) -> str:
    score = node.get("score")
    if not score:
        score = node.get("score-attribute")
    elif "INFINITY" in score:
        score = score.replace("INFINITY", "inf")
    return score or ""


def cli_rule(node: etree._Element, ctx: RenderContext) -> str:
    s: list[str] = []
    ident = node.get("id")
    if ident and ctx.id_refs.get(ident) == node.tag:
        s.append(nvpair_format("$id", ident))
    else:
        idref = node.get("id-ref")
        if idref:
            return nvpair_format("$id-ref", idref)
    role = node.get("role")
    if role:
        s.append(nvpair_format("$role", role))
    score = None if node.get("score") == "INFINITY" else get_score(node)
    if score:
        s.append(f"{score}:")
    op = node.get("boolean-op") or "and"
    exprs = []
    for c in node:
        if c.tag == "date_expression":
            exprs.append(_date_exp(c))
        elif c.tag == "expression":
            exprs.append(_exp(c))
    s.append(f" {op} ".join(exprs))
    return " ".join(s)


def _attr_set(node: etree._Element, names: dict[str, str], ctx: RenderContext) -> str:
    ret = names[str(node.tag)] + " "
    ident = node.get("id")
    idref = node.get("id-ref")
    if ident is not None and ctx.id_refs.get(ident) == node.tag:
        ret += nvpair_format("$id", ident) + " "
    elif idref is not None:
        ret += nvpair_format("$id-ref", idref) + " "
    score = node.get("score")
    if score:
        ret += f"{score}: "
    for c in node:
        if c.tag == "rule":
            ret += f"rule {cli_rule(c, ctx)} "
    for c in node:
        if c.tag == "nvpair":
            ret += cli_nvpair(c, ctx) + " "
    return ret.rstrip(" ") if ret.endswith(" ") else ret


def mk_rsc_type(n: etree._Element) -> str:
    typ = n.get("type") or ""
    cls = n.get("class")
    provider = n.get("provider")
    if (cls is None and provider is None) or (cls == "ocf" and provider is None) or provider == "heartbeat":
        cls = provider = None
    return (f"{cls}:" if cls else "") + (f"{provider}:" if provider else "") + typ


_CHILD_TAGS = ("primitive", "group", "clone", "master", "bundle")


def object_kind(elem: etree._Element) -> str:
    return {
        "node": "node",
        "primitive": "primitive",
        "template": "rsc_template",
        "group": "group",
        "clone": "clone",
        "master": "ms",
        "bundle": "bundle",
        "rsc_location": "location",
        "rsc_colocation": "colocation",
        "rsc_order": "order",
        "rsc_ticket": "rsc_ticket",
        "cluster_property_set": "property",
        "tag": "tag",
        "fencing-topology": "fencing_topology",
        "acl_role": "role",
        "acl_target": "acl_target",
        "acl_group": "acl_group",
        "acl_user": "user",
        "alert": "alert",
    }.get(str(elem.tag), "") or _defaults_kind(elem)


def _defaults_kind(elem: etree._Element) -> str:
    parent = elem.getparent()
    if elem.tag == "meta_attributes" and parent is not None and parent.tag in ("rsc_defaults", "op_defaults"):
        return str(parent.tag)
    return ""


def _op(node: etree._Element, ctx: RenderContext) -> str:
    action = node.get("name") or ""
    parts = [f"op {action}", *(nvpair_format(str(k), str(v)) for k, v in node.attrib.items() if k not in ("name", "id"))]
    head = " ".join(parts)
    lines = [head]
    for c in node:
        if c.tag in ("instance_attributes", "meta_attributes"):
            lines.append(_attr_set(c, {"instance_attributes": "op_params", "meta_attributes": "op_meta"}, ctx))
    return cli_format(lines)


def _rsc_set_constraint(node: etree._Element, kind: str) -> list[str]:
    col: list[str] = []
    cnt = 0
    sequential: bool | None = None
    require_all: bool | None = None
    for n in node.findall("resource_set"):
        sequential = _boolean_maybe(n.get("sequential"))
        require_all = _boolean_maybe(n.get("require-all"))
        if require_all is False:
            col.append("[")
        elif sequential is False:
            col.append("(")
        role = n.get("role")
        action = n.get("action")
        for r in n.findall("resource_ref"):
            rsc = r.get("id") or ""
            q = action if kind == "order" else role
            col.append(f"{rsc}:{q}" if q else rsc)
            cnt += 1
        if require_all is False:
            if sequential in (None, True):
                col.append(nvpair_format("sequential", "true"))
            col.append("]")
        elif sequential is False:
            col.append(")")
    is_ticket = kind == "rsc_ticket"
    is_seq_all = sequential in (None, True) and require_all in (None, True)
    if kind != "location" and ((is_seq_all and not is_ticket and cnt <= 2) or (is_ticket and cnt <= 1)):
        col.insert(0, "_rsc_set_")
    return col


def _boolean_maybe(v: str | None) -> bool | None:
    if v is None:
        return None
    return v.lower() in ("true", "yes", "on", "1", "y")


def _role_ref(node: etree._Element, n: str, suffix: str) -> str:
    rsc = node.get(n) or ""
    q = node.get(f"{n}-{suffix}")
    inst = node.get(f"{n}-instance")
    if q:
        return f"{rsc}:{q}"
    if inst:
        return f"{rsc}:{inst}"
    return rsc


def _head(elem: etree._Element, kind: str, ctx: RenderContext) -> str | None:
    tag = elem.tag
    ident = elem.get("id") or ""
    if kind == "node":
        uname = elem.get("uname") or ""
        s = "node"
        if ident != uname:
            s = f"{s} {ident}:" if _NOQUOTES_RE.match(ident) else f'{s} $id="{ident}"'
        s = f"{s} {uname}"
        t = elem.get("type")
        if t and t != "normal":
            s = f"{s}:{t}"
        return s
    if tag in ("primitive", "template"):
        template = elem.get("template") if tag == "primitive" else None
        spec = f"@{template}" if template else mk_rsc_type(elem)
        return f"{kind} {ident} {spec}"
    if tag == "alert":
        return f"alert {ident} {quote(elem.get('path') or '')}"
    if tag in ("group", "clone", "master"):
        children = [c.get("id") or "" for c in elem if c.tag in _CHILD_TAGS]
        return f"{kind} {ident} {' '.join(children)}"
    if tag == "rsc_location":
        if "rsc" in elem.attrib:
            rsc = elem.get("rsc") or ""
        elif "rsc-pattern" in elem.attrib:
            rsc = f"/{elem.get('rsc-pattern')}/"
        elif elem.find("resource_set") is not None:
            rsc = "{ " + " ".join(_rsc_set_constraint(elem, "location")) + " }"
        else:
            return None
        s = f"location {ident} {rsc}"
        for attr in ("role", "resource-discovery"):
            val = elem.get(attr)
            if val is not None:
                s += f" {attr}={val}"
        node = elem.get("node")
        if node is not None:
            s = f"{s} {get_score(elem)}: {node}"
        return s
    if tag in ("rsc_colocation", "rsc_order"):
        score = get_score(elem) or elem.get("kind") or ""
        if elem.find("resource_set") is not None:
            col = _rsc_set_constraint(elem, kind)
            if col[:1] == ["_rsc_set_"] and len(elem.findall("resource_set/resource_ref")) == 1:
                return None  # "_rsc_set_ a" does not parse back into one set of one: crmsh shows the XML
        elif kind == "colocation":
            col = [_role_ref(elem, "rsc", "role"), _role_ref(elem, "with-rsc", "role")]
        else:
            col = [_role_ref(elem, "first", "action"), _role_ref(elem, "then", "action")]
        if kind == "order":
            symm = elem.get("symmetrical")
            if symm:
                col.append(f"symmetrical={symm}")
        else:
            na = elem.get("node-attribute")
            if na:
                col.append(f"node-attribute={na}")
        s = f"{kind} {ident} "
        if score:
            s += f"{score}: "
        return s + " ".join(col)
    if tag == "rsc_ticket":
        if elem.find("resource_set") is not None:
            col = _rsc_set_constraint(elem, kind)
        else:
            col = [_role_ref(elem, "rsc", "role")]
        lp = elem.get("loss-policy")
        if lp:
            col.append(f"loss-policy={lp}")
        return f"rsc_ticket {ident} {elem.get('ticket')}: {' '.join(col)}"
    if kind in ("property", "rsc_defaults", "op_defaults"):
        return f"{kind} {head_id_format(ident)}"
    if tag == "tag":
        return " ".join(["tag", ident] + [c.get("id") or "" for c in elem if isinstance(c.tag, str)])
    if tag in ("acl_role", "acl_target", "acl_group", "acl_user"):
        return f"{kind} {ident}"
    return None


def _fencing(elem: etree._Element, ctx: RenderContext) -> str:
    d: dict[object, dict[int, str]] = {}
    for c in elem.iterchildren("fencing-level"):
        target: object
        if "target-pattern" in c.attrib:
            target = (None, c.get("target-pattern"))
        elif "target-attribute" in c.attrib:
            target = (c.get("target-attribute"), c.get("target-value"))
        else:
            target = c.get("target")
        d.setdefault(target, {})[int(c.get("index") or "0")] = c.get("devices") or ""
    dd = {t: [levels[i] for i in sorted(levels)] for t, levels in d.items()}
    distinct = {" ".join(v) for v in dd.values()}
    if len(distinct) == 1 and len(d) == len(ctx.node_names):
        return f"fencing_topology {distinct.pop()}"

    def fmt(t: object) -> str:
        if isinstance(t, tuple):
            if t[0] is None:
                return f"pattern:{t[1]}"
            return f"attr:{t[0]}={t[1]}"
        return f"{t}:"

    return cli_format(["fencing_topology"] + [f"{fmt(t)} {' '.join(v)}" for t, v in dd.items()])


def _acl_shortcut(xpath: str) -> tuple[str, list[str]] | None:
    from crm.shell.parser import ACL_SHORTCUTS

    for name, parts in ACL_SHORTCUTS.items():
        pats = [re.escape(p).replace("@@", "([a-zA-Z_][a-zA-Z0-9_.-]*)") for p in parts]
        for i in range(len(pats)):
            m = re.match("".join(pats[: i + 1]) + "$", xpath)
            if m:
                return name, list(m.groups()[: i + 1])
    return None


def _acl_child(c: etree._Element) -> str | None:
    if c.tag == "acl_permission":
        s = [c.get("kind") or ""]
        if c.get("description"):
            s.append(nvpair_format("description", c.get("description")))
        for attr, cli in (("xpath", "xpath"), ("reference", "ref"), ("attribute", "attr"), ("object-type", "type")):
            if attr in c.attrib:
                v = c.get(attr) or ""
                if attr == "xpath":
                    short = _acl_shortcut(v)
                    if short is not None:
                        s.append(f"{short[0]}:{':'.join(short[1])}" if short[1] else short[0])
                        continue
                    v = quote(v)
                s.append(f"{cli}:{v}" if v else cli)
        return " ".join(s)
    if c.tag == "role":
        return c.get("id")
    return None


def render(elem: etree._Element, ctx: RenderContext | None = None, break_lines: bool = True) -> str:
    """crm text of one configuration object."""
    ctx = ctx or RenderContext()
    kind = object_kind(elem)
    if kind == "fencing_topology":
        return _fencing(elem, ctx)
    head = _head(elem, kind, ctx)
    if head is None:
        text = etree.tostring(elem, pretty_print=True, encoding="unicode")
        return "xml " + " \\\n".join(x for x in text.split("\n") if x)
    parts = [head]
    desc = elem.get("description")
    if desc:
        parts.append(nvpair_format("description", desc))
    comments: list[str] = []
    for c in elem:
        if not isinstance(c.tag, str):
            comments.append(c.text or "")
            continue
        s = _child(elem, c, kind, ctx)
        if s:
            parts.append(s)
    text = cli_format(parts, break_lines)
    if comments:
        return "\n".join([*comments, text])
    return text


_SETS = {
    "node": {"instance_attributes": "attributes", "utilization": "utilization"},
    "primitive": {"instance_attributes": "params", "meta_attributes": "meta", "utilization": "utilization"},
    "rsc_template": {"instance_attributes": "params", "meta_attributes": "meta", "utilization": "utilization"},
    "group": {"instance_attributes": "params", "meta_attributes": "meta"},
    "clone": {"instance_attributes": "params", "meta_attributes": "meta"},
    "ms": {"instance_attributes": "params", "meta_attributes": "meta"},
}


def _child(parent: etree._Element, c: etree._Element, kind: str, ctx: RenderContext) -> str | None:
    sets = _SETS.get(kind)
    if sets is not None:
        if c.tag in sets:
            return _attr_set(c, sets, ctx)
        if c.tag == "operations" and kind in ("primitive", "rsc_template"):
            lines = []
            s = ""
            if c.get("id"):
                s = nvpair_format("$id", c.get("id"))
            if c.get("id-ref"):
                s = f"{s} {nvpair_format('$id-ref', c.get('id-ref'))}"
            if s:
                lines.append(f"operations {s}")
            for op in c:
                if op.tag == "op":
                    lines.append(_op(op, ctx))
            return cli_format(lines)
        return None
    if kind == "location":
        if c.tag == "rule":
            return f"rule {cli_rule(c, ctx)}"
        return None
    if kind in ("property", "rsc_defaults", "op_defaults"):
        if c.tag == "rule":
            return f"rule {cli_rule(c, ctx)}"
        if c.tag == "nvpair":
            return cli_nvpair(c, ctx)
        return ""
    if kind in ("role", "acl_target", "acl_group", "user"):
        return _acl_child(c)
    if kind == "alert":
        return _alert_child(parent, c, ctx)
    return None


_ALERT_SETS = {"instance_attributes": "attributes", "meta_attributes": "meta"}


def _alert_child(alert: etree._Element, c: etree._Element, ctx: RenderContext) -> str | None:
    """crmsh 4.4.1's text of an alert's part: its attribute sets, ``select`` and each
    recipient, braced when a set of the alert itself follows a recipient (the set would be
    read back as the recipient's otherwise).  A recipient's description is not shown."""
    if c.tag in _ALERT_SETS:
        return _attr_set(c, _ALERT_SETS, ctx)
    if c.tag == "select":
        words = ["select"]
        for sel in c:
            if not isinstance(sel.tag, str) or not sel.tag.startswith("select_"):
                continue
            words.append(sel.tag.removeprefix("select_"))
            if sel.tag == "select_attributes":
                words += ["{", *(str(a.get("name")) for a in sel if a.tag == "attribute"), "}"]
        return " ".join(words)
    if c.tag == "recipient":
        tags = [str(x.tag) for x in alert if x.tag in ("recipient", "instance_attributes", "meta_attributes")]
        braced = any(t in _ALERT_SETS for t in tags[tags.index("recipient") + 1 :])
        words = ["to", *(["{"] if braced else []), quote(c.get("value") or "")]
        words += [_attr_set(s, _ALERT_SETS, ctx) for s in c if s.tag in _ALERT_SETS]
        if braced:
            words.append("}")
        return " ".join(words)
    return None
