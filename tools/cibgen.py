#!/usr/bin/env python3
"""Synthetic CIB generator for scheduler benchmarks and property tests.

A CIB is described by a :class:`Spec` (nodes, resources, share of resources in groups of
``group_size``, fractions of colocation / order / location constraints, clones, the state of
the status section) and a seed; :func:`generate` is deterministic for the same pair.

Status kinds:
  * ``empty``   every node online, no resource history (first start of a cluster);
  * ``running`` every node online, each resource started on one node (round robin), as
    Pacemaker records it;
  * ``failed``  ``running``, then the first node is lost (left the membership uncleanly).

Usage: tools/cibgen.py --nodes 16 --resources 1000 --status running --seed 1 -o cib.xml
"""

from __future__ import annotations

import argparse
import os
import random
import sys
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from crm.transition.history import OpResult, ensure_resource_history, record_op, transition_key  # noqa: E402

STATUS_KINDS = ("empty", "running", "failed")
FEATURE_SET = "3.16.1"
TE_UUID = "00000000-0000-4000-8000-000000000001"
MONITOR_MS = 10000
SCORES = ("-INFINITY", "-100", "50", "100", "INFINITY")


@dataclass(frozen=True)
class Spec:
    nodes: int = 3
    resources: int = 10
    grouped: float = 0.0  # share of resources placed in groups
    group_size: int = 5
    colocations: float = 0.1  # constraints per resource
    orders: float = 0.1
    locations: float = 0.1
    clones: int = 0  # anonymous clones of one primitive, in addition to ``resources``
    status: str = "empty"
    stonith: bool = False
    probes: bool = True  # with a running status: record "not running" probes on the other nodes

    def __post_init__(self) -> None:
        if self.nodes < 1 or self.resources < 0 or self.group_size < 1 or self.clones < 0:
            raise ValueError(f"invalid spec {self}: counts must be positive")
        if self.status not in STATUS_KINDS:
            raise ValueError(f"invalid status kind {self.status!r}: one of {', '.join(STATUS_KINDS)}")
        for name in ("grouped", "colocations", "orders", "locations"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"invalid spec: {name} must be between 0 and 1")


@dataclass(frozen=True)
class Layout:
    """What was generated, for tests that check the scheduler's decisions."""

    nodes: tuple[str, ...]
    primitives: tuple[str, ...]  # every primitive id (group members included, clone children excluded)
    groups: dict[str, tuple[str, ...]]
    clones: dict[str, str]  # clone id -> primitive id
    colocations: tuple[tuple[str, str, str], ...]  # (rsc, with-rsc, score)
    orders: tuple[tuple[str, str], ...]  # (first, then), mandatory
    locations: tuple[tuple[str, str, str], ...]  # (rsc, node, score)
    failed_node: str | None


def _nvpair(parent: etree._Element, owner: str, name: str, value: str) -> None:
    etree.SubElement(parent, "nvpair", id=f"{owner}-{name}", name=name, value=value)


def _primitive(parent: etree._Element, rid: str) -> etree._Element:
    prim = etree.SubElement(parent, "primitive", id=rid, type="Dummy", provider="pacemaker")
    prim.set("class", "ocf")
    ops = etree.SubElement(prim, "operations")
    etree.SubElement(ops, "op", id=f"{rid}-monitor-10s", name="monitor", interval="10s", timeout="20s")
    return prim


