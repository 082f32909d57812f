"""Benchmark pacer's lrmd: per-operation overhead and the daemon's own CPU under load.

1. Round trip of an ``ocf:heartbeat:Dummy`` monitor through the lrmd socket versus a
   direct fork+exec of the agent with the same environment; both timed as wall clock
   in this process.  Pacemaker's ``crm_resource --force-check`` (no resident executor,
   tool start-up included) is measured live when installed.  Pacemaker's executor
   (pacemaker-execd) needs a liblrmd client that Debian does not package
   (``cts-exec-helper`` is not shipped), so its figure is the research anchor.
2. The lrmd's own CPU (user+system of the daemon process, not of the agents) with N
   resources under recurring monitors (default 500 every 10 s, ~60 s), target < 5 %
   of a core.  Monitors use "changes only" notification, as the controller asks.

Prints Markdown.  ``--quick`` shrinks the run (fewer samples, 100 resources, 15 s).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lrmd.client import LrmdClient
from lrmd.operation import OpRequest

DUMMY = Path("/usr/lib/ocf/resource.d/heartbeat/Dummy")
CRM_RESOURCE = Path("/usr/sbin/crm_resource")
EXECD_ANCHOR_MS = 5.35  # research/agents-anchors.md: pacemaker-execd via liblrmd, Dummy probe, mean of 30
CLK_TCK = os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def summary(values: list[float]) -> tuple[float, float, float]:
    return statistics.median(values), percentile(values, 90), statistics.fmean(values)


def agent_env(state: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OCF_")}
    env.update(
        {
            "OCF_ROOT": "/usr/lib/ocf",
            "OCF_RA_VERSION_MAJOR": "1",
            "OCF_RA_VERSION_MINOR": "1",
            "OCF_RESOURCE_INSTANCE": "bench",
            "OCF_RESOURCE_TYPE": "Dummy",
            "OCF_RESOURCE_PROVIDER": "heartbeat",
            "OCF_EXIT_REASON_PREFIX": "ocf-exit-reason:",
            "OCF_RESKEY_state": str(state),
            "OCF_RESKEY_CRM_meta_timeout": "20000",
        }
    )
    return env


def time_direct(state: Path, samples: int) -> list[float]:
    env = agent_env(state)
    subprocess.run([str(DUMMY), "start"], env=env, check=True, capture_output=True)
    times = []
    for _ in range(samples):
        started = time.perf_counter()
        proc = subprocess.run([str(DUMMY), "monitor"], env=env, capture_output=True, check=False)
        times.append((time.perf_counter() - started) * 1000)
        assert proc.returncode == 0
    subprocess.run([str(DUMMY), "stop"], env=env, check=True, capture_output=True)
    return times


def time_crm_resource(work: Path, samples: int) -> list[float]:
    cib = work / "cib.xml"
    cib.write_text(
        '<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">'
        '<configuration><crm_config/><nodes/><resources><primitive id="bench" class="ocf" provider="heartbeat" '
        f'type="Dummy"><instance_attributes id="b-ia"><nvpair id="b-s" name="state" value="{work}/crm.state"/>'
        "</instance_attributes></primitive></resources><constraints/></configuration><status/></cib>"
    )
    env = {**os.environ, "CIB_file": str(cib)}
    times = []
    for _ in range(samples):
        started = time.perf_counter()
        subprocess.run([str(CRM_RESOURCE), "-r", "bench", "--force-check"], env=env, capture_output=True, check=False)
        times.append((time.perf_counter() - started) * 1000)
    return times


class Daemon:
    def __init__(self, work: Path) -> None:
        self.socket = str(work / "lrmd.sock")
        env = {k: v for k, v in os.environ.items() if not k.startswith("OCF_")}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "lrmd.daemon", "--socket", self.socket, "--rsctmp", str(work),
             "--log-level", "warning"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while not os.path.exists(self.socket):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("lrmd did not start")
            time.sleep(0.05)

    def cpu_seconds(self) -> tuple[float, float]:
        """(daemon user+system, reaped children user+system) in seconds."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        own = (int(fields[11]) + int(fields[12])) / CLK_TCK
        children = (int(fields[13]) + int(fields[14])) / CLK_TCK
        return own, children

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


