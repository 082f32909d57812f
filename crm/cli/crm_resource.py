"""``crm_resource``: run a resource's agent by hand, list, query and locate resources.

Implemented (on ``CIB_file=...``, as Pacemaker's tool works without a cluster):

* ``--force-start``, ``--force-stop``, ``--force-check`` (a probe: monitor, no interval),
  ``--force-promote``, ``--force-demote``, ``--validate`` with ``-r RSC``: the agent is
  run directly with the primitive's instance attributes, its meta attributes as
  ``CRM_meta_*`` (plus ``class``/``provider``/``type``/``id``), ``CRM_meta_timeout``
  from the matching ``<op>`` (else ``op_defaults``, else 20 s) and
  ``crm_feature_set``.  Prints ``Operation force-start for R (ocf:p:t) returned 0 (ok)``
  and the agent's output; the exit code is the OCF rc.
* ``--list``, ``--query-xml``, ``--locate``.
* ``--get-parameter``/``--set-parameter NAME -v VALUE``/``--delete-parameter`` (``--meta`` for
  meta attributes), written back through the CIB library (epoch bumped, atomically).
* ``--ban``/``--move``/``--clear`` [``-N NODE``] [``--lifetime DURATION``]: the ``cli-ban-*`` and
  ``cli-prefer-*`` location constraints, with the same ids, messages and epoch steps.
* ``--cleanup``/``--refresh``: on a file, Pacemaker's dry run (one "skipping" line per node).

With neither ``CIB_file`` nor ``CIB_shadow`` set, the tool works on the live cluster: every
read and configuration change goes through the local CIB daemon, and the agent actions go
through the local controller (``RUN_DIR/controld.sock``):

* ``--cleanup``/``--refresh`` [``-r RSC``] [``-N NODE``] [``-n OP`` [``-I INTERVAL``]]: the
  controller clears the fail counts (cleanup) and has each node drop the resource's history,
  so that it is probed again; prints ``Cleaned up d1 on node1`` per node, then Pacemaker's
  ``Waiting for N replies from the controller`` and one ``... got reply`` per node whose history
  was dropped (read from the CIB);
* ``--wait`` [``-T``]: until the scheduler finds nothing to do on the CIB (Pacemaker's test)
  and the DC's controller, when it can be asked, is idle; exit 124 on timeout;
* ``--restart -r RSC`` [``-T``]: ``target-role=stopped``, wait until what it stops has
  stopped, restore ``target-role``, wait until it all runs again.

``--force-*`` and ``--validate`` still run nothing on the live cluster (exit 102).  When the
controller is not there, one line says so (102); when pacer is not running, one line says so.
"""

from __future__ import annotations

import argparse
import asyncio
import calendar
import contextlib
import io
import os
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from lxml import etree

from crm.cib.errors import CibError as LibCibError
from crm.cib.errors import ExitCode, PermissionDenied
from crm.cib.live import LiveCibSource
from crm.cib.transaction import ValidationFailed
from crm.cli import crm_mon_xml, live_errors, pcmk_log
from crm.cli.cib_source import CibSource as LibCibSource
from crm.cli.cibadmin import numbered
from crm.cli.help_format import install, option_group
from crm.cli.output_format import (
    OutputChoice,
    OutputFormatError,
    XmlResult,
    add_output_options,
    error_result,
    open_output,
    request_line,
)
from crm.cli.resource_constraints import collective, constraints
from crm.cli.resource_locate import instance_count, locate
from crm.cli.unpack_notices import log_unpack_errors
from crm.common.durations import parse_ms
from crm.common.iso8601 import Iso8601Error, parse_date, seconds_since_epoch
from lrmd.agent_paths import AgentLocator
from lrmd.codes import AgentClass, ExecStatus, OcfRc, rc_text
from lrmd.executor import Executor, ExecutorConfig
from lrmd.operation import DEFAULT_TIMEOUT_MS, OpRequest, ResourceSpec
from pengine.unpack.history import is_active

CRM_FEATURE_SET = "3.16.1"
PROG = "crm_resource"

# crm_exit_str() wording for the exit codes crm_resource can return.
EXIT_TEXT = {
    0: "OK",
    1: "Error occurred",
    2: "Invalid parameter",
    3: "Unimplemented",
    4: "Insufficient privileges",
    5: "Not installed",
    6: "Not configured",
    7: "Not running",
    78: "Invalid configuration",
    8: "Promoted",
    9: "Failed in promoted role",
    64: "Incorrect usage",
    102: "Not connected",
    105: "No such object",
    108: "Requested item already exists",
    109: "Multiple items match request",
    190: "Service is active but might fail soon",
    191: "Service is promoted but might fail soon",
}
SYNC_TIMEOUT_REASON = "Resource agent did not exit within specified timeout"
EXIT_NOSUCH = 105
EXIT_USAGE = 64
EXIT_UNIMPLEMENTED = 3
EXIT_NOT_UNIQUE = 109

FORCE_ACTIONS = {
    "force_start": ("force-start", "start"),
    "force_stop": ("force-stop", "stop"),
    "force_check": ("force-check", "monitor"),
    "force_promote": ("force-promote", "promote"),
    "force_demote": ("force-demote", "demote"),
    "validate": ("validate", "validate-all"),
}


class CliError(Exception):
    """A failure reported Pacemaker's way; ``plain`` messages are printed without the prefix
    and followed by ``crm_resource: Error performing operation: ...``."""

    def __init__(self, message: str, exit_code: int, plain: bool = False, bare: bool = False) -> None:
        super().__init__(message)
        self.exit_code = exit_code
        self.plain = plain
        self.bare = bare  # the message only, no "Error performing operation" line


def cib_failure(exc: LibCibError) -> CliError:
    """The CLI error for a CIB failure: pacer not running here is one line."""
    if live_errors.not_running(exc):
        return CliError(live_errors.one_line(PROG, exc).rstrip("\n"), int(exc.exit_code), bare=True)
    if isinstance(exc, PermissionDenied):  # the ACLs refuse: Pacemaker names only the exit code
        return CliError("", int(exc.exit_code))
    if isinstance(exc, ValidationFailed):  # the refused CIB, numbered, then only the exit code
        sys.stderr.write(numbered(exc.document.to_text()))
        return CliError("", int(exc.exit_code))
    return CliError(str(exc), int(exc.exit_code))


def _live() -> LiveCibSource | None:
    source = LibCibSource.from_environment()
    return source if isinstance(source, LiveCibSource) else None


def needs_controller(option: str, rsc_id: str | None) -> int:
    """An agent action on the live cluster: check the CIB (and the resource), then say that it
    needs the controller."""
    root = _load_cib()
    if rsc_id:
        _find_resource(root, rsc_id)
    message = live_errors.CONTROLLER_NEEDED.format(what=f"--{option}")
    raise CliError(f"{PROG}: {message}", int(ExitCode.DISCONNECT), bare=True)


def dry_run_cleanup(root: etree._Element, rsc_id: str | None, node: str | None) -> int:
    """``--cleanup``/``--refresh`` on a file: Pacemaker's dry run, one line per node."""
    if rsc_id:
        _find_resource(root, rsc_id)
    nodes = [node] if node else _node_names(root)
    what = rsc_id or "all resources"
    for name in nodes:
        print(f"Dry run: skipping clean-up of {what} on {name} due to CIB_file")
    return 0


# -- live agent actions through the controller ----------------------------------------------
EXIT_TIMEOUT = 124
EXIT_TIMEOUT_TEXT = "Timer expired"
REPLY_TIMEOUT_S = 30.0
WAIT_DEFAULT_TIMEOUT_S = 3600.0  # Pacemaker's --wait default: one hour
POLL_S = 0.2
CONTROLLER_RESTART_S = 10.0


def _controller(request: dict[str, object], timeout_ms: int = 30_000) -> dict[str, object]:
    """One request to the local controller; pacer's controller missing is one line, 102."""
    from crm.cli.crmadmin import controller_call, controller_path
    from crm.ipc.client import DaemonError, DaemonNotRunning

    deadline = time.monotonic() + CONTROLLER_RESTART_S
    while True:
        try:
            return controller_call(dict(request), timeout_ms)
        except DaemonNotRunning:
            # a socket left behind: pacerd is restarting the controller; give it a moment
            if not controller_path().exists() or time.monotonic() > deadline:
                break
            time.sleep(POLL_S)
    try:
        return controller_call(dict(request), timeout_ms)
    except DaemonNotRunning as exc:
        text = live_errors.one_line(PROG, exc, file_hint=False).split(": ", 1)[1].rstrip("\n")
        raise CliError(f"{PROG}: Error connecting to the controller: {text}", int(ExitCode.DISCONNECT),
                       bare=True) from None
    except DaemonError as exc:
        raise CliError(f"{PROG}: Error connecting to the controller: {exc}", exc.rc or 1, bare=True) from None


def _online_nodes(root: etree._Element) -> list[str]:
    names = []
    for state in root.iterfind("status/node_state"):
        if state.get("in_ccm") == "true" and state.get("crmd") == "online":
            names.append(state.get("uname") or state.get("id") or "")
    return sorted(n for n in names if n)


def _primitives(element: etree._Element) -> list[etree._Element]:
    return [element] if element.tag == "primitive" else list(element.iter("primitive"))


def _op_keys(root: etree._Element, node: str, history_ids: set[str], failed_only: bool = False) -> set[str]:
    """What identifies the recorded operations of ``history_ids`` on ``node`` (their
    transition keys, else call ids): once the controller dropped them, none is left."""
    keys: set[str] = set()
    for state in root.iterfind("status/node_state"):
        if (state.get("uname") or state.get("id")) != node:
            continue
        for lrm_rsc in state.iterfind("lrm/lrm_resources/lrm_resource"):
            if lrm_rsc.get("id") not in history_ids:
                continue
            ops = list(lrm_rsc.iterfind("lrm_rsc_op"))
            if failed_only and not any(_failed(op) for op in ops):
                continue
            for op in ops:
                keys.add(f"{lrm_rsc.get('id')}/{op.get('id')}/{op.get('transition-key') or op.get('call-id')}")
    return keys


