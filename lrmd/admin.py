"""``lrmadmin``: low-level command line client for a running lrmd.

Examples::

    lrmadmin register d1 ocf Dummy heartbeat
    lrmadmin exec d1 start -p state=/tmp/d1.state
    lrmadmin exec d1 monitor --interval 10000 --no-wait
    lrmadmin watch                      # stream results as they come
    lrmadmin history d1 --xml
    lrmadmin cancel d1 monitor 10000
    lrmadmin metadata ocf Dummy heartbeat

``exec`` exits with the operation's rc (or 1 when the op-status is not "done").
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.metadata
import json
import os
import sys
from collections.abc import Sequence

from lrmd.client import LrmdClient, LrmdError
from lrmd.codes import ExecStatus, rc_text
from lrmd.operation import OpRequest, OpResult, RequestError
from lrmd.protocol import DEFAULT_SOCKET


def _params(pairs: Sequence[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise RequestError(f"parameter {pair!r} is not NAME=VALUE")
        params[name] = value
    return params


def _describe(result: OpResult) -> str:
    text = (
        f"{result.operation_key} call-id={result.call_id} rc={result.rc} ({rc_text(result.rc)}) "
        f"op-status={result.op_status} ({ExecStatus(result.op_status).text}) "
        f"exec-time={result.exec_time_ms}ms queue-time={result.queue_time_ms}ms"
    )
    if result.exit_reason:
        text += f" exit-reason={result.exit_reason!r}"
    return text


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lrmadmin", description="talk to a running pacer lrmd")
    parser.add_argument("--version", action="version",
                        version=f"%(prog)s (pacer {importlib.metadata.version('pacer')})")
    parser.add_argument("-s", "--socket", default=os.environ.get("PACER_LRMD_SOCKET", DEFAULT_SOCKET))
    parser.add_argument("--json", action="store_true", help="print raw JSON replies")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("ping")
    reg = sub.add_parser("register", help="register a resource")
    reg.add_argument("rsc_id")
    reg.add_argument("agent_class", metavar="class")
    reg.add_argument("agent_type", metavar="type")
    reg.add_argument("provider", nargs="?")
    unreg = sub.add_parser("unregister")
    unreg.add_argument("rsc_id")
    ex = sub.add_parser("exec", help="run an operation")
    ex.add_argument("rsc_id")
    ex.add_argument("action")
    ex.add_argument("--interval", type=int, default=0, help="ms")
    ex.add_argument("--timeout", type=int, default=20000, help="ms")
    ex.add_argument("-p", "--param", action="append", default=[], metavar="NAME=VALUE")
    ex.add_argument("--transition-key")
    ex.add_argument("--changes-only", action="store_true")
    ex.add_argument("--no-wait", action="store_true")
    cancel = sub.add_parser("cancel", help="cancel a recurring operation")
    cancel.add_argument("rsc_id")
    cancel.add_argument("action")
    cancel.add_argument("interval", type=int)
    sub.add_parser("list")
    hist = sub.add_parser("history")
    hist.add_argument("rsc_id")
    hist.add_argument("--xml", action="store_true")
    meta = sub.add_parser("metadata")
    meta.add_argument("agent_class", metavar="class")
    meta.add_argument("agent_type", metavar="type")
    meta.add_argument("provider", nargs="?")
    agents = sub.add_parser("agents")
    agents.add_argument("agent_class", metavar="class")
    agents.add_argument("provider", nargs="?")
    watch = sub.add_parser("watch", help="print results as they arrive")
    watch.add_argument("--count", type=int, default=0, help="stop after N events")
    return parser


async def _run(args: argparse.Namespace) -> int:
    client = await LrmdClient.connect(args.socket)
    try:
        return await _command(client, args)
    finally:
        await client.close()


async def _command(client: LrmdClient, args: argparse.Namespace) -> int:
    cmd = args.command
    if cmd == "ping":
        print(json.dumps(await client.ping()))
    elif cmd == "register":
        await client.register(args.rsc_id, args.agent_class, args.agent_type, args.provider)
    elif cmd == "unregister":
        await client.unregister(args.rsc_id)
    elif cmd == "exec":
        request = OpRequest(
            args.rsc_id,
            args.action,
            args.interval,
            args.timeout,
            _params(args.param),
            transition_key=args.transition_key,
            notify_changes_only=args.changes_only,
        )
        if args.no_wait:
            print(f"call-id {await client.submit(request)}")
            return 0
        result = await client.exec(request)
        print(json.dumps(result.to_dict(), indent=2) if args.json else _describe(result))
        if not args.json and result.output.strip():
            print(result.output.rstrip())
        return result.rc if result.op_status == ExecStatus.DONE else 1
    elif cmd == "cancel":
        if not await client.cancel(args.rsc_id, args.action, args.interval):
            print(f"no recurring {args.action} every {args.interval}ms on {args.rsc_id}", file=sys.stderr)
            return 1
    elif cmd == "list":
        for rsc in await client.resources():
            line = f"{rsc['rsc_id']}\t{rsc['class']}:{rsc['provider'] or ''}:{rsc['type']}"
            recurring = ", ".join(f"{r['action']}/{r['interval_ms']}ms" for r in rsc["recurring"])
            print(line + (f"\trecurring: {recurring}" if recurring else ""))
    elif cmd == "history":
        if args.xml:
            print(await client.history_xml(args.rsc_id))
        else:
            for history_id, result in await client.history(args.rsc_id):
                print(f"{history_id}: {_describe(result)}")
    elif cmd == "metadata":
        reply = await client.metadata(args.agent_class, args.agent_type, args.provider)
        if reply["rc"] != 0:
            print(f"meta-data failed: rc {reply['rc']} {reply.get('exit_reason', '')}", file=sys.stderr)
            return int(reply["rc"]) or 1
        print(reply["metadata"], end="")
    elif cmd == "agents":
        reply = await client.agents(args.agent_class, args.provider)
        print("\n".join(reply["agents"]))
    elif cmd == "watch":
        await client.subscribe()
        seen = 0
        async for result in client.events():
            print(json.dumps(result.to_dict()) if args.json else _describe(result), flush=True)
            seen += 1
            if args.count and seen >= args.count:
                break
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return asyncio.run(_run(args))
    except (LrmdError, RequestError) as exc:
        print(f"lrmadmin: {exc}", file=sys.stderr)
        return 1
    except (ConnectionError, FileNotFoundError) as exc:
        print(f"lrmadmin: cannot talk to lrmd at {args.socket}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
