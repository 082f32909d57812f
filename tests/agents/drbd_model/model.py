#!/usr/bin/python3 -IS
"""A model of DRBD 9 (kernel + drbdadm/drbdsetup) for testing DRBD resource agents.

This machine's kernel has no DRBD, so agents are tested against this model instead:
``bin/drbdadm`` and ``bin/drbdsetup`` call :func:`main` with the tool name.  All
simulated nodes share one JSON state file (``DRBD_MODEL_STATE``); the calling node is
``DRBD_MODEL_NODE``.  The model covers roles (Primary/Secondary/Unconfigured),
connection states (Connected, Connecting, StandAlone), disk states (UpToDate,
Inconsistent, Outdated, Consistent, Diskless, DUnknown for an unknown peer), data
generations with resync on reconnect, split brain (both sides wrote while apart: both
go StandAlone), the resource-only fencing policy (a Primary that loses its peer
outdates it) and the exit codes of ``drbdadm primary`` (17: no access to UpToDate
data, 11: a connected peer is Primary without allow-two-primaries).

It is a model, not DRBD: tests that use it are "model" tests.

Control commands for tests (``model.py ctl ...``):
``init <res> <node> <node> [--allow-two-primaries] [--fencing resource-only]``,
``disk <node> <state>``, ``link up|down``, ``crash <node>``, ``write <node>``, ``show``.
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

TYPE_CHECKING = False  # typing costs ~10 ms per stand-in call; type checkers treat this as True
if TYPE_CHECKING:
    from typing import Any

    State = dict[str, Any]

KERNEL_VERSION_CODE = "0x090200"
UTILS_VERSION_CODE = "0x091600"
GOOD_DISK = "UpToDate"


class ModelError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code




def state_path() -> str:
    path = os.environ.get("DRBD_MODEL_STATE")
    if not path:
        raise ModelError(20, "DRBD_MODEL_STATE is not set")
    return path


@contextmanager
def locked_state() -> Iterator[State]:
    """Load the shared state under an exclusive lock; write it back atomically."""
    path = state_path()
    with open(path + ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            with open(path) as f:
                state: State = json.load(f)
        except FileNotFoundError:
            state = {"resources": {}, "log": []}
        before = json.dumps(state, sort_keys=True)
        yield state
        if json.dumps(state, sort_keys=True) != before:
            tmp = f"{path}.tmp.{os.getpid()}"
            with open(tmp, "w") as f:
                json.dump(state, f, indent=1, sort_keys=True)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)


def new_node() -> dict[str, Any]:
    # up: resource exists in the "kernel"; attached: backing disk attached;
    # net: connection wanted (not StandAlone); disk: persistent state of the backing disk
    return {"up": False, "attached": False, "net": False, "role": "Secondary", "disk": GOOD_DISK,
            "gen": 1, "split_brain": False}


def init(state: State, res: str, nodes: list[str], allow_two: bool, fencing: str) -> None:
    state["resources"][res] = {
        "nodes": nodes,
        "allow_two_primaries": allow_two,
        "fencing": fencing,
        "link": True,
        "synced_gen": 1,
        "next_gen": 2,
        "node": {n: new_node() for n in nodes},
    }


def resource(state: State, res: str) -> dict[str, Any]:
    r = state["resources"].get(res)
    if r is None:
        raise ModelError(10, f"'{res}' not defined in your config (for this host).")
    return dict(r)


def peers(r: dict[str, Any], me: str) -> list[str]:
    return [n for n in r["nodes"] if n != me]


def wants_connection(n: dict[str, Any]) -> bool:
    return bool(n["up"] and n["net"] and not n["split_brain"])


def connected(r: dict[str, Any], a: str, b: str) -> bool:
    na, nb = r["node"][a], r["node"][b]
    return bool(r["link"] and wants_connection(na) and wants_connection(nb))


def connection_state(r: dict[str, Any], me: str, peer: str) -> str:
    n = r["node"][me]
    if not n["net"] or n["split_brain"]:
        return "StandAlone"
    return "Connected" if connected(r, me, peer) else "Connecting"


def disk_state(n: dict[str, Any]) -> str:
    return str(n["disk"]) if n["attached"] else "Diskless"


def settle(r: dict[str, Any]) -> None:
    """Apply what DRBD does on its own: handshake (resync or split brain) between
    connected nodes, and fencing when a Primary has lost its peer."""
    nodes = r["nodes"]
    for i, a in enumerate(nodes):
        for b in nodes[i + 1:]:
            na, nb = r["node"][a], r["node"][b]
            if connected(r, a, b):
                if not (na["attached"] and nb["attached"]):
                    continue
                ahead_a, ahead_b = na["gen"] > r["synced_gen"], nb["gen"] > r["synced_gen"]
                if ahead_a and ahead_b and na["gen"] != nb["gen"]:
                    # both sides wrote while apart: split brain, both drop to StandAlone
                    na["split_brain"] = nb["split_brain"] = True
                    continue
                good = [n for n in (na, nb) if n["disk"] == GOOD_DISK]
                if ahead_a or ahead_b:
                    source = na if ahead_a else nb
                    if source["disk"] == GOOD_DISK:
                        good = [source]
                if good:
                    source = max(good, key=lambda n: n["gen"])
                    for n in (na, nb):
                        n["disk"] = GOOD_DISK  # (instant) resync from source
                        n["gen"] = source["gen"]
                    r["synced_gen"] = source["gen"]
            elif r["fencing"] == "resource-only":
                # the Primary's fence-peer handler outdates the peer it cannot reach
                for primary, other in ((na, nb), (nb, na)):
                    if (primary["up"] and primary["role"] == "Primary" and other["up"] and other["attached"]
                            and other["role"] == "Secondary" and other["disk"] == GOOD_DISK):
                        other["disk"] = "Outdated"


def events2(r: dict[str, Any], res: str, me: str) -> list[str]:
    n = r["node"][me]
    lines = []
    if n["up"]:
        lines.append(f"exists resource name:{res} role:{n['role']} suspended:no write-ordering:flush")
        for pid, peer in enumerate(r["nodes"]):
            if peer == me:
                continue
            cstate = connection_state(r, me, peer)
            is_conn = cstate == "Connected"
            prole = r["node"][peer]["role"] if is_conn else "Unknown"
            lines.append(f"exists connection name:{res} peer-node-id:{pid} conn-name:{peer} "
                         f"connection:{cstate} role:{prole}")
        lines.append(f"exists device name:{res} volume:0 minor:0 disk:{disk_state(n)} client:no quorum:yes")
        for pid, peer in enumerate(r["nodes"]):
            if peer == me:
                continue
            is_conn = connection_state(r, me, peer) == "Connected"
            pdisk = disk_state(r["node"][peer]) if is_conn else "DUnknown"
            repl = "Established" if is_conn else "Off"
            lines.append(f"exists peer-device name:{res} peer-node-id:{pid} conn-name:{peer} volume:0 "
                         f"replication:{repl} peer-disk:{pdisk} peer-client:no resync-suspended:no")
    lines.append("exists -")
    return lines


def primary(r: dict[str, Any], me: str) -> None:
    n = r["node"][me]
    if not n["up"]:
        raise ModelError(10, f"{me}: resource is not configured (down)")
    good_peer = any(connected(r, me, p) and r["node"][p]["attached"] and r["node"][p]["disk"] == GOOD_DISK
                    for p in peers(r, me))
    local_good = n["attached"] and n["disk"] == GOOD_DISK
    if not (local_good or good_peer):
        raise ModelError(17, "State change failed: (-2) Need access to UpToDate data")
    if not r["allow_two_primaries"] and any(connected(r, me, p) and r["node"][p]["role"] == "Primary"
                                            for p in peers(r, me)):
        raise ModelError(11, "State change failed: (-1) Multiple primaries not allowed by config")
    n["role"] = "Primary"


def down(n: dict[str, Any]) -> None:
    n.update(up=False, attached=False, net=False, role="Secondary", split_brain=False)


def drbdadm(state: State, me: str, args: list[str]) -> list[str]:
    # global options: -c FILE, -S/--stacked, -d (dry run), -v
    dry_run = False
    rest: list[str] = []
    it = iter(args)
    for a in it:
        if a == "-c":
            next(it, None)
        elif a in {"-S", "--stacked"}:
            raise ModelError(10, "stacked resources are not modelled")
        elif a == "-d":
            dry_run = True
        elif a in {"-v", "--verbose"}:
            continue
        else:
            rest.append(a)
    if rest == ["--version"] or rest[:1] == ["--version"]:
        code = "0" if os.environ.get("DRBD_MODEL_NO_KERNEL") else KERNEL_VERSION_CODE
        return ["DRBDADM_BUILDTAG=model", "DRBDADM_API_VERSION=2", f"DRBD_KERNEL_VERSION_CODE={code}",
                "DRBD_KERNEL_VERSION=9.2.0", f"DRBDADM_VERSION_CODE={UTILS_VERSION_CODE}",
                "DRBDADM_VERSION=9.22.0"]
    if not rest:
        raise ModelError(20, "usage: drbdadm COMMAND RESOURCE")
    cmd, targets = rest[0], [a for a in rest[1:] if not a.startswith("-")]
    skip_net = "--skip-net" in rest
    if cmd == "sh-mod-parms":
        return []
    if not targets:
        raise ModelError(20, f"drbdadm {cmd}: missing resource name")
    res = targets[0].split(":")[0]
    r = resource(state, res)
    if me not in r["node"]:
        raise ModelError(10, f"'{res}' not defined in your config (for this host {me}).")
    n = r["node"][me]
    out: list[str] = []
    if cmd == "sh-dev":
        return [f"{os.environ.get('DRBD_MODEL_DEV_DIR', '/dev')}/drbd0"]
    if cmd in {"dump"}:
        out = [f"resource {res} {{", "    net {"]
        if r["allow_two_primaries"]:
            out.append("        allow-two-primaries yes;")
        out += [f"        fencing {r['fencing']};", "    }", "}"]
        return out
    if dry_run:
        return [f"drbdsetup {cmd} {res}"]
    if os.environ.get("DRBD_MODEL_NO_KERNEL"):
        raise ModelError(20, "Could not connect to 'drbd' generic netlink family")
    if cmd in {"new-resource", "new-minor"}:
        n["up"] = True
    elif cmd in {"attach"}:
        n.update(up=True, attached=True)
    elif cmd in {"adjust", "up"}:
        n.update(up=True, attached=True)
        if not skip_net:
            n["net"] = True
    elif cmd == "connect":
        n["net"] = True
    elif cmd == "disconnect":
        n["net"] = False
    elif cmd == "primary":
        primary(r, me)
    elif cmd == "secondary":
        n["role"] = "Secondary"
    elif cmd == "down":
        down(n)
    elif cmd == "outdate":
        if n["role"] == "Primary":
            raise ModelError(17, "State change failed: (-7) Refusing to be Outdated while Primary")
        if n["disk"] in {GOOD_DISK, "Consistent"}:
            n["disk"] = "Outdated"
    elif cmd in {"check-resize", "unfence-peer", "wait-connect", "resize"}:
        pass
    else:
        raise ModelError(20, f"drbdadm {cmd}: not modelled")
    settle(r)
    state["resources"][res] = r
    return out


def drbdsetup(state: State, me: str, args: list[str]) -> list[str]:
    if not args:
        raise ModelError(20, "usage: drbdsetup COMMAND ...")
    cmd, targets = args[0], [a for a in args[1:] if not a.startswith("-")]
    if os.environ.get("DRBD_MODEL_NO_KERNEL"):
        raise ModelError(20, "Could not connect to 'drbd' generic netlink family")
    if cmd == "events2":
        if not targets:
            raise ModelError(20, "events2 without a resource is not modelled")
        res = targets[0]
        r = state["resources"].get(res)
        if r is None or me not in r["node"]:
            return ["exists -"]
        return events2(r, res, me)
    if cmd in {"wait-connect-resource", "wait-connect-connection", "wait-connect", "wait-sync-resource"}:
        return []
    if cmd == "down":
        res = targets[0]
        r = resource(state, res)
        down(r["node"][me])
        settle(r)
        state["resources"][res] = r
        return []
    raise ModelError(20, f"drbdsetup {cmd}: not modelled")


def ctl(state: State, args: list[str]) -> list[str]:
    cmd = args[0] if args else "show"
    if cmd == "init":
        res, nodes = args[1], [a for a in args[2:] if not a.startswith("--")]
        fencing = "resource-only" if "--fencing=resource-only" in args else "dont-care"
        init(state, res, nodes, "--allow-two-primaries" in args, fencing)
        return []
    if cmd == "show":
        return [json.dumps(state, indent=1, sort_keys=True)]
    res = os.environ.get("DRBD_MODEL_RESOURCE", "r0")
    r = resource(state, res)
    if cmd == "disk":  # disk NODE STATE: the backing disk's state (e.g. Inconsistent)
        r["node"][args[1]]["disk"] = args[2]
    elif cmd == "link":  # link up|down: the replication network
        r["link"] = args[1] == "up"
    elif cmd == "crash":  # crash NODE: the node dies; DRBD there is gone
        n = r["node"][args[1]]
        n.update(up=False, attached=False, net=False, role="Secondary")
    elif cmd == "write":  # write NODE: the Primary writes; replicated if connected
        me = args[1]
        n = r["node"][me]
        if n["role"] != "Primary" or not n["up"]:
            raise ModelError(1, f"{me} is not Primary; cannot write")
        n["gen"] = r["next_gen"]  # generations are unique, so diverged writes never look alike
        r["next_gen"] += 1
        for p in peers(r, me):
            if connected(r, me, p) and r["node"][p]["attached"]:
                r["node"][p]["gen"] = n["gen"]
                r["synced_gen"] = n["gen"]
    elif cmd == "resolve":  # resolve NODE: discard NODE's data (split-brain recovery)
        victim = r["node"][args[1]]
        victim["split_brain"] = False
        victim["gen"] = r["synced_gen"]
        for p in peers(r, args[1]):
            r["node"][p]["split_brain"] = False
    else:
        raise ModelError(20, f"ctl {cmd}: unknown")
    settle(r)
    state["resources"][res] = r
    return []


def main(argv: list[str]) -> int:
    tool, args = os.path.basename(argv[0]), argv[1:]
    if tool == "model.py" and args:
        tool, args = args[0], args[1:]
    me = os.environ.get("DRBD_MODEL_NODE") or os.uname().nodename
    try:
        with locked_state() as state:
            state.setdefault("log", []).append(f"{me}: {tool} {' '.join(args)}")
            if tool == "drbdadm":
                out = drbdadm(state, me, args)
            elif tool == "drbdsetup":
                out = drbdsetup(state, me, args)
            elif tool == "ctl":
                out = ctl(state, args)
            else:
                raise ModelError(20, f"unknown tool {tool}")
    except ModelError as exc:
        sys.stderr.write(f"{tool}: {exc}\n")
        return exc.code
    for line in out:
        sys.stdout.write(line + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
