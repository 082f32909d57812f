"""Constraints: what they name, and deprecated forms."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from lxml import etree

from crm.verify.context import Context, boolean, elements, line_of
from crm.verify.findings import Finding, Severity

TAG_ORIGINS: Final = {
    "rsc_location": "unpack_location_tags",
    "rsc_colocation": "unpack_colocation_tags",
    "rsc_order": "unpack_order_tags",
    "rsc_ticket": "unpack_rsc_ticket_tags",
}


SET_ORIGINS: Final = {
    "rsc_location": "unpack_location_set",
    "rsc_colocation": "unpack_colocation_set",
    "rsc_order": "unpack_order_set",
    "rsc_ticket": "unpack_rsc_ticket_set",
}
REFERENCE_ATTRIBUTES: Final = {
    "rsc_location": ("rsc",),
    "rsc_colocation": ("rsc", "with-rsc"),
    "rsc_order": ("first", "then"),
    "rsc_ticket": ("rsc",),
}
CLONE_TAGS: Final = frozenset({"clone", "master", "bundle"})


def constraint_targets(ctx: Context) -> set[str]:
    """The ids a constraint may name: resources the scheduler knows by their configured id
    (not those inside a clone or bundle, whose instances are ``id:N``), templates and tags."""
    targets: set[str] = set()
    for rsc in ctx.resources():
        parent = rsc.getparent()
        inside_clone = False
        while parent is not None and parent.tag != "resources":
            if parent.tag in CLONE_TAGS:
                inside_clone = True
                break
            parent = parent.getparent()
        if not inside_clone:
            targets.add(str(rsc.get("id")))
    targets |= {str(e.get("id")) for e in elements(ctx.root, "/cib/configuration/tags/tag")}
    targets |= {str(e.get("id")) for e in elements(ctx.root, "/cib/configuration/resources/template")}
    return targets


def _not_a_target(ref: str, line: int | None) -> Finding:
    return Finding(Severity.WARNING, "find_constraint_tag", f"No template or tag named '{ref}'", line)


def _set_refs(rset: etree._Element) -> list[etree._Element]:
    return list(rset.iterfind("resource_ref"))


def _sequential(rset: etree._Element) -> bool:
    value = boolean(rset.get("sequential"))
    return True if value is None else value


def _missing(refs: list[etree._Element], targets: set[str]) -> etree._Element | None:
    return next((r for r in refs if r.get("id") not in targets), None)


def _colocation_pair_refs(set1: etree._Element, set2: etree._Element) -> list[etree._Element]:
    """The references the scheduler looks up, in its order, to colocate two consecutive
    sets: the first of a sequential set1, the last of a sequential set2, then every member
    of a set that is not sequential (both: each of set1 followed by all of set2)."""
    refs1, refs2 = _set_refs(set1), _set_refs(set2)
    seq1, seq2 = _sequential(set1), _sequential(set2)
    looked: list[etree._Element] = (refs1[:1] if seq1 else []) + (refs2[-1:] if seq2 else [])
    if seq1 and not seq2:
        looked += refs2
    elif seq2 and not seq1:
        looked += refs1
    elif not seq1 and not seq2:
        for ref in refs1:
            looked += [ref, *refs2]
    return looked


def _score(text: str | None) -> int:
    value = (text or "0").strip().upper().lstrip("+")
    if value in ("INFINITY", "INF"):
        return 1
    if value in ("-INFINITY", "-INF"):
        return -1
    try:
        return int(value)
    except ValueError:
        return 0


def _set_findings(constraint: etree._Element, targets: set[str], ticket_fence: bool) -> Iterator[Finding]:
    """Sets naming what the scheduler cannot use: the tag expansion refuses the sets, then
    each set is unpacked as written and its first unknown member reported (a colocation goes
    on with its other sets, the other kinds stop there); a ticket whose loss-policy is reset
    says so for each member unpacked before that."""
    cid = constraint.get("id", "")
    kind = str(constraint.tag)
    sets = list(constraint.iterfind("resource_set"))
    for rset in sets:
        bad = _missing(_set_refs(rset), targets)
        if bad is not None:
            ref = str(bad.get("id"))
            yield _not_a_target(ref, line_of(bad))
            yield Finding(
                Severity.ERROR,
                "pcmk__expand_tags_in_sets",
                f"Ignoring resource sets for constraint '{cid}' because '{ref}' is not a valid resource or tag",
                line_of(bad),
            )
            break
    origin = SET_ORIGINS.get(kind, "unpack_constraints")
    if kind == "rsc_colocation":
        previous: etree._Element | None = None
        for rset in sets:
            score = _score(rset.get("score") or constraint.get("score"))
            if score == 0:
                previous = rset
                continue
            if _sequential(rset) or score < 0:
                bad = _missing(_set_refs(rset), targets)
                if bad is not None:
                    yield Finding(Severity.ERROR, origin, f"{rset.get('id')}: No resource found for {bad.get('id')}", line_of(bad))
            if previous is not None:
                bad = _missing(_colocation_pair_refs(previous, rset), targets)
                if bad is not None:
                    yield Finding(Severity.ERROR, "colocate_rsc_sets", f"{cid}: No resource found for {bad.get('id')}", line_of(bad))
            previous = rset
        return
    for rset in sets:
        for member in _set_refs(rset):
            if member.get("id") not in targets:
                yield Finding(Severity.ERROR, origin, f"{rset.get('id')}: No resource found for {member.get('id')}", line_of(member))
                return
            if ticket_fence:
                yield _loss_policy_reset(constraint, member)


def _loss_policy_reset(constraint: etree._Element, element: etree._Element) -> Finding:
    return Finding(
        Severity.ERROR,
        "rsc_ticket_new",
        f"Resetting 'loss-policy' for ticket '{constraint.get('ticket')}' to 'stop' because fencing is not configured",
        line_of(element),
    )


# the roles Pacemaker's text2role knows (compared without case)
ROLE_NAMES: Final = frozenset({"stopped", "started", "unpromoted", "slave", "promoted", "master"})


def _rule_roles(constraint: etree._Element) -> Iterator[Finding]:
    """A location rule's role is free text in the schema; an unknown one makes the
    constraint's rule an error (``generate_location_rule``)."""
    for rule in constraint.iterfind("rule"):
        role = rule.get("role")
        if role is not None and role.lower() not in ROLE_NAMES:
            yield Finding(Severity.ERROR, "text2role", f"Unknown role: {role}", line_of(rule))
            yield Finding(Severity.ERROR, "generate_location_rule",
                          f"Bad role specified for {rule.get('id', '')}: {role}", line_of(rule))


