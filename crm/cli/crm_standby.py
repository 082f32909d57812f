"""``crm_standby``: query, enable or disable standby mode for a node.

Pacemaker 2.1.5 ships this as a shell wrapper around ``crm_attribute -n standby``; this is
the same wrapper logic, run in-process over :mod:`crm.cli.crm_attribute`: without ``-l`` a
query looks at the permanent node attribute first and falls back to the transient one (default
``off``), an update is permanent, and a deletion removes both.

Without ``-N`` the wrapper asks ``crm_node -n`` for the local node: on the live cluster that is
this node's name (``RUN_DIR/node.json``); on a file there is no controller to ask, as with
Pacemaker.  When pacer is not running here, the tool says so in one line and exits 102.
"""

from __future__ import annotations

import getopt
import io
import sys
from collections.abc import Mapping, Sequence
from typing import TextIO

from crm.cib.errors import CibError, ExitCode
from crm.cli import crm_attribute, live_errors

__all__ = ["USAGE_TEXT", "main", "run"]

PROG = "crm_standby"
EXIT_USAGE = 1  # the wrapper's exit_usage() exits 1

USAGE_TEXT = """Usage: crm_standby <command> [options]

Common options:
 --help                 Display this text, then exit
 --version              Display version information, then exit
 -V, --verbose          Specify multiple times to increase debug output
 -q, --quiet            Print only the standby status (if querying)

Commands:
 -G, --query            Query the current value of standby mode (on/off)
 -v, --update=VALUE     Update the value of standby mode (on/off)
 -D, --delete           Let standby mode use default value

Additional Options:
 -N, --node=NODE        Operate on the named node instead of the current one
 -l, --lifetime=VALUE   Until when should the setting take effect
                        (valid values: reboot, forever)
 -i, --id=VALUE         (Advanced) XML ID used to identify standby attribute"""

HELP_TEXT = f"""crm_standby - Query, enable, or disable standby mode for a node

Nodes in standby mode may not host cluster resources.

{USAGE_TEXT}
"""

SHORT = "VqGv:DN:l:i:U:Q"
LONG = ["help", "version", "verbose", "quiet", "query", "update=", "delete", "node=", "lifetime=", "id=",
        "uname=", "get-value", "delete-attr", "attr-value=", "attr-id="]


def getopt_message(prog: str, exc: getopt.GetoptError, argv: Sequence[str]) -> str:
    """GNU getopt's wording for a refused option."""
    opt = exc.opt
    long_form = f"--{opt}" in argv or any(a.startswith(f"--{opt}=") for a in argv)
    if "requires argument" in exc.msg:
        return (f"{prog}: option '--{opt}' requires an argument" if long_form and len(opt) > 1
                else f"{prog}: option requires an argument -- '{opt}'")
    if len(opt) > 1 or long_form:
        return f"{prog}: unrecognized option '--{opt}'"
    return f"{prog}: invalid option -- '{opt}'"


def no_controller(err: TextIO) -> str:
    """``crm_node -n`` without a running controller: an error and no name."""
    err.write("error: Could not connect to controller: Connection refused\n")
    return ""


def run(argv: Sequence[str], out: TextIO, err: TextIO, environ: Mapping[str, str] | None = None) -> int:
    try:
        opts, _ = getopt.gnu_getopt(list(argv), SHORT, LONG)
    except getopt.GetoptError as exc:
        err.write(getopt_message(PROG, exc, argv) + "\n")
        out.write(f"\n{USAGE_TEXT}\n")
        return EXIT_USAGE
    options: list[str] = []
    op = ""
    lifetime = False
    target = ""
    for opt, arg in opts:
        if opt == "--help":
            out.write(HELP_TEXT + "\n")
            return 0
        if opt == "--version":
            return crm_attribute.run(["--version"], out, err, environ)
        if opt in ("-q", "--quiet", "-V", "--verbose", "-Q"):
            options.append(opt)
        elif opt in ("-N", "--node", "-U", "--uname"):
            target = arg
        elif opt in ("-G", "--query", "--get-value"):
            options.append("--query")
            op = "g"
        elif opt in ("-v", "--update", "--attr-value"):
            options += ["--update", arg]
            op = "u"
        elif opt in ("-D", "--delete", "--delete-attr"):
            options.append("--delete")
            op = "d"
        elif opt in ("-l", "--lifetime"):
            options += ["--lifetime", arg]
            lifetime = True
        elif opt in ("-i", "--id", "--attr-id"):
            options += ["--id", arg]
    source = live_errors.live_source(environ)
    if source is not None:
        try:
            live_errors.preflight(source)
            target = target or live_errors.live_local_node(environ)
        except CibError as exc:
            return live_errors.report(PROG, exc, err)
    if not target:
        target = no_controller(err)
        if not target:
            # The wrapper then runs "crm_attribute -N  -n standby ...": -N takes "-n" as its value.
            err.write(f"{crm_attribute.PROG}: Could not map name=-n to a UUID\n")
            return int(ExitCode.NOSUCH)
    args = ["-N", target, "-n", "standby", *options]
    if not op:
        args.append("-G")
        op = "g"
    if not lifetime:
        if op == "g":
            probe = crm_attribute.run([*args, "-l", "forever"], io.StringIO(), io.StringIO(), environ)
            args += ["-l", "forever"] if probe == 0 else ["-l", "reboot", "-d", "off"]
        elif op == "u":
            args += ["-l", "forever"]
        else:
            crm_attribute.run([*args, "-l", "forever"], out, err, environ)
            crm_attribute.run([*args, "-l", "reboot"], out, err, environ)
            return 0
    return crm_attribute.run(args, out, err, environ)


def main(argv: Sequence[str] | None = None) -> int:
    return run(sys.argv[1:] if argv is None else list(argv), sys.stdout, sys.stderr)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
