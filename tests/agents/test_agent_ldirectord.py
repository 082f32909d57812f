"""ocf:pacer:ldirectord's OCF side on this machine: meta-data, validation, exit codes and the
checker's life cycle, with the ipvsadm model standing in for the kernel's IPVS table
(this kernel has no ip_vs; tests/vm/test_ldirectord_ipvs.py runs the agent on real IPVS)."""

from __future__ import annotations

import http.server
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree
from pacer_agent_fixtures import AGENTS_DIR, REPO, AgentResult, agent_env, run_agent

MODEL = Path(__file__).with_name("ipvsadm_model.py")
AGENT = AGENTS_DIR / "ldirectord"
BIN = Path(sys.executable).parent


class Env:
    def __init__(self, tmp: Path) -> None:
        self.dir = tmp
        self.config = tmp / "ldirectord.cf"
        self.table = tmp / "ipvs.json"

    def env(self, **params: str) -> dict[str, str]:
        values = {"configfile": str(self.config), "ipvsadm": str(MODEL), **params}
        return agent_env("lvs", values, extra={"HA_RSCTMP": str(self.dir / "run"),
                                                "IPVSADM_MODEL_STATE": str(self.table)})

    def run(self, action: str, **params: str) -> AgentResult:
        return run_agent(AGENT, action, self.env(**params), timeout=60)

    def saved(self) -> str:
        done = subprocess.run([str(MODEL), "-S", "-n"], env=self.env(), capture_output=True, text=True, check=True)
        return done.stdout

    def pid(self) -> int:
        return int((self.dir / "run" / "ldirectord-lvs.pid").read_text())


@pytest.fixture
def lvs(tmp_path: Path) -> Iterator[Env]:
    env = Env(tmp_path)
    yield env
    run_agent(AGENT, "stop", env.env(), timeout=60)


