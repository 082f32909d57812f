"""The executor against scripts written per test: environment, timeouts, queues, recurring ops."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import time
from pathlib import Path

import pytest
from lrmd_helpers import executor_for, locator_for, pid_alive, run, write_script

from lrmd.codes import ExecStatus, OcfRc
from lrmd.executor import Executor
from lrmd.operation import OpRequest, OpResult, RequestError, ResourceSpec

ENV_DUMP = """
python3 -c 'import json, os, sys; json.dump(dict(os.environ), open(sys.argv[1], "w"))' "$OCF_RESKEY_out.$1"
echo "args: $*"
exit 0
"""


def _ocf(tmp_path: Path, name: str, body: str) -> Executor:
    loc = locator_for(tmp_path)
    write_script(loc.ocf_root / "resource.d" / "test" / name, body)
    ex = executor_for(loc, tmp_path)
    return ex


def test_ocf_environment_reaches_the_agent(tmp_path: Path) -> None:
    ex = _ocf(tmp_path, "Env", ENV_DUMP)
    out = tmp_path / "env"

    async def go() -> OpResult:
        ex.register(ResourceSpec("r1", "ocf", "Env", "test"))
        return await ex.execute(
            OpRequest(
                "r1",
                "monitor",
                interval_ms=0,
                timeout_ms=7000,
                params={"out": str(out), "ip": "10.0.0.1", "CRM_meta_op_target_rc": "7", "OCF_CHECK_LEVEL": "10"},
            )
        )

    result = run(go)
    assert result.rc == 0 and result.op_status == ExecStatus.DONE
    env = json.loads(Path(f"{out}.monitor").read_text())
    assert env["OCF_ROOT"] == str(ex.locator.ocf_root)
    assert env["OCF_RA_VERSION_MAJOR"] == "1" and env["OCF_RA_VERSION_MINOR"] == "1"
    assert env["OCF_RESOURCE_INSTANCE"] == "r1"
    assert env["OCF_RESOURCE_TYPE"] == "Env"
    assert env["OCF_RESOURCE_PROVIDER"] == "test"
    assert env["OCF_EXIT_REASON_PREFIX"] == "ocf-exit-reason:"
    assert env["HA_RSCTMP"] == str(tmp_path / "rsctmp")
    assert env["OCF_RESKEY_ip"] == "10.0.0.1"
    assert env["OCF_RESKEY_CRM_meta_timeout"] == "7000"
    assert env["OCF_RESKEY_CRM_meta_op_target_rc"] == "7"
    assert "OCF_RESKEY_CRM_meta_interval" not in env  # a probe
    assert env["OCF_CHECK_LEVEL"] == "10" and "OCF_RESKEY_OCF_CHECK_LEVEL" not in env
    assert result.stdout.strip() == "args: monitor"


def test_recurring_op_gets_interval_meta(tmp_path: Path) -> None:
    ex = _ocf(tmp_path, "Env", ENV_DUMP)
    out = tmp_path / "env"

    async def go() -> OpResult:
        ex.register(ResourceSpec("r1", "ocf", "Env", "test"))
        result = await ex.execute(OpRequest("r1", "monitor", interval_ms=60000, params={"out": str(out)}))
        ex.cancel("r1", "monitor", 60000)
        return result

    assert run(go).rc == 0
    env = json.loads(Path(f"{out}.monitor").read_text())
    assert env["OCF_RESKEY_CRM_meta_interval"] == "60000"


def test_exit_reason_is_the_last_marker_line(tmp_path: Path) -> None:
    body = """
    echo "ocf-exit-reason:first" >&2
    echo "noise" >&2
    echo "ocf-exit-reason:$(printf 'x%.0s' $(seq 1 200))" >&2
    echo "ocf-exit-reason:the real reason" >&2
    exit 6
    """
    ex = _ocf(tmp_path, "Fail", body)

    async def go() -> OpResult:
        ex.register(ResourceSpec("r1", "ocf", "Fail", "test"))
        return await ex.execute(OpRequest("r1", "start"))

    result = run(go)
    assert result.rc == OcfRc.ERR_CONFIGURED
    assert result.exit_reason == "the real reason"
    assert result.failed


def test_exit_reason_is_capped_at_128(tmp_path: Path) -> None:
    ex = _ocf(tmp_path, "Long", "echo \"ocf-exit-reason:$(printf 'y%.0s' $(seq 1 300))\" >&2\nexit 1\n")

    async def go() -> OpResult:
        ex.register(ResourceSpec("r1", "ocf", "Long", "test"))
        return await ex.execute(OpRequest("r1", "start"))

    assert run(go).exit_reason == "y" * 128


def test_unknown_exit_codes_and_signals(tmp_path: Path) -> None:
    ex = _ocf(tmp_path, "Odd", 'case "$1" in start) exit 42;; stop) kill -KILL $$;; *) exit 190;; esac\n')

    async def go() -> list[OpResult]:
        ex.register(ResourceSpec("r1", "ocf", "Odd", "test"))
        return [await ex.execute(OpRequest("r1", a)) for a in ("start", "stop", "monitor")]

    start, stop, monitor = run(go)
    assert (start.rc, start.op_status) == (1, ExecStatus.DONE)
    assert (stop.rc, stop.op_status) == (1, ExecStatus.ERROR)
    assert "SIGKILL" in stop.exit_reason
    assert (monitor.rc, monitor.op_status) == (190, ExecStatus.DONE)


def test_unknown_agent_is_not_installed(tmp_path: Path) -> None:
    ex = executor_for(locator_for(tmp_path), tmp_path)

    async def go() -> list[OpResult]:
        ex.register(ResourceSpec("r1", "ocf", "Missing", "test"))
        ex.register(ResourceSpec("r2", "lsb", "missing"))
        return [await ex.execute(OpRequest("r1", "start")), await ex.execute(OpRequest("r2", "monitor"))]

    for result in run(go):
        assert result.rc == OcfRc.ERR_INSTALLED
        assert result.op_status == ExecStatus.NOT_INSTALLED


def test_timeout_kills_the_whole_process_group(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    body = f"""
    sleep 300 &
    echo $! > {pids}
    ( trap '' TERM; sleep 300 ) &
    echo $! >> {pids}
    echo $$ >> {pids}
    trap '' TERM
    sleep 300
    """
    ex = _ocf(tmp_path, "Hang", body)

    async def go() -> OpResult:
        ex.register(ResourceSpec("r1", "ocf", "Hang", "test"))
        return await ex.execute(OpRequest("r1", "start", timeout_ms=500))

    started = time.monotonic()
    result = run(go)
    elapsed = time.monotonic() - started
    assert result.op_status == ExecStatus.TIMEOUT and result.rc == OcfRc.ERR_GENERIC
    assert "500ms" in result.exit_reason
    assert elapsed < 5
    recorded = [int(p) for p in pids.read_text().split()]
    assert len(recorded) == 3
    deadline = time.monotonic() + 3
    while any(pid_alive(p) for p in recorded) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [p for p in recorded if pid_alive(p)]


def test_recurring_monitor_rearms_after_completion(tmp_path: Path) -> None:
    log = tmp_path / "runs"
    ex = _ocf(tmp_path, "Slow", f"date +%s.%N >> {log}\nsleep 0.1\nexit 0\n")
    seen: list[OpResult] = []

    async def go() -> None:
        ex.subscribe(seen.append)
        ex.register(ResourceSpec("r1", "ocf", "Slow", "test"))
        first = await ex.execute(OpRequest("r1", "monitor", interval_ms=200))
        assert first.rc == 0
        await asyncio.sleep(2.0)
        assert ex.cancel("r1", "monitor", 200)
        await ex.shutdown()

    run(go)
    starts = [float(x) for x in log.read_text().split()]
    assert 3 <= len(starts) <= 8
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    # interval (0.2 s) counted from the end of the previous run (which takes 0.1 s)
    assert all(gap >= 0.29 for gap in gaps), gaps
    runs = [r for r in seen if r.op_status == ExecStatus.DONE]
    assert {r.call_id for r in runs} == {runs[0].call_id}
    assert seen[-1].op_status == ExecStatus.CANCELLED


def test_changes_only_reports_first_and_changed_results(tmp_path: Path) -> None:
    flag = tmp_path / "flag"
    ex = _ocf(tmp_path, "Flip", f"[ -e {flag} ] && exit 7\nexit 0\n")
    seen: list[OpResult] = []

    async def go() -> None:
        ex.subscribe(seen.append)
        ex.register(ResourceSpec("r1", "ocf", "Flip", "test"))
        await ex.execute(OpRequest("r1", "monitor", interval_ms=100, notify_changes_only=True))
        await asyncio.sleep(0.5)
        flag.touch()
        await asyncio.sleep(0.5)
        ex.cancel("r1", "monitor", 100)

    run(go)
    done = [r for r in seen if r.op_status == ExecStatus.DONE]
    assert [r.rc for r in done] == [0, 7]
    assert done[1].t_rcchange >= done[0].t_rcchange


def test_stop_cancels_recurring_ops_first(tmp_path: Path) -> None:
    ex = _ocf(tmp_path, "Ok", "exit 0\n")
    seen: list[OpResult] = []

    async def go() -> OpResult:
        ex.subscribe(seen.append)
        ex.register(ResourceSpec("r1", "ocf", "Ok", "test"))
        await ex.execute(OpRequest("r1", "start"))
        await ex.execute(OpRequest("r1", "monitor", interval_ms=10000))
        await ex.execute(OpRequest("r1", "monitor", interval_ms=20000, params={"x": "1"}))
        stop = await ex.execute(OpRequest("r1", "stop"))
        assert ex.recurring_ops("r1") == []
        return stop

    stop = run(go)
    actions = [(r.action, r.interval_ms, r.op_status) for r in seen]
    cancelled = [(a, i) for a, i, s in actions if s == ExecStatus.CANCELLED]
    assert sorted(cancelled) == [("monitor", 10000), ("monitor", 20000)]
    assert actions[-1] == ("stop", 0, ExecStatus.DONE)
    assert stop.rc == 0


def test_duplicate_recurring_registration_is_merged(tmp_path: Path) -> None:
    ex = _ocf(tmp_path, "Ok", "exit 0\n")

    async def go() -> tuple[int, int, list[OpRequest]]:
        ex.register(ResourceSpec("r1", "ocf", "Ok", "test"))
        first, _ = ex.submit(OpRequest("r1", "monitor", interval_ms=10000))
        second, fut = ex.submit(OpRequest("r1", "monitor", interval_ms=10000, params={"new": "1"}))
        await fut
        ops = ex.recurring_ops("r1")
        await ex.shutdown()
        return first, second, ops

    first, second, ops = run(go)
    assert first == second
    assert len(ops) == 1 and ops[0].params["new"] == "1"


def _intervals(path: Path) -> list[tuple[str, float, float]]:
    rows = []
    for line in path.read_text().splitlines():
        name, a, b = line.split()
        rows.append((name, float(a), float(b)))
    return rows


SLEEPER = """
t0=$(date +%s.%N)
sleep 0.3
t1=$(date +%s.%N)
echo "$OCF_RESOURCE_INSTANCE $t0 $t1" >> "$OCF_RESKEY_log"
exit 0
"""


def test_one_op_at_a_time_per_resource_parallel_across(tmp_path: Path) -> None:
    log = tmp_path / "log"
    ex = _ocf(tmp_path, "Sleep", SLEEPER)

    async def go() -> None:
        for rsc in ("a", "b"):
            ex.register(ResourceSpec(rsc, "ocf", "Sleep", "test"))
        params = {"log": str(log)}
        futures = [ex.submit(OpRequest(r, act, params=params))[1] for r in ("a", "b") for act in ("start", "monitor")]
        results = await asyncio.gather(*futures)
        assert all(r.rc == 0 for r in results)
        # The second op of each resource waited in the queue.
        assert max(r.queue_time_ms for r in results) >= 250

    run(go)
    rows = _intervals(log)
    by_rsc: dict[str, list[tuple[float, float]]] = {}
    for name, a, b in rows:
        by_rsc.setdefault(name, []).append((a, b))
    for spans in by_rsc.values():
        spans.sort()
        assert spans[0][1] <= spans[1][0], "ops on one resource overlapped"
    a0 = by_rsc["a"][0]
    b0 = by_rsc["b"][0]
    assert a0[0] < b0[1] and b0[0] < a0[1], "different resources did not run in parallel"


def test_parallel_limit(tmp_path: Path) -> None:
    log = tmp_path / "log"
    loc = locator_for(tmp_path)
    write_script(loc.ocf_root / "resource.d" / "test" / "Sleep", SLEEPER)
    ex = executor_for(loc, tmp_path, max_parallel=1)

    async def go() -> None:
        for rsc in ("a", "b", "c"):
            ex.register(ResourceSpec(rsc, "ocf", "Sleep", "test"))
        await asyncio.gather(*(ex.execute(OpRequest(r, "start", params={"log": str(log)})) for r in "abc"))

    run(go)
    spans = sorted((a, b) for _, a, b in _intervals(log))
    assert all(prev[1] <= nxt[0] for prev, nxt in itertools.pairwise(spans))


def test_lsb_script_mapping(tmp_path: Path) -> None:
    loc = locator_for(tmp_path)
    write_script(
        loc.lsb_dir / "svc",
        f"""
        echo "$*" >> {tmp_path}/calls
        case "$1" in
          start) exit 0;;
          status) exit ${{STATUS_RC:-3}};;
          stop) exit 9;;
        esac
        exit 3
        """,
    )
    ex = executor_for(loc, tmp_path)
    ex.config.base_env = {**ex.config.base_env, "STATUS_RC": "3"}

    async def go() -> list[OpResult]:
        ex.register(ResourceSpec("s", "lsb", "svc"))
        return [
            await ex.execute(OpRequest("s", "start", params={"ignored": "x"})),
            await ex.execute(OpRequest("s", "monitor")),
            await ex.execute(OpRequest("s", "stop")),
        ]

    start, monitor, stop = run(go)
    assert start.rc == 0
    assert monitor.rc == OcfRc.NOT_RUNNING  # LSB status 3 -> 7
    assert stop.rc == OcfRc.ERR_GENERIC  # 9 is outside 0-7
    assert (tmp_path / "calls").read_text().split("\n")[:3] == ["start", "status", "stop"]


def test_heartbeat_v1_script_calling_convention_and_status(tmp_path: Path) -> None:
    loc = locator_for(tmp_path)
    state = tmp_path / "state"
    write_script(
        loc.heartbeat_dir / "IPthing",
        f"""
        echo "$*" >> {tmp_path}/calls
        action=$(eval echo \\${{$#}})
        case "$action" in
          start) touch {state}; echo "INFO:  Success"; exit 0;;
          stop) rm -f {state}; exit 0;;
          status) if [ -e {state} ]; then echo "INFO:  Running OK"; exit 0; else echo "INFO:  Resource is stopped"; exit 7; fi;;
        esac
        exit 1
        """,
    )
    ex = executor_for(loc, tmp_path)
    args = {"1": "10.0.0.5/24/eth0", "3": "third", "x": "ignored"}

    async def go() -> list[OpResult]:
        ex.register(ResourceSpec("v1", "heartbeat", "IPthing"))
        return [await ex.execute(OpRequest("v1", a, params=args)) for a in ("monitor", "start", "monitor", "stop")]

    probe, start, monitor, stop = run(go)
    assert (probe.rc, start.rc, monitor.rc, stop.rc) == (7, 0, 0, 0)
    calls = (tmp_path / "calls").read_text().splitlines()
    assert calls[0] == "10.0.0.5/24/eth0 third status"
    assert calls[1] == "10.0.0.5/24/eth0 third start"


def test_debian_dummy_through_the_executor(tmp_path: Path) -> None:
    dummy = Path("/usr/lib/ocf/resource.d/heartbeat/Dummy")
    if not dummy.exists():
        pytest.skip("resource-agents not installed")
    from lrmd.agent_paths import AgentLocator

    loc = AgentLocator(ocf_root=Path("/usr/lib/ocf"), pacer_dirs=())
    ex = executor_for(loc, tmp_path)
    params = {"state": str(tmp_path / "d.state")}

    async def go() -> list[OpResult]:
        ex.register(ResourceSpec("d1", "ocf", "Dummy", "heartbeat"))
        return [
            await ex.execute(OpRequest("d1", a, params=params))
            for a in ("monitor", "start", "monitor", "stop", "monitor", "promote")
        ]

    rcs = [r.rc for r in run(go)]
    assert rcs == [7, 0, 0, 0, 7, 3]


def test_requests_are_validated() -> None:
    with pytest.raises(RequestError):
        ResourceSpec("bad id", "ocf", "Dummy", "heartbeat")
    with pytest.raises(RequestError):
        ResourceSpec("r", "stonith-ng", "x")
    with pytest.raises(RequestError):
        ResourceSpec("r", "ocf", "Dummy")
    with pytest.raises(RequestError):
        OpRequest("r", "start; rm -rf /")
    with pytest.raises(RequestError):
        OpRequest.from_dict({"rsc_id": "r", "action": "start", "params": {"a": 1}})
    with pytest.raises(RequestError):
        OpRequest.from_dict({"rsc_id": "r", "action": "start", "interval_ms": -5})
    with pytest.raises(RequestError):
        OpRequest.from_dict({"rsc_id": "r"})


def test_unregistered_resource_is_refused(tmp_path: Path) -> None:
    ex = executor_for(locator_for(tmp_path), tmp_path)

    async def go() -> None:
        with pytest.raises(RequestError):
            ex.submit(OpRequest("ghost", "start"))

    run(go)
    assert os.path.isdir(tmp_path)


def test_daemonised_children_keep_running_and_do_not_block_results(tmp_path: Path) -> None:
    pidfile = tmp_path / "child.pid"
    ex = _ocf(tmp_path, "Daemonise", f"sleep 30 &\necho $! > {pidfile}\necho started\nexit 0\n")

    async def go() -> OpResult:
        ex.register(ResourceSpec("r1", "ocf", "Daemonise", "test"))
        return await ex.execute(OpRequest("r1", "start"))

    started = time.monotonic()
    result = run(go)
    child = int(pidfile.read_text())
    try:
        assert result.rc == 0 and result.stdout.startswith("started")
        assert time.monotonic() - started < 5  # the child's open stdout is not waited for
        assert pid_alive(child)  # a normal exit leaves the agent's daemons alone
    finally:
        os.kill(child, 9)


def test_debian_v1_drbddisk_status_is_read_from_its_output(tmp_path: Path) -> None:
    script = Path("/etc/ha.d/resource.d/drbddisk")
    if not script.exists():
        pytest.skip("drbd-utils' drbddisk is not installed")
    from lrmd.agent_paths import AgentLocator

    ex = executor_for(AgentLocator(heartbeat_dir=script.parent), tmp_path)

    async def go() -> OpResult:
        ex.register(ResourceSpec("disk", "heartbeat", "drbddisk"))
        return await ex.execute(OpRequest("disk", "monitor", params={"1": "r0"}))

    result = run(go)
    # It prints "stopped (Unconfigured)" and exits 3; v1 status is judged from stdout.
    assert "stopped" in result.stdout
    assert (result.rc, result.op_status) == (OcfRc.NOT_RUNNING, ExecStatus.DONE)
