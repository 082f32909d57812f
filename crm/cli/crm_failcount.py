"""``crm_failcount``: query or clear a resource's fail counts on a node.

Fail counts are transient node attributes named ``fail-count-<rsc>#<op>_<interval-ms>`` (and the
older ``fail-count-<rsc>``).  Pacemaker 2.1.5 ships this command as a shell wrapper; the query
is the same logic run in-process: the sum of the resource's per-operation counts (``INFINITY``
from 1000000 up), or one operation's count with ``-n``/``-I``, falling back to the legacy name.

``-D`` in Pacemaker runs ``crm_resource --cleanup``, which needs a live cluster (on a file,
2.1.5 crashes).  Here it removes the matching ``fail-count-*`` and ``last-failure-*``
attributes of the node from the CIB (the file, or the live CIB through the local CIB daemon)
and says what it cleaned.  On the live cluster each attribute is deleted as ``crm_attribute
-D -t status`` does it, through the attribute daemon when it runs.

Without ``-N`` the wrapper asks ``crm_node -n`` for the local node: on the live cluster that is
this node's name (``RUN_DIR/node.json``).  When pacer is not running here, the tool says so
in one line and exits 102.
"""

from __future__ import annotations

import getopt
import io
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import TextIO

from lxml import etree

from crm.attributes.store import node_uuid
from crm.cib.document import CibDocument
from crm.cib.errors import CibError, NoSuchObject
from crm.cib.live import LiveCibSource
from crm.cli import crm_attribute, live_errors
from crm.cli.cib_source import CibSource
from crm.cli.crm_standby import getopt_message
from crm.common.scores import INFINITY

__all__ = ["main", "parse_interval", "run"]

PROG = "crm_failcount"
EXIT_USAGE = 64

USAGE_TEXT = """Usage: crm_failcount <command> [<options>]
Common options:
 --help                 Display this text, then exit
 --version              Display version information, then exit
 -V, --verbose          Specify multiple times to increase debug output
 -q, --quiet            Print only the value (if querying)

Commands:
 -G, --query            Query the current value of the resource's fail count
 -D, --delete           Delete resource's recorded failures

Additional Options:
 -r, --resource=value   Name of the resource to use (required)
 -n, --operation=value  Name of operation to use (instead of all operations)
 -I, --interval=value   If operation is specified, its interval
 -N, --node=value       Use failcount on named node (instead of local node)"""

HELP_TEXT = f"crm_failcount - Query or delete resource fail counts\n\n{USAGE_TEXT}"

SHORT = "qDGQVN:U:v:i:l:r:n:I:"
LONG = ["help", "version", "verbose", "quiet", "query", "delete", "resource=", "node=", "operation=",
        "interval=", "delete-attr", "get-value", "resource-id=", "uname=", "lifetime=", "attr-value=",
        "attr-id="]

_UNITS = (("", 1000), ("s|sec", 1000), ("ms|msec", 1), ("m|min", 60000), ("h|hr", 3600000))
_ISO = re.compile(r"^P((\d+)Y)?((\d+)M)?((\d+)D)?T?((\d+)H)?((\d+)M)?((\d+)S)?$")
_COUNT = re.compile(r"^(\d+|INFINITY)$")


def parse_interval(text: str, err: TextIO) -> int:
    """The wrapper's ``parse_interval``: an interval spec -> milliseconds (0 if unrecognized)."""
    for units, scale in _UNITS:
        match = re.match(rf"^[ \t]*([0-9]+)[ \t]*({units})[ \t]*$", text)
        if match:
            return int(match.group(1)) * scale
    match = re.match(r"^[ \t]*([0-9]+)[ \t]*(us|usec)[ \t]*$", text)
    if match:
        return int(match.group(1)) // 1000
    match = re.match(r"^P([0-9]+)W$", text)
    if match:
        return int(match.group(1)) * 604800000
    match = _ISO.match(text)
    if match:
        parts = [int(match.group(i) or 0) for i in (2, 4, 6, 8, 10, 12)]
        scales = (31536000000, 2592000000, 86400000, 3600000, 60000, 1000)
        return sum(p * s for p, s in zip(parts, scales, strict=True))
    err.write("warning: Unrecognized interval, using 0\n")
    return 0


def _usage(out: TextIO, err: TextIO, message: str | None = None) -> int:
    if message:
        err.write(f"error: {message}\n")
    out.write(f"\n{USAGE_TEXT}\n")
    return EXIT_USAGE


def _single(target: str, name: str, err: TextIO, environ: Mapping[str, str] | None) -> str:
    buffer = io.StringIO()
    crm_attribute.run(["--quiet", "--query", "-t", "status", "-d", "0", "-N", target, "-n", name],
                      buffer, err, environ)
    return buffer.getvalue().strip()


def _transient_pairs(root: etree._Element, uname: str) -> list[etree._Element]:
    pairs: list[etree._Element] = []
    status = root.find("status")
    if status is None:
        return pairs
    for state in status.iterfind("node_state"):
        if state.get("uname") != uname:
            continue
        for transient in state.iterfind("transient_attributes"):
            for attr_set in transient.iterfind("instance_attributes"):
                pairs.extend(attr_set.iterfind("nvpair"))
    return pairs


