"""The sandbox's commands: up, down, start, stop, kill, status, run, partition, heal."""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import crm.sandbox.corosync as corosync
import crm.sandbox.procs as procs
from crm.cib.errors import CibError
from crm.cib.live import LiveCibSource
from crm.cluster import netns
from crm.cluster.node import NodeConfig
from crm.ipc.client import DaemonError
from crm.pacerd.daemon import PID_FILE
from crm.sandbox.state import ENV_NODE, ENV_SANDBOX, SandboxState, prefix_for

__all__ = ["MAX_NODES", "Sandbox", "SandboxError"]

MAX_NODES = 32
SOCKET_MAX = 107  # sun_path holds 108 bytes, NUL included
LONGEST_SOCKET = "controld.sock.lock"  # room for any daemon's socket name
PACERD_STOP_TIMEOUT = 90.0
COROSYNC_STOP_TIMEOUT = 20.0


class SandboxError(Exception):
    """A command failed; ``code`` is the exit status."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def say(message: str) -> None:
    print(f"pacer-sandbox: {message}", file=sys.stderr, flush=True)


def _tail(path: Path, lines: int = 15) -> str:
    try:
        text = path.read_text(errors="replace").splitlines()
    except OSError:
        return ""
    return "\n".join(f"    {line}" for line in text[-lines:])


def _clean_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("CIB_file", "CIB_shadow", ENV_SANDBOX, ENV_NODE)}
    env.update(extra or {})
    return env


class Sandbox:
    def __init__(self, directory: Path) -> None:
        self.directory = Path(os.path.abspath(directory))
        self._lock_fd: int | None = None

    # -- state and locking -------------------------------------------------------------
    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        self.directory.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.directory / ".lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                say(f"waiting for another pacer-sandbox command on {self.directory}")
                fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def load(self) -> SandboxState:
        state = SandboxState.load(self.directory)
        if state is None:
            raise SandboxError(f"no sandbox in {self.directory} (start one with: pacer-sandbox up N --dir {self.directory})")
        return state

    def node(self, state: SandboxState, k: int) -> int:
        if not 1 <= k <= state.nodes:
            raise SandboxError(f"no node {k}: the sandbox has nodes 1..{state.nodes}", 2)
        return k

    # -- markers and pids --------------------------------------------------------------
    def node_marker(self, state: SandboxState, k: int) -> str:
        return f"{ENV_NODE}={state.node_dir(k)}"

    @property
    def marker(self) -> str:
        return f"{ENV_SANDBOX}={self.directory}"

    def pacerd_pid(self, state: SandboxState, k: int) -> int | None:
        candidates = [state.pacerd_pids.get(k)]
        with contextlib.suppress(OSError, ValueError):
            candidates.append(int((state.run_dir(k) / PID_FILE).read_text().strip()))
        for pid in candidates:
            if pid and procs.has_marker(pid, self.node_marker(state, k)):
                return pid
        return None

    def corosync_pid(self, state: SandboxState, k: int) -> int | None:
        pid = state.corosync_pids.get(k)
        return pid if pid and procs.has_marker(pid, self.node_marker(state, k)) else None

    def bus_pid(self, state: SandboxState) -> int | None:
        pid = state.bus_pid
        return pid if pid and procs.has_marker(pid, self.marker) else None

    def _record(self, pids: set[int]) -> None:
        """Remember pids that lived in the sandbox, to remove their libqb files once dead."""
        if pids:
            with open(self.directory / "pids", "a") as out:
                out.write("".join(f"{pid}\n" for pid in sorted(pids)))

    def _cleanup_shm(self) -> None:
        with contextlib.suppress(OSError):
            recorded = {int(line) for line in (self.directory / "pids").read_text().split() if line.isdigit()}
            _cleanup_shm(recorded)

    def node_processes(self, state: SandboxState, k: int, *, namespace: bool) -> set[int]:
        extra = [pid for pid in (self.pacerd_pid(state, k), self.corosync_pid(state, k)) if pid]
        found = procs.select(self.node_marker(state, k), extra)
        if namespace and state.namespaced:
            found |= set(netns.pids(state.namespace(k))) - {os.getpid()}
        self._record(found)
        return found

    # -- membership --------------------------------------------------------------------
    def membership(self, state: SandboxState, k: int, timeout: float = 2.0) -> dict[str, Any] | None:
        try:
            with LiveCibSource(state.run_dir(k)).client(timeout) as client:
                return client.call({"op": "membership"})
        except (CibError, DaemonError, OSError):
            return None

    @staticmethod
    def member_names(reply: dict[str, Any] | None) -> list[str]:
        if not reply:
            return []
        return [str(m.get("name") or f"node{m.get('nodeid')}") for m in reply.get("members", [])]

    def wait_joined(self, state: SandboxState, nodes: list[int], timeout: float) -> None:
        """Wait until each of ``nodes`` sees exactly the running nodes it can reach."""
        deadline = time.monotonic() + timeout
        while True:
            running = {k for k in state.all_nodes() if self.pacerd_pid(state, k)}
            missing = []
            views: dict[int, list[str]] = {}
            for k in nodes:
                if k not in running:
                    raise SandboxError(self._died_message(state, k))
                expected = sorted(f"node{j}" for j in state.group_of(k) & running)
                views[k] = self.member_names(self.membership(state, k))
                if sorted(views[k]) != expected:
                    missing.append(k)
            if not missing:
                return
            if time.monotonic() >= deadline:
                lines = [f"the cluster did not form within {timeout:g}s:"]
                for k in nodes:
                    view = views.get(k)
                    seen = " ".join(view) if view else "(CIB daemon not answering)"
                    lines.append(f"  node{k} sees: {seen}")
                lines.append(f"logs: {state.directory}/nodeK/state/log/ and {state.directory}/nodeK/pacerd.out")
                lines.append(f"inspect with: pacer-sandbox status --dir {state.directory}")
                lines.append(f"stop it with: pacer-sandbox down --dir {state.directory}")
                raise SandboxError("\n".join(lines))
            time.sleep(0.2)

    def _died_message(self, state: SandboxState, k: int) -> str:
        log = state.state_dir(k) / "log" / "pacerd.log"
        tail = _tail(log) or _tail(state.node_dir(k) / "pacerd.out")
        return (
            f"pacerd of node{k} is not running; last lines of {log}:\n{tail}\n"
            f"stop the rest with: pacer-sandbox down --dir {state.directory}"
        )

    # -- starting ----------------------------------------------------------------------
    def _spawn(self, argv: list[str], log: Path, env: dict[str, str]) -> int:
        with open(log, "ab") as out:
            proc = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True
            )
        return proc.pid

    def _start_bus(self, state: SandboxState) -> None:
        if self.bus_pid(state):
            return
        argv = [sys.executable, "-m", "crm.cluster.embedded", "--socket", str(state.bus_socket), "--expected", str(state.nodes)]
        if state.nodes == 2:
            argv.append("--two-node")
        with contextlib.suppress(FileNotFoundError):
            state.bus_socket.unlink()
        state.bus_pid = self._spawn(argv, self.directory / "bus.log", _clean_env({ENV_SANDBOX: str(self.directory)}))
        state.save()
        (self.directory / "bus.pid").write_text(f"{state.bus_pid}\n")
        from crm.cluster.embedded import control

        deadline = time.monotonic() + 15
        while True:
            try:
                control(state.bus_socket, "status", timeout=1.0)
                if state.partition:
                    control(state.bus_socket, "partition", state.partition)
                return
            except (OSError, Exception) as err:
                if not procs.alive(state.bus_pid) or time.monotonic() >= deadline:
                    raise SandboxError(
                        f"the cluster bus did not start ({err}); {self.directory / 'bus.log'}:\n{_tail(self.directory / 'bus.log')}"
                    ) from None
                time.sleep(0.05)

    def _node_config(self, state: SandboxState, k: int) -> NodeConfig:
        if state.transport == "corosync":
            return NodeConfig(
                name=f"node{k}", nodeid=k, run_dir=state.run_dir(k), state_dir=state.state_dir(k),
                transport="corosync", expected_votes=state.nodes, corosync_conf=corosync.conf_path(state, k),
            )
        return NodeConfig(
            name=f"node{k}", nodeid=k, run_dir=state.run_dir(k), state_dir=state.state_dir(k),
            transport="embedded", bus=state.bus_socket, expected_votes=state.nodes,
        )

    def _start_pacerd(self, state: SandboxState, k: int) -> None:
        if self.pacerd_pid(state, k):
            return
        state.state_dir(k).mkdir(parents=True, exist_ok=True)
        self._node_config(state, k).save()
        argv = [sys.executable, "-m", "crm.pacerd", "--run-dir", str(state.run_dir(k))]
        if state.namespaced:
            argv = netns.exec_argv(state.namespace(k), argv)
        env = _clean_env({ENV_SANDBOX: str(self.directory), ENV_NODE: str(state.node_dir(k))})
        state.pacerd_pids[k] = self._spawn(argv, state.node_dir(k) / "pacerd.out", env)
        state.save()

    def _start_corosync(self, state: SandboxState, k: int) -> None:
        if self.corosync_pid(state, k):
            return
        binary = corosync.corosync_binary()
        if binary is None:
            raise SandboxError("corosync is not installed (apt-get install corosync)")
        node_dir = state.node_dir(k)
        for sub in ("corosync-run", "corosync-lib"):
            (node_dir / sub).mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            (node_dir / "corosync-run" / "corosync.pid").unlink()
        self._add_namespace(state, k)
        env = _clean_env({ENV_SANDBOX: str(self.directory), ENV_NODE: str(node_dir)})
        argv = corosync.corosync_argv(state, k, binary, "-f")
        state.corosync_pids[k] = pid = self._spawn(argv, node_dir / "corosync.out", env)
        state.save()
        cmapctl = corosync.tool("corosync-cmapctl")
        deadline = time.monotonic() + 30
        while True:
            if not procs.alive(pid):
                raise SandboxError(
                    f"corosync of node{k} exited; {node_dir / 'corosync.log'}:\n"
                    f"{_tail(node_dir / 'corosync.log') or _tail(node_dir / 'corosync.out')}"
                )
            if cmapctl is None:
                time.sleep(1.0)
                return
            probe = subprocess.run(
                netns.exec_argv(state.namespace(k), [cmapctl, "-g", "totem.cluster_name"]),
                capture_output=True, check=False, timeout=10,
            )
            if probe.returncode == 0:
                return
            if time.monotonic() >= deadline:
                raise SandboxError(f"corosync of node{k} does not answer; see {node_dir / 'corosync.log'}")
            time.sleep(0.1)

    def _add_namespace(self, state: SandboxState, k: int) -> None:
        netns.add_switch(state.switch)
        netns.add_node(state.switch, state.namespace(k), k, f"{state.address(k)}/24")
        self._reapply_partition(state)

    def _reapply_partition(self, state: SandboxState) -> None:
        if state.namespaced and state.partition and netns.exists(state.switch):
            netns.partition(state.switch, state.partition)

    def _start_node(self, state: SandboxState, k: int) -> None:
        if state.transport == "corosync":
            self._start_corosync(state, k)
        else:
            self._start_bus(state)
            if state.netns:
                self._add_namespace(state, k)
        self._start_pacerd(state, k)

    # -- commands ----------------------------------------------------------------------
    def up(self, nodes: int, transport: str, token: int | None, timeout: float, fencing: bool = False,
           namespaces: bool = False) -> None:
        if not 1 <= nodes <= MAX_NODES:
            raise SandboxError(f"N must be 1..{MAX_NODES}", 2)
        if transport not in ("embedded", "corosync"):
            raise SandboxError(f"unknown transport {transport!r} (embedded or corosync)", 2)
        longest = self.directory / f"node{nodes}" / "run" / LONGEST_SOCKET
        if len(os.fsencode(longest)) > SOCKET_MAX:
            raise SandboxError(
                f"{self.directory} is too long for unix sockets ({longest} is over {SOCKET_MAX} bytes): use a shorter --dir",
                2,
            )
        if namespaces and os.geteuid() != 0:
            raise SandboxError("--netns needs root (network namespaces)", 4)
        if transport == "corosync":
            if os.geteuid() != 0:
                raise SandboxError("the corosync transport needs root (network namespaces, bind mounts)", 4)
            if corosync.corosync_binary() is None:
                raise SandboxError("corosync is not installed (apt-get install corosync)")
        with self.locked():
            state = SandboxState.load(self.directory)
            if state is not None and (state.transport != transport or state.nodes != nodes or state.token != token
                                      or state.netns != namespaces):
                if self._anything_running(state):
                    raise SandboxError(
                        f"a {state.nodes}-node {state.transport} sandbox is running in {self.directory}; "
                        f"stop it first: pacer-sandbox down --dir {self.directory}"
                    )
                state = None
            if state is None:
                state = SandboxState(self.directory, transport, nodes, token, prefix=prefix_for(self.directory),
                                     netns=namespaces)
                if state.namespaced:
                    for ns in [state.switch, *(state.namespace(k) for k in state.all_nodes())]:
                        if netns.exists(ns):
                            raise SandboxError(f"namespace {ns} exists already (left over?): pacer-sandbox down --dir {self.directory}")
            state.partition = []
            self.directory.mkdir(parents=True, exist_ok=True)
            state.save()
            if transport == "corosync":
                self._write_corosync_files(state)
            say(f"starting {nodes} node(s) in {self.directory} ({transport} transport)")
            for k in state.all_nodes():
                self._start_node(state, k)
            self.wait_joined(state, state.all_nodes(), timeout)
            dc = self.wait_dc(state, timeout)
            self.configure_fencing(state, fencing)
            say(f"{nodes} node(s) up; every node sees all {nodes}; the DC is {dc} "
                f"(stop with: pacer-sandbox down --dir {self.directory})")

    def wait_dc(self, state: SandboxState, timeout: float) -> str:
        """Wait until node1's controller names a DC (the controllers of every node joined)."""
        from crm.ipc.client import DaemonError, IpcClient

        deadline = time.monotonic() + timeout
        last = ""
        while time.monotonic() < deadline:
            try:
                with IpcClient(state.run_dir(min(state.all_nodes())) / "controld.sock", "controller", 5) as client:
                    dc = client.call({"op": "dc"}).get("dc")
                if dc:
                    return str(dc)
            except DaemonError as err:
                last = str(err)
            time.sleep(0.1)
        raise SandboxError(f"no DC within {timeout:g}s ({last or 'the controllers did not agree'}); "
                           f"see {self.directory}/node*/state/log/controld.log")

    def configure_fencing(self, state: SandboxState, fencing: bool) -> None:
        """A new sandbox's fencing: a ``fence_pacer_sandbox`` device (``--fencing``), or
        ``stonith-enabled=false`` so that resources start without one.  A CIB that already
        says either is left alone."""
        from lxml import etree

        from crm.cib.document import CibDocument
        from crm.cib.live import LiveCibSource

        def change(doc: CibDocument) -> None:
            if doc.root.xpath("//primitive[@class='stonith']") or doc.root.xpath(
                "//cluster_property_set/nvpair[@name='stonith-enabled']"
            ):
                return
            if fencing:
                resources = doc.ensure_section("resources")
                device = etree.SubElement(resources, "primitive", id="sandbox-fence", type="fence_pacer_sandbox")
                device.set("class", "stonith")
                attrs = etree.SubElement(device, "instance_attributes", id="sandbox-fence-ia")
                etree.SubElement(attrs, "nvpair", id="sandbox-fence-dir", name="sandbox_dir", value=str(self.directory))
                return
            config = doc.ensure_section("crm_config")
            props = config.find("cluster_property_set[@id='cib-bootstrap-options']")
            if props is None:
                props = etree.SubElement(config, "cluster_property_set", id="cib-bootstrap-options")
            etree.SubElement(props, "nvpair", id="cib-bootstrap-options-stonith-enabled", name="stonith-enabled",
                             value="false")

        LiveCibSource(state.run_dir(min(state.all_nodes()))).modify(change)
        say("fencing: the sandbox-fence device (fence_pacer_sandbox) kills and restarts a lost node" if fencing
            else "fencing is off (stonith-enabled=false); --fencing configures a sandbox fence device")

    def _write_corosync_files(self, state: SandboxState) -> None:
        key = self.directory / "authkey"
        if not key.exists():
            fd = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o400)
            with os.fdopen(fd, "wb") as out:
                out.write(os.urandom(256))
        for k in state.all_nodes():
            state.node_dir(k).mkdir(parents=True, exist_ok=True)
            corosync.conf_path(state, k).write_text(corosync.corosync_conf(state, k))

    def _anything_running(self, state: SandboxState) -> bool:
        if procs.select(self.marker):
            return True
        names = [state.switch, *(state.namespace(k) for k in state.all_nodes())]
        return state.namespaced and any(netns.exists(ns) for ns in names)

    def start(self, k: int, timeout: float, wait: bool = True) -> None:
        with self.locked():
            state = self.load()
            self.node(state, k)
            if state.namespaced and os.geteuid() != 0:
                raise SandboxError("this sandbox's namespaces need root", 4)
            self._start_node(state, k)
        if wait:  # outside the lock: a fence agent may need to kill meanwhile
            self.wait_joined(state, [k], timeout)
        say(f"node{k} is up")

    def stop(self, k: int, timeout: float = PACERD_STOP_TIMEOUT) -> None:
        with self.locked():
            state = self.load()
            self.node(state, k)
            self._stop_node(state, k, timeout)

    def _stop_node(self, state: SandboxState, k: int, timeout: float) -> None:
        pid = self.pacerd_pid(state, k)
        if pid:
            say(f"node{k}: stopping pacerd (pid {pid})")
            procs.terminate([pid])
            if not procs.wait_gone([pid], timeout):
                say(f"node{k}: pacerd did not stop within {timeout:g}s; killing node{k}")
        leftovers = procs.kill_all(lambda: self._leftovers(state, k))
        if leftovers:
            say(f"node{k}: killed leftover processes {sorted(leftovers)}")
        if state.transport == "corosync":
            cpid = self.corosync_pid(state, k)
            if cpid:
                say(f"node{k}: stopping corosync (pid {cpid})")
                procs.terminate([cpid])
                procs.wait_gone([cpid], COROSYNC_STOP_TIMEOUT)
        if state.namespaced:
            procs.kill_all(lambda: self.node_processes(state, k, namespace=True))
        state.pacerd_pids.pop(k, None)
        state.corosync_pids.pop(k, None)
        state.save()
        self._cleanup_shm()

    def _leftovers(self, state: SandboxState, k: int) -> set[int]:
        """Node k's processes other than its corosync."""
        cpid = self.corosync_pid(state, k)
        return {pid for pid in self.node_processes(state, k, namespace=False) if pid != cpid}

    def kill(self, k: int) -> None:
        with self.locked():
            state = self.load()
            self.node(state, k)
            killed = procs.kill_all(lambda: self.node_processes(state, k, namespace=True))
            say(f"node{k}: killed {len(killed)} process(es)" + (f" {sorted(killed)}" if killed else ""))
            state.pacerd_pids.pop(k, None)
            state.corosync_pids.pop(k, None)
            state.save()
            self._cleanup_shm()
            # a crashed machine loses /run: the agents' state (HA_RSCTMP) goes with it, so
            # its services are not found "running" when it comes back
            shutil.rmtree(state.state_dir(k) / "rsctmp", ignore_errors=True)

    def down(self, timeout: float = PACERD_STOP_TIMEOUT) -> None:
        with self.locked():
            state = SandboxState.load(self.directory)
            if state is None:
                # nothing recorded: still remove what carries our marker or our names
                procs.kill_all(lambda: procs.select(self.marker))
                self._remove_namespaces(prefix_for(self.directory), None)
                say(f"no sandbox in {self.directory}")
                return
            pacerds = {k: pid for k in state.all_nodes() if (pid := self.pacerd_pid(state, k))}
            if pacerds:
                say("stopping pacerd on " + ", ".join(f"node{k}" for k in pacerds))
                procs.terminate(pacerds.values())
                if not procs.wait_gone(pacerds.values(), timeout):
                    say(f"some pacerd did not stop within {timeout:g}s; killing")
            for k in state.all_nodes():
                procs.kill_all(lambda k=k: self._leftovers(state, k))  # type: ignore[misc]
            if state.transport == "corosync":
                cpids = [pid for k in state.all_nodes() if (pid := self.corosync_pid(state, k))]
                self._record(set(cpids))
                procs.terminate(cpids)
                procs.wait_gone(cpids, COROSYNC_STOP_TIMEOUT)
            bus = self.bus_pid(state)
            if bus:
                procs.terminate([bus])
                procs.wait_gone([bus], 10)
            dead = procs.kill_all(lambda: procs.select(self.marker))
            if dead:
                say(f"killed leftover processes {sorted(dead)}")
            if state.namespaced:
                self._remove_namespaces(state.prefix, state)
            self._cleanup_shm()
            with contextlib.suppress(FileNotFoundError):
                state.bus_socket.unlink()
            state.bus_pid = None
            state.pacerd_pids.clear()
            state.corosync_pids.clear()
            state.partition = []
            state.save()
            say(f"sandbox {self.directory} is down (state and logs kept)")

    def _remove_namespaces(self, prefix: str, state: SandboxState | None) -> None:
        names = sorted(p.name for p in netns.NETNS_DIR.glob(f"{prefix}-*")) if netns.NETNS_DIR.exists() else []
        nodes = [n for n in names if n != f"{prefix}-sw"]
        seen: set[int] = set()
        for ns in nodes:
            pids = set(netns.pids(ns)) - {os.getpid()}
            seen |= pids
            procs.terminate(pids)
            procs.wait_gone(pids, 5)
            seen |= procs.kill_all(lambda ns=ns: set(netns.pids(ns)) - {os.getpid()})  # type: ignore[misc]
            netns.delete(ns)
        switch = f"{prefix}-sw"
        if netns.exists(switch):
            procs.kill_all(lambda: set(netns.pids(switch)) - {os.getpid()})
            netns.delete(switch)
        _cleanup_shm(seen)
        if names:
            say(f"removed namespaces {' '.join(names)}")

    def status(self) -> list[dict[str, Any]]:
        state = self.load()
        rows = []
        for k in state.all_nodes():
            pid = self.pacerd_pid(state, k)
            reply = self.membership(state, k) if pid else None
            row: dict[str, Any] = {
                "node": f"node{k}",
                "state": "running" if pid else "stopped",
                "pid": pid,
                "members": self.member_names(reply) if reply else [],
                "quorate": reply.get("quorate") if reply else None,
            }
            if state.transport == "corosync":
                row["corosync_pid"] = self.corosync_pid(state, k)
            if state.namespaced:
                row["namespace"] = state.namespace(k)
            rows.append(row)
        return rows

    def run(self, k: int, argv: list[str]) -> int:
        state = self.load()
        self.node(state, k)
        if not argv:
            raise SandboxError("run: no command given (pacer-sandbox run --dir DIR K -- CMD ARGS...)", 2)
        env = _clean_env({"PACER_RUN_DIR": str(state.run_dir(k))})
        # pacer's own commands come first: a machine that also has Pacemaker's CLIs
        # (/usr/sbin/crm_mon, ...) would otherwise run those against node K
        own = Path(sys.executable).parent
        if (own / "pacer-sandbox").exists():
            env["PATH"] = os.pathsep.join([str(own), *[p for p in env.get("PATH", "").split(os.pathsep) if p != str(own)]])
        if state.namespaced:
            if not netns.exists(state.namespace(k)):
                raise SandboxError(f"namespace {state.namespace(k)} does not exist (is the sandbox down?)")
            argv = netns.exec_argv(state.namespace(k), argv)
        sys.stdout.flush()
        sys.stderr.flush()
        try:
            os.execvpe(argv[0], argv, env)
        except OSError as err:
            raise SandboxError(f"cannot run {argv[0]}: {err.strerror or err}", 127) from None
        return 0  # not reached

    def partition(self, groups: list[list[int]]) -> None:
        with self.locked():
            state = self.load()
            seen: set[int] = set()
            for group in groups:
                for k in group:
                    self.node(state, k)
                    if k in seen:
                        raise SandboxError(f"node {k} is in two groups", 2)
                    seen.add(k)
            state.partition = groups
            state.save()
            if state.namespaced and netns.exists(state.switch):
                netns.heal(state.switch, state.all_nodes())
                netns.partition(state.switch, groups)
            if state.transport == "embedded" and self.bus_pid(state):
                from crm.cluster.embedded import control

                control(state.bus_socket, "partition", groups)
            say("partitioned: " + " | ".join(",".join(map(str, g)) for g in groups))

    def heal(self) -> None:
        with self.locked():
            state = self.load()
            state.partition = []
            state.save()
            if state.namespaced and netns.exists(state.switch):
                netns.heal(state.switch, state.all_nodes())
            if state.transport == "embedded" and self.bus_pid(state):
                from crm.cluster.embedded import control

                control(state.bus_socket, "heal")
            say("healed")


def _cleanup_shm(pids: set[int]) -> None:
    """Remove libqb's /dev/shm files named after our dead processes."""
    shm = Path("/dev/shm")
    for pid in pids:
        if procs.alive(pid):
            continue
        for pattern in (f"qb-{pid}-*", f"qb-*-{pid}-blackbox-*"):
            for path in shm.glob(pattern):
                with contextlib.suppress(OSError):
                    if path.is_dir():
                        for child in path.iterdir():
                            child.unlink()
                        path.rmdir()
                    else:
                        path.unlink()
