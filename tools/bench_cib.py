"""Benchmark CIB updates: pacer's CIB daemon side by side with Pacemaker 2.1.5's.

Three 3-node clusters are started on this machine and measured in the same run:

* ``pacer embedded``: ``pacer-sandbox`` on the embedded bus (no root needed);
* ``pacer corosync``: ``pacer-sandbox`` on Corosync, one network namespace per node;
* ``Pacemaker corosync``: Corosync on namespaces built with pacer's own sandbox code, then
  Debian's ``pacemakerd`` in each namespace (private ``/run``, ``/var/lib/pacemaker`` and
  ``/var/log/pacemaker`` per node, ``stonith-enabled=false``), measured once ``crm_mon -1``
  in a namespace shows the three nodes online and a DC.

Daemon level (``api``): W writers (``--writers``, per node, spread over the nodes), one
process each, each with one persistent connection to its node's CIB daemon, doing
sequential updates of its own cluster property (``cluster_property_set id=bench-wN``,
value = a counter) for ``--duration`` seconds.  pacer's writers send the raw ``patch``
request that ``LiveCibSource.modify`` would send (a v2 patchset changing the nvpair's
value, precomputed once per writer, only the value substituted), one round trip per
update.  Pacemaker's writers call libcib through ctypes inside the node's namespace:
``cib_new()``, ``signon(cib_command)``, then ``modify("crm_config", xml, cib_sync_call)``
with the element parsed by Pacemaker's ``string2xml`` (the same call ``cibadmin -X``
makes).  Latency is send to acknowledgement; throughput is acknowledged updates / s.

Command level (``cli``, for context): one writer doing
``cibadmin --modify -o crm_config -X '<cluster_property_set ...>'`` per update, a new
process each time (pacer's ``cibadmin`` is Python: its start-up is in the figure).

Every round ends by checking, on every node, that each writer's last acknowledged value
is in the CIB (replicas may lag a little: up to 15 s is allowed).

    python tools/bench_cib.py [--duration S] [--writers 1,4] [--cli-duration S]
                              [--skip-pacemaker] [--skip-corosync] [--skip-cli] [--out FILE]

Prints a Markdown table.  Corosync and Pacemaker need root; ``--skip-corosync`` measures
the embedded transport only.  Everything started is stopped (by pid) and the namespaces
are removed, also on failure or Ctrl-C.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import json
import os
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

NODES = 3
PCMK_SBIN = Path("/usr/sbin")
PACER_BIN = Path(sys.executable).parent
READY_TIMEOUT = 120.0
CONVERGE_TIMEOUT = 15.0
PACEMAKER_UP_TIMEOUT = 120.0
PACEMAKER_STOP_TIMEOUT = 60.0
SENTINEL = "@@BENCH-VALUE@@"


def say(message: str) -> None:
    print(f"bench_cib: {message}", file=sys.stderr, flush=True)


def property_xml(name: str, value: str) -> str:
    return (
        f'<cluster_property_set id="{name}"><nvpair id="{name}-v" name="{name}" value="{value}"/>'
        "</cluster_property_set>"
    )


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, -(-len(ordered) * pct // 100))
    return ordered[int(min(rank, len(ordered))) - 1]


# =====================================================================================
# Writers (child processes): print "ready", wait for "go", update, print a JSON result
# =====================================================================================


class PacerApiWriter:
    """One persistent connection to pacer's CIB daemon; raw ``patch`` requests."""

    def __init__(self, run_dir: Path, name: str) -> None:
        from crm.cib.document import CibDocument
        from crm.cib.live import LiveCibSource
        from crm.ipc.client import IpcClient

        self.source = LiveCibSource(run_dir)
        self.name = name

        def ensure(doc: CibDocument) -> None:
            crm_config = doc.ensure_section("crm_config")
            if doc.find_by_id(name, "cluster_property_set") is None:
                crm_config.append(etree.fromstring(property_xml(name, "0")))

        self.source.modify(ensure)
        self.template = self._template()
        self.client: IpcClient = self.source.client(timeout=120.0)

    def _template(self) -> str:
        from crm.cib import patchset

        before = self.source.read()
        after = before.copy()
        nvpair = after.find_by_id(f"{self.name}-v", "nvpair")
        assert nvpair is not None
        nvpair.set("value", SENTINEL)
        text = etree.tostring(patchset.diff(before.root, after.root), encoding="unicode")
        if SENTINEL not in text:
            raise RuntimeError(f"the patch for {self.name} does not carry the value: {text}")
        return text

    def update(self, value: str) -> None:
        self.client.call(
            {
                "op": "patch",
                "patch": self.template.replace(SENTINEL, value),
                "keep_versions": False,
                "validate": True,
                "config_change": True,
            }
        )

    def close(self) -> None:
        self.client.close()


