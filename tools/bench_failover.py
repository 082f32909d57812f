"""Benchmark failover: pacer's controller side by side with Pacemaker 2.1.5's.

Three 3-node clusters are started on this machine (with ``tools/bench_cib.py``'s code) and
measured in the same run, rounds interleaved:

* ``pacer embedded``: ``pacer-sandbox`` on the embedded bus (no root needed);
* ``pacer corosync``: ``pacer-sandbox`` on Corosync (``--token``, default 1000 ms), one
  network namespace per node;
* ``Pacemaker 2.1.5 corosync``: Corosync on namespaces built with pacer's sandbox code,
  then Debian's ``pacemakerd`` in each namespace.

Each cluster runs one sticky Dummy (``ocf:pacer:Dummy``; ``ocf:pacemaker:Dummy`` for
Pacemaker) with ``resource-stickiness=100`` and a 2 s monitor, and ``stonith-enabled=false``
(no fencing: a lost node's resources are restarted elsewhere at once, on both systems).

Cases: ``holder`` (the node running the Dummy is not the DC) and ``dc`` (the DC runs it).
A round: wait until the cluster is idle, move the Dummy where the case wants it
(``crm_resource --move`` then ``--clear``), start a watcher in a survivor, SIGKILL every
process of the holder node (pacer: what ``pacer-sandbox kill`` does, called in-process;
Pacemaker: every process in the node's namespace, its corosync included, after which the
agents' state under its private ``/run`` is removed, as a crash empties ``/run``), then:

* **kill -> running**: from the first SIGKILL to the watcher seeing, in the survivor's CIB,
  the Dummy's last operation on a survivor be a successful start (``<rsc>_last_0``,
  ``rc-code=0``, ``op-status=0``).  The watcher polls the CIB every ~5 ms through one
  persistent connection (pacer: the based socket's ``query``; Pacemaker: libcib through
  ctypes, ``cib->cmds->query``, as ``cibadmin -Q`` does);
* **reaction** (Corosync only): from the moment the survivor's Corosync drops the node (the
  quorum service's node-list notification, i.e. what ``corosync-quorumtool -l`` lists,
  received by a pycorosync ``Quorum`` handle in the survivor's namespace) to running.

Then the killed node is restarted (pacer: ``pacer-sandbox start``; Pacemaker: its corosync
and pacemakerd) and the cluster is left to settle before the next round.

    python tools/bench_failover.py [--rounds N] [--cases holder,dc] [--token MS]
                                   [--skip-pacemaker] [--skip-corosync] [--out FILE]

Prints a Markdown table (and, with ``--out``, writes it plus FILE.json with every round).
Corosync and Pacemaker need root; ``--skip-corosync`` measures the embedded transport only.
Everything started is stopped (by pid) and the namespaces are removed, also on failure or
Ctrl-C.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import json
import os
import re
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bench_cib
from bench_cib import NODES, PACER_BIN, PCMK_SBIN, System, _Cib, pacemaker_cluster, pacer_cluster

RSC = "d1"
IDLE_QUIET = 2.0  # the CIB must not change for this long (and look settled) to call the cluster idle
IDLE_TIMEOUT = 180.0
FAILOVER_TIMEOUT = 90.0
POLL_INTERVAL = 0.005
RUNNING_OPS = ("start", "promote", "migrate_from")


def say(message: str) -> None:
    print(f"bench_failover: {message}", file=sys.stderr, flush=True)


def dummy_xml(provider: str) -> str:
    return (
        f'<primitive id="{RSC}" class="ocf" provider="{provider}" type="Dummy">'
        f'<meta_attributes id="{RSC}-m"><nvpair id="{RSC}-s" name="resource-stickiness" value="100"/>'
        f'</meta_attributes><operations><op id="{RSC}-mon" name="monitor" interval="2s"/></operations></primitive>'
    )


# =====================================================================================
# Reading a CIB: where the resource runs, who is online, who is the DC
# =====================================================================================


def _uname(state: etree._Element, root: etree._Element) -> str:
    uname = state.get("uname")
    if uname:
        return uname
    node = root.find(f"configuration/nodes/node[@id='{state.get('id')}']")
    return node.get("uname", "") if node is not None else f"node{state.get('id')}"


def running_on(root: etree._Element, rsc: str = RSC) -> list[str]:
    """Nodes whose last operation of ``rsc`` left it running (whatever their membership)."""
    found = []
    for state in root.iter("node_state"):
        op = state.find(f"lrm/lrm_resources/lrm_resource[@id='{rsc}']/lrm_rsc_op[@id='{rsc}_last_0']")
        if op is None or op.get("op-status") != "0":
            continue
        task, rc = op.get("operation"), op.get("rc-code")
        if (task in RUNNING_OPS and rc == "0") or (task == "monitor" and rc in ("0", "8")):
            found.append(_uname(state, root))
    return sorted(found)


def start_exec_ms(root: etree._Element, node: str, rsc: str = RSC) -> int | None:
    """The ``exec-time`` (ms, as the executor measured the agent) of ``rsc``'s last operation on ``node``."""
    for state in root.iter("node_state"):
        if _uname(state, root) == node:
            op = state.find(f"lrm/lrm_resources/lrm_resource[@id='{rsc}']/lrm_rsc_op[@id='{rsc}_last_0']")
            if op is not None and op.get("exec-time", "").isdigit():
                return int(op.get("exec-time", "0"))
    return None


