"""``attrd_updater``: query and update node attributes in the attribute daemon.

Pacemaker 2.1.5's options, output and exit codes: the last of ``-U/-v``, ``-B``, ``-Y``, ``-Q``,
``-D``, ``-R`` wins (query when none is given); ``-Q`` prints ``name="N" host="H" value="V"``
per value and exits 78 when there is none; a missing ``--name`` is a usage error (64); when
pacer is not running on this node the tool says so in one line and exits 102.  ``-z`` (write
the value into the node's utilization) is from later Pacemaker releases.

Unlike Pacemaker 2.1.5 (pacemaker#3166), ``-U VALUE -d DELAY`` is not silently stripped of its
delay: the delay applies when the update creates the attribute, as before that release;
``-B`` changes it on an existing attribute.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NoReturn, TextIO

from crm.attrd.client import AttrdClient, target_node
from crm.attrd.machine import parse_dampen
from crm.cib.errors import ExitCode
from crm.cluster.node import run_dir_from_environment
from crm.ipc.client import DaemonError, DaemonNotRunning

__all__ = ["Options", "main", "parse_args", "run"]

PROG = "attrd_updater"
VERSION_TEXT = "Pacemaker 2.1.5\nWritten by Andrew Beekhof and the Pacemaker project contributors\n"
EXIT_NO_VALUE = 78  # pcmk_rc_schema_validation -> CRM_EX_CONFIG, as 2.1.5 reports a missing attribute

HELP = """\
Usage:
  attrd_updater [OPTION?]

query and update Pacemaker node attributes

Help Options:
  -h, --help                  Show help options

Output Options:
  --output-as=FORMAT          Specify output format as one of: text (default)

Required Arguments:
  -n, --name=NAME             The attribute's name

Command:
  -U, --update=VALUE          Update attribute's value in the attribute daemon. If this causes the value
                              to change, it will also be updated in the cluster configuration.
  -B, --update-both=VALUE     Update attribute's value and time to wait (dampening) in
                              the attribute daemon. If this causes the value or dampening to change,
                              the attribute will also be written to the cluster configuration,
                              so be aware that repeatedly changing the dampening reduces its
                              effectiveness.
                              Requires -d/--delay
  -Y, --update-delay          Update attribute's dampening in the attribute daemon. If this causes
                              the dampening to change, the attribute will also be written
                              to the cluster configuration, so be aware that repeatedly
                              changing the dampening reduces its effectiveness.
                              Requires -d/--delay
  -Q, --query                 Query the attribute's value from the attribute daemon
  -D, --delete                Remove the attribute's value from the attribute daemon and the
                              cluster configuration
  -R, --refresh               (Advanced) Force the attribute daemon to resend all current
                              values to the CIB

Additional Options:
  -d, --delay=SECONDS         The time to wait (dampening) in seconds for further changes
                              before sending to the CIB (units: ms, s, min, h)
  -s, --set=SET               (Advanced) The attribute set in which to place the value
  -N, --node=NODE             Set the attribute for the named node (instead of the local one)
  -A, --all                   Show values of the attribute for all nodes (query only)
  -l, --lifetime=SECTION      (Not yet implemented) Lifetime of the node attribute (silently
                              ignored by cluster)
  -p, --private               If this creates a new attribute, never write the attribute to CIB
  -z, --utilization           Set an utilization attribute of the node (instead of a node attribute)

Application Options:
  -$, --version               Display software version and exit
  -V, --verbose               Increase debug output (may be specified multiple times)

Report bugs to users@clusterlabs.org
"""


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


class _Command(argparse.Action):
    """The commands: the last one given wins (as GOption callbacks do)."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: object, option_string: str | None = None) -> None:
        namespace.command = self.const
        namespace.value = values if isinstance(values, str) else None


@dataclass(frozen=True, slots=True)
class Options:
    command: str  # U B Y Q D R
    name: str | None
    value: str | None
    delay: str | None
    set_id: str | None
    node: str | None
    all_nodes: bool
    private: bool
    utilization: bool
    version: bool = False
    help: bool = False


def _parser() -> _Parser:
    p = _Parser(prog=PROG, add_help=False, allow_abbrev=False)
    p.add_argument("-h", "--help", "--help-all", dest="help", action="store_true")
    p.add_argument("-n", "--name", dest="name")
    p.add_argument("-U", "--update", "-v", dest="cmd_u", action=_Command, const="U")
    p.add_argument("-B", "--update-both", dest="cmd_b", action=_Command, const="B")
    p.add_argument("-Y", "--update-delay", dest="cmd_y", nargs=0, action=_Command, const="Y")
    p.add_argument("-Q", "--query", dest="cmd_q", nargs=0, action=_Command, const="Q")
    p.add_argument("-D", "--delete", dest="cmd_d", nargs=0, action=_Command, const="D")
    p.add_argument("-R", "--refresh", dest="cmd_r", nargs=0, action=_Command, const="R")
    p.add_argument("-d", "--delay", dest="delay")
    p.add_argument("-s", "--set", dest="set_id")
    p.add_argument("-N", "--node", dest="node")
    p.add_argument("-A", "--all", dest="all_nodes", action="store_true")
    p.add_argument("-l", "--lifetime", dest="lifetime")
    p.add_argument("-p", "--private", dest="private", action="store_true")
    p.add_argument("-z", "--utilization", dest="utilization", action="store_true")
    p.add_argument("-q", "--quiet", dest="quiet", action="store_true")  # deprecated, ignored
    p.add_argument("-V", "--verbose", action="count", default=0)
    p.add_argument("-$", "--version", dest="version", action="store_true")
    p.add_argument("--output-as", dest="output_as", default="text")
    p.add_argument("--output-to", dest="output_to")
    p.add_argument("rest", nargs="*")
    return p