# ---- Pacemaker 2.1.5 libcib through ctypes (layouts of include/crm/cib/cib_types.h) ----

_CIB_OPS = (
    "signon", "signon_raw", "signoff", "free", "set_op_callback", "add_notify_callback",
    "del_notify_callback", "set_connection_dnotify", "inputfd", "noop", "ping", "query",
    "query_from", "is_master", "set_master", "set_slave", "set_slave_all", "sync", "sync_from",
    "upgrade", "bump_epoch", "create", "modify", "update", "replace", "remove", "erase",
    "delete_absolute", "quit", "register_notification", "register_callback",
    "register_callback_full", "set_primary", "set_secondary",
)  # fmt: skip


class _CibApiOperations(ctypes.Structure):
    _fields_ = [(name, ctypes.c_void_p) for name in _CIB_OPS]


class _Cib(ctypes.Structure):
    _fields_ = [
        ("state", ctypes.c_int),
        ("type", ctypes.c_int),
        ("variant", ctypes.c_int),
        ("call_id", ctypes.c_int),
        ("call_timeout", ctypes.c_int),
        ("variant_opaque", ctypes.c_void_p),
        ("delegate_fn", ctypes.c_void_p),
        ("notify_list", ctypes.c_void_p),
        ("op_callback", ctypes.c_void_p),
        ("cmds", ctypes.POINTER(_CibApiOperations)),
    ]


# offsets checked against the real headers (pacemaker-dev 2.1.5, x86_64) with a C probe:
# offsetof(cib_t, cmds) == 56, sizeof(cib_t) == 64, offsetof(ops, modify) == 176
assert _Cib.cmds.offset == 56 and ctypes.sizeof(_Cib) == 64
assert _CibApiOperations.modify.offset == 176 and _CibApiOperations.query.offset == 88

CIB_COMMAND = 0  # enum cib_conn_type
CIB_CAN_CREATE = 0x08
CIB_SYNC_CALL = 0x1000

_SIGNON = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(_Cib), ctypes.c_char_p, ctypes.c_int)
_SIGNOFF = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(_Cib))
_MODIFY = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(_Cib), ctypes.c_char_p, ctypes.c_void_p, ctypes.c_int)