def pending_ops(root: etree._Element) -> int:
    return sum(1 for op in root.iter("lrm_rsc_op") if op.get("op-status") == "-1" or op.get("rc-code") == "193")


def online(root: etree._Element) -> list[str]:
    return sorted(
        _uname(s, root) for s in root.iter("node_state")
        if s.get("in_ccm") not in (None, "false", "0") and s.get("crmd") in ("online", "true")
    )  # fmt: skip


def dc_name(root: etree._Element) -> str | None:
    dc = root.get("dc-uuid")
    if not dc:
        return None
    node = root.find(f"configuration/nodes/node[@id='{dc}']")
    return node.get("uname") if node is not None else f"node{dc}"


def version(root: etree._Element) -> tuple[int, int, int]:
    return tuple(int(root.get(a, "0")) for a in ("admin_epoch", "epoch", "num_updates"))  # type: ignore[return-value]


# =====================================================================================
# The watcher (child process, in a survivor's namespace): drop and running times
# =====================================================================================


class PacerReader:
    def __init__(self, run_dir: Path) -> None:
        from crm.cib.live import LiveCibSource

        self.client = LiveCibSource(run_dir).client(timeout=10.0)

    def read(self) -> etree._Element:
        return etree.fromstring(str(self.client.call({"op": "query"})["cib"]).encode())

    def close(self) -> None:
        self.client.close()


_QUERY = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(_Cib), ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p), ctypes.c_int)
_SIGNON = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(_Cib), ctypes.c_char_p, ctypes.c_int)
_SIGNOFF = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(_Cib))


class PacemakerReader:
    """libcib ``query`` of the whole CIB through one connection (inside the namespace)."""

    def __init__(self) -> None:
        self.common = ctypes.CDLL("libcrmcommon.so.34")
        self.libcib = ctypes.CDLL("libcib.so.27")
        self.libc = ctypes.CDLL(None)
        self.common.dump_xml_unformatted.restype = ctypes.c_void_p
        self.common.dump_xml_unformatted.argtypes = [ctypes.c_void_p]
        self.common.free_xml.restype = None
        self.common.free_xml.argtypes = [ctypes.c_void_p]
        self.libc.free.argtypes = [ctypes.c_void_p]
        self.libcib.cib_new.restype = ctypes.POINTER(_Cib)
        self.libcib.cib_delete.argtypes = [ctypes.POINTER(_Cib)]
        self.cib = self.libcib.cib_new()
        ops = self.cib.contents.cmds.contents
        self._query = _QUERY(ops.query)
        self._signoff = _SIGNOFF(ops.signoff)
        rc = _SIGNON(ops.signon)(self.cib, b"bench_failover", bench_cib.CIB_COMMAND)
        if rc != 0:
            raise RuntimeError(f"libcib signon failed: {rc}")

    def read(self) -> etree._Element:
        out = ctypes.c_void_p()
        rc = self._query(self.cib, None, ctypes.byref(out), bench_cib.CIB_SYNC_CALL)
        if rc != 0 or not out.value:
            raise RuntimeError(f"libcib query failed: {rc}")
        try:
            text = self.common.dump_xml_unformatted(out)
            try:
                data = ctypes.string_at(text)
            finally:
                self.libc.free(text)
        finally:
            self.common.free_xml(out)
        return etree.fromstring(data)

    def close(self) -> None:
        self._signoff(self.cib)
        self.libcib.cib_delete(self.cib)