def _failed(op: etree._Element) -> bool:
    """A recorded failure: not done, or not the rc the transition expected."""
    status, rc = op.get("op-status", "0"), op.get("rc-code", "0")
    if status == "-1":
        return False  # pending
    if status != "0":
        return True
    if op.get("operation") == "monitor" and op.get("interval", "0") in ("0", ""):
        return rc not in ("0", "7", "8")  # a probe finds what it finds
    parts = (op.get("transition-key") or "").split(":")
    expected = parts[2] if len(parts) >= 3 else "0"
    return rc != expected


def _await_replies(pending: dict[str, set[str]], history_ids: set[str]) -> int:
    """Print Pacemaker's "Waiting for N replies" and one "... got reply" per node whose
    recorded history of the resource the controller has dropped (read from the local CIB)."""
    count = len(pending)
    if count == 0:
        return 0
    print(f"Waiting for {count} {'reply' if count == 1 else 'replies'} from the controller", flush=True)
    source = _live()
    assert source is not None
    deadline = time.monotonic() + REPLY_TIMEOUT_S
    while pending:
        try:
            root = source.read().root
        except LibCibError as exc:
            raise cib_failure(exc) from None
        for node in sorted(pending):
            if not (_op_keys(root, node, history_ids) & pending[node]):
                del pending[node]
                print("... got reply (done)" if not pending else "... got reply", flush=True)
        if not pending:
            break
        if time.monotonic() > deadline:
            print(f"Aborting because no messages received in {int(REPLY_TIMEOUT_S)} seconds", file=sys.stderr)
            return EXIT_TIMEOUT
        time.sleep(POLL_S)
    return 0


def live_cleanup(args: argparse.Namespace, option: str) -> int:
    """``--cleanup``/``--refresh`` on the live cluster, through the local controller (which
    clears fail counts through attrd for a cleanup, and has each node drop the resource's
    history so that it is probed again)."""
    root = _load_cib()
    element = _find_resource(root, args.resource) if args.resource else None
    nodes_configured = _node_names(root)
    if args.node is not None and args.node not in nodes_configured:
        raise CliError(f"Node '{args.node}' not found", EXIT_NOSUCH)
    targets = [args.node] if args.node else _online_nodes(root)
    cleanup = option == "cleanup"
    filtered = cleanup and bool(args.operation)
    if element is None:
        if filtered:
            _clear_fail_counts(root, None, targets, args.operation, args.interval)
        _controller({"op": "refresh" if filtered else option, "rsc": "", "node": args.node or ""})
        if cleanup:
            print(f"Cleaned up all resources on {args.node or 'all nodes'}")
            return 0
        print("Waiting for 1 reply from the controller")
        print("... got reply (done)")
        return 0
    primitives = _primitives(element)
    history_ids: set[str] = set()
    for prim in primitives:
        history_ids.add(prim.get("id", ""))
        history_ids.update(_history_ids(root, prim.get("id", "")))
    history_ids.discard("")
    pending: dict[str, set[str]] = {}
    for node in targets:
        keys = _op_keys(root, node, history_ids, failed_only=cleanup)
        if keys or not cleanup:
            pending[node] = keys
    if filtered:
        _clear_fail_counts(root, history_ids, targets, args.operation, args.interval)
    for history_id in sorted(history_ids):
        _controller({"op": "refresh" if filtered else option, "rsc": history_id, "node": args.node or ""})
    for prim in primitives:
        for node in targets:
            print(f"Cleaned up {prim.get('id')} on {node}")
    return _await_replies(pending, history_ids)


def _clear_fail_counts(root: etree._Element, history_ids: set[str] | None, nodes: list[str], operation: str,
                       interval: str | None) -> None:
    """``--cleanup -n OP [-I INTERVAL]``: delete only those fail counts, through attrd."""
    from crm.attrd.client import AttrdClient
    from crm.cluster.node import run_dir_from_environment
    from crm.ipc.client import DaemonError

    interval_ms = parse_ms(interval) if interval else None
    wanted: list[tuple[str, str]] = []
    for state in root.iterfind("status/node_state"):
        uname = state.get("uname", "")
        if uname not in nodes:
            continue
        for pair in state.iterfind("transient_attributes/instance_attributes/nvpair"):
            name = pair.get("name", "")
            for kind in ("fail-count-", "last-failure-"):
                if not name.startswith(kind) or "#" not in name:
                    continue
                owner, _, op_key = name[len(kind):].partition("#")
                task, _, ms = op_key.rpartition("_")
                if history_ids is not None and owner not in history_ids:
                    continue
                if task != operation or (interval_ms is not None and ms != str(interval_ms)):
                    continue
                wanted.append((name, uname))
    if not wanted:
        return
    try:
        client = AttrdClient(run_dir_from_environment())
        for name, uname in wanted:
            client.delete(name, uname)
    except DaemonError as exc:
        raise CliError(f"Unable to clean up {operation} failures: {exc}", exc.rc or 1) from None


# -- --wait / --restart ---------------------------------------------------------------------
def _timeout_s(args: argparse.Namespace, default: float) -> float:
    if not args.timeout:
        return default
    value = parse_ms(args.timeout)
    if value is None or value <= 0:
        raise CliError(f"Invalid timeout specified: {args.timeout}", EXIT_USAGE, bare=True)
    return value / 1000


def cluster_settled(source: LiveCibSource) -> bool:
    """Whether the cluster has nothing left to do: the scheduler finds no action to take on
    the current CIB (Pacemaker's test), and the DC's controller, when it is the local one
    (or answers through a relayed ``ping``), is idle."""
    from crm.cli.crmadmin import pending_actions
    from crm.ipc.client import DaemonError

    try:
        root = source.read().root
    except LibCibError as exc:
        raise cib_failure(exc) from None
    if pending_actions(root):
        return False
    try:
        from crm.cli.crmadmin import controller_call

        idle = controller_call({"op": "idle"}, 5000)
        if idle.get("dc"):
            return bool(idle.get("idle"))
        dc = controller_call({"op": "dc"}, 5000).get("dc")
        if dc:
            reply = controller_call({"op": "ping", "node": dc}, 5000)
            if reply.get("node") == dc:  # relayed: the DC itself answered
                return reply.get("state") == "S_IDLE"
    except DaemonError:
        pass  # no controller here: the CIB's view is all there is
    return True


def wait_till_stable(timeout_s: float) -> bool:
    """``--wait``: until the cluster has settled (twice in a row, a poll apart)."""
    source = _live()
    assert source is not None
    deadline = time.monotonic() + timeout_s
    settled = 0
    while True:
        settled = settled + 1 if cluster_settled(source) else 0
        if settled >= 2:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(POLL_S)


def do_wait(args: argparse.Namespace) -> int:
    _load_cib()  # pacer not running: one line
    if not wait_till_stable(_timeout_s(args, WAIT_DEFAULT_TIMEOUT_S)):
        raise CliError("", EXIT_TIMEOUT)
    return 0


def _all_active(root: etree._Element) -> dict[str, list[str]]:
    """Every primitive (by id) that runs somewhere, with its nodes."""
    active: dict[str, list[str]] = {}
    resources = root.find("configuration/resources")
    if resources is None:
        return active
    for prim in resources.iter("primitive"):
        pid = prim.get("id", "")
        nodes = [n for hid in _history_ids(root, pid) for n in _active_nodes(root, hid)]
        if nodes:
            active[pid] = nodes
    return active


def _would_stop(root: etree._Element) -> list[str]:
    """Primitives the scheduler would stop (and not start again) on this CIB."""
    from crm.cli.crmadmin import pending_actions

    stops, starts = set(), set()
    for action in pending_actions(root):
        rsc = action.resource
        if rsc is None:
            continue
        base = rsc.id.split(":", 1)[0]
        if action.operation == "stop":
            stops.add(base)
        elif action.operation in ("start", "migrate_to", "migrate_from"):
            starts.add(base)
    return sorted(stops - starts)


def _set_target_role(rsc_id: str, value: str | None) -> None:
    """Set (or delete, for ``None``) the resource's ``target-role`` meta attribute, printing
    what Pacemaker prints."""
    from crm.cib.document import CibDocument

    def change(doc: CibDocument) -> str | None:
        if value is None:
            return delete_parameter(doc.root, rsc_id, "target-role", "meta_attributes")
        return set_parameter(doc.root, rsc_id, "target-role", value, "meta_attributes")

    try:
        report, _outcome = LibCibSource.from_environment().modify(change)
    except LibCibError as exc:
        raise cib_failure(exc) from None
    if report:
        print(report, flush=True)


