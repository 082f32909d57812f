"""Constraints: what they name, and deprecated forms."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from crm.verify.context import Context, boolean, line_of
from crm.verify.findings import Finding, Severity

TAG_ORIGINS: Final = {
    "rsc_location": "unpack_location_tags",
    "rsc_colocation": "unpack_colocation_tags",
    "rsc_order": "unpack_order_tags",
    "rsc_ticket": "unpack_rsc_ticket_tags",
}


def check_constraints(ctx: Context) -> Iterator[Finding]:
    known = ctx.resource_ids()
    clones = {str(r.get("id")) for r in ctx.resources() if r.tag in ("clone", "master")}
    constraints = ctx.root.find("configuration/constraints")
    if constraints is None:
        return
    for constraint in constraints:
        if not isinstance(constraint.tag, str):
            continue
        cid = constraint.get("id", "")
        origin = TAG_ORIGINS.get(str(constraint.tag), "unpack_constraints")
        refs = [(constraint, constraint.get(a)) for a in ("rsc", "with-rsc", "first", "then")]
        refs += [(r, r.get("id")) for r in constraint.iterfind("resource_set/resource_ref")]
        for element, ref in refs:
            if ref is not None and ref not in known:
                yield Finding(
                    Severity.ERROR,
                    origin,
                    f"Ignoring constraint '{cid}' because '{ref}' is not a valid resource or tag",
                    line_of(element),
                )
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
