"""``stonith_admin``: talk to the fencer of this node (``PACER_RUN_DIR/fenced.sock``).

Pacemaker 2.1.5's options and output (checked against its ``stonith_admin`` on a live
cluster): ``-L`` and ``-l NODE`` print one device per line and ``N fence device(s) found``;
``-B -F -U NODE`` print nothing on success and ``stonith_admin: Couldn't fence NODE: No
such device`` (exit 105) or ``...: Timer expired (REASON)`` (exit 124) on failure; ``-H``
prints the last successful fencing (Pacemaker's choice: the oldest success still in the
history), ``-H -V`` every operation, ``-H -q`` the epoch time only; ``-C`` prints nothing.
``--output-as=xml`` for the lists and the history.  Without a fencer: one line, exit 102.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from xml.sax.saxutils import quoteattr

from crm.cli.help_format import install
from crm.cluster.node import run_dir_from_environment
from crm.ipc.client import DaemonError, DaemonNotRunning, IpcClient

__all__ = ["event_description", "main"]

PROG = "stonith_admin"
API_VERSION = "2.25"
EXIT_OK = 0
EXIT_USAGE = 64
RC_TEXT = {
    1: "Error occurred",
    2: "Invalid parameter",
    5: "Not installed",
    102: "Not connected",
    105: "No such device",
    124: "Timer expired",
}
ACTION_TEXT = {"reboot": "reboot", "off": "turning off", "on": "unfencing"}
VERBS = {"reboot": "reboot", "off": "fence", "on": "unfence"}


def _timestamp(epoch: float) -> str:
    """Pacemaker's ``crm_time_log_date | timeofday | with_timezone``: ``2026-12-07 08:50:56Z``."""
    moment = datetime.fromtimestamp(int(epoch)).astimezone()
    offset = moment.utcoffset()
    seconds = int(offset.total_seconds()) if offset is not None else 0
    if seconds == 0:
        zone = "Z"
    else:
        sign = "+" if seconds > 0 else "-"
        zone = f"{sign}{abs(seconds) // 3600:02d}:{abs(seconds) % 3600 // 60:02d}"
    return moment.strftime("%Y-%m-%d %H:%M:%S") + zone


def _state_text(entry: dict[str, Any]) -> str:
    return {"done": "successful", "failed": "failed"}.get(str(entry.get("state")), "pending")


def later_succeeded(entry: dict[str, Any], history: list[dict[str, Any]]) -> str | None:
    """Pacemaker's ``stonith__later_succeeded``: who did the same fencing later, successfully."""
    other = None
    for item in history:
        if item is entry:
            break
        if (item.get("state") == "done" and item.get("target") == entry.get("target")
                and item.get("action") == entry.get("action")
                and float(item.get("completed") or 0) > float(entry.get("completed") or 0)):
            if not entry.get("executioner") or item.get("executioner") == entry.get("executioner"):
                return str(item.get("executioner"))
            if other is None:
                other = str(item.get("executioner"))
    return other


def event_description(entry: dict[str, Any], full_history: bool, later: str | None = None) -> str:
    """Pacemaker's ``stonith__event_description``."""
    action = str(entry.get("action"))
    text = f"{ACTION_TEXT.get(action, action)} of {entry.get('target')} {_state_text(entry)}"
    failed = entry.get("state") == "failed"
    if failed and entry.get("error"):
        text += f" ({entry['error']})"
    text += ": "
    if entry.get("state") != "pending" and entry.get("executioner"):
        text += f"delegate={entry['executioner']}, "
    text += f"client={entry.get('client')}, origin={entry.get('initiator') or entry.get('origin')}"
    if entry.get("state") != "pending" and entry.get("completed"):
        label = "completed" if full_history else "last-successful"
        text += f", {label}='{_timestamp(float(entry['completed']))}'"
    if failed and later:
        text += f" (a later attempt from {later} succeeded)"
    return text


def _count(n: int, singular: str, plural: str) -> str:
    return f"{n} {singular if n == 1 else plural} found"


class Output:
    def __init__(self, xml: bool, argv: Sequence[str]) -> None:
        self.xml = xml
        self.request = " ".join([PROG, *argv])
        self.lines: list[str] = []

    def begin(self) -> None:
        if self.xml:
            print(f'<pacemaker-result api-version="{API_VERSION}" request={quoteattr(self.request)}>')

    def end(self, rc: int, message: str = "OK") -> None:
        if self.xml:
            print(f'  <status code="{rc}" message={quoteattr(message)}/>')
            print("</pacemaker-result>")