def _sum(target: str, prefix: str, err: TextIO, environ: Mapping[str, str] | None) -> str | None:
    try:
        root = CibSource.from_environment(environ).read().root
    except CibError as exc:
        err.write("error: could not query CIB for fail counts\n")
        return None if exc.exit_code else "0"
    total = 0
    for pair in _transient_pairs(root, target):
        if not (pair.get("name") or "").startswith(prefix):
            continue
        value = pair.get("value", "")
        if not _COUNT.match(value):
            continue
        if value == "INFINITY":
            return "INFINITY"
        total += int(value)
    return "INFINITY" if total >= INFINITY else str(total)


def _query(target: str, rsc: str, op: str, interval: int, quiet: bool, out: TextIO, err: TextIO,
           environ: Mapping[str, str] | None) -> int:
    attr = f"fail-count-{rsc}"
    if op:
        display = f"{attr}#{op}_{interval}"
        count: str | None = _single(target, display, err, environ)
    else:
        display = attr
        count = _sum(target, f"{attr}#", err, environ)
        if count is None:
            return 1
    if count == "0":
        count = _single(target, attr, err, environ)
        if count != "0":
            display = attr
    out.write(f"{count}\n" if quiet else f"scope=status  name={display} value={count}\n")
    return 0


def _clear(target: str, rsc: str, op: str, interval: int, quiet: bool, out: TextIO, err: TextIO,
           environ: Mapping[str, str] | None) -> int:
    suffix = f"#{op}_{interval}" if op else ""

    def wanted(name: str) -> bool:
        for kind in ("fail-count", "last-failure"):
            base = f"{kind}-{rsc}"
            if op and name == base + suffix:
                return True
            if not op and (name == base or name.startswith(base + "#")):
                return True
        return False

    def change(doc: CibDocument) -> bool:
        if node_uuid(doc.root, target) is None:
            raise NoSuchObject(f"No node named {target}")
        removed = False
        for pair in _transient_pairs(doc.root, target):
            if wanted(pair.get("name", "")):
                parent = pair.getparent()
                assert parent is not None
                parent.remove(pair)
                removed = True
        return removed

    source = CibSource.from_environment(environ)
    try:
        if isinstance(source, LiveCibSource):
            return _clear_live(source, target, rsc, wanted, quiet, out, err, environ)
        source.modify(change)
    except CibError as exc:
        if live_errors.not_running(exc):
            return live_errors.report(PROG, exc, err)
        err.write(f"{PROG}: Error performing operation: {exc}\n")
        return int(exc.exit_code)
    if not quiet:
        out.write(f"Cleaned up {rsc} on {target}\n")
    return 0


def _clear_live(source: LiveCibSource, target: str, rsc: str, wanted: Callable[[str], bool], quiet: bool,
                out: TextIO, err: TextIO, environ: Mapping[str, str] | None) -> int:
    """On the live cluster each matching attribute is deleted as ``crm_attribute -D`` does it:
    through the attribute daemon when it runs (which holds the values and would write a
    count removed from the CIB behind its back again), else in the CIB."""
    root = source.read().root
    if node_uuid(root, target) is None:
        raise NoSuchObject(f"No node named {target}")
    names = dict.fromkeys(n for p in _transient_pairs(root, target) if wanted(n := p.get("name", "")))
    for name in names:
        code = crm_attribute.run(["--quiet", "--delete", "-t", "status", "-N", target, "-n", name],
                                 io.StringIO(), err, environ)
        if code != 0:
            return code
    if not quiet:
        out.write(f"Cleaned up {rsc} on {target}\n")
    return 0


def run(argv: Sequence[str], out: TextIO, err: TextIO, environ: Mapping[str, str] | None = None) -> int:
    try:
        opts, _ = getopt.gnu_getopt(list(argv), SHORT, LONG)
    except getopt.GetoptError as exc:
        err.write(getopt_message(PROG, exc, argv) + "\n")
        return _usage(out, err)
    quiet = False
    command = resource = operation = target = ""
    interval = "0"
    for opt, arg in opts:
        if opt == "--help":
            out.write(HELP_TEXT + "\n")
            return 0
        if opt == "--version":
            return crm_attribute.run(["--version"], out, err, environ)
        if opt in ("-q", "-Q", "--quiet"):
            quiet = True
        elif opt in ("-G", "--query", "--get-value"):
            command = "query"
        elif opt in ("-D", "--delete", "--delete-attr"):
            command = "delete"
        elif opt in ("-r", "--resource", "--resource-id"):
            resource = arg
        elif opt in ("-n", "--operation"):
            operation = arg
        elif opt in ("-I", "--interval"):
            interval = arg
        elif opt in ("-N", "--node", "-U", "--uname"):
            target = arg
        elif opt in ("-v", "--attr-value"):
            if arg == "0":
                command = "delete"
            else:
                err.write(f"warning: ignoring deprecated option '{opt}' with nonzero value\n")
        elif opt in ("-i", "--attr-id", "-l", "--lifetime"):
            err.write(f"warning: ignoring deprecated option '{opt}'\n")
    if not command:
        return _usage(out, err, "must specify a command")
    if not resource:
        return _usage(out, err, "resource name required")
    source = live_errors.live_source(environ)
    if source is not None:
        try:
            live_errors.preflight(source)
            target = target or live_errors.live_local_node(environ)
        except CibError as exc:
            return live_errors.report(PROG, exc, err)
    if not target:
        return _usage(out, err, "node name required")
    ms = parse_interval(interval, err)
    if command == "query":
        return _query(target, resource, operation, ms, quiet, out, err, environ)
    return _clear(target, resource, operation, ms, quiet, out, err, environ)


def main(argv: Sequence[str] | None = None) -> int:
    return run(sys.argv[1:] if argv is None else list(argv), sys.stdout, sys.stderr)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
