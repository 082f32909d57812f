"""crmsh's own advisory checks on a configuration (before a commit, on ``verify``).

Pure: agent meta-data comes through a lookup function.  Each finding is (severity, text);
errors refuse a commit unless forced, as crmsh does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lxml import etree

from crm.shell.xpath import xp
from crm.verify.durations import parse_ms

__all__ = ["AgentInfo", "Finding", "semantic_checks"]


@dataclass(frozen=True)
class AgentInfo:
    params: tuple[str, ...]
    required: tuple[str, ...]
    action_timeouts: dict[str, str]


@dataclass(frozen=True)
class Finding:
    severity: str  # "error" | "warning"
    text: str


MetaLookup = Callable[[str, str | None, str], AgentInfo | None]

_IGNORED_PARAMS = {"depth"}


def agent_name(cls: str | None, provider: str | None, typ: str | None) -> str:
    return ":".join(x for x in (cls, provider, typ) if x)


def semantic_checks(conf: etree._Element, meta: MetaLookup, changed: set[str] | None = None) -> list[Finding]:
    """Findings for the primitives (``changed``: only those ids) and location constraints."""
    out: list[Finding] = []
    nodes = {(n.get("uname") or n.get("id") or "").lower() for n in xp(conf, "nodes/node")}
    templates = {t.get("id"): t for t in xp(conf, "resources/template")}
    for prim in xp(conf, "resources//primitive | resources/template"):
        pid = prim.get("id") or ""
        if changed is not None and pid not in changed:
            continue
        src = prim
        if prim.get("template"):
            tmpl = templates.get(prim.get("template"))
            if tmpl is None:
                continue
            src = tmpl
        cls, provider, typ = src.get("class"), src.get("provider"), src.get("type")
        name = agent_name(cls, provider, typ)
        info = meta(cls or "", provider, typ or "")
        if info is None:
            out.append(Finding("error", f"{name}: got no meta-data, does this RA exist?"))
            continue
        given = [n.get("name") or "" for n in xp(prim, "instance_attributes/nvpair")]
        for p in given:
            if p not in info.params and p not in _IGNORED_PARAMS and cls != "stonith":
                out.append(Finding("error", f'{pid}: parameter "{p}" is not known'))
        for op in xp(prim, "operations/op"):
            timeout = op.get("timeout")
            advised = info.action_timeouts.get(op.get("name") or "")
            if timeout and advised:
                t, a = parse_ms(timeout), parse_ms(advised)
                if t is not None and a is not None and t < a:
                    out.append(
                        Finding("warning", f"{pid}: specified timeout {timeout} for {op.get('name')} is smaller than the advised {advised}")
                    )
    for loc in xp(conf, "constraints/rsc_location[@node]"):
        node = loc.get("node") or ""
        if node.lower() not in nodes:
            out.append(Finding("warning", f"{loc.get('id')}: referenced node {node} does not exist"))
    return out