class DropWatcher:
    """The quorum service's member list in this namespace (what ``corosync-quorumtool -l``
    shows): the first instant it lacks ``nodeid``."""

    def __init__(self, nodeid: int) -> None:
        import pycorosync as pc

        self.nodeid = nodeid
        self.members: tuple[int, ...] = ()
        self.dropped: tuple[float, float] | None = None  # (monotonic, wall)
        self.first = threading.Event()
        self.error: str | None = None
        self.stop = threading.Event()
        self.quorum = pc.Quorum(on_quorum=self._event, on_nodelist=self._event)
        self.quorum.trackstart()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _event(self, event: Any) -> None:
        now = time.monotonic(), time.time()
        self.members = tuple(event.members)
        self.first.set()
        if self.dropped is None and self.nodeid not in self.members and self.members:
            self.dropped = now

    def _run(self) -> None:
        try:
            while not self.stop.is_set():
                self.quorum.run_once(0.05)
        except Exception as err:  # reported in the result
            self.error = f"{type(err).__name__}: {err}"
            self.first.set()

    def close(self) -> None:
        self.stop.set()
        self.thread.join(2)
        with contextlib.suppress(Exception):
            self.quorum.finalize()


def watch_main(args: argparse.Namespace) -> int:
    """Print ``ready`` once the baseline is right, then a JSON line when the resource runs
    on a node other than ``--victim`` (and, with ``--quorum``, the drop was seen)."""
    victim = f"node{args.victim}"
    try:
        reader: PacerReader | PacemakerReader = (
            PacemakerReader() if args.system == "pacemaker" else PacerReader(Path(args.run_dir))
        )
        drops = DropWatcher(args.victim) if args.quorum else None
        if drops is not None:
            drops.first.wait(10)
            if drops.error or args.victim not in drops.members:
                raise RuntimeError(f"quorum: members {drops.members} do not include {args.victim} ({drops.error})")
        root = reader.read()
        where = running_on(root)
        if where != [victim]:
            raise RuntimeError(f"{RSC} runs on {where}, expected [{victim}]")
    except Exception as err:
        print(json.dumps({"error": f"setup: {type(err).__name__}: {err}"}), flush=True)
        return 1
    print("ready", flush=True)
    deadline = time.monotonic() + args.timeout
    polls = 0
    poll_time = 0.0
    result: dict[str, Any] = {}
    while True:
        start = time.monotonic()
        try:
            root = reader.read()
        except Exception as err:
            result["error"] = f"read: {type(err).__name__}: {err}"
            break
        now = time.monotonic(), time.time()
        polls += 1
        poll_time += now[0] - start
        survivors = [n for n in running_on(root) if n != victim]
        if survivors and "running" not in result:
            result.update(running=now[0], running_wall=now[1], node=survivors[0], all=survivors,
                          exec_ms=start_exec_ms(root, survivors[0]))
        if "running" in result and (drops is None or drops.dropped is not None):
            break
        if now[0] >= deadline:
            result["error"] = f"timeout after {args.timeout:g}s (running on {running_on(root)}; " + (
                f"quorum members {drops.members})" if drops else ")")
            break
        time.sleep(POLL_INTERVAL)
    if drops is not None:
        if drops.dropped is not None:
            result.update(dropped=drops.dropped[0], dropped_wall=drops.dropped[1])
        if drops.error:
            result.setdefault("error", f"quorum: {drops.error}")
        drops.close()
    with contextlib.suppress(Exception):
        reader.close()
    result.update(polls=polls, poll_ms=round(poll_time * 1000 / max(polls, 1), 2))
    print(json.dumps(result), flush=True)
    return 0


# =====================================================================================
# Driving a cluster
# =====================================================================================


