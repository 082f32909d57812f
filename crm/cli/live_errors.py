"""What the command-line tools share about the live cluster: whether they work on it, the
local node's name, and the one line they print when pacer is not running on this node.

With neither ``CIB_file`` nor ``CIB_shadow`` set, a tool works on the local CIB daemon
(:class:`crm.cib.live.LiveCibSource`, run directory from ``PACER_RUN_DIR``).  When the daemon
is not there, every tool prints one line::

    <tool>: pacer is not running on this node (no CIB daemon at RUN_DIR/based.sock): start it with ...

and exits 102 (``CRM_EX_DISCONNECT``), as Pacemaker's tools do when they cannot reach the
cluster (``crm_verify -L`` and ``crm_simulate -L`` keep Pacemaker's 66, "input not available").
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

from crm.cib.errors import CibError, ExitCode
from crm.cib.live import BASED_SOCKET, LiveCibError, LiveCibSource, live_error
from crm.cli.cib_source import CibSource
from crm.cluster.node import NODE_FILE, NodeConfig, NodeConfigError, run_dir_from_environment
from crm.ipc.client import DaemonNotRunning

__all__ = [
    "CONTROLLER_NEEDED",
    "is_live",
    "live_local_node",
    "live_source",
    "not_running",
    "not_running_error",
    "one_line",
    "preflight",
    "report",
]

CONTROLLER_NEEDED = (
    "Error connecting to the controller: pacer has no controller yet (it is coming); "
    "{what} needs it, nothing was done"
)


def live_source(environ: Mapping[str, str] | None = None) -> LiveCibSource | None:
    """The live source when the environment names no CIB file or shadow copy, else ``None``."""
    source = CibSource.from_environment(environ)
    return source if isinstance(source, LiveCibSource) else None


def is_live(environ: Mapping[str, str] | None = None) -> bool:
    return live_source(environ) is not None


def not_running_error(run_dir: Path) -> CibError:
    """The error a tool reports when there is no CIB daemon in ``run_dir``."""
    return live_error(DaemonNotRunning("CIB daemon", run_dir / BASED_SOCKET))


def not_running(err: BaseException) -> bool:
    """Whether ``err`` says that the local CIB daemon cannot be reached."""
    return isinstance(err, LiveCibError) and err.exit_code == ExitCode.DISCONNECT


FILE_HINT = ", or use CIB_file=FILE to work on a file"


def one_line(prog: str, err: BaseException, *, file_hint: bool = True) -> str:
    """``err`` as one line for ``prog``; ``file_hint=False`` drops the advice to use
    ``CIB_file`` (for tools that only work on the live cluster)."""
    text = " ".join(str(err).split())
    if not file_hint:
        text = text.replace(FILE_HINT, "")
    return f"{prog}: {text}\n"


def report(prog: str, err: BaseException, stream: TextIO, exit_code: int | None = None, *,
           file_hint: bool = True) -> int:
    """Print ``err`` as the tool's one line; returns the exit code (the error's by default)."""
    stream.write(one_line(prog, err, file_hint=file_hint))
    if exit_code is not None:
        return exit_code
    return int(getattr(err, "exit_code", ExitCode.ERROR))


def preflight(source: LiveCibSource) -> None:
    """Raise the "not running" error unless the local CIB daemon accepts a connection."""
    with source.client(timeout=10.0):
        pass


def live_local_node(environ: Mapping[str, str] | None = None) -> str:
    """This node's cluster name in live mode (``RUN_DIR/node.json``); raises the "not running"
    error when pacer has never been started here."""
    run_dir = run_dir_from_environment(environ)
    if not (run_dir / NODE_FILE).exists():
        raise not_running_error(run_dir)
    try:
        return NodeConfig.load(run_dir).name
    except NodeConfigError as err:
        raise LiveCibError(str(err), ExitCode.OSFILE) from None
