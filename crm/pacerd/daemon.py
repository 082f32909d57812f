"""``pacerd``: the per-node launcher, a thin asyncio shell around :class:`Supervisor`.

It spawns the daemons of the child table (``python -m crm.based --run-dir DIR``, ...),
each in its own process group with stdout and stderr appended to
``STATE_DIR/log/<daemon>.log``, reports their exits and its timers to the machine, and
carries out what the machine decides.  SIGTERM or SIGINT stop the node: children in
reverse order, SIGTERM then SIGKILL after the stop timeout.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import importlib.metadata
import logging
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import crm.pacerd.machine as sv
from crm.cluster.node import DEFAULT_RUN_DIR, DEFAULT_STATE_DIR, NODE_FILE, NodeConfig, NodeConfigError
from crm.pacerd.machine import (
    Action,
    CancelTimer,
    ChildSpec,
    ChildState,
    Exit,
    Kill,
    Log,
    Policy,
    SetTimer,
    Start,
    Stop,
    Supervisor,
)
from crm.pacerd.system import DEFAULT_COROSYNC_CONF, SystemConfigError, system_node_config

__all__ = ["DAEMONS", "PID_FILE", "Launcher", "default_children", "main"]

log = logging.getLogger("pacer.pacerd")

PID_FILE = "pacerd.pid"

#: The node's daemons, in start order (stopped in reverse): (name, module).  Each runs as
#: ``python -m MODULE --run-dir RUN_DIR``.
DAEMONS: tuple[tuple[str, str], ...] = (
    ("based", "crm.based"),
    ("fenced", "crm.fenced"),
    ("lrmd", "lrmd"),
    ("attrd", "crm.attrd"),
    ("controld", "crm.controld"),
)

EXIT_CONFIG = 6  # CRM_EX_CONFIG: no usable node configuration
EXIT_RUNNING = 1
EXIT_SOFTWARE = 70
EXIT_UNAVAILABLE = 69  # corosync is not running
PR_SET_PDEATHSIG = 1


def default_children(config: NodeConfig) -> list[ChildSpec]:
    return [
        ChildSpec(name, (sys.executable, "-m", module, "--run-dir", str(config.run_dir))) for name, module in DAEMONS
    ]


def _sd_notify(message: str) -> None:
    """Tell systemd (Type=notify) about our state; a no-op outside systemd."""
    address = os.environ.get("NOTIFY_SOCKET")
    if not address:
        return
    if address.startswith("@"):
        address = "\0" + address[1:]
    with contextlib.suppress(OSError), socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.sendto(message.encode(), address)


def _die_with_parent(parent: int) -> Callable[[], None]:
    """A child's pre-exec hook: SIGTERM when pacerd dies (PR_SET_PDEATHSIG), so that the
    daemons never outlive their launcher (systemd would otherwise leave them until its
    stop timeout)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        prctl = libc.prctl
    except (OSError, AttributeError):
        return lambda: None

    def hook() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent:  # pacerd died before the prctl
            os.kill(os.getpid(), signal.SIGTERM)

    return hook


