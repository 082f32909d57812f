"""``crm_mon``: the cluster status, once (``-1``), as Pacemaker 2.1.5 prints it, from ``CIB_file``
(or ``CIB_shadow``) or else from the live cluster (the local CIB daemon).

The summary header (stack, DC, times, counts) and the failed actions are built here; the text
sections are put together by :mod:`crm.cli.crm_mon_text` (resource lists by
:mod:`crm.cli.mon_resources` on top of :mod:`pengine.status_view`, shared with
``crm_simulate``) and the XML document by :mod:`crm.cli.crm_mon_xml`.  Which sections appear is
Pacemaker's model (:mod:`crm.cli.mon_sections`): ``--include``/``--exclude`` and the options
standing for sections (``-f``, ``-A``, ``-o``, ``-t``, ``-c``, ``-L``, ``-D``) applied in
command-line order; ``-r``, ``-R``, ``-b``, ``-n``, ``--node`` and ``--resource`` shape the
lists; ``-s`` is the one-line simple status.  Fencing history needs the fencer, which is not
queried: ``-m`` is accepted and shows nothing.  Without a live cluster and without ``-1``/``-s``
the command says so and stops, as there is nothing to refresh from.

Live, the ``Stack:`` line names the layer the node runs on: the ``cluster-infrastructure``
property once a controller writes it, else the node's transport: ``corosync``, or
``pacer-embedded`` for the embedded bus.  Pacemaker prints the stack its controller really
joined, and tools that read the line (crmsh, pcs, scripts) take ``corosync`` to mean that
``corosync-cfgtool`` and ``corosync.conf`` apply, which is false on the embedded bus.
There is no controller yet, so no DC: ``Current DC: NONE``.  Nodes are online or offline
as the status section says (``node_state`` written by the CIB daemons on every
membership change).  Live and without ``-1``/``-s``, the status is shown again at every CIB
change and every ``-i`` seconds (default 5), until interrupted; a lost daemon is retried.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NoReturn, TextIO

from lxml import etree

from crm.cib.errors import CibError, CibUnavailable, ExitCode
from crm.cib.live import LiveCibSource
from crm.cli import crm_mon_xml, live_errors, pcmk_log
from crm.cli.cib_source import CibSource
from crm.cli.crm_mon_text import View, render_sections
from crm.cli.help_format import answer, install, option_group
from crm.cli.mon_blocks import _plural, failed_actions
from crm.cli.mon_ops import epoch_text, hard_failures
from crm.cli.mon_sections import SectionError, select
from crm.cli.output_format import (
    OutputChoice,
    OutputFormatError,
    XmlResult,
    add_output_options,
    open_output,
    request_line,
)
from crm.cluster.node import NodeConfig, NodeConfigError
from crm.common.durations import parse_ms
from crm.ipc.client import DaemonError, IpcClient
from pengine.status_view import (
    Entry,
    Item,
    Spacer,
    instance_counts,
    natural_key,
    unpack_nodes,
)

__all__ = ["Options", "main", "render", "run"]

PROG = "crm_mon"
FORMATS = ("text", "xml")


class UsageError(Exception):
    pass


@dataclass(frozen=True, slots=True)
class Options:
    inactive: bool = False
    failcounts: bool = False
    attributes: bool = False
    hide_headers: bool = False
    simple: bool = False
    #: ``--include``/``--exclude`` and the options standing for them, in command-line order
    sections: tuple[tuple[str, str], ...] = ()
    detail: bool = False
    brief: bool = False
    by_node: bool = False
    timing: bool = False
    only_node: str | None = None
    only_rsc: str | None = None

    def view(self) -> View:
        specs = list(self.sections)
        if self.failcounts and ("include", "failcounts") not in specs:
            specs.append(("include", "failcounts"))
        if self.attributes and ("include", "attributes") not in specs:
            specs.append(("include", "attributes"))
        if self.hide_headers and ("exclude", "summary") not in specs:
            specs.append(("exclude", "summary"))
        return View(select(specs), self.inactive, self.detail, self.brief, self.by_node, self.timing,
                    self.only_node, self.only_rsc)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


#: the options that stand for ``--include=SECTION``, applied in their place on the command line
LEGACY_SECTIONS = {
    "-f": "failcounts", "--failcounts": "failcounts", "-A": "attributes", "--show-node-attributes": "attributes",
    "-o": "operations", "--operations": "operations", "-t": "operations", "--timing-details": "operations",
    "-c": "tickets", "--tickets": "tickets", "-L": "bans", "--neg-locations": "bans",
}


class _Sections(argparse.Action):
    """``--include``/``--exclude``: kept in order, applied left to right."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: object, option_string: str | None = None) -> None:
        specs = list(getattr(namespace, self.dest, None) or [])
        if option_string in ("-t", "--timing-details"):
            namespace.timing = True
        if option_string in ("-D", "--hide-headers"):
            namespace.hide_headers = True
            specs.append(("exclude", "summary"))
        elif option_string in LEGACY_SECTIONS:
            name = LEGACY_SECTIONS[option_string]
            if name == "bans" and isinstance(values, str) and values:
                name = f"bans:{values}"
            specs.append(("include", name))
        else:
            kind = "include" if option_string in ("-I", "--include") else "exclude"
            specs.append((kind, str(values)))
        setattr(namespace, self.dest, specs)


