"""``pacer-sandbox``: a real N-node pacer cluster on one machine.

Each node has its own ``pacerd``, daemons and state directory under ``DIR/nodeK``.  The
``embedded`` transport (default, no root) links them through one bus process; the
``corosync`` transport (root) runs one corosync per node, each node in its own network
namespace on a private bridge.

    pacer-sandbox up N --dir DIR [--transport embedded|corosync] [--token MS] [--timeout S]
    pacer-sandbox status --dir DIR [--json]
    pacer-sandbox run --dir DIR K -- CMD [ARGS...]
    pacer-sandbox kill|start|stop --dir DIR K
    pacer-sandbox partition --dir DIR 1,2 3
    pacer-sandbox heal --dir DIR
    pacer-sandbox down --dir DIR
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import sys
from pathlib import Path

from crm.sandbox.core import Sandbox, SandboxError

__all__ = ["Sandbox", "SandboxError", "main"]

ENV_DIR = "PACER_SANDBOX_DIR"


def _node(text: str) -> int:
    raw = text.removeprefix("node")
    if not raw.isdigit() or int(raw) < 1:
        raise argparse.ArgumentTypeError(f"not a node number: {text!r}")
    return int(raw)


def _group(text: str) -> list[int]:
    return [_node(item) for item in text.split(",") if item]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pacer-sandbox",
        description="Run a real N-node pacer cluster on this machine (one pacerd per node).",
    )
    parser.add_argument("--version", action="version",
                        version=f"%(prog)s (pacer {importlib.metadata.version('pacer')})")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    default_dir = os.environ.get(ENV_DIR)

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument(
            "--dir", type=Path, default=default_dir, required=default_dir is None,
            help=f"the sandbox directory (default ${ENV_DIR})",
        )
        return p

    up = command("up", "start nodes 1..N and wait until every node sees all N")
    up.add_argument("nodes", type=int, metavar="N")
    up.add_argument("--transport", choices=("embedded", "corosync"), default="embedded")
    up.add_argument("--token", type=int, default=None, metavar="MS", help="corosync totem token timeout")
    up.add_argument("--timeout", type=float, default=90.0, help="seconds to wait for the cluster (default %(default)s)")
    up.add_argument("--netns", action="store_true",
                    help="embedded transport: each node in its own network namespace on a shared switch, "
                         "so that IPaddr2 and services bind real addresses (root)")
    up.add_argument("--fencing", action="store_true",
                    help="configure a fence_pacer_sandbox device (default: a new sandbox has stonith-enabled=false)")

    st = command("status", "each node: running or stopped, pacerd pid, the members it sees")
    st.add_argument("--json", action="store_true")

    run = command("run", "run CMD as a client of node K (PACER_RUN_DIR, and node K's namespace)")
    run.add_argument("node", type=_node, metavar="K")
    run.add_argument("argv", nargs=argparse.REMAINDER, metavar="-- CMD ...")

    kill = command("kill", "SIGKILL every process of node K (a crash)")
    kill.add_argument("node", type=_node, metavar="K")

    start = command("start", "start node K again and wait until it has joined")
    start.add_argument("node", type=_node, metavar="K")
    start.add_argument("--timeout", type=float, default=90.0)
    start.add_argument("--no-wait", action="store_true")

    stop = command("stop", "stop node K cleanly (SIGTERM to its pacerd, then its corosync)")
    stop.add_argument("node", type=_node, metavar="K")
    stop.add_argument("--timeout", type=float, default=90.0)

    part = command("partition", "split the network: each argument is a group, e.g. 1,2 3")
    part.add_argument("groups", type=_group, nargs="+", metavar="GROUP")

    command("heal", "undo partition")

    down = command("down", "stop every node, the bus or corosyncs, and remove namespaces (keeps logs)")
    down.add_argument("--timeout", type=float, default=90.0)
    return parser


def _print_status(rows: list[dict[str, object]]) -> None:
    corosync = any("corosync_pid" in row for row in rows)
    header = ["NODE", "STATE", "PID"] + (["COROSYNC"] if corosync else []) + ["QUORATE", "MEMBERS"]
    table = [header]
    for row in rows:
        quorate = row["quorate"]
        line = [str(row["node"]), str(row["state"]), str(row["pid"] or "-")]
        if corosync:
            line.append(str(row.get("corosync_pid") or "-"))
        members = row["members"]
        line.append("-" if quorate is None else ("yes" if quorate else "no"))
        line.append(" ".join(members) if isinstance(members, list) and members else "-")
        table.append(line)
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    for line in table:
        print("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(line)).rstrip())


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    sandbox = Sandbox(args.dir)
    try:
        if args.command == "up":
            sandbox.up(args.nodes, args.transport, args.token, args.timeout, args.fencing, args.netns)
        elif args.command == "status":
            rows = sandbox.status()
            if args.json:
                print(json.dumps(rows, indent=2))
            else:
                _print_status(rows)
        elif args.command == "run":
            command = list(args.argv)
            if command and command[0] == "--":
                command = command[1:]
            return sandbox.run(args.node, command)
        elif args.command == "kill":
            sandbox.kill(args.node)
        elif args.command == "start":
            sandbox.start(args.node, args.timeout, wait=not args.no_wait)
        elif args.command == "stop":
            sandbox.stop(args.node, args.timeout)
        elif args.command == "partition":
            sandbox.partition(args.groups)
        elif args.command == "heal":
            sandbox.heal()
        elif args.command == "down":
            sandbox.down(args.timeout)
    except SandboxError as err:
        print(f"pacer-sandbox: {err}", file=sys.stderr)
        return err.code
    except KeyboardInterrupt:
        print(f"pacer-sandbox: interrupted; stop what was started with: pacer-sandbox down --dir {sandbox.directory}", file=sys.stderr)
        return 130
    return 0
