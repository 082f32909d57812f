"""What a check finds: a message, how serious it is, and which check found it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from crm.cib.schema import SchemaError


class Severity(IntEnum):
    """Errors make the configuration invalid; warnings make it doubtful (both give exit
    code 78, with different final lines); notices are information shown with ``-V``."""

    NOTICE = 0
    WARNING = 1
    ERROR = 2


@dataclass(frozen=True, slots=True)
class Finding:
    severity: Severity
    origin: str
    """Name of the check, printed in parentheses as Pacemaker prints its function names."""
    message: str
    line: int | None = None

    def render(self) -> str:
        return f"({self.origin}) \t{self.severity.name.lower()}: {self.message}"


@dataclass(frozen=True, slots=True)
class Report:
    findings: tuple[Finding, ...]
    schema_errors: tuple[SchemaError, ...] = ()
    """Non-empty when the document does not validate; then ``findings`` is empty."""

    @property
    def schema_valid(self) -> bool:
        return not self.schema_errors

    @property
    def has_errors(self) -> bool:
        return not self.schema_valid or any(f.severity is Severity.ERROR for f in self.findings)

    @property
    def has_warnings(self) -> bool:
        return any(f.severity is Severity.WARNING for f in self.findings)