def _parser() -> _Parser:
    p = _Parser(prog=PROG, add_help=False, allow_abbrev=False)
    add_output_options(p, FORMATS)
    display = option_group(p, "display", "Display Options", "Show display options")
    display.add_argument("-I", "--include", dest="sections", action=_Sections, metavar="SECTION(S)",
                         help="A list of sections to include in the output.\n"
                         "See `Output Control` help for more information.")
    display.add_argument("-U", "--exclude", dest="sections", action=_Sections, metavar="SECTION(S)",
                         help="A list of sections to exclude from the output.\n"
                         "See `Output Control` help for more information.")
    display.add_argument("--node", dest="only_node", metavar="NODE",
                         help="When displaying information about nodes, show only what's related to the given\n"
                         "node, or to all nodes tagged with the given tag")
    display.add_argument("--resource", dest="only_rsc", metavar="RSC",
                         help="When displaying information about resources, show only what's related to the given\n"
                         "resource, or to all resources tagged with the given tag")
    display.add_argument("-n", "--group-by-node", dest="by_node", action="store_true",
                         help="Group resources by node")
    display.add_argument("-r", "--inactive", action="store_true", help="Display inactive resources")
    display.add_argument("-f", "--failcounts", dest="sections", action=_Sections, nargs=0,
                         help="Display resource fail counts")
    display.add_argument("-o", "--operations", dest="sections", action=_Sections, nargs=0,
                         help="Display resource operation history")
    display.add_argument("-t", "--timing-details", dest="sections", action=_Sections, nargs=0,
                         help="Display resource operation history with timing details")
    display.add_argument("-c", "--tickets", dest="sections", action=_Sections, nargs=0,
                         help="Display cluster tickets")
    display.add_argument("-m", "--fence-history", dest="fence_history", nargs="?", const="2", metavar="LEVEL",
                         help="Show fence history:\n"
                         "0=off, 1=failures and pending (default without option),\n"
                         "2=add successes (default without value for option),\n"
                         "3=show full history without reduction to most recent of each flavor")
    display.add_argument("-L", "--neg-locations", dest="sections", action=_Sections, nargs="?",
                         metavar="PREFIX",
                         help="Display negative location constraints [optionally filtered by id prefix]")
    display.add_argument("-A", "--show-node-attributes", dest="sections", action=_Sections, nargs=0,
                         help="Display node attributes")
    display.add_argument("-D", "--hide-headers", dest="sections", action=_Sections, nargs=0,
                         help="Hide all headers")
    display.add_argument("-R", "--show-detail", dest="detail", action="store_true",
                         help="Show more details (node IDs, individual clone instances)")
    display.add_argument("-b", "--brief", action="store_true", help="Brief output")
    additional = option_group(p, "additional", "Additional Options", "Show additional options")
    additional.add_argument("-i", "--interval", default="5", metavar="TIMESPEC",
                            help="Update frequency (default is 5 seconds)")
    additional.add_argument("-1", "--one-shot", dest="one_shot", action="store_true",
                            help="Display the cluster status once and exit")
    additional.add_argument("-s", "--simple-status", dest="simple", action="store_true",
                            help="Display the cluster status once as a simple one line output\n"
                            "(suitable for nagios)")
    additional.add_argument("-X", "--xml-file", dest="xml_file", metavar="FILE",
                            help="Use the CIB in FILE instead of the cluster's (as CIB_file=FILE)")
    p.add_argument("-V", "--verbose", action="count", default=0,
                   help="Increase debug output (may be specified multiple times)")
    p.add_argument("-Q", "--quiet", action="store_true", help="Be less descriptive in output.")
    install(p, "Provides a summary of cluster's current state.\n\n"
            "Outputs varying levels of detail in a number of different formats.", epilog=EXAMPLES)
    return p


