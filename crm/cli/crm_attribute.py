"""``crm_attribute``: query, set and delete node attributes, cluster properties and defaults.

Works on ``CIB_file=...`` as Pacemaker 2.1.5's tool does: the same options (the last of
``-G``/``-v``/``-D`` wins, as does the last of ``-t``/``-l``), the same output, the same ids for
the sets and pairs it creates, the same exit codes (105 no such attribute or node, 64 usage,
109 several matches, 76 unknown section).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from io import StringIO
from typing import NoReturn, TextIO

from crm.attrd.client import AttrdClient
from crm.attributes import (
    AttrTarget,
    Match,
    MultipleMatches,
    NoSuchState,
    Section,
    delete,
    find,
    node_uuid,
    update,
)
from crm.attributes.sections import parse_section
from crm.cib.document import CibDocument
from crm.cib.errors import CibError, CibUnavailable, ExitCode, NoSuchObject, PermissionDenied
from crm.cli.cib_source import AnyCibSource, CibSource, LiveCibSource
from crm.cli.help_format import answer, install, option_group
from crm.cli.output_format import (
    OutputChoice,
    OutputFormatError,
    XmlResult,
    add_output_options,
    open_output,
    request_line,
)
from crm.cluster.node import NodeConfig, NodeConfigError, run_dir_from_environment
from crm.ipc.client import DaemonError, DaemonNotRunning

__all__ = ["Request", "main", "parse_args", "run"]

PROG = "crm_attribute"
VERSION_TEXT = "Pacemaker 2.1.5\nWritten by Andrew Beekhof and the Pacemaker project contributors\n"
LIFETIMES = {"reboot": "status", "forever": "nodes"}
FORMATS = ("text", "xml")

Emit = Callable[[dict[str, str]], None]
"""Where a found attribute goes in XML output (``<attribute name value scope id>``)."""


class UsageError(Exception):
    """A command line Pacemaker's option parser would refuse."""


@dataclass(frozen=True, slots=True)
class Request:
    """A parsed ``crm_attribute`` command line."""

    command: str  # query | update | delete
    name: str | None
    value: str | None
    node: str | None
    type: str | None
    set_id: str | None
    attr_id: str | None
    default: str | None
    quiet: bool
    promotion: str | None  # None: not asked; "": from OCF_RESOURCE_INSTANCE
    version: bool = False
    utilization: bool = False
    output: OutputChoice = field(default_factory=OutputChoice)
    pattern: str | None = None  # a regular expression on the names (-P)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


class _Command(argparse.Action):
    """``-G``/``-v``/``-D``: the last one given wins."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: object, option_string: str | None = None) -> None:
        namespace.command = self.const
        if self.const == "update":
            namespace.value = values


class _Type(argparse.Action):
    """``-t`` and ``-l`` set the same thing; the last one given wins."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: object, option_string: str | None = None) -> None:
        text = str(values)
        namespace.type = LIFETIMES.get(text, text) if self.dest == "lifetime" else text


