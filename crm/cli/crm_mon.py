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
from crm.cli.mon_ops import epoch_text, hard_failures, masked_probe
from crm.cli.mon_ops import failed_op as _failed
from crm.cli.mon_ops import int_attr as _int
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
from crm.common.booleans import is_true
from crm.common.durations import parse_ms
from crm.common.scores import INFINITY, parse_score
from crm.ipc.client import DaemonError, IpcClient
from pengine.status_view import (
    Block,
    Entry,
    Item,
    Spacer,
    instance_counts,
    natural_key,
    unpack_nodes,
)

__all__ = ["Options", "main", "render", "run"]

PROG = "crm_mon"
HIDDEN_ATTRIBUTE_PREFIXES = ("fail-count-", "last-failure-", "shutdown", "terminate", "standby", "#")
INACTIVE_STATES = ("Stopped",)
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
# Small formatting helpers


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _properties(cib: etree._Element) -> dict[str, str]:
    values: dict[str, str] = {}
    for attr_set in cib.iterfind("configuration/crm_config/cluster_property_set"):
        for pair in attr_set.iterfind("nvpair"):
            name = pair.get("name")
            if name and name not in values:
                values[name] = pair.get("value", "")
    return values


# ---------------------------------------------------------------------------------------------
# Header


def summary(cib: etree._Element, now: float, stack: str | None = None) -> Block:
    """The ``Cluster Summary`` block; ``stack`` is the fallback when the CIB does not name
    the cluster layer (``cluster-infrastructure``)."""
    props = _properties(cib)
    items: list[Item] = [Entry(f"Stack: {props.get('cluster-infrastructure') or stack or 'unknown'}")]
    dc_uuid = cib.get("dc-uuid")
    nodes = unpack_nodes(cib)
    dc = next((n for n in nodes.values() if dc_uuid is not None and n.uuid == dc_uuid), None)
    if dc is None:
        items.append(Entry("Current DC: NONE"))
    else:
        quorum = "with" if is_true(cib.get("have-quorum")) else "WITHOUT"
        version = props.get("dc-version") or "unknown"
        items.append(Entry(f"Current DC: {dc.name} (version {version}) - partition {quorum} quorum"))
    items.append(Entry(f"Last updated: {epoch_text(now)}"))
    change = cib.get("cib-last-written", "")
    for word, attr in (("by", "update-user"), ("via", "update-client"), ("on", "update-origin")):
        value = cib.get(attr)
        if value:
            change += f" {word} {value}"
    items.append(Entry(f"Last change:  {change}"))
    items.append(Entry(f"{_plural(len(nodes), 'node')} configured"))
    disabled, total, blocked = instance_counts(cib, int(now))
    line = f"{_plural(total, 'resource instance')} configured"
    if disabled and blocked:
        line += f" ({disabled} DISABLED, {blocked} BLOCKED from further action due to failure)"
    elif disabled:
        line += f" ({disabled} DISABLED)"
    elif blocked:
        line += f" ({blocked} BLOCKED from further action due to failure)"
    items.append(Entry(line))
    return Block("Cluster Summary", tuple(items))


# ---------------------------------------------------------------------------------------------
# Resources


def _inactive(entry: Entry) -> bool:
    if entry.label is not None:
        return entry.label.startswith(INACTIVE_STATES)
    state = entry.text.rsplit("\t", 1)[-1].strip()
    return state.startswith(INACTIVE_STATES)


def _unique_clone(block: Block) -> bool:
    return block.title.startswith("Clone Set:") and "unique" in block.title


def active_only(items: Sequence[Item]) -> tuple[Item, ...]:
    """The resource list without inactive resources, as ``crm_mon`` without ``-r``: lists left
    empty are dropped, a group with inactive members says how many, and a unique clone with
    an active instance keeps all its instances."""
    kept: list[Item] = []
    for item in items:
        if isinstance(item, Entry):
            if not _inactive(item):
                kept.append(item)
        elif isinstance(item, Block):
            inner = active_only(item.items)
            if not inner:
                continue
            if _unique_clone(item):
                kept.append(item)
                continue
            title = item.title
            if title.startswith("Resource Group:"):
                hidden = sum(1 for i in item.items if isinstance(i, Entry) and _inactive(i))
                if hidden:
                    title += f" ({hidden} member{'' if hidden == 1 else 's'} inactive)"
            kept.append(Block(title, inner))
        else:
            kept.append(item)
    return tuple(kept)