class PacemakerApiWriter:
    """A persistent libcib connection to the local pacemaker-based (run inside the node's
    network namespace: libqb's sockets are abstract)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.common = ctypes.CDLL("libcrmcommon.so.34")
        self.libcib = ctypes.CDLL("libcib.so.27")
        self.common.string2xml.restype = ctypes.c_void_p
        self.common.string2xml.argtypes = [ctypes.c_char_p]
        self.common.free_xml.restype = None
        self.common.free_xml.argtypes = [ctypes.c_void_p]
        self.common.pcmk_strerror.restype = ctypes.c_char_p
        self.common.pcmk_strerror.argtypes = [ctypes.c_int]
        self.libcib.cib_new.restype = ctypes.POINTER(_Cib)
        self.libcib.cib_new.argtypes = []
        self.libcib.cib_delete.restype = None
        self.libcib.cib_delete.argtypes = [ctypes.POINTER(_Cib)]
        self.cib = self.libcib.cib_new()
        if not self.cib:
            raise RuntimeError("cib_new() failed")
        ops = self.cib.contents.cmds.contents
        self._signon = _SIGNON(ops.signon)
        self._signoff = _SIGNOFF(ops.signoff)
        self._modify = _MODIFY(ops.modify)
        rc = self._signon(self.cib, b"bench_cib", CIB_COMMAND)
        self._check(rc, "signon")
        self._call(property_xml(name, "0"), CIB_SYNC_CALL | CIB_CAN_CREATE)

    def _check(self, rc: int, what: str) -> None:
        if rc != 0:
            text = self.common.pcmk_strerror(rc)
            raise RuntimeError(f"libcib {what}: {text.decode() if text else rc} ({rc})")

    def _call(self, xml: str, options: int) -> None:
        node = self.common.string2xml(xml.encode())
        if not node:
            raise RuntimeError(f"string2xml failed on {xml}")
        try:
            rc = self._modify(self.cib, b"crm_config", node, options)
        finally:
            self.common.free_xml(node)
        self._check(rc, "modify")

    def update(self, value: str) -> None:
        self._call(property_xml(self.name, value), CIB_SYNC_CALL)

    def close(self) -> None:
        self._signoff(self.cib)
        self.libcib.cib_delete(self.cib)


class CliWriter:
    """``cibadmin --modify`` per update: Debian's for Pacemaker, pacer's otherwise."""

    def __init__(self, system: str, name: str, run_dir: Path | None) -> None:
        self.name = name
        if system == "pacemaker":
            self.binary = str(PCMK_SBIN / "cibadmin")
            self.env = {k: v for k, v in os.environ.items() if not k.startswith(("CIB_", "PACER_"))}
        else:
            self.binary = str(PACER_BIN / "cibadmin")
            self.env = {k: v for k, v in os.environ.items() if not k.startswith("CIB_")}
            self.env["PACER_RUN_DIR"] = str(run_dir)
        self._run(property_xml(name, "0"), "--allow-create")

    def _run(self, xml: str, *extra: str) -> None:
        proc = subprocess.run(
            [self.binary, "--modify", "-o", "crm_config", *extra, "-X", xml],
            env=self.env, capture_output=True, text=True, check=False,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"{self.binary} --modify exited {proc.returncode}: {proc.stderr.strip()}")

    def update(self, value: str) -> None:
        self._run(property_xml(self.name, value))

    def close(self) -> None:
        pass


def writer_main(args: argparse.Namespace) -> int:
    """Child process: set up, print ``ready``, wait for ``go``, write, print the result."""
    writer: PacerApiWriter | PacemakerApiWriter | CliWriter
    run_dir = Path(args.run_dir) if args.run_dir else None
    try:
        if args.mode == "cli":
            writer = CliWriter(args.system, args.name, run_dir)
        elif args.system == "pacemaker":
            writer = PacemakerApiWriter(args.name)
        else:
            assert run_dir is not None
            writer = PacerApiWriter(run_dir, args.name)
    except Exception as err:  # reported to the parent, which stops the run
        print(json.dumps({"error": f"setup: {type(err).__name__}: {err}"}), flush=True)
        return 1
    print("ready", flush=True)
    line = sys.stdin.readline().split()
    if not line or line[0] != "go":
        return 1
    duration = float(line[1])
    latencies: list[float] = []
    starts: list[float] = []
    errors: list[str] = []
    value = 0
    last_ok = "0"
    clock = time.perf_counter
    start = clock()
    end = start + duration
    while True:
        now = clock()
        if now >= end:
            break
        value += 1
        text = str(value)
        wall = time.time()
        try:
            writer.update(text)
        except Exception as err:
            errors.append(f"{type(err).__name__}: {err}")
            if len(errors) > 20:
                break
            continue
        latencies.append(clock() - now)
        starts.append(wall)
        last_ok = text
    elapsed = clock() - start
    with contextlib.suppress(Exception):
        writer.close()
    result = {"latencies": latencies, "starts": starts, "elapsed": elapsed, "last": last_ok, "errors": errors[:5]}
    print(json.dumps(result), flush=True)
    return 0


# =====================================================================================
# Clusters
# =====================================================================================


@dataclass
class System:
    """A running 3-node cluster to measure."""

    label: str  # e.g. "pacer corosync"
    kind: str  # "pacer" or "pacemaker"
    run_dirs: list[Path] = field(default_factory=list)  # pacer: node K's run dir
    namespaces: list[str] = field(default_factory=list)  # corosync: node K's namespace
    directory: Path | None = None  # the sandbox directory the cluster lives in

    def wrap(self, k: int, argv: list[str]) -> list[str]:
        """``argv`` as run for a client of node ``k`` (inside its namespace if it has one)."""
        if self.kind == "pacemaker":
            from crm.cluster import netns

            return netns.exec_argv(self.namespaces[k - 1], argv)
        return argv

    def daemon_pids(self) -> tuple[list[int], list[int]]:
        """(the CIB daemons' pids, the corosyncs' pids) of this cluster."""
        from crm.cluster import netns

        cib: list[int] = []
        corosync: list[int] = []
        for ns in self.namespaces:
            for pid in netns.pids(ns):
                comm = _comm(pid)
                if comm == "corosync":
                    corosync.append(pid)
                elif comm == "pacemaker-based" and self.kind == "pacemaker" and _comm(_ppid(pid)) == "pacemakerd":
                    cib.append(pid)  # not its forked disk writers (their CPU counts as its children's)
        if self.kind == "pacer":
            cib += self._pacer_pids(b"\0-m\0crm.based\0")
        return cib, corosync

    def stack_pids(self) -> list[int]:
        """Every process of this cluster's stack but corosync: the launcher and all its
        daemons on every node (the CIB daemon included; not the writers)."""
        from crm.cluster import netns

        pids: list[int] = []
        if self.kind == "pacemaker":
            for ns in self.namespaces:
                for pid in netns.pids(ns):
                    if _comm(pid).startswith("pacemaker"):
                        pids.append(pid)
            return pids
        return self._pacer_pids(b"\0-m\0crm.")

    def _pacer_pids(self, module: bytes) -> list[int]:
        """pacer's processes of this cluster whose command line has ``module``."""
        wanted = [f"\0--run-dir\0{d}\0".encode() for d in self.run_dirs]
        pids: list[int] = []
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                cmdline = Path(f"/proc/{entry.name}/cmdline").read_bytes()
            except OSError:
                continue
            if module in cmdline and any(w in cmdline + b"\0" for w in wanted):
                pids.append(int(entry.name))
        return pids

    def read_cib(self, k: int) -> etree._Element:
        if self.kind == "pacemaker":
            argv = self.wrap(k, [str(PCMK_SBIN / "cibadmin"), "-Q", "-o", "crm_config"])
            out = subprocess.run(argv, capture_output=True, check=True, timeout=60).stdout
            return etree.fromstring(out)
        from crm.cib.live import LiveCibSource

        return LiveCibSource(self.run_dirs[k - 1]).read().root


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def _ppid(pid: int) -> int:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    return int(raw[raw.rfind(")") + 2 :].split()[1])


CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> float:
    """user + system CPU of ``pids`` and of their children that ended (pacemaker-based
    forks a child to write each new CIB to disk)."""
    total = 0
    for pid in pids:
        try:
            raw = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = raw[raw.rfind(")") + 2 :].split()
        total += sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
    return total / CLK_TCK


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("CIB_", "PACER_"))}


@contextlib.contextmanager
def pacer_cluster(directory: Path, transport: str, token: int | None) -> Iterator[System]:
    from crm.sandbox.core import Sandbox
    from crm.sandbox.state import SandboxState

    sandbox = Sandbox(directory)
    try:
        say(f"starting pacer: {NODES} nodes, {transport} transport, in {directory}")
        sandbox.up(NODES, transport, token if transport == "corosync" else None, 120.0)
        state = SandboxState.load(sandbox.directory)
        assert state is not None
        system = System(
            f"pacer {transport}", "pacer",
            run_dirs=[state.run_dir(k) for k in state.all_nodes()],
            namespaces=[state.namespace(k) for k in state.all_nodes()] if transport == "corosync" else [],
            directory=sandbox.directory,
        )
        yield system
    finally:
        say(f"stopping pacer ({transport})")
        with contextlib.suppress(Exception):
            sandbox.down(60.0)


def _pacemakerd_pids(namespace: str) -> list[int]:
    from crm.cluster import netns

    found = []
    for pid in netns.pids(namespace):
        with contextlib.suppress(OSError):
            if Path(f"/proc/{pid}/comm").read_text().strip() == "pacemakerd":
                found.append(pid)
    return found


def _start_pacemakerd(state: Any, k: int) -> int:
    """Debian's pacemakerd in node k's namespace: /run = the node's corosync /run (as its
    corosync sees it), private /var/lib/pacemaker and /var/log/pacemaker."""
    from crm.cluster import netns
    from crm.sandbox.state import ENV_NODE, ENV_SANDBOX

    node_dir: Path = state.node_dir(k)
    base = node_dir / "pacemaker"
    for sub in ("lib/cib", "lib/pengine", "lib/blackbox", "lib/cores", "log"):
        (base / sub).mkdir(parents=True, exist_ok=True)
    for path in [base, *base.rglob("*")]:
        shutil.chown(path, "hacluster", "haclient")
    for sub in ("cib", "pengine", "blackbox", "cores"):
        os.chmod(base / "lib" / sub, 0o750)
    os.chmod(base / "log", 0o770)
    script = (
        'mount --bind "$1" "$2" && mount --bind "$3" /var/lib/pacemaker && '
        'mount --bind "$4" /var/log/pacemaker || exit 97; shift 4; exec "$@"'
    )
    argv = netns.exec_argv(
        state.namespace(k),
        [
            "/bin/sh", "-c", script, "sh", str(node_dir / "corosync-run"), os.path.realpath("/var/run"),
            str(base / "lib"), str(base / "log"), str(PCMK_SBIN / "pacemakerd"),
        ],
    )
    env = _clean_env()
    env.update(
        {
            "PCMK_logfile": "/var/log/pacemaker/pacemaker.log",
            "PCMK_logfacility": "none",
            ENV_SANDBOX: str(state.directory),
            ENV_NODE: str(node_dir),
        }
    )
    with open(node_dir / "pacemakerd.out", "ab") as out:
        proc = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
    return proc.pid


