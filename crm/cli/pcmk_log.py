"""The log lines Pacemaker's command-line tools write on stderr.

They appear when the tool is verbose (``-V``) or ``PCMK_stderr`` is true, as
``(function) <TAB>severity: message``; when ``PCMK_trace_functions`` is set (even empty), the
function carries its source location: ``(function@file.c:line)``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from lxml import etree

from crm.common.booleans import is_true


def enabled(verbosity: int = 0, environ: Mapping[str, str] | None = None) -> bool:
    env = os.environ if environ is None else environ
    return verbosity > 0 or is_true(env.get("PCMK_stderr"))


def traced(function: str, environ: Mapping[str, str] | None = None) -> bool:
    """Whether ``PCMK_trace_functions`` names ``function`` and the tool logs to stderr."""
    env = os.environ if environ is None else environ
    names = env.get("PCMK_trace_functions", "")
    return function in {name.strip() for name in names.split(",")} and enabled(environ=env)


def line(function: str, severity: str, message: str, source: str = "", environ: Mapping[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    where = f"{function}@{source}" if source and "PCMK_trace_functions" in env else function
    return f"({where}) \t{severity}: {message}\n"


def log(function: str, severity: str, message: str, *, verbosity: int = 0, source: str = "",
        out: TextIO | None = None) -> None:
    """Write the line if the tool logs to stderr."""
    if enabled(verbosity):
        (out or sys.stderr).write(line(function, severity, message, source))


def xml_parse_errors(text: str) -> list[str] | None:
    """The lines libxml2 reports (through Pacemaker's ``log_xmllib_err``) for XML ``text`` that
    does not parse: ``Entity: line N: parser error : WHAT``, the line, a caret under the
    column; None when the text parses."""
    from lxml import etree

    try:
        etree.fromstring(text.encode())
        return None
    except etree.XMLSyntaxError as err:
        entries = list(err.error_log)  # type: ignore[call-overload]
        entry = entries[0] if entries else None
        lineno = entry.line if entry is not None else 1
        column = entry.column if entry is not None else 1
        message = entry.message if entry is not None else str(err)
        source_lines = text.split("\n")
        context = source_lines[lineno - 1] if 0 < lineno <= len(source_lines) else ""
        return [f"Entity: line {lineno}: parser error : {message}", context, " " * max(column - 1, 0) + "^"]


def recovered_xml(text: str) -> etree._Element | None:
    """What libxml2's recovering parser keeps of broken XML (None when no element started)."""
    from lxml import etree

    if not text.lstrip().startswith("<"):
        return None
    try:
        return etree.fromstring(text.encode(), etree.XMLParser(recover=True))
    except etree.XMLSyntaxError:
        return None