# ---------------------------------------------------------------------------------------------
# Failed resource actions

OCF_RC_TEXT = {
    0: "ok", 1: "error", 2: "invalid parameter", 3: "unimplemented feature", 4: "insufficient privileges",
    5: "not installed", 6: "not configured", 7: "not running", 8: "promoted", 9: "promoted (failed)",
    190: "degraded", 191: "promoted (degraded)",
}
EXEC_STATUS_TEXT = {
    -1: "pending", 0: "complete", 1: "Cancelled", 2: "Timed Out", 3: "NOT SUPPORTED", 4: "Error",
    5: "Hard error", 6: "Fatal error", 7: "Not installed", 8: "Internal communication failure",
    9: "Cannot execute now", 10: "No fence device", 11: "CIB secrets unavailable",
}


def readable_interval(ms: int) -> str:
    """``pcmk__readable_interval`` (2.1.5: a unit is used only for strictly larger values)."""
    text = ""
    for unit, size in (("d", 86400000), ("h", 3600000), ("m", 60000)):
        if ms > size:
            text += f"{ms // size}{unit}"
            ms -= (ms // size) * size
    if ms > 1000:
        text += f"{ms // 1000}"
        if ms % 1000:
            text += f".{ms % 1000:03d}"
        text += "s"
    elif ms > 0:
        text += f"{ms}ms"
    return text or "0s"


def _failure_technical(op: etree._Element, node: str) -> str:
    """``failed_action_technical`` (with ``--show-detail``): the operation key and raw fields."""
    parent = op.getparent()
    rsc = (parent.get("id") if parent is not None else None) or "unknown"
    key = op.get("operation_key") or f"{rsc}_{op.get('operation')}_{_int(op.get('interval'))}"
    rc = _int(op.get("rc-code"))
    status = EXEC_STATUS_TEXT.get(_int(op.get("op-status")), "UNKNOWN")
    text = (f"{key} on {node} '{OCF_RC_TEXT.get(rc, 'unknown')}' ({rc}): call={op.get('call-id') or 'unknown'}, "
            f"status='{status}'")
    if op.get("exit-reason"):
        text += f", exitreason='{op.get('exit-reason')}'"
    change = op.get("last-rc-change")
    if change is not None and change.strip().isdigit():
        text += f", last-rc-change='{epoch_text(int(change))}'"
    if op.get("queue-time"):
        text += f", queued={op.get('queue-time')}ms"
    if op.get("exec-time"):
        text += f", exec={op.get('exec-time')}ms"
    return text


def _failure_text(op: etree._Element, node: str) -> str:
    parent = op.getparent()
    rsc = (parent.get("id") if parent is not None else None) or "unknown resource"
    key, task_name = op.get("operation_key") or "", op.get("operation") or ""
    head, _, interval_text = key.rpartition("_")
    if interval_text.isdigit() and task_name and head.endswith("_" + task_name) and len(head) > len(task_name) + 1:
        rsc = head[:-len(task_name) - 1]  # Pacemaker names the resource as the operation key does
    task = op.get("operation") or "unknown action"
    interval = _int(op.get("interval"))
    text = rsc
    if interval:
        text += f" {readable_interval(interval)}-interval"
    text += f" {'probe' if task == 'monitor' and interval == 0 else task} on {node}"
    status = _int(op.get("op-status"))
    reason = op.get("exit-reason") or ""
    if status == 0:
        text += f" returned '{OCF_RC_TEXT.get(_int(op.get('rc-code')), 'unknown')}'"
        if reason:
            text += f" ({reason})"
    else:
        text += f" could not be executed ({EXEC_STATUS_TEXT.get(status, 'UNKNOWN')}"
        text += f": {reason})" if reason else ")"
    change = op.get("last-rc-change")
    if change is not None and change.strip().isdigit():
        text += f" at {epoch_text(int(change))}"
    exec_time = _int(op.get("exec-time"))
    if exec_time > 0:
        text += f" after {readable_interval(exec_time)}"
    return text


def failed_actions(cib: etree._Element, only: crm_mon_xml.Filter | None = None,
                   detail: bool = False) -> tuple[Entry, ...]:
    """One line per failed operation in the status section (node and resource order), on the
    nodes and resources ``only`` lets through; probes that found nothing to run are not
    failures (:func:`~crm.cli.mon_ops.masked_probe`)."""
    lines: list[Entry] = []
    seen: set[tuple[str, str]] = set()
    for state in cib.iterfind("status/node_state"):
        node = state.get("uname") or state.get("id") or ""
        for resource in state.iterfind("lrm/lrm_resources/lrm_resource"):
            ops = sorted(resource.iterfind("lrm_rsc_op"), key=lambda o: _int(o.get("call-id"), -1))
            for op in ops:
                if not _failed(op) or masked_probe(op):
                    continue
                if only is not None and not (only.node_ok(node) and only.failure_ok(str(resource.get("id")))):
                    continue
                key = op.get("operation_key") or (
                    f"{resource.get('id')}_{op.get('operation')}_{_int(op.get('interval'))}")
                if (key, node) in seen:
                    continue
                seen.add((key, node))
                lines.append(Entry(_failure_technical(op, node) if detail else _failure_text(op, node)))
    return tuple(lines)


# ---------------------------------------------------------------------------------------------
# Node attributes and fail counts


def _transient(cib: etree._Element) -> dict[str, dict[str, str]]:
    by_node: dict[str, dict[str, str]] = {}
    for state in cib.iterfind("status/node_state"):
        uname = state.get("uname") or state.get("id") or ""
        attrs = by_node.setdefault(uname, {})
        for pair in state.iterfind("transient_attributes/instance_attributes/nvpair"):
            name = pair.get("name")
            if name is not None and name not in attrs:
                attrs[name] = pair.get("value", "")
    return by_node


def _node_attributes(cib: etree._Element) -> Block:
    nodes = unpack_nodes(cib)
    transient = _transient(cib)
    items: list[Item] = []
    for node in sorted(nodes.values(), key=lambda n: natural_key(n.name)):
        if not node.online:
            continue
        config: dict[str, str] = {}
        for elem in cib.iterfind("configuration/nodes/node"):
            if (elem.get("uname") or elem.get("id")) == node.name:
                for pair in elem.iterfind("instance_attributes/nvpair"):
                    config.setdefault(pair.get("name", ""), pair.get("value", ""))
        attrs = {**config, **transient.get(node.name, {})}
        shown = sorted(name for name in attrs if name and not name.startswith(HIDDEN_ATTRIBUTE_PREFIXES))
        lines = tuple(Entry(f"{name:<32}\t: {attrs[name]:<10}") for name in shown)
        if lines:
            items.append(Block(f"Node: {node.name}", lines))
    return Block("Node Attributes", tuple(items))


def _migration_threshold(cib: etree._Element, rsc: str) -> str:
    base = rsc.split(":", 1)[0]
    for prim in cib.iter("primitive"):
        if prim.get("id") != base:
            continue
        element: etree._Element | None = prim
        while element is not None and element.tag != "resources":
            for pair in element.iterfind("meta_attributes/nvpair"):
                if pair.get("name") == "migration-threshold":
                    return pair.get("value", "")
            element = element.getparent()
    for pair in cib.iterfind("configuration/rsc_defaults/meta_attributes/nvpair"):
        if pair.get("name") == "migration-threshold":
            return pair.get("value", "")
    return str(INFINITY)


def _migration_summary(cib: etree._Element) -> Block:
    nodes = unpack_nodes(cib)
    transient = _transient(cib)
    items: list[Item] = []
    for node in sorted(nodes.values(), key=lambda n: natural_key(n.name)):
        counts: dict[str, int] = {}
        last: dict[str, int] = {}
        for name, value in transient.get(node.name, {}).items():
            for prefix, table in (("fail-count-", counts), ("last-failure-", last)):
                if name.startswith(prefix):
                    rsc = name[len(prefix):].split("#", 1)[0]
                    if table is counts:
                        table[rsc] = min(table.get(rsc, 0) + parse_score(value), INFINITY)
                    else:  # seconds since the epoch, not a score (no INFINITY cap)
                        table[rsc] = max(table.get(rsc, 0), int(value) if value.strip().isdigit() else 0)
        lines: list[Item] = []
        for rsc in sorted(r for r, c in counts.items() if c > 0):
            count = "INFINITY" if counts[rsc] >= INFINITY else str(counts[rsc])
            line = f"{rsc}: migration-threshold={_migration_threshold(cib, rsc)} fail-count={count}"
            if last.get(rsc):
                line += f" last-failure='{epoch_text(last[rsc])}'"
            lines.append(Entry(line))
        if lines:
            items.append(Block(f"Node: {node.name}", tuple(lines)))
    return Block("Migration Summary", tuple(items))


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