def parse_args(argv: Sequence[str]) -> Options:
    ns = argparse.Namespace(command="Q", value=None)
    try:
        _parser().parse_args(list(argv), namespace=ns)
    except UsageError as err:
        text = str(err)
        if "expected one argument" in text:
            option = text.split(":")[0].replace("argument ", "").split("/")[0]
            raise UsageError(f"Missing argument for {option}") from None
        if text.startswith("unrecognized arguments: "):
            raise UsageError(f"Unknown option {text.removeprefix('unrecognized arguments: ').split()[0]}") from None
        raise
    if ns.lifetime is not None and ns.lifetime not in ("reboot", "forever"):
        raise UsageError(f"Unknown value for --lifetime: {ns.lifetime}")
    if ns.output_as != "text":
        raise UsageError(f"Unsupported output format {ns.output_as!r}: only text")
    return Options(
        command=ns.command, name=ns.name, value=ns.value, delay=ns.delay, set_id=ns.set_id, node=ns.node,
        all_nodes=ns.all_nodes, private=ns.private, utilization=ns.utilization, version=ns.version, help=ns.help,
    )


def _quote(text: str | None) -> str:
    return "" if text is None else text


def run(argv: Sequence[str], out: TextIO, err: TextIO, environ: Mapping[str, str] | None = None) -> int:
    env = os.environ if environ is None else environ
    try:
        opts = parse_args(argv)
    except UsageError as exc:
        err.write(f"{PROG}: {exc}\n")
        return ExitCode.USAGE
    if opts.help:
        out.write(HELP)
        return ExitCode.OK
    if opts.version:
        out.write(VERSION_TEXT)
        return ExitCode.OK
    if opts.command != "R" and not opts.name:
        err.write(f"{PROG}: Command requires --name argument\n")
        return ExitCode.USAGE
    if opts.delay is not None and parse_dampen(opts.delay) is None:
        err.write(f"{PROG}: Invalid --delay value: {opts.delay} (a time span such as 5, 5s or 500ms)\n")
        return ExitCode.USAGE
    if opts.command in ("B", "Y") and opts.delay is None:
        out.write(f"Warning: '{opts.command}' command given without required --delay\n")
    client = AttrdClient(run_dir_from_environment(env))
    name = opts.name or ""
    try:
        if opts.command == "Q":
            return _query(client, opts, out, err, env)
        if opts.command == "R":
            client.refresh()
            return ExitCode.OK
        node = target_node(opts.node, env)
        if opts.command == "D":
            client.delete(name, node)
        elif opts.command == "Y":
            if opts.delay is None:
                client.status()  # nothing to change; still say if attrd is not there
            else:
                client.update(name, None, node, dampen=opts.delay, what="delay")
        elif opts.command == "B" and opts.delay is not None:
            client.update(name, opts.value, node, dampen=opts.delay, set_id=opts.set_id, private=opts.private,
                          utilization=opts.utilization, what="both")
        else:
            client.update(name, opts.value, node, dampen=opts.delay, set_id=opts.set_id, private=opts.private,
                          utilization=opts.utilization)
    except DaemonNotRunning as exc:
        err.write(f"{PROG}: {exc}\n")
        return exc.rc
    except DaemonError as exc:
        value = opts.value if opts.command in ("U", "B") else None
        label = name if opts.name else "(null)"
        err.write(f"{PROG}: Could not update {label}={value if value is not None else '(null)'}: {exc} ({exc.rc})\n")
        return exc.rc or ExitCode.ERROR
    return ExitCode.OK


def _query(client: AttrdClient, opts: Options, out: TextIO, err: TextIO, env: Mapping[str, str]) -> int:
    name = str(opts.name)
    try:
        values = client.query(name, target_node(opts.node, env), all_nodes=opts.all_nodes)
    except DaemonNotRunning as exc:
        err.write(f"{PROG}: {exc}\n")
        return exc.rc
    except DaemonError as exc:
        err.write(f"{PROG}: Could not query value of {name}: {exc} ({exc.rc})\n")
        return exc.rc or ExitCode.ERROR
    if not values:
        err.write(f"{PROG}: Could not query value of {name}: attribute does not exist\n")
        return EXIT_NO_VALUE
    for value in values:
        out.write(f'name="{value.name}" host="{value.node}" value="{_quote(value.value)}"\n')
    return ExitCode.OK


def main(argv: Sequence[str] | None = None) -> int:
    return run(sys.argv[1:] if argv is None else list(argv), sys.stdout, sys.stderr)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