class Launcher:
    """Runs a :class:`Supervisor` over real processes."""

    def __init__(self, config: NodeConfig, children: Sequence[ChildSpec], policy: Policy | None = None) -> None:
        self.config = config
        self.specs = {c.name: c for c in children}
        self.machine = Supervisor(children, policy)
        self.procs: dict[str, asyncio.subprocess.Process] = {}
        self.timers: dict[str, asyncio.TimerHandle] = {}
        self.done: asyncio.Future[int] | None = None
        self.tasks: set[asyncio.Task[None]] = set()
        self.log_dir = config.state_dir / "log"

    def _now(self) -> float:
        return asyncio.get_running_loop().time()

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        self.done = loop.create_future()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self._on_signal, sig)
        loop.add_signal_handler(signal.SIGHUP, lambda: log.info("SIGHUP ignored"))
        self.log_dir.mkdir(parents=True, exist_ok=True)
        await self._apply(self.machine.boot(self._now()))
        _sd_notify("READY=1\nSTATUS=running")
        try:
            return await self.done
        finally:
            for handle in self.timers.values():
                handle.cancel()
            for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
                loop.remove_signal_handler(sig)

    def _on_signal(self, sig: int) -> None:
        _sd_notify("STOPPING=1")
        self._feed(self.machine.shutdown(self._now(), f"received {signal.Signals(sig).name}"))

    def _feed(self, actions: list[Action]) -> None:
        task = asyncio.get_running_loop().create_task(self._apply(actions))
        self.tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[None]) -> None:
        self.tasks.discard(task)
        if task.cancelled() or task.exception() is None:
            return
        log.error("internal error, killing every daemon", exc_info=task.exception())
        for proc in list(self.procs.values()):
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
        if self.done is not None and not self.done.done():
            self.done.set_result(EXIT_SOFTWARE)

    async def _apply(self, actions: list[Action]) -> None:
        for action in actions:
            if isinstance(action, Start):
                await self._start(action.name)
            elif isinstance(action, Stop):
                self._signal(action.name, signal.SIGTERM)
            elif isinstance(action, Kill):
                self._signal(action.name, signal.SIGKILL)
            elif isinstance(action, SetTimer):
                old = self.timers.pop(action.key, None)
                if old is not None:
                    old.cancel()
                key = action.key
                self.timers[key] = asyncio.get_running_loop().call_at(action.at, self._fire, key)
            elif isinstance(action, CancelTimer):
                handle = self.timers.pop(action.key, None)
                if handle is not None:
                    handle.cancel()
            elif isinstance(action, Log):
                getattr(log, action.level, log.info)("%s", action.message)
            elif isinstance(action, Exit):
                if action.code:
                    log.error("pacerd exits with code %d: %s", action.code, action.reason)
                else:
                    log.info("all daemons stopped (%s)", action.reason)
                if self.done is not None and not self.done.done():
                    self.done.set_result(action.code)

    def _fire(self, key: str) -> None:
        self.timers.pop(key, None)
        self._feed(self.machine.timer(key, self._now()))

    async def _start(self, name: str) -> None:
        spec = self.specs[name]
        env = {k: v for k, v in os.environ.items() if k not in ("NOTIFY_SOCKET", "LISTEN_FDS", "LISTEN_PID")}
        env["PACER_RUN_DIR"] = str(self.config.run_dir)
        # agents call pacer's tools (crm_attribute, attrd_updater): ours come first on PATH
        own = str(Path(sys.executable).parent)
        env["PATH"] = os.pathsep.join([own, *[p for p in env.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(os.pathsep) if p != own]])
        path = self.log_dir / f"{name}.log"
        try:
            with open(path, "ab") as out:
                stamp = time.strftime("%Y-%m-%d %H:%M:%S")
                out.write(f"=== {stamp} pacerd: starting {name}: {shlex.join(spec.argv)}\n".encode())
                out.flush()
                proc = await asyncio.create_subprocess_exec(
                    *spec.argv,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    env=env,
                    process_group=0,
                    preexec_fn=_die_with_parent(os.getpid()),
                )
        except OSError as err:
            self._feed(self.machine.start_failed(name, self._now(), err.strerror or str(err)))
            return
        self.procs[name] = proc
        log.info("started %s (pid %d), log %s", name, proc.pid, path)
        # a stop decided while the process was being spawned
        state = self.machine.state(name)
        if state is ChildState.STOPPING:
            self._signal(name, signal.SIGTERM)
        elif state is ChildState.KILLING:
            self._signal(name, signal.SIGKILL)
        watch = asyncio.get_running_loop().create_task(self._watch(name, proc))
        self.tasks.add(watch)
        watch.add_done_callback(self._task_done)

    async def _watch(self, name: str, proc: asyncio.subprocess.Process) -> None:
        code = await proc.wait()
        if self.procs.get(name) is proc:
            del self.procs[name]
        self._feed(self.machine.exited(name, self._now(), code))

    def _signal(self, name: str, sig: int) -> None:
        proc = self.procs.get(name)
        if proc is None or proc.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(sig)


# -- command line ----------------------------------------------------------------------


def _parse_child(text: str) -> ChildSpec:
    name, sep, command = text.partition("=")
    argv = shlex.split(command)
    if not sep or not name or not argv:
        raise argparse.ArgumentTypeError(f"expected NAME=COMMAND, got {text!r}")
    return ChildSpec(name, tuple(argv))


def _setup_logging(log_file: Path | None) -> None:
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_file is not None:
        try:
            log_file.parent.mkdir(parents=True, exist_ok=True)
            handlers.append(logging.FileHandler(log_file))
        except OSError as err:
            print(f"pacerd: cannot log to {log_file}: {err}", file=sys.stderr)
    formatter = logging.Formatter("%(asctime)s pacerd[%(process)d]: %(levelname)s: %(message)s")
    root = logging.getLogger()
    for handler in handlers:
        handler.setFormatter(formatter)
        root.addHandler(handler)
    root.setLevel(logging.INFO)


def _running_pid(pid_file: Path) -> int | None:
    """The pid in ``pid_file`` if that process is alive and is a pacerd."""
    try:
        pid = int(pid_file.read_text().strip())
    except (OSError, ValueError):
        return None
    if pid == os.getpid():
        return None
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    return pid if b"pacerd" in cmdline else None