def _client(run_dir_timeout: float | None = None) -> IpcClient:
    run_dir = run_dir_from_environment()
    return IpcClient(run_dir / "fenced.sock", "fencer", run_dir_timeout)


def _call(request: dict[str, Any], timeout: float | None = 150.0) -> dict[str, Any]:
    with _client(timeout) as client:
        return client.call(dict(request, client=f"{PROG}.{os.getpid()}"))


def _devices(args: argparse.Namespace, out: Output, target: str | None) -> int:
    request: dict[str, Any] = {"op": "list"}
    if target is not None:
        request["target"] = target
    devices = [str(d) for d in _call(request, args.timeout + 30)["devices"]]
    out.begin()
    if out.xml:
        print(f'  <list name="registered fence devices" count="{len(devices)}">' if devices
              else '  <list name="registered fence devices" count="0"/>')
        for device in devices:
            print(f'    <item name="device">{device}</item>')
        if devices:
            print("  </list>")
        out.end(0)
    else:
        for device in devices:
            print(device)
        print(_count(len(devices), "fence device", "fence devices"))
    return EXIT_OK


def _history(args: argparse.Namespace, out: Output) -> int:
    target = args.history
    request: dict[str, Any] = {"op": "history"}
    if target != "*":
        request["target"] = target
    history = [dict(e) for e in _call(request, args.timeout + 30)["history"]]
    shown: list[tuple[dict[str, Any], bool]] = []
    latest = None
    for entry in history:
        if entry.get("state") == "done":
            latest = entry
        if args.quiet or not args.verbose:
            continue
        shown.append((entry, True))
    quiet_line = None
    if latest is not None:
        if args.quiet:
            quiet_line = str(int(float(latest.get("completed") or 0)))
        elif not args.verbose:
            shown.append((latest, False))
    out.begin()
    if out.xml:
        if shown:
            print(f'  <list name="fencing history" count="{len(shown)}">')
            for entry, _full in shown:
                print("    " + _xml_event(entry))
            print("  </list>")
        else:
            print('  <list name="fencing history" count="0"/>')
        out.end(0)
        return EXIT_OK
    if quiet_line is not None:
        print(quiet_line)
    for entry, full in shown:
        later = later_succeeded(entry, history) if full and entry.get("state") == "failed" else None
        print(event_description(entry, full, later))
    print(_count(len(shown), "event", "events"))
    return EXIT_OK


def _xml_event(entry: dict[str, Any]) -> str:
    status = {"done": "success", "failed": "failed"}.get(str(entry.get("state")), "pending")
    attrs = [
        ("action", entry.get("action")), ("target", entry.get("target")), ("client", entry.get("client")),
        ("origin", entry.get("initiator") or entry.get("origin")), ("status", status),
    ]
    if status == "failed" and entry.get("error"):
        attrs.append(("exit-reason", entry.get("error")))
    if status != "pending" and entry.get("executioner"):
        attrs.append(("delegate", entry.get("executioner")))
    if status != "pending" and entry.get("completed"):
        attrs.append(("completed", _timestamp(float(entry["completed"]))))
    return "<fence_event " + " ".join(f"{k}={quoteattr(str(v))}" for k, v in attrs if v is not None) + "/>"


def _fence(args: argparse.Namespace, action: str, target: str) -> int:
    if args.tolerance:
        history = _call({"op": "history", "target": target}, 30)["history"]
        for entry in history:
            if (entry.get("state") == "done" and entry.get("action") == action
                    and time.time() - float(entry.get("completed") or 0) <= args.tolerance):
                return EXIT_OK
    request: dict[str, Any] = {"op": "fence", "target": target, "action": action, "timeout": args.timeout}
    if args.delay:
        request["delay"] = args.delay
    try:
        _call(request, args.timeout * 1.2 * 4 + 30)
    except DaemonNotRunning:
        raise
    except DaemonError as err:
        rc = err.rc if err.rc else 1
        text = RC_TEXT.get(rc, "Error occurred")
        reason = str(err)
        detail = "" if rc == 105 or not reason or reason == text else f" ({reason})"
        print(f"{PROG}: Couldn't {VERBS[action]} {target}: {text}{detail}", file=sys.stderr)
        return rc
    return EXIT_OK