def _poll_until(check: Callable[[], bool], timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while True:
        if check():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(POLL_S)


def do_restart(args: argparse.Namespace) -> int:
    """``--restart``: target-role=stopped, wait until what it stops has stopped, restore the
    target-role, wait until all of it runs again (Pacemaker's ``cli_resource_restart``)."""
    root = _load_cib()
    element = _find_resource(root, args.resource)
    rsc_id = element.get("id", args.resource)
    running = list(dict.fromkeys(_located(root, element, rsc_id)))
    if args.node is not None and args.node not in running:
        raise CliError(f"{rsc_id} is not running on {args.node} and so cannot be restarted", 105, plain=True)
    if not running:
        raise CliError(f"{rsc_id} is not running anywhere and so cannot be restarted", 105, plain=True)
    source = _live()
    assert source is not None
    before = _all_active(root)
    original = _nvpairs(element, "meta_attributes", root).get("target-role")
    timeouts = [_configured_timeout(root, p, op) for p in _primitives(element) for op in ("stop", "start")]
    step_s = _timeout_s(args, max(timeouts, default=DEFAULT_TIMEOUT_MS) / 1000 + 60)

    def read() -> etree._Element:
        try:
            return source.read().root
        except LibCibError as exc:
            raise cib_failure(exc) from None

    _set_target_role(rsc_id, "stopped")
    to_stop = _would_stop(read())
    if not to_stop:  # already on its way down, or stopped meanwhile: what ran before and no more
        to_stop = sorted(p.get("id", "") for p in _primitives(element) if p.get("id") in before)
    print(f"Waiting for {len(to_stop)} resources to stop:")
    for name in to_stop:
        print(f" * {name}")
    sys.stdout.flush()

    def stopped() -> bool:
        active = _all_active(read())
        return not any(name in active for name in to_stop)

    if not _poll_until(stopped, step_s):
        remaining = sum(1 for name in to_stop if name in _all_active(read()))
        _set_target_role(rsc_id, original)
        raise CliError(f"Could not complete shutdown of {rsc_id}, {remaining} resources remaining",
                       EXIT_TIMEOUT, plain=True)
    _set_target_role(rsc_id, original)
    print(f"Waiting for {len(to_stop)} resources to start again:")
    for name in to_stop:
        print(f" * {name}")
    sys.stdout.flush()

    def started() -> bool:
        active = _all_active(read())
        return all(name in active for name in to_stop)

    if not _poll_until(started, step_s):
        remaining = sum(1 for name in to_stop if name not in _all_active(read()))
        raise CliError(f"Could not complete restart of {rsc_id}, {remaining} resources remaining",
                       EXIT_TIMEOUT, plain=True)
    return 0


_UNPACKED: list[bool] = []


def _unpack_messages(root: etree._Element) -> None:
    """What Pacemaker logs (on stderr with ``PCMK_stderr``) when it first unpacks the CIB
    into its working set: fencing enabled without any fencing device."""
    if _UNPACKED or not pcmk_log.enabled():
        return
    _UNPACKED.append(True)
    log_unpack_errors(root)


def _load_cib() -> etree._Element:
    """The CIB root: ``CIB_file``/``CIB_shadow``, else the live CIB."""
    try:
        root = LibCibSource.from_environment().read().root
    except LibCibError as exc:
        raise cib_failure(exc) from None
    _unpack_messages(root)
    return root


def _by_id(root: etree._Element, ident: str) -> etree._Element | None:
    for element in root.iter():
        if element.get("id") == ident:
            return element
    return None


def _nvpairs(element: etree._Element, tag: str, root: etree._Element) -> dict[str, str]:
    """Name/value pairs of the ``tag`` sets under ``element`` (id-refs resolved, rules ignored)."""
    values: dict[str, str] = {}
    for attr_set in element.findall(tag):
        ref = attr_set.get("id-ref")
        if ref:
            target = _by_id(root, ref)
            if target is not None:
                attr_set = target
        for pair in attr_set.findall("nvpair"):
            name = pair.get("name")
            if name and name not in values:
                values[name] = pair.get("value", "")
    return values


@dataclass(frozen=True)
class ForcePlan:
    rsc_id: str
    spec: ResourceSpec
    action: str
    timeout_ms: int
    params: dict[str, str]


def _find_resource(root: etree._Element, rsc_id: str) -> etree._Element:
    resources = root.find("configuration/resources")
    if resources is not None:
        for element in resources.iter("primitive", "group", "clone", "master", "bundle"):
            if element.get("id") == rsc_id:
                return element
    # Clone instances may be named "<id>:<n>" (only members of clones have instances).
    base = rsc_id.split(":", 1)[0]
    if base != rsc_id:
        try:
            member: etree._Element | None = _find_resource(root, base)
        except CliError:
            member = None
        clone = None if member is None else next(member.iterancestors("clone", "master"), None)
        number = rsc_id.split(":", 1)[1]
        if member is not None and clone is not None and number.isdigit() and int(number) < instance_count(root, clone):
            return member
    raise CliError(f"Resource '{rsc_id}' not found", EXIT_NOSUCH)


def plan_force(
    root: etree._Element, rsc_name: str, option: str, action: str, timeout_ms: int | None
) -> ForcePlan:
    """What ``--force-*`` will run for a resource, per Pacemaker's ``cli_resource_execute``."""
    element = _find_resource(root, rsc_name)
    requested = rsc_name
    if element.tag in ("clone", "master"):
        children = [c for c in element if c.tag in ("primitive", "group")]
        if not children:
            raise CliError(f"Resource '{rsc_name}' not found", EXIT_NOSUCH)
        element = children[0]
    if element.tag == "group":
        raise CliError(
            f"Sorry, the {option} option doesn't support group resources", EXIT_UNIMPLEMENTED, True
        )
    if element.tag == "bundle":
        raise CliError(
            f"Sorry, the {option} option doesn't support bundle resources", EXIT_UNIMPLEMENTED, True
        )
    template = element.get("template")
    source = element
    if template:
        found = _by_id(root, template)
        if found is not None and found.tag == "template":
            source = found
    agent_class = element.get("class") or source.get("class") or ""
    provider = element.get("provider") or source.get("provider")
    agent_type = element.get("type") or source.get("type") or ""
    parent = element.getparent()
    in_clone = parent is not None and parent.tag in ("clone", "master")
    unique = in_clone and _nvpairs(parent, "meta_attributes", root).get(  # type: ignore[arg-type]
        "globally-unique", "false"
    ).lower() in ("true", "1", "yes")
    if in_clone and not unique:
        rsc_id = requested
    elif in_clone and ":" not in requested:
        rsc_id = f"{element.get('id', requested)}:0"  # the first instance
    else:
        rsc_id = element.get("id", requested) if not in_clone else requested
    standard = ":".join(p for p in (agent_class, provider, agent_type) if p)
    if agent_class == "stonith":
        raise CliError(
            f"Operation {option} for {rsc_id} ({standard}) could not be executed "
            "(Error: Manual execution of the stonith standard is unsupported)",
            EXIT_UNIMPLEMENTED,
            True,
        )
    if agent_class not in (AgentClass.OCF, AgentClass.LSB, AgentClass.HEARTBEAT):
        raise CliError(
            f"Sorry, the {option} option doesn't support {agent_class} resources", EXIT_UNIMPLEMENTED, True
        )
    params = {}
    if source is not element:
        params.update(_nvpairs(source, "instance_attributes", root))
    params.update(_nvpairs(element, "instance_attributes", root))
    meta: dict[str, str] = {}
    rsc_defaults = root.find("configuration/rsc_defaults")
    if rsc_defaults is not None:
        meta.update(_nvpairs(rsc_defaults, "meta_attributes", root))
    if source is not element:
        meta.update(_nvpairs(source, "meta_attributes", root))
    meta.update(_nvpairs(element, "meta_attributes", root))
    for name, value in element.attrib.items():
        meta[str(name)] = str(value)
    for name, value in meta.items():
        params["CRM_meta_" + name.replace("-", "_")] = value
    if timeout_ms is None:
        timeout_ms = _configured_timeout(root, element, action)
    params["CRM_meta_timeout"] = str(timeout_ms)
    params["crm_feature_set"] = CRM_FEATURE_SET
    spec = ResourceSpec(rsc_id, agent_class, agent_type, provider)
    return ForcePlan(rsc_id, spec, action, timeout_ms, params)


def _configured_timeout(root: etree._Element, element: etree._Element, action: str) -> int:
    """``pe_get_configured_timeout``: first ``<op>`` of that name, then op_defaults, then 20 s."""
    spec: str | None = None
    ops = element.find("operations")
    if ops is not None:
        for op in ops.findall("op"):
            if (op.get("name") or "").lower() == action.lower():
                spec = op.get("timeout")
                break
    if spec is None:
        defaults = root.find("configuration/op_defaults")
        if defaults is not None:
            spec = _nvpairs(defaults, "meta_attributes", root).get("timeout")
    value = parse_ms(spec)
    return DEFAULT_TIMEOUT_MS if value is None else value


def run_force(plan: ForcePlan, option: str, verbose: int, check_level: int | None) -> int:
    env = {k: v for k, v in os.environ.items()}
    env["HA_debug"] = "1" if verbose > 0 else "0"
    env["HA_logfacility"] = "none"
    env["PCMK_service"] = PROG
    env["OCF_OUTPUT_FORMAT"] = "text"
    env.setdefault("OCF_TRACE_FILE", "/dev/stderr")
    if verbose > 1:
        env["OCF_TRACE_RA"] = "1"
    if check_level:
        env["OCF_CHECK_LEVEL"] = str(check_level)
    locator = AgentLocator.from_env()
    config = ExecutorConfig(max_parallel=1, base_env=env, cwd=os.getcwd())
    request = OpRequest(plan.rsc_id, plan.action, 0, plan.timeout_ms, plan.params)

    async def execute() -> tuple[int, int, str, str, str]:
        executor = Executor(locator, config)
        executor.register(plan.spec)
        result = await executor.execute(request)
        return result.rc, result.op_status, result.exit_reason, result.stdout, result.stderr

    rc, status, reason, stdout, stderr = asyncio.run(execute())
    spec = plan.spec
    standard = (
        f"{spec.agent_class}:{spec.provider}:{spec.agent_type}"
        if spec.provider
        else f"{spec.agent_class}:{spec.agent_type}"
    )
    if status == ExecStatus.DONE:
        text = rc_text(rc)
        if reason:
            text = f"{text}: {reason}"
        print(f"Operation {option} for {plan.rsc_id} ({standard}) returned {rc} ({text})")
    else:
        if status == ExecStatus.TIMEOUT:
            reason = SYNC_TIMEOUT_REASON  # the wording of Pacemaker's synchronous execution
        text = ExecStatus(status).text + (f": {reason}" if reason else "")
        print(
            f"Operation {option} for {plan.rsc_id} ({standard}) could not be executed ({text})",
            file=sys.stderr,
        )
    if not (verbose == 0 and plan.action == "validate-all"):
        if stdout:
            sys.stdout.write(stdout + "\n")
        if stderr:
            sys.stdout.write(stderr + "\n")
    sys.stdout.flush()
    exit_code = rc if rc in EXIT_TEXT or rc in (OcfRc.DEGRADED, OcfRc.DEGRADED_PROMOTED) else 1
    if exit_code != 0:
        print(
            f"{PROG}: Error performing operation: {EXIT_TEXT.get(exit_code, 'Error occurred')}",
            file=sys.stderr,
        )
    return exit_code


# -- --list / --locate ------------------------------------------------------------------
def _active_nodes(root: etree._Element, rsc_id: str) -> list[str]:
    """Nodes where the resource's op history leaves it active (the scheduler's reading)."""
    nodes: list[str] = []
    for state in root.iterfind("status/node_state"):
        uname = state.get("uname") or state.get("id") or ""
        if state.get("in_ccm") in ("false", "0", "no"):
            continue  # a node that left: what its history says no longer runs anywhere
        for lrm_rsc in state.iterfind("lrm/lrm_resources/lrm_resource"):
            if lrm_rsc.get("id") == rsc_id and is_active(lrm_rsc.iterfind("lrm_rsc_op")) and uname not in nodes:
                nodes.append(uname)
    return nodes


def _standard(element: etree._Element) -> str:
    provider = element.get("provider")
    parts = [element.get("class", ""), *([provider] if provider else []), element.get("type", "")]
    return ":".join(parts)


def _list_lines(root: etree._Element, element: etree._Element, indent: str) -> list[str]:
    tag = element.tag
    rid = element.get("id", "")
    if tag == "primitive":
        nodes = _active_nodes(root, rid)
        where = f"Started {' '.join(nodes)}" if nodes else "Stopped"
        return [f"{indent}* {rid}\t({_standard(element)}):\t {where}"]
    if tag == "group":
        lines = [f"{indent}* Resource Group: {rid}:"]
        for child in element.findall("primitive"):
            lines += _list_lines(root, child, indent + "  ")
        return lines
    if tag in ("clone", "master"):
        members = [c for c in element if c.tag in ("primitive", "group")]
        child_id = members[0].get("id", "") if members else ""
        lines = [f"{indent}* Clone Set: {rid} [{child_id}]:"]
        for member in members[:1]:
            lines += _list_lines(root, member, indent + "  ")
        return lines
    return []


_PRIMITIVE_LINE = re.compile(r"^(?P<head>.*\t\(.*\):\t )(?P<role>\S+)(?P<rest>.*)$")


def _without_nodes(text: str) -> str:
    """crm_resource --list shows a primitive's role without the nodes it is on."""
    match = _PRIMITIVE_LINE.match(text)
    if not match:
        return text
    rest = re.sub(r"\s*\[ [^\]]* \]", "", match.group("rest"))
    rest = re.sub(r"^ (?!\()\S+", "", rest)
    return match.group("head") + match.group("role") + rest


def _status_view_lines(root: etree._Element) -> list[str] | None:
    """The resource list from the scheduler's status view (Pacemaker's layout), if available."""
    try:
        from pengine.status_view import Block, Entry, Item, Spacer, cluster_status
    except ImportError:  # pragma: no cover - the scheduler is part of the project
        return None
    blocks = [b for b in cluster_status(root) if isinstance(b, Block) and b.title == "Full List of Resources"]
    if not blocks:
        return None
    lines: list[str] = []

    def render(items: tuple[Item, ...], depth: int) -> None:
        for item in items:
            if isinstance(item, Spacer):
                lines.append("")
            elif isinstance(item, Entry):
                text = f"{item.label}: {item.text}" if item.label else item.text
                lines.append("  " * depth + "* " + _without_nodes(text))
            elif isinstance(item, Block):
                lines.append("  " * depth + "* " + item.title + ":")
                render(item.items, depth + 1)

    render(blocks[0].items, 1)
    return lines


def _any_command(args: argparse.Namespace) -> bool:
    """Whether the command line names a command (any option of the command group)."""
    return any(getattr(args, dest, None) for dest in COMMAND_DESTS)


def _status_only_xml(run: Callable[[], int], argv: list[str], output: OutputChoice) -> int:
    """A command whose text output is only informational, in XML: the status alone (what it
    says on stderr becomes the errors when it fails)."""
    said, told = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(said), contextlib.redirect_stderr(told):
        code = run()
    errors = [line for line in told.getvalue().splitlines() if line.strip()] if code else []
    output.write(error_result(PROG, argv, code, errors), sys.stdout)
    return code


def _leaf_ids(root: etree._Element, element: etree._Element, copies: int, suffix: str = "") -> list[str]:
    """Pacemaker's ``cli_resource_print_raw``: the ids of the primitives a resource instantiates
    (clone instances as ``id:N``)."""
    if element.tag == "primitive":
        return [f"{element.get('id')}{suffix}"]
    if element.tag == "group":
        return [i for child in element if child.tag == "primitive" for i in _leaf_ids(root, child, copies, suffix)]
    if element.tag in ("clone", "master"):
        meta = _nvpairs(element, "meta_attributes", root)
        try:
            count = int(meta.get("clone-max", copies))
        except ValueError:
            count = copies
        child = next((c for c in element if c.tag in ("primitive", "group")), None)
        if child is None:
            return []
        return [i for n in range(count) for i in _leaf_ids(root, child, copies, f":{n}")]
    return [str(element.get("id"))]


def do_list_raw(root: etree._Element) -> int:
    """``-l``: the ids of every instantiated primitive."""
    resources = root.find("configuration/resources")
    elements = [e for e in resources if isinstance(e.tag, str)] if resources is not None else []
    if not elements:
        raise CliError("NO resources configured\n", EXIT_NOSUCH, plain=True)
    nodes = root.findall("configuration/nodes/node")
    for element in elements:
        for ident in _leaf_ids(root, element, len(nodes)):
            print(ident)
    return 0


def do_list(root: etree._Element) -> int:
    resources = root.find("configuration/resources")
    elements = [e for e in resources if isinstance(e.tag, str)] if resources is not None else []
    if not elements:
        print("Full List of Resources:\n  * No resources")
        raise CliError("", EXIT_NOSUCH)
    print("Full List of Resources:")
    lines = _status_view_lines(root)
    if lines is None:
        lines = [line for element in elements for line in _list_lines(root, element, "  ")]
    for line in lines:
        print(line)
    return 0


def _history_ids(root: etree._Element, prim_id: str) -> list[str]:
    """The ``lrm_resource`` ids of a primitive: its own, or its clone instances' ``id:N``."""
    found: set[str] = set()
    for lrm_rsc in root.iterfind("status/node_state/lrm/lrm_resources/lrm_resource"):
        rid = lrm_rsc.get("id", "")
        if rid == prim_id or (rid.startswith(prim_id + ":") and rid[len(prim_id) + 1 :].isdigit()):
            found.add(rid)
    return sorted(found, key=lambda r: (len(r), r))


def do_locate(root: etree._Element, rsc_id: str, output: OutputChoice, argv: list[str], quiet: bool) -> int:
    """``--locate``: the nodes the resource is active on (Pacemaker's ``cli_resource_search``)."""
    found = locate(root, rsc_id)
    if found is None:
        raise CliError(f"Resource '{rsc_id}' not found", EXIT_NOSUCH)
    if output.xml:
        result = XmlResult(request_line(PROG, argv))
        nodes = result.add("nodes", attrs={"resource": rsc_id})
        for entry in found:
            result.add("node", nodes, {"state": "promoted" if entry.promoted else None}, text=entry.node)
        output.write(result.finish(0), sys.stdout)
        return 0
    if not found:
        if not quiet:
            print(f"resource {rsc_id} is NOT running", file=sys.stderr)
        return 0
    for entry in found:
        role = " Promoted" if entry.promoted else ""
        print(entry.node if quiet else f"resource {rsc_id} is running on: {entry.node}{role}")
    return 0


def _status_resources(root: etree._Element) -> etree._Element:
    """The ``<resources>`` of ``crm_mon --output-as=xml`` for this CIB (the status of every resource)."""
    result = XmlResult("")
    crm_mon_xml.build(result, root, int(time.time()), "", sections=["resources"])
    resources = result.root.find("resources")
    return resources if resources is not None else etree.Element("resources")


def do_list_xml(root: etree._Element, output: OutputChoice, argv: list[str]) -> int:
    """``-L --output-as=xml``: the resources as ``crm_mon`` shows them in XML."""
    result = XmlResult(request_line(PROG, argv))
    resources = _status_resources(root)
    if not len(resources):
        result.add("item", result.add("resources"), text="No resources")
        result.error(f"{PROG}: Error performing operation: {EXIT_TEXT[EXIT_NOSUCH]}")
        output.write(result.finish(EXIT_NOSUCH), sys.stdout)
        return EXIT_NOSUCH
    result.root.append(resources)
    output.write(result.finish(0), sys.stdout)
    return 0


def _resource_xml_text(element: etree._Element, rsc_id: str) -> str:
    """The resource's XML as Pacemaker prints it: a clone member as its instance (``clone="N"``,
    the first instance unless ``rsc_id`` names one)."""
    copy = etree.fromstring(etree.tostring(element))
    if element.tag in ("primitive", "group") and next(element.iterancestors("clone", "master"), None) is not None:
        number = rsc_id.rpartition(":")[2] if rsc_id != element.get("id") else "0"
        for member in copy.iter("primitive", "group"):
            member.set("clone", number)
    for node in copy.iter():
        node.tail = None if node is copy else node.tail
        if isinstance(node.tag, str) and len(node) == 0 and node.text is not None and not node.text.strip():
            node.text = None
    etree.indent(copy, space="  ")
    return etree.tostring(copy, encoding="unicode")


def _status_of(root: etree._Element, element: etree._Element, rsc_id: str) -> etree._Element | None:
    """The status element ``-q`` shows for a resource: what ``crm_mon`` shows for it, without the
    inactive members of groups (a group with none active is not shown)."""
    unique_instance = rsc_id != element.get("id") and rsc_id.startswith(f"{element.get('id')}:")
    wanted = rsc_id if unique_instance else str(element.get("id"))
    shown = next((e for e in _status_resources(root).iter("resource", "group", "clone", "bundle")
                  if e.get("id") == wanted or (unique_instance and e.get("id") == element.get("id"))), None)
    if shown is None:
        return None
    for child in list(shown.iter("resource")):
        parent = child.getparent()
        if parent is not None and parent.tag == "group" and child.get("active") == "false":
            parent.remove(child)
    for group in list(shown.iter("group")):
        parent = group.getparent()
        if not len(group):
            if group is shown:
                return None
            if parent is not None:
                parent.remove(group)
    for child in shown.iter():
        child.tail = None
        child.text = None if len(child) else child.text
    return shown


def do_query_xml(root: etree._Element, rsc_id: str, output: OutputChoice, argv: list[str]) -> int:
    element = _find_resource(root, rsc_id)
    text = _resource_xml_text(element, rsc_id)
    if output.xml:
        result = XmlResult(request_line(PROG, argv))
        config = result.add("resource_config")
        shown = _status_of(root, element, rsc_id)
        if shown is not None:
            config.append(shown)
        result.add("xml", config).text = etree.CDATA(text + "\n")
        output.write(result.finish(0), sys.stdout)
        return 0
    if element.tag == "primitive":
        nodes = _active_nodes(root, element.get("id", ""))
        where = f"Started {' '.join(nodes)}" if nodes else "Stopped"
        print(f"{element.get('id')}\t({_standard(element)}):\t {where}")
    print("Resource XML:")
    print(text)
    return 0


# -- agent queries (no CIB needed) --------------------------------------------------------
STANDARDS = ("ocf", "lsb", "heartbeat", "stonith")


def _ocf_providers_of(locator: AgentLocator, agent_type: str) -> list[str]:
    return [p for p in locator.list_providers() if agent_type in locator.list_agents("ocf", p)]


def do_agent_query(args: argparse.Namespace) -> int | None:
    """--list-standards/--list-ocf-providers/--list-agents/--list-ocf-alternatives/--show-metadata."""
    locator = AgentLocator.from_env()
    if args.list_standards:
        print("\n".join(STANDARDS))
        return 0
    if args.list_ocf_providers:
        print("\n".join(locator.list_providers()))
        return 0
    if args.list_ocf_alternatives:
        providers = _ocf_providers_of(locator, args.list_ocf_alternatives)
        if providers:
            print("\n".join(providers))
        return 0 if providers else EXIT_NOSUCH
    if args.list_agents:
        standard, _, provider = args.list_agents.partition(":")
        if standard == "ocf" and not provider:
            names = sorted({a for p in locator.list_providers() for a in locator.list_agents("ocf", p)})
        else:
            names = locator.list_agents(standard, provider or None)
        if names:
            print("\n".join(names))
        return 0 if names else EXIT_NOSUCH
    if args.show_metadata:
        return show_metadata(locator, args.show_metadata)
    return None


def show_metadata(locator: AgentLocator, spec_text: str) -> int:
    parts = spec_text.split(":")
    failure = CliError(f"Metadata query for {spec_text} failed: No such device or address", EXIT_NOSUCH)
    if len(parts) == 3:
        agent_class, provider, agent_type = parts
    elif len(parts) == 2:
        (agent_class, agent_type), provider = parts, ""
    else:
        raise failure
    if agent_class not in STANDARDS or (agent_class == "ocf") != bool(provider):
        raise failure

    async def query() -> tuple[int, int, str]:
        executor = Executor(locator, ExecutorConfig(max_parallel=1))
        outcome = await executor.metadata_text(agent_class, provider or None, agent_type)
        return outcome.rc, outcome.op_status, outcome.stdout

    rc, status, text = asyncio.run(query())
    if rc != 0 or status != ExecStatus.DONE or not text.strip():
        raise failure
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0


# -- --get/--set/--delete-parameter ------------------------------------------------------
def _attr_sets(element: etree._Element, tag: str) -> list[etree._Element]:
    return [child for child in element if child.tag == tag]


def _find_pair(element: etree._Element, tag: str, name: str) -> etree._Element | None:
    for attr_set in _attr_sets(element, tag):
        for pair in attr_set.findall("nvpair"):
            if pair.get("name") == name:
                return pair
    return None


def do_get_parameter(root: etree._Element, rsc_id: str, name: str, tag: str) -> int:
    element = _find_resource(root, rsc_id)
    values = _nvpairs(element, tag, root)
    if name not in values:
        print(f"Attribute '{name}' not found for '{rsc_id}'", file=sys.stderr)
        return 0
    print(values[name])
    return 0


def set_parameter(root: etree._Element, rsc_id: str, name: str, value: str, tag: str) -> str:
    """Set ``name`` in the resource's first matching nvpair, or in ``<rsc>-<tag>``; returns the report."""
    element = _find_resource(root, rsc_id)
    pair = _find_pair(element, tag, name)
    if pair is not None:
        pair.set("value", value)
        return f"Set '{rsc_id}' option: id={pair.get('id')} name={name} value={value}"
    set_id = f"{rsc_id}-{tag}"
    target = next((s for s in _attr_sets(element, tag) if s.get("id") == set_id), None)
    if target is None:
        target = etree.SubElement(element, tag, {"id": set_id})
    pair_id = f"{set_id}-{name}"
    etree.SubElement(target, "nvpair", {"id": pair_id, "name": name, "value": value})
    return f"Set '{rsc_id}' option: id={pair_id} set={set_id} name={name} value={value}"


def delete_parameter(root: etree._Element, rsc_id: str, name: str, tag: str) -> str | None:
    element = _find_resource(root, rsc_id)
    pair = _find_pair(element, tag, name)
    if pair is None:
        return None
    parent = pair.getparent()
    assert parent is not None
    parent.remove(pair)
    return f"Deleted '{rsc_id}' option: id={pair.get('id')} name={name}"


COLLECTIVE_TAGS = ("group", "clone", "master", "bundle")
CLONE_TAGS = ("clone", "master")


def find_resource_attr(root: etree._Element, rsc_id: str, set_tag: str | None, name: str) -> list[etree._Element]:
    """Pacemaker's ``find_resource_attr``: the nvpairs named ``name`` under the resource
    ``rsc_id`` (in its ``set_tag`` sets, or anywhere beneath it, children included), and the
    listing it prints when there are several."""
    xpath = f'/cib/configuration/resources//*[@id="{rsc_id}"]'
    if set_tag is not None:
        xpath += f"/{set_tag}"
    xpath += f'//nvpair[@name="{name}"]'
    try:
        found = [e for e in root.xpath(xpath) if isinstance(e, etree._Element)]  # type: ignore[union-attr]
    except etree.XPathError:
        return []
    if len(found) > 1:
        print(f"Multiple attributes match name={name}")
        for pair in found:
            print(f"  Value: {pair.get('value', '')} \t(id={pair.get('id', '')})")
        print()
    return found


def _top(element: etree._Element) -> etree._Element:
    while (parent := element.getparent()) is not None and parent.tag in COLLECTIVE_TAGS:
        element = parent
    return element


def _attr_resources(root: etree._Element, element: etree._Element, requested: str, tag: str, name: str,
                    verb: str, force: bool) -> list[etree._Element]:
    """Pacemaker's ``find_matching_attr_resources``: where a meta-attribute change goes (a
    clone's primitive without the attribute: the clone; a clone whose primitive has it: the
    primitive; otherwise the members that have it, and the resource itself)."""
    if force:
        return [element]
    parent = element.getparent()
    if parent is not None and parent.tag in CLONE_TAGS:
        if len(find_resource_attr(root, requested, tag, name)) != 1:
            print(f"Performing {verb} of '{name}' on '{parent.get('id')}', the parent of '{requested}'")
            return [parent]
        return [element]
    if element.tag in CLONE_TAGS and parent is not None and parent.tag == "resources":
        child = next((c for c in element if c.tag in ("primitive", "group")), None)
        if (child is not None and child.tag == "primitive"
                and len(find_resource_attr(root, str(child.get("id")), tag, name)) == 1):
            print(f"A value for '{name}' already exists in child '{child.get('id')}', "
                  f"performing {verb} on that instead of '{requested}'")
            return [child]
        return [element]
    members = [c for c in element if c.tag in ("primitive", "group", "clone", "master", "bundle")]
    # Pacemaker 2.1.5 changes the members that have the attribute, then the resource itself
    having = [c for c in members if len(find_resource_attr(root, str(c.get("id")), tag, name)) == 1]
    return [*having, element]


def do_parameter(args: argparse.Namespace) -> int:
    """``-p``/``-d`` (and ``-g``): Pacemaker's ``cli_resource_update_attribute`` and
    ``cli_resource_delete_attribute``, one CIB update per resource changed."""
    tag = "meta_attributes" if args.meta else "instance_attributes"
    if args.set_parameter and args.parameter_value is None:
        print(f"{PROG}: You need to supply a value with the -v option", file=sys.stderr)
        return EXIT_USAGE
    root = _load_cib()  # as Pacemaker, which reads the whole CIB (as the user may) before changing it
    if args.get_parameter:
        return do_get_parameter(root, args.resource, args.get_parameter, tag)
    from crm.cib.document import CibDocument
    from crm.cib.errors import CibError
    from crm.cli.cib_source import CibSource

    name = args.set_parameter or args.delete_parameter
    verb = "update" if args.set_parameter else "delete"
    element = _find_resource(root, args.resource)
    force = bool(args.force)
    if not force:
        find_resource_attr(root, str(_top(element).get("id")), None, name)
    if args.meta:
        targets = _attr_resources(root, element, args.resource, tag, name, verb, force)
    else:
        if args.set_parameter and not force:
            top_id = str(_top(element).get("id"))
            existing = find_resource_attr(root, top_id, "meta_attributes", name)
            if len(existing) == 1:
                print(f"WARNING: There is already a meta attribute for '{top_id}' called '{name}' "
                      f"(id={existing[0].get('id')})", file=sys.stderr)
                print(f"         Delete '{existing[0].get('id')}' first or use the force option to override",
                      file=sys.stderr)
                raise CliError("", EXIT_NOT_UNIQUE)
        targets = [element]
    source = CibSource.from_environment()
    for target in targets:
        rsc_id = str(target.get("id"))
        found = find_resource_attr(source.read().root, rsc_id, tag, name)
        if len(found) > 1:
            raise CliError("", EXIT_NOT_UNIQUE)
        if not found and verb == "delete":
            continue
        pair_id = str(found[0].get("id")) if found else None

        def change(doc: CibDocument, rsc_id: str = rsc_id, pair_id: str | None = pair_id) -> str:
            if verb == "delete":
                assert pair_id is not None
                pair = next((p for p in doc.root.iterfind("configuration/resources//nvpair")
                             if p.get("id") == pair_id and p.get("name") == name), None)
                if pair is not None and (parent := pair.getparent()) is not None:
                    parent.remove(pair)
                return f"Deleted '{rsc_id}' option: id={pair_id} name={name}"
            value = str(args.parameter_value)
            if pair_id is not None:
                pair = next((p for p in doc.root.iterfind("configuration/resources//nvpair")
                             if p.get("id") == pair_id), None)
                if pair is not None:
                    pair.set("name", name)
                    pair.set("value", value)
                return f"Set '{rsc_id}' option: id={pair_id} name={name} value={value}"
            element = _find_resource(doc.root, rsc_id)
            set_id = f"{rsc_id}-{tag}"
            new_id = f"{set_id}-{name}"
            attr_set = next((c for c in element if c.tag == tag and c.get("id") == set_id), None)
            if attr_set is None:
                attr_set = etree.SubElement(element, tag, {"id": set_id})
            etree.SubElement(attr_set, "nvpair", {"id": new_id, "name": name, "value": value})
            return f"Set '{rsc_id}' option: id={new_id} set={set_id} name={name} value={value}"

        try:
            report, _outcome = source.modify(change)
        except CibError as exc:
            raise cib_failure(exc) from None
        print(report)
    return 0


# -- --ban / --move / --clear ------------------------------------------------------------
_DURATION_RE = re.compile(
    r"^P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$"
)


def lifetime_end(duration: str, now: datetime) -> datetime:
    """``now`` plus an ISO 8601 duration (calendar years and months, as crm_time does)."""
    match = _DURATION_RE.match(duration.strip())
    if not match:
        raise CliError(
            f"Invalid duration specified: {duration}\n"
            "Please refer to https://en.wikipedia.org/wiki/ISO_8601#Durations for examples of valid durations",
            EXIT_USAGE,
            bare=True,
        )
    years, months, weeks, days, hours, minutes, seconds = (int(g) if g else 0 for g in match.groups())
    month_index = now.month - 1 + months + 12 * years
    year, month = now.year + month_index // 12, month_index % 12 + 1
    day = min(now.day, calendar.monthrange(year, month)[1])
    shifted = now.replace(year=year, month=month, day=day)
    return shifted + timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes, seconds=seconds)