def _load_config(args: argparse.Namespace) -> tuple[NodeConfig, bool]:
    """The node configuration, and whether we built it (system mode)."""
    run_dir: Path = args.run_dir
    if (run_dir / NODE_FILE).exists():
        return NodeConfig.load(run_dir), False
    config = system_node_config(args.corosync_conf, run_dir, args.state_dir)
    config.save()
    return config, True


def wait_for_corosync(timeout: float) -> bool:
    """Wait until this node's corosync answers (as pacemakerd does before its daemons)."""
    deadline = time.monotonic() + timeout
    said = False
    while True:
        try:
            import pycorosync

            cfg = pycorosync.Cfg()
            cfg.finalize()
            return True
        except Exception as err:
            if time.monotonic() >= deadline:
                log.error("corosync is not running on this node (%s): start it first (systemctl start corosync)", err)
                return False
            if not said:
                log.info("waiting up to %gs for corosync (%s)", timeout, err)
                said = True
        time.sleep(0.5)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pacerd",
        description="Start and supervise this node's pacer daemons (the CIB daemon, the attribute daemon, ...).",
        epilog=(
            "With RUN_DIR/node.json (written by pacer-sandbox), pacerd uses it. Without, it is a real node: "
            "it finds itself in the nodelist of corosync.conf, writes node.json and uses the corosync transport."
        ),
    )
    parser.add_argument("--run-dir", type=Path, default=None, help=f"run directory (default $PACER_RUN_DIR or {DEFAULT_RUN_DIR})")
    parser.add_argument("--state-dir", type=Path, default=DEFAULT_STATE_DIR, help=f"state directory without node.json (default {DEFAULT_STATE_DIR})")
    parser.add_argument("--corosync-conf", type=Path, default=DEFAULT_COROSYNC_CONF, help=f"default {DEFAULT_COROSYNC_CONF}")
    parser.add_argument("--stop-timeout", type=float, default=sv.DEFAULT_STOP_TIMEOUT, help="seconds between SIGTERM and SIGKILL for a daemon (default %(default)s)")
    parser.add_argument("--max-restarts", type=int, default=sv.DEFAULT_MAX_RESTARTS, help="restarts of one daemon allowed within --restart-window (default %(default)s)")
    parser.add_argument("--restart-window", type=float, default=sv.DEFAULT_WINDOW, help="seconds (default %(default)s)")
    parser.add_argument("--backoff", type=float, default=sv.DEFAULT_BACKOFF, help="first respawn delay in seconds, doubled per recent restart (default %(default)s)")
    parser.add_argument("--corosync-wait", type=float, default=60.0, metavar="SEC", help="with the corosync transport, how long to wait for corosync at start (default %(default)s)")
    parser.add_argument("--child", action="append", type=_parse_child, default=None, metavar="NAME=COMMAND", help=argparse.SUPPRESS)
    parser.add_argument("--version", action="version",
                        version=f"%(prog)s (pacer {importlib.metadata.version('pacer')})")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.run_dir is None:
        args.run_dir = Path(os.environ.get("PACER_RUN_DIR") or DEFAULT_RUN_DIR)
    args.run_dir = args.run_dir.absolute()
    try:
        config, built = _load_config(args)
    except (NodeConfigError, SystemConfigError, OSError) as err:
        print(f"pacerd: {err}", file=sys.stderr)
        return EXIT_CONFIG
    _setup_logging(config.state_dir / "log" / "pacerd.log")
    config.run_dir.mkdir(parents=True, exist_ok=True)
    pid_file = config.run_dir / PID_FILE
    other = _running_pid(pid_file)
    if other is not None:
        log.error("pacerd is already running on this node (pid %d, %s)", other, pid_file)
        return EXIT_RUNNING
    pid_file.write_text(f"{os.getpid()}\n")
    if config.transport == "corosync" and not wait_for_corosync(args.corosync_wait):
        with contextlib.suppress(OSError):
            pid_file.unlink()
        if built:
            with contextlib.suppress(OSError):
                (config.run_dir / NODE_FILE).unlink()
        return EXIT_UNAVAILABLE
    children = args.child if args.child is not None else default_children(config)
    policy = Policy(
        max_restarts=args.max_restarts, window=args.restart_window, backoff=args.backoff, stop_timeout=args.stop_timeout
    )
    log.info(
        "pacerd starting: node %s (id %d), transport %s, run dir %s, state dir %s, daemons %s",
        config.name, config.nodeid, config.transport, config.run_dir, config.state_dir,
        ", ".join(c.name for c in children),
    )
    try:
        return asyncio.run(Launcher(config, children, policy).run())
    finally:
        with contextlib.suppress(OSError):
            if pid_file.read_text().strip() == str(os.getpid()):
                pid_file.unlink()
        if built:
            # we wrote node.json from corosync.conf: without pacerd, the node is not running
            with contextlib.suppress(OSError):
                (config.run_dir / NODE_FILE).unlink()
