"""A group member in its own process, for the transport contract tests: joins, reports
every event as a JSON line on stdout, sends messages once the group has enough members,
and exits when it has received what it expects (or lingers, to be killed)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from crm.cluster.transport import Delivery, Member, QuorumChange, Transport, TransportError, ViewChange


def _m(member: Member) -> list[object]:
    return [member.nodeid, member.pid]


def out(**fields: object) -> None:
    sys.stdout.write(json.dumps(fields) + "\n")
    sys.stdout.flush()


async def run(args: argparse.Namespace) -> int:
    transport: Transport
    if args.transport == "embedded":
        from crm.cluster.embedded import EmbeddedTransport

        transport = EmbeddedTransport(Path(args.bus), args.group, args.nodeid, f"node{args.nodeid}")
    else:
        from crm.cluster.corosync import CorosyncTransport

        transport = CorosyncTransport(args.group)
    await transport.join()
    out(e="self", me=_m(transport.local), max=transport.max_message_size())
    sent = False
    received = 0
    while True:
        event = await asyncio.wait_for(transport.next_event(), args.timeout)
        if isinstance(event, ViewChange):
            out(e="view", members=[_m(m) for m in event.members], joined=[_m(m) for m in event.joined],
                left=[_m(m) for m in event.left])
            if not sent and len(event.members) >= args.members:
                sent = True
                for i in range(args.send):
                    await transport.send(f"{transport.local.pid}:{i}".encode())
                if args.oversized:
                    try:
                        await transport.send(b"x" * (transport.max_message_size() + 1))
                        out(e="oversized", refused=False)
                    except TransportError:
                        out(e="oversized", refused=True)
        elif isinstance(event, Delivery):
            received += 1
            out(e="msg", sender=_m(event.sender), data=event.payload.decode())
            if args.expect and received >= args.expect and not args.linger:
                break
        elif isinstance(event, QuorumChange):
            out(e="quorum", quorate=event.quorate, nodes=list(event.nodes))
    await transport.close()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--transport", choices=["embedded", "corosync"], required=True)
    parser.add_argument("--bus", default="")
    parser.add_argument("--nodeid", type=int, default=1)
    parser.add_argument("--group", default="contract")
    parser.add_argument("--members", type=int, default=1, help="send once the view has this many members")
    parser.add_argument("--send", type=int, default=0)
    parser.add_argument("--expect", type=int, default=0, help="exit after this many deliveries")
    parser.add_argument("--linger", action="store_true", help="keep running after the expected deliveries")
    parser.add_argument("--oversized", action="store_true")
    parser.add_argument("--timeout", type=float, default=30)
    return asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
