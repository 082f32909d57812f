#!/usr/bin/python3 -IS
"""Cluster stand-ins for the DRBD model tests: crm_attribute, crm_master, crm_resource.

Transient node attributes live in ``DRBD_MODEL_ATTRS`` (JSON: node -> name -> value);
every call is appended to ``DRBD_MODEL_CALLS`` (JSON lines).  ``crm_resource --locate``
reports the nodes listed in ``DRBD_MODEL_PROMOTED`` as promoted (the cluster's view).
"""

from __future__ import annotations

import fcntl
import json
import os
import sys

TYPE_CHECKING = False  # keep stand-in start-up fast; type checkers treat this as True
if TYPE_CHECKING:
    from typing import Any


def node() -> str:
    return os.environ.get("DRBD_MODEL_NODE") or os.uname().nodename


def record(tool: str, args: list[str]) -> None:
    path = os.environ.get("DRBD_MODEL_CALLS")
    if path:
        with open(path, "a") as f:
            f.write(json.dumps({"tool": tool, "node": node(), "args": args}) + "\n")


def update_attrs(change: Any) -> Any:
    path = os.environ["DRBD_MODEL_ATTRS"]
    with open(path + ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            with open(path) as f:
                attrs = json.load(f)
        except FileNotFoundError:
            attrs = {}
        result = change(attrs)
        tmp = f"{path}.tmp.{os.getpid()}"
        with open(tmp, "w") as f:
            json.dump(attrs, f, sort_keys=True)
        os.replace(tmp, path)
    return result


def parse(args: list[str]) -> dict[str, str | bool]:
    opts: dict[str, str | bool] = {}
    with_value = {"-N": "node", "--node": "node", "-n": "name", "--name": "name", "-l": "lifetime",
                  "--lifetime": "lifetime", "-v": "value", "--update": "value", "-r": "resource",
                  "--resource": "resource", "-p": "promotion", "--promotion": "promotion"}
    flags = {"-D": "delete", "--delete": "delete", "-G": "query", "--query": "query", "-q": "quiet",
             "--quiet": "quiet", "-Q": "quiet", "--locate": "locate", "-W": "locate"}
    it = iter(args)
    for a in it:
        if "=" in a and a.startswith("--"):
            key, value = a.split("=", 1)
            if key in with_value:
                opts[with_value[key]] = value
                continue
        if a in with_value:
            opts[with_value[a]] = next(it, "")
        elif a in flags:
            opts[flags[a]] = True
    return opts


def attribute(opts: dict[str, str | bool], target: str, name: str) -> int:
    if opts.get("delete"):
        update_attrs(lambda attrs: attrs.setdefault(target, {}).pop(name, None))
        return 0
    if "value" in opts:
        value = str(opts["value"])
        update_attrs(lambda attrs: attrs.setdefault(target, {}).__setitem__(name, value))
        return 0
    if opts.get("query"):
        value = update_attrs(lambda attrs: attrs.get(target, {}).get(name))
        if value is None:
            sys.stderr.write(f"Error performing operation: No such device or address ({name})\n")
            return 105
        sys.stdout.write(f"{value}\n" if opts.get("quiet") else f"scope=status  name={name} value={value}\n")
        return 0
    return 2


def main(argv: list[str]) -> int:
    tool, args = argv[1], argv[2:]
    record(tool, args)
    opts = parse(args)
    if tool == "crm_master":
        instance = os.environ.get("OCF_RESOURCE_INSTANCE", "").split(":")[0]
        return attribute(opts, node(), f"master-{instance}")
    if tool == "crm_attribute":
        return attribute(opts, str(opts.get("node") or node()), str(opts.get("name", "")))
    if tool == "crm_resource":
        if opts.get("locate"):
            rsc = str(opts.get("resource", ""))
            for n in os.environ.get("DRBD_MODEL_PROMOTED", "").split():
                # Pacemaker 2.1.5's wording ("resource %s is running on: %s%s", suffix " Promoted");
                # ocf:linbit:drbd 9.22 still looks for " Master" and so never matches it.
                sys.stdout.write(f"resource {rsc} is running on: {n} Promoted\n")
            return 0
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
