"""``crm_error``: the name and description of Pacemaker result codes, as Pacemaker 2.1.5's.

``crm_error [-n] [-X|-r] [-- CODE...]`` describes each code as a legacy return code (the
default), an exit code (``-X``) or a standard return code (``-r``; the last of ``-X``/``-r``
wins); with no code, or with ``-l``, every named code of the family is listed.  The tables live
in :mod:`crm.common.return_codes`.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence

from crm.cli.output_format import OutputFormatError, XmlResult, invoked_as, open_output, request_line
from crm.cli.tool_args import PACEMAKER_VERSION, VERBOSE_OPT, VERSION_OPT, Opt, ToolSpec, run_tool
from crm.common.results import ExitCode
from crm.common.return_codes import PCMK_RC_LOWEST, ResultType, describe, listing

PROG = "crm_error"
INT_MIN = -(2**31)
INT_MAX = 2**31 - 1

SPEC = ToolSpec(
    prog=PROG,
    usage_args="[OPTION?] [-- <rc> [<rc>...]]",
    summary="crm_error - display name or description of a Pacemaker error code",
    main=(
        VERSION_OPT,
        VERBOSE_OPT,
        Opt("name", "n", help="Show error's name with its description (useful for looking for sources of the error in source code)"),
        Opt("list", "l", help="Show all known errors (enabled by default if no rc is specified)"),
        Opt("exit", "X", help="Interpret as exit code rather than legacy function return value",
            action="store_const", dest="family", const=ResultType.EXIT),
        Opt("rc", "r", help="Interpret as return code rather than legacy function return value",
            action="store_const", dest="family", const=ResultType.RC),
    ),
    positional="codes",
    output_formats=("text", "xml"),
)


def scan_int(text: str) -> int:
    """``pcmk__scan_min_int(text, INT_MIN)``: leading digits count, no digits is INT_MIN."""
    match = re.match(r"\s*([+-]?\d+)", text)
    if not match:
        return INT_MIN
    return max(INT_MIN, min(INT_MAX, int(match.group(1))))


def _code_width() -> int:
    return len(str(PCMK_RC_LOWEST))


def _text_line(code: int, name: str | None, desc: str | None, show_code: bool, name_width: int) -> str:
    if not show_code:
        if name is not None and desc is not None:
            return f"{name} - {desc}\n"
        return f"{name if name is not None else desc}\n"
    prefix = f"{code:>{_code_width()}}"
    if name is not None and desc is not None:
        return f"{prefix}: {name:<{name_width}}  {desc}\n"
    return f"{prefix}: {name if name is not None else desc}\n"


def _body(argv: Sequence[str]) -> int:
    ns = SPEC.parse(argv)
    if SPEC.answered_help(ns):
        return ExitCode.OK
    try:
        output = open_output(ns)
    except OutputFormatError as err:
        sys.stderr.write(f"{PROG}: {err}\n")
        return err.exit_code
    family: ResultType = ns.family or ResultType.LEGACY
    codes = [c for c in (ns.codes or []) if c != "--"]
    xml = XmlResult(request_line(invoked_as(PROG), argv)) if output.xml else None
    if ns.version:
        if xml is not None:
            xml.add("version", attrs={"program": "Pacemaker", "version": "2.1.5",
                                      "author": "Andrew Beekhof and the Pacemaker project contributors",
                                      "build": "pacer", "features": ""})
            output.write(xml.finish(ExitCode.OK), sys.stdout)
        else:
            output.write(PACEMAKER_VERSION, sys.stdout)
        return ExitCode.OK
    name_width = max(len(name) for _, name, _ in listing(ResultType.RC) if name.startswith("pcmk_rc_"))
    entries: list[tuple[int, str | None, str | None]] = []
    if ns.list or not codes:
        entries = [(code, name if ns.name else None, desc) for code, name, desc in listing(family)]
        show_code = True
    else:
        for word in codes:
            code = scan_int(word)
            name, desc = describe(code, family)
            entries.append((code, name if ns.name else None, desc))
        show_code = ns.verbose > 0
    if xml is not None:
        for code, shown_name, shown_desc in entries:
            xml.add("result-code", attrs={"code": code, "name": shown_name, "description": shown_desc})
        output.write(xml.finish(ExitCode.OK), sys.stdout)
    else:
        output.write("".join(_text_line(c, n, d, show_code, name_width) for c, n, d in entries), sys.stdout)
    return ExitCode.OK


def main(argv: Sequence[str] | None = None) -> int:
    return run_tool(PROG, _body, argv)


if __name__ == "__main__":
    sys.exit(main())