@dataclass
class Target:
    """One cluster under test, with the operations a round needs."""

    system: System
    transport: str  # "embedded" or "corosync"
    alive: set[int] = field(default_factory=lambda: set(range(1, NODES + 1)))

    @property
    def label(self) -> str:
        return self.system.label

    @property
    def pacemaker(self) -> bool:
        return self.system.kind == "pacemaker"

    @property
    def directory(self) -> Path:
        assert self.system.directory is not None
        return self.system.directory

    def state(self) -> Any:
        from crm.sandbox.state import SandboxState

        state = SandboxState.load(self.directory)
        assert state is not None
        return state

    def any_alive(self, but: int | None = None) -> int:
        return min(k for k in self.alive if k != but)

    # -- commands and reads --------------------------------------------------------
    def command(self, k: int, argv: list[str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
        if self.pacemaker:
            full = _netns_exec(self.system.namespaces[k - 1], [str(PCMK_SBIN / argv[0]), *argv[1:]])
        else:
            full = [str(PACER_BIN / "pacer-sandbox"), "run", "--dir", str(self.directory), str(k), "--", *argv]
        return subprocess.run(full, capture_output=True, text=True, timeout=timeout, check=False,
                              env=bench_cib._clean_env())

    def must(self, k: int, argv: list[str]) -> str:
        proc = self.command(k, argv)
        if proc.returncode != 0:
            raise RuntimeError(f"{self.label}: node{k}: {' '.join(argv)} exited {proc.returncode}: "
                               f"{(proc.stderr or proc.stdout).strip()}")
        return proc.stdout

    def read(self, k: int | None = None) -> etree._Element:
        k = self.any_alive() if k is None else k
        if self.pacemaker:
            return etree.fromstring(self.must(k, ["cibadmin", "-Q"]).encode())
        from crm.cib.live import LiveCibSource

        return LiveCibSource(self.system.run_dirs[k - 1]).read().root

    def configure(self) -> None:
        k = self.any_alive()
        self.must(k, ["crm_attribute", "-t", "crm_config", "-n", "stonith-enabled", "-v", "false"])
        self.must(k, ["cibadmin", "-C", "-o", "resources", "-X", dummy_xml("pacemaker" if self.pacemaker else "pacer")])

    def wait_idle(self, timeout: float = IDLE_TIMEOUT) -> tuple[str, str]:
        """Every node online, a DC, the resource on exactly one node, nothing pending, and the
        CIB unchanged for IDLE_QUIET seconds.  Returns (DC, holder)."""
        deadline = time.monotonic() + timeout
        want = [f"node{k}" for k in range(1, NODES + 1)]
        stable_since: float | None = None
        last: tuple[Any, ...] | None = None
        seen = ""
        while True:
            try:
                root = self.read()
                where = [n for n in running_on(root) if n in online(root)]
                ok = online(root) == want and dc_name(root) in want and len(where) == 1 and not pending_ops(root)
                key = (version(root), tuple(where), dc_name(root))
                seen = f"online {online(root)}, DC {dc_name(root)}, {RSC} on {running_on(root)}, version {version(root)}"
            except Exception as err:
                ok, key, seen = False, None, f"{type(err).__name__}: {err}"
            now = time.monotonic()
            if ok and key == last:
                assert stable_since is not None
                if now - stable_since >= IDLE_QUIET:
                    return str(key[2]), key[1][0]  # type: ignore[index]
            else:
                stable_since = now
            last = key if ok else None
            if now >= deadline:
                raise RuntimeError(f"{self.label}: not idle within {timeout:g}s ({seen})")
            time.sleep(0.2)

    def move(self, node: str) -> None:
        k = self.any_alive()
        self.must(k, ["crm_resource", "--move", "-r", RSC, "-N", node])
        deadline = time.monotonic() + 60
        while running_on(self.read()) != [node]:
            if time.monotonic() >= deadline:
                raise RuntimeError(f"{self.label}: {RSC} did not move to {node}")
            time.sleep(0.2)
        self.must(k, ["crm_resource", "--clear", "-r", RSC])

    # -- kill and restart --------------------------------------------------------------
    def kill(self, k: int) -> tuple[float, float]:
        """SIGKILL node k; returns (monotonic, wall) of the first SIGKILL round."""
        from crm.sandbox import procs

        stamps: list[tuple[float, float]] = []
        original = procs.kill_all

        def timed_kill_all(find: Callable[[], set[int]], rounds: int = 100) -> set[int]:
            def timed() -> set[int]:
                pids = find()
                if pids and not stamps:
                    stamps.append((time.monotonic(), time.time()))
                return pids

            return original(timed, rounds)

        procs.kill_all = timed_kill_all  # type: ignore[assignment]
        try:
            if self.pacemaker:
                from crm.cluster import netns
                from crm.sandbox.core import Sandbox

                ns = self.system.namespaces[k - 1]
                killed = procs.kill_all(lambda: set(netns.pids(ns)) - {os.getpid()})
                sandbox = Sandbox(self.directory)
                sandbox._record(killed)
                state = self.state()
                state.corosync_pids.pop(k, None)
                state.save()
                # a crash loses /run, and the agents' state with it: Debian's Dummy keeps its
                # in HA_VARRUN (/run/Dummy-<id>.state), other agents in HA_RSCTMP
                # (/run/resource-agents); else the restarted node finds d1 "running"
                run = state.node_dir(k) / "corosync-run"
                shutil.rmtree(run / "resource-agents", ignore_errors=True)
                for leftover in run.glob("*.state"):
                    leftover.unlink(missing_ok=True)
            else:
                from crm.sandbox.core import Sandbox

                Sandbox(self.directory).kill(k)
        finally:
            procs.kill_all = original  # type: ignore[assignment]
        self.alive.discard(k)
        if not stamps:
            raise RuntimeError(f"{self.label}: node{k} had no process to kill")
        return stamps[0]

    def restart(self, k: int) -> None:
        from crm.sandbox.core import Sandbox

        sandbox = Sandbox(self.directory)
        if self.pacemaker:
            state = self.state()
            with sandbox.locked():
                sandbox._start_corosync(state, k)
            bench_cib._start_pacemakerd(state, k)
        else:
            sandbox.start(k, 120.0)
        self.alive.add(k)


def _netns_exec(ns: str, argv: list[str]) -> list[str]:
    from crm.cluster import netns

    return netns.exec_argv(ns, argv)



# =====================================================================================
# Rounds
# =====================================================================================


@dataclass
class Round:
    system: str
    case: str  # "holder" or "dc"
    victim: str
    dc_before: str
    new_node: str = ""
    kill_to_running: float | None = None
    kill_to_drop: float | None = None
    reaction: float | None = None
    polls: int = 0
    poll_ms: float = 0.0
    kill_wall: float = 0.0
    drop_wall: float | None = None
    running_wall: float | None = None
    timeline: dict[str, float] = field(default_factory=dict)  # pacer: controller log events, s after the drop/kill
    start_exec_ms: int | None = None  # the start's exec-time in the CIB (the agent's run, as the executor timed it)
    error: str | None = None


def _read_line(proc: subprocess.Popen[str], deadline: float) -> str:
    assert proc.stdout is not None
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise RuntimeError(f"watcher {proc.pid} did not answer in time")
        ready, _, _ = select.select([proc.stdout], [], [], remaining)
        if ready:
            line = proc.stdout.readline()
            if not line:
                raise RuntimeError(f"watcher {proc.pid} exited ({proc.wait()})")
            return line.strip()


def prepare(target: Target, case: str) -> tuple[str, str]:
    """Idle cluster with the resource where the case wants it; returns (DC, holder)."""
    dc, holder = target.wait_idle()
    if case == "dc" and holder != dc:
        target.move(dc)
    elif case == "holder" and holder == dc:
        target.move(min(f"node{k}" for k in target.alive if f"node{k}" != dc))
    else:
        return dc, holder
    dc2, holder2 = target.wait_idle()
    if dc2 != dc or (holder2 == dc2) != (case == "dc"):
        raise RuntimeError(f"{target.label}: after the move, DC {dc2} and holder {holder2} (case {case})")
    return dc2, holder2


def run_round(target: Target, case: str, timeout: float) -> Round:
    dc, holder = prepare(target, case)
    victim = int(holder.removeprefix("node"))
    # watch from the DC when it survives (the node that reacts), else from the lowest survivor
    watch = int(dc.removeprefix("node")) if case == "holder" else target.any_alive(but=victim)
    corosync = target.transport == "corosync"
    argv = [sys.executable, os.path.abspath(__file__), "_watch", "--system", target.system.kind,
            "--victim", str(victim), "--timeout", str(timeout)]
    if not target.pacemaker:
        argv += ["--run-dir", str(target.system.run_dirs[watch - 1])]
    if corosync:
        argv.append("--quorum")
        argv = _netns_exec(target.system.namespaces[watch - 1], argv)
    rnd = Round(target.label, case, holder, dc)
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True, env=bench_cib._clean_env())
    try:
        line = _read_line(proc, time.monotonic() + 60)
        if line != "ready":
            raise RuntimeError(f"{target.label}: watcher: {line}")
        kill_mono, kill_wall = target.kill(victim)
        result = json.loads(_read_line(proc, time.monotonic() + timeout + 30))
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    rnd.kill_wall = kill_wall
    rnd.polls, rnd.poll_ms = result.get("polls", 0), result.get("poll_ms", 0.0)
    rnd.error = result.get("error")
    if "running" in result:
        rnd.kill_to_running = result["running"] - kill_mono
        rnd.running_wall = result["running_wall"]
        rnd.new_node = result["node"]
        rnd.start_exec_ms = result.get("exec_ms")
    if "dropped" in result:
        rnd.kill_to_drop = result["dropped"] - kill_mono
        rnd.drop_wall = result["dropped_wall"]
        if rnd.kill_to_running is not None:
            rnd.reaction = rnd.kill_to_running - rnd.kill_to_drop
    if not target.pacemaker:
        rnd.timeline = pacer_timeline(target, rnd)
    target.restart(victim)
    return rnd


# ---- pacer's controller logs: when did the DC see the view, schedule, start, get the result ----

_LOG_TIME = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) ")