def _node_names(root: etree._Element) -> list[str]:
    return [n.get("uname") or n.get("id") or "" for n in root.iterfind("configuration/nodes/node")]


def _location(
    rsc_id: str, cid: str, node: str, score: str, end: str | None, ids: tuple[str, str, str]
) -> etree._Element:
    element = etree.Element("rsc_location", {"id": cid, "rsc": rsc_id, "role": "Started"})
    if end is None:
        element.set("node", node)
        element.set("score", score)
        return element
    rule = etree.SubElement(element, "rule", {"id": ids[0], "score": score, "boolean-op": "and"})
    etree.SubElement(
        rule,
        "expression",
        {"id": ids[1], "attribute": "#uname", "operation": "eq", "value": node, "type": "string"},
    )
    etree.SubElement(rule, "date_expression", {"id": ids[2], "operation": "lt", "end": end})
    return element


def _put_constraint(root: etree._Element, element: etree._Element) -> int:
    """Create or replace a constraint; 1 if that changed anything."""
    constraints = root.find("configuration/constraints")
    if constraints is None:
        configuration = root.find("configuration")
        assert configuration is not None
        constraints = etree.SubElement(configuration, "constraints")
    for old in constraints:
        if old.get("id") == element.get("id"):
            if etree.tostring(old, method="c14n") == etree.tostring(element, method="c14n"):
                return 0
            old.addnext(element)
            constraints.remove(old)
            return 1
    constraints.append(element)
    return 1


