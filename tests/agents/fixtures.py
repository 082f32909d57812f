"""Reusable pytest fixtures for running resource agents against real resources.

Exported fixtures (all clean up after themselves, even when the test fails):

* ``ocf_root``       a temporary OCF root: ``resource.d/pacer/<agent>`` symlinks to the repo's agents
* ``recorder``       a directory of recording stand-ins (``crm_attribute``, ``attrd_updater``, ...)
* ``netns_pair``     two network namespaces joined by a veth pair (root)
* ``loop_ext4``      an ext4 filesystem on a loop device, plus an empty mount point (root)
* ``apache_site``    a minimal apache2 configuration bound to 127.0.0.1 on a free port

Use them from another test directory with ``pytest_plugins``-free loading::

    import importlib.util, pathlib
    spec = importlib.util.spec_from_file_location(
        "pacer_agent_fixtures", pathlib.Path(__file__).parents[1] / "agents" / "fixtures.py")
    fixtures = importlib.util.module_from_spec(spec); spec.loader.exec_module(fixtures)
    netns_pair = fixtures.netns_pair   # in a conftest.py
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import textwrap
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
AGENTS_DIR = REPO / "agents"
AGENT_NAMES = ("Dummy", "Stateful", "IPaddr", "IPaddr2", "Filesystem", "drbd", "apache", "ping")
DEBIAN_OCF_ROOT = Path("/usr/lib/ocf")
_counter = itertools.count()


def unique_tag() -> str:
    """Short name part unique across xdist workers and tests (fits in a 15-char ifname)."""
    return f"{os.getpid() % 10000:04d}{next(_counter) % 100:02d}{uuid.uuid4().hex[:2]}"


def need_root() -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root")


def need_tools(*names: str) -> None:
    missing = [n for n in names if shutil.which(n, path="/usr/sbin:/usr/bin:/sbin:/bin") is None]
    if missing:
        pytest.skip(f"missing tools: {', '.join(missing)}")


# ---------------------------------------------------------------- running agents


@dataclass(frozen=True)
class AgentResult:
    rc: int
    stdout: str
    stderr: str

    @property
    def exit_reason(self) -> str:
        reasons = [ln[len("ocf-exit-reason:"):] for ln in self.stderr.splitlines()
                   if ln.startswith("ocf-exit-reason:")]
        return reasons[-1] if reasons else ""


def agent_env(instance: str, params: Mapping[str, str], *, interval_ms: int | None = None,
              extra: Mapping[str, str] | None = None, path_prefix: Path | None = None,
              ocf_root: Path | None = None) -> dict[str, str]:
    """The environment an executor gives an agent (OCF 1.1, as Pacemaker's execd does)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OCF_", "HA_", "PYTEST_"))}
    env.update({
        "OCF_ROOT": str(ocf_root or DEBIAN_OCF_ROOT),
        "OCF_RA_VERSION_MAJOR": "1",
        "OCF_RA_VERSION_MINOR": "1",
        "OCF_RESOURCE_INSTANCE": instance,
        "OCF_EXIT_REASON_PREFIX": "ocf-exit-reason:",
        "OCF_RESKEY_CRM_meta_timeout": "20000",
    })
    if interval_ms is not None:
        env["OCF_RESKEY_CRM_meta_interval"] = str(interval_ms)
    for k, v in params.items():
        env[f"OCF_RESKEY_{k}"] = v
    if path_prefix is not None:
        env["PATH"] = f"{path_prefix}:{env.get('PATH', '/usr/sbin:/usr/bin:/sbin:/bin')}"
    if extra:
        env.update(extra)
    return env


def run_agent(agent: str | Path, action: str, env: Mapping[str, str], *, netns: str | None = None,
              timeout: float = 60) -> AgentResult:
    path = Path(agent) if os.sep in str(agent) else AGENTS_DIR / str(agent)
    argv = [str(path), action]
    if netns is not None:
        argv = ["ip", "netns", "exec", netns, *argv]
    proc = subprocess.run(argv, env=dict(env), capture_output=True, text=True, timeout=timeout,
                          check=False, stdin=subprocess.DEVNULL)
    return AgentResult(proc.returncode, proc.stdout, proc.stderr)


# ---------------------------------------------------------------- OCF root and stand-ins


@pytest.fixture
def ocf_root() -> Iterator[Path]:
    """A temporary OCF root with ``resource.d/pacer`` holding symlinks to our agents and
    ``lib/heartbeat`` pointing at Debian's.  It lives outside pytest's private base
    directory because ocf-tester runs ``meta-data`` as user nobody."""
    root = Path(tempfile.mkdtemp(prefix="pacer-ocf-"))
    try:
        root.chmod(0o755)
        provider = root / "resource.d" / "pacer"
        provider.mkdir(parents=True)
        for name in AGENT_NAMES:
            if (AGENTS_DIR / name).exists():
                (provider / name).symlink_to(AGENTS_DIR / name)
        (root / "lib").mkdir()
        if (DEBIAN_OCF_ROOT / "lib" / "heartbeat").is_dir():
            (root / "lib" / "heartbeat").symlink_to(DEBIAN_OCF_ROOT / "lib" / "heartbeat")
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


_RECORDER = """#!/bin/sh
# Recording stand-in: append this call as a JSON line, answer queries from the log.
exec /usr/bin/python3 -IS - "$0" "$@" <<'PY'
import json, os, sys
tool, args = os.path.basename(sys.argv[1]), sys.argv[2:]
log = os.environ.get("RECORDER_LOG") or os.path.join(os.path.dirname(sys.argv[1]), "calls.jsonl")
with open(log, "a") as f:
    f.write(json.dumps({"tool": tool, "args": args}) + "\\n")
sys.exit(int(os.environ.get("RECORDER_RC", "0")))
PY
"""


@dataclass(frozen=True)
class Recorder:
    """A directory to put first on PATH; every stand-in call is logged to ``log``."""

    bin_dir: Path
    log: Path

    def calls(self, tool: str | None = None) -> list[list[str]]:
        if not self.log.exists():
            return []
        out = []
        for line in self.log.read_text().splitlines():
            rec = json.loads(line)
            if tool is None or rec["tool"] == tool:
                out.append(rec["args"])
        return out

    def clear(self) -> None:
        self.log.unlink(missing_ok=True)


def make_recorder(directory: Path, tools: tuple[str, ...] = ("crm_attribute", "attrd_updater")) -> Recorder:
    directory.mkdir(parents=True, exist_ok=True)
    for tool in tools:
        p = directory / tool
        p.write_text(_RECORDER)
        p.chmod(0o755)
    return Recorder(directory, directory / "calls.jsonl")


@pytest.fixture
def recorder(tmp_path: Path) -> Recorder:
    return make_recorder(tmp_path / "recorder-bin")


# ---------------------------------------------------------------- network namespaces


@dataclass(frozen=True)
class NetnsPair:
    """Namespaces ``ns_a``/``ns_b`` joined by ``if_a``/``if_b`` in ``prefix``.0/24."""

    ns_a: str
    ns_b: str
    if_a: str
    if_b: str
    prefix: str  # e.g. "10.98.0"
    addr_a: str = field(init=False)
    addr_b: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "addr_a", f"{self.prefix}.1")
        object.__setattr__(self, "addr_b", f"{self.prefix}.2")

    def addresses(self, ns: str) -> list[str]:
        out = subprocess.run(["ip", "-n", ns, "-o", "-4", "addr", "show"], capture_output=True, text=True,
                             check=True).stdout
        return [line.split()[3] for line in out.splitlines()]

    def ping(self, ns: str, address: str) -> bool:
        return subprocess.run(["ip", "netns", "exec", ns, "ping", "-n", "-q", "-c", "1", "-W", "1", address],
                              capture_output=True, check=False).returncode == 0


