"""``crm_simulate``: run the scheduler on a CIB file and simulate the resulting transition.

Options and output follow Pacemaker 2.1.5's ``crm_simulate``: the text layout is "fancy"
(section headers, bullets) unless scores or utilization are shown, in which case lists are
printed bare, as Pacemaker does.

``-L`` reads the CIB named by ``CIB_file``/``CIB_shadow``, else the live CIB from the local
CIB daemon; when pacer is not running on the node one line says so and how to start it, with
Pacemaker's exit code 66 ("input not available").  Nothing is ever written to the cluster.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import gc
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import NoReturn, TextIO

from lxml import etree

from crm.cib.errors import CibError as LibCibError
from crm.cib.pacemaker_schemas import STDIN_LABEL, load_check
from crm.cli import live_errors, mon_blocks
from crm.cli.cib_source import CibSource
from crm.cli.unpack_notices import log_unpack_errors
from crm.common.booleans import is_true
from crm.transition.executor import RunStatus, run_graph
from crm.transition.graph import GraphError, parse_graph
from crm.transition.history import HistoryError
from crm.transition.inject import (
    InjectSpec,
    inject_op,
    node_down,
    node_fail,
    node_up,
    set_quorum,
    set_watchdog,
    ticket_activate,
    ticket_grant,
    ticket_revoke,
    ticket_standby,
)
from crm.transition.simulation import FailSpec, SimEvent, SimulatedEffect
from pengine import CibError, Result, ScheduleOptions, schedule
from pengine.status_view import Block, Entry, Item, Spacer, cluster_status, instance_counts

# Pacemaker exit codes (crm_exit_t)
EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 64
EXIT_DATAERR = 65
EXIT_NOINPUT = 66
EXIT_CANTCREAT = 73
EXIT_CONFIG = 78
EXIT_NOSUCH = 105


class UsageError(Exception):
    pass


class TextOutput:
    """Pacemaker's text formatter: nested lists, spacers, notices."""

    def __init__(self, stream: TextIO, *, fancy: bool, quiet: bool) -> None:
        self.stream = stream
        self.fancy = fancy
        self.quiet = quiet
        self.depth = 0

    def _indented(self, text: str) -> str:
        if not self.fancy:
            return text
        return "  " * self.depth + ("* " if self.depth > 0 else "") + text

    def info(self, text: str) -> None:
        if not self.quiet:
            self.stream.write(text + "\n")

    def spacer(self) -> None:
        self.stream.write("\n")

    def begin_list(self, title: str) -> None:
        if self.fancy:
            self.stream.write(self._indented(title) + ":\n")
        self.depth += 1

    def end_list(self) -> None:
        self.depth -= 1

    def item(self, text: str, label: str | None = None) -> None:
        if self.fancy and label is not None:
            text = f"{label}: {text}"
        self.stream.write(self._indented(text) + "\n")

    def line(self, text: str) -> None:
        self.stream.write(text + "\n")

    def tree(self, items: Sequence[Item]) -> None:
        for it in items:
            if isinstance(it, Spacer):
                self.spacer()
            elif isinstance(it, Entry):
                self.item(it.text, it.label)
            elif isinstance(it, Block):
                self.begin_list(it.title)
                self.tree(it.items)
                self.end_list()


# ---------------------------------------------------------------------------------------------
# Dates


_TIME_RE = re.compile(r"(\d{2})(?::?(\d{2})(?::?(\d{2}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?$")


