"""Where a command-line tool gets its CIB from, and how it writes it back.

Every CLI does::

    source = CibSource.from_environment()       # CIB_file / CIB_shadow, else the live CIB
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
import pwd
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypeVar

from lxml import etree

from crm.cib import acl
from crm.cib.atomic import write_atomic
from crm.cib.document import CibDocument, CibStructureError
from crm.cib.errors import CibUnavailable, ExitCode, PermissionDenied, SchemaViolation, UnusableCib
from crm.cib.live import LiveCibSource
from crm.cib.pacemaker_schemas import validate_xml
from crm.cib.transaction import Outcome, perform
from crm.cib.version import CibVersionError
from crm.cib.xmltext import XmlInputError
from crm.cli import pcmk_log
from crm.cluster.node import run_dir_from_environment

__all__ = ["ENV_FILE", "ENV_SHADOW", "AnyCibSource", "CibSource", "LiveCibSource", "NoLiveCluster"]

ENV_FILE = "CIB_file"
ENV_SHADOW = "CIB_shadow"
ENV_SHADOW_DIR = "CIB_shadow_dir"
ENV_USER = "CIB_user"
DEFAULT_SHADOW_DIR = Path("/var/lib/pacemaker/cib")

CONNECT_FAILED = "Could not connect to the CIB"
"""How Pacemaker's tools begin the error when the CIB cannot be read (missing ``CIB_file``:
"... No such device or address", a file that fails its schema: "... Update does not conform
to the configured schema")."""

T = TypeVar("T")

_STDIN_CIB: list[bytes] = []


def _stdin_cib() -> bytes:
    """``CIB_file=-``: the CIB is read from standard input (once; later reads see the same)."""
    if not _STDIN_CIB:
        _STDIN_CIB.append(sys.stdin.buffer.read())
    return _STDIN_CIB[0]


def shadow_file(name: str, environ: Mapping[str, str] | None = None) -> Path:
    """The file of shadow copy ``name`` (Pacemaker's ``get_shadow_file``): ``shadow.NAME`` in
    ``CIB_shadow_dir``; without it, in the CIB directory for root and hacluster, else in
    ``~/.cib`` (created on demand) or the temporary directory."""
    env = os.environ if environ is None else environ
    directory = env.get(ENV_SHADOW_DIR)
    if directory is None:
        try:
            user = pwd.getpwuid(os.geteuid()).pw_name
        except KeyError:
            user = env.get("USER", "")
        if user.lower() in ("root", "hacluster"):
            directory = str(DEFAULT_SHADOW_DIR)
        else:
            directory = env.get("TMPDIR") or "/tmp"
            home = env.get("HOME", "")
            if home.startswith("/"):
                cib_home = Path(home) / ".cib"
                try:
                    cib_home.mkdir(mode=0o700, exist_ok=True)
                    directory = str(cib_home)
                except OSError:
                    pass
    return Path(f"{directory}/shadow.{name}")


class AnyCibSource(Protocol):
    """What the tools use of a CIB source: a file, a shadow copy or the live cluster."""

    def read(self) -> CibDocument: ...

    def write(self, doc: CibDocument) -> None: ...

    def modify(
        self,
        change: Callable[[CibDocument], T],
        *,
        manage_versions: bool = True,
        validate: bool = True,
        config_change: bool = False,
        acl_style: acl.Style = "update",
    ) -> tuple[T, Outcome]: ...


class NoLiveCluster(CibUnavailable):
    exit_code = ExitCode.DISCONNECT
    reason = "Transport endpoint is not connected"


class AclRefused(PermissionDenied):
    """A write the ACLs refuse; ``failed`` is the ``<failed>`` answer of a refused
    ``--create`` (None for the other operations)."""

    def __init__(self, failed: etree._Element | None = None) -> None:
        super().__init__()
        self.failed = failed


def _trace(function: str, message: str) -> None:
    """Pacemaker's trace lines of the ACL checks, for the functions named in
    ``PCMK_trace_functions`` when the tool logs to stderr."""
    if pcmk_log.traced(function):
        sys.stderr.write(pcmk_log.line(function, "trace", message, "acl.c:0"))


