"""``pacemaker-based|controld|fenced|schedulerd metadata``: the cluster options each Pacemaker
daemon reads, as the daemon prints them (``resource-agent`` XML, read by tools such as pcs).

pacer's own daemons run under ``pacerd`` (and the scheduler inside the controller), so under
Pacemaker's daemon names these commands only answer ``metadata``, ``--help`` and
``--version``; anything else is a usage error that starts nothing.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from crm.cli.help_format import VERSION_TEXT
from crm.common.daemon_options import metadata_xml
from crm.common.results import ExitCode

_ROLES = {
    "pacemaker-based": "Cluster Information Base manager",
    "pacemaker-controld": "controller",
    "pacemaker-fenced": "fencer",
    "pacemaker-schedulerd": "scheduler",
}


class _Usage(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise _Usage(message)


def run(name: str, argv: Sequence[str] | None = None) -> int:
    parser = _Parser(
        prog=name,
        description=f"The cluster options of Pacemaker's {_ROLES[name]}; pacer runs its daemons under pacerd.",
    )
    parser.add_argument("command", nargs="?", choices=["metadata"], help="print the options' metadata (XML)")
    parser.add_argument("-$", "--version", action="store_true", help="Display software version and exit")
    parser.add_argument("-V", "--verbose", action="count", default=0, help="Increase debug output")
    try:
        args = parser.parse_args(sys.argv[1:] if argv is None else list(argv))
    except _Usage as err:
        print(f"{name}: {err}", file=sys.stderr)
        return int(ExitCode.USAGE)
    if args.version:
        sys.stdout.write(VERSION_TEXT)
        return int(ExitCode.OK)
    if args.command == "metadata":
        sys.stdout.write(metadata_xml(name))
        return int(ExitCode.OK)
    print(f"{name}: pacer runs its daemons under pacerd; this command only prints 'metadata'", file=sys.stderr)
    return int(ExitCode.USAGE)


def based(argv: Sequence[str] | None = None) -> int:
    return run("pacemaker-based", argv)


def controld(argv: Sequence[str] | None = None) -> int:
    return run("pacemaker-controld", argv)


def fenced(argv: Sequence[str] | None = None) -> int:
    return run("pacemaker-fenced", argv)


def schedulerd(argv: Sequence[str] | None = None) -> int:
    return run("pacemaker-schedulerd", argv)