def _remove_constraint(root: etree._Element, cid: str) -> bool:
    constraints = root.find("configuration/constraints")
    if constraints is None:
        return False
    for old in constraints:
        if old.get("id") == cid:
            constraints.remove(old)
            return True
    return False


def _constraint_node(root: etree._Element, cid: str) -> str | None:
    for old in root.iterfind("configuration/constraints/rsc_location"):
        if old.get("id") == cid:
            if old.get("node"):
                return old.get("node")
            expr = old.find("rule/expression")
            return expr.get("value") if expr is not None else None
    return None


def _ban_warning(rsc_id: str, node: str) -> str:
    cid = f"cli-ban-{rsc_id}-on-{node}"
    return (
        f"WARNING: Creating rsc_location constraint '{cid}' with a score of -INFINITY for resource {rsc_id} on "
        f"{node}.\n\tThis will prevent {rsc_id} from running on {node} until the constraint is removed using "
        "the clear option or by editing the CIB with an appropriate tool\n"
        f"\tThis will be the case even if {node} is the last node in the cluster"
    )


@dataclass
class PlacementResult:
    lines: list[str]
    writes: int = 0  # CIB updates Pacemaker would make (each bumps the epoch)


def placement_change(root: etree._Element, args: argparse.Namespace, now: datetime) -> PlacementResult:
    """Apply --ban/--move/--clear to ``root``; returns the lines to print."""
    if args.clear and args.expired:
        return _clear_expired(root, args.resource, args.node, now)
    rsc_id: str = args.resource
    _base, sep, instance = rsc_id.partition(":")
    if sep and instance.isdigit():
        raise CliError(f"Cannot operate on clone resource instance '{rsc_id}'", 2)
    element = _find_resource(root, rsc_id)
    nodes = _node_names(root)
    if args.node is not None and args.node not in nodes:
        raise CliError(f"Node '{args.node}' not found", EXIT_NOSUCH)
    out = PlacementResult([])
    lines = out.lines
    end: str | None = None
    if args.lifetime and not args.clear:
        end = lifetime_end(args.lifetime, now).strftime("%Y-%m-%d %H:%M:%SZ")
    if args.clear:
        targets = [args.node] if args.node else nodes
        for node in targets:
            cid = f"cli-ban-{rsc_id}-on-{node}"
            if _remove_constraint(root, cid):
                lines.append(f"Removing constraint: {cid}")
                out.writes += 1
        prefer = f"cli-prefer-{rsc_id}"
        ours_to_clear = args.node is None or _constraint_node(root, prefer) == args.node
        if ours_to_clear and _remove_constraint(root, prefer):
            lines.append(f"Removing constraint: {prefer}")
            out.writes += 1
        return out
    running = list(dict.fromkeys(_located(root, element, rsc_id)))
    if args.move and args.node is not None:
        if running == [args.node]:
            raise CliError("", 108)
        # Pacemaker's cli_resource_move: clear the previous preference (wherever it was), clear
        # a ban from the destination, then record the new preference (each a write of its own)
        cid = f"cli-prefer-{rsc_id}"
        if _remove_constraint(root, cid):
            out.writes += 1
        if _remove_constraint(root, f"cli-ban-{rsc_id}-on-{args.node}"):
            out.writes += 1
        ids = (f"cli-prefer-rule-{rsc_id}", f"cli-prefer-expr-{rsc_id}", f"cli-prefer-lifetime-end-{rsc_id}")
        out.writes += _put_constraint(root, _location(rsc_id, cid, args.node, "INFINITY", end, ids))
        if end is not None:
            lines.append(f"Migration will take effect until: {end}")
        return out
    node = args.node
    if node is None:
        if len(running) != 1:
            raise CliError(
                f"{PROG}: Resource '{rsc_id}' not moved: active in {len(running)} locations.\n"
                f"To prevent '{rsc_id}' from running on a specific location, specify a node.",
                EXIT_USAGE,
                bare=True,
            )
        node = running[0]
    cid = f"cli-ban-{rsc_id}-on-{node}"
    _put_constraint(
        root,
        _location(rsc_id, cid, node, "-INFINITY", end, (f"{cid}-rule", f"{cid}-expr", f"{cid}-lifetime")),
    )
    if end is not None:
        lines.append(f"Migration will take effect until: {end}")
    lines.append(_ban_warning(rsc_id, node))
    return out