def _sh(*argv: str) -> None:
    subprocess.run(list(argv), check=True, capture_output=True)


@pytest.fixture
def netns_pair() -> Iterator[NetnsPair]:
    need_root()
    need_tools("ip", "ping")
    tag = unique_tag()
    pair = NetnsPair(f"pct-a{tag}", f"pct-b{tag}", f"pva{tag}", f"pvb{tag}",
                     f"10.98.{int(tag[-4:-2]) + 1}")
    first = subprocess.run(["ip", "netns", "add", pair.ns_a], capture_output=True, text=True, check=False)
    if first.returncode != 0:
        pytest.skip(f"cannot create a network namespace: {first.stderr.strip()}")
    try:
        _sh("ip", "netns", "add", pair.ns_b)
        _sh("ip", "link", "add", pair.if_a, "type", "veth", "peer", "name", pair.if_b)
        _sh("ip", "link", "set", pair.if_a, "netns", pair.ns_a)
        _sh("ip", "link", "set", pair.if_b, "netns", pair.ns_b)
        for ns, ifname, addr in ((pair.ns_a, pair.if_a, pair.addr_a), (pair.ns_b, pair.if_b, pair.addr_b)):
            _sh("ip", "-n", ns, "addr", "add", f"{addr}/24", "dev", ifname)
            _sh("ip", "-n", ns, "link", "set", ifname, "up")
            _sh("ip", "-n", ns, "link", "set", "lo", "up")
        yield pair
    finally:
        for ns in (pair.ns_a, pair.ns_b):
            _kill_netns_processes(ns)
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, check=False)
        subprocess.run(["ip", "link", "del", pair.if_a], capture_output=True, check=False)


