"""``<constraints>``: location, colocation, ordering and ticket constraints, with sets and tags."""

from __future__ import annotations

import itertools
from collections.abc import Callable

from lxml import etree

from crm.common.booleans import is_true
from crm.common.scores import INFINITY, parse_score
from pengine.model import (
    ColocationConstraint,
    LocationConstraint,
    OrderConstraint,
    OrderOneOrMore,
    Role,
    RuleRef,
    TicketConstraint,
)


def _coloc_role(text: str | None) -> Role:
    """Role of a colocation end: Started means any role (``pcmk__new_colocation``)."""
    role = Role.parse(text) if text else Role.UNKNOWN
    return Role.UNKNOWN if role == Role.STARTED else role


def _location_role(text: str | None) -> Role:
    """Role filter of a location constraint: Started and Unpromoted mean any role."""
    role = Role.parse(text) if text else Role.UNKNOWN
    return Role.UNKNOWN if role in (Role.STARTED, Role.UNPROMOTED) else role


class ConstraintUnpacker:
    """Reads constraints; ``expand`` maps an id (resource or tag) to resource ids."""

    def __init__(self, expand: Callable[[str], list[str]], idmap: dict[str, etree._Element]) -> None:
        self.expand = expand
        self.idmap = idmap
        self.locations: list[LocationConstraint] = []
        self.colocations: list[ColocationConstraint] = []
        self.orders: list[OrderConstraint] = []
        self.one_or_more: list[OrderOneOrMore] = []
        self.tickets: list[TicketConstraint] = []
        self.messages: list[str] = []

    def _ref(self, elem: etree._Element) -> etree._Element:
        ref = elem.get("id-ref")
        if ref and ref in self.idmap:
            return self.idmap[ref]
        return elem

    def _set_members(self, rset: etree._Element) -> list[str]:
        out: list[str] = []
        for ref in rset:
            if isinstance(ref.tag, str) and ref.tag == "resource_ref" and ref.get("id"):
                out.extend(self.expand(ref.get("id", "")))
        return out

    def _sets(self, elem: etree._Element) -> list[etree._Element]:
        return [self._ref(s) for s in elem if isinstance(s.tag, str) and s.tag == "resource_set"]

    def unpack(self, constraints: etree._Element | None) -> None:
        if constraints is None:
            return
        for elem in constraints:
            if not isinstance(elem.tag, str):
                continue
            elem = self._ref(elem)
            if elem.tag == "rsc_location":
                self._location(elem)
            elif elem.tag == "rsc_colocation":
                self._colocation(elem)
            elif elem.tag == "rsc_order":
                self._order(elem)
            elif elem.tag == "rsc_ticket":
                self._ticket(elem)

    # -- location -----------------------------------------------------------------------------
    def _location(self, elem: etree._Element) -> None:
        cid = elem.get("id", "")
        rules = tuple(RuleRef(self._ref(r)) for r in elem if isinstance(r.tag, str) and r.tag == "rule")
        node = elem.get("node")
        score = parse_score(elem.get("score"), 0) if elem.get("score") is not None else None
        role = _location_role(elem.get("role"))
        discovery = (elem.get("resource-discovery") or "always").lower()
        targets: list[tuple[str | None, str | None, Role]] = []
        if elem.get("rsc"):
            for rid in self.expand(elem.get("rsc", "")):
                targets.append((rid, None, role))
        elif elem.get("rsc-pattern"):
            targets.append((None, elem.get("rsc-pattern"), role))
        else:
            for rset in self._sets(elem):
                set_role = _location_role(rset.get("role")) if rset.get("role") else role
                for rid in self._set_members(rset):
                    targets.append((rid, None, set_role))
        if node is None and not rules:
            self.messages.append(f"Constraint {cid}: no node and no rule; ignoring")
            return
        for rsc_id, pattern, r in targets:
            self.locations.append(
                LocationConstraint(
                    id=cid, rsc=rsc_id, rsc_pattern=pattern, node=node, score=score, rules=rules, role=r,
                    resource_discovery=discovery,
                )
            )

    # -- colocation ---------------------------------------------------------------------------
    def _colocation(self, elem: etree._Element) -> None:
        cid = elem.get("id", "")
        score_text = elem.get("score") or elem.get("score-attribute")
        score = parse_score(elem.get("score"), 0) if score_text else 0
        influence = is_true(elem.get("influence"), True)
        node_attr = elem.get("node-attribute") or "#uname"
        sets = self._sets(elem)
        if not sets:
            dep_list = self.expand(elem.get("rsc", ""))
            prim_list = self.expand(elem.get("with-rsc", ""))
            dep_role = _coloc_role(elem.get("rsc-role"))
            prim_role = _coloc_role(elem.get("with-rsc-role"))
            if len(dep_list) > 1 or len(prim_list) > 1:
                # tags expand to sets of resources colocated pairwise
                for d in dep_list:
                    for p in prim_list:
                        self.colocations.append(ColocationConstraint(cid, d, p, score, dep_role, prim_role,
                                                                     node_attr, influence))
                return
            if not dep_list or not prim_list:
                self.messages.append(f"Constraint {cid}: unknown resource; ignoring")
                return
            self.colocations.append(
                ColocationConstraint(cid, dep_list[0], prim_list[0], score, dep_role, prim_role, node_attr, influence)
            )
            return
        # resource sets
        for rset in sets:
            members = self._set_members(rset)
            role = _coloc_role(rset.get("role"))
            set_score = parse_score(rset.get("score"), score) if rset.get("score") else score
            if is_true(rset.get("sequential"), True):
                for prev, cur in itertools.pairwise(members):
                    self.colocations.append(
                        ColocationConstraint(cid, cur, prev, set_score, role, role, node_attr, influence)
                    )
            elif set_score <= -INFINITY or set_score < 0:
                for i, a in enumerate(members):
                    for b in members[i + 1:]:
                        self.colocations.append(
                            ColocationConstraint(cid, a, b, set_score, role, role, node_attr, influence))
        for set1, set2 in itertools.pairwise(sets):
            m1 = self._set_members(set1)
            m2 = self._set_members(set2)
            if not m1 or not m2:
                continue
            role1 = _coloc_role(set1.get("role"))
            role2 = _coloc_role(set2.get("role"))
            firsts = [m1[0]] if is_true(set1.get("sequential"), True) else m1
            lasts = [m2[-1]] if is_true(set2.get("sequential"), True) else m2
            for d in firsts:
                for p in lasts:
                    self.colocations.append(ColocationConstraint(cid, d, p, score, role1, role2, node_attr,
                                                                 influence))

    # -- ordering -----------------------------------------------------------------------------
    def _order(self, elem: etree._Element) -> None:
        cid = elem.get("id", "")
        kind = elem.get("kind")
        score_text = elem.get("score")
        if kind is None:
            if score_text is not None and parse_score(score_text, 0) == 0:
                kind = "Optional"
            else:
                kind = "Mandatory"
        kind = kind.capitalize()
        symmetrical = is_true(elem.get("symmetrical"), kind != "Serialize")
        require_all = is_true(elem.get("require-all"), True)
        sets = self._sets(elem)
        if not sets:
            firsts = self.expand(elem.get("first", ""))
            thens = self.expand(elem.get("then", ""))
            if not firsts or not thens:
                self.messages.append(f"Constraint {cid}: unknown resource; ignoring")
                return
            first_action = elem.get("first-action") or "start"
            then_action = elem.get("then-action") or first_action
            for f in firsts:
                for t in thens:
                    self.orders.append(OrderConstraint(cid, f, t, first_action, then_action, kind, symmetrical,
                                                       require_all=require_all))
            return
        for rset in sets:
            members = self._set_members(rset)
            action = rset.get("action") or "start"
            set_kind = (rset.get("kind") or kind).capitalize()
            if set_kind == "Serialize":
                # unpack_order_set: a serialized set orders each member before every later
                # one, whether the set is sequential or not
                for i, prev in enumerate(members):
                    for cur in members[i + 1:]:
                        self.orders.append(OrderConstraint(cid, prev, cur, action, action, set_kind, symmetrical))
            elif is_true(rset.get("sequential"), True):
                for prev, cur in itertools.pairwise(members):
                    self.orders.append(OrderConstraint(cid, prev, cur, action, action, set_kind, symmetrical))
        for set1, set2 in itertools.pairwise(sets):
            m1 = self._set_members(set1)
            m2 = self._set_members(set2)
            if not m1 or not m2:
                continue
            a1 = set1.get("action") or "start"
            a2 = set2.get("action") or "start"
            # order_rsc_sets: require-all="false" is the one-or-more logic of the start/promote
            # phase; a set ordered by its stop or demote requires all its members
            if not is_true(set1.get("require-all"), True) and a1 not in ("stop", "demote"):
                self.one_or_more.append(OrderOneOrMore(set1.get("id", cid), tuple(m1), a1, tuple(m2), a2, kind,
                                                       symmetrical))
                if symmetrical and kind != "Serialize":
                    self._inverse_set_order(cid, set2, m2, set1, m1, a1, a2, kind)
                continue
            # order_rsc_sets: between sets, a set counts as sequential only when it says so
            # (pcmk__xe_attr_is_true), whatever the default within the set
            lasts = [m1[-1]] if is_true(set1.get("sequential"), False) else m1
            firsts = [m2[0]] if is_true(set2.get("sequential"), False) else m2
            for f in lasts:
                for t in firsts:
                    self.orders.append(OrderConstraint(cid, f, t, a1, a2, kind, symmetrical))

    def _inverse_set_order(self, cid: str, set1: etree._Element, m1: list[str], set2: etree._Element,
                           m2: list[str], a_first: str, a_then: str, kind: str) -> None:
        """``order_rsc_sets(set, last, ordering_symmetric_inverse)`` after a one-or-more ordering.

        ``set1`` is the later set: its first member (or all) stops before the earlier set's
        last member (or all).
        """
        inv = {"start": "stop", "stop": "start", "promote": "demote", "demote": "promote"}
        a1, a2 = inv.get(a_then, a_then), inv.get(a_first, a_first)
        if not is_true(set1.get("require-all"), True) and a1 not in ("stop", "demote"):
            return  # a one-or-more inverse: not modelled
        firsts = [m1[0]] if is_true(set1.get("sequential"), False) else m1
        lasts = [m2[-1]] if is_true(set2.get("sequential"), False) else m2
        for f in firsts:
            for t in lasts:
                self.orders.append(OrderConstraint(cid, f, t, a1, a2, kind, False, inverse=True))

    # -- tickets ------------------------------------------------------------------------------
    def _ticket(self, elem: etree._Element) -> None:
        cid = elem.get("id", "")
        ticket = elem.get("ticket", "")
        loss = elem.get("loss-policy") or "stop"
        targets: list[tuple[str, Role]] = []
        if elem.get("rsc"):
            role = Role.parse(elem.get("rsc-role")) if elem.get("rsc-role") else Role.UNKNOWN
            targets = [(r, role) for r in self.expand(elem.get("rsc", ""))]
        else:
            for rset in self._sets(elem):
                role = Role.parse(rset.get("role")) if rset.get("role") else Role.UNKNOWN
                targets.extend((r, role) for r in self._set_members(rset))
        for rid, role in targets:
            self.tickets.append(TicketConstraint(cid, rid, ticket, role, loss))
