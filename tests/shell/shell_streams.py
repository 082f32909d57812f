"""A seeded generator of configure-language command streams (valid configurations that
commit), for differential and round-trip tests."""

from __future__ import annotations

import random

NODES = ("node1", "node2")
AGENTS = ("ocf:pacemaker:Dummy", "Dummy", "ocf:heartbeat:Dummy")
ROLES = ("Started", "Stopped")


def _score(r: random.Random) -> str:
    return r.choice(["inf", "-inf", "100", "-50", "0", "+inf", "INFINITY", "200"])


def _expr(r: random.Random) -> str:
    kind = r.randrange(6)
    attr = r.choice(["pingd", "site", "#uname", "load", "kernel"])
    if kind == 0:
        return f"defined {attr}"
    if kind == 1:
        return f"not_defined {attr}"
    if kind == 2:
        return f"{attr} {r.choice(['eq', 'ne', 'lt', 'gt', 'lte', 'gte'])} {r.choice(['1', 'node1', 'east', '10'])}"
    if kind == 3:
        return f"{attr} {r.choice(['number:', 'string:', 'version:'])}{r.choice(['eq', 'gt', 'lte'])} {r.randrange(100)}"
    if kind == 4:
        return r.choice(["date lt 2030-01-01", "date gt 2021-06-01", "date spec hours=9-17 weekdays=1-5", "date in start=2024-01-01 end=2025-01-01"])
    return f"#uname eq {r.choice(NODES)}"


def _rule(r: random.Random) -> str:
    score = r.choice(["inf", "-inf", "50", "pingd", "-100"])
    op = r.choice(["and", "or"])
    exprs = [_expr(r) for _ in range(r.randint(1, 3))]
    return f"rule {score}: " + f" {op} ".join(exprs)


def generate(seed: int) -> str:
    r = random.Random(seed)
    lines = ["configure", "property stonith-enabled=false"]
    if r.random() < 0.5:
        lines.append(f"property no-quorum-policy={r.choice(['ignore', 'stop', 'freeze'])}")
    prims = [f"p{i}" for i in range(r.randint(2, 7))]
    for p in prims:
        parts = [f"primitive {p} {r.choice(AGENTS)}"]
        if r.random() < 0.6:
            parts.append(f"params fake={r.randrange(1000)}" + (f" state=/run/{p}.state" if r.random() < 0.3 else ""))
        if r.random() < 0.5:
            metas = r.sample(
                [f"target-role={r.choice(ROLES)}", "is-managed=true", f"resource-stickiness={r.randrange(500)}", "migration-threshold=3"],
                r.randint(1, 2),
            )
            parts.append("meta " + " ".join(metas))
        if r.random() < 0.4:
            parts.append(f"utilization cpu={r.randint(1, 8)}")
        seen_ops: set[tuple[str, str]] = set()
        for _ in range(r.randint(0, 3)):
            op = r.choice(["monitor", "start", "stop"])
            interval = f"{r.randint(5, 60)}s" if op == "monitor" else "0"
            timeout = f"{r.randint(20, 120)}s"
            if (op, interval) in seen_ops:
                continue  # the same name and interval twice is an error crm_verify reports
            seen_ops.add((op, interval))
            parts.append(f"op {op} interval={interval} timeout={timeout}" + (" on-fail=restart" if r.random() < 0.2 else ""))
        lines.append(" ".join(parts))
    free = list(prims)
    r.shuffle(free)
    containers: list[str] = []
    if len(free) >= 3 and r.random() < 0.7:
        members = [free.pop() for _ in range(r.randint(2, 3))]
        lines.append(f"group g1 {' '.join(members)}" + (" meta target-role=Started" if r.random() < 0.3 else ""))
        containers.append("g1")
    if free and r.random() < 0.6:
        child = free.pop()
        meta = r.choice(["meta interleave=true", "meta clone-max=2 clone-node-max=1", "meta promotable=true promoted-max=1", ""])
        lines.append(f"clone c1 {child} {meta}".rstrip())
        containers.append("c1")
    tops = containers + free
    for i in range(r.randint(0, 4)):
        rsc = r.choice(tops)
        if r.random() < 0.5:
            lines.append(f"location loc{i} {rsc} {_score(r)}: {r.choice(NODES)}")
        else:
            lines.append(f"location loc{i} {rsc} " + " ".join(_rule(r) for _ in range(r.randint(1, 2))))
    if len(tops) >= 2:
        for i in range(r.randint(0, 3)):
            a, b = r.sample(tops, 2)
            if r.random() < 0.5:
                lines.append(f"colocation col{i} {_score(r)}: {a} {b}")
            else:
                kind = r.choice(["Mandatory:", "Optional:", "inf:", "0:", "Serialize:"])
                sym = " symmetrical=false" if r.random() < 0.2 else ""
                lines.append(f"order ord{i} {kind} {a} {b}{sym}")
    if len(tops) >= 3 and r.random() < 0.5:
        a, b, c = r.sample(tops, 3)
        lines.append(r.choice([f"order set1 Mandatory: {a} ( {b} {c} )", f"colocation set1 inf: {a} {b} {c}", f"order set1 inf: [ {a} {b} ] {c}"]))
    if r.random() < 0.5:
        lines.append(f"rsc_defaults resource-stickiness={r.randrange(200)}")
    if r.random() < 0.4:
        lines.append(f"op_defaults timeout={r.randint(20, 120)}s")
    if r.random() < 0.3:
        lines.append(f"tag t1 {' '.join(r.sample(prims, 2))}")
    lines.append("commit")
    return "\n".join(lines) + "\n"