def _lifetime_end(text: str) -> datetime | None:
    try:
        when = parse_date(text)
    except (Iso8601Error, ValueError):
        return None
    return datetime.fromtimestamp(seconds_since_epoch(when), UTC).replace(tzinfo=None)


def _clear_expired(root: etree._Element, rsc_id: str | None, node: str | None, now: datetime) -> PlacementResult:
    """``--clear --expired``: remove the ``cli-*`` location constraints (of ``rsc_id``, on
    ``node``, when given) whose lifetime ended, one CIB update each (Pacemaker's
    ``cli_resource_clear_all_expired``)."""
    out = PlacementResult([])
    constraints = root.find("configuration/constraints")
    if constraints is None:
        return out
    order = {str(r.get("id")): i for i, r in enumerate(root.iterfind("configuration/resources//*[@id]"))}
    locations = sorted(constraints.iterfind("rsc_location"), key=lambda c: order.get(c.get("rsc", ""), len(order)))
    for location in locations:  # resource by resource, in the order of the configuration
        cid = location.get("id", "")
        if not cid.startswith("cli-") or (rsc_id is not None and location.get("rsc") != rsc_id):
            continue
        if node is not None and location.get("node") != node and not any(
            e.get("attribute") == "#uname" and e.get("value") == node for e in location.iter("expression")
        ):
            continue  # with a node, only the constraints about it
        # the lifetime --ban or --move wrote, found by its id
        wanted = f"cli-prefer-lifetime-end-{location.get('rsc')}" if cid.startswith("cli-prefer-") else f"{cid}-lifetime"
        lifetime = next((e for e in location.iter("date_expression") if e.get("id") == wanted), None)
        end = None if lifetime is None else _lifetime_end(lifetime.get("end", ""))
        if end is not None and end < now:
            constraints.remove(location)
            out.lines.append(f"Removing constraint: {cid}")
            out.writes += 1
    return out


