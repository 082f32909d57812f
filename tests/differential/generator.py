"""Seeded generator of small, varied CIBs for differential testing of the scheduler.

``generate(seed)`` returns a CIB (configuration and status) that an administrator could have
written and a cluster could have recorded: 2-5 nodes, 2-12 primitives in primitives, groups,
clones (anonymous, globally unique, interleaved, clone-max / clone-node-max) and promotable
clones; location constraints (scores, rules on ``#uname`` and node attributes,
``score-attribute``, date expressions), colocations (scores, roles, sets), orders (kinds,
symmetry, actions, sets), tickets; stickiness, target-role, is-managed, migration-threshold,
failure-timeout, on-fail; standby / maintenance / offline / unclean nodes, stonith on or off,
quorum policies, op history (running, failed operations with fail counts, probes that found a
resource active), utilization with placement strategies.

The same seed always gives the same CIB. Every time in the status section lies before
:data:`NOW`, the time both schedulers are run at.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from lxml import etree

from crm.transition.history import OpResult, ensure_resource_history, record_op, transition_key

NOW = datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
NOW_TEXT = "2023-11-14 22:13:20Z"
NOW_EPOCH = int(NOW.timestamp())
FEATURE_SET = "3.16.2"
TE_UUID = "d1ffe7e5-0000-4000-8000-000000000001"
MONITOR_MS = 10000
PROMOTED_MONITOR_MS = 11000
SCORES = ("-INFINITY", "-1000", "-100", "-10", "0", "10", "100", "200", "1000", "INFINITY")
ROLES = ("Started", "Promoted", "Unpromoted")


@dataclass
class Prim:
    """One primitive as generated (clone children included)."""

    rid: str
    cls: str
    provider: str | None
    type: str
    params: dict[str, str] = field(default_factory=dict)
    promotable: bool = False


@dataclass
class Unit:
    """What constraints refer to: a primitive, a group, a clone or a promotable clone."""

    uid: str
    kind: str  # primitive | group | clone | promotable
    members: list[Prim]
    unique: bool = False
    clone_max: int | None = None
    node_max: int = 1


class _Ids:
    def __init__(self) -> None:
        self.used: set[str] = set()

    def __call__(self, base: str) -> str:
        ident, n = base, 1
        while ident in self.used:
            n += 1
            ident = f"{base}-{n}"
        self.used.add(ident)
        return ident


def _nvpairs(parent: etree._Element, tag: str, owner: str, ids: _Ids, pairs: Sequence[tuple[str, str]]) -> None:
    if not pairs:
        return
    block = etree.SubElement(parent, tag, id=ids(f"{owner}-{tag.split('_')[0]}"))
    for name, value in pairs:
        etree.SubElement(block, "nvpair", id=ids(f"{owner}-{name}"), name=name, value=value)


class _Builder:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.ids = _Ids()
        self.call_ids: dict[tuple[str, str], int] = {}

    # -- helpers ---------------------------------------------------------------------------
    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def pick(self, seq: Sequence[str]) -> str:
        return self.rng.choice(seq)

    def call_id(self, node: str, rid: str) -> int:
        key = (node, rid)
        self.call_ids[key] = self.call_ids.get(key, 0) + 1
        return self.call_ids[key]

    # -- whole document ----------------------------------------------------------------------
    def build(self) -> etree._Element:
        rng = self.rng
        n_nodes = rng.randint(2, 5)
        self.nodes = [f"node{i}" for i in range(1, n_nodes + 1)]
        self.stonith = self.chance(0.5)
        # fencing enabled (the default) without any fencing device: nothing may start
        self.stonith_without_device = not self.stonith and self.chance(0.08)
        self.quorum = self.chance(0.85)
        self.utilization = self.chance(0.2)
        self.node_state = self._node_states()
        online = [n for n in self.nodes if self.node_state[n] == "online"]
        dc = online[0] if online else self.nodes[0]
        cib = etree.Element("cib", {
            "validate-with": "pacemaker-3.7", "crm_feature_set": FEATURE_SET, "admin_epoch": "0",
            "epoch": "10", "num_updates": "0", "have-quorum": "1" if self.quorum else "0",
            "dc-uuid": str(self.nodes.index(dc) + 1), "cib-last-written": "Tue Nov 14 22:00:00 2023",
        })
        config = etree.SubElement(cib, "configuration")
        self._crm_config(etree.SubElement(config, "crm_config"))
        self._nodes(etree.SubElement(config, "nodes"))
        resources = etree.SubElement(config, "resources")
        self.units = self._resources(resources)
        constraints = etree.SubElement(config, "constraints")
        self.tickets: dict[str, bool] = {}
        self._constraints(constraints)
        if self.chance(0.4):
            defaults = etree.SubElement(config, "rsc_defaults")
            _nvpairs(defaults, "meta_attributes", "rsc-options", self.ids,
                     [("resource-stickiness", self.pick(("0", "1", "100", "INFINITY")))])
        status = etree.SubElement(cib, "status")
        self._status(status)
        return cib

    def _node_states(self) -> dict[str, str]:
        states = {}
        for n in self.nodes:
            r = self.rng.random()
            states[n] = "online" if r < 0.75 else "offline" if r < 0.88 else "unclean"
        if all(s != "online" for s in states.values()):
            states[self.nodes[0]] = "online"
        return states

    def _crm_config(self, crm_config: etree._Element) -> None:
        pairs = [] if self.stonith_without_device else [("stonith-enabled", "true" if self.stonith else "false")]
        if not self.quorum or self.chance(0.3):
            pairs.append(("no-quorum-policy", self.pick(("stop", "ignore", "freeze", "demote"))))
        if self.chance(0.15):
            pairs.append(("symmetric-cluster", "false"))
        if self.utilization:
            pairs.append(("placement-strategy", self.pick(("utilization", "balanced", "minimal", "default"))))
        if self.chance(0.1):
            pairs.append(("start-failure-is-fatal", "false"))
        if self.chance(0.1):
            pairs.append(("stop-all-resources", "true"))
        _nvpairs(crm_config, "cluster_property_set", "cib-bootstrap-options", self.ids, pairs)

    def _nodes(self, nodes_elem: etree._Element) -> None:
        for i, name in enumerate(self.nodes, 1):
            node = etree.SubElement(nodes_elem, "node", id=str(i), uname=name)
            pairs = []
            if self.chance(0.12):
                pairs.append(("standby", "on"))
            if self.chance(0.06):
                pairs.append(("maintenance", "true"))
            if self.chance(0.6):
                pairs.append(("site", self.pick(("a", "b"))))
            if self.chance(0.5):
                pairs.append(("rank", str(self.rng.choice((-50, 0, 5, 20, 100)))))
            _nvpairs(node, "instance_attributes", f"nodes-{i}", self.ids, pairs)
            if self.utilization:
                _nvpairs(node, "utilization", f"nodes-{i}", self.ids,
                         [("cpu", str(self.rng.randint(1, 4))), ("mem", str(self.rng.choice((512, 1024, 2048))))])

    # -- resources ---------------------------------------------------------------------------
    def _prim_elem(self, parent: etree._Element, prim: Prim) -> None:
        e = etree.SubElement(parent, "primitive", id=prim.rid, type=prim.type)
        e.set("class", prim.cls)
        if prim.provider:
            e.set("provider", prim.provider)
        _nvpairs(e, "instance_attributes", prim.rid, self.ids, list(prim.params.items()))
        meta = self._prim_meta()
        _nvpairs(e, "meta_attributes", prim.rid, self.ids, meta)
        if self.utilization and prim.cls != "stonith":
            _nvpairs(e, "utilization", prim.rid, self.ids,
                     [("cpu", str(self.rng.randint(0, 2))), ("mem", str(self.rng.choice((0, 256, 512, 1024))))])
        if prim.cls == "stonith":
            return
        ops = etree.SubElement(e, "operations")
        on_fail = self.pick(("restart", "restart", "restart", "block", "stop", "ignore", "fence", "standby")) \
            if self.chance(0.15) else None
        if prim.promotable:
            for role, ms in (("Promoted", PROMOTED_MONITOR_MS), ("Unpromoted", MONITOR_MS)):
                op = etree.SubElement(ops, "op", id=self.ids(f"{prim.rid}-monitor-{ms}"), name="monitor",
                                      interval=f"{ms // 1000}s", timeout="20s", role=role)
                if on_fail:
                    op.set("on-fail", on_fail)
        else:
            op = etree.SubElement(ops, "op", id=self.ids(f"{prim.rid}-monitor-{MONITOR_MS}"), name="monitor",
                                  interval=f"{MONITOR_MS // 1000}s", timeout="20s")
            if on_fail:
                op.set("on-fail", on_fail)
        if self.chance(0.1):
            etree.SubElement(ops, "op", id=self.ids(f"{prim.rid}-stop"), name="stop", interval="0",
                             timeout="30s", attrib={"on-fail": self.pick(("block", "fence", "ignore"))})

    def _prim_meta(self) -> list[tuple[str, str]]:
        meta = []
        if self.chance(0.1):
            meta.append(("target-role", self.pick(("Stopped", "Started"))))
        if self.chance(0.07):
            meta.append(("is-managed", "false"))
        if self.chance(0.2):
            meta.append(("resource-stickiness", self.pick(("0", "50", "200", "INFINITY"))))
        if self.chance(0.2):
            meta.append(("migration-threshold", self.pick(("1", "2", "3", "10"))))
        if self.chance(0.12):
            meta.append(("failure-timeout", self.pick(("60s", "10min", "2h"))))
        return meta

    def _new_prim(self, rid: str, promotable: bool = False) -> Prim:
        if promotable:
            return Prim(rid, "ocf", "pacemaker", "Stateful", promotable=True)
        r = self.rng.random()
        if r < 0.6:
            return Prim(rid, "ocf", "pacemaker", "Dummy")
        if r < 0.8:
            return Prim(rid, "ocf", "heartbeat", "IPaddr2", {"ip": f"192.168.122.{self.rng.randint(10, 250)}"})
        return Prim(rid, "lsb", None, self.pick(("apache2", "nginx", "exim4")))

    def _resources(self, resources: etree._Element) -> list[Unit]:
        units: list[Unit] = []
        if self.stonith:
            fence = Prim("fencing", "stonith", None, "fence_dummy")
            self._prim_elem(resources, fence)
            self.fence_prim = fence
        budget = self.rng.randint(2, 12)
        n = 0
        while budget > 0:
            n += 1
            r = self.rng.random()
            if r < 0.45 or budget < 2:
                prim = self._new_prim(f"r{n}")
                self._prim_elem(resources, prim)
                units.append(Unit(prim.rid, "primitive", [prim]))
                budget -= 1
            elif r < 0.65:
                size = min(budget, self.rng.randint(2, 3))
                gid = f"g{n}"
                group = etree.SubElement(resources, "group", id=gid)
                members = [self._new_prim(f"g{n}m{k}") for k in range(1, size + 1)]
                for m in members:
                    self._prim_elem(group, m)
                if self.chance(0.2):
                    _nvpairs(group, "meta_attributes", gid, self.ids,
                             [(self.pick(("target-role", "resource-stickiness")),
                               self.pick(("Stopped", "100")))])
                units.append(Unit(gid, "group", members))
                budget -= size
            else:
                promotable = r >= 0.85
                cid = f"c{n}"
                clone = etree.SubElement(resources, "clone", id=cid)
                prim = self._new_prim(f"c{n}r", promotable)
                if prim.type == "IPaddr2":
                    prim = Prim(prim.rid, "ocf", "pacemaker", "Dummy")
                self._prim_elem(clone, prim)
                unique = not promotable and self.chance(0.25)
                clone_max = self.rng.randint(1, len(self.nodes)) if self.chance(0.35) else None
                node_max = 2 if unique and self.chance(0.5) else 1
                meta: list[tuple[str, str]] = []
                if promotable:
                    meta.append(("promotable", "true"))
                    if self.chance(0.3):
                        meta.append(("promoted-max", "2"))
                if unique:
                    meta.append(("globally-unique", "true"))
                if clone_max is not None:
                    meta.append(("clone-max", str(clone_max)))
                if node_max != 1:
                    meta.append(("clone-node-max", str(node_max)))
                if self.chance(0.4):
                    meta.append(("interleave", "true"))
                if self.chance(0.15):
                    meta.append(("target-role", self.pick(("Stopped", "Unpromoted" if promotable else "Started"))))
                _nvpairs(clone, "meta_attributes", cid, self.ids, meta)
                units.append(Unit(cid, "promotable" if promotable else "clone", [prim], unique, clone_max,
                                  node_max))
                budget -= 1
        return units

    # -- constraints -------------------------------------------------------------------------
    def _role(self, unit: Unit) -> str | None:
        if unit.kind == "promotable" and self.chance(0.6):
            return self.pick(("Promoted", "Unpromoted", "Started"))
        return None

    def _constraints(self, constraints: etree._Element) -> None:
        units = self.units
        for _ in range(self.rng.randint(0, 4)):
            self._location(constraints, self.rng.choice(units))
        if len(units) >= 2:
            for _ in range(self.rng.randint(0, 3)):
                i = self.rng.randrange(1, len(units))
                j = self.rng.randrange(0, i)
                if self.chance(0.15) and len(units) >= 3:
                    self._colocation_set(constraints, units)
                else:
                    self._colocation(constraints, units[i], units[j])
            for _ in range(self.rng.randint(0, 3)):
                i = self.rng.randrange(1, len(units))
                j = self.rng.randrange(0, i)
                if self.chance(0.15) and len(units) >= 3:
                    self._order_set(constraints, units)
                else:
                    self._order(constraints, units[j], units[i])
        if self.chance(0.12):
            ticket = "ticketA"
            self.tickets[ticket] = self.chance(0.5)
            unit = self.rng.choice(units)
            t = etree.SubElement(constraints, "rsc_ticket", id=self.ids("tkt"), rsc=unit.uid, ticket=ticket)
            t.set("loss-policy", self.pick(("stop", "demote", "freeze", "fence")))
            role = self._role(unit)
            if role:
                t.set("rsc-role", role)

    def _location(self, constraints: etree._Element, unit: Unit) -> None:
        lid = self.ids(f"loc-{unit.uid}")
        kind = self.rng.random()
        if kind < 0.5:
            etree.SubElement(constraints, "rsc_location", id=lid, rsc=unit.uid, node=self.pick(self.nodes),
                             score=self.pick(SCORES))
            return
        loc = etree.SubElement(constraints, "rsc_location", id=lid, rsc=unit.uid)
        rule = etree.SubElement(loc, "rule", id=self.ids(f"{lid}-rule"))
        role = self._role(unit)
        if role:
            rule.set("role", role)
        if kind < 0.65:
            rule.set("score-attribute", "rank")
            etree.SubElement(rule, "expression", id=self.ids(f"{lid}-expr"), attribute="rank",
                             operation="defined")
            return
        rule.set("score", self.pick(SCORES))
        n_expr = 1 if self.chance(0.7) else 2
        if n_expr == 2:
            rule.set("boolean-op", self.pick(("and", "or")))
        for _ in range(n_expr):
            e = self.rng.random()
            eid = self.ids(f"{lid}-expr")
            if e < 0.4:
                etree.SubElement(rule, "expression", id=eid, attribute="#uname",
                                 operation=self.pick(("eq", "ne")), value=self.pick(self.nodes))
            elif e < 0.6:
                etree.SubElement(rule, "expression", id=eid, attribute="site", operation=self.pick(("eq", "ne")),
                                 value=self.pick(("a", "b")))
            elif e < 0.8:
                op = self.pick(("gt", "lt", "gte", "not_defined"))
                ex = etree.SubElement(rule, "expression", id=eid, attribute="rank", operation=op)
                if op != "not_defined":
                    ex.set("value", self.pick(("0", "10", "50")))
                    ex.set("type", "number")
            else:
                op = self.pick(("gt", "lt", "in_range"))
                d = etree.SubElement(rule, "date_expression", id=eid, operation=op)
                if op in ("gt", "in_range"):
                    d.set("start", self.pick(("2020-01-01", "2024-06-01")))
                if op in ("lt", "in_range"):
                    d.set("end", self.pick(("2023-01-01", "2030-01-01")))

    def _colocation(self, constraints: etree._Element, dep: Unit, primary: Unit) -> None:
        c = etree.SubElement(constraints, "rsc_colocation", id=self.ids(f"col-{dep.uid}-{primary.uid}"),
                             rsc=dep.uid, score=self.pick(("INFINITY", "INFINITY", "-INFINITY", "100", "-50", "500")))
        c.set("with-rsc", primary.uid)
        role = self._role(dep)
        if role:
            c.set("rsc-role", role)
        role = self._role(primary)
        if role:
            c.set("with-rsc-role", role)

    def _sets(self, parent: etree._Element, units: list[Unit], cid: str, ordering: bool) -> None:
        chosen = self.rng.sample(units, self.rng.randint(2, min(4, len(units))))
        split = self.rng.randint(1, len(chosen))
        for part in (chosen[:split], chosen[split:]):
            if not part:
                continue
            s = etree.SubElement(parent, "resource_set", id=self.ids(f"{cid}-set"))
            if self.chance(0.3):
                s.set("sequential", "false")
            if ordering and self.chance(0.2):
                s.set("require-all", "false")
            for u in part:
                etree.SubElement(s, "resource_ref", id=u.uid)

    def _colocation_set(self, constraints: etree._Element, units: list[Unit]) -> None:
        cid = self.ids("colset")
        c = etree.SubElement(constraints, "rsc_colocation", id=cid, score=self.pick(("INFINITY", "100", "-INFINITY")))
        self._sets(c, units, cid, ordering=False)

    def _order(self, constraints: etree._Element, first: Unit, then: Unit) -> None:
        o = etree.SubElement(constraints, "rsc_order", id=self.ids(f"ord-{first.uid}-{then.uid}"),
                             first=first.uid, then=then.uid)
        if self.chance(0.4):
            o.set("kind", self.pick(("Mandatory", "Optional", "Serialize")))
        if self.chance(0.2):
            o.set("symmetrical", "false")
        if first.kind == "promotable" and self.chance(0.5):
            o.set("first-action", self.pick(("promote", "demote", "start")))
        elif self.chance(0.1):
            o.set("first-action", "stop")
        if then.kind == "promotable" and self.chance(0.5):
            o.set("then-action", self.pick(("promote", "start")))

    def _order_set(self, constraints: etree._Element, units: list[Unit]) -> None:
        oid = self.ids("ordset")
        o = etree.SubElement(constraints, "rsc_order", id=oid)
        if self.chance(0.3):
            o.set("kind", self.pick(("Optional", "Serialize")))
        self._sets(o, units, oid, ordering=True)

    # -- status ------------------------------------------------------------------------------
    def _status(self, status: etree._Element) -> None:
        self.states: dict[str, etree._Element] = {}
        for i, name in enumerate(self.nodes, 1):
            st = self.node_state[name]
            attrs = {
                "online": dict(in_ccm="true", crmd="online", join="member", expected="member"),
                "offline": dict(in_ccm="false", crmd="offline", join="down", expected="down"),
                "unclean": dict(in_ccm="false", crmd="offline", join="down", expected="member"),
            }[st]
            self.states[name] = etree.SubElement(status, "node_state", id=str(i), uname=name,
                                                 attrib={**attrs, "crm-debug-origin": "difftest"})
        if self.tickets:
            tickets = etree.SubElement(status, "tickets")
            for t, granted in self.tickets.items():
                etree.SubElement(tickets, "ticket_state", id=t, granted="true" if granted else "false",
                                 standby="false")
        # nodes with a history: online and unclean (an offline node's history was cleared)
        self.live = [n for n in self.nodes if self.node_state[n] != "offline"]
        if self.stonith:
            self._prim_history(self.fence_prim, self.fence_prim.rid, self.pick(("running", "running", "new")))
        for unit in self.units:
            if unit.kind == "primitive":
                self._prim_history(unit.members[0], unit.members[0].rid, self._primitive_state())
            elif unit.kind == "group":
                node = self.pick(self.live)
                for m in unit.members:
                    state = self._primitive_state()
                    self._prim_history(m, m.rid, state, node if self.chance(0.8) else None)
            else:
                self._clone_history(unit)

    def _primitive_state(self) -> str:
        return self.rng.choices(
            ("new", "stopped", "running", "failed_monitor", "failed_start", "failed_stop", "probe_found", "multi"),
            weights=(12, 15, 45, 8, 7, 3, 5, 2))[0]

    def _params(self, prim: Prim, interval: int, extra: dict[str, str] | None = None) -> dict[str, str]:
        params = dict(prim.params)
        params["CRM_meta_timeout"] = "20000"
        if interval:
            params["CRM_meta_interval"] = str(interval)
        params.update(extra or {})
        return params

    def _op(self, node: str, prim: Prim, hist_id: str, task: str, interval: int, rc: int = 0,
            target_rc: int | None = None, ago: int = 600, extra: dict[str, str] | None = None) -> None:
        entry = ensure_resource_history(self.states[node], hist_id, hist_id, prim.cls, prim.type, prim.provider)
        call = self.call_id(node, hist_id)
        expected = rc if target_rc is None else target_rc
        record_op(entry, OpResult(
            rsc_id=hist_id, task=task, interval_ms=interval, rc=rc, call_id=call,
            transition_key=transition_key(call, 1, expected, TE_UUID), run_time=NOW_EPOCH - ago,
            params=self._params(prim, interval, extra), origin="difftest",
        ), expected)

    def _fail(self, node: str, hist_id: str, task: str, interval: int) -> None:
        from crm.transition.history import failcount_name, last_failure_name, set_transient_attr

        count = "INFINITY" if task == "start" else str(self.rng.randint(1, 3))
        set_transient_attr(self.states[node], failcount_name(hist_id, task, interval), count)
        set_transient_attr(self.states[node], last_failure_name(hist_id, task, interval),
                           str(NOW_EPOCH - self.rng.choice((30, 300, 5000))))

    def _probe_elsewhere(self, prim: Prim, hist_id: str, skip: Sequence[str]) -> None:
        for n in self.live:
            if n not in skip and self.chance(0.8):
                self._op(n, prim, hist_id, "monitor", 0, rc=7)

    def _run(self, node: str, prim: Prim, hist_id: str, promoted: bool = False) -> None:
        self._op(node, prim, hist_id, "start", 0, ago=900)
        if prim.promotable:
            if promoted:
                self._op(node, prim, hist_id, "promote", 0, ago=800)
                self._op(node, prim, hist_id, "monitor", PROMOTED_MONITOR_MS, rc=8,
                         extra={"CRM_meta_role": "Promoted"})
            else:
                self._op(node, prim, hist_id, "monitor", MONITOR_MS, extra={"CRM_meta_role": "Unpromoted"})
        else:
            self._op(node, prim, hist_id, "monitor", MONITOR_MS)

    def _prim_history(self, prim: Prim, hist_id: str, state: str, node: str | None = None) -> None:
        if state == "new" or not self.live:
            return
        node = node or self.pick(self.live)
        if state == "stopped":
            self._probe_elsewhere(prim, hist_id, ())
        elif state == "running":
            self._run(node, prim, hist_id)
            self._probe_elsewhere(prim, hist_id, (node,))
        elif state == "failed_monitor":
            self._op(node, prim, hist_id, "start", 0, ago=900)
            self._op(node, prim, hist_id, "monitor", MONITOR_MS, rc=7, target_rc=0, ago=100)
            self._fail(node, hist_id, "monitor", MONITOR_MS)
            self._probe_elsewhere(prim, hist_id, (node,))
        elif state == "failed_start":
            self._op(node, prim, hist_id, "start", 0, rc=1, target_rc=0, ago=100)
            self._fail(node, hist_id, "start", 0)
            self._probe_elsewhere(prim, hist_id, (node,))
        elif state == "failed_stop":
            self._op(node, prim, hist_id, "start", 0, ago=900)
            self._op(node, prim, hist_id, "stop", 0, rc=1, target_rc=0, ago=100)
            self._fail(node, hist_id, "stop", 0)
        elif state == "probe_found":
            self._op(node, prim, hist_id, "monitor", 0, rc=0, target_rc=7)
            self._probe_elsewhere(prim, hist_id, (node,))
        elif state == "multi":
            others = [n for n in self.live if n != node]
            self._run(node, prim, hist_id)
            if others:
                self._op(self.pick(others), prim, hist_id, "monitor", 0, rc=0, target_rc=7)

    def _clone_history(self, unit: Unit) -> None:
        prim = unit.members[0]
        if not self.live or self.chance(0.2):
            return
        hosts = [n for n in self.live if self.chance(0.7)]
        promoted = self.pick(hosts) if hosts and prim.promotable and self.chance(0.7) else None
        for k, node in enumerate(hosts):
            hist_id = f"{prim.rid}:{k}" if unit.unique else prim.rid
            state = "running" if self.chance(0.85) else self.pick(("failed_monitor", "failed_start"))
            if state == "running":
                self._run(node, prim, hist_id, promoted=node == promoted)
            else:
                self._prim_history(prim, hist_id, state, node)
        if prim.promotable:
            from crm.transition.history import set_transient_attr

            for node in self.live:
                if self.chance(0.7):
                    set_transient_attr(self.states[node], f"master-{prim.rid}",
                                       self.pick(("5", "10", "100", "1000")))
        for node in self.live:
            if node not in hosts and self.chance(0.6):
                self._op(node, prim, prim.rid if not unit.unique else f"{prim.rid}:{len(hosts)}",
                         "monitor", 0, rc=7)


class _Extension:
    """Features drawn from a second random stream, so that the base CIB of a seed is unchanged:
    live migration (``allow-migrate`` with a reason to move), clone notifications, orphans (history
    of resources no longer configured) and resource templates."""

    def __init__(self, seed: int, builder: _Builder, cib: etree._Element) -> None:
        self.rng = random.Random(f"extend-{seed}")
        self.b = builder
        self.cib = cib

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def apply(self) -> None:
        resources = self.cib.find("configuration/resources")
        constraints = self.cib.find("configuration/constraints")
        assert resources is not None and constraints is not None
        self._migration(resources, constraints)
        self._notify(resources)
        if self.b.live and self.chance(0.15):
            self._orphan()
        if self.chance(0.2):
            self._templates(resources)
        self._multiple_active(resources)
        self._on_fail_variants(resources)
        if self.b.live and len(self.b.live) >= 2 and self.chance(0.2):
            self._partial_migration(resources)
        if self.chance(0.1):
            self._unfencing(resources)

    def _meta(self, elem: etree._Element, name: str, value: str) -> None:
        rid = elem.get("id", "")
        block = elem.find("meta_attributes")
        if block is None:
            block = etree.Element("meta_attributes", id=self.b.ids(f"{rid}-meta"))
            elem.insert(0, block)
        etree.SubElement(block, "nvpair", id=self.b.ids(f"{rid}-{name}"), name=name, value=value)

    def _migration(self, resources: etree._Element, constraints: etree._Element) -> None:
        for prim in resources.findall("primitive"):
            if prim.get("type") != "Dummy" or not self.chance(0.4):
                continue
            self._meta(prim, "allow-migrate", "true")
            if len(self.b.live) >= 2 and self.chance(0.5):
                node = self.rng.choice(self.b.live)
                etree.SubElement(constraints, "rsc_location", id=self.b.ids(f"move-{prim.get('id')}"),
                                 rsc=prim.get("id", ""), node=node,
                                 score=self.rng.choice(("100", "1000", "INFINITY")))

    def _notify(self, resources: etree._Element) -> None:
        for clone in resources.findall("clone"):
            if self.chance(0.5):
                self._meta(clone, "notify", "true")

    def _orphan(self) -> None:
        prim = Prim("orphan1", "ocf", "pacemaker", "Dummy")
        node = self.rng.choice(self.b.live)
        if self.chance(0.7):
            self.b._run(node, prim, prim.rid)
        else:
            self.b._op(node, prim, prim.rid, "monitor", 0, rc=7)

    def _multiple_active(self, resources: etree._Element) -> None:
        """``multiple-active`` policies (the base CIB has resources active on two nodes)."""
        for prim in resources.iter("primitive"):
            if prim.get("class") != "stonith" and self.chance(0.15):
                self._meta(prim, "multiple-active",
                           self.rng.choice(("stop_start", "stop_only", "block", "stop_unexpected")))

    def _on_fail_variants(self, resources: etree._Element) -> None:
        """More ``on-fail`` values: on starts, and ``standby`` / ``restart`` / ``ignore`` /
        ``demote`` (promotable) on monitors that have none."""
        for prim in resources.iter("primitive"):
            ops = prim.find("operations")
            if ops is None or prim.get("class") == "stonith":
                continue
            for op in ops.findall("op"):
                if op.get("name") == "monitor" and op.get("on-fail") is None and self.chance(0.2):
                    choices = ["standby", "restart", "ignore", "block"]
                    if prim.get("type") == "Stateful":
                        choices.append("demote")
                    op.set("on-fail", self.rng.choice(choices))
            if self.chance(0.1):
                etree.SubElement(ops, "op", id=self.b.ids(f"{prim.get('id')}-start"), name="start", interval="0",
                                 timeout="20s",
                                 attrib={"on-fail": self.rng.choice(("restart", "stop", "ignore", "standby"))})

    def _partial_migration(self, resources: etree._Element) -> None:
        """A live migration cut short in the history: ``migrate_to`` done on the source, the
        ``migrate_from`` on the target missing, done, or failed."""
        candidates = [p for p in resources.findall("primitive") if p.get("type") == "Dummy"]
        if not candidates:
            return
        elem = self.rng.choice(candidates)
        rid = elem.get("id", "")
        self._meta(elem, "allow-migrate", "true")
        prim = Prim(rid, "ocf", "pacemaker", "Dummy")
        source, target = self.rng.sample(self.b.live, 2)
        for state in list(self.b.states.values()):
            lrm_resources = state.find("lrm/lrm_resources")
            if lrm_resources is None:
                continue
            for entry in lrm_resources.findall("lrm_resource"):
                if entry.get("id") == rid:
                    lrm_resources.remove(entry)
        extra = {"CRM_meta_migrate_source": source, "CRM_meta_migrate_target": target}
        self.b._op(source, prim, rid, "start", 0, ago=900)
        self.b._op(source, prim, rid, "monitor", MONITOR_MS, ago=850)
        self.b._op(source, prim, rid, "migrate_to", 0, ago=300, extra=extra)
        ending = self.rng.choice(("none", "done", "failed"))
        if ending == "done":
            self.b._op(target, prim, rid, "migrate_from", 0, ago=200, extra=extra)
        elif ending == "failed":
            self.b._op(target, prim, rid, "migrate_from", 0, rc=1, target_rc=0, ago=200, extra=extra)

    def _unfencing(self, resources: etree._Element) -> None:
        """A fencing device that unfences (``provides=unfencing``), so resources require unfencing."""
        fence = resources.find("primitive[@id='fencing']")
        if fence is None:
            return
        self._meta(fence, "provides", "unfencing")

    def _templates(self, resources: etree._Element) -> None:
        users = [p for p in resources.iter("primitive") if p.get("type") == "Dummy" and self.chance(0.5)]
        if not users:
            return
        template = etree.Element("template", id="dummy-template", type="Dummy", provider="pacemaker")
        template.set("class", "ocf")
        resources.insert(0, template)
        for prim in users:
            for attr in ("class", "provider", "type"):
                del prim.attrib[attr]
            prim.set("template", "dummy-template")


def generate(seed: int, extended: bool = False) -> etree._Element:
    """The CIB of ``seed`` (deterministic); ``extended`` adds the features of :class:`_Extension`
    to the same CIB."""
    builder = _Builder(seed)
    cib = builder.build()
    if extended:
        _Extension(seed, builder, cib).apply()
    return cib


def to_bytes(cib: etree._Element) -> bytes:
    return etree.tostring(cib, pretty_print=True, encoding="UTF-8")