def _ids(text: str) -> tuple[list[str], list[str], list[str], set[str]]:
    """(primitives, groups, every object id, cloned primitives) defined by a generated stream."""
    prims, groups, ids = [], [], []
    cloned: set[str] = set()
    for line in text.splitlines():
        words = line.split()
        if len(words) < 2 or words[0] in ("configure", "commit", "property", "rsc_defaults", "op_defaults"):
            continue
        ids.append(words[1])
        if words[0] == "primitive":
            prims.append(words[1])
        if words[0] == "group":
            groups.append(words[1])
        if words[0] == "clone" and len(words) > 2:
            cloned.add(words[2])
    return prims, groups, ids, cloned


def generate_edits(seed: int) -> tuple[str, dict[str, str]]:
    """A generated configuration, committed, then edited the way people edit: several ids
    deleted at once (referenced ones, missing ones, a constraint with the resource it names),
    ids renamed where constraints, sets and tags name them, group members added and removed,
    a file with comments loaded over it, resource attributes set and deleted, commits.
    Returns the stream and the files it loads (name -> text)."""
    r = random.Random(seed * 7919 + 1)
    text = generate(seed)
    prims, groups, ids, cloned = _ids(text)
    lines = text.rstrip("\n").split("\n")
    files: dict[str, str] = {}
    for step in range(r.randint(2, 5)):
        kind = r.randrange(5)
        if kind == 0 and ids:
            victims = r.sample(ids, min(len(ids), r.randint(1, 3)))
            if r.random() < 0.3:
                victims.append(f"missing{step}")
            lines.append("delete " + " ".join(victims))
            ids = [i for i in ids if i not in victims]
            prims = [i for i in prims if i not in victims]
            groups = [i for i in groups if i not in victims]
        elif kind == 1 and ids:
            old = r.choice(ids)
            new = f"{old}-r{step}"
            lines.append(f"rename {old} {new}")
            ids = [new if i == old else i for i in ids]
            cloned = {new if i == old else i for i in cloned}
            prims = [new if i == old else i for i in prims]
            groups = [new if i == old else i for i in groups]
        elif kind == 2 and groups and prims:
            g, p = r.choice(groups), r.choice(prims)
            where = r.choice(["", f" after {r.choice(prims)}", f" before {r.choice(prims)}"])
            lines.append(f"modgroup {g} {r.choice(['add', 'remove'])} {p}{where}")
        elif kind == 3 and prims:
            p = r.choice(prims)
            lines += ["commit", "up", f"resource meta {p} set target-role {r.choice(ROLES)}", f"resource param {p} delete fake"]
            if r.random() < 0.5:
                lines.append(f"resource {r.choice(['unmanage', 'manage'])} {p}")
            lines.append("configure")
        elif kind == 4 and prims:
            p = r.choice(prims)
            body = [f"# edited by hand, step {step}", f"primitive {p} ocf:pacemaker:Dummy params fake={r.randrange(100)}"]
            if r.random() < 0.5 and p not in cloned:  # a constraint on a clone's child is an error
                body += ["# a new one", f"primitive new{step} Dummy", f"colocation new{step}-with-{p} inf: new{step} {p}"]
                ids.append(f"new{step}")
                prims.append(f"new{step}")
            files[f"edit{step}.crm"] = "\n".join(body) + "\n"
            lines.append(f"load update edit{step}.crm")
        lines.append("commit")
    return "\n".join(lines) + "\n", files