class _Utilization(argparse.Action):
    """``-z``: utilization sets of the node (in the nodes section unless a later -t/-l says)."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: object, option_string: str | None = None) -> None:
        namespace.utilization = True
        namespace.type = "nodes"


def _parser() -> _Parser:
    p = _Parser(prog=PROG, add_help=False, allow_abbrev=False)
    commands = option_group(p, "commands", "Commands", "Show command options")
    additional = option_group(p, "additional", "Additional Options", "Show additional options")
    commands.add_argument("-G", "--query", "--get-value", dest="cmd_query", nargs=0, action=_Command,
                          const="query", help="Query the current value of the attribute/option")
    commands.add_argument("-v", "--update", "--attr-value", dest="cmd_update", action=_Command, const="update",
                          metavar="VALUE", help="Update the value of the attribute/option")
    commands.add_argument("-D", "--delete", "--delete-attr", dest="cmd_delete", nargs=0, action=_Command,
                          const="delete", help="Delete the attribute/option")
    additional.add_argument("-N", "-U", "--node", "--uname", dest="node", metavar="NODE",
                            help="Set a node attribute for named node (instead of a cluster option).\n"
                            "See also: -l")
    additional.add_argument("-t", "--type", dest="type_opt", action=_Type, metavar="SECTION",
                            help="Which part of the configuration to update/delete/query the option in.\n"
                            "Valid values: crm_config, rsc_defaults, op_defaults, tickets")
    additional.add_argument("-l", "--lifetime", dest="lifetime", action=_Type, metavar="LIFETIME",
                            help="Lifetime of the node attribute.\n"
                            "Valid values: reboot, forever")
    additional.add_argument("-z", "--utilization", dest="utilization", nargs=0, action=_Utilization,
                            help="Set an utilization attribute for the node.")
    additional.add_argument("-s", "--set-name", dest="set_id", metavar="SET",
                            help="(Advanced) The attribute set in which to place the value")
    additional.add_argument("-i", "--id", "--attr-id", dest="attr_id", metavar="ID",
                            help="(Advanced) The ID used to identify the attribute")
    additional.add_argument("-d", "--default", dest="default", metavar="VALUE",
                            help="(Advanced) Default value to display if none is found in configuration")
    p.add_argument("-V", "--verbose", action="count", default=0,
                   help="Increase debug output (may be specified multiple times)")
    p.add_argument("-q", "-Q", "--quiet", dest="quiet", action="store_true",
                   help="Print only the value on stdout")
    p.add_argument("-n", "--name", dest="name", metavar="NAME", help="Name of the attribute/option to operate on")
    p.add_argument("-P", "--pattern", dest="pattern", metavar="PATTERN",
                   help="Operate on all attributes matching this pattern\n"
                   "(with -v/-D and -l reboot, or with --query)")
    p.add_argument("-p", "--promotion", dest="promotion", metavar="RESOURCE",
                   help="Operate on node attribute used as promotion score for specified\n"
                   "resource, or resource given in OCF_RESOURCE_INSTANCE environment\nvariable if none is specified")
    p.add_argument("rest", nargs="*", help=argparse.SUPPRESS)
    add_output_options(p, FORMATS)
    install(p, "crm_attribute - query and update Pacemaker cluster options and node attributes",
            help_short="-?")
    return p


def _promotion_args(argv: Sequence[str]) -> list[str]:
    """``-p`` takes an optional argument (GLib's optional-argument rule): attached
    (``-pRSC``, ``--promotion=RSC``), or the next word unless it is an option."""
    out: list[str] = []
    words = list(argv)
    index = 0
    while index < len(words):
        arg = words[index]
        if arg in ("-p", "--promotion"):
            following = words[index + 1] if index + 1 < len(words) else None
            if following is not None and not following.startswith("-"):
                out.append(f"--promotion={following}")
                index += 2
                continue
            arg = "--promotion="
        out.append(arg)
        index += 1
    return out


def parse_args(argv: Sequence[str]) -> Request:
    parser = _parser()
    ns = argparse.Namespace(command="query", value=None, type=None, utilization=False)
    try:
        parser.parse_args(_promotion_args(argv), namespace=ns)
    except UsageError as err:
        text = str(err)
        if "expected one argument" in text:
            option = text.split(":")[0].replace("argument ", "").split("/")[0]
            raise UsageError(f"Missing argument for {option}") from None
        if text.startswith("unrecognized arguments: "):
            raise UsageError(f"Unknown option {text.removeprefix('unrecognized arguments: ').split()[0]}") from None
        raise
    try:
        output = open_output(ns, FORMATS)
    except OutputFormatError as err:
        raise UsageError(str(err)) from None
    return Request(
        command=ns.command, name=ns.name, value=ns.value, node=ns.node, type=ns.type,
        set_id=ns.set_id, attr_id=ns.attr_id, default=ns.default, quiet=ns.quiet, promotion=ns.promotion,
        version=False, utilization=ns.utilization, output=output, pattern=ns.pattern,
    )


def local_node_name(live_env: Mapping[str, str] | None = None) -> str:
    """The local node's name: in live mode (``live_env``, the environment) the name pacer runs
    this node under (``RUN_DIR/node.json``), otherwise, or when pacer never ran here, the
    host name."""
    if live_env is not None:
        try:
            return NodeConfig.load(run_dir_from_environment(live_env)).name
        except NodeConfigError:
            pass
    return os.uname().nodename


def _via_attrd(req: Request, name: str, env: Mapping[str, str], out: TextIO, err: TextIO,
               emit: Emit | None = None) -> int | None:
    """Transient attributes (``-l reboot``, ``-t status``) in live mode go through the local
    attribute daemon, as Pacemaker's updates do; None (use the CIB directly, as Pacemaker falls
    back) when attrd is not running, or for a query of an attribute attrd has no entry for.
    A query answered by attrd sees a dampened value before it reaches the CIB."""
    client = AttrdClient(run_dir_from_environment(env))
    uname = req.node if req.node is not None else local_node_name(env)
    try:
        if req.command == "update":
            client.update(name, req.value if req.value is not None else "", uname, set_id=req.set_id,
                          utilization=req.utilization)
            return ExitCode.OK
        if req.command == "delete":
            client.delete(name, uname)
            return ExitCode.OK
        known = client.query(name, uname)
    except DaemonNotRunning:
        return None
    except DaemonError as exc:
        err.write(f"{PROG}: Error performing operation: {exc}\n")
        return exc.rc or ExitCode.ERROR
    if not known:
        return None  # attrd never heard of it: what the CIB says (written by another route)
    values = [v for v in known if v.value is not None]
    if not values:
        if req.default is None:
            err.write(f"{PROG}: Error performing operation: No such device or address\n")
            return ExitCode.NOSUCH
        found = [req.default]
    else:
        found = [str(v.value) for v in values]
    for value in found:
        if emit is not None:
            emit({"name": name, "value": value, "scope": Section.STATUS.value})
        else:
            out.write(f"{value}\n" if req.quiet else f"scope={Section.STATUS.value}  name={name} value={value}\n")
    return ExitCode.OK


def _print_matches(name: str, matches: Sequence[Match], out: TextIO) -> None:
    out.write(f"Multiple attributes match name={name}\n")
    for match in matches:
        out.write(f"  Value: {match.value} \t(id={match.id})\n")


def run(argv: Sequence[str], out: TextIO, err: TextIO, environ: Mapping[str, str] | None = None) -> int:
    """Run ``crm_attribute argv``; returns the exit code."""
    env = os.environ if environ is None else environ
    answered = answer(_parser(), argv, out)
    if answered is not None:
        return answered
    try:
        req = parse_args(argv)
    except UsageError as exc:
        err.write(f"{PROG}: {exc}\n")
        return ExitCode.USAGE
    if req.version:
        out.write(VERSION_TEXT)
        return ExitCode.OK
    if not req.output.xml:
        return _run(req, env, out, err, None)
    # XML: the attributes found as elements, what the text format says on stderr as errors
    result = XmlResult(request_line(PROG, list(argv)))
    errors = StringIO()

    def emit(attrs: dict[str, str]) -> None:
        result.add("attribute", attrs=attrs)

    code = _run(req, env, StringIO(), errors, emit)
    for line in errors.getvalue().splitlines():
        if line.strip():
            result.error(line)
    req.output.write(result.finish(code), out)
    return code


def _run(req: Request, env: Mapping[str, str], out: TextIO, err: TextIO, emit: Emit | None) -> int:
    name, type_ = req.name, req.type
    if req.promotion is not None:
        rsc = req.promotion or env.get("OCF_RESOURCE_INSTANCE", "")
        if not rsc:
            err.write(f"{PROG}: -p/--promotion must be called from an OCF resource agent "
                      "or with a resource ID specified\n")
            return ExitCode.USAGE
        name = f"master-{rsc}"
        type_ = type_ or Section.STATUS.value
    if req.pattern is not None:
        if name is not None:
            err.write(f"{PROG}: Error: --name and --pattern cannot be used at the same time\n")
            return ExitCode.USAGE
        if req.command != "query" and (type_ or "").lower() != Section.STATUS.value:
            err.write(f"{PROG}: Error: pattern can only be used with query, or with till-reboot update or delete\n")
            return ExitCode.USAGE
        try:
            re.compile(req.pattern)
        except re.error:
            err.write(f"{PROG}: Error: invalid pattern {req.pattern!r}\n")
            return ExitCode.USAGE
    elif req.command == "delete" and name is None and req.attr_id is None:
        err.write(f"{PROG}: Error: must specify attribute name or pattern to delete\n")
        return ExitCode.USAGE
    if req.command == "update" and name is None and req.attr_id is None and req.pattern is None:
        err.write(f"{PROG}: Error performing operation: Invalid argument\n")
        return ExitCode.SOFTWARE
    source = CibSource.from_environment(env)
    live = isinstance(source, LiveCibSource)
    if (live and req.attr_id is None and name is not None
            and (type_ or "").lower() == Section.STATUS.value):
        done = _via_attrd(req, name, env, out, err, emit)
        if done is not None:
            return done
    try:
        doc = source.read()
    except CibUnavailable as exc:
        if isinstance(exc.__cause__, FileNotFoundError) or "does not exist" in str(exc):
            err.write(f"{PROG}: Could not connect to the CIB: No such device or address\n")
            return ExitCode.NOSUCH
        err.write(f"{PROG}: {exc}\n")
        return int(exc.exit_code)
    except PermissionDenied as exc:
        err.write(f"{PROG}: Error performing operation: {exc.reason}\n")
        return int(exc.exit_code)
    except CibError as exc:
        err.write(f"{PROG}: {exc}\n")
        return int(exc.exit_code)
    if type_ is None:
        type_ = Section.NODES.value if req.node is not None else Section.CRM_CONFIG.value
    node_id: str | None = None
    if type_ != Section.CRM_CONFIG.value:
        uname = req.node if req.node is not None else local_node_name(env if live else None)
        node_id = node_uuid(doc.root, uname)
        if node_id is None:
            err.write(f"{PROG}: Could not map name={uname} to a UUID\n")
            return ExitCode.NOSUCH
    section = parse_section(type_)
    if section is None:
        err.write(f"{PROG}: Error performing operation: No message of desired type\n")
        return ExitCode.PROTOCOL
    target = AttrTarget(section, name, node_id, req.set_id, req.attr_id, req.utilization)
    if req.pattern is not None:
        return _by_pattern(source, doc, target, req, out, err, emit)
    if req.command == "query":
        return _query(doc, target, req, out, err, emit)
    if req.command == "update":
        return _update(source, target, req, out, err)
    return _delete(source, target, req, out, err)


def _by_pattern(source: AnyCibSource, doc: CibDocument, target: AttrTarget, req: Request, out: TextIO,
                err: TextIO, emit: Emit | None) -> int:
    """``-P PATTERN``: every attribute of the target whose name the regular expression finds."""
    pattern = re.compile(req.pattern or "")
    matches = [m for m in find(doc.root, target) if pattern.search(m.name)]
    if req.command == "query":
        if not matches:
            err.write(f"{PROG}: Error performing operation: No such device or address\n")
            return ExitCode.NOSUCH
        for match in matches:
            if emit is not None:
                emit({"name": match.name, "value": match.value, "scope": target.section.value})
            else:
                out.write(f"{match.value}\n" if req.quiet
                          else f"scope={target.section.value}  name={match.name} value={match.value}\n")
        return ExitCode.OK

    def one(match: Match) -> AttrTarget:
        return replace(target, name=match.name, set_id=match.set_id or None, attr_id=match.id or None)

    def change(match: Match) -> Callable[[CibDocument], Match | None]:
        if req.command == "update":
            return lambda doc: update(doc.root, one(match), req.value if req.value is not None else "")
        return lambda doc: delete(doc.root, one(match))

    for match in matches:  # one CIB update per attribute, as Pacemaker
        try:
            done, _ = source.modify(change(match), validate=target.section is not Section.STATUS)
        except CibError as exc:
            err.write(f"{PROG}: Error performing operation: {exc}\n")
            return int(exc.exit_code)
        if req.command == "delete" and done is not None and not req.quiet and emit is None:
            out.write(f"Deleted {target.section.value} {target.section.noun}: id={done.id} name={done.name}\n")
    return ExitCode.OK


def _query(doc: CibDocument, target: AttrTarget, req: Request, out: TextIO, err: TextIO, emit: Emit | None) -> int:
    matches = find(doc.root, target)
    if not matches:
        if req.default is None:
            err.write(f"{PROG}: Error performing operation: No such device or address\n")
            return ExitCode.NOSUCH
        matches = [Match(target.attr_id or "", target.label, req.default, "")]
    for match in matches:
        if emit is not None:
            attrs = {"name": match.name, "value": match.value, "scope": target.section.value}
            if target.attr_id is not None:
                attrs["id"] = match.id
            emit(attrs)
        elif req.quiet:
            out.write(f"{match.value}\n")
        elif target.attr_id is not None:
            out.write(f"scope={target.section.value} id={match.id} name={match.name} value={match.value}\n")
        else:
            out.write(f"scope={target.section.value}  name={match.name} value={match.value}\n")
    return ExitCode.OK


def _update(source: AnyCibSource, target: AttrTarget, req: Request, out: TextIO, err: TextIO) -> int:
    value = req.value if req.value is not None else ""
    try:
        # Pacemaker does not hold the status section to the schema; neither do we here.
        source.modify(lambda doc: update(doc.root, target, value), validate=target.section is not Section.STATUS)
    except MultipleMatches as exc:
        err.write(f"{PROG}: Please choose from one of the matches below and supply the 'id' with --attr-id\n")
        if not req.quiet:
            _print_matches(exc.name, exc.matches, out)
        return int(exc.exit_code)
    except NoSuchState as exc:
        err.write(f"{exc}\n{PROG}: Error performing operation: No such device or address\n")
        return int(exc.exit_code)
    except PermissionDenied as exc:
        where = target.set_id if target.set_id is not None else "<null>"
        err.write(f"Error setting {target.label}={value} (section={target.section.value}, set={where}): "
                  f"{exc.reason}\n{PROG}: Error performing operation: {exc.reason}\n")
        return int(exc.exit_code)
    except CibError as exc:
        err.write(f"{PROG}: Error performing operation: {exc}\n")
        return int(exc.exit_code)
    return ExitCode.OK


def _delete(source: AnyCibSource, target: AttrTarget, req: Request, out: TextIO, err: TextIO) -> int:
    try:
        removed, _ = source.modify(lambda doc: delete(doc.root, target), validate=target.section is not Section.STATUS)
    except MultipleMatches as exc:
        _print_matches(exc.name, exc.matches, out)
        return ExitCode.OK
    except NoSuchObject:
        return ExitCode.OK
    except CibError as exc:
        err.write(f"{PROG}: Error performing operation: {exc}\n")
        return int(exc.exit_code)
    if removed is not None and not req.quiet:
        where = f" set={target.set_id}" if target.set_id is not None else ""
        # Pacemaker names the id it looked up: none when the pair was given by id (-i)
        shown = "(null)" if target.attr_id is not None else removed.id
        out.write(f"Deleted {target.section.value} {target.section.noun}: "
                  f"id={shown}{where} name={removed.name}\n")
    return ExitCode.OK


def main(argv: Sequence[str] | None = None) -> int:
    return run(sys.argv[1:] if argv is None else list(argv), sys.stdout, sys.stderr)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
