#!/usr/bin/python3 -IS
"""A model of ``ipvsadm`` and the kernel's IPVS table, for tests on machines without ip_vs.

The table lives in the JSON file named by ``IPVSADM_MODEL_STATE``; the commands the
ldirectord agent uses behave as ipvsadm 1.31 does on a real kernel (checked against it in
the VM tests): ``-S -n`` prints the rules, ``-A``/``-E``/``-D``/``-a``/``-e``/``-d`` change
them and fail as ipvsadm does (an existing service, a missing destination, a weight out
of range), ``-C`` clears.  Every call is appended to ``IPVSADM_MODEL_STATE.log``.  It is a
model: the VM tests run the real ipvsadm on a real kernel.
"""

from __future__ import annotations

import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "..", "..", "agents", "lib"))
from lvs_rules import FORWARDING_OF, Destination, Service, service_key

# ipvsadm's messages for the failures the model knows
MESSAGES = {
    "exists": "Service already exists",
    "no-service": "No such service",
    "dest-exists": "Destination already exists",
    "no-dest": "No such destination",
    "weight": "Zero or negative weight",  # ipvsadm's wording for out-of-range weights
}


def load(path: str) -> dict[str, Service]:
    try:
        with open(path) as f:
            raw = json.load(f)
    except FileNotFoundError:
        return {}
    return {k: Service(v["scheduler"], v["persistent"], v["netmask"],
                       {r: Destination(d[0], d[1]) for r, d in v["reals"].items()}) for k, v in raw.items()}


def save(path: str, table: dict[str, Service]) -> None:
    raw = {k: {"scheduler": s.scheduler, "persistent": s.persistent, "netmask": s.netmask,
               "reals": {r: [d.forwarding, d.weight] for r, d in s.reals.items()}} for k, s in table.items()}
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(raw, f)
    os.replace(tmp, path)


def saved_text(table: dict[str, Service]) -> str:
    """``ipvsadm -S -n``: services, each followed by its destinations."""
    flags = {v: k for k, v in FORWARDING_OF.items()}
    lines = []
    for key, service in table.items():
        line = f"-A {key} -s {service.scheduler}"
        if service.persistent is not None:
            line += f" -p {service.persistent}"
            if service.netmask and service.netmask != "255.255.255.255":
                line += f" -M {service.netmask}"
        lines.append(line)
        for real, dest in service.reals.items():
            lines.append(f"-a {key} -r {real} {flags[dest.forwarding]} -w {dest.weight}")
    return "".join(x + "\n" for x in lines)


def apply(table: dict[str, Service], argv: list[str]) -> dict[str, Service]:
    """The table after one command; ValueError with ipvsadm's message where it fails."""
    result = {k: Service(v.scheduler, v.persistent, v.netmask, dict(v.reals)) for k, v in table.items()}
    op = argv[0]
    if op == "-C":
        return {}
    key, index = service_key(argv, 1)
    rest = argv[index:]
    if op in {"-A", "-E"}:
        scheduler, persistent, netmask = "wlc", None, None
        i = 0
        while i < len(rest):
            if rest[i] == "-s":
                scheduler = rest[i + 1]
                i += 2
            elif rest[i] == "-p":
                if i + 1 < len(rest) and rest[i + 1].isdigit():
                    persistent = int(rest[i + 1])
                    i += 2
                else:
                    persistent = 360
                    i += 1
            elif rest[i] == "-M":
                netmask = rest[i + 1]
                i += 2
            else:
                raise ValueError(f"unexpected option {rest[i]!r}")
        if op == "-A" and key in result:
            raise ValueError(MESSAGES["exists"])
        if op == "-E" and key not in result:
            raise ValueError(MESSAGES["no-service"])
        reals = dict(result[key].reals) if op == "-E" else {}
        result[key] = Service(scheduler, persistent, netmask if persistent is not None else None, reals)
        return result
    if key not in result:
        raise ValueError(MESSAGES["no-service"])
    if op == "-D":
        del result[key]
        return result
    reals = dict(result[key].reals)
    real = rest[rest.index("-r") + 1]
    if op == "-d":
        if real not in reals:
            raise ValueError(MESSAGES["no-dest"])
        del reals[real]
    else:
        forwarding = next((FORWARDING_OF[a] for a in rest if a in FORWARDING_OF), "gate")
        weight = int(rest[rest.index("-w") + 1]) if "-w" in rest else 1
        if not 0 <= weight <= 65535:
            raise ValueError(MESSAGES["weight"])
        if op == "-a" and real in reals:
            raise ValueError(MESSAGES["dest-exists"])
        if op == "-e" and real not in reals:
            raise ValueError(MESSAGES["no-dest"])
        if forwarding != "masq":  # ipvsadm gives a routed or tunnelled server the service's port
            host, _, _ = real.rpartition(":")
            real = f"{host}:{key.rsplit(':', 1)[-1] if not key.startswith('-f') else 0}"
        reals[real] = Destination(forwarding, weight)
    service = result[key]
    result[key] = Service(service.scheduler, service.persistent, service.netmask, reals)
    return result


def main(argv: list[str]) -> int:
    path = os.environ["IPVSADM_MODEL_STATE"]
    with open(path + ".log", "a") as log:
        log.write(json.dumps(argv) + "\n")
    table = load(path)
    if argv[:1] == ["-S"]:
        sys.stdout.write(saved_text(table))
        return 0
    try:
        table = apply(table, argv)
    except (ValueError, IndexError) as exc:
        sys.stderr.write(f"{exc}\n")
        return 2
    save(path, table)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