def _log_events(path: Path, since: float) -> list[tuple[float, str]]:
    events = []
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError:
        return []
    for line in lines:
        match = _LOG_TIME.match(line)
        if not match:
            continue
        stamp = datetime.strptime(match.group(1), "%Y-%m-%d %H:%M:%S,%f").timestamp()
        if stamp >= since - 0.002:
            events.append((stamp, line[match.end():]))
    return events


def pacer_timeline(target: Target, rnd: Round) -> dict[str, float]:
    """Seconds after the drop (Corosync) or the kill (embedded) of the DC's log events."""
    state = target.state()
    base = rnd.drop_wall if rnd.drop_wall is not None else rnd.kill_wall
    until = (rnd.running_wall or base + 60) + 0.5
    found: dict[str, float] = {}
    for k in state.all_nodes():
        if f"node{k}" == rnd.victim:
            continue
        events = [(t, text) for t, text in _log_events(state.state_dir(k) / "log" / "controld.log", rnd.kill_wall)
                  if t <= until]
        for t, text in events:
            if "controllers:" in text:
                found.setdefault(f"node{k} view", t - base)
        initiated = [t for t, text in events if f"initiating {RSC}_start_0" in text]
        if not initiated:
            continue  # not the DC of the failover
        for t, text in events:
            if re.search(r"transition \d+ \(pe-input-\d+\): \d+ actions", text):
                found.setdefault("DC transition", t - base)
        found["DC initiates start"] = initiated[0] - base
        for t, text in events:
            if re.search(r"transition \d+ (complete|done|finished|stopped|terminated)", text) and t >= initiated[0]:
                found.setdefault("DC transition done", t - base)
    if rnd.running_wall is not None:
        found["running (watcher)"] = rnd.running_wall - base
    return {key: round(value, 3) for key, value in found.items()}


