"""The log lines Pacemaker's command-line tools write on stderr.

They appear when the tool is verbose (``-V``) or ``PCMK_stderr`` is true, as
``(function) <TAB>severity: message``; when ``PCMK_trace_functions`` is set (even empty), the
function carries its source location: ``(function@file.c:line)``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import TextIO

from crm.common.booleans import is_true


def enabled(verbosity: int = 0, environ: Mapping[str, str] | None = None) -> bool:
    env = os.environ if environ is None else environ
    return verbosity > 0 or is_true(env.get("PCMK_stderr"))


def line(function: str, severity: str, message: str, source: str = "", environ: Mapping[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    where = f"{function}@{source}" if source and "PCMK_trace_functions" in env else function
    return f"({where}) \t{severity}: {message}\n"


def log(function: str, severity: str, message: str, *, verbosity: int = 0, source: str = "",
        out: TextIO | None = None) -> None:
    """Write the line if the tool logs to stderr."""
    if enabled(verbosity):
        (out or sys.stderr).write(line(function, severity, message, source))