def _crm_mon_ready(namespace: str) -> bool:
    from crm.cluster import netns

    try:
        out = subprocess.run(
            netns.exec_argv(namespace, [str(PCMK_SBIN / "crm_mon"), "-1"]),
            capture_output=True, text=True, timeout=15, check=False,
        ).stdout
    except subprocess.TimeoutExpired:
        return False
    want = "Online: [ " + " ".join(f"node{k}" for k in range(1, NODES + 1)) + " ]"
    return "Current DC: node" in out and want in out


@contextlib.contextmanager
def pacemaker_cluster(directory: Path, token: int) -> Iterator[System]:
    """Corosync through pacer's sandbox code (namespaces, corosync.conf, private /run),
    then Debian's pacemakerd per namespace."""
    from crm.cluster import netns
    from crm.sandbox import procs
    from crm.sandbox.core import Sandbox
    from crm.sandbox.state import SandboxState, prefix_for

    if not (PCMK_SBIN / "pacemakerd").exists():
        raise RuntimeError("Pacemaker is not installed (apt-get install pacemaker pacemaker-cli-utils)")
    sandbox = Sandbox(directory)
    state = SandboxState(sandbox.directory, "corosync", NODES, token, prefix=prefix_for(sandbox.directory))
    pacemakerds: dict[int, int] = {}
    try:
        say(f"starting Pacemaker 2.1.5: corosync + pacemakerd on {NODES} namespaces, in {directory}")
        with sandbox.locked():
            for ns in [state.switch, *(state.namespace(k) for k in state.all_nodes())]:
                if netns.exists(ns):
                    raise RuntimeError(f"namespace {ns} exists already (left over?)")
            state.save()
            sandbox._write_corosync_files(state)
            for k in state.all_nodes():
                sandbox._start_corosync(state, k)
        for k in state.all_nodes():
            pacemakerds[k] = _start_pacemakerd(state, k)
        deadline = time.monotonic() + PACEMAKER_UP_TIMEOUT
        while not _crm_mon_ready(state.namespace(1)):
            for k, pid in pacemakerds.items():
                if not procs.alive(pid):
                    raise RuntimeError(f"pacemakerd of node{k} exited; see {state.node_dir(k)}/pacemaker/log/")
            if time.monotonic() >= deadline:
                raise RuntimeError(f"Pacemaker did not show {NODES} nodes online with a DC in {PACEMAKER_UP_TIMEOUT:g}s")
            time.sleep(1.0)
        subprocess.run(
            netns.exec_argv(
                state.namespace(1),
                [str(PCMK_SBIN / "crm_attribute"), "-t", "crm_config", "-n", "stonith-enabled", "-v", "false"],
            ),
            check=True, capture_output=True, timeout=60,
        )
        say(f"Pacemaker is up: crm_mon -1 in {state.namespace(1)} shows node1..node{NODES} online and a DC")
        yield System(
            "Pacemaker 2.1.5 corosync", "pacemaker",
            namespaces=[state.namespace(k) for k in state.all_nodes()],
            directory=sandbox.directory,
        )
    finally:
        say("stopping Pacemaker")
        with contextlib.suppress(Exception):
            everything = set()
            for k in state.all_nodes():
                everything |= set(netns.pids(state.namespace(k)))
            sandbox._record(everything)
            pids = [pid for k, pid in pacemakerds.items() if procs.alive(pid)]
            pids += [p for k in state.all_nodes() for p in _pacemakerd_pids(state.namespace(k)) if p not in pids]
            procs.terminate(pids)
            if not procs.wait_gone(pids, PACEMAKER_STOP_TIMEOUT):
                say("pacemakerd did not stop in time; killing what is left")
            corosyncs = {sandbox.corosync_pid(state, k) for k in state.all_nodes()}
            for k in state.all_nodes():
                ns = state.namespace(k)
                procs.kill_all(lambda ns=ns: set(netns.pids(ns)) - corosyncs - {os.getpid(), None})  # type: ignore[misc]
        with contextlib.suppress(Exception):
            sandbox.down(60.0)