EXAMPLES = """Time Specification:

The TIMESPEC in any command line option can be specified in many different
formats.  It can be just an integer number of seconds, a number plus units
(ms/msec/us/usec/s/sec/m/min/h/hr), or an ISO 8601 period specification.

Examples:

Display the cluster status on the console with updates as they occur:

\tcrm_mon

Display the cluster status on the console just once then exit:

\tcrm_mon -1

Display your cluster status and include inactive resources in the list:

\tcrm_mon --inactive

Export the current cluster status as XML to stdout, then exit:

\tcrm_mon --output-as xml
"""


# ---------------------------------------------------------------------------------------------
# Rendering


def _write(items: Sequence[Item], out: TextIO, depth: int = 0) -> None:
    for item in items:
        pad = "  " * depth + ("* " if depth else "")
        if isinstance(item, Spacer):
            out.write("\n")
        elif isinstance(item, Entry):
            text = f"{item.label}: {item.text}" if item.label is not None else item.text
            out.write(f"{pad}{text}\n")
        else:
            out.write(f"{pad}{item.title}:\n")
            _write(item.items, out, depth + 1)


def render(cib: etree._Element, options: Options, now: float, stack: str | None = None) -> str:
    """The text ``crm_mon -1`` prints for ``cib`` at time ``now`` (epoch seconds)."""
    view = options.view()
    return render_sections(cib, view, now, stack, failed_actions(cib, _failure_filter(cib, view), view.detail))


def _failure_filter(cib: etree._Element, view: View) -> crm_mon_xml.Filter:
    flt = crm_mon_xml.Filter(cib, view.only_rsc, None)
    if view.only_node is not None:
        tags = {str(t.get("id")): [str(r.get("id")) for r in t.iterfind("obj_ref")]
                for t in cib.iterfind("configuration/tags/tag")}
        by_id = {n.uuid: n.name for n in unpack_nodes(cib).values()}
        flt.nodes = {by_id.get(i, i) for i in tags[view.only_node]} if view.only_node in tags else {view.only_node}
    return flt


def simple_status(cib: etree._Element) -> tuple[str, int]:
    """``crm_mon -s``: one line for monitoring systems."""
    nodes = unpack_nodes(cib)
    online = sum(1 for n in nodes.values() if n.online)
    _, total, _ = instance_counts(cib)
    if not nodes or online == 0:
        return "CLUSTER CRIT: No online nodes", 2
    offline = [n.name for n in sorted(nodes.values(), key=lambda n: natural_key(n.name)) if not n.online]
    if offline:
        return f"CLUSTER WARN: offline node: {offline[0]}", 1
    return (f"CLUSTER OK: {_plural(online, 'node')} online, {_plural(total, 'resource instance')} configured", 0)


