"""The live CIB: the local CIB daemon's socket, as a CIB source for the command-line tools.

A change is made as on a file (run on a copy, versions and validation checked), then sent
to the daemon as a v2 patchset.  The daemon multicasts it; every replica applies it in the
agreed order, on top of whatever other writes came first (``patchset.apply(merge=True)``).
If another write removed what the patch changes, the daemon answers ``conflict`` and the
change is re-run on a fresh copy, so concurrent writers never lose each other's updates
and never see "update older than existing configuration".

The wire protocol (JSON over ``RUN_DIR/based.sock``, see :mod:`crm.ipc`):

=====================  ==========================================================
``query``              ``{"cib": TEXT}`` the whole CIB, status included
``patch``              ``{"patch": TEXT, "keep_versions": bool, "validate": bool,
                       "config_change": bool}`` -> ``{"version": "a.e.n"}``
``sync``               push this node's CIB to every node (``cibadmin --sync``)
``subscribe``          then ``{"event": "diff", "patch": TEXT}`` per change
``membership``         ``{"local", "members", "quorate", "nodes"}``
``ping``               ``{"version", "digest"}``
=====================  ==========================================================
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from lxml import etree

from crm.cib import patchset
from crm.cib.document import CibDocument, CibStructureError
from crm.cib.errors import CibError, ExitCode, UnusableCib
from crm.cib.transaction import Outcome, perform
from crm.cib.version import CibVersion, CibVersionError
from crm.cib.xmltext import XmlInputError
from crm.ipc.client import DaemonError, DaemonNotRunning, IpcClient

__all__ = ["BASED_SOCKET", "CONFLICT_RC", "LiveCibError", "LiveCibSource", "live_error"]

BASED_SOCKET = "based.sock"
CONFLICT_RC = int(ExitCode.TEMPFAIL)
MAX_ATTEMPTS = 50

T = TypeVar("T")


class LiveCibError(CibError):
    """An error reported by the CIB daemon, with its exit code."""

    def __init__(self, detail: str, exit_code: int) -> None:
        super().__init__(detail)
        try:
            self.exit_code = ExitCode(exit_code)
        except ValueError:
            self.exit_code = ExitCode.ERROR
        self.reason = detail


def live_error(err: DaemonError) -> CibError:
    if isinstance(err, DaemonNotRunning):
        error = LiveCibError(str(err), ExitCode.DISCONNECT)
        error.reason = "Transport endpoint is not connected"
        return error
    return LiveCibError(str(err), err.rc)


@dataclass(frozen=True, slots=True)
class LiveCibSource:
    """The CIB daemon of the node whose run directory is ``run_dir``."""

    run_dir: Path

    @property
    def socket(self) -> Path:
        return self.run_dir / BASED_SOCKET

    def client(self, timeout: float | None = 120.0) -> IpcClient:
        try:
            return IpcClient(self.socket, "CIB daemon", timeout)
        except DaemonError as err:
            raise live_error(err) from None

    def call(self, request: dict[str, Any]) -> dict[str, Any]:
        with self.client() as client:
            try:
                return client.call(request)
            except DaemonError as err:
                raise live_error(err) from None

    def read(self) -> CibDocument:
        text = str(self.call({"op": "query"})["cib"])
        try:
            return CibDocument.parse(text, "live CIB")
        except (XmlInputError, CibStructureError, CibVersionError) as err:
            raise UnusableCib(f"the live CIB is unusable: {err}") from None

    def write(self, doc: CibDocument) -> None:
        """Make ``doc`` the CIB (its versions kept; refused if older than the cluster's)."""
        self.modify(lambda work: _replace_root(work, doc), manage_versions=False)

    def sync(self) -> None:
        self.call({"op": "sync"})

    def membership(self) -> dict[str, Any]:
        return self.call({"op": "membership"})

    def modify(
        self,
        change: Callable[[CibDocument], T],
        *,
        manage_versions: bool = True,
        validate: bool = True,
        config_change: bool = False,
        acl_style: str = "update",
    ) -> tuple[T, Outcome]:
        """Run ``change`` on a fresh copy and send the difference; re-run on conflict.
        (``acl_style`` is for file sources: the CIB daemon checks the ACLs of its clients.)"""
        for attempt in range(MAX_ATTEMPTS):
            before = self.read()
            result, outcome = perform(
                before, change, manage_versions=manage_versions, validate=validate, config_change=config_change
            )
            if not outcome.changed:
                return result, outcome
            patch = patchset.diff(before.root, outcome.document.root)
            request = {
                "op": "patch",
                "patch": etree.tostring(patch, encoding="unicode"),
                "keep_versions": not manage_versions,
                "validate": validate,
                "config_change": config_change or outcome.config_changed,
            }
            try:
                reply = self.call(request)
            except LiveCibError as err:
                if err.exit_code == CONFLICT_RC and attempt + 1 < MAX_ATTEMPTS:
                    time.sleep(random.uniform(0.001, 0.02 * (attempt + 1)))
                    continue
                raise
            version = reply.get("version")
            if isinstance(version, str):
                _set_version(outcome.document, version)
            return result, outcome
        raise LiveCibError("the CIB kept changing underneath this update; try again", CONFLICT_RC)


def _replace_root(work: CibDocument, new: CibDocument) -> None:
    root = work.root
    for name in list(root.attrib):
        del root.attrib[name]
    for name, value in new.root.attrib.items():
        root.set(name, value)
    for child in list(root):
        root.remove(child)
    for child in new.root:
        root.append(etree.fromstring(etree.tostring(child)))


def _set_version(doc: CibDocument, text: str) -> None:
    try:
        a, e, n = (int(x) for x in text.split("."))
    except ValueError:
        return
    doc.version = CibVersion(a, e, n)