# =====================================================================================
# Rounds
# =====================================================================================


@dataclass
class Row:
    system: str
    mode: str  # "api" or "cli"
    writers: int
    updates: int
    elapsed: float
    latencies: list[float]
    errors: list[str]
    samples: list[tuple[float, float]] = field(default_factory=list)  # (wall-clock start, latency s)
    daemon_cpu: float = 0.0  # CPU seconds of the 3 CIB daemons during the round
    corosync_cpu: float | None = None  # CPU seconds of the 3 corosyncs (None: embedded)
    stack_cpu: float = 0.0  # CPU seconds of every daemon of the 3 nodes (corosync aside)

    @property
    def daemon_ms(self) -> float:
        return self.daemon_cpu * 1000 / self.updates if self.updates else float("nan")

    @property
    def corosync_ms(self) -> float | None:
        return None if self.corosync_cpu is None or not self.updates else self.corosync_cpu * 1000 / self.updates

    @property
    def stack_ms(self) -> float:
        return self.stack_cpu * 1000 / self.updates if self.updates else float("nan")

    @property
    def rate(self) -> float:
        return self.updates / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def p50(self) -> float:
        return percentile(self.latencies, 50) * 1000

    @property
    def p99(self) -> float:
        return percentile(self.latencies, 99) * 1000

    def as_dict(self, raw: bool = False) -> dict[str, Any]:
        extra = {"samples": [(round(t, 4), round(x * 1000, 3)) for t, x in self.samples]} if raw else {}
        return extra | {
            "system": self.system, "mode": self.mode, "writers": self.writers, "updates": self.updates,
            "elapsed": round(self.elapsed, 3), "rate": round(self.rate, 2), "p50_ms": round(self.p50, 2),
            "p99_ms": round(self.p99, 2), "daemon_cpu_ms_per_update": round(self.daemon_ms, 3),
            "corosync_cpu_ms_per_update": None if self.corosync_ms is None else round(self.corosync_ms, 3),
            "stack_cpu_ms_per_update": round(self.stack_ms, 3), "mean_ms": round(statistics.fmean(self.latencies) * 1000, 2)
            if self.latencies else None, "errors": self.errors[:5],
        }


def _read_line(proc: subprocess.Popen[str], deadline: float) -> str:
    assert proc.stdout is not None
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise RuntimeError(f"writer {proc.pid} did not answer in time")
        ready, _, _ = select.select([proc.stdout], [], [], remaining)
        if ready:
            line = proc.stdout.readline()
            if not line:
                raise RuntimeError(f"writer {proc.pid} exited ({proc.wait()})")
            return line.strip()


def run_round(system: System, mode: str, writers: int, duration: float, tag: str) -> Row:
    """``writers`` writer processes (writer i on node i mod 3 + 1), all started together."""
    procs_: list[subprocess.Popen[str]] = []
    names = [f"bench-{tag}-w{i + 1}" for i in range(writers)]
    try:
        for i, name in enumerate(names):
            k = i % NODES + 1
            argv = [sys.executable, os.path.abspath(__file__), "_writer", "--system", system.kind,
                    "--mode", mode, "--name", name]
            if system.run_dirs:
                argv += ["--run-dir", str(system.run_dirs[k - 1])]
            procs_.append(
                subprocess.Popen(
                    system.wrap(k, argv), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=_clean_env(),
                )
            )
        deadline = time.monotonic() + READY_TIMEOUT
        for proc in procs_:
            line = _read_line(proc, deadline)
            if line != "ready":
                raise RuntimeError(f"writer of {system.label} failed: {line}")
        cib_pids, corosync_pids = system.daemon_pids()
        if len(cib_pids) != NODES:
            raise RuntimeError(f"{system.label}: found CIB daemons {cib_pids}, expected {NODES}")
        stack = system.stack_pids()
        cpu_before = cpu_seconds(cib_pids), cpu_seconds(corosync_pids), cpu_seconds(stack)
        for proc in procs_:
            assert proc.stdin is not None
            proc.stdin.write(f"go {duration}\n")
            proc.stdin.flush()
        results = []
        deadline = time.monotonic() + duration + 180
        for proc in procs_:
            results.append(json.loads(_read_line(proc, deadline)))
        cpu_after = cpu_seconds(cib_pids), cpu_seconds(corosync_pids), cpu_seconds(stack)
        for proc in procs_:
            proc.wait(timeout=60)
    finally:
        for proc in procs_:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    latencies = [x for r in results for x in r["latencies"]]
    errors = [e for r in results for e in r["errors"]]
    samples = [(t, x) for r in results for t, x in zip(r["starts"], r["latencies"], strict=True)]
    row = Row(system.label, mode, writers, len(latencies), max(r["elapsed"] for r in results), latencies, errors,
              sorted(samples), cpu_after[0] - cpu_before[0],
              cpu_after[1] - cpu_before[1] if corosync_pids else None, cpu_after[2] - cpu_before[2])
    check_values(system, {name: r["last"] for name, r in zip(names, results, strict=True)})
    return row