def _kill_netns_processes(ns: str) -> None:
    out = subprocess.run(["ip", "netns", "pids", ns], capture_output=True, text=True, check=False).stdout
    for pid in out.split():
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(int(pid), signal.SIGKILL)


# ---------------------------------------------------------------- loop device + ext4


@dataclass(frozen=True)
class LoopFs:
    image: Path
    device: str
    mountpoint: Path

    def mounted(self) -> bool:
        target = str(self.mountpoint)
        with open("/proc/self/mountinfo") as f:
            return any(line.split()[4] == target for line in f)


@pytest.fixture
def loop_ext4(tmp_path: Path) -> Iterator[LoopFs]:
    need_root()
    need_tools("losetup", "mkfs.ext4", "mount", "umount")
    image = tmp_path / "fs.img"
    mountpoint = tmp_path / "mnt"
    mountpoint.mkdir()
    with open(image, "wb") as f:
        f.truncate(32 * 1024 * 1024)
    _sh("mkfs.ext4", "-q", "-F", str(image))
    attach = subprocess.run(["losetup", "--find", "--show", str(image)], capture_output=True, text=True,
                            check=False)
    if attach.returncode != 0:
        pytest.skip(f"no loop device available: {attach.stderr.strip()}")
    device = attach.stdout.strip()
    fs = LoopFs(image, device, mountpoint)
    try:
        yield fs
    finally:
        for _ in range(20):
            if not fs.mounted():
                break
            subprocess.run(["umount", str(mountpoint)], capture_output=True, check=False)
            if fs.mounted():
                subprocess.run(["fuser", "-k", "-m", str(mountpoint)], capture_output=True, check=False)
                time.sleep(0.1)
        if fs.mounted():
            subprocess.run(["umount", "-l", str(mountpoint)], capture_output=True, check=False)
        subprocess.run(["losetup", "-d", device], capture_output=True, check=False)


# ---------------------------------------------------------------- apache


@dataclass(frozen=True)
class ApacheSite:
    config: Path
    port: int
    pidfile: Path
    statusurl: str
    docroot: Path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


APACHE_MODULES = "/usr/lib/apache2/modules"


def write_apache_config(directory: Path, port: int) -> ApacheSite:
    """A self-contained apache2 configuration: own ServerRoot, pid file, logs and port."""
    directory.mkdir(parents=True, exist_ok=True)
    docroot = directory / "htdocs"
    docroot.mkdir(exist_ok=True)
    (docroot / "index.html").write_text("<html><body>pacer test site</body></html>\n")
    (directory / "logs").mkdir(exist_ok=True)
    pidfile = directory / "run" / "httpd.pid"
    pidfile.parent.mkdir(exist_ok=True)
    modules = ["mpm_event", "authz_core", "authz_host", "status", "dir", "unixd"]
    loads = "\n".join(f"LoadModule {m}_module {APACHE_MODULES}/mod_{m}.so" for m in modules
                      if Path(f"{APACHE_MODULES}/mod_{m}.so").exists())
    config = directory / "httpd.conf"
    config.write_text(textwrap.dedent(f"""\
        # Minimal apache2 configuration for pacer's agent tests (loopback only).
        ServerRoot "{directory}"
        ServerName 127.0.0.1
        @LOADS@
        Listen 127.0.0.1:{port}
        PidFile "{pidfile}"
        Mutex file:{directory}/run default
        DefaultRuntimeDir "{directory}/run"
        ErrorLog "{directory}/logs/error.log"
        LogLevel warn
        User www-data
        Group www-data
        StartServers 1
        ServerLimit 1
        ThreadsPerChild 4
        MaxRequestWorkers 4
        DocumentRoot "{docroot}"
        <Directory "{docroot}">
            Require all granted
        </Directory>
        ExtendedStatus On
        <Location /server-status>
            SetHandler server-status
            Require local
        </Location>
        """).replace("@LOADS@", loads))
    return ApacheSite(config, port, pidfile, f"http://127.0.0.1:{port}/server-status", docroot)


def stop_apache(site: ApacheSite) -> None:
    try:
        pid = int(site.pidfile.read_text().split()[0])
    except (FileNotFoundError, ValueError, IndexError):
        return
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)


@pytest.fixture
def apache_site() -> Iterator[ApacheSite]:
    need_tools("apache2")
    if not Path(f"{APACHE_MODULES}/mod_status.so").exists():
        pytest.skip("apache2 mod_status not installed")
    # Not under tmp_path: apache's children run as www-data and must traverse to the
    # document root, and pytest's base temp directory is private to its owner.
    directory = Path(tempfile.mkdtemp(prefix="pacer-apache-"))
    directory.chmod(0o755)
    site = write_apache_config(directory, free_port())
    try:
        yield site
    finally:
        stop_apache(site)
        shutil.rmtree(directory, ignore_errors=True)
