"""Shared runtime for pacer's OCF resource agents (OCF resource-agent API 1.1).

Agents are executables that put this directory on ``sys.path`` and call :func:`main`
with a description of themselves and one handler per action.  This module knows the
OCF contract: parameters arrive as ``OCF_RESKEY_<name>``, the action is the single
argument, meta-data is XML on stdout, exit codes follow :class:`Rc`, and a failure
reason is the last ``ocf-exit-reason:`` line on stderr.

Only the standard library is used, so agents run with ``python3 -I -S``.
"""

from __future__ import annotations

import contextlib
import enum
import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence

TYPE_CHECKING = False  # typing costs ~10 ms to import; type checkers treat this name as True
if TYPE_CHECKING:
    import subprocess

DEFAULT_STATE_DIR = "/run/resource-agents"
EXIT_REASON_PREFIX = "ocf-exit-reason:"


class Rc(enum.IntEnum):
    """OCF exit codes (Pacemaker's names for 8 and 9 are the promoted forms)."""

    SUCCESS = 0
    ERR_GENERIC = 1
    ERR_ARGS = 2
    ERR_UNIMPLEMENTED = 3
    ERR_PERM = 4
    ERR_INSTALLED = 5
    ERR_CONFIGURED = 6
    NOT_RUNNING = 7
    RUNNING_PROMOTED = 8
    FAILED_PROMOTED = 9


class AgentExit(Exception):
    """Stop the action now with ``rc``; ``reason`` becomes the exit reason."""

    def __init__(self, rc: Rc, reason: str = "") -> None:
        super().__init__(reason or rc.name)
        self.rc = rc
        self.reason = reason


def fail(rc: Rc, reason: str) -> AgentExit:
    """Build an :class:`AgentExit` (``raise fail(Rc.ERR_CONFIGURED, "...")``)."""
    return AgentExit(rc, reason)


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def quoteattr(text: str) -> str:
    return '"' + escape(text).replace('"', "&quot;") + '"'


# Plain slotted classes rather than dataclasses: importing dataclasses (and with it
# inspect) would add several milliseconds to every agent run.
class Parameter:
    """One instance parameter; ``type`` is one of the OCF 1.0 DTD's string|integer|boolean|time."""

    __slots__ = ("default", "longdesc", "name", "required", "shortdesc", "type", "unique")

    def __init__(self, name: str, shortdesc: str, longdesc: str = "", type: str = "string",
                 default: str | None = None, required: bool = False, unique: bool = False) -> None:
        self.name = name
        self.shortdesc = shortdesc
        self.longdesc = longdesc
        self.type = type
        self.default = default
        self.required = required
        self.unique = unique


class Action:
    __slots__ = ("depth", "interval", "name", "role", "start_delay", "timeout")

    def __init__(self, name: str, timeout: str, interval: str | None = None, depth: str | None = None,
                 role: str | None = None, start_delay: str | None = None) -> None:
        self.name = name
        self.timeout = timeout
        self.interval = interval
        self.depth = depth
        self.role = role
        self.start_delay = start_delay


class AgentInfo:
    __slots__ = ("actions", "longdesc", "name", "parameters", "shortdesc", "version")

    def __init__(self, name: str, version: str, shortdesc: str, longdesc: str,
                 parameters: tuple[Parameter, ...], actions: tuple[Action, ...]) -> None:
        self.name = name
        self.version = version
        self.shortdesc = shortdesc
        self.longdesc = longdesc
        self.parameters = parameters
        self.actions = actions

    def parameter(self, name: str) -> Parameter:
        for p in self.parameters:
            if p.name == name:
                return p
        raise KeyError(name)

    def metadata(self) -> str:
        """The meta-data XML: OCF 1.1 content that also validates against the 1.0 DTD."""
        out = [
            '<?xml version="1.0"?>',
            '<!DOCTYPE resource-agent SYSTEM "ra-api-1.dtd">',
            f"<resource-agent name={quoteattr(self.name)} version={quoteattr(self.version)}>",
            "<version>1.1</version>",
            f'<longdesc lang="en">{escape(self.longdesc)}</longdesc>',
            f'<shortdesc lang="en">{escape(self.shortdesc)}</shortdesc>',
            "<parameters>",
        ]
        for p in self.parameters:
            out.append(
                f"<parameter name={quoteattr(p.name)} required=\"{int(p.required)}\" unique=\"{int(p.unique)}\">"
            )
            out.append(f'<longdesc lang="en">{escape(p.longdesc or p.shortdesc)}</longdesc>')
            out.append(f'<shortdesc lang="en">{escape(p.shortdesc)}</shortdesc>')
            default = "" if p.default is None else f" default={quoteattr(p.default)}"
            out.append(f'<content type="{p.type}"{default}/>')
            out.append("</parameter>")
        out.append("</parameters>")
        out.append("<actions>")
        for a in self.actions:
            attrs = [f"name={quoteattr(a.name)}", f"timeout={quoteattr(a.timeout)}"]
            for key, value in (
                ("interval", a.interval),
                ("depth", a.depth),
                ("role", a.role),
                ("start-delay", a.start_delay),
            ):
                if value is not None:
                    attrs.append(f"{key}={quoteattr(value)}")
            out.append(f"<action {' '.join(attrs)}/>")
        out.append("</actions>")
        out.append("</resource-agent>")
        return "\n".join(out) + "\n"