# =====================================================================================
# Report
# =====================================================================================


def _stats(values: list[float]) -> str:
    if not values:
        return "-"
    return f"{statistics.median(values):.2f} s ({min(values):.2f}-{max(values):.2f})"


def _ratio(values: list[float], base: list[float]) -> str:
    if not values or not base:
        return "n/a"
    return f"{statistics.median(values) / statistics.median(base):.2f}x"


CASE_TITLE = {"holder": "holder is not the DC", "dc": "holder is the DC"}


def report(rounds: list[Round], header: str, systems: list[str], cases: list[str]) -> str:
    lines = [
        header, "",
        "| system | case | rounds | kill -> running, median (min-max) | kill -> Corosync drop, median "
        "| reaction: drop -> running, median (min-max) | reaction vs Pacemaker | kill -> running vs Pacemaker "
        "| the start's exec-time, median | reaction minus exec-time, median |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]  # fmt: skip
    for case in cases:
        base = [r for r in rounds if r.case == case and r.system.startswith("Pacemaker") and r.error is None]
        for system in systems:
            chosen = [r for r in rounds if r.case == case and r.system == system]
            good = [r for r in chosen if r.error is None and r.kill_to_running is not None]
            k2r = [r.kill_to_running for r in good if r.kill_to_running is not None]
            drop = [r.kill_to_drop for r in good if r.kill_to_drop is not None]
            react = [r.reaction for r in good if r.reaction is not None]
            execs = [r.start_exec_ms for r in good if r.start_exec_ms is not None]
            rest = [r.reaction - r.start_exec_ms / 1000 for r in good
                    if r.reaction is not None and r.start_exec_ms is not None]
            failed = len(chosen) - len(good)
            lines.append(
                f"| {system} | {CASE_TITLE[case]} | {len(good)}" + (f" ({failed} failed)" if failed else "")
                + f" | {_stats(k2r)} | {f'{statistics.median(drop):.2f} s' if drop else '-'} | {_stats(react)} "
                f"| {_ratio(react, [r.reaction for r in base if r.reaction is not None]) if react else 'n/a'} "
                f"| {_ratio(k2r, [r.kill_to_running for r in base if r.kill_to_running is not None])} "
                f"| {f'{statistics.median(execs):.0f} ms' if execs else '-'} "
                f"| {f'{statistics.median(rest) * 1000:.0f} ms' if rest else '-'} |"
            )
    timelines = [r for r in rounds if r.timeline and r.error is None]
    if timelines:
        lines += ["", "pacer's DC, from its `controld.log` (seconds after the Corosync drop, or after the kill "
                  "on the embedded bus; medians):", "",
                  "| system | case | DC sees the view | DC starts the transition | DC initiates the start "
                  "| DC's transition done | running (watcher) |", "|---|---|---|---|---|---|---|"]
        for case in cases:
            for system in systems:
                chosen = [r for r in timelines if r.case == case and r.system == system]
                if not chosen:
                    continue
                cells = []
                for key in ("view", "DC transition", "DC initiates start", "DC transition done", "running (watcher)"):
                    if key == "view":
                        values = [min(v for k, v in r.timeline.items() if k.endswith(" view"))
                                  for r in chosen if any(k.endswith(" view") for k in r.timeline)]
                    else:
                        values = [r.timeline[key] for r in chosen if key in r.timeline]
                    cells.append(f"{statistics.median(values):.3f}" if values else "-")
                lines.append(f"| {system} | {CASE_TITLE[case]} | " + " | ".join(cells) + " |")
    errors = [r for r in rounds if r.error]
    if errors:
        lines += ["", "Failed rounds:", ""] + [f"- {r.system}, {r.case}, {r.victim} killed: {r.error}" for r in errors]
    lines.append("")
    return "\n".join(lines)


# =====================================================================================
# Main
# =====================================================================================


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="rounds per case and system (default %(default)s)")
    parser.add_argument("--cases", default="holder,dc", help="comma-separated: holder, dc (default %(default)s)")
    parser.add_argument("--token", type=int, default=1000, help="corosync token timeout, ms (default %(default)s)")
    parser.add_argument("--timeout", type=float, default=FAILOVER_TIMEOUT,
                        help="seconds a failover may take before the round counts as failed (default %(default)s)")
    parser.add_argument("--skip-pacemaker", action="store_true", help="pacer only")
    parser.add_argument("--skip-corosync", action="store_true", help="embedded transport only (no root needed)")
    parser.add_argument("--skip-embedded", action="store_true", help="no pacer embedded rows")
    parser.add_argument("--from-json", type=Path, metavar="FILE.json",
                        help="only print the report of a earlier run's FILE.json (written by --out)")
    parser.add_argument("--keep", action="store_true", help="keep the clusters' directories (logs) after a good run")
    parser.add_argument("--out", type=Path, help="also write the Markdown report (and every round in FILE.json) there")
    return parser