def check_values(system: System, expected: dict[str, str]) -> None:
    """Every node's CIB holds every writer's last acknowledged value (within 15 s)."""
    deadline = time.monotonic() + CONVERGE_TIMEOUT
    for k in range(1, NODES + 1):
        while True:
            root = system.read_cib(k)
            seen = {
                name: root.xpath("string(//cluster_property_set[@id=$n]/nvpair/@value)", n=name) for name in expected
            }
            wrong = {name: (seen[name], want) for name, want in expected.items() if seen[name] != want}
            if not wrong:
                break
            if time.monotonic() >= deadline:
                raise RuntimeError(f"{system.label}: node{k} does not hold the last acknowledged values: {wrong}")
            time.sleep(0.2)


# =====================================================================================
# Report
# =====================================================================================


def _ratio(value: float, base: float | None) -> str:
    if base is None or base <= 0 or value != value:
        return "n/a"
    return f"{value / base:.2f}x"


def report(rows: list[Row], header: str) -> str:
    lines = [header, ""]
    for mode, title in (("api", "Daemon level (persistent clients)"), ("cli", "Command level (one cibadmin per update)")):
        chosen = [r for r in rows if r.mode == mode]
        if not chosen:
            continue
        lines += [
            f"### {title}", "",
            "| system | writers | updates | updates/s | p50 ms | p99 ms | throughput vs Pacemaker | p99 vs Pacemaker "
            "| CIB daemons CPU ms/update | all daemons CPU ms/update | corosync CPU ms/update |",
            "|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for row in chosen:
            base = next((r for r in rows if r.mode == mode and r.writers == row.writers and r.system.startswith("Pacemaker")), None)
            lines.append(
                f"| {row.system} | {row.writers} | {row.updates} | {row.rate:.1f} | {row.p50:.1f} | {row.p99:.1f} "
                f"| {_ratio(row.rate, base.rate if base else None)} | {_ratio(row.p99, base.p99 if base else None)} "
                f"| {row.daemon_ms:.2f} | {row.stack_ms:.2f} | {'-' if row.corosync_ms is None else f'{row.corosync_ms:.2f}'} |"
            )
            if row.errors:
                lines.append(f"|   errors: {len(row.errors)} ({row.errors[0]}) | | | | | | | | | | |")
        lines.append("")
    return "\n".join(lines)


def parse_writers(text: str) -> list[int]:
    values = [int(x) for x in text.split(",") if x.strip()]
    if not values or any(v < 1 for v in values):
        raise argparse.ArgumentTypeError("writers per node: positive integers, e.g. 1,4")
    return values


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=8.0, help="seconds per daemon-level round (default %(default)s)")
    parser.add_argument("--writers", type=parse_writers, default=[1, 4],
                        help="writers per node, comma-separated (default 1,4: 3 and 12 writers)")
    parser.add_argument("--cli-duration", type=float, default=8.0, help="seconds per command-level round (default %(default)s)")
    parser.add_argument("--skip-cli", action="store_true", help="no command-level rounds")
    parser.add_argument("--skip-pacemaker", action="store_true", help="pacer only")
    parser.add_argument("--skip-corosync", action="store_true", help="embedded transport only (no root needed)")
    parser.add_argument("--skip-embedded", action="store_true", help="no pacer embedded rows")
    parser.add_argument("--token", type=int, default=1000, help="corosync token timeout, ms (default %(default)s)")
    parser.add_argument("--repeat", type=int, default=1, help="rounds per system and setting, interleaved (default 1)")
    parser.add_argument("--out", type=Path, help="also write the Markdown report (and FILE.json) there")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON after the table")
    parser.add_argument("--raw", action="store_true",
                        help="with --out: every update's (wall-clock start, latency ms) in FILE.json")
    return parser