def _located(root: etree._Element, element: etree._Element, rsc_id: str) -> list[str]:
    primitives = [element] if element.tag == "primitive" else list(element.iter("primitive"))
    nodes: list[str] = []
    for prim in primitives:
        for history_id in _history_ids(root, prim.get("id", "")):
            nodes.extend(_active_nodes(root, history_id))
    return nodes


def do_placement(args: argparse.Namespace) -> int:
    _load_cib()  # as Pacemaker, which unpacks the CIB before placing constraints
    try:
        from crm.cib.document import CibDocument
        from crm.cib.errors import CibError
        from crm.cli.cib_source import CibSource
    except ImportError as exc:  # pragma: no cover - the CIB library is part of the project
        raise CliError(f"the CIB library is not available: {exc}", 1) from None
    now = datetime.now(UTC).replace(microsecond=0, tzinfo=None)

    def change(doc: CibDocument) -> PlacementResult:
        result = placement_change(doc.root, args, now)
        for _ in range(result.writes - 1):
            doc.bump_epoch()  # Pacemaker makes one CIB update per constraint
        return result

    try:
        result, _outcome = CibSource.from_environment().modify(change)
    except CibError as exc:
        raise cib_failure(exc) from None
    for line in result.lines:
        print(line)
    return 0


def do_delete(rsc_id: str, kind: str | None) -> int:
    """``-D -r RSC -t ELEMENT``: remove the resource's element (Pacemaker deletes the first
    ``<ELEMENT id="RSC">`` of the resources section; none of that type is not an error)."""
    root = _load_cib()
    _find_resource(root, rsc_id)
    if kind is None:
        raise CliError("You need to specify a resource type with -t", EXIT_NOSUCH)
    from crm.cib.document import CibDocument
    from crm.cli.cib_source import CibSource

    def change(doc: CibDocument) -> None:
        resources = doc.root.find("configuration/resources")
        target = None if resources is None else next(
            (e for e in resources.iter(kind) if e.get("id") == rsc_id), None)
        if target is not None:
            parent = target.getparent()
            assert parent is not None
            parent.remove(target)

    try:
        CibSource.from_environment().modify(change)
    except LibCibError as exc:
        raise cib_failure(exc) from None
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, add_help=False)
    add_output_options(parser, OUTPUT_FORMATS)
    commands = parser.add_mutually_exclusive_group()
    queries = option_group(parser, "queries", "Queries", "Show query help")
    changes = option_group(parser, "commands", "Commands", "Show command help")
    locations = option_group(parser, "locations", "Locations", "Show location help")
    advanced = option_group(parser, "advanced", "Advanced", "Show advanced option help")
    additional = option_group(parser, "additional", "Additional Options", "Show additional options")

    def command(shown: argparse._ArgumentGroup, *flags: str, **kwargs: Any) -> None:
        shown._group_actions.append(commands.add_argument(*flags, **kwargs))

    command(queries, "-L", "--list", action="store_true", help="List all cluster resources with status")
    command(queries, "-l", "--list-raw", dest="list_raw", action="store_true",
            help="List IDs of all instantiated resources (individual members\n"
            "rather than groups etc.)")
    command(queries, "--list-standards", action="store_true", help="List supported standards")
    command(queries, "--list-ocf-providers", action="store_true", help="List all available OCF providers")
    command(queries, "--list-agents", metavar="STD:PROV",
            help="List all agents available for the named standard and/or provider")
    command(queries, "--list-ocf-alternatives", metavar="AGENT",
            help="List all available providers for the named OCF agent")
    command(queries, "--show-metadata", metavar="SPEC",
            help="Show the metadata for the named class:provider:agent")
    command(queries, "-q", "--query-xml", action="store_true",
            help="Show XML configuration of resource (after any template expansion)")
    command(queries, "-g", "--get-parameter", metavar="PARAM",
            help="Display named parameter for resource (use instance attribute\nunless --meta is specified)")
    command(queries, "-W", "--locate", action="store_true", help="Show node(s) currently running resource")
    command(queries, "-a", "--constraints", action="store_true",
            help="Display the location and colocation constraints that apply to a\n"
            "resource, and if --recursive is specified, to the resources\n"
            "directly or indirectly involved in those colocations.\n"
            "If the named resource is part of a group, or a clone or\n"
            "bundle instance, constraints for the collective resource\n"
            "will be shown unless --force is given.")
    command(queries, "-A", "--stack", action="store_true", help="Equivalent to --constraints --recursive")
    command(changes, "--validate", dest="validate", action="store_true",
            help="Validate resource configuration by calling agent's validate-all\n"
            "action. The configuration is the one of the resource given with -r.")
    command(changes, "-C", "--cleanup", action="store_true",
            help="If resource has any past failures, clear its history and fail\n"
            "count. Optionally filtered by --resource, --node, --operation\n"
            "and --interval (otherwise all).")
    command(changes, "-R", "--refresh", action="store_true",
            help="Delete resource's history (including failures) so its current state\n"
            "is rechecked. Optionally filtered by --resource and --node\n(otherwise all).")
    command(changes, "-p", "--set-parameter", metavar="PARAM",
            help="Set named parameter for resource (requires -v). Use instance\n"
            "attribute unless --meta is specified.")
    command(changes, "-d", "--delete-parameter", metavar="PARAM",
            help="Delete named parameter for resource. Use instance attribute\nunless --meta is specified.")
    command(locations, "-M", "--move", action="store_true",
            help="Create a constraint to move resource. If --node is specified,\n"
            "the constraint will be to move to that node, otherwise it\n"
            "will be to ban the current node.\nOptional: --lifetime.")
    command(locations, "-B", "--ban", action="store_true",
            help="Create a constraint to keep resource off a node.\nOptional: --node, --lifetime.")
    command(locations, "-U", "--clear", action="store_true",
            help="Remove all constraints created by the --ban and/or --move\n"
            "commands. Requires: --resource. Optional: --node, --expired.\n"
            "If --expired is specified, only those constraints whose\n"
            "lifetimes have expired will be removed.")
    locations.add_argument("-e", "--expired", action="store_true",
                           help="Modifies the --clear argument to remove constraints with\nexpired lifetimes.")
    locations.add_argument("-u", "--lifetime", metavar="TIMESPEC",
                           help="Lifespan (as ISO 8601 duration) of created constraints (with\n-B, -M)")
    command(advanced, "-D", "--delete", action="store_true",
            help="(Advanced) Delete a resource from the CIB. Required: -t")
    command(advanced, "--restart", action="store_true",
            help="(Advanced) Tell the cluster to restart this resource and\nanything that depends on it")
    command(advanced, "--wait", action="store_true",
            help="(Advanced) Wait until the cluster settles into a stable state")
    for dest, (option, _action) in FORCE_ACTIONS.items():
        if dest != "validate":
            command(advanced, f"--{option}", dest=dest, action="store_true",
                    help=f"(Advanced) Bypass the cluster and {FORCE_WORDS[option]} a resource on the local node")
    additional.add_argument("-N", "--node", metavar="NAME", help="Node name")
    additional.add_argument("-t", "--resource-type", dest="resource_type", metavar="ELEMENT",
                            help="Resource XML element (primitive, group, etc.) (with -D)")
    advanced.add_argument("--class", dest="rsc_class", metavar="CLASS",
                          help="The standard the resource agent conforms to (for example, ocf).\n"
                          "Use with --agent, --provider, --option, and --validate.")
    advanced.add_argument("--agent", dest="rsc_agent", metavar="AGENT",
                          help="The agent to use (for example, IPaddr). Use with --class,\n"
                          "--provider, --option, and --validate.")
    advanced.add_argument("--provider", dest="rsc_provider", metavar="PROVIDER",
                          help="The vendor that supplies the resource agent (for example,\n"
                          "heartbeat). Use with --class, --agent, --option, and --validate.")
    additional.add_argument("--recursive", action="store_true",
                            help="Follow colocation chains when using --constraints")
    additional.add_argument("-f", "--force", action="store_true",
                            help="With --constraints: the constraints of the resource itself, not of\n"
                            "its collective resource")
    additional.add_argument("-v", "--parameter-value", metavar="PARAM", help="Value to use with -p")
    additional.add_argument("-m", "--meta", action="store_true",
                            help="Use resource meta-attribute instead of instance attribute\n(with -p, -g, -d)")
    additional.add_argument("-n", "--operation", metavar="OPERATION",
                            help="Operation to clear instead of all (with -C -r)")
    additional.add_argument("-I", "--interval", metavar="N",
                            help="Interval of operation to clear (default 0) (with -C -r -n)")
    additional.add_argument("-T", "--timeout", metavar="N",
                            help="(Advanced) Abort if command does not finish in this time (with\n"
                            "--restart, --wait, --force-*)")
    additional.add_argument("--check-level", type=int, metavar="LEVEL",
                            help="OCF_CHECK_LEVEL of the agent (with --force-check, --validate)")
    parser.add_argument("-V", "--verbose", action="count", default=0,
                        help="Increase debug output (may be specified multiple times)")
    parser.add_argument("-Q", "--quiet", action="store_true", help="Be less descriptive in output.")
    parser.add_argument("-r", "--resource", metavar="ID", help="Resource ID")
    install(parser, "crm_resource - perform tasks related to Pacemaker cluster resources", help_short="-h",
            epilog=EXAMPLES)
    return parser