def _installed(out: Output) -> int:
    from crm.fenced.agents import agent_dirs

    names: set[str] = set()
    for directory in agent_dirs():
        if directory.is_dir():
            names.update(p.name for p in directory.iterdir()
                         if p.name.startswith("fence_") and p.is_file() and os.access(p, os.X_OK))
    for name in sorted(names):
        print(name)
    print(_count(len(names), "fence device", "fence devices"))
    return EXIT_OK


def _metadata(agent: str | None, timeout: float) -> int:
    import subprocess

    from crm.fenced.agents import find_agent

    if not agent:
        print(f"{PROG}: Please specify an agent to query using -a,--agent [value]", file=sys.stderr)
        return EXIT_USAGE
    path = find_agent(agent)
    if path is None:
        print(f"{PROG}: Can't get fence agent meta-data: No such device", file=sys.stderr)
        return 105
    result = subprocess.run([str(path)], input=b"action=metadata\n", capture_output=True, timeout=timeout, check=False)
    sys.stdout.write(result.stdout.decode(errors="replace"))
    return EXIT_OK if result.returncode == 0 else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, add_help=False)
    commands = parser.add_mutually_exclusive_group()
    commands.add_argument("-L", "--list-registered", action="store_true", help="List all registered devices.")
    commands.add_argument("-l", "--list", metavar="HOST", help="List devices that can terminate the specified host.")
    commands.add_argument("-I", "--list-installed", action="store_true", help="List all installed devices.")
    commands.add_argument("-M", "--metadata", action="store_true", help="Show agent metadata. Requires: --agent.")
    commands.add_argument("-H", "--history", metavar="NODE",
                          help="Show last successful fencing operation for named node (or '*' for all nodes).")
    commands.add_argument("-F", "--fence", metavar="HOST", help="Fence named host.")
    commands.add_argument("-U", "--unfence", metavar="HOST", help="Unfence named host.")
    commands.add_argument("-B", "--reboot", metavar="HOST", help="Reboot named host.")
    commands.add_argument("-C", "--confirm", metavar="HOST", help="Tell cluster that named host is now safely down.")
    parser.add_argument("-a", "--agent", help="The agent to use (with --metadata).")
    parser.add_argument("-t", "--timeout", type=int, default=120, help="Operation timeout in seconds (default 120).")
    parser.add_argument("-y", "--delay", type=int, default=0, help="Apply a fencing delay in seconds.")
    parser.add_argument("--tolerance", type=int, default=0,
                        help="Do nothing if an equivalent request succeeded less than this many seconds earlier.")
    parser.add_argument("-T", "--tag", help="Identify fencing operations with the specified tag.")
    parser.add_argument("-b", "--broadcast", action="store_true", help="Broadcast wherever appropriate.")
    parser.add_argument("-V", "--verbose", action="count", default=0, help="Increase debug output.")
    parser.add_argument("-q", "--quiet", action="store_true", help="Be less descriptive in output.")
    parser.add_argument("--output-as", choices=("text", "xml"), default="text", metavar="FORMAT",
                        help="Specify output format as one of: text (default), xml")
    install(parser, "stonith_admin - Access the Pacemaker fencing API")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    out = Output(args.output_as == "xml", argv)
    try:
        if args.list_installed:
            return _installed(out)
        if args.metadata:
            return _metadata(args.agent, args.timeout)
        if args.list_registered:
            return _devices(args, out, None)
        if args.list is not None:
            return _devices(args, out, args.list)
        if args.history is not None:
            return _history(args, out)
        if args.confirm is not None:
            _call({"op": "confirm", "target": args.confirm}, args.timeout + 30)
            return EXIT_OK
        for action, target in (("reboot", args.reboot), ("off", args.fence), ("on", args.unfence)):
            if target is not None:
                return _fence(args, action, target)
    except DaemonNotRunning as err:
        print(f"{PROG}: {err}", file=sys.stderr)
        return err.rc
    except DaemonError as err:
        print(f"{PROG}: {err}", file=sys.stderr)
        return err.rc or 1
    print(f"{PROG}: Please specify a command (for example -L, -l NODE, -B NODE, -H NODE); see --help",
          file=sys.stderr)
    return EXIT_USAGE