def _writer_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bench_cib.py _writer")
    parser.add_argument("--system", choices=("pacer", "pacemaker"), required=True)
    parser.add_argument("--mode", choices=("api", "cli"), required=True)
    parser.add_argument("--name", required=True)
    parser.add_argument("--run-dir")
    return parser


def measure(systems: list[System], args: argparse.Namespace) -> list[Row]:
    rows: list[Row] = []
    plan: list[tuple[str, int, float]] = [("api", per_node * NODES, args.duration) for per_node in args.writers]
    if not args.skip_cli:
        plan.append(("cli", 1, args.cli_duration))
    for mode, writers, duration in plan:
        for repeat in range(args.repeat):
            for system in systems:  # interleaved: the systems share the same noise
                tag = f"{mode}{writers}"
                say(f"{system.label}: {mode}, {writers} writer(s), {duration:g}s (run {repeat + 1}/{args.repeat})")
                row = run_round(system, mode, writers, duration, tag)
                say(f"  {row.updates} updates, {row.rate:.1f}/s, p50 {row.p50:.1f} ms, p99 {row.p99:.1f} ms, "
                    f"CIB daemons {row.daemon_ms:.2f} ms CPU/update"
                    + (f", {len(row.errors)} errors" if row.errors else ""))
                rows.append(row)
    return _merge_repeats(rows)


def _merge_repeats(rows: list[Row]) -> list[Row]:
    merged: dict[tuple[str, str, int], Row] = {}
    for row in rows:
        key = (row.system, row.mode, row.writers)
        if key in merged:
            old = merged[key]
            merged[key] = Row(row.system, row.mode, row.writers, old.updates + row.updates,
                              old.elapsed + row.elapsed, old.latencies + row.latencies, old.errors + row.errors,
                              old.samples + row.samples, old.daemon_cpu + row.daemon_cpu,
                              None if row.corosync_cpu is None or old.corosync_cpu is None
                              else old.corosync_cpu + row.corosync_cpu, old.stack_cpu + row.stack_cpu)
        else:
            merged[key] = row
    return list(merged.values())


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "_writer":
        return writer_main(_writer_parser().parse_args(argv[1:]))
    args = build_parser().parse_args(argv)
    if args.skip_corosync:
        args.skip_pacemaker = True
    elif os.geteuid() != 0:
        say("Corosync and Pacemaker need root: use --skip-corosync for the embedded transport only")
        return 4
    base = Path(tempfile.mkdtemp(prefix="bcib-", dir="/tmp"))  # short: unix socket paths
    started = time.time()
    rows: list[Row] = []
    interrupted = False

    def on_term(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    try:
        with contextlib.ExitStack() as stack:
            systems = []
            if not args.skip_embedded or args.skip_corosync:
                systems.append(stack.enter_context(pacer_cluster(base / "emb", "embedded", None)))
            if not args.skip_corosync:
                systems.append(stack.enter_context(pacer_cluster(base / "cs", "corosync", args.token)))
            if not args.skip_pacemaker:
                systems.append(stack.enter_context(pacemaker_cluster(base / "pm", args.token)))
            rows = measure(systems, args)
    except KeyboardInterrupt:
        interrupted = True
        say("interrupted; everything started was stopped")
    except Exception as err:
        say(f"failed: {type(err).__name__}: {err}")
        say(f"logs kept in {base}")
        return 1
    if interrupted:
        return 130
    header = (
        f"## CIB updates, {NODES} nodes, token {args.token} ms "
        f"({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(started))}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f}; run took {time.time() - started:.0f}s)"
    )
    text = report(rows, header)
    print(text)
    if args.json:
        print(json.dumps([r.as_dict() for r in rows], indent=2))
    if args.out:
        args.out.write_text(text + "\n")
        data = [r.as_dict(args.raw) for r in rows]
        args.out.with_suffix(args.out.suffix + ".json").write_text(json.dumps(data, indent=1) + "\n")
    shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    sys.exit(main())
