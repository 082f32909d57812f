"""Where a command-line tool gets its CIB from, and how it writes it back.

Every CLI does::

    source = CibSource.from_environment()       # CIB_file=... (the only source for now)
    doc = source.read()                          # a CibDocument
    result, outcome = source.modify(change)      # change(doc) on a copy; written back
                                                 # atomically only if it returned normally

``modify`` bumps ``epoch``/``num_updates`` as Pacemaker does, refuses versions that go
backwards and validates (unique ids, schema) before writing; on any exception the file is
left byte-identical.  Errors are :class:`crm.cib.errors.CibError` subclasses carrying the
Pacemaker exit code.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from crm.cib.atomic import write_atomic
from crm.cib.document import CibDocument, CibStructureError
from crm.cib.errors import CibUnavailable, ExitCode, UnusableCib
from crm.cib.transaction import Outcome, perform
from crm.cib.version import CibVersionError
from crm.cib.xmltext import XmlInputError

__all__ = ["ENV_FILE", "CibSource", "NoLiveCluster"]

ENV_FILE = "CIB_file"

T = TypeVar("T")


class NoLiveCluster(CibUnavailable):
    exit_code = ExitCode.DISCONNECT
    reason = "Transport endpoint is not connected"


@dataclass(frozen=True, slots=True)
class CibSource:
    """A CIB kept in a file (``CIB_file``)."""

    path: Path

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> CibSource:
        """The source named by the environment.

        Raises :class:`NoLiveCluster` when ``CIB_file`` is unset: talking to a live cluster
        is not available yet.
        """
        env = os.environ if environ is None else environ
        name = env.get(ENV_FILE, "")
        if not name:
            raise NoLiveCluster(
                "could not connect to the CIB: no live cluster is reachable and CIB_file is not set "
                "(set CIB_file=/path/to/cib.xml to work on a file)"
            )
        return cls(Path(name))

    def read(self) -> CibDocument:
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            raise CibUnavailable(f"could not connect to the CIB: {self.path} does not exist") from None
        except OSError as err:
            raise CibUnavailable(f"could not read the CIB {self.path}: {err.strerror}") from None
        try:
            return CibDocument.parse(data, str(self.path), from_file=True)
        except XmlInputError as err:
            raise UnusableCib(f"the CIB file is unusable: {err}") from None
        except (CibStructureError, CibVersionError) as err:
            raise UnusableCib(f"the CIB file {self.path} is unusable: {err}") from None

    def write(self, doc: CibDocument) -> None:
        """Replace the file atomically with ``doc`` (Pacemaker's formatting)."""
        write_atomic(self.path, doc.to_text().encode())

    def modify(
        self,
        change: Callable[[CibDocument], T],
        *,
        manage_versions: bool = True,
        validate: bool = True,
        config_change: bool = False,
    ) -> tuple[T, Outcome]:
        """Read, run ``change`` on a copy, finish (versions, validation) and write back if the
        document changed.  Any exception leaves the file untouched.

        ``manage_versions=False`` keeps the versions ``change`` left; ``config_change=True``
        counts any change as a configuration change (epoch + 1)."""
        before = self.read()
        result, outcome = perform(
            before, change, manage_versions=manage_versions, validate=validate, config_change=config_change
        )
        if outcome.changed:
            self.write(outcome.document)
        return result, outcome
