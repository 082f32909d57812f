"""``crm_node``: low-level node information, from the membership the local CIB daemon sees.

Options, output and exit codes follow Pacemaker 2.1.5 (which asks its controller):

* ``-l``: every known node, past and present, one ``ID NAME STATE`` line each (``member`` or
  ``lost``), in natural name order;
* ``-p``: the names of the members of this node's partition, each followed by a space;
* ``-q``: ``1`` with quorum (exit 0), ``0`` without (exit 106, ``CRM_EX_QUORUM``);
* ``-n``: this node's name (``OCF_RESKEY_CRM_meta_on_node`` first, as for a resource agent);
* ``-i``: this node's id; ``-N ID``: the name of node ``ID`` (68 when unknown);
* ``-R NAME|ID --force``: forget a node that is no longer a member: its ``<node>`` entry and
  its ``node_state`` leave the CIB.  Pacemaker removes a current member too (and the node
  comes back at once); here that is refused (exit 107) and nothing is changed.

The tool always works on the live cluster (the run directory in ``PACER_RUN_DIR``); when pacer
is not running on the node it says so in one line and exits 102.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn, TextIO

from crm.cib.document import CibDocument
from crm.cib.errors import CibError, ExitCode
from crm.cib.live import LiveCibSource
from crm.cli import live_errors
from crm.cluster.node import run_dir_from_environment

__all__ = ["KnownNode", "Membership", "main", "run"]

PROG = "crm_node"
VERSION_TEXT = "Pacemaker 2.1.5 (pacer crm_node)\nWritten by the pacer project contributors\n"
ENV_ON_NODE = "OCF_RESKEY_CRM_meta_on_node"

_HEAD = "Usage:\n  crm_node [OPTION…]\n\ncrm_node - Tool for displaying low-level node information\n\n"
_HELP_OPTIONS = """Help Options:
  -h, --help               Show help options
  --help-all               Show all help options
  --help-commands          Show command help
  --help-additional        Show additional options

