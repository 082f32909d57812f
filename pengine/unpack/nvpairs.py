"""Name/value sets (``instance_attributes``, ``meta_attributes``, ...) with rules and scores."""

from __future__ import annotations

from lxml import etree

from crm.common.scores import parse_score
from pengine.rules import RuleContext, evaluate_rule


def _resolve(elem: etree._Element, idmap: dict[str, etree._Element] | None) -> etree._Element:
    ref = elem.get("id-ref")
    if ref and idmap is not None and ref in idmap:
        return idmap[ref]
    return elem


def unpack_sets(
    parent: etree._Element | None,
    tag: str,
    ctx: RuleContext | None,
    *,
    into: dict[str, str] | None = None,
    first_id: str | None = None,
    idmap: dict[str, etree._Element] | None = None,
    overwrite: bool = False,
) -> dict[str, str]:
    """Merge every ``<tag>`` set under ``parent`` whose rules match, highest score first.

    Values already in ``into`` win unless ``overwrite``; within the sets, the first set (by score,
    then document order, with ``first_id`` forced first) wins.
    """
    result: dict[str, str] = into if into is not None else {}
    if parent is None:
        return result
    sets = [_resolve(s, idmap) for s in parent if isinstance(s.tag, str) and s.tag == tag]
    ordered = sorted(
        enumerate(sets),
        key=lambda pair: (
            0 if first_id is not None and pair[1].get("id") == first_id else 1,
            -parse_score(pair[1].get("score"), 0),
            pair[0],
        ),
    )
    for _, block in ordered:
        if ctx is not None:
            rules = [r for r in block if isinstance(r.tag, str) and r.tag == "rule"]
            if any(not evaluate_rule(_resolve(r, idmap), ctx) for r in rules):
                continue
        for pair in block:
            if not isinstance(pair.tag, str) or pair.tag != "nvpair":
                continue
            pair = _resolve(pair, idmap)
            name = pair.get("name")
            value = pair.get("value")
            if name is None or value is None:
                continue
            if overwrite or name not in result:
                result[name] = value
    return result