class Site:
    def __init__(self, body: bytes) -> None:
        site = self
        self.body = body

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.end_headers()
                self.wfile.write(site.body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def gone(pid: int) -> bool:
    """The process has exited (a zombie waiting for whoever adopted it counts as gone)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def wait_for(predicate: object, timeout: float = 20) -> None:
    assert callable(predicate)
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.1)


def test_meta_data_describes_the_agent() -> None:
    res = run_agent(AGENT, "meta-data", agent_env("x", {}))
    assert res.rc == 0
    doc = etree.fromstring(res.stdout.encode())
    assert doc.get("name") == "ldirectord"
    assert [p.get("name") for p in doc.iter("parameter")] == ["configfile", "ipvsadm"]
    assert {a.get("name") for a in doc.iter("action")} >= {"start", "stop", "monitor", "meta-data", "validate-all"}


def test_lint_clean() -> None:
    ruff = subprocess.run([str(BIN / "ruff"), "check", "--no-cache", str(AGENT)], cwd=REPO, capture_output=True,
                          text=True, check=False)
    assert ruff.returncode == 0, ruff.stdout + ruff.stderr
    mypy = subprocess.run([str(BIN / "mypy"), "--cache-dir=/dev/null", "--scripts-are-modules", str(AGENT)],
                          cwd=REPO, env={**os.environ, "MYPYPATH": str(AGENTS_DIR / "lib")}, capture_output=True,
                          text=True, check=False)
    assert mypy.returncode == 0, mypy.stdout + mypy.stderr


def test_bad_configuration_is_not_configured_and_changes_nothing(lvs: Env) -> None:
    lvs.config.write_text("virtual = 10.0.0.1:80\n\treal = 10.0.0.2:80 masquerade\n")
    for action in ("validate-all", "start"):
        res = lvs.run(action)
        assert res.rc == 6, res
        assert "ldirectordcf:2: real: forwarding method must be gate, masq or ipip".replace("ldirectordcf",
                                                                                            str(lvs.config)) \
            in res.exit_reason
    assert lvs.saved() == ""
    assert lvs.run("monitor").rc == 7
    missing = lvs.run("validate-all", configfile=str(lvs.dir / "nope.cf"))
    assert missing.rc == 6 and "cannot read" in missing.exit_reason
    lvs.config.write_text("virtual = 10.0.0.1:80\n\treal = 10.0.0.2:80 masq\n\tchecktype = on\n")
    no_ipvsadm = lvs.run("start", ipvsadm=str(lvs.dir / "no-such-ipvsadm"))
    assert no_ipvsadm.rc == 5 and "not found" in no_ipvsadm.exit_reason


def test_start_monitor_stop_with_the_checker(lvs: Env) -> None:
    good, other = Site(b"alive\n"), Site(b"alive\n")
    try:
        lvs.config.write_text(
            f"checkinterval = 0.3\nvirtual = 10.0.0.100:80\n\treal = 127.0.0.1:{good.port} masq 1\n"
            f"\treal = 127.0.0.1:{other.port} masq 2\n\tservice = http\n\treceive = alive\n\tquiescent = yes\n")
        assert lvs.run("monitor").rc == 7  # a probe before start
        res = lvs.run("start")
        assert res.rc == 0, res
        assert sorted(lvs.saved().splitlines()) == sorted([
            "-A -t 10.0.0.100:80 -s wrr", f"-a -t 10.0.0.100:80 -r 127.0.0.1:{good.port} -m -w 1",
            f"-a -t 10.0.0.100:80 -r 127.0.0.1:{other.port} -m -w 2"])
        assert lvs.run("monitor").rc == 0
        assert lvs.run("start").rc == 0  # already running
        other.body = b"dead\n"
        wait_for(lambda: f"127.0.0.1:{other.port} -m -w 0" in lvs.saved())
        other.body = b"alive\n"
        wait_for(lambda: f"127.0.0.1:{other.port} -m -w 2" in lvs.saved())
        state = json.loads((lvs.dir / "run" / "ldirectord-lvs.state").read_text())
        assert state["services"] == ["-t 10.0.0.100:80"] and state["error"] == ""
        subprocess.run([str(MODEL), "-D", "-t", "10.0.0.100:80"], env=lvs.env(), check=True)
        wait_for(lambda: "-A -t 10.0.0.100:80" in lvs.saved())  # put back by the checker
        pid = lvs.pid()
        res = lvs.run("stop")
        assert res.rc == 0, res
        assert lvs.saved() == ""
        assert gone(pid)
        assert lvs.run("monitor").rc == 7
        assert lvs.run("stop").rc == 0
    finally:
        good.close()
        other.close()


def test_a_dead_checker_is_a_failure_and_stop_cleans_up(lvs: Env) -> None:
    lvs.config.write_text("virtual = 10.0.0.100:80\n\treal = 10.0.0.2:80 masq\n\tchecktype = on\n"
                          "virtual = 10.0.0.100:443\n\treal = 10.0.0.2:443 gate\n\tchecktype = on\n")
    assert lvs.run("start").rc == 0
    pid = lvs.pid()
    os.kill(pid, signal.SIGKILL)
    wait_for(lambda: gone(pid))
    res = lvs.run("monitor")
    assert res.rc == 1 and "checker process is gone" in res.exit_reason
    lvs.config.write_text("garbage\n")  # even with a broken configuration, stop removes what was set up
    assert lvs.run("stop").rc == 0
    assert lvs.saved() == ""


def test_cleanstop_no_leaves_the_services(lvs: Env) -> None:
    lvs.config.write_text("cleanstop = no\nvirtual = 10.0.0.100:80\n\treal = 10.0.0.2:80 masq\n\tchecktype = on\n")
    assert lvs.run("start").rc == 0
    assert lvs.run("stop").rc == 0
    assert lvs.saved().startswith("-A -t 10.0.0.100:80")
    assert lvs.run("monitor").rc == 7


OCF_TESTER = Path("/usr/sbin/ocf-tester")


@pytest.mark.root
def test_debians_ocf_tester_passes(tmp_path: Path) -> None:
    if not OCF_TESTER.exists() or shutil.which("xmllint") is None:
        pytest.skip("ocf-tester (resource-agents) and xmllint (libxml2-utils) are needed")
    if os.geteuid() != 0:
        pytest.skip("ocf-tester's permission check needs root")
    root = Path(tempfile.mkdtemp(prefix="pacer-ocf-"))  # meta-data runs as nobody: not under pytest's tmp
    try:
        root.chmod(0o755)
        (root / "resource.d" / "pacer").mkdir(parents=True)
        (root / "resource.d" / "pacer" / "ldirectord").symlink_to(AGENT)
        (root / "lib").mkdir()
        if Path("/usr/lib/ocf/lib/heartbeat").is_dir():
            (root / "lib" / "heartbeat").symlink_to("/usr/lib/ocf/lib/heartbeat")
        config = tmp_path / "ldirectord.cf"
        config.write_text("virtual = 10.0.0.100:80\n\treal = 10.0.0.2:80 masq\n\treal = 10.0.0.3:80 masq\n"
                          "\tchecktype = on\n")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OCF_", "HA_"))}
        env.update(OCF_ROOT=str(root), HA_RSCTMP=str(tmp_path / "rsctmp"),
                   IPVSADM_MODEL_STATE=str(tmp_path / "ipvs.json"))
        argv = [str(OCF_TESTER), "-n", "t-ldirectord", "-o", f"configfile={config}", "-o", f"ipvsadm={MODEL}",
                str(root / "resource.d" / "pacer" / "ldirectord")]
        proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300, check=False)
        assert proc.returncode == 0 and "passed all tests" in proc.stdout, proc.stdout + proc.stderr
    finally:
        shutil.rmtree(root, ignore_errors=True)