def _watch_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bench_failover.py _watch")
    parser.add_argument("--system", choices=("pacer", "pacemaker"), required=True)
    parser.add_argument("--victim", type=int, required=True)
    parser.add_argument("--run-dir")
    parser.add_argument("--quorum", action="store_true")
    parser.add_argument("--timeout", type=float, default=FAILOVER_TIMEOUT)
    return parser


@contextlib.contextmanager
def started(stack: contextlib.ExitStack, base: Path, args: argparse.Namespace) -> Iterator[list[Target]]:
    targets: list[Target] = []
    if not args.skip_embedded or args.skip_corosync:
        targets.append(Target(stack.enter_context(pacer_cluster(base / "emb", "embedded", None)), "embedded"))
    if not args.skip_corosync:
        targets.append(Target(stack.enter_context(pacer_cluster(base / "cs", "corosync", args.token)), "corosync"))
    if not args.skip_pacemaker:
        targets.append(Target(stack.enter_context(pacemaker_cluster(base / "pm", args.token)), "corosync"))
    yield targets


def measure(targets: list[Target], cases: list[str], rounds: int, timeout: float) -> list[Round]:
    for target in targets:
        say(f"{target.label}: configuring {RSC} (sticky Dummy, 2 s monitor) and stonith-enabled=false")
        target.configure()
    done: list[Round] = []
    for case in cases:
        for n in range(rounds):
            for target in targets:  # interleaved: the systems share the same noise
                rnd = run_round(target, case, timeout)
                done.append(rnd)
                if rnd.error:
                    say(f"{target.label}, {case} {n + 1}/{rounds}: {rnd.victim} killed: FAILED: {rnd.error}")
                    continue
                reaction = f", reaction {rnd.reaction:.3f}s (drop at {rnd.kill_to_drop:.3f}s)" if rnd.reaction is not None else ""
                say(f"{target.label}, {case} {n + 1}/{rounds}: {rnd.victim} killed (DC {rnd.dc_before}), "
                    f"{RSC} running on {rnd.new_node} after {rnd.kill_to_running:.3f}s{reaction}; "
                    f"{rnd.polls} polls of {rnd.poll_ms} ms")
    return done


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "_watch":
        return watch_main(_watch_parser().parse_args(argv[1:]))
    args = build_parser().parse_args(argv)
    if args.from_json:
        data = json.loads(args.from_json.read_text())
        print(report([Round(**r) for r in data["rounds"]], data["header"], data["systems"], data["cases"]))
        return 0
    cases = [c.strip() for c in args.cases.split(",") if c.strip()]
    if not cases or any(c not in CASE_TITLE for c in cases) or args.rounds < 1:
        say("--cases takes holder and/or dc; --rounds at least 1")
        return 2
    if args.skip_corosync:
        args.skip_pacemaker = True
    elif os.geteuid() != 0:
        say("Corosync and Pacemaker need root: use --skip-corosync for the embedded transport only")
        return 4
    base = Path(tempfile.mkdtemp(prefix="bfo-", dir="/tmp"))  # short: unix socket paths
    begun = time.time()
    rounds: list[Round] = []
    labels: list[str] = []

    def on_term(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    try:
        with contextlib.ExitStack() as stack, started(stack, base, args) as targets:
            labels = [t.label for t in targets]
            rounds = measure(targets, cases, args.rounds, args.timeout)
    except KeyboardInterrupt:
        say("interrupted; everything started was stopped")
        return 130
    except Exception as err:
        say(f"failed: {type(err).__name__}: {err}")
        say(f"logs kept in {base}")
        return 1
    header = (
        f"## Failover, {NODES} nodes, sticky Dummy with a 2 s monitor, stonith-enabled=false, token {args.token} ms "
        f"({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(begun))}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f}; run took {time.time() - begun:.0f}s)"
    )
    text = report(rounds, header, labels, cases)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
        data = {"header": header, "systems": labels, "cases": cases, "rounds": [asdict(r) for r in rounds]}
        args.out.with_suffix(args.out.suffix + ".json").write_text(json.dumps(data, indent=1) + "\n")
    if any(r.error for r in rounds):
        say(f"some rounds failed; logs kept in {base}")
        return 1
    if args.keep:
        say(f"logs kept in {base}")
    else:
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