OUTPUT_FORMATS = ("text", "xml")
COMMAND_DESTS = (
    "list", "list_raw", "list_standards", "list_ocf_providers", "list_agents", "list_ocf_alternatives",
    "show_metadata", "query_xml", "get_parameter", "locate", "constraints", "stack", "validate", "cleanup",
    "refresh", "set_parameter", "delete_parameter", "move", "ban", "clear", "restart", "wait", "delete",
    *FORCE_ACTIONS,
)
FORCE_WORDS = {"force-start": "start", "force-stop": "stop", "force-check": "check the state of",
               "force-promote": "promote", "force-demote": "demote"}
EXAMPLES = """Examples:

List the available OCF agents:

\t# crm_resource --list-agents ocf

List the available OCF agents from the linux-ha project:

\t# crm_resource --list-agents ocf:heartbeat

Move 'myResource' to a specific node:

\t# crm_resource --resource myResource --move --node altNode

Allow (but not force) 'myResource' to move back to its original location:

\t# crm_resource --resource myResource --clear

Stop 'myResource' (and anything that depends on it):

\t# crm_resource --resource myResource --set-parameter target-role --meta --parameter-value Stopped

Tell the cluster not to manage 'myResource' (the cluster will not attempt to start or stop the
resource under any circumstances; useful when performing maintenance tasks on a resource):

\t# crm_resource --resource myResource --set-parameter is-managed --meta --parameter-value false
"""


def do_constraints(args: argparse.Namespace, output: OutputChoice, argv: list[str]) -> int:
    """``--constraints``/``--stack``: the locations and colocations of the resource."""
    root = _load_cib()
    element = _find_resource(root, args.resource)
    if not args.force:
        element = collective(root, element)
    report = constraints(root, str(element.get("id")), recursive=args.stack or args.recursive)
    if output.xml:
        result = XmlResult(request_line(PROG, argv))
        report.xml(result)
        output.write(result.finish(0), sys.stdout)
    else:
        output.write(report.text(), sys.stdout)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    args, extra = parser.parse_known_args(argv)
    if args.rsc_class or args.rsc_provider or args.rsc_agent:
        if args.resource:
            print(f"{PROG}: --resource cannot be used with --class, --agent, and --provider", file=sys.stderr)
            return EXIT_USAGE
        if not (args.validate or any(getattr(args, dest) for dest in FORCE_ACTIONS)):
            print(f"{PROG}: --class, --agent, and --provider can only be used with --validate and --force-*",
                  file=sys.stderr)
            return EXIT_USAGE
        print(f"{PROG}: --class, --agent and --provider are not supported yet; configure the resource "
              "and use -r", file=sys.stderr)
        return EXIT_UNIMPLEMENTED
    if any(word.startswith("-") for word in extra):
        parser.parse_args(argv)  # an unknown option: argparse's error
    if extra:
        print(f"{PROG}: non-option ARGV-elements:", file=sys.stderr)
        for index, word in enumerate(extra, start=1):
            print(f"[{index} of {len(extra)}] {word}", file=sys.stderr)
        print(file=sys.stderr)
        return EXIT_USAGE
    try:
        output = open_output(args, OUTPUT_FORMATS)
    except OutputFormatError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return exc.exit_code
    try:
        chosen = [dest for dest in FORCE_ACTIONS if getattr(args, dest)]
        if args.constraints or args.stack:
            if not args.resource:
                raise CliError("Must supply a resource id with -r", EXIT_USAGE)
            return do_constraints(args, output, argv)
        param_change = args.set_parameter or args.delete_parameter
        placement = args.ban or args.move or args.clear
        if output.xml and (param_change or placement) and not (chosen or args.query_xml or args.locate):
            if not args.resource:
                raise CliError("Must supply a resource id with -r", EXIT_USAGE)
            if param_change and args.set_parameter and args.parameter_value is None:
                raise CliError("You need to supply a value with the -v option", EXIT_USAGE)
            _load_cib()
            return _status_only_xml(lambda: do_parameter(args) if param_change else do_placement(args),
                                    argv, output)
        if output.xml and (args.list or not _any_command(args)):
            return do_list_xml(_load_cib(), output, argv)
        if output.xml and (args.locate or args.query_xml):
            if not args.resource:
                raise CliError("Must supply a resource id with -r", EXIT_USAGE)
            root = _load_cib()
            if args.locate:
                return do_locate(root, args.resource, output, argv, args.quiet)
            return do_query_xml(root, args.resource, output, argv)
        if output.xml:
            print(f"{PROG}: this command has no XML output yet; use --output-as=text", file=sys.stderr)
            return EXIT_UNIMPLEMENTED
        if args.list_raw:
            return do_list_raw(_load_cib())
        if args.list or not _any_command(args):  # listing is what crm_resource does by default
            return do_list(_load_cib())
        agent_query = do_agent_query(args)
        if agent_query is not None:
            return agent_query
        if args.cleanup or args.refresh:
            option = "cleanup" if args.cleanup else "refresh"
            if _live() is not None:
                return live_cleanup(args, option)
            return dry_run_cleanup(_load_cib(), args.resource, args.node)
        if args.wait:
            if _live() is None:
                print(f"{PROG}: --wait works on the live cluster only", file=sys.stderr)
                return EXIT_USAGE
            return do_wait(args)
        if args.restart:
            if not args.resource:
                print(f"{PROG}: Must supply a resource id with -r", file=sys.stderr)
                return EXIT_USAGE
            if _live() is None:
                print(f"{PROG}: --restart works on the live cluster only", file=sys.stderr)
                return EXIT_USAGE
            return do_restart(args)
        param_cmd = args.get_parameter or args.set_parameter or args.delete_parameter
        if not (chosen or args.query_xml or args.locate or param_cmd or placement or args.delete):
            parser.print_usage(sys.stderr)
            print(f"{PROG}: no command given (use --force-start, --list, ...)", file=sys.stderr)
            return EXIT_USAGE
        if args.clear and args.expired:
            return do_placement(args)  # every resource's expired constraints unless -r names one
        if not args.resource:
            print(f"{PROG}: Must supply a resource id with -r", file=sys.stderr)
            return EXIT_USAGE
        if args.delete:
            return do_delete(args.resource, args.resource_type)
        if param_cmd:
            return do_parameter(args)
        if placement:
            return do_placement(args)
        root = _load_cib()
        if args.query_xml:
            return do_query_xml(root, args.resource, output, argv)
        if args.locate:
            return do_locate(root, args.resource, output, argv, args.quiet)
        option, action = FORCE_ACTIONS[chosen[0]]
        if _live() is not None:
            return needs_controller(option, args.resource)
        timeout = parse_ms(args.timeout) if args.timeout else None
        if args.timeout and timeout is None:
            print(f"{PROG}: invalid --timeout {args.timeout!r}", file=sys.stderr)
            return EXIT_USAGE
        plan = plan_force(root, args.resource, option, action, timeout)
        return run_force(plan, option, args.verbose, args.check_level)
    except CliError as exc:
        wording = EXIT_TIMEOUT_TEXT if exc.exit_code == EXIT_TIMEOUT else EXIT_TEXT.get(exc.exit_code, "Error occurred")
        if output.xml:
            text = str(exc) if exc.bare or exc.plain else f"{PROG}: {exc}\nError performing operation: {wording}"
            output.write(error_result(PROG, argv, exc.exit_code, [text]), sys.stdout)
            return exc.exit_code
        if exc.bare:
            print(str(exc), file=sys.stderr)
        elif not str(exc):
            print(f"{PROG}: Error performing operation: {wording}", file=sys.stderr)
        elif exc.plain:
            print(f"{exc}\n{PROG}: Error performing operation: {wording}", file=sys.stderr)
        else:
            print(f"{PROG}: {exc}\nError performing operation: {wording}", file=sys.stderr)
        return exc.exit_code


if __name__ == "__main__":
    raise SystemExit(main())