@dataclass(frozen=True, slots=True)
class CibSource:
    """A CIB kept in a file (``CIB_file``), read and written as ``user`` (``CIB_user``: the
    CIB's ACLs apply to it; None: no ACLs)."""

    path: Path
    user: str | None = None

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> CibSource | LiveCibSource:
        """The source named by the environment: ``CIB_file``, else the shadow copy named by
        ``CIB_shadow`` (in ``CIB_shadow_dir``), else the local CIB daemon (the run directory
        in ``PACER_RUN_DIR``)."""
        env = os.environ if environ is None else environ
        shadow = env.get(ENV_SHADOW, "")
        user = env.get(ENV_USER) or None
        if shadow:  # as Pacemaker's cib_new: a shadow copy wins over CIB_file
            return cls(shadow_file(shadow, env), user)
        name = env.get(ENV_FILE, "")
        if name:
            return cls(Path(name), user)
        return LiveCibSource(run_dir_from_environment(env))

    @classmethod
    def without_shadow(cls, environ: Mapping[str, str] | None = None) -> CibSource | LiveCibSource:
        """The source ignoring ``CIB_shadow`` (Pacemaker's ``cib_new_no_shadow``): what a
        shadow copy is made from and committed to."""
        env = dict(os.environ if environ is None else environ)
        env.pop(ENV_SHADOW, None)
        return cls.from_environment(env)

    @classmethod
    def file_from_environment(cls, environ: Mapping[str, str] | None = None) -> CibSource:
        """Only a file source: raises :class:`NoLiveCluster` when neither ``CIB_file`` nor
        ``CIB_shadow`` is set (for operations that have no live form yet)."""
        source = cls.from_environment(environ)
        if isinstance(source, LiveCibSource):
            raise NoLiveCluster(
                "this operation needs a CIB file: set CIB_file=/path/to/cib.xml (the live form comes with the controller)"
            )
        return source

    def read(self) -> CibDocument:
        """The CIB, as much of it as the user may read."""
        doc = self.read_whole()
        if self.user is None or not acl.acl_required(self.user) or not acl.acls_enabled(doc.root):
            return doc
        visible = acl.filtered_copy(doc.root, self.user)
        if visible is None:
            raise PermissionDenied()
        return CibDocument(visible)

    def read_whole(self) -> CibDocument:
        """The whole CIB, whatever the ACLs say (what changes are applied to)."""
        try:
            data = _stdin_cib() if str(self.path) == "-" else self.path.read_bytes()
        except FileNotFoundError as err:
            missing = f"{self.path} does not exist"
            raise CibUnavailable(f"{CONNECT_FAILED}: {CibUnavailable.reason} ({missing})") from err
        except OSError as err:
            raise CibUnavailable(f"could not read the CIB {self.path}: {err.strerror}") from None
        try:
            doc = CibDocument.parse(data, str(self.path), from_file=True)
        except XmlInputError as err:
            raise UnusableCib(f"the CIB file is unusable: {err}") from None
        except (CibStructureError, CibVersionError) as err:
            raise UnusableCib(f"the CIB file {self.path} is unusable: {err}") from None
        if not validate_xml(doc.root, str(self.path), None, record=False):
            # as Pacemaker's file-based CIB: a file that fails its schema cannot be connected to
            raise SchemaViolation(f"{CONNECT_FAILED}: {SchemaViolation.reason}")
        return doc

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
        acl_style: acl.Style = "update",
    ) -> tuple[T, Outcome]:
        """Read, run ``change`` on a copy, check it against the ACLs, finish (versions,
        validation) and write back if the document changed.  Any exception leaves the file
        untouched.

        ``manage_versions=False`` keeps the versions ``change`` left; ``config_change=True``
        counts any change as a configuration change (epoch + 1); ``acl_style`` says how the
        change is made, for the ACL checks (:data:`crm.cib.acl.Style`)."""
        before = self.read_whole()
        check = acl.AclCheck.needed(self.user, before.root, _trace)

        def guarded(doc: CibDocument) -> T:
            result = change(doc)
            if check is not None and not check.run(doc.root, acl_style):
                failed = None
                if acl_style == "create" and check.refused_while_changing:
                    failed = etree.Element("failed")
                raise AclRefused(failed)
            return result

        result, outcome = perform(
            before, guarded, manage_versions=manage_versions, validate=validate, config_change=config_change
        )
        if outcome.changed:
            self.write(outcome.document)
        return result, outcome
