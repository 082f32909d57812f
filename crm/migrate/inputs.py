"""Reading input files and reporting diagnostics, shared by the migration commands."""

from __future__ import annotations

import contextlib
import grp
import os
import pwd
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from crm.migrate.diagnostics import Diagnostic, MigrationError, Severity, error


def read_text(path: Path) -> str:
    """The file's text, or MigrationError ``path: cannot read: reason``."""
    try:
        return path.read_text(encoding="utf-8", errors="surrogateescape")
    except FileNotFoundError:
        raise MigrationError([error(str(path), 0, "cannot read: no such file")]) from None
    except IsADirectoryError:
        raise MigrationError([error(str(path), 0, "cannot read: is a directory")]) from None
    except OSError as exc:
        raise MigrationError([error(str(path), 0, f"cannot read: {exc.strerror or exc}")]) from None


def report(diagnostics: Iterable[Diagnostic], stream: TextIO | None = None) -> None:
    """Print ``file:line: warning: reason`` / ``file:line: error: reason`` lines."""
    out = stream or sys.stderr
    for item in diagnostics:
        where = str(item).removesuffix(item.message).rstrip(": ")
        label = "error" if item.severity is Severity.ERROR else "warning"
        prefix = f"{where}: " if where else ""
        print(f"{prefix}{label}: {item.message}", file=out)


def give_to_cluster_user(path: Path) -> None:
    """chown hacluster:haclient when running as root and both exist (best effort)."""
    if os.geteuid() != 0:
        return
    with contextlib.suppress(KeyError, OSError):
        os.chown(path, pwd.getpwnam("hacluster").pw_uid, grp.getgrnam("haclient").gr_gid)