def parse_iso8601(text: str) -> datetime:
    """Parse Pacemaker's ISO 8601 forms: calendar, ordinal (2005-020) and week (2005-W03-4) dates."""
    raw = text.strip()
    date_part, sep, time_part = raw.replace("T", " ", 1).partition(" ")
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", date_part)
    try:
        if m:
            day = datetime(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        elif (m := re.fullmatch(r"(\d{4})-?(\d{3})", date_part)) is not None:
            day = datetime(int(m.group(1)), 1, 1) + timedelta(days=int(m.group(2)) - 1)
            if day.year != int(m.group(1)):
                raise ValueError("day of year out of range")
        elif (m := re.fullmatch(r"(\d{4})-?W(\d{2})-?(\d)", date_part)) is not None:
            day = datetime.fromisocalendar(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        elif (m := re.fullmatch(r"(\d{4})(\d{2})(\d{2})", date_part)) is not None:
            day = datetime(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        else:
            raise ValueError("unrecognised date")
        offset = timedelta(0)
        if sep:
            t = _TIME_RE.match(time_part.strip())
            if t is None:
                raise ValueError("unrecognised time of day")
            day = day.replace(hour=int(t.group(1)), minute=int(t.group(2) or 0), second=int(t.group(3) or 0))
            zone = t.group(4)
            if zone and zone != "Z":
                sign = -1 if zone[0] == "-" else 1
                digits = zone[1:].replace(":", "")
                offset = sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))
    except ValueError as exc:
        raise UsageError(f"invalid date/time {text!r}: {exc}") from None
    return day.replace(tzinfo=timezone(offset))


def format_date(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%SZ")


# ---------------------------------------------------------------------------------------------
# Files


def write_atomic(path: str, data: str | bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same directory."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".crm_simulate.", dir=directory)
    try:
        with contextlib.suppress(FileNotFoundError):  # a replaced file keeps its permissions (-X)
            os.fchmod(fd, os.stat(path).st_mode & 0o7777)
        with os.fdopen(fd, "wb") as f:
            f.write(data.encode() if isinstance(data, str) else data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def cib_text(cib: etree._Element) -> bytes:
    return etree.tostring(cib, pretty_print=True, encoding="UTF-8", xml_declaration=False)


def _live_cib(stderr: TextIO) -> bytes | None:
    """The text of the CIB ``-L`` works on, or ``None`` after saying why there is none."""
    source = CibSource.from_environment(os.environ)
    try:
        return source.read().to_text().encode()
    except LibCibError as exc:
        if live_errors.not_running(exc):
            live_errors.report("crm_simulate", exc, stderr)
        elif isinstance(source, CibSource):  # CIB_file missing, unreadable or not valid
            stderr.write("crm_simulate: CIB query failed: Input file not available\n")
        else:
            stderr.write(f"crm_simulate: CIB query failed: {' '.join(str(exc).split())}\n")
        return None


class NoCib(Exception):
    """The input is not a CIB at all (another document element): nothing to query."""


def read_cib(source: str, data: bytes) -> etree._Element:
    """Parse the input and add an empty status section if it has none, as Pacemaker does
    before validating it."""
    if not data.strip():
        raise UsageError(f"{source}: the CIB is empty")
    try:
        root = etree.fromstring(data, parser=etree.XMLParser(remove_blank_text=True, huge_tree=True))
    except etree.XMLSyntaxError as exc:
        raise UsageError(f"{source}: not well-formed XML: {exc}") from None
    if root.find("status") is None:
        etree.SubElement(root, "status")
    return root


def usable_cib(source: str, root: etree._Element) -> etree._Element:
    """A validated CIB (or one whose validation is off) made usable by the scheduler: the
    document element must be ``cib``; a missing configuration is an empty one."""
    if root.tag != "cib":
        raise NoCib(f"{source}: the document element is <{root.tag}>, expected <cib>")
    if root.find("configuration") is None:
        root.insert(0, etree.Element("configuration"))
    return root


# ---------------------------------------------------------------------------------------------
# Command line


def _repeat_count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid repeat count {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"the repeat count must be at least 1, not {value}")
    return value


class _Parser(argparse.ArgumentParser):
    """Usage errors exit with Pacemaker's code 64 (argparse uses 2)."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"crm_simulate: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="crm_simulate",
        description="Tool for simulating the cluster's response to events",
    )
    src = p.add_argument_group("Data source")
    src.add_argument("-x", "--xml-file", metavar="FILE", help="Retrieve XML from the named file")
    src.add_argument("-p", "--xml-pipe", action="store_true", help="Retrieve XML from stdin")
    src.add_argument("-L", "--live-check", action="store_true", help="Connect to the CIB and use the current contents as input")
    ops = p.add_argument_group("Operations")
    ops.add_argument("-R", "--run", action="store_true", help="Process the supplied input and show what actions the cluster will take")
    ops.add_argument("-S", "--simulate", action="store_true", help="Simulate the transition's execution and display the resulting cluster status")
    ops.add_argument("-s", "--show-scores", action="store_true", help="Show allocation scores")
    ops.add_argument("-U", "--show-utilization", action="store_true", help="Show utilization information")
    ops.add_argument("-X", "--in-place", action="store_true",
                     help="Like --simulate, but also store the results back to the input file")
    ops.add_argument("-A", "--show-attrs", action="store_true", help="Show node attributes")
    ops.add_argument("-c", "--show-failcounts", action="store_true", help="Show resource fail counts")
    ops.add_argument("-P", "--profile", metavar="DIR",
                     help="Process all the XML files in the named directory to create profiling data")
    ops.add_argument("-N", "--repeat", metavar="N", type=_repeat_count, default=1,
                     help="With --profile, repeat each test N times and print timings")
    ops.add_argument("-Q", "--quiet", action="store_true", help="Display only essential output")
    ops.add_argument("-t", "--set-datetime", metavar="DATETIME", help="Set date/time (ISO 8601 format)")
    ops.add_argument("-a", "--all-actions", action="store_true", help="Display all possible actions in dot graph")
    ops.add_argument("-j", "--pending", action="store_true", help="Display pending state if 'record-pending' is enabled")
    inj = p.add_argument_group("Synthetic cluster events")
    inj.add_argument("-u", "--node-up", action="append", default=[], metavar="NODE")
    inj.add_argument("-d", "--node-down", action="append", default=[], metavar="NODE")
    inj.add_argument("-f", "--node-fail", action="append", default=[], metavar="NODE")
    inj.add_argument("-i", "--op-inject", action="append", default=[], metavar="OPSPEC")
    inj.add_argument("-F", "--op-fail", action="append", default=[], metavar="OPSPEC")
    inj.add_argument("-q", "--quorum", metavar="QUORUM")
    inj.add_argument("-w", "--watchdog", metavar="DEVICE")
    inj.add_argument("-g", "--ticket-grant", action="append", default=[], metavar="TICKET")
    inj.add_argument("-r", "--ticket-revoke", action="append", default=[], metavar="TICKET")
    inj.add_argument("-b", "--ticket-standby", action="append", default=[], metavar="TICKET")
    inj.add_argument("-e", "--ticket-activate", action="append", default=[], metavar="TICKET")
    p.add_argument("-V", "--verbose", action="count", default=0,
                   help="Increase debug output (shows the scheduler's configuration warnings)")
    ops.add_argument("--explain", metavar="RSC",
                     help="Say why RSC is where it is: constraints per node, stickiness, fail counts, "
                          "colocations, scores and the decision (after any requested modifications)")
    p.add_argument("-$", "--version", action="store_true", help="Display software version and exit")
    fmt = p.add_argument_group("Output Options")
    fmt.add_argument("--output-as", metavar="FORMAT", default="text", choices=("text",),
                     help="Specify output format as one of: text (default)")
    fmt.add_argument("--output-to", metavar="DEST",
                     help='Specify file name for output (or "-" for stdout)')
    fmt.add_argument("--text-fancy", action="store_true",
                     help="Use more highly formatted output (requires --output-as=text)")
    out = p.add_argument_group("Output")
    out.add_argument("-I", "--save-input", metavar="FILE", help="Save the input configuration to the named file")
    out.add_argument("-O", "--save-output", metavar="FILE", help="Save the output configuration to the named file")
    out.add_argument("-G", "--save-graph", metavar="FILE", help="Save the transition graph (XML format) to the named file")
    out.add_argument("-D", "--save-dotfile", metavar="FILE", help="Save the transition graph (DOT format) to the named file")
    return p


@dataclass(frozen=True, slots=True)
class Sections:
    """The optional sections of a status display (``-A``, ``-c``)."""

    attributes: bool = False
    failcounts: bool = False


def _print_status(
    out: TextOutput,
    cib: etree._Element,
    title: str,
    spacer: bool,
    *,
    pending: bool,
    now: datetime,
    sections: Sections = Sections(),
) -> None:
    if spacer:
        out.spacer()
    out.begin_list(title)
    items: list[Item] = list(cluster_status(cib, show_pending=pending, now=int(now.timestamp())))
    # the same sections as crm_mon -A / -f, in Pacemaker's order (after the resources)
    if sections.attributes:
        attributes = mon_blocks._node_attributes(cib)
        if attributes.items:  # Pacemaker leaves out the section when no node has one to show
            items += [Spacer(), attributes]
    if sections.failcounts:  # Pacemaker shows the failed actions with the fail counts
        items += [Spacer(), mon_blocks._migration_summary(cib)]
        failures = mon_blocks.failed_actions(cib)
        if failures:
            items += [Spacer(), Block("Failed Resource Actions", failures)]
    out.tree(_without_empty_sections(items))
    out.end_list()


def _without_empty_sections(items: Sequence[Item]) -> list[Item]:
    """The node list of a cluster without nodes is left out with its spacer, as Pacemaker does."""
    kept: list[Item] = []
    for item in items:
        if isinstance(item, Block) and item.title == "Node List" and not item.items:
            continue
        if isinstance(item, Spacer) and (not kept or isinstance(kept[-1], Spacer)):
            continue
        kept.append(item)
    while kept and isinstance(kept[-1], Spacer):
        kept.pop()
    return kept


def _effective_date(out: TextOutput, cib: etree._Element, use_date: str | None) -> datetime | None:
    if use_date is not None:
        out.info(f"Setting effective cluster time: {use_date}")
        return parse_iso8601(use_date)
    stamp = cib.get("execution-date")
    if stamp is not None and stamp.strip().lstrip("-").isdigit() and int(stamp) != 0:
        when = datetime.fromtimestamp(int(stamp), UTC)
        out.info(f"Using the original execution date of: {format_date(when)}")
        return when
    return None


Scheduler = Callable[..., Result]


def simulate(
    args: argparse.Namespace, stdout: TextIO, stderr: TextIO, scheduler: Scheduler = schedule
) -> int:
    """Run crm_simulate with parsed ``args``; ``scheduler`` is :func:`pengine.schedule` (tests swap it)."""
    live_source = args.live_check or (args.xml_file is None and not args.xml_pipe)
    if live_source:
        # Without -x or -p, Pacemaker's crm_simulate also works on the live CIB.
        live = _live_cib(stderr)
        if live is None:
            return EXIT_NOINPUT
        cib = read_cib("live CIB", live)
    elif args.xml_file is not None:
        try:
            with open(args.xml_file, "rb") as f:
                data = f.read()
        except OSError as exc:
            stderr.write(f"crm_simulate: cannot read {args.xml_file}: {exc.strerror}\n")
            return EXIT_NOINPUT
        cib = read_cib(args.xml_file, data)
    else:
        cib = read_cib("stdin", sys.stdin.buffer.read())
    label = None if live_source else (STDIN_LABEL if args.xml_file is None else args.xml_file)
    loaded = load_check(cib, label)
    for message in loaded.messages:
        stderr.write(message + "\n")
    if loaded.document is None:
        return EXIT_CONFIG
    cib = usable_cib(label or "live CIB", loaded.document)
    if args.set_datetime is not None:
        parse_iso8601(args.set_datetime)  # reject a bad date before any output
    if args.in_place:
        args.simulate = True
    op_fail = [FailSpec.parse(s) for s in args.op_fail]
    op_inject = [InjectSpec.parse(s) for s in args.op_inject]

    sections = Sections(attributes=args.show_attrs, failcounts=args.show_failcounts)
    fancy = not (args.show_scores or args.show_utilization)
    out = TextOutput(stdout, fancy=fancy, quiet=args.quiet)
    process = args.simulate or args.run or args.show_scores or args.show_utilization or bool(
        args.save_graph or args.save_dotfile
    )
    clock = int(time.time())
    wall = datetime.fromtimestamp(clock, UTC)

    printed = False
    now = _effective_date(out, cib, args.set_datetime)
    log_unpack_errors(cib, args.verbose, stderr)  # the first unpacking (the current status)
    if not args.quiet:
        options = cluster_options_text(cib)
        if is_true(options.get("maintenance-mode")):
            out.line("")
            out.line("              *** Resource management is DISABLED ***")
            out.line("  The cluster will not attempt to start, stop or recover services")
            out.line("")
            printed = True
        disabled, total, blocked = instance_counts(cib, int((now or wall).timestamp()))
        if disabled or blocked:
            if printed:
                out.spacer()
            out.info(
                f"{disabled} of {total} resource instances DISABLED and {blocked} BLOCKED "
                "from further action due to failure"
            )
            printed = True
        _print_status(
            out, cib, "Current cluster status", printed, pending=True, now=now or wall, sections=sections
        )
        printed = True

    modifications = (
        args.node_up or args.node_down or args.node_fail or args.op_inject or args.ticket_grant
        or args.ticket_revoke or args.ticket_standby or args.ticket_activate or args.quorum or args.watchdog
    )
    if modifications:
        shown = not args.quiet  # -Q leaves out the list of modifications
        if printed and shown:
            out.spacer()
        if shown:
            out.begin_list("Performing Requested Modifications")
        lines: list[str] = []
        for node in args.node_up:
            lines += node_up(cib, node)
        for node in args.node_down:
            lines += node_down(cib, node)
        for node in args.node_fail:
            lines += node_fail(cib, node)
        for ticket in args.ticket_grant:
            lines += ticket_grant(cib, ticket)
        for ticket in args.ticket_revoke:
            lines += ticket_revoke(cib, ticket)
        for ticket in args.ticket_standby:
            lines += ticket_standby(cib, ticket)
        for ticket in args.ticket_activate:
            lines += ticket_activate(cib, ticket)
        if args.quorum is not None:
            lines += set_quorum(cib, args.quorum)
        if args.watchdog is not None:
            lines += set_watchdog(cib, args.watchdog)
        for line in lines if shown else []:
            out.item(line)
        for spec in op_inject:
            try:
                lines = inject_op(cib, spec, clock)
            except HistoryError as exc:
                if shown:
                    out.item(f"Injecting {spec.text} into the configuration")
                stderr.write(f"{exc}\n")
                continue
            for line in lines if shown else []:
                out.item(line)
        if shown:
            out.end_list()
            printed = True
        now = _effective_date(out, cib, args.set_datetime)
        log_unpack_errors(cib, args.verbose, stderr)  # unpacked again with the modifications

    if args.save_input:
        write_atomic(args.save_input, cib_text(cib))

    if args.explain:
        from pengine.api import CibError
        from pengine.explain import explain

        try:
            account = explain(cib, args.explain, now=now if now is not None else wall)
        except CibError as exc:
            stderr.write(f"crm_simulate: {exc}\n")
            return EXIT_NOSUCH
        if printed:
            out.spacer()
        stdout.write(f"Why {args.explain} is where it is:\n")
        for line in account:
            stdout.write(f"  {line}\n" if line else "\n")
        printed = True

    graph_xml: str | None = None
    if process:
        if args.show_scores or args.show_utilization:
            if printed:
                out.spacer()
            printed = True
        keep = args.simulate or args.save_output or args.in_place  # the input is used again
        result = scheduler(
            copy.deepcopy(cib) if keep else cib,
            now=now if now is not None else wall,
            options=ScheduleOptions(show_scores=args.show_scores, show_utilization=args.show_utilization),
        )
        if args.verbose:  # like Pacemaker, configuration warnings are only shown when asked for
            for message in result.messages:
                stderr.write(message.rstrip("\n") + "\n")
        _print_scores(
            out,
            result.scores if args.show_scores else (),
            result.utilization if args.show_utilization else (),
        )
        graph_xml = result.graph_xml
        if args.save_graph:
            write_atomic(args.save_graph, result.graph_xml)
        if args.save_dotfile:
            write_atomic(args.save_dotfile, result.dot)
        if not args.quiet:
            if printed:
                out.spacer()
            out.begin_list("Transition Summary")
            for line in result.transition_summary:
                out.item(line.strip().removeprefix("* ").strip() if not line.startswith("  * ") else line[4:])
            out.end_list()

    rc = EXIT_OK
    if args.simulate and graph_xml is not None:
        if printed:
            out.spacer()
        rc = _run_transition(out, stderr, cib, graph_xml, op_fail, clock)
        if not args.quiet:
            log_unpack_errors(cib, args.verbose, stderr)  # unpacked again for the revised status
            now = _effective_date(out, cib, args.set_datetime)
            _print_status(
                out, cib, "Revised Cluster Status", True, pending=False, now=now or wall, sections=sections
            )

    if args.save_output:
        write_atomic(args.save_output, cib_text(cib))
    if args.in_place and args.xml_file is not None:
        write_atomic(args.xml_file, cib_text(cib))
    return rc


def cluster_options_text(cib: etree._Element) -> dict[str, str]:
    out: dict[str, str] = {}
    for nv in cib.iterfind("configuration/crm_config/cluster_property_set/nvpair"):
        name = nv.get("name")
        if name and name not in out:
            out[name] = nv.get("value", "")
    return out


def _print_scores(out: TextOutput, scores: Sequence[str], utilization: Sequence[str]) -> None:
    lines = list(utilization)
    if scores:
        originals = [u for u in lines if u.startswith("Original:")]
        rest = [u for u in lines if not u.startswith("Original:")]
        lines = originals + list(scores) + rest
    for line in lines:
        out.line(line)


def _run_transition(
    out: TextOutput,
    stderr: TextIO,
    cib: etree._Element,
    graph_xml: str,
    op_fail: list[FailSpec],
    clock: int,
) -> int:
    if not out.quiet:
        out.begin_list("Executing Cluster Transition")

    def report(event: SimEvent) -> None:
        if out.quiet:
            return
        if event.item:
            out.item(event.text)
        else:
            out.info(event.text)

    try:
        graph = parse_graph(graph_xml)
    except GraphError as exc:
        stderr.write(f"crm_simulate: the scheduler produced an invalid graph: {exc}\n")
        return EXIT_ERROR
    effect = SimulatedEffect(cib, op_fail=op_fail, report=report, clock=lambda: clock)
    outcome = run_graph(graph, effect)
    rc = EXIT_OK
    if outcome.status is RunStatus.TERMINATED:
        stderr.write(f"Transition failed: {outcome.status.value}\n")
        stderr.write("An invalid transition was produced\n")
        rc = EXIT_ERROR
    if not out.quiet:
        out.end_list()
    return rc


VERSION_TEXT = "Pacemaker 2.1.5 (pacer crm_simulate)\nWritten by the pacer project contributors\n"


def profile_directory(args: argparse.Namespace, stdout: TextIO, stderr: TextIO, scheduler: Scheduler) -> int:
    """``--profile DIR``: schedule every ``*.xml`` file of DIR (``--repeat`` times each) and
    print the processor time each took, as Pacemaker does (names in reverse order, files
    that do not load are skipped after their errors)."""
    directory = args.profile
    try:
        names = sorted(os.listdir(directory), reverse=True)
    except OSError:
        return EXIT_OK  # Pacemaker prints nothing for a directory it cannot read
    out = TextOutput(stdout, fancy=True, quiet=False)
    if not names:
        return EXIT_OK
    out.begin_list("Timings")
    for name in names:
        path = f"{directory}/{name}"
        if name.startswith(".") or not name.endswith(".xml") or not os.path.isfile(path):
            continue
        start = time.process_time()
        try:
            with open(path, "rb") as f:
                cib = read_cib(path, f.read())
        except (OSError, UsageError) as exc:
            stderr.write(f"crm_simulate: {exc}\n")
            continue
        loaded = load_check(cib, path)
        for message in loaded.messages:
            stderr.write(message + "\n")
        if loaded.document is None:
            continue
        cib = usable_cib(path, loaded.document)
        when = _profile_date(cib, args.set_datetime)
        for _ in range(args.repeat):
            scheduler(
                copy.deepcopy(cib) if args.repeat > 1 else cib,
                now=when,
                options=ScheduleOptions(show_scores=args.show_scores, show_utilization=args.show_utilization),
            )
        out.item(f"Testing {path} ... {time.process_time() - start:.2f} secs")
    out.end_list()
    return EXIT_OK


def _profile_date(cib: etree._Element, use_date: str | None) -> datetime:
    if use_date is not None:
        return parse_iso8601(use_date)
    stamp = cib.get("execution-date")
    if stamp is not None and stamp.strip().isdigit() and int(stamp) != 0:
        return datetime.fromtimestamp(int(stamp), UTC)
    return datetime.now(UTC)


def run(
    argv: Sequence[str], stdout: TextIO, stderr: TextIO, scheduler: Scheduler = schedule
) -> int:
    """Parse ``argv`` and run; errors become a message on ``stderr`` and Pacemaker's exit code."""
    args = build_parser().parse_args(list(argv))
    if args.version:
        stdout.write(VERSION_TEXT)
        return EXIT_OK
    if args.output_to not in (None, "-"):
        try:
            with open(args.output_to, "w", encoding="utf-8") as target:
                return _run_parsed(args, target, stderr, scheduler)
        except OSError as exc:
            stderr.write(f"crm_simulate: cannot write {args.output_to}: {exc.strerror}\n")
            return EXIT_CANTCREAT
    return _run_parsed(args, stdout, stderr, scheduler)


def _run_parsed(args: argparse.Namespace, stdout: TextIO, stderr: TextIO, scheduler: Scheduler) -> int:
    try:
        if args.profile is not None:
            return profile_directory(args, stdout, stderr, scheduler)
        return simulate(args, stdout, stderr, scheduler)
    except (UsageError, ValueError) as exc:
        stderr.write(f"crm_simulate: {exc}\n")
        return EXIT_USAGE if isinstance(exc, UsageError) else EXIT_DATAERR
    except CibError as exc:
        stderr.write(f"crm_simulate: invalid configuration: {exc}\n")
        return EXIT_CONFIG
    except NoCib as exc:
        stderr.write(f"crm_simulate: CIB query failed: {exc}\n")
        return EXIT_NOINPUT
    except HistoryError as exc:
        stderr.write(f"crm_simulate: {exc}\n")
        return EXIT_DATAERR
    except OSError as exc:
        stderr.write(f"crm_simulate: {exc}\n")
        return EXIT_CANTCREAT


def main(argv: Sequence[str] | None = None) -> int:
    if argv is not None:
        return run(argv, sys.stdout, sys.stderr)
    # The command: a short-lived process whose objects (the scheduler's working set is a graph of
    # cycles) all live until the end.  Collect cycles rarely while running, and leave what is
    # left to the exit instead of a last full collection that frees every object one by one.
    gc.set_threshold(20_000, 20, 100)
    rc = run(sys.argv[1:], sys.stdout, sys.stderr)
    gc.freeze()
    return rc


if __name__ == "__main__":
    sys.exit(main())
