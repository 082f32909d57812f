"""Diagnostics of the Heartbeat v1 migration: warnings and errors located as ``file:line``."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Severity(Enum):
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True)
class Diagnostic:
    """One message about an input file.

    ``line`` is 1-based; 0 means the message concerns the whole file (or no file at all).
    ``str()`` gives the conventional ``file:line: message`` form.
    """

    file: str
    line: int
    message: str
    severity: Severity = Severity.WARNING

    def __str__(self) -> str:
        where = self.file if self.line <= 0 else f"{self.file}:{self.line}"
        if not where:
            return self.message
        return f"{where}: {self.message}"


class MigrationError(Exception):
    """The input cannot be converted; ``diagnostics`` says what, where and why."""

    def __init__(self, diagnostics: list[Diagnostic] | tuple[Diagnostic, ...]) -> None:
        self.diagnostics = tuple(diagnostics)
        super().__init__("\n".join(str(d) for d in self.diagnostics))


def error(file: str, line: int, message: str) -> Diagnostic:
    return Diagnostic(file, line, message, Severity.ERROR)


def warning(file: str, line: int, message: str) -> Diagnostic:
    return Diagnostic(file, line, message, Severity.WARNING)
