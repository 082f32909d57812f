"""Fault campaign: randomized rounds of faults on a live ``pacer-sandbox`` cluster, with
the cluster's invariants checked during and after every round.

    python tools/fault_campaign.py [--rounds 20] [--nodes 3] [--transport embedded|corosync]
                                   [--seed S] [--fencing auto|on|off] [--bound 30] [--keep]
                                   [--pace normal|fast] [--dir DIR] [--json FILE]

The cluster: ``pacer-sandbox up N`` with ``ocf:pacer:Dummy`` resources, all with a 2 s
monitor: two sticky primitives (``d1``, ``d2``), a sticky group ``g1`` of two (``ga``,
``gb``) and a clone ``cl`` (of ``c``).  With fencing (``--fencing on``, or ``auto`` when the
fencer and ``agents/fence_pacer_sandbox`` exist), a ``fence_pacer_sandbox`` device ``fence1``
and ``stonith-enabled=true``; else ``stonith-enabled=false``.

A round applies one to three faults, chosen with the round's own seed (round ``i`` of
``--seed S`` uses seed ``S + i - 1``: ``--seed R --rounds 1`` replays the faults of a round
whose seed is R), holds them for a few seconds (``--pace fast``: one to 2.5 seconds, with
hangs of 3 s against monitor timeouts of 2 s, which is how the test suite runs 200 rounds), undoes them (heal, restart the killed nodes,
restore the agents' parameters, ``crm_resource --cleanup``), then waits for the cluster to
settle.  The faults:

* ``node_kill``: SIGKILL every process of a node (``pacer-sandbox kill``), ``start`` it later;
* ``daemon_kill``: SIGKILL one daemon of a node (based, fenced, lrmd, attrd or controld;
  pacerd respawns it);
* ``partition``: ``pacer-sandbox partition`` a minority away, ``heal`` later;
* ``agent_fail``: a Dummy's monitor fails: its state file is removed on its holder, or its
  ``fail_monitor`` parameter is set to true (and removed later);
* ``agent_hang``: a Dummy's ``op_sleep`` is set beyond its monitor timeout (removed later);
* ``cib_storm``: concurrent ``crm_attribute``/``cibadmin`` writes from several nodes.

Invariants (a round fails when one breaks):

* **one copy**: no non-clone primitive has an agent state file
  (``D/nodeK/state/rsctmp/Dummy-<rsc>.state``) on two nodes that are both up, sampled
  every ~100 ms during the whole round (a killed node's files go with it);
* **back**: within ``--bound`` seconds after the faults end, every node is up with all its
  daemons and sees every node, every primitive runs on exactly one node and the clone on
  every node (the status of the CIB), and the agents' state files agree with the status;
* **same CIB**: the configuration section (``cibadmin -Q -o configuration`` through
  ``pacer-sandbox run``) is identical on every node;
* **no crash**: no ``Traceback`` or ``internal error`` in ``D/nodeK/state/log/*.log`` since
  the round began, no daemon death in pacerd's log that the round did not cause, and pacerd
  running on every node.

Prints one line per round, then the failing rounds with their seed and what broke, then
``N passed, M failed``; exits 1 if an invariant broke, 2 on bad usage, 3 if the cluster
could not be set up, 130 on Ctrl-C.  The sandbox is taken down at the end (``--keep``
leaves it up), also on failure or Ctrl-C; its directory (logs) is removed only when every
round passed and ``--dir`` was not given.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
AGENTS = ROOT / "agents"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from lxml import etree  # noqa: E402

from pengine.unpack.history import is_active  # noqa: E402

DAEMONS = {  # name -> the module pacerd runs (``python -m MODULE --run-dir D/nodeK/run``)
    "based": "crm.based",
    "fenced": "crm.fenced",
    "lrmd": "lrmd",
    "attrd": "crm.attrd",
    "controld": "crm.controld",
}
FAULTS = ("node_kill", "daemon_kill", "partition", "agent_fail", "agent_hang", "cib_storm")
PRIMITIVES = ("d1", "d2", "ga", "gb")  # non-clone Dummies
CLONE, CLONE_PRIMITIVE = "cl", "c"
DUMMIES = (*PRIMITIVES, CLONE_PRIMITIVE)
FENCE = "fence1"
OP_TIMEOUT = 30  # start and stop
SAMPLE_INTERVAL = 0.1
CRASH_PATTERN = re.compile(r"Traceback \(most recent call last\)|internal error", re.IGNORECASE)
DEATH_PATTERN = re.compile(r"\b(based|fenced|lrmd|attrd|controld) (killed by signal (\d+)|exited with code (\d+))")
GAVE_UP_PATTERN = re.compile(r"pacerd exits with code|giving up")


@dataclass(frozen=True)
class Pace:
    """How long a round holds its faults, and how an agent hangs."""

    gap: float  # at most this long between two faults of a round
    hold: tuple[float, float]  # the faults are held for a time drawn from this range
    monitor_timeout: int  # s, of every Dummy's monitor
    hang_sleep: int  # s, an agent_hang's op_sleep: longer than the monitor timeout
    storm_writes: int  # by each writer of a cib_storm

    @property
    def hang_hold(self) -> float:
        """A hang is held long enough for a slow stop, a slow start and a monitor timeout."""
        return 2 * self.hang_sleep + self.monitor_timeout + 3.0


PACES = {
    "normal": Pace(gap=1.5, hold=(3.0, 7.0), monitor_timeout=5, hang_sleep=7, storm_writes=10),
    # the same faults with shorter holds: enough for a 2 s monitor to notice, and for
    # 200 rounds to fit in a test run
    "fast": Pace(gap=0.5, hold=(1.0, 2.5), monitor_timeout=2, hang_sleep=3, storm_writes=5),
}


def say(message: str) -> None:
    print(f"fault_campaign: {message}", file=sys.stderr, flush=True)


# =====================================================================================
# The configuration
# =====================================================================================


def _dummy(rsc: str, pace: Pace, sticky: bool = True) -> str:
    meta = (f'<meta_attributes id="{rsc}-m"><nvpair id="{rsc}-s" name="resource-stickiness" value="100"/>'
            "</meta_attributes>") if sticky else ""
    return (
        f'<primitive id="{rsc}" class="ocf" provider="pacer" type="Dummy">{meta}<operations>'
        f'<op id="{rsc}-mon" name="monitor" interval="2s" timeout="{pace.monitor_timeout}s"/>'
        f'<op id="{rsc}-start" name="start" interval="0" timeout="{OP_TIMEOUT}s"/>'
        f'<op id="{rsc}-stop" name="stop" interval="0" timeout="{OP_TIMEOUT}s"/>'
        "</operations></primitive>"
    )


def resources_xml(sandbox_dir: Path | None, pace: Pace = PACES["normal"]) -> str:
    """The resources section; with ``sandbox_dir``, a fence device for that sandbox."""
    fence = ""
    if sandbox_dir is not None:
        fence = (
            f'<primitive id="{FENCE}" class="stonith" type="fence_pacer_sandbox">'
            f'<instance_attributes id="{FENCE}-ia">'
            f'<nvpair id="{FENCE}-dir" name="sandbox_dir" value="{sandbox_dir}"/>'
            f'<nvpair id="{FENCE}-cmd" name="sandbox_command" value="{BIN / "pacer-sandbox"}"/>'
            f'</instance_attributes><operations><op id="{FENCE}-mon" name="monitor" interval="10s"/>'
            "</operations></primitive>"
        )
    return (
        "<resources>" + _dummy("d1", pace) + _dummy("d2", pace)
        + '<group id="g1"><meta_attributes id="g1-m"><nvpair id="g1-s" name="resource-stickiness" value="100"/>'
        + "</meta_attributes>" + _dummy("ga", pace, sticky=False) + _dummy("gb", pace, sticky=False) + "</group>"
        + f'<clone id="{CLONE}">' + _dummy(CLONE_PRIMITIVE, pace, sticky=False) + "</clone>"
        + fence + "</resources>"
    )  # fmt: skip


# =====================================================================================
# Invariant checks (pure functions: unit-tested on synthetic inputs)
# =====================================================================================


def state_file_resource(name: str) -> str | None:
    """``Dummy-d1.state`` -> ``d1``; ``Dummy-c:2.state`` -> ``c``; anything else -> None."""
    if not (name.startswith("Dummy-") and name.endswith(".state")):
        return None
    return name[len("Dummy-"):-len(".state")].split(":")[0] or None


def dual_active(files: Mapping[int, Iterable[str]], up: Iterable[int], clones: Iterable[str] = (CLONE_PRIMITIVE,)) -> dict[str, list[int]]:
    """Non-clone primitives with a state file on two or more up nodes: ``{rsc: [nodes]}``.

    ``files``: node -> the file names in its rsctmp; ``up``: the nodes that are up."""
    skip, alive = set(clones), set(up)
    holders: dict[str, set[int]] = {}
    for node, names in files.items():
        if node not in alive:
            continue
        for name in names:
            rsc = state_file_resource(name)
            if rsc is not None and rsc not in skip:
                holders.setdefault(rsc, set()).add(node)
    return {rsc: sorted(nodes) for rsc, nodes in sorted(holders.items()) if len(nodes) > 1}


def config_differences(configs: Mapping[int, str | None]) -> list[str]:
    """Problems with the configuration sections read from each node (None: not readable)."""
    problems = [f"node{k}: configuration not readable" for k, text in sorted(configs.items()) if text is None]
    texts = {k: _canonical(text) for k, text in configs.items() if text is not None}
    if len(set(texts.values())) > 1:
        groups: dict[str, list[int]] = {}
        for k, text in sorted(texts.items()):
            groups.setdefault(text, []).append(k)
        problems.append("configuration differs: " + " vs ".join(
            "+".join(f"node{k}" for k in nodes) + f" (digest {abs(hash(text)) % 10**8:08d})" for text, nodes in groups.items()
        ))  # fmt: skip
    return problems


def _canonical(text: str) -> str:
    try:
        parser = etree.XMLParser(remove_blank_text=True)
        return etree.tostring(etree.fromstring(text.encode(), parser), method="c14n").decode()
    except etree.XMLSyntaxError:
        return text.strip()


def log_problems(new_text: Mapping[str, str], caused: Iterable[str] = ()) -> list[str]:
    """Crashes in the log text written during a round.

    ``new_text``: ``"nodeK/name.log"`` -> what was appended; ``caused``: ``"nodeK/daemon"``
    for each daemon the round killed itself (its death by SIGKILL is no crash), and
    ``"nodeK/daemon!exit"`` for one expected to exit (code 1) because of that."""
    expected = set(caused)
    problems: list[str] = []
    for label, text in sorted(new_text.items()):
        node = label.split("/")[0]
        lines = text.splitlines()
        for i, line in enumerate(lines):
            if CRASH_PATTERN.search(line):
                context = " | ".join(x.strip() for x in lines[i:i + 12] if x.strip())
                problems.append(f"{label}: {context[:1500]}")
                break  # one per file is enough
        if label.endswith("/pacerd.log"):
            for line in lines:
                match = DEATH_PATTERN.search(line)
                if match and "while the node was stopping" not in line:
                    daemon, signum, code = match.group(1), match.group(3), match.group(4)
                    if signum == "9" and f"{node}/{daemon}" in expected:
                        continue
                    if code == "1" and f"{node}/{daemon}!exit" in expected:
                        continue
                    problems.append(f"{label}: {line.strip()}")
                elif GAVE_UP_PATTERN.search(line):
                    problems.append(f"{label}: {line.strip()}")
    return problems




def running_nodes(root: etree._Element) -> dict[str, list[str]]:
    """Resource id (clone instances under their primitive's id) -> online nodes where the
    status says it runs (a node counts once per instance)."""
    online = set()
    for state in root.iter("node_state"):
        if state.get("in_ccm") not in (None, "false", "0") and state.get("crmd") in ("online", "true"):
            online.add(state.get("uname") or _uname(root, state.get("id")))
    found: dict[str, list[str]] = {}
    for state in root.iter("node_state"):
        name = state.get("uname") or _uname(root, state.get("id"))
        if name not in online:
            continue
        for lrm in state.iterfind("lrm/lrm_resources/lrm_resource"):
            if is_active(lrm.iterfind("lrm_rsc_op")):  # the scheduler's reading of the history
                found.setdefault(lrm.get("id", "").split(":")[0], []).append(name)
    return {rsc: sorted(nodes) for rsc, nodes in found.items()}


def _uname(root: etree._Element, node_id: str | None) -> str:
    node = root.find(f"configuration/nodes/node[@id='{node_id}']")
    return node.get("uname", "") if node is not None else f"node{node_id}"


def placement_problems(running: Mapping[str, list[str]], files: Mapping[int, Iterable[str]], nodes: int,
                       fencing: bool) -> list[str]:
    """Every primitive on exactly one node, the clone on every node, the fence device on one
    node, and the agents' state files where the status says the Dummies run."""
    problems = []
    everyone = [f"node{k}" for k in range(1, nodes + 1)]
    for rsc in PRIMITIVES + ((FENCE,) if fencing else ()):
        where = running.get(rsc, [])
        if len(where) != 1:
            problems.append(f"{rsc} runs on {where or 'no node'} (status), expected one node")
    where = running.get(CLONE_PRIMITIVE, [])
    if sorted(where) != everyone:
        problems.append(f"clone {CLONE} runs on {where or 'no node'} (status), expected {everyone}")
    on_disk: dict[str, list[str]] = {}
    for k, names in files.items():
        for name in names:
            owner = state_file_resource(name)
            if owner is not None:
                on_disk.setdefault(owner, []).append(f"node{k}")
    for rsc in DUMMIES:
        status, disk = sorted(running.get(rsc, [])), sorted(on_disk.get(rsc, []))
        if status != disk:
            problems.append(f"{rsc}: state files on {disk or 'no node'} but the status says {status or 'no node'}")
    return problems


# =====================================================================================
# The cluster
# =====================================================================================


def environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("CIB_file", "CIB_shadow")}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env.setdefault("PACER_STONITH_DIR", str(AGENTS))  # where the lrmd finds fence_pacer_sandbox
    return env