async def time_lrmd(daemon: Daemon, work: Path, samples: int) -> tuple[list[float], list[float]]:
    async with await LrmdClient.connect(daemon.socket) as client:
        await client.register("bench", "ocf", "Dummy", "heartbeat")
        params = {"state": str(work / "lrmd.state")}
        await client.run("bench", "start", params=params)
        wall, execs = [], []
        for _ in range(samples):
            started = time.perf_counter()
            result = await client.run("bench", "monitor", params=params)
            wall.append((time.perf_counter() - started) * 1000)
            execs.append(float(result.exec_time_ms))
            assert result.rc == 0
        await client.run("bench", "stop", params=params)
        await client.unregister("bench")
        return wall, execs


async def load(daemon: Daemon, work: Path, resources: int, interval_ms: int, seconds: float) -> dict[str, float]:
    async with await LrmdClient.connect(daemon.socket) as client:
        for i in range(resources):
            await client.register(f"r{i}", "ocf", "Dummy", "heartbeat")
        await asyncio.gather(
            *(client.run(f"r{i}", "start", params={"state": str(work / f"r{i}.state")}) for i in range(resources))
        )
        own0, kids0 = daemon.cpu_seconds()
        started = time.monotonic()
        for i in range(resources):
            await client.submit(
                OpRequest(f"r{i}", "monitor", interval_ms, 20000, {"state": str(work / f"r{i}.state")},
                          notify_changes_only=True)
            )
        await asyncio.sleep(seconds)
        own1, kids1 = daemon.cpu_seconds()
        elapsed = time.monotonic() - started
        for i in range(resources):
            await client.cancel(f"r{i}", "monitor", interval_ms)
        return {
            "elapsed": elapsed,
            "own_pct": 100 * (own1 - own0) / elapsed,
            "agents_pct": 100 * (kids1 - kids0) / elapsed,
            "monitors": resources * elapsed / (interval_ms / 1000),
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--samples", type=int)
    parser.add_argument("--resources", type=int)
    parser.add_argument("--interval", type=int, default=10000, help="monitor interval, ms")
    parser.add_argument("--seconds", type=float)
    args = parser.parse_args(argv)
    samples = args.samples or (20 if args.quick else 100)
    resources = args.resources or (100 if args.quick else 500)
    seconds = args.seconds or (15.0 if args.quick else 60.0)
    if not DUMMY.exists():
        print("ocf:heartbeat:Dummy (resource-agents) is not installed", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="bench-lrmd-") as tmp:
        work = Path(tmp)
        direct = time_direct(work / "direct.state", samples)
        daemon = Daemon(work)
        try:
            wall, execs = asyncio.run(time_lrmd(daemon, work, samples))
            cpu = asyncio.run(load(daemon, work, resources, args.interval, seconds))
        finally:
            daemon.close()
        crm = time_crm_resource(work, max(5, samples // 4)) if CRM_RESOURCE.exists() else []

    d_med, d_p90, d_mean = summary(direct)
    l_med, l_p90, l_mean = summary(wall)
    print("## lrmd benchmark\n")
    print(f"Dummy `monitor` (running), {samples} samples, {os.cpu_count()} CPUs.\n")
    print("| Path | median ms | p90 ms | mean ms |")
    print("|---|---|---|---|")
    print(f"| direct fork+exec of the agent | {d_med:.2f} | {d_p90:.2f} | {d_mean:.2f} |")
    print(f"| pacer lrmd round trip (socket, JSON, exec) | {l_med:.2f} | {l_p90:.2f} | {l_mean:.2f} |")
    print(f"| pacer lrmd reported exec-time | {statistics.median(execs):.2f} | | |")
    print(f"| pacemaker-execd via liblrmd (research anchor, not re-measured) | | | {EXECD_ANCHOR_MS:.2f} |")
    if crm:
        c_med, c_p90, c_mean = summary(crm)
        print(f"| Pacemaker `crm_resource --force-check` (live, tool start-up included) | {c_med:.2f} | {c_p90:.2f} | {c_mean:.2f} |")
    print(f"\nlrmd overhead over direct execution: **{l_med - d_med:+.2f} ms** (median), "
          f"{l_mean - d_mean:+.2f} ms (mean); pacemaker-execd's anchor overhead is about 1-2 ms.\n")
    verdict = "meets" if cpu["own_pct"] < 5 else "misses"
    print(f"### Daemon CPU with {resources} resources, monitor every {args.interval / 1000:g} s, "
          f"{cpu['elapsed']:.0f} s\n")
    print("| Measure | Value |")
    print("|---|---|")
    print(f"| monitors executed (approx.) | {cpu['monitors']:.0f} |")
    print(f"| lrmd process CPU (user+sys) | **{cpu['own_pct']:.2f} % of a core** ({verdict} the < 5 % target) |")
    print(f"| agents' CPU (reaped children) | {cpu['agents_pct']:.2f} % of a core |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