def generate(spec: Spec, seed: int = 0) -> tuple[etree._Element, Layout]:
    """Build the CIB described by ``spec``; the same (spec, seed) always gives the same CIB."""
    rng = random.Random(seed)
    cib = etree.Element(
        "cib",
        {
            "validate-with": "pacemaker-3.7",
            "crm_feature_set": FEATURE_SET,
            "admin_epoch": "0",
            "epoch": "1",
            "num_updates": "0",
            "have-quorum": "1",
            "dc-uuid": "1",
            "execution-date": "1700000000",
        },
    )
    config = etree.SubElement(cib, "configuration")
    crm_config = etree.SubElement(config, "crm_config")
    props = etree.SubElement(crm_config, "cluster_property_set", id="cib-bootstrap-options")
    _nvpair(props, "cib-bootstrap-options", "stonith-enabled", "true" if spec.stonith else "false")
    _nvpair(props, "cib-bootstrap-options", "no-quorum-policy", "ignore")
    nodes_elem = etree.SubElement(config, "nodes")
    nodes = tuple(f"node{i}" for i in range(1, spec.nodes + 1))
    for i, name in enumerate(nodes, 1):
        etree.SubElement(nodes_elem, "node", id=str(i), uname=name)
    resources = etree.SubElement(config, "resources")
    if spec.stonith:
        fence = etree.SubElement(resources, "primitive", id="fencing", type="fence_dummy")
        fence.set("class", "stonith")
    n_grouped = int(spec.resources * spec.grouped) // spec.group_size * spec.group_size
    primitives: list[str] = []
    groups: dict[str, tuple[str, ...]] = {}
    units: list[str] = []  # what constraints refer to: groups and ungrouped primitives
    for g in range(n_grouped // spec.group_size):
        gid = f"grp{g + 1}"
        group = etree.SubElement(resources, "group", id=gid)
        members = []
        for m in range(spec.group_size):
            rid = f"{gid}_r{m + 1}"
            _primitive(group, rid)
            members.append(rid)
        primitives += members
        groups[gid] = tuple(members)
        units.append(gid)
    for r in range(n_grouped, spec.resources):
        rid = f"rsc{r + 1}"
        _primitive(resources, rid)
        primitives.append(rid)
        units.append(rid)
    clones: dict[str, str] = {}
    for c in range(spec.clones):
        cid, child = f"clone{c + 1}", f"cloned{c + 1}"
        clone = etree.SubElement(resources, "clone", id=cid)
        _primitive(clone, child)
        clones[cid] = child
    constraints = etree.SubElement(config, "constraints")
    colocations: list[tuple[str, str, str]] = []
    orders: list[tuple[str, str]] = []
    locations: list[tuple[str, str, str]] = []
    n_units = len(units)
    if n_units >= 2:
        for k in range(int(n_units * spec.colocations)):
            i = rng.randrange(1, n_units)
            j = rng.randrange(0, i)  # dependent comes later than its primary: no cycles
            score = rng.choice(("INFINITY", "INFINITY", "-INFINITY", "100"))
            colocations.append((units[i], units[j], score))
            etree.SubElement(constraints, "rsc_colocation", id=f"col{k + 1}", rsc=units[i],
                             attrib={"with-rsc": units[j], "score": score})
        for k in range(int(n_units * spec.orders)):
            i = rng.randrange(1, n_units)
            j = rng.randrange(0, i)
            orders.append((units[j], units[i]))
            etree.SubElement(constraints, "rsc_order", id=f"ord{k + 1}", first=units[j], then=units[i],
                             kind="Mandatory")
    if n_units:
        for k in range(int(n_units * spec.locations)):
            unit, node, score = rng.choice(units), rng.choice(nodes), rng.choice(SCORES)
            locations.append((unit, node, score))
            etree.SubElement(constraints, "rsc_location", id=f"loc{k + 1}", rsc=unit, node=node, score=score)
    status = etree.SubElement(cib, "status")
    for i, name in enumerate(nodes, 1):
        etree.SubElement(status, "node_state", id=str(i), uname=name, in_ccm="true", crmd="online",
                         join="member", expected="member", attrib={"crm-debug-origin": "cibgen"})
    failed_node = None
    if spec.status in ("running", "failed"):
        _record_running(cib, spec, nodes, primitives, groups, clones)
    if spec.status == "failed":
        failed_node = nodes[0]
        state = status[0]
        state.set("in_ccm", "false")
        state.set("crmd", "offline")
        state.set("join", "down")
    layout = Layout(nodes, tuple(primitives), groups, clones, tuple(colocations), tuple(orders),
                    tuple(locations), failed_node)
    return cib, layout


def _record(cib: etree._Element, node_index: int, rid: str, task: str, interval: int, call_id: int,
            rc: int = 0, cache: dict[tuple[int, str], etree._Element] | None = None) -> None:
    entry = cache.get((node_index, rid)) if cache is not None else None
    if entry is None:
        state = cib.find("status")[node_index]  # type: ignore[index]
        if cache is not None:  # new entries only: skip the search of the node's history
            lrm = state.find("lrm")
            if lrm is None:
                lrm = etree.SubElement(state, "lrm", id=state.get("id", ""))
            container = lrm.find("lrm_resources")
            if container is None:
                container = etree.SubElement(lrm, "lrm_resources")
            entry = etree.SubElement(container, "lrm_resource", id=rid, type="Dummy", provider="pacemaker")
            entry.set("class", "ocf")
            cache[(node_index, rid)] = entry
        else:
            entry = ensure_resource_history(state, rid, rid, "ocf", "Dummy", "pacemaker")
    params = {"CRM_meta_timeout": "20000"}
    if interval:
        params["CRM_meta_interval"] = str(interval)
    record_op(
        entry,
        OpResult(
            rsc_id=rid, task=task, interval_ms=interval, rc=rc, call_id=call_id,
            transition_key=transition_key(call_id, 1, rc, TE_UUID), run_time=1700000000,
            params=params, origin="cibgen",
        ),
        rc,
    )


def _record_running(
    cib: etree._Element,
    spec: Spec,
    nodes: tuple[str, ...],
    primitives: list[str],
    groups: dict[str, tuple[str, ...]],
    clones: dict[str, str],
) -> None:
    in_group = {m: g for g, members in groups.items() for m in members}
    group_node: dict[str, int] = {}
    cache: dict[tuple[int, str], etree._Element] = {}
    for k, rid in enumerate(primitives):
        g = in_group.get(rid)
        if g is not None:
            idx = group_node.setdefault(g, len(group_node) % len(nodes))
        else:
            idx = k % len(nodes)
        if spec.probes:
            for other in range(len(nodes)):
                if other != idx:
                    _record(cib, other, rid, "monitor", 0, 1, rc=7, cache=cache)
        _record(cib, idx, rid, "start", 0, 2, cache=cache)
        _record(cib, idx, rid, "monitor", MONITOR_MS, 3, cache=cache)
    for child in clones.values():
        for idx in range(len(nodes)):
            _record(cib, idx, child, "start", 0, 2, cache=cache)
            _record(cib, idx, child, "monitor", MONITOR_MS, 3, cache=cache)


def to_bytes(cib: etree._Element) -> bytes:
    return etree.tostring(cib, pretty_print=True, xml_declaration=False, encoding="UTF-8")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--nodes", type=int, default=3)
    p.add_argument("--resources", type=int, default=10)
    p.add_argument("--grouped", type=float, default=0.0, help="share of resources in groups")
    p.add_argument("--group-size", type=int, default=5)
    p.add_argument("--colocations", type=float, default=0.1)
    p.add_argument("--orders", type=float, default=0.1)
    p.add_argument("--locations", type=float, default=0.1)
    p.add_argument("--clones", type=int, default=0)
    p.add_argument("--status", choices=STATUS_KINDS, default="empty")
    p.add_argument("--stonith", action="store_true")
    p.add_argument("--no-probes", dest="probes", action="store_false",
                   help="with --status running: no probe results on the other nodes")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("-o", "--output", help="file to write (default: stdout)")
    opts = p.parse_args(argv)
    try:
        spec = Spec(opts.nodes, opts.resources, opts.grouped, opts.group_size, opts.colocations, opts.orders,
                    opts.locations, opts.clones, opts.status, opts.stonith, opts.probes)
    except ValueError as exc:
        p.error(str(exc))
    cib, _ = generate(spec, opts.seed)
    data = to_bytes(cib)
    if opts.output:
        tmp = f"{opts.output}.{os.getpid()}.tmp"
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, opts.output)
    else:
        sys.stdout.buffer.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