def run(argv: Sequence[str], out: TextIO, err: TextIO, environ: Mapping[str, str] | None = None,
        now: float | None = None) -> int:
    env = dict(os.environ if environ is None else environ)
    answered = answer(_parser(), list(argv), out)
    if answered is not None:
        return answered
    try:
        ns = _parser().parse_args(list(argv))
    except UsageError as exc:
        text = str(exc)
        if text.startswith("unrecognized arguments: "):
            text = f"Unknown option {text.removeprefix('unrecognized arguments: ').split()[0]}"
        err.write(f"{PROG}: {text}\n")
        return ExitCode.USAGE
    try:
        output = open_output(ns, FORMATS)
    except OutputFormatError as exc:
        err.write(f"{PROG}: {exc}\n")
        return exc.exit_code
    if ns.xml_file:
        env["CIB_file"] = ns.xml_file
    source = CibSource.from_environment(env)
    try:
        cib = source.read().root
    except CibError as exc:
        if output.xml:
            return _xml_read_error(exc, list(argv), output, out)
        if live_errors.not_running(exc):
            return live_errors.report(PROG, exc, err)
        return _read_error(exc, err)
    stack = live_stack(source) if isinstance(source, LiveCibSource) else None
    if pcmk_log.enabled(ns.verbose, env):
        for message in hard_failures(cib):
            err.write(pcmk_log.line("unpack_rsc_op", "error", message, "unpack.c:0", env))
    if output.xml:
        clock = time.time() if now is None else now
        try:
            sections = crm_mon_xml.sections_from(ns.sections or [])
        except crm_mon_xml.SectionError as exc:
            err.write(f"{PROG}: {exc}\n")
            return ExitCode.USAGE
        result = XmlResult(request_line(PROG, list(argv)))
        code = crm_mon_xml.build(result, cib, int(clock), epoch_text(clock), stack, sections,
                                 ns.only_rsc, ns.only_node, ns.by_node)
        output.write(result.finish(code), out)
        return code
    try:
        select(ns.sections or [])
    except SectionError as exc:
        err.write(f"{PROG}: {exc}\n")
        return ExitCode.USAGE
    options = Options(ns.inactive, False, False, False, ns.simple, tuple(ns.sections or ()), ns.detail, ns.brief,
                      ns.by_node, bool(getattr(ns, "timing", False)), ns.only_node, ns.only_rsc)
    if options.simple:
        line, code = simple_status(cib)
        out.write(line + "\n")
        return code
    if isinstance(source, LiveCibSource) and not ns.one_shot:
        interval = _seconds(ns.interval)
        if interval is None:
            err.write(f"{PROG}: Invalid value for --interval: {ns.interval}\n")
            return ExitCode.USAGE
        return watch(source, options, interval, out, err, stack)
    out.write(render(cib, options, time.time() if now is None else now, stack))
    return ExitCode.OK


def _seconds(text: str) -> float | None:
    """A ``TIMESPEC``: seconds, or a number with ``ms``/``s``/``m``/``h``."""
    ms = parse_ms(text)
    return ms / 1000 if ms is not None and ms > 0 else None


CLEAR = "\033[H\033[2J"


def watch(source: LiveCibSource, options: Options, interval: float, out: TextIO, err: TextIO,
          stack: str | None) -> int:
    """Show the status again at each CIB change (``subscribe``) and every ``interval`` seconds."""
    tty = out.isatty()
    try:
        while True:
            try:
                with source.client(timeout=interval) as client:
                    client.call({"op": "subscribe"})
                    while True:
                        text = render(source.read().root, options, time.time(), stack)
                        out.write((CLEAR if tty else "") + text + ("" if tty else "\n"))
                        out.flush()
                        _wait_change(client)
            except (CibError, DaemonError) as exc:
                out.write(CLEAR if tty else "")
                err.write(live_errors.one_line(PROG, exc))
                err.flush()
                time.sleep(interval)
    except KeyboardInterrupt:
        return ExitCode.OK


def _wait_change(client: IpcClient) -> None:
    """Until an event arrives or the client's timeout passes (the refresh interval)."""
    try:
        client.receive()
    except DaemonError as exc:
        if exc.rc != ExitCode.TIMEOUT:
            raise


STACKS = {"embedded": "pacer-embedded", "corosync": "corosync"}


def live_stack(source: LiveCibSource) -> str | None:
    """The cluster layer of the local node (its transport), for the ``Stack:`` line."""
    try:
        transport = NodeConfig.load(source.run_dir).transport
    except NodeConfigError:
        return None
    return STACKS.get(transport, transport)


def _xml_read_error(exc: CibError, argv: list[str], output: OutputChoice, out: TextIO) -> int:
    """Pacemaker reports a CIB it cannot reach inside the XML result (and exits 0 for a
    missing file, which scripts cannot tell from success: pacer's status carries the code)."""
    result = XmlResult(request_line(PROG, argv))
    if isinstance(exc, CibUnavailable) and "does not exist" in str(exc):
        result.error("Could not connect to the CIB: No such device or address")
        code = int(ExitCode.NOSUCH)
    else:
        result.error(str(exc))
        code = int(exc.exit_code)
    output.write(result.finish(code), out)
    return code


def _read_error(exc: CibError, err: TextIO) -> int:
    if isinstance(exc, CibUnavailable) and "does not exist" in str(exc):
        # Pacemaker's wording; it then exits 0, which would hide the failure from scripts.
        err.write("Could not connect to the CIB: No such device or address\n")
        return ExitCode.NOSUCH
    err.write(f"{PROG}: Error: {exc}\n")
    return int(exc.exit_code)


def main(argv: Sequence[str] | None = None) -> int:
    return run(sys.argv[1:] if argv is None else list(argv), sys.stdout, sys.stderr)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