"""
_COMMANDS = """Commands:
  -i, --cluster-id         Display this node's cluster id
  -l, --list               Display all known members (past and present) of this cluster
  -n, --name               Display the name used by the cluster for this node
  -p, --partition          Display the members of this partition
  -q, --quorum             Display a 1 if our partition has quorum, 0 if not
  -N, --name-for-id=ID     Display the name used by the cluster for the node with the specified ID
  -R, --remove=NAME        (Advanced) Remove the (stopped) node with the specified name from Pacemaker's
                           configuration and caches (the node must already have been removed from
                           the underlying cluster stack configuration

"""
_ADDITIONAL = """Additional Options:
  -f, --force              \n
"""
_APPLICATION = """Application Options:
  -$, --version            Display software version and exit
  -V, --verbose            Increase debug output (may be specified multiple times)
  -Q, --quiet              Be less descriptive in output.

"""
_FOOT = "Report bugs to users@clusterlabs.org\n\n"

HELP_TEXT = _HEAD + _HELP_OPTIONS + _APPLICATION + _FOOT
HELP_ALL = _HEAD + _HELP_OPTIONS + _COMMANDS + _ADDITIONAL + _APPLICATION + _FOOT
HELP_COMMANDS = _HEAD + _COMMANDS + _FOOT
HELP_ADDITIONAL = _HEAD + _ADDITIONAL + _FOOT

DANGEROUS = (
    "The supplied command is considered dangerous.  To prevent accidental destruction of the cluster, "
    "the --force flag is required in order to proceed."
)


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


class _Command(argparse.Action):
    """A command option: the last one given wins, as with Pacemaker's option callbacks."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: str | Sequence[Any] | None, option_string: str | None = None) -> None:
        namespace.command = self.const
        namespace.value = values if isinstance(values, str) else None


def _parser() -> _Parser:
    p = _Parser(prog=PROG, add_help=False, allow_abbrev=False)
    p.set_defaults(command=None, value=None)
    p.add_argument("-h", "--help", dest="help", action="store_const", const=HELP_TEXT)
    p.add_argument("--help-all", dest="help", action="store_const", const=HELP_ALL)
    p.add_argument("--help-commands", dest="help", action="store_const", const=HELP_COMMANDS)
    p.add_argument("--help-additional", dest="help", action="store_const", const=HELP_ADDITIONAL)
    p.add_argument("-$", "--version", action="store_true")
    p.add_argument("-V", "--verbose", action="count", default=0)
    p.add_argument("-Q", "--quiet", action="store_true")
    p.add_argument("-f", "--force", action="store_true")
    for short, long in (("-i", "--cluster-id"), ("-l", "--list"), ("-n", "--name"),
                        ("-p", "--partition"), ("-q", "--quorum")):
        p.add_argument(short, long, action=_Command, const=short[1], nargs=0)
    p.add_argument("-N", "--name-for-id", action=_Command, const="N", metavar="ID")
    p.add_argument("-R", "--remove", action=_Command, const="R", metavar="NAME")
    return p


# ---------------------------------------------------------------------------------------------
# The membership as the CIB daemon reports it


@dataclass(frozen=True, slots=True)
class KnownNode:
    nodeid: int
    name: str
    state: str  # "member" or "lost"


@dataclass(frozen=True, slots=True)
class Membership:
    local_id: int
    local_name: str
    members: tuple[KnownNode, ...]
    quorate: bool
    nodes: tuple[KnownNode, ...]

    @classmethod
    def from_reply(cls, reply: Mapping[str, Any]) -> Membership:
        local = reply.get("local") or {}
        members = tuple(_node(m, "member") for m in reply.get("members") or ())
        return cls(
            local_id=int(local.get("nodeid", 0)),
            local_name=str(local.get("name", "")),
            members=members,
            quorate=bool(reply.get("quorate", False)),
            nodes=tuple(_node(n, "lost") for n in reply.get("nodes") or ()),
        )

    def find(self, name_or_id: str) -> KnownNode | None:
        wanted = int(name_or_id) if name_or_id.isdigit() and int(name_or_id) > 0 else None
        for node in self.nodes:
            if (wanted is not None and node.nodeid == wanted) or node.name == name_or_id:
                return node
        return None

    def is_member(self, node: KnownNode) -> bool:
        return any(m.nodeid == node.nodeid for m in self.members)


def _node(item: Any, default_state: str) -> KnownNode:
    if isinstance(item, Mapping):
        return KnownNode(int(item.get("nodeid", 0)), str(item.get("name", "")), str(item.get("state", default_state)))
    return KnownNode(0, str(item), default_state)


def natural_key(name: str) -> tuple[tuple[int, int | str], ...]:
    """Pacemaker's ``pcmk__numeric_strcasecmp`` order: digits compare as numbers."""
    return tuple((0, int(part)) if part.isdigit() else (1, part.lower())
                 for part in re.findall(r"\d+|\D+", name))


# ---------------------------------------------------------------------------------------------
# Commands


def _list(ms: Membership, out: TextIO) -> int:
    for node in sorted(ms.nodes, key=lambda n: natural_key(n.name)):
        out.write(f"{node.nodeid} {node.name} {node.state}\n")
    return ExitCode.OK


def _partition(ms: Membership, out: TextIO) -> int:
    names = sorted((m.name for m in ms.members), key=natural_key)
    out.write("".join(f"{name} " for name in names) + "\n")
    return ExitCode.OK


def _quorum(ms: Membership, out: TextIO) -> int:
    out.write(f"{1 if ms.quorate else 0}\n")
    return ExitCode.OK if ms.quorate else ExitCode.QUORUM


def _name_for_id(ms: Membership, text: str, out: TextIO, err: TextIO) -> int:
    node = ms.find(text) if text.isdigit() else None
    if node is None or not node.name:
        err.write("Node is not known to cluster\n")
        return ExitCode.NOHOST
    out.write(f"{node.name}\n")
    return ExitCode.OK


def forget_node(doc: CibDocument, node: KnownNode) -> bool:
    """Remove ``node``'s ``<node>`` entry and ``node_state`` from ``doc``; whether any was there."""
    ident = str(node.nodeid) if node.nodeid else None
    removed = False
    for path in ("configuration/nodes/node", "status/node_state"):
        for element in list(doc.root.iterfind(path)):
            if element.get("uname") == node.name or (ident is not None and element.get("id") == ident):
                parent = element.getparent()
                assert parent is not None
                parent.remove(element)
                removed = True
    return removed


def _remove(source: LiveCibSource, ms: Membership, target: str, err: TextIO) -> int:
    node = ms.find(target)
    if node is None:
        # Nothing known by that name or id: nothing to forget (Pacemaker succeeds as well).
        node = KnownNode(int(target) if target.isdigit() else 0, "" if target.isdigit() else target, "lost")
    elif ms.is_member(node):
        err.write(f"{PROG}: Could not remove node {target}: it is an active member of the cluster; "
                  "stop pacer on it (and take it out of the cluster stack's configuration) first\n")
        return ExitCode.UNSAFE
    source.modify(lambda doc: forget_node(doc, node), config_change=True)
    return ExitCode.OK


def run(argv: Sequence[str], out: TextIO, err: TextIO, environ: Mapping[str, str] | None = None) -> int:
    env = os.environ if environ is None else environ
    try:
        ns = _parser().parse_args(list(argv))
    except UsageError as exc:
        text = str(exc)
        if "expected one argument" in text:
            option = text.split(":")[0].replace("argument ", "").split("/")[0]
            text = f"Missing argument for {option}"
        elif text.startswith("unrecognized arguments: "):
            text = f"Unknown option {text.removeprefix('unrecognized arguments: ').split()[0]}"
        err.write(f"{PROG}: {text}\n")
        return ExitCode.USAGE
    if ns.help:
        out.write(ns.help)
        return ExitCode.OK
    if ns.version:
        out.write(VERSION_TEXT)
        return ExitCode.OK
    if ns.command is None:
        err.write(HELP_TEXT)
        return ExitCode.USAGE
    if ns.command == "R" and not ns.force:
        err.write(f"{DANGEROUS}\n")
        return ExitCode.USAGE
    if ns.command == "n" and env.get(ENV_ON_NODE):
        out.write(f"{env[ENV_ON_NODE]}\n")  # called from a resource agent
        return ExitCode.OK
    source = LiveCibSource(run_dir_from_environment(env))
    try:
        ms = Membership.from_reply(source.membership())
        if ns.command == "l":
            return _list(ms, out)
        if ns.command == "p":
            return _partition(ms, out)
        if ns.command == "q":
            return _quorum(ms, out)
        if ns.command == "N":
            return _name_for_id(ms, ns.value or "", out, err)
        if ns.command == "R":
            return _remove(source, ms, ns.value or "", err)
        if not ms.local_id:
            err.write("error: Controller reply did not contain node ID\n")
            return ExitCode.PROTOCOL
        if ns.command == "i":
            out.write(f"{ms.local_id}\n")
            return ExitCode.OK
        if not ms.local_name:
            err.write("Node is not known to cluster\n")
            return ExitCode.NOHOST
        out.write(f"{ms.local_name}\n")
        return ExitCode.OK
    except CibError as exc:
        if live_errors.not_running(exc):
            return live_errors.report(PROG, exc, err, file_hint=False)
        err.write(f"{PROG}: {' '.join(str(exc).split())}\n")
        return int(exc.exit_code)


def main(argv: Sequence[str] | None = None) -> int:
    return run(sys.argv[1:] if argv is None else list(argv), sys.stdout, sys.stderr)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