def check_constraints(ctx: Context) -> Iterator[Finding]:
    targets = constraint_targets(ctx)
    clones = {str(r.get("id")) for r in ctx.resources() if r.tag in ("clone", "master")}
    constraints = ctx.root.find("configuration/constraints")
    if constraints is None:
        return
    for constraint in constraints:
        if not isinstance(constraint.tag, str):
            continue
        cid = constraint.get("id", "")
        origin = TAG_ORIGINS.get(str(constraint.tag), "unpack_constraints")
        valid = True
        for attribute in REFERENCE_ATTRIBUTES.get(str(constraint.tag), ()):
            ref = constraint.get(attribute)
            if ref is not None and ref not in targets:
                yield _not_a_target(ref, line_of(constraint))
                yield Finding(
                    Severity.ERROR,
                    origin,
                    f"Ignoring constraint '{cid}' because '{ref}' is not a valid resource or tag",
                    line_of(constraint),
                )
                valid = False
                break
        if valid and constraint.tag == "rsc_location":
            yield from _rule_roles(constraint)
        fence = constraint.tag == "rsc_ticket" and constraint.get("loss-policy") == "fence" and not ctx.stonith_enabled
        if valid and constraint.find("resource_set") is not None:
            yield from _set_findings(constraint, targets, fence)
        elif valid and fence:
            yield _loss_policy_reset(constraint, constraint)
        if constraint.tag == "rsc_order":
            if constraint.get("require-all") is not None and constraint.get("first") in clones:
                yield Finding(
                    Severity.WARNING,
                    "get_minimum_first_instances",
                    "Support for require-all in ordering constraints is deprecated and will be "
                    "removed in a future release (use clone-min clone meta-attribute instead)",
                    line_of(constraint),
                )
            if constraint.get("kind") == "Serialize" and boolean(constraint.get("symmetrical")):
                yield Finding(
                    Severity.WARNING,
                    "get_ordering_symmetry",
                    f"Ignoring symmetrical for '{cid}' because not valid with kind of 'Serialize'",
                    line_of(constraint),
                )
