"""Recursive-descent parser of the configure language (crmsh 4.4.1 syntax) over tokens.

``parse_definition(tokens, ...)`` returns a :class:`~crm.shell.ast.Definition`.  Words are
classified one at a time (a word may be ``name=value``, ``score:``, ``rsc:role``...); the
grammar itself is the set of ``_parse_*`` methods below, one per construct, each consuming
tokens from a cursor.  Errors are :class:`ParseError` with the offending token's line and
column and, where one helps, a hint.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from crm.shell.ast import REF, Definition, Node
from crm.shell.lexer import Token

__all__ = [
    "DEFINITION_KINDS",
    "ParseError",
    "parse_definition",
]

TERMINATORS = ("params", "meta", "utilization", "operations", "op", "op_params", "op_meta", "rule", "attributes")
RESOURCE_ROLES = ("Stopped", "Started", "Promoted", "Unpromoted", "Slave", "Master")
RESOURCE_ACTIONS = ("start", "promote", "demote", "stop")
ORDER_KINDS = ("Optional", "Mandatory", "Serialize")
EXPRESSION_TYPES = ("string", "integer", "number", "version")
BINARY_OPS = ("lt", "gt", "lte", "gte", "eq", "ne")
UNARY_OPS = ("defined", "not_defined")
DATE_OPS = ("lt", "gt", "in_range", "date_spec", "in", "spec")
DATE_SPEC_NAMES = ("hours", "monthdays", "weekdays", "yearsdays", "months", "weeks", "years", "weekyears", "moon")
IN_RANGE_ATTRS = ("start", "end")
SCORE_TYPES = {"advisory": "0", "mandatory": "INFINITY"}
OP_ATTRIBUTES = (
    "id",
    "name",
    "interval",
    "description",
    "interval-origin",
    "start-delay",
    "timeout",
    "enabled",
    "record-pending",
    "role",
    "on-fail",
)
"""Attributes of ``<op>`` in the pacemaker-3 schemas (``requires`` is not one any more, so
it goes to the op's parameters, as crmsh puts it); other names are op parameters."""
DEFINITION_KINDS = (
    "node",
    "primitive",
    "rsc_template",
    "group",
    "clone",
    "ms",
    "master",
    "location",
    "colocation",
    "collocation",
    "order",
    "rsc_ticket",
    "property",
    "rsc_defaults",
    "op_defaults",
    "tag",
    "fencing_topology",
    "fencing-topology",
    "monitor",
    "role",
    "acl_target",
    "acl_group",
    "user",
    "alert",
)

_NVPAIR_RE = re.compile(r"([^=@$][^=]*)=(.*)$", re.S)
_NVPAIR_ID_RE = re.compile(r"\$([^:=]+)(?::(.+))?=(.*)$", re.S)
_NVPAIR_REF_RE = re.compile(r"@([^:]+)(?::(.+))?$")
_NVPAIR_KEY_RE = re.compile(r"([^:=]+)$")
_IDENT_RE = re.compile(r"([a-z0-9_#$-][^=]*)$", re.I)
_RESOURCE_RE = re.compile(r"([a-z_#$][^=]*)$", re.I)
_IDSPEC_RE = re.compile(r"(\$id-ref|\$id)=(.*)$", re.I)
_ID_RE = re.compile(r"\$id=(.*)$", re.I)
_ID_NEW_RE = re.compile(r"([\w-]+):$", re.I)
_SCORE_RE = re.compile(r"([^:]+):$")
_ROLE_RE = re.compile(r"\$?role=(.+)$", re.I)
_ATTR_RE = re.compile(r"\$?([^=]+)=(.*)$")
_DESC_RE = re.compile(r"description=(.+)$", re.I | re.S)
_UNAME_RE = re.compile(r"([^:]+)(:(normal|member|ping|remote))?$", re.I)
_TEMPLATE_RE = re.compile(r"@(.+)$")
_RA_TYPE_RE = re.compile(r"[a-z0-9_:.-]+$", re.I)
_TAG_RE = re.compile(r"([a-zA-Z_][^\s:]*):?$")
_ALERT_PATH_RE = re.compile(r"(.*)$", re.S)
ALERT_SELECTORS = ("nodes", "fencing", "resources", "attributes")
_TARGET_RE = re.compile(r"([^:]+):$")
_TARGET_ATTR_RE = re.compile(r"attr:([\w-]+)=([\w-]+)$", re.I)
_TARGET_PATTERN_RE = re.compile(r"pattern:(.+)$", re.I)
ACL_SPEC_MAP_2 = {
    "xpath": "xpath",
    "ref": "reference",
    "reference": "reference",
    "tag": "object-type",
    "type": "object-type",
    "attr": "attribute",
    "attribute": "attribute",
}
ACL_SHORTCUTS: dict[str, tuple[str, ...]] = {
    "meta": ("//primitive[@id='@@']/meta_attributes", "/nvpair[@name='@@']"),
    "params": ("//primitive[@id='@@']/instance_attributes", "/nvpair[@name='@@']"),
    "utilization": ("//primitive[@id='@@']/utilization",),
    "location": ("//rsc_location[@id='cli-prefer-@@' and @rsc='@@']",),
    "property": ("//crm_config/cluster_property_set", "/nvpair[@name='@@']"),
    "nodeattr": ("//nodes/node/instance_attributes", "/nvpair[@name='@@']"),
    "nodeutil": ("//nodes/node/utilization", "[@uname='@@']"),
    "node": ("//nodes/node", "[@uname='@@']"),
    "status": ("/cib/status",),
    "cib": ("/cib",),
}
_BINOP_RE = re.compile(
    r"((" + "|".join(EXPRESSION_TYPES) + r"):)?(" + "|".join(BINARY_OPS) + r")$",
    re.I,
)
_VALUE_SOURCE_RE = re.compile(r"^(?P<src>[^\s{}]+)({(?P<val>\S+)})?$")
_SCORE_VALUE_RE = re.compile(r"^[+-]?(inf(inity)?|INF(INITY)?|[0-9]+)$")


class ParseError(ValueError):
    """A syntax error: what, where (line, column of the token), and a hint."""

    def __init__(self, message: str, token: Token | None, context: str, words: Sequence[str], hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.token = token
        self.context = context
        self.words = list(words)
        self.hint = hint

    @property
    def line(self) -> int:
        return self.token.line if self.token else 0

    @property
    def column(self) -> int:
        return self.token.column if self.token else 0

    def __str__(self) -> str:
        where = f"line {self.line}, column {self.column}: " if self.token else ""
        near = f" near <{self.token.text}>" if self.token else ""
        text = f"{where}syntax in {self.context}: {self.message}{near} parsing '{' '.join(self.words)}'"
        if self.hint:
            text += f" (hint: {self.hint})"
        return text


ProviderLookup = Callable[[str], Sequence[str]]
NodeList = Callable[[], Sequence[str]]


def _no_providers(_type: str) -> Sequence[str]:
    return ()


def _no_nodes() -> Sequence[str]:
    return ()


def pick_provider(providers: Sequence[str]) -> str:
    if not providers or "heartbeat" in providers:
        return "heartbeat"
    if "pacemaker" in providers:
        return "pacemaker"
    return providers[0]


def canonize(value: str, choices: Sequence[str]) -> str | None:
    low = value.lower()
    for choice in choices:
        if choice.lower() == low:
            return choice
    return None


@dataclass
class _Cursor:
    tokens: list[Token]
    pos: int = 0

    def current(self) -> Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def more(self) -> bool:
        return self.pos < len(self.tokens)


class _Parser:
    def __init__(self, tokens: Sequence[Token], providers: ProviderLookup, nodes: NodeList, ignore_empty: bool = True) -> None:
        self.ignore_empty = ignore_empty
        self.all = list(tokens)
        self.cur = _Cursor(list(tokens))
        self.providers = providers
        self.nodes = nodes
        self.m: re.Match[str] | None = None
        self.context = tokens[0].text.lower() if tokens else ""
        self.warnings: list[str] = []

    # -- token helpers --------------------------------------------------------------
    def err(self, message: str, token: Token | None = None, hint: str = "") -> ParseError:
        if token is None:
            token = self.cur.current() or (self.all[-1] if self.all else None)
        return ParseError(message, token, self.context, [t.text for t in self.all], hint)

    def text(self) -> str | None:
        tok = self.cur.current()
        return tok.text if tok else None

    def try_match(self, rx: re.Pattern[str] | str) -> bool:
        tok = self.cur.current()
        if tok is None:
            return False
        if isinstance(rx, str):
            rx = re.compile(rx if rx.endswith("$") else rx + "$", re.I)
        m = rx.match(tok.text)
        if m:
            self.m = m
            self.cur.pos += 1
            return True
        return False

    def match(self, rx: re.Pattern[str] | str, errmsg: str | None = None, hint: str = "") -> re.Match[str]:
        if not self.try_match(rx):
            if self.cur.current() is None:
                raise self.err(errmsg or "Unexpected end of line", hint=hint)
            raise self.err(errmsg or f"Expected {rx if isinstance(rx, str) else rx.pattern}", hint=hint)
        assert self.m is not None
        return self.m

    def group(self, idx: int) -> str:
        assert self.m is not None
        return self.m.group(idx)

    def opt_group(self, idx: int) -> str | None:
        assert self.m is not None
        return self.m.group(idx)

    def match_any(self) -> str:
        tok = self.cur.current()
        if tok is None:
            raise self.err("Unexpected end of line")
        self.cur.pos += 1
        return tok.text

    def keyword(self, *words: str) -> str | None:
        t = self.text()
        if t is not None and t.lower() in words:
            self.cur.pos += 1
            return t.lower()
        return None

    def identifier(self) -> str:
        return self.match(_IDENT_RE, "Expected identifier").group(1)

    def resource(self) -> str:
        return self.match(_RESOURCE_RE, "Expected resource").group(1)

    def description(self) -> str | None:
        if self.try_match(_DESC_RE):
            return self.group(1)
        return None

    # -- attribute lists -----------------------------------------------------------
    def nvpairs(
        self, terminator: Sequence[str] | None = None, minpairs: int = 1, allow_empty: bool = True
    ) -> list[Node]:
        if terminator is None:
            terminator = TERMINATORS
        ret: list[Node] = []
        while True:
            t = self.text()
            if t is not None and t.lower() in terminator:
                break
            if self.try_match(_NVPAIR_REF_RE):
                node = Node("nvpair", {"id-ref": self.group(1)})
                node.set("name", self.opt_group(2))
                ret.append(node)
            elif self.try_match(_NVPAIR_ID_RE):
                node = Node("nvpair", {"id": self.group(1)})
                name = self.opt_group(2)
                node.set("name", name)
                node.set("value", self.group(3))
                ret.append(node)
            elif self.try_match(_NVPAIR_RE):
                if not allow_empty and not self.group(2):
                    raise self.err(f"Empty value for {self.group(1)} is not allowed")
                ret.append(Node("nvpair", {"name": self.group(1), "value": self.group(2)}))
            elif terminator and self.try_match(_NVPAIR_KEY_RE):
                ret.append(Node("nvpair", {"name": self.group(1)}))
            else:
                break
        if len(ret) < minpairs:
            raise self.err("Expected at least one name-value pair", hint="name=value")
        return ret

    def attr_list(self, tag: str, allow_empty: bool = True, terminator: Sequence[str] | None = None) -> Node | None:
        xmlid = None
        if self.try_match(_IDSPEC_RE):
            if self.group(1).lower() == "$id-ref":
                return Node(tag, {"id-ref": self.group(2)})
            xmlid = self.group(2)
        score = None
        if self.try_match(_SCORE_RE):
            score = self.group(1)
        rules = self.rules()
        values = self.nvpairs(terminator=terminator, minpairs=0)
        if not allow_empty and xmlid is None and score is None and not rules and not values:
            return None
        node = Node(tag)
        node.set("id", xmlid)
        node.set("score", score)
        node.children.extend(rules)
        node.children.extend(values)
        return node

    def attr_lists(
        self, name_map: dict[str, str], implicit: str | None = None, terminator: Sequence[str] | None = None
    ) -> list[Node]:
        out: list[Node] = []
        name = self.keyword(*name_map)
        if name is not None:
            lst = self.attr_list(name_map[name], terminator=terminator)
            if lst is not None:
                out.append(lst)
        elif implicit is not None:
            lst = self.attr_list(name_map[implicit], allow_empty=False, terminator=terminator)
            if lst is not None:
                out.append(lst)
        while (name := self.keyword(*name_map)) is not None:
            lst = self.attr_list(name_map[name], terminator=terminator)
            if lst is not None:
                out.append(lst)
        return out

    def arguments(
        self, out: Node, name_map: dict[str, str], implicit: str | None = None, terminator: Sequence[str] | None = None
    ) -> None:
        names = set(name_map)
        has_ops = "op" in names
        plain = {k: v for k, v in name_map.items() if k not in ("op", "operations")}
        initial = True
        while self.cur.more():
            t = (self.text() or "").lower()
            if t in names:
                initial = False
                if t in ("op", "operations") and has_ops:
                    self.operations(out, t == "operations")
                else:
                    out.children.extend(self.attr_lists(plain, terminator=terminator))
            elif initial:
                initial = False
                out.children.extend(self.attr_lists(plain, implicit=implicit, terminator=terminator))
            else:
                break

    # -- operations -------------------------------------------------------------------
    def operations(self, out: Node, with_id: bool) -> None:
        if with_id:
            self.match("operations")
        node = Node("operations")
        out.children.append(node)
        if with_id:
            m = self.match(_IDSPEC_RE, "Expected $id-ref=<id> or $id=<id>")
            node.set(m.group(1)[1:].lower(), m.group(2))
        while (self.text() or "").lower() == "op":
            self.op(node)

    def op(self, out: Node) -> None:
        self.match("op")
        name = self.identifier()
        pairs = self.nvpairs(minpairs=0)
        node = Node("op", {"name": name})
        if not any(p.get("name") == "interval" for p in pairs):
            pairs.append(Node("nvpair", {"name": "interval", "value": "0"}))
        inst: Node | None = None
        for p in pairs:
            pname = p.get("name") or ""
            if pname in OP_ATTRIBUTES:
                if inst is not None:
                    raise self.err(f"Attribute order error: {pname} must appear before any instance attribute")
                node.attrs[pname] = p.get("value") or ""
            else:
                if inst is None:
                    inst = Node("instance_attributes")
                inst.children.append(p)
        if inst is not None:
            node.children.append(inst)
        node.children.extend(
            self.attr_lists({"op_params": "instance_attributes", "op_meta": "meta_attributes"}, implicit="op_params")
        )
        out.children.append(node)

    # -- rules ------------------------------------------------------------------------
    def validate_score(self, score: str, noattr: bool = False, to_kind: bool = False) -> tuple[str, str]:
        if not noattr and score.lower() in SCORE_TYPES:
            return "score", SCORE_TYPES[score.lower()]
        if _SCORE_VALUE_RE.match(score):
            score = re.sub("inf(inity)?|INF(INITY)?", "INFINITY", score)
            if to_kind:
                return "kind", "Optional" if score == "0" else "Mandatory"
            return "score", score
        if noattr:
            kind = canonize(score, ORDER_KINDS)
            if not kind:
                raise self.err("Invalid kind: " + score, hint="Mandatory, Optional, Serialize or a score")
            return "kind", kind
        return "score-attribute", score

    def rules(self) -> list[Node]:
        rules: list[Node] = []
        while self.keyword("rule"):
            rule = Node("rule")
            rules.append(rule)
            idref = False
            if self.try_match(_IDSPEC_RE):
                kind = self.group(1)[1:].lower()
                rule.attrs[kind] = self.group(2)
                idref = kind == "id-ref"
            if self.try_match(_ROLE_RE):
                rule.attrs["role"] = self.group(1)
            if idref:
                continue
            if self.try_match(_SCORE_RE):
                k, v = self.validate_score(self.group(1))
                rule.attrs[k] = v
            else:
                rule.attrs["score"] = "INFINITY"
            boolop, exprs = self.rule_expression()
            if boolop and boolop.lower() != "and":
                rule.attrs["boolean-op"] = boolop
            rule.children.extend(exprs)
        return rules

    def rule_expression(self) -> tuple[str | None, list[Node]]:
        boolop: str | None = None
        exprs = [self.simple_exp()]
        while (op := self.keyword("or", "and")) is not None:
            if boolop and op != boolop:
                raise self.err(
                    f"Mixing bool ops not allowed: {boolop} != {op}",
                    self.cur.tokens[self.cur.pos - 1],
                    hint="use one rule per operator",
                )
            boolop = op
            exprs.append(self.simple_exp())
        return boolop, exprs

    def simple_exp(self) -> Node:
        if self.keyword("date"):
            return self.date()
        unary = self.keyword(*UNARY_OPS)
        if unary:
            return Node("expression", {"operation": unary, "attribute": self.identifier()})
        attr = self.identifier()
        m = self.match(_BINOP_RE, "Expected a binary operator", hint="lt gt lte gte eq ne, or defined/not_defined")
        node = Node("expression", {"operation": m.group(3), "attribute": attr})
        node.set("type", m.group(2))
        val = self.match_any()
        vm = _VALUE_SOURCE_RE.match(val)
        if vm is None or vm.group("val") is None:
            node.attrs["value"] = val
        else:
            node.attrs["value"] = vm.group("val")
            node.attrs["value-source"] = vm.group("src")
        return node

    def keyed_pairs(self, keys: Sequence[str], minpairs: int) -> list[tuple[str, str]]:
        key_re = re.compile("(" + "|".join(keys) + r")=(.+)$")
        noval_re = re.compile("(" + "|".join(keys) + ")$")
        ret: list[tuple[str, str]] = []
        while True:
            if self.try_match(key_re):
                ret.append((self.group(1), self.group(2)))
            elif self.try_match(noval_re):
                ret.append((self.group(1), ""))
            else:
                break
        if len(ret) < minpairs:
            raise self.err(
                "Expected at least one name-value pair" if minpairs == 1 else f"Expected at least {minpairs} name-value pairs"
            )
        return ret

    def date(self) -> Node:
        node = Node("date_expression")
        m = self.match("(" + "|".join(DATE_OPS) + ")$", "Expected a date operation", hint="lt, gt, in, spec")
        op = m.group(1)
        node.attrs["operation"] = {"in": "in_range", "spec": "date_spec"}.get(op, op)
        if op in ("lt", "gt"):
            val = self.match_any()
            node.attrs["end" if op == "lt" else "start"] = val
            return node
        if op in ("in_range", "in"):
            vals = self.keyed_pairs([*IN_RANGE_ATTRS, *DATE_SPEC_NAMES], 2)
            return _set_date_expression(node, "duration", vals)
        vals = self.keyed_pairs(DATE_SPEC_NAMES, 1)
        return _set_date_expression(node, "date_spec", vals)

    # -- definitions -------------------------------------------------------------------
    def parse(self) -> Definition:
        kind = self.match_any().lower()
        method = getattr(self, "_parse_" + kind.replace("-", "_"), None)
        if method is None:
            raise self.err("Unknown command", self.all[0])
        node = method(kind)
        if self.cur.more():
            rest = " ".join(t.text for t in self.cur.tokens[self.cur.pos :])
            raise self.err("Unknown arguments: " + rest)
        canonical = {"collocation": "colocation", "fencing-topology": "fencing_topology", "master": "ms"}.get(kind, kind)
        return Definition(canonical, node, self.all[0].line)

    def _need(self, count: int) -> None:
        if len(self.all) < count + 1:
            raise self.err(f"Expected at least {count} arguments")

    def _parse_node(self, _kind: str) -> Node:
        self._need(1)
        out = Node("node")
        if self.try_match(_ID_RE) or self.try_match(_ID_NEW_RE):
            out.attrs["id"] = self.group(1)
        m = self.match(_UNAME_RE, "Expected uname[:type]")
        out.attrs["uname"] = m.group(1)
        out.set("type", m.group(3))
        out.set("description", self.description())
        self.arguments(out, {"attributes": "instance_attributes", "utilization": "utilization"}, implicit="attributes")
        return out

    def ra_type(self, out: Node) -> None:
        tok = self.cur.current()
        if tok is None:
            raise self.err("Expected resource type")
        parts = tok.text.split(":")
        if not _RA_TYPE_RE.match(tok.text) or len(parts) > 3 or not parts[-1]:
            raise self.err("Unknown resource type", tok, hint="[class:[provider:]]type, e.g. ocf:heartbeat:IPaddr2")
        if len(parts) == 3:
            cls, provider, typ = parts
        elif len(parts) == 2:
            cls, typ = parts
            provider = pick_provider(self.providers(typ)) if cls == "ocf" else ""
        else:
            cls, typ = "ocf", parts[0]
            provider = pick_provider(self.providers(typ))
        if cls == "ocf" and not provider:
            raise self.err(f"provider could not be determined for {tok.text}", tok)
        self.cur.pos += 1
        out.set("class", cls or None)
        out.set("provider", provider or None)
        out.set("type", typ)

    def _parse_primitive(self, kind: str) -> Node:
        self._need(2)
        out = Node("primitive" if kind == "primitive" else "template")
        out.attrs["id"] = self.identifier()
        if kind == "primitive" and self.try_match(_TEMPLATE_RE):
            out.attrs["template"] = self.group(1)
        else:
            self.ra_type(out)
        out.set("description", self.description())
        self.arguments(
            out,
            {"params": "instance_attributes", "meta": "meta_attributes", "utilization": "utilization", "operations": "", "op": ""},
            implicit="params",
        )
        return out

    _parse_rsc_template = _parse_primitive

    def _parse_clone(self, kind: str) -> Node:
        self._need(2)
        out = Node("clone" if kind == "clone" else "master")
        out.attrs["id"] = self.identifier()
        child = Node(REF, {"id": self.resource()})
        out.set("description", self.description())
        self.arguments(out, {"params": "instance_attributes", "meta": "meta_attributes"}, implicit="params")
        out.children.append(child)
        return out

    _parse_ms = _parse_clone
    _parse_master = _parse_clone

    def _parse_group(self, _kind: str) -> Node:
        self._need(2)
        out = Node("group")
        out.attrs["id"] = self.identifier()
        children: list[str] = []
        while True:
            t = self.text()
            if not t or "=" in t or t.lower() in ("params", "meta"):
                break
            self.cur.pos += 1
            if t in children:
                raise self.err(f"child {t} listed more than once in group {out.attrs['id']}")
            children.append(t)
        out.set("description", self.description())
        self.arguments(out, {"params": "instance_attributes", "meta": "meta_attributes"}, implicit="params")
        for child in children:
            out.children.append(Node(REF, {"id": child}))
        return out

    def _parse_location(self, _kind: str) -> Node:
        self._need(2)
        out = Node("rsc_location", {"id": self.identifier()})
        if self.try_match(re.compile(r"^/(.+)/$")):
            out.attrs["rsc-pattern"] = self.group(1)
        elif self.text() == "{":
            self.cur.pos += 1
            tokens: list[Token] = []
            while self.cur.more() and self.text() != "}":
                tok = self.cur.current()
                assert tok is not None
                tokens.append(tok)
                self.cur.pos += 1
            self.match(re.compile(r"\}$"), "Expected }")
            if not tokens:
                raise self.err("Empty resource set")
            out.children.extend(self.resource_sets("role", tokens))
        else:
            out.attrs["rsc"] = self.resource()
        while self.try_match(_ATTR_RE):
            out.attrs[self.group(1)] = self.group(2)
        if self.try_match(_SCORE_RE):
            k, v = self.validate_score(self.group(1))
            out.attrs[k] = v
            out.attrs["node"] = self.identifier()
            if "role" not in out.attrs and self.try_match(_ROLE_RE):
                out.attrs["role"] = self.group(1)
            return out
        rules = self.rules()
        if not rules:
            raise self.err("expected <score>: <node> or <rule> [<rule> ...]", hint="e.g. 100: node1, or rule -inf: not_defined pingd")
        out.children.extend(rules)
        return out

    def _tail(self, rx: str) -> re.Match[str] | None:
        """Take a ``name=value`` option off the end of the line (crmsh's try_match_tail)."""
        if not self.cur.more():
            return None
        last = self.cur.tokens[-1]
        m = re.match(rx, last.text, re.I)
        if m:
            self.cur.tokens = self.cur.tokens[:-1]
        return m

    def _parse_colocation(self, _kind: str) -> Node:
        self._need(2)
        out = Node("rsc_colocation", {"id": self.identifier()})
        m = self.match(_SCORE_RE, "Expected <score>:", hint="colocation ID SCORE: RSC WITH-RSC")
        k, v = self.validate_score(m.group(1))
        out.attrs[k] = v
        t = self._tail(r"node-attribute=(.+)$")
        if t:
            out.attrs["node-attribute"] = t.group(1).lower()
        self.rscset(out, "role")
        return out

    _parse_collocation = _parse_colocation

    def _parse_order(self, _kind: str) -> Node:
        self._need(2)
        out = Node("rsc_order", {"id": self.identifier()})
        if self.try_match(re.compile("(" + "|".join(ORDER_KINDS) + "):$", re.I)):
            out.attrs["kind"] = canonize(self.group(1), ORDER_KINDS) or self.group(1)
        elif self.try_match(_SCORE_RE):
            k, v = self.validate_score(self.group(1), noattr=True, to_kind=True)
            out.attrs[k] = v
        t = self._tail(r"symmetrical=(true|false|yes|no|on|off)$")
        if t:
            out.attrs["symmetrical"] = "true" if t.group(1).lower() in ("true", "yes", "on") else "false"
        self.rscset(out, "action")
        return out

    def _parse_rsc_ticket(self, _kind: str) -> Node:
        self._need(2)
        out = Node("rsc_ticket", {"id": self.identifier()})
        m = self.match(_SCORE_RE, "Expected <ticket-id>:")
        out.attrs["ticket"] = m.group(1)
        t = self._tail(r"loss-policy=(stop|demote|fence|freeze)$")
        if t:
            out.attrs["loss-policy"] = t.group(1)
        self.rscset(out, "role", simple_count=1)
        return out

    def _split_ref(self, kind: str) -> tuple[str, str | None, str | None]:
        tok = self.cur.current()
        if tok is None:
            raise self.err("Expected value[:value]")
        parts = tok.text.split(":")
        if len(parts) > 2:
            raise self.err("Expected value[:value]")
        self.cur.pos += 1
        rsc = parts[0]
        qual = parts[1] if len(parts) == 2 else None
        if not qual:
            return rsc, None, None
        choices = RESOURCE_ROLES if kind == "role" else RESOURCE_ACTIONS
        canon = canonize(qual, choices)
        if canon:
            return rsc, canon, kind
        if qual.isdigit():
            return rsc, qual, "instance"
        raise self.err(f"Invalid {kind} '{qual}' for '{rsc}'", tok, hint=", ".join(choices))

    def rscset(self, out: Node, kind: str, simple_count: int = 2) -> None:
        remaining = len(self.cur.tokens) - self.cur.pos
        if remaining == simple_count:
            names = ("rsc", "with-rsc") if kind == "role" else ("first", "then")
            for name in names[:simple_count]:
                rsc, q, qkind = self._split_ref(kind)
                out.attrs[name] = rsc
                if q and qkind:
                    out.attrs[f"{name}-{qkind}"] = q
            return
        tokens = self.cur.tokens[self.cur.pos :]
        self.cur.pos = len(self.cur.tokens)
        sets = self.resource_sets(kind, tokens)
        if not sets:
            shape = " ".join([f"<rsc>[:<{kind}>]"] * simple_count)
            raise self.err(f"Expected {shape} | resource_sets")
        out.children.extend(sets)

    def resource_sets(self, kind: str, tokens: list[Token]) -> list[Node]:
        return _ResourceSets(self, kind).parse(tokens)

    def _parse_monitor(self, _kind: str) -> Node:
        self._need(2)
        out = Node("op", {"name": "monitor"})
        tok = self.cur.current()
        parts = self.match_any().split(":")
        if len(parts) > 2:
            raise self.err("Expected value[:value]", tok)
        rsc = parts[0]
        if len(parts) == 2 and parts[1]:
            role = canonize(parts[1], RESOURCE_ROLES)
            if role:
                out.attrs["role"] = role
            elif parts[1].isdigit():
                out.attrs["instance"] = parts[1]
            else:
                raise self.err(f"Invalid role '{parts[1]}' for resource '{rsc}'", tok)
        out.attrs["rsc"] = rsc
        parts = self.match_any().split(":")
        if len(parts) > 2:
            raise self.err("Expected value[:value]")
        if parts[0]:
            out.attrs["interval"] = parts[0]
        if len(parts) == 2 and parts[1]:
            out.attrs["timeout"] = parts[1]
        return out

    def _parse_property(self, kind: str) -> Node:
        self._need(1)
        if kind in ("rsc_defaults", "op_defaults"):
            root = Node(kind)
            attrs = root.add("meta_attributes")
        else:
            root = Node("cluster_property_set")
            attrs = root
        if self.try_match(_ID_RE) or self.try_match(_ID_NEW_RE):
            attrs.attrs["id"] = self.group(1)
        elif self.try_match(_IDSPEC_RE):
            attrs.attrs[self.group(1)[1:].lower()] = self.group(2)
        attrs.children.extend(self.rules())
        if self.ignore_empty:
            attrs.children.extend(self.nvpairs(minpairs=0))
        else:
            attrs.children.extend(self.nvpairs(terminator=[], minpairs=0, allow_empty=False))
        return root

    _parse_rsc_defaults = _parse_property
    _parse_op_defaults = _parse_property

    def _parse_tag(self, _kind: str) -> Node:
        self._need(2)
        m = self.match(_TAG_RE, "Expected tag name")
        out = Node("tag", {"id": m.group(1)})
        while self.cur.more():
            out.add("obj_ref", id=self.resource())
        if not out.children:
            raise self.err("Expected at least one resource")
        return out

    def _parse_alert(self, _kind: str) -> Node:
        """``alert ID PATH [description=TEXT] [attributes ...] [meta ...] [select KIND...]
        [to [{] RECIPIENT [description=TEXT] [attributes ...] [meta ...] [}]]...``; recipients
        are numbered ``ID-recipient-N``, as crmsh numbers them."""
        self._need(2)
        alert_id = self.identifier()
        out = Node("alert", {"id": alert_id, "path": self.match(_ALERT_PATH_RE, "Expected path").group(1)})
        out.set("description", self.description())
        sets = {"attributes": "instance_attributes", "meta": "meta_attributes"}
        count = 1
        select: Node | None = None
        while self.cur.more():
            if self.text() in ("attributes", "meta"):
                self.arguments(out, sets, terminator=("attributes", "meta", "to", "select"))
                continue
            if self.text() == "select":
                self.match_any()
                select = None
                while self.text() in ALERT_SELECTORS:
                    selector = self.identifier()
                    if selector == "attributes" and not self.try_match(re.escape("{")):
                        self.cur.pos -= 1
                        break
                    if select is None:
                        select = out.add("select")
                    chosen = select.add(f"select_{selector}")
                    if selector == "attributes":
                        while self.text() != "}":
                            chosen.add("attribute", name=self.identifier())
                        self.match_any()
                continue
            self.match("to")
            braced = self.try_match(re.escape("{"))
            recipient = Node("recipient", {"id": f"{alert_id}-recipient-{count}", "value": self.match_any()})
            count += 1
            recipient.set("description", self.description())
            self.arguments(recipient, sets, terminator=("attributes", "meta", "to", *(("}",) if braced else ())))
            if braced:
                self.match(re.escape("}"))
            out.children.append(recipient)
        return out

    def _parse_fencing_topology(self, _kind: str) -> Node:
        target: str | tuple[str | None, str] = "@@"
        raw: list[tuple[str | tuple[str | None, str], str]] = []
        while self.cur.more():
            if self.try_match(_TARGET_ATTR_RE):
                target = (self.group(1), self.group(2))
            elif self.try_match(_TARGET_PATTERN_RE):
                target = (None, self.group(1))
            elif self.try_match(_TARGET_RE):
                target = self.group(1)
            else:
                raw.append((target, self.match_any()))
        levels: list[tuple[str | tuple[str | None, str], str]]
        if raw and raw[0][0] == "@@":
            levels = [(node, devices) for node in self.nodes() for _t, devices in raw]
        else:
            levels = raw
        out = Node("fencing-topology")
        counts: dict[str, int] = {}
        for tgt, devices in levels:
            if isinstance(tgt, tuple):
                key = tgt[1] if tgt[0] is None else tgt[0]
                index = counts.get(key, 1)
                level = out.add("fencing-level", index=str(index), devices=devices)
                if tgt[0] is None:
                    level.attrs["target-pattern"] = tgt[1]
                else:
                    level.attrs["target-attribute"] = tgt[0]
                    level.attrs["target-value"] = tgt[1]
            else:
                key = tgt
                index = counts.get(key, 1)
                out.add("fencing-level", target=tgt, index=str(index), devices=devices)
            counts[key] = index + 1
        return out

    _parse_fencing_topology_ = _parse_fencing_topology

    # -- ACLs (Pacemaker 1.1.12+ syntax) --------------------------------------------------
    def _parse_role(self, _kind: str) -> Node:
        self._need(1)
        out = Node("acl_role", {"id": self.identifier()})
        out.set("description", self.description())
        while self.cur.more():
            out.children.extend(self._permission())
        return out

    def _is_permission(self, text: str) -> bool:
        head = text.split(":", 1)[0]
        return head in ACL_SPEC_MAP_2 or head in ACL_SHORTCUTS

    def _permission(self) -> list[Node]:
        kind = self.match(r"(read|write|deny)$", "Expected read, write or deny").group(1).lower()
        perm = Node("acl_permission", {"kind": kind})
        if self.try_match(_ID_RE) or self.try_match(_ID_NEW_RE):
            perm.attrs["id"] = self.group(1)
        perm.set("description", self.description())
        attributes: dict[str, str] = {}
        while self.cur.more() and self._is_permission(self.text() or ""):
            tok = self.match_any()
            typ, sep, val = tok.partition(":")
            typ = ACL_SPEC_MAP_2.get(typ, typ)
            if typ in ACL_SHORTCUTS:
                attributes["xpath"] = self._expand_shortcut(typ, val if sep else None)
                continue
            if not sep:
                raise self.err("Expected <type>:<spec>")
            attributes[typ] = val
        out: list[Node] = []
        for key in ("xpath", "reference"):
            if key in attributes:
                out.append(Node("acl_permission", {**perm.attrs, key: attributes[key]}))
        if "object-type" in attributes:
            node = Node("acl_permission", {**perm.attrs, "object-type": attributes["object-type"]})
            node.set("attribute", attributes.get("attribute"))
            out.append(node)
        elif "attribute" in attributes:
            raise self.err("attribute is only valid in combination with tag/object-type")
        return out

    def _expand_shortcut(self, typ: str, val: str | None) -> str:
        expansion = ACL_SHORTCUTS[typ]
        if val is None:
            if "@@" in expansion[0]:
                raise self.err(f"Missing argument to ACL shortcut {typ}")
            return expansion[0]
        xpath = ""
        i = 0
        for part in val.split(":"):
            if i >= len(expansion):
                raise self.err(f"Too many arguments to ACL shortcut {typ}")
            if "@@" not in expansion[i]:
                xpath += expansion[i]
                i += 1
            xpath += expansion[i].replace("@@", part)
            i += 1
        return xpath

    def _parse_acl_target(self, kind: str) -> Node:
        self._need(1)
        out = Node("acl_target" if kind in ("acl_target", "user") else "acl_group", {"id": self.identifier()})
        while self.cur.more():
            t = self.match_any()
            m = re.match(r"role:(.+)$", t, re.I)
            out.add("role", id=m.group(1) if m else t)
        return out

    _parse_acl_group = _parse_acl_target
    _parse_user = _parse_acl_target


class _ResourceSets:
    """``a b ( c d ) [ e f ] g:Promoted sequential=false`` -> resource_set nodes."""

    def __init__(self, parser: _Parser, kind: str) -> None:
        self.p = parser
        self.kind = kind
        self.out: list[Node] = []
        self.sequential = True
        self.require_all = True
        self.opened = ""
        self._reset()

    def _reset(self) -> None:
        self.current = Node("resource_set")
        self.prev_q = ""
        self.curr_attr = ""

    def _save(self) -> None:
        if not self.current.children:
            return
        if not self.require_all:
            self.current.attrs["require-all"] = "false"
        if not self.sequential:
            self.current.attrs["sequential"] = "false"
        if self.curr_attr:
            self.current.attrs[self.curr_attr] = self.prev_q
        self.out.append(self.current)
        self._reset()

    def parse(self, tokens: list[Token]) -> list[Node]:
        toks: list[Token] = []
        for t in tokens:
            s = t.text
            if len(s) > 1 and s[0] in "([":
                toks += [Token(s[0], t.line, t.column), Token(s[1:], t.line, t.column + 1)]
            elif len(s) > 1 and s[-1] in ")]":
                toks += [Token(s[:-1], t.line, t.column), Token(s[-1], t.line, t.column + len(s) - 1)]
            else:
                toks.append(t)
        last = toks[-1] if toks else None
        for tok in toks:
            s = tok.text
            if s == "_rsc_set_":
                continue
            if s in ("(", "["):
                self._save()
                if self.opened:
                    raise self.p.err("Cannot nest resource sets", tok)
                self.sequential = False
                if s == "[":
                    self.require_all = False
                self.opened = s
                continue
            if s in (")", "]"):
                if not self.current.children:
                    raise self.p.err("Empty resource set", tok)
                self._save()
                if not self.opened:
                    raise self.p.err("Unmatched closing bracket", tok)
                if s != {"(": ")", "[": "]"}[self.opened]:
                    raise self.p.err("Mismatched closing bracket", tok)
                self.sequential = True
                self.require_all = True
                self.opened = ""
                continue
            if "=" in s:
                name, _, value = s.partition("=")
                if "=" in value:
                    raise self.p.err(f"Extra = in {s}", tok)
                if name not in ("sequential", "require-all"):
                    raise self.p.err("Unknown attribute", tok, hint="sequential= or require-all=")
                b = _boolean(value)
                if b is None:
                    raise self.p.err(f"Not a boolean: {value}", tok)
                if name == "sequential":
                    self.sequential = b
                else:
                    self.require_all = b
                continue
            parts = s.split(":")
            if len(parts) == 2:
                choices = RESOURCE_ACTIONS if self.kind == "action" else RESOURCE_ROLES
                q = canonize(parts[1], choices)
                if not q:
                    raise self.p.err(f"Invalid {self.kind} for {s}", tok)
                rsc = parts[0]
            else:
                rsc, q = s, ""
            if q != self.prev_q:
                self._save()
                self.prev_q = q
            if q:
                if not self.curr_attr:
                    self.curr_attr = self.kind
            else:
                self.curr_attr = ""
            self.current.add("resource_ref", id=rsc)
        if self.opened:
            raise self.p.err("Unmatched opening bracket", last)
        self._save()
        return self.out


def _boolean(value: str) -> bool | None:
    v = value.lower()
    if v in ("true", "yes", "on", "1", "y"):
        return True
    if v in ("false", "no", "off", "0", "n"):
        return False
    return None


def _set_date_expression(expr: Node, tag: str, values: list[tuple[str, str]]) -> Node:
    if {n for n, _ in values} == set(IN_RANGE_ATTRS):
        for n, v in values:
            expr.attrs[n] = v
        return expr
    sub = expr.add(tag)
    for n, v in values:
        if n in IN_RANGE_ATTRS:
            expr.attrs[n] = v
        else:
            sub.attrs[n] = v
    return expr


def parse_definition(
    tokens: Sequence[Token],
    *,
    providers: ProviderLookup = _no_providers,
    nodes: NodeList = _no_nodes,
    ignore_empty: bool = True,
) -> Definition:
    """Parse one configure-language definition (``primitive p1 Dummy ...``).

    ``providers(type)`` lists the OCF providers that have an agent ``type`` (to complete
    ``Dummy`` into ``ocf:heartbeat:Dummy``, as crmsh does); ``nodes()`` lists the node names
    (a ``fencing_topology`` without targets applies to every node).  ``ignore_empty=False`` is
    for a definition typed as a command rather than read from a text (``load``, ``edit``):
    crmsh then refuses names without ``=value`` and empty values in ``property``,
    ``rsc_defaults`` and ``op_defaults``."""
    if not tokens:
        raise ParseError("empty definition", None, "", [])
    return _Parser(tokens, providers, nodes, ignore_empty).parse()