class Cluster:
    def __init__(self, directory: Path, nodes: int, transport: str) -> None:
        self.directory = directory
        self.nodes = nodes
        self.transport = transport
        self.env = environment()
        self.all = list(range(1, nodes + 1))

    # -- commands ------------------------------------------------------------------------
    def sandbox(self, *args: str, timeout: float = 180, check: bool = True) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run([str(BIN / "pacer-sandbox"), *args[:1], "--dir", str(self.directory), *args[1:]],
                              capture_output=True, text=True, env=self.env, timeout=timeout, check=False)
        if check and proc.returncode != 0:
            raise RuntimeError(f"pacer-sandbox {' '.join(args)} exited {proc.returncode}: {(proc.stderr or proc.stdout).strip()[-2000:]}")
        return proc

    def run(self, k: int, *argv: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        for attempt in range(5):
            try:
                proc = self.sandbox("run", str(k), "--", *argv, timeout=timeout, check=False)
            except subprocess.TimeoutExpired:
                return subprocess.CompletedProcess(list(argv), 124, "", f"timed out after {timeout:g}s")
            # a console script briefly missing while the package is being reinstalled
            if not (proc.returncode == 2 and "can't open file" in proc.stderr) or attempt == 4:
                return proc
            time.sleep(1.0)
        raise AssertionError("not reached")

    def cli(self, k: int, *argv: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        """One of pacer's commands as a client of node k, without ``pacer-sandbox run``'s own
        start-up (the daemons' sockets are files: no namespace is needed to reach them)."""
        env = {**self.env, "PACER_RUN_DIR": str(self.run_dir(k))}
        for attempt in range(5):
            try:
                proc = subprocess.run([str(BIN / argv[0]), *argv[1:]], capture_output=True, text=True, env=env,
                                      timeout=timeout, check=False)
            except subprocess.TimeoutExpired:
                return subprocess.CompletedProcess(list(argv), 124, "", f"timed out after {timeout:g}s")
            except FileNotFoundError:  # a console script briefly missing while the package is reinstalled
                proc = subprocess.CompletedProcess(list(argv), 127, "", f"{argv[0]}: not found")
            if proc.returncode != 127 or attempt == 4:
                return proc
            time.sleep(1.0)
        raise AssertionError("not reached")

    # -- processes and files -------------------------------------------------------------
    def run_dir(self, k: int) -> Path:
        return self.directory / f"node{k}" / "run"

    def rsctmp(self, k: int) -> Path:
        return self.directory / f"node{k}" / "state" / "rsctmp"

    def log_dir(self, k: int) -> Path:
        return self.directory / f"node{k}" / "state" / "log"

    def pacerd_up(self, k: int) -> bool:
        try:
            pid = int((self.run_dir(k) / "pacerd.pid").read_text().strip())
        except (OSError, ValueError):
            return False
        return _alive(pid) and f"--run-dir {self.run_dir(k)}" in _cmdline(pid) and "crm.pacerd" in _cmdline(pid)

    def daemon_pids(self) -> dict[tuple[int, str], int]:
        """(node, daemon) -> pid, from /proc."""
        wanted = {f"-m {module} --run-dir {self.run_dir(k)}": (k, name)
                  for k in self.all for name, module in DAEMONS.items()}
        found = {}
        for entry in os.scandir("/proc"):
            if entry.name.isdigit():
                cmd = _cmdline(int(entry.name))
                for needle, key in wanted.items():
                    if cmd.endswith(needle) and _alive(int(entry.name)):
                        found[key] = int(entry.name)
        return found

    def state_files(self, k: int) -> list[str]:
        try:
            return sorted(os.listdir(self.rsctmp(k)))
        except OSError:
            return []

    # -- reads through the nodes' CIB daemons ---------------------------------------------
    def cib(self, k: int, timeout: float = 5.0) -> etree._Element | None:
        from crm.cib.live import LiveCibSource

        try:
            with LiveCibSource(self.run_dir(k)).client(timeout) as client:
                return etree.fromstring(str(client.call({"op": "query"})["cib"]).encode())
        except Exception:
            return None

    def members(self, k: int) -> list[str] | None:
        from crm.cib.live import LiveCibSource

        try:
            with LiveCibSource(self.run_dir(k)).client(3.0) as client:
                reply = client.call({"op": "membership"})
        except Exception:
            return None
        return sorted(str(m.get("name") or f"node{m.get('nodeid')}") for m in reply.get("members", []))

    def configuration(self, k: int) -> str | None:
        """Node k's configuration section, as its CIB daemon answers ``cibadmin -Q -o
        configuration`` (read in-process: a round reads it on every node)."""
        root = self.cib(k)
        section = root.find("configuration") if root is not None else None
        return etree.tostring(section, encoding="unicode") if section is not None else None

    def up(self) -> list[int]:
        return [k for k in self.all if self.pacerd_up(k)]


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def _alive(pid: int) -> bool:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return raw[raw.rfind(")") + 2:][:1] not in ("Z", "X")


# =====================================================================================
# Sampling during a round: never two active copies
# =====================================================================================


class Sampler:
    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.violations: list[tuple[float, str, list[int]]] = []
        self.samples = 0
        self.started = time.monotonic()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)

    def sample(self) -> None:
        c = self.cluster
        before = {k for k in c.all if c.pacerd_up(k)}
        files = {k: c.state_files(k) for k in before}
        after = {k for k in before if c.pacerd_up(k)}  # up before and after the listing
        self.samples += 1
        for rsc, nodes in dual_active(files, after).items():
            self.violations.append((time.monotonic() - self.started, rsc, nodes))

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(SAMPLE_INTERVAL)

    def summary(self) -> str | None:
        if not self.violations:
            return None
        first = self.violations[0]
        spans: dict[str, set[str]] = {}
        for _, rsc, nodes in self.violations:
            spans.setdefault(rsc, set()).add("+".join(f"node{k}" for k in nodes))
        return (f"two active copies in {len(self.violations)} of {self.samples} samples, first at +{first[0]:.1f}s "
                f"({first[1]} on {' and '.join(f'node{k}' for k in first[2])}); "
                + "; ".join(f"{rsc} on {', '.join(sorted(v))}" for rsc, v in spans.items()))


# =====================================================================================
# Faults
# =====================================================================================


@dataclass
class Fault:
    kind: str
    detail: str = ""
    node: int | None = None
    nodes: list[int] = field(default_factory=list)
    rsc: str | None = None
    method: str | None = None
    daemon: str | None = None


def plan_round(rng: random.Random, nodes: int) -> list[Fault]:
    """One to three distinct faults with their targets (a pure function of the seed)."""
    count = rng.choice((1, 1, 2, 2, 2, 3))
    kinds = rng.sample(FAULTS, count)
    minority = max(1, (nodes - 1) // 2)
    faults = []
    for kind in kinds:
        if kind == "node_kill":
            victims = sorted(rng.sample(range(1, nodes + 1), rng.randint(1, minority)))
            faults.append(Fault(kind, nodes=victims, detail="kill " + ",".join(f"node{k}" for k in victims)))
        elif kind == "daemon_kill":
            k, daemon = rng.randint(1, nodes), rng.choice(sorted(DAEMONS))
            faults.append(Fault(kind, node=k, daemon=daemon, detail=f"kill {daemon} of node{k}"))
        elif kind == "partition":
            cut = sorted(rng.sample(range(1, nodes + 1), rng.randint(1, minority)))
            faults.append(Fault(kind, nodes=cut, detail="cut " + ",".join(f"node{k}" for k in cut)))
        elif kind == "agent_fail":
            rsc, method = rng.choice(DUMMIES), rng.choice(("remove_state", "fail_monitor"))
            faults.append(Fault(kind, rsc=rsc, method=method, detail=f"{rsc} {method}"))
        elif kind == "agent_hang":
            rsc = rng.choice(DUMMIES)
            faults.append(Fault(kind, rsc=rsc, detail=f"{rsc} op_sleep"))
        else:
            writers = rng.randint(2, min(nodes, 4))
            faults.append(Fault(kind, nodes=sorted(rng.sample(range(1, nodes + 1), writers)),
                                detail=f"{writers} writers"))
    return faults


@dataclass
class RoundResult:
    number: int
    seed: int
    faults: list[str]
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0
    settle_seconds: float | None = None
    storm: str = ""
    started: str = ""  # wall clock, to find the round in the logs
    samples: int = 0  # of the agents' state files, during the round
    phases: dict[str, float] = field(default_factory=dict)  # seconds spent applying, holding, undoing

    @property
    def passed(self) -> bool:
        return not self.problems


class Round:
    def __init__(self, campaign: Campaign, number: int, seed: int) -> None:
        self.campaign = campaign
        self.c = campaign.cluster
        self.number = number
        self.seed = seed
        self.rng = random.Random(seed)
        self.faults = plan_round(self.rng, self.c.nodes)
        self.killed: set[int] = set()
        self.caused: set[str] = set()
        self.params: list[tuple[str, str]] = []  # (rsc, param) set by the round
        self.cleanup: set[str] = set()
        self.storm_threads: list[threading.Thread] = []
        self.storm_stats = {"ok": 0, "failed": 0}
        self.storm_errors: set[str] = set()  # a delete of an absent constraint, a create of a present one: expected
        self.partitioned = False
        self.notes: list[str] = []

    def any_node(self) -> int:
        """A node that is up, not cut away, not killed: where to run commands."""
        cut = {k for f in self.faults if f.kind == "partition" and self.partitioned for k in f.nodes}
        for k in self.c.all:
            if k not in self.killed and k not in cut and self.c.pacerd_up(k):
                return k
        for k in self.c.all:
            if self.c.pacerd_up(k):
                return k
        return 1

    # -- applying and undoing faults ------------------------------------------------------
    def apply(self, fault: Fault) -> None:
        c = self.c
        if fault.kind == "node_kill":
            for k in fault.nodes:
                c.sandbox("kill", str(k))
                self.killed.add(k)
        elif fault.kind == "daemon_kill":
            assert fault.node is not None and fault.daemon is not None
            pid = c.daemon_pids().get((fault.node, fault.daemon))
            if pid is None:
                fault.detail += " (not running)"
                return
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            self.caused.add(f"node{fault.node}/{fault.daemon}")
            if fault.daemon in ("based", "lrmd"):
                # the controller cannot work without its CIB daemon or its lrmd: it exits
                # and pacerd starts it again (as Pacemaker's controller does)
                self.caused.add(f"node{fault.node}/controld!exit")
        elif fault.kind == "partition":
            rest = [k for k in c.all if k not in fault.nodes]
            c.sandbox("partition", ",".join(map(str, rest)), ",".join(map(str, fault.nodes)))
            self.partitioned = True
        elif fault.kind == "agent_fail":
            assert fault.rsc is not None
            if fault.method == "remove_state":
                removed = []
                for k in c.all:
                    for name in c.state_files(k):
                        if state_file_resource(name) == fault.rsc:
                            with contextlib.suppress(OSError):
                                (c.rsctmp(k) / name).unlink()
                                removed.append(f"node{k}")
                fault.detail += f" on {','.join(removed) or 'no node'}"
                if fault.rsc == CLONE_PRIMITIVE and len(removed) > 1:
                    pass
            else:
                self._set_param(fault.rsc, "fail_monitor", "true")
            self.cleanup.add(fault.rsc)
        elif fault.kind == "agent_hang":
            assert fault.rsc is not None
            self._set_param(fault.rsc, "op_sleep", str(self.campaign.pace.hang_sleep))
            fault.detail = f"{fault.rsc} op_sleep={self.campaign.pace.hang_sleep}"
            self.cleanup.add(fault.rsc)
        elif fault.kind == "cib_storm":
            for i, k in enumerate(fault.nodes):
                thread = threading.Thread(target=self._storm, args=(k, i), daemon=True)
                thread.start()
                self.storm_threads.append(thread)

    def _set_param(self, rsc: str, name: str, value: str) -> None:
        target = CLONE if rsc == CLONE_PRIMITIVE else rsc
        proc = self.c.cli(self.any_node(), "crm_resource", "-r", target, "--set-parameter", name,
                          "--parameter-value", value)
        if proc.returncode != 0:
            self.notes.append(f"crm_resource --set-parameter {name} on {rsc} exited {proc.returncode}: {proc.stderr.strip()[:300]}")
        self.params.append((target, name))

    def _storm(self, k: int, writer: int) -> None:
        rng = random.Random(f"{self.seed}:{writer}")
        for i in range(self.campaign.pace.storm_writes):
            choice = rng.randrange(4)
            value = f"r{self.number}w{writer}i{i}"
            if choice == 0:
                argv = ["crm_attribute", "-t", "crm_config", "-n", f"fc-storm-{rng.randrange(5)}", "-v", value]
            elif choice == 1:
                argv = ["crm_attribute", "-t", "nodes", "-N", f"node{rng.randint(1, self.c.nodes)}", "-n", "fc-mark", "-v", value]
            elif choice == 2:
                argv = ["crm_attribute", "-t", "nodes", "-N", f"node{k}", "-l", "reboot", "-n", "fc-transient", "-v", value]
            else:
                cid = f"fc-storm-loc-{writer}"
                if rng.random() < 0.5:
                    argv = ["cibadmin", "-C", "-o", "constraints", "-X",
                            f'<rsc_location id="{cid}" rsc="d1" node="node{rng.randint(1, self.c.nodes)}" score="0"/>']
                else:
                    argv = ["cibadmin", "-D", "-o", "constraints", "-X", f'<rsc_location id="{cid}"/>']
            proc = self.c.cli(k, *argv, timeout=60)
            self.storm_stats["ok" if proc.returncode == 0 else "failed"] += 1
            if proc.returncode != 0:
                reason = (proc.stderr.strip().splitlines() or [""])[-1][:160]
                self.storm_errors.add(f"{argv[0]} {argv[1]} exited {proc.returncode}: {reason}")

    def undo(self) -> None:
        c = self.c
        for thread in self.storm_threads:
            thread.join(120)
        if self.partitioned:
            c.sandbox("heal")
            self.partitioned = False
        # --no-wait: ``start`` holds the sandbox's lock while it waits for the join, and a
        # fence_pacer_sandbox of that node (which cuts its link, then ``pacer-sandbox kill``s it)
        # would wait for the lock meanwhile; settling waits for the join instead
        for k in sorted(self.killed):
            c.sandbox("start", str(k), "--no-wait", check=False)
        # nodes fenced (or stopped) during the round come back too
        for k in c.all:
            if not c.pacerd_up(k) and k not in self.killed:
                self.notes.append(f"node{k} was down at the end of the faults; started it")
                c.sandbox("start", str(k), "--no-wait", check=False)
        for target, name in self.params:
            proc = c.cli(self.any_node(), "crm_resource", "-r", target, "--delete-parameter", name)
            if proc.returncode != 0:
                self.notes.append(f"--delete-parameter {name} of {target} exited {proc.returncode}: {proc.stderr.strip()[:300]}")
        for rsc in sorted(self.cleanup):
            target = CLONE if rsc == CLONE_PRIMITIVE else rsc
            proc = c.cli(self.any_node(), "crm_resource", "--cleanup", "-r", target)
            if proc.returncode != 0:
                # crm_resource --cleanup may not work live yet: clear the fail counts instead
                self.notes.append(f"crm_resource --cleanup exited {proc.returncode}; used crm_failcount -D")
                for k in c.all:
                    c.cli(self.any_node(), "crm_failcount", "-D", "-r", rsc, "-N", f"node{k}")

    # -- the round ----------------------------------------------------------------------
    def execute(self) -> RoundResult:
        c = self.c
        pace = self.campaign.pace
        result = RoundResult(self.number, self.seed, [f"{f.kind}({f.detail})" for f in self.faults],
                             started=time.strftime("%H:%M:%S"))
        began = time.monotonic()
        offsets = log_offsets(c)
        with Sampler(c) as sampler:
            try:
                for fault in self.faults:
                    self.apply(fault)
                    time.sleep(self.rng.uniform(0.0, pace.gap))
                result.phases["apply"] = round(time.monotonic() - began, 1)
                result.faults = [f"{f.kind}({f.detail})" for f in self.faults]
                hold = self.rng.uniform(*pace.hold)
                if any(f.kind == "agent_hang" for f in self.faults):
                    # the parameter change restarts it (a slow stop, a slow start), then a
                    # monitor times out
                    hold = max(hold, pace.hang_hold)
                result.phases["hold"] = round(hold, 1)
                time.sleep(hold)
            finally:
                undo_began = time.monotonic()
                self.undo()
            faults_end = time.monotonic()
            result.phases["undo"] = round(faults_end - undo_began, 1)
            settled, problems = settle(self.campaign, faults_end + self.campaign.bound)
            result.settle_seconds = round(time.monotonic() - faults_end, 1) if settled else None
        result.problems += problems
        result.samples = sampler.samples
        dual = sampler.summary()
        if dual:
            result.problems.insert(0, "one copy: " + dual)
        result.problems += ["no crash: " + p for p in log_problems(read_new_logs(c, offsets), self.caused)]
        result.seconds = round(time.monotonic() - began, 1)
        result.storm = (f"{self.storm_stats['ok']} writes ok, {self.storm_stats['failed']} failed"
                        + (f" ({'; '.join(sorted(self.storm_errors)[:4])})" if self.storm_errors else "")
                        if self.storm_threads else "")
        if self.notes:
            result.storm = "; ".join(filter(None, [result.storm, *dict.fromkeys(self.notes)]))
        return result


def log_offsets(c: Cluster) -> dict[Path, int]:
    offsets = {}
    for k in c.all:
        for path in c.log_dir(k).glob("*.log"):
            with contextlib.suppress(OSError):
                offsets[path] = path.stat().st_size
    return offsets


def read_new_logs(c: Cluster, offsets: Mapping[Path, int]) -> dict[str, str]:
    texts = {}
    for k in c.all:
        for path in sorted(c.log_dir(k).glob("*.log")):
            start = offsets.get(path, 0)
            try:
                with open(path, "rb") as f:
                    if f.seek(0, 2) < start:
                        start = 0
                    f.seek(start)
                    texts[f"node{k}/{path.name}"] = f.read().decode(errors="replace")
            except OSError:
                continue
    return texts


def cluster_problems(campaign: Campaign) -> list[str]:
    """What keeps the cluster from being settled now (in-process reads)."""
    c = campaign.cluster
    problems = []
    down = [k for k in c.all if not c.pacerd_up(k)]
    if down:
        return [f"pacerd not running on {', '.join(f'node{k}' for k in down)}"]
    pids = c.daemon_pids()
    missing = [f"{d} of node{k}" for k in c.all for d in DAEMONS if (k, d) not in pids]
    if missing:
        problems.append("daemons not running: " + ", ".join(missing))
    everyone = [f"node{k}" for k in c.all]
    for k in c.all:
        seen = c.members(k)
        if seen != everyone:
            problems.append(f"node{k} sees {seen if seen is not None else '(no answer)'}")
    if problems:
        return problems
    root = c.cib(c.all[0])
    if root is None:
        return ["node1's CIB does not answer"]
    if root.get("have-quorum") not in ("1", "true"):
        problems.append(f"have-quorum={root.get('have-quorum')!r} in the CIB although every node sees all")
    pending = [op.get("id") for op in root.iter("lrm_rsc_op") if op.get("op-status") == "-1"]
    running = running_nodes(root)
    files = {k: c.state_files(k) for k in c.all}
    problems += placement_problems(running, files, c.nodes, campaign.fencing)
    if pending and problems:
        problems.append(f"pending operations: {', '.join(sorted(set(filter(None, pending))))[:300]}")
    return problems


def settle(campaign: Campaign, deadline: float) -> tuple[bool, list[str]]:
    """Wait until the cluster is settled and the CIBs agree; False and what is still wrong
    after ``deadline``."""
    c = campaign.cluster
    while True:
        problems = cluster_problems(campaign)
        if not problems:
            configs = {k: c.configuration(k) for k in c.all}
            problems = ["same CIB: " + p for p in config_differences(configs)]
            if not problems:
                return True, []
        if time.monotonic() >= deadline:
            return False, [p if p.startswith("same CIB") else "back: " + p for p in problems]
        time.sleep(0.5)


# =====================================================================================
# The campaign
# =====================================================================================


class Campaign:
    def __init__(self, args: argparse.Namespace, directory: Path) -> None:
        self.args = args
        self.cluster = Cluster(directory, args.nodes, args.transport)
        self.bound = args.bound
        self.pace = PACES[args.pace]
        self.fencing = fencing_wanted(args.fencing)

    def setup(self) -> None:
        c = self.cluster
        argv = ["up", str(c.nodes), "--transport", c.transport, "--timeout", "120"]
        if c.transport == "corosync":
            argv += ["--token", str(self.args.token)]
        c.sandbox(*argv, timeout=240)
        k = 1
        for name, value in (("stonith-enabled", "true" if self.fencing else "false"), ("cluster-recheck-interval", "60s")):
            proc = c.run(k, "crm_attribute", "-t", "crm_config", "-n", name, "-v", value)
            if proc.returncode != 0:
                raise RuntimeError(f"crm_attribute {name}={value} exited {proc.returncode}: {proc.stderr.strip()}")
        proc = c.run(k, "cibadmin", "-R", "-o", "resources", "-X", resources_xml(c.directory if self.fencing else None, self.pace))
        if proc.returncode != 0:
            raise RuntimeError(f"cibadmin -R -o resources exited {proc.returncode}: {proc.stderr.strip()}")
        settled, problems = settle(self, time.monotonic() + 120)
        if not settled:
            raise RuntimeError("the configured cluster did not settle within 120s: " + "; ".join(problems))


    def repair(self) -> None:
        """After a failed round, start the next one from a settled cluster if it can be had:
        start any node that is down, then re-probe everything (``crm_resource --refresh``)."""
        c = self.cluster
        settled, _ = settle(self, time.monotonic() + 15)
        if settled:
            return
        for k in c.all:
            if not c.pacerd_up(k):
                c.sandbox("start", str(k), "--no-wait", check=False)
        k = next((k for k in c.all if c.pacerd_up(k)), 1)
        proc = c.run(k, "crm_resource", "--refresh")
        settled, problems = settle(self, time.monotonic() + 30)
        say(f"repair (crm_resource --refresh exited {proc.returncode}): "
            + ("settled" if settled else "still not settled: " + "; ".join(problems)))
        if settled:
            return
        # last resort: crash and restart the nodes one by one, so that each joins again
        # with what its agents really run (a crashed node's agent state is gone)
        for k in c.all:
            c.sandbox("kill", str(k), check=False)
            c.sandbox("start", str(k), "--no-wait", check=False)
            settle(self, time.monotonic() + 30)
        settled, problems = settle(self, time.monotonic() + 60)
        say("repair (every node crashed and restarted in turn): "
            + ("settled" if settled else "still not settled: " + "; ".join(problems)))


def fencing_wanted(choice: str) -> bool:
    available = (AGENTS / "fence_pacer_sandbox").exists() and (ROOT / "crm" / "fenced").is_dir() \
        and (BIN / "stonith_admin").exists()
    if choice == "on" and not available:
        raise SystemExit("fault_campaign: --fencing on: no fencer or no fence_pacer_sandbox agent here")
    return available if choice == "auto" else choice == "on"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=20, help="rounds (default %(default)s)")
    parser.add_argument("--nodes", type=int, default=3, help="3 to 5 (default %(default)s)")
    parser.add_argument("--transport", choices=("embedded", "corosync"), default="embedded")
    parser.add_argument("--token", type=int, default=1000, help="corosync token, ms (default %(default)s)")
    parser.add_argument("--seed", type=int, default=None, help="round i uses seed SEED+i-1 (default: random)")
    parser.add_argument("--fencing", choices=("auto", "on", "off"), default="auto")
    parser.add_argument("--bound", type=float, default=30.0,
                        help="seconds after the faults end for the cluster to be back (default %(default)s)")
    parser.add_argument("--pace", choices=sorted(PACES), default="normal",
                        help="normal: faults held 3-7 s, hangs of 7 s; fast: held 1-2.5 s, hangs of 3 s "
                             "(default %(default)s)")
    parser.add_argument("--keep", action="store_true", help="leave the sandbox up at the end")
    parser.add_argument("--stop-on-failure", action="store_true", help="stop at the first failing round")
    parser.add_argument("--dir", type=Path, help="the sandbox directory (default: a new one under /tmp, kept if a round failed)")
    parser.add_argument("--json", type=Path, help="also write every round's result there")
    return parser


def report(results: list[RoundResult], seed: int, args: argparse.Namespace, fencing: bool, directory: Path,
           elapsed: float, setup_error: str | None, interrupted: bool = False) -> str:
    failed = [r for r in results if not r.passed]
    lines = [
        "",
        f"Fault campaign: {len(results)} rounds, {args.nodes} nodes, {args.transport} transport, "
        f"fencing {'on' if fencing else 'off'}, {args.pace} pace, seed {seed}, {elapsed:.0f}s"
        + (f" ({elapsed / len(results):.1f}s per round)" if results else ""),
    ]
    if setup_error:
        lines.append(f"setup failed: {setup_error}")
    if interrupted:
        lines.append(f"interrupted after {len(results)} of {args.rounds} rounds")
    if failed:
        lines.append("Failing rounds:")
        for r in failed:
            lines.append(f"  round {r.number} at {r.started} (seed {r.seed}; replay: --seed {r.seed} --rounds 1): "
                         f"{', '.join(r.faults)}")
            lines += [f"    - {p}" for p in r.problems]
        lines.append(f"logs: {directory}/nodeK/state/log/")
    lines.append(f"{len(results) - len(failed)} passed, {len(failed) + (1 if setup_error else 0)} failed")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if not 3 <= args.nodes <= 5 or args.rounds < 1:
        say("--nodes takes 3 to 5, --rounds at least 1")
        return 2
    if args.transport == "corosync" and os.geteuid() != 0:
        say("the corosync transport needs root")
        return 2
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1, 10**9)
    own_dir = args.dir is None
    directory = Path(tempfile.mkdtemp(prefix="fc-", dir="/tmp")) if own_dir else args.dir.resolve()
    campaign = Campaign(args, directory)

    def on_term(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    results: list[RoundResult] = []
    setup_error: str | None = None
    begun = time.monotonic()
    interrupted = False
    say(f"sandbox in {directory}: {args.nodes} nodes, {args.transport}, fencing {'on' if campaign.fencing else 'off'}, "
        f"seed {seed}, {args.rounds} rounds")
    try:
        try:
            campaign.setup()
        except (RuntimeError, subprocess.TimeoutExpired) as err:
            setup_error = str(err)
            say(f"setup failed: {err}")
        if setup_error is None:
            for i in range(1, args.rounds + 1):
                rnd = Round(campaign, i, seed + i - 1)
                say(f"round {i}/{args.rounds} (seed {rnd.seed}): " + ", ".join(f"{f.kind}({f.detail})" for f in rnd.faults))
                result = rnd.execute()
                results.append(result)
                extra = f" [{result.storm}]" if result.storm else ""
                settled = f", settled {result.settle_seconds}s after the faults" if result.settle_seconds is not None else ""
                settled += " (" + ", ".join(f"{k} {v}s" for k, v in result.phases.items()) + ")"
                status = "PASS" if result.passed else "FAIL: " + " | ".join(result.problems)
                print(f"round {i}/{args.rounds} seed {result.seed} at {result.started}, {result.seconds}s{settled}: "
                      f"{', '.join(result.faults)}{extra}: {status}", flush=True)
                if not result.passed:
                    if args.stop_on_failure or i == args.rounds:
                        break
                    campaign.repair()
    except KeyboardInterrupt:
        interrupted = True
        say("interrupted")
    finally:
        if not args.keep:
            with contextlib.suppress(Exception):
                campaign.cluster.sandbox("down", timeout=300, check=False)
    elapsed = time.monotonic() - begun
    print(report(results, seed, args, campaign.fencing, directory, elapsed, setup_error, interrupted), flush=True)
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=1) + "\n")
    ok = not setup_error and all(r.passed for r in results)
    if interrupted:
        return 130
    if ok and own_dir and not args.keep:
        shutil.rmtree(directory, ignore_errors=True)
    elif not ok:
        say(f"logs kept in {directory}")
    return 0 if ok else (3 if setup_error else 1)


if __name__ == "__main__":
    sys.exit(main())
