"""``crmadmin``: query the controller, as Pacemaker 2.1.5's tool does.

* ``-D``/``--dc_lookup``: ``Designated Controller is: node1`` (``-q``: the name only);
* ``-N``/``--nodes [TYPE]``: ``cluster node: node1 (1)`` for every node of the CIB's nodes
  section (``-q``: names only, ``-B``: ``export node1=1``), types ``all``, ``cluster``,
  ``guest``, ``remote``; ``No nodes configured`` when none matches;
* ``-S``/``--status NODE``: ``Controller on node1 in state S_IDLE: ok`` (``-q``: the state).
  The local controller answers for itself; for another node it relays the ``ping`` when it
  can (the reply names that node), else the state is derived: a member that is not the DC is
  ``S_NOT_DC``, the DC is ``S_IDLE`` when the CIB leaves the scheduler nothing to do, else
  ``S_TRANSITION_ENGINE``.  A node that is not a member never answers: Pacemaker waits for the
  timeout, we say the same at once (exit 124);
* ``-t``/``--timeout TIMESPEC``, ``-q``, ``-V``, ``--version``.

When pacer is not running on the node, one line says so and the exit code is 102.

The helpers below (the controller's socket, the scheduler's view of pending actions) are
shared with ``crm_resource``'s live agent actions.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lxml import etree

from crm.cib.errors import CibError
from crm.cli import live_errors
from crm.cli.cib_source import CibSource
from crm.cluster.node import run_dir_from_environment
from crm.common.durations import parse_ms
from crm.ipc.client import DaemonError, DaemonNotRunning, IpcClient

__all__ = [
    "CONTROLD_SOCKET",
    "ControllerTimeout",
    "controller_call",
    "controller_state",
    "main",
    "pending_actions",
]

PROG = "crmadmin"
CONTROLD_SOCKET = "controld.sock"
DEFAULT_TIMEOUT_MS = 30_000
EXIT_USAGE = 64
EXIT_TIMEOUT = 124
EXIT_DISCONNECT = 102
VERSION = "Pacemaker 2.1.5 (pacer)\nWritten by Andrew Beekhof and the Pacemaker project contributors"

HELP = """Usage:
  crmadmin [OPTION?]

query and manage the Pacemaker controller

Help Options:
  -h, --help                 Show help options

Commands:
  -S, --status=NODE          Display the status of the specified node.
                             Result is state of node's internal finite state
                             machine, which can be useful for debugging
  -D, --dc_lookup            Display the uname of the node co-ordinating the cluster.
                             This is an internal detail rarely useful to
                             administrators except when deciding on which
                             node to examine the logs.
  -N, --nodes=TYPE           Display the uname of all member nodes [optionally filtered by type (comma-separated)]
                             Types: all (default), cluster, guest, remote

Additional Options:
  -t, --timeout=TIMESPEC     Time  to wait before declaring the operation
                             failed
  -B, --bash-export          Display nodes as shell commands of the form 'export uname=uuid'
                             (valid with -N/--nodes)

Application Options:
  -$, --version              Display software version and exit
  -V, --verbose              Increase debug output (may be specified multiple times)
  -q, --quiet                Display only the essential query information

Time Specification:

The TIMESPEC in any command line option can be specified in many different
formats.  It can be just an integer number of seconds, a number plus units
(ms/msec/us/usec/s/sec/m/min/h/hr), or an ISO 8601 period specification.
"""


class ControllerTimeout(DaemonError):
    def __init__(self, timeout_ms: int) -> None:
        super().__init__(f"No reply received from controller before timeout ({timeout_ms}ms)", EXIT_TIMEOUT)
        self.timeout_ms = timeout_ms


# -- shared with crm_resource ---------------------------------------------------------------
def controller_path(environ: Mapping[str, str] | None = None) -> Path:
    return run_dir_from_environment(environ) / CONTROLD_SOCKET


def controller_call(request: dict[str, Any], timeout_ms: int = DEFAULT_TIMEOUT_MS,
                    environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """One request to the local controller; :class:`DaemonNotRunning` (rc 102) when there is
    none, :class:`ControllerTimeout` (rc 124) when it does not answer in time."""
    path = controller_path(environ)
    with IpcClient(path, "controller", timeout=max(timeout_ms, 1) / 1000) as client:
        try:
            return client.call(request)
        except DaemonError as err:
            if err.rc == EXIT_TIMEOUT:
                raise ControllerTimeout(timeout_ms) from None
            raise


def pending_actions(root: etree._Element) -> list[Any]:
    """The actions the scheduler would still have the cluster do on this CIB (not pseudo
    actions): Pacemaker's ``crm_resource --wait`` test of a settled cluster."""
    from crm.transition.graph import ActionKind, parse_graph
    from pengine import schedule

    copy = etree.fromstring(etree.tostring(root))
    result = schedule(copy, now=datetime.now(UTC))
    graph = parse_graph(result.graph_xml)
    return [s.action for s in graph.synapses if s.action.kind is not ActionKind.PSEUDO]