def is_true(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "yes", "true", "on", "y"}


class Context:
    """What an action sees: the agent description, the action and the environment."""

    def __init__(self, info: AgentInfo, action: str, environ: Mapping[str, str] | None = None) -> None:
        self.info = info
        self.action = action
        self.environ: Mapping[str, str] = os.environ if environ is None else environ

    def param(self, name: str) -> str:
        """Instance parameter ``name``, falling back to its meta-data default, else ''."""
        value = self.environ.get(f"OCF_RESKEY_{name}")
        if value is not None:
            return value
        default = self.info.parameter(name).default
        return default or ""

    def param_set(self, name: str) -> bool:
        return bool(self.environ.get(f"OCF_RESKEY_{name}"))

    def flag(self, name: str) -> bool:
        return is_true(self.param(name))

    def meta(self, name: str) -> str | None:
        return self.environ.get(f"OCF_RESKEY_CRM_meta_{name}")

    @property
    def instance(self) -> str:
        return self.environ.get("OCF_RESOURCE_INSTANCE", "default")

    @property
    def interval_ms(self) -> int:
        try:
            return int(self.meta("interval") or "0")
        except ValueError:
            return 0

    @property
    def timeout_s(self) -> float:
        """The operation's timeout in seconds (``CRM_meta_timeout`` ms, else the meta-data's)."""
        raw = self.meta("timeout")
        if raw:
            try:
                return int(raw) / 1000.0
            except ValueError:
                pass
        for a in self.info.actions:
            if a.name == self.action:
                return parse_duration(a.timeout)
        return 20.0

    def is_probe(self) -> bool:
        return self.action == "monitor" and self.interval_ms == 0

    @property
    def check_level(self) -> int:
        try:
            return int(self.environ.get("OCF_CHECK_LEVEL", "0") or "0")
        except ValueError:
            return 0

    @property
    def node_name(self) -> str:
        """This node's cluster name: the executor's ``on_node``, else the host name."""
        return self.meta("on_node") or os.uname().nodename

    def state_dir(self) -> str:
        path = self.environ.get("HA_RSCTMP") or DEFAULT_STATE_DIR
        try:
            os.makedirs(path, mode=0o755, exist_ok=True)
        except OSError as exc:
            raise fail(Rc.ERR_PERM, f"cannot create state directory {path}: {exc.strerror}") from None
        return path


def parse_duration(text: str) -> float:
    """'20s', '2m', '100ms', '1h' or a bare number of seconds -> seconds."""
    t = text.strip().lower()
    for suffix, factor in (("ms", 0.001), ("s", 1.0), ("m", 60.0), ("h", 3600.0), ("d", 86400.0)):
        if t.endswith(suffix) and t[: -len(suffix)].replace(".", "", 1).isdigit():
            return float(t[: -len(suffix)]) * factor
    if t.replace(".", "", 1).isdigit():
        return float(t)
    raise ValueError(f"not a duration: {text!r}")


def log(level: str, message: str) -> None:
    """Log to stderr in the executor's capture (debug only with ``HA_debug=1``)."""
    if level == "debug" and os.environ.get("HA_debug", "0") in {"", "0"}:  # noqa: SIM112
        return
    name = os.environ.get("OCF_RESOURCE_INSTANCE", "")
    sys.stderr.write(f"{level.upper()}: {name}: {message}\n" if name else f"{level.upper()}: {message}\n")
    sys.stderr.flush()


def exit_reason(message: str) -> None:
    prefix = os.environ.get("OCF_EXIT_REASON_PREFIX") or EXIT_REASON_PREFIX
    sys.stderr.write(f"{prefix}{message}\n")
    sys.stderr.flush()


def which(name: str, path: str | None = None) -> str | None:
    for d in (path if path is not None else os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")).split(
        os.pathsep
    ):
        candidate = os.path.join(d or ".", name)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def require_binary(name: str) -> str:
    found = which(name) or which(name, "/usr/sbin:/usr/bin:/sbin:/bin")
    if found is None:
        raise fail(Rc.ERR_INSTALLED, f"required command not found: {name}")
    return found


def run(argv: Sequence[str], timeout: float | None = None, env: Mapping[str, str] | None = None,
        ) -> subprocess.CompletedProcess[str]:
    """Run a command, capturing text output; never raises for a non-zero exit."""
    import subprocess

    log("debug", "running: " + " ".join(argv))
    try:
        return subprocess.run(
            list(argv), capture_output=True, text=True, timeout=timeout, check=False,
            env=None if env is None else dict(env), stdin=subprocess.DEVNULL,
        )
    except FileNotFoundError:
        return subprocess.CompletedProcess(list(argv), 127, "", f"{argv[0]}: command not found\n")
    except subprocess.TimeoutExpired as exc:
        return subprocess.CompletedProcess(list(argv), 124, "", f"{argv[0]}: timed out after {exc.timeout}s\n")


def atomic_write(path: str, data: str, mode: int = 0o644) -> None:
    """Write ``data`` to ``path`` via a temp file, fsync and rename."""
    import tempfile

    directory = os.path.dirname(path) or "."
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=directory)
    try:
        with os.fdopen(fd, "w") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def remove(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child of ours still answers kill(0); look at its state.  The process can be
    # reaped between the open and the read, which then fails with ESRCH.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False


def wait_until(predicate: Callable[[], bool], seconds: float, step: float = 0.1) -> bool:
    deadline = time.monotonic() + seconds
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(step)


Handler = Callable[[Context], Rc]


def main(info: AgentInfo, handlers: Mapping[str, Handler],
         validate: Callable[[Context], None] | None = None,
         argv: Sequence[str] | None = None) -> int:
    """Dispatch one OCF action; returns the exit code (agents call ``sys.exit(main(...))``).

    ``validate`` raises :class:`AgentExit` on bad parameters; it runs before every action
    except meta-data/usage, and it is the whole of ``validate-all``.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:  # the action is the first argument; OCF says to ignore any others
        sys.stderr.write(f"usage: {info.name} {{{'|'.join(sorted(handlers))}|validate-all|meta-data}}\n")
        return Rc.ERR_ARGS
    action = args[0]
    os.environ.setdefault("__OCF_ACTION", action)
    if action == "meta-data":
        sys.stdout.write(info.metadata())
        return Rc.SUCCESS
    if action in {"usage", "help"}:
        sys.stdout.write(f"usage: {info.name} {{{'|'.join(sorted(handlers))}|validate-all|meta-data}}\n")
        return Rc.SUCCESS
    ctx = Context(info, action)
    handler = handlers.get(action)
    if handler is None and action != "validate-all":
        return Rc.ERR_UNIMPLEMENTED
    try:
        if validate is not None:
            validate(ctx)
        if handler is None:
            return Rc.SUCCESS
        return int(handler(ctx))
    except AgentExit as exc:
        if exc.reason:
            exit_reason(exc.reason)
        return int(exc.rc)
    except KeyboardInterrupt:
        exit_reason(f"{action} interrupted")
        return Rc.ERR_GENERIC
    except Exception as exc:  # a bug or an unexpected environment: still answer in OCF terms
        import traceback

        traceback.print_exc()
        exit_reason(f"{action} failed unexpectedly: {type(exc).__name__}: {exc}")
        return Rc.ERR_GENERIC