def controller_state(node: str, timeout_ms: int = DEFAULT_TIMEOUT_MS,
                     environ: Mapping[str, str] | None = None) -> tuple[str, str]:
    """``(fsa state, result)`` of ``node``'s controller, as ``crmadmin -S`` shows it."""
    reply = controller_call({"op": "ping", "node": node}, timeout_ms, environ)
    if reply.get("node") == node:
        return str(reply.get("state") or "S_NOT_DC"), str(reply.get("result") or "ok")
    members = controller_call({"op": "nodes"}, timeout_ms, environ).get("members", [])
    if node not in {str(m.get("name")) for m in members if isinstance(m, dict)}:
        raise ControllerTimeout(timeout_ms)  # nobody would ever answer
    if reply.get("dc") != node:
        return "S_NOT_DC", "ok"
    source = live_errors.live_source(environ)
    if source is None:
        return "S_IDLE", "ok"
    root = source.read().root
    return ("S_TRANSITION_ENGINE" if pending_actions(root) else "S_IDLE"), "ok"


# -- the tool --------------------------------------------------------------------------------
def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, add_help=False)
    parser.add_argument("-h", "--help", "--help-all", action="store_true")
    parser.add_argument("-S", "--status", metavar="NODE")
    parser.add_argument("-D", "--dc_lookup", action="store_true")
    parser.add_argument("-N", "--nodes", nargs="?", const="all", metavar="TYPE")
    parser.add_argument("-P", "--pacemakerd", action="store_true")
    parser.add_argument("-t", "--timeout", metavar="TIMESPEC")
    parser.add_argument("-B", "--bash-export", action="store_true")
    parser.add_argument("-i", "--ipc-name", metavar="NAME")
    parser.add_argument("-$", "--version", action="store_true")
    parser.add_argument("-V", "--verbose", action="count", default=0)
    parser.add_argument("-q", "--quiet", action="store_true")
    parser.add_argument("--output-as", choices=("text",), default="text")
    return parser


def _usage_error(message: str) -> int:
    sys.stderr.write(f"{message}\n")
    sys.stderr.write(HELP.split("Commands:")[0].rstrip() + "\n")
    return EXIT_USAGE


def list_nodes(root: etree._Element, types: str, quiet: bool, bash_export: bool) -> list[str]:
    """``crmadmin -N``: Pacemaker's ``pcmk__list_nodes`` on the CIB."""
    wanted = {t.strip() for t in types.split(",") if t.strip()} or {"all"}
    every = "all" in wanted
    found: list[tuple[str, str, str]] = []  # (type, name, id)
    if every or "cluster" in wanted or "member" in wanted:
        for node in root.iterfind("configuration/nodes/node"):
            if node.get("type") in (None, "member"):
                found.append(("cluster", node.get("uname", ""), node.get("id", "")))
    if every or "guest" in wanted:
        for pair in root.iterfind(".//configuration//primitive//meta_attributes//nvpair"):
            if pair.get("name") == "remote-node":
                found.append(("guest", pair.get("value", ""), pair.get("value", "")))
    if every or "remote" in wanted:
        for prim in root.iterfind(".//configuration//primitive"):
            if prim.get("type") == "remote" and prim.get("provider") == "pacemaker":
                found.append(("remote", prim.get("id", ""), prim.get("id", "")))
    if not found:
        return ["No nodes configured"]
    if quiet:
        return [name for _, name, _ in found]
    if bash_export:
        return [f"export {name}={ident}" for _, name, ident in found]
    return [f"{kind} node: {name} ({ident})" for kind, name, ident in found]


def run(argv: Sequence[str]) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(list(argv))
    except SystemExit as exc:
        return EXIT_USAGE if exc.code else 0
    if args.help:
        sys.stdout.write(HELP)
        return 0
    if args.version:
        print(VERSION)
        return 0
    timeout_ms = DEFAULT_TIMEOUT_MS
    if args.timeout is not None:
        parsed = parse_ms(args.timeout)
        if parsed is None or parsed <= 0:
            return _usage_error(f"{PROG}: Invalid value '{args.timeout}' for --timeout")
        timeout_ms = parsed
    commands = [c for c in ("status", "dc_lookup", "nodes", "pacemakerd") if getattr(args, c)]
    if not commands:
        return _usage_error("error: Must specify a command option")
    command = commands[-1]
    try:
        if command == "nodes":
            source = CibSource.from_environment()  # as Pacemaker's cib_new: CIB_file/CIB_shadow too
            for line in list_nodes(source.read().root, args.nodes, args.quiet, args.bash_export):
                print(line)
            return 0
        if command == "dc_lookup":
            dc = controller_call({"op": "dc"}, timeout_ms).get("dc")
            if args.quiet:
                if dc:
                    print(dc)
            else:
                print(f"Designated Controller is: {dc or 'not yet elected'}")
            return 0
        if command == "status":
            state, result = controller_state(args.status, timeout_ms)
            print(state if args.quiet else f"Controller on {args.status} in state {state}: {result}")
            return 0
        # -P: pacerd supervises the daemons; a live controller means it is running
        controller_call({"op": "ping"}, timeout_ms)
        print("running" if args.quiet else "Status of pacemakerd: Pacemaker is running (running)")
        return 0
    except ControllerTimeout as err:
        sys.stderr.write(f"error: {err}\nerror: Command failed: Connection timed out\n")
        return EXIT_TIMEOUT
    except DaemonNotRunning as err:
        return live_errors.report(PROG, err, sys.stderr, EXIT_DISCONNECT, file_hint=False)
    except DaemonError as err:
        sys.stderr.write(live_errors.one_line(PROG, err, file_hint=False))
        return err.rc if err.rc else 1
    except CibError as err:
        return live_errors.report(PROG, err, sys.stderr, file_hint=False)


def main(argv: Sequence[str] | None = None) -> int:
    return run(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    raise SystemExit(main())
