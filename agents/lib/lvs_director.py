"""The checker process of ``ocf:pacer:ldirectord``: checks real servers, keeps IPVS in line.

Run as ``python3 -IS lvs_director.py --config FILE --state FILE [--ipvsadm PATH]``.
Every real server is checked every ``checkinterval`` seconds of its virtual service (the
checks of one round run in parallel); after ``failurecount`` failures in a row it counts
as down, after one success as up again.  After each round the IPVS table is read back
(``ipvsadm -S -n``) and the difference to the table the configuration asks for is applied:
a server that went down is deleted (or set to weight 0 when quiescent), one that came back
is added with its weight, the fallback server stands in while no real server can take
connections, and a virtual service someone deleted is put back.  Services that are not in
the configuration are never touched.

The state file (JSON, replaced atomically after every round) tells the agent how the
process is doing: its pid, the round, the services it owns, each real server's state and
the last ipvsadm error.  SIGTERM ends the process (the agent's stop removes the services);
SIGHUP re-reads the configuration (a bad one is reported and the old one kept).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))

from lvs_check import check_real
from lvs_config import Config, ConfigError, RealServer, Virtual, read_config
from lvs_rules import Service, commands, desired_table, health_key, parse_saved, render
from lvs_state import read_state, write_state

Runner = Callable[[list[str]], tuple[int, str]]
Checker = Callable[[Virtual, RealServer, int], tuple[bool, str]]


def log(message: str) -> None:
    sys.stderr.write(time.strftime("%Y-%m-%d %H:%M:%S ") + message + "\n")
    sys.stderr.flush()


def run_ipvsadm(ipvsadm: str) -> Runner:
    import subprocess

    def runner(args: list[str]) -> tuple[int, str]:
        try:
            done = subprocess.run([ipvsadm, *args], capture_output=True, text=True, timeout=30, check=False,
                                  stdin=subprocess.DEVNULL)
        except FileNotFoundError:
            return 127, f"{ipvsadm}: command not found"
        except subprocess.TimeoutExpired:
            return 124, f"{ipvsadm} {render(args)}: timed out"
        return done.returncode, (done.stdout if done.returncode == 0 else done.stderr.strip() or done.stdout)

    return runner


class RealState:
    __slots__ = ("checks", "detail", "due", "failures", "up")

    def __init__(self) -> None:
        self.up: bool | None = None
        self.failures = 0
        self.checks = 0
        self.due = 0.0
        self.detail = ""


class Director:
    """Health states and the IPVS table of one configuration (no process concerns)."""

    def __init__(self, config: Config, run: Runner, check: Checker = check_real,
                 owned: Sequence[str] = ()) -> None:
        self.config = config
        self.run = run
        self.check = check
        self.owned: set[str] = set(owned) | {v.key for v in config.virtuals}
        self.reals: dict[str, RealState] = {}
        self.round = 0
        self.error = ""
        self._sync_reals()

    def _sync_reals(self) -> None:
        keys = {health_key(v, r) for v in self.config.virtuals for r in v.reals}
        for key in keys - set(self.reals):
            self.reals[key] = RealState()
        for key in set(self.reals) - keys:
            del self.reals[key]

    def reload(self, config: Config) -> None:
        self.config = config
        self.owned |= {v.key for v in config.virtuals}
        self._sync_reals()
        for state in self.reals.values():
            state.due = 0.0

    def up_map(self) -> dict[str, bool]:
        return {key: bool(state.up) for key, state in self.reals.items()}

    def due_checks(self, now: float) -> list[tuple[Virtual, RealServer, RealState]]:
        due: list[tuple[Virtual, RealServer, RealState]] = []
        seen: set[str] = set()
        for virtual in self.config.virtuals:
            if virtual.checktype in {"on", "off"}:
                continue
            for real in virtual.reals:
                key = health_key(virtual, real)
                state = self.reals[key]
                if key in seen or state.due > now:
                    continue
                seen.add(key)
                due.append((virtual, real, state))
        return due

    def run_checks(self, now: float, pool: ThreadPoolExecutor | None = None) -> list[str]:
        """Check every real server that is due; returns messages about state changes."""
        due = self.due_checks(now)
        if pool is not None and len(due) > 1:
            results = list(pool.map(lambda item: self.check(item[0], item[1], item[2].checks), due))
        else:
            results = [self.check(v, r, s.checks) for v, r, s in due]
        messages: list[str] = []
        for (virtual, real, state), (ok, detail) in zip(due, results, strict=True):
            state.checks += 1
            state.due = now + virtual.checkinterval
            state.detail = detail
            name = f"real server {health_key(virtual, real)}"
            if ok:
                state.failures = 0
                if state.up is not True:
                    messages.append(f"{name} is up")
                state.up = True
            else:
                state.failures += 1
                if state.up is None or (state.up and state.failures >= virtual.failurecount):
                    messages.append(f"{name} is down: {detail}")
                    state.up = False
        return messages

    def next_due(self) -> float | None:
        times = [s.due for v in self.config.virtuals if v.checktype not in {"on", "off"}
                 for r in v.reals for s in (self.reals[health_key(v, r)],)]
        return min(times) if times else None

    def desired(self) -> dict[str, Service]:
        return desired_table(self.config, self.up_map())

    def sync_table(self) -> list[str]:
        """Bring the kernel's table in line; returns the commands run (for the log)."""
        rc, out = self.run(["-S", "-n"])
        if rc != 0:
            self.error = f"ipvsadm -S -n failed: {out.strip()}"
            return []
        try:
            current = parse_saved(out)
        except ValueError as exc:
            self.error = f"cannot read ipvsadm -S -n: {exc}"
            return []
        desired = self.desired()
        done: list[str] = []
        errors: list[str] = []
        kept: set[str] = set()  # services of an older configuration that could not be deleted
        for args in commands(current, desired, self.owned):
            rc, out = self.run(args)
            text = "ipvsadm " + render(args)
            if rc != 0:
                errors.append(f"{text}: {out.strip()}")
                if args[0] == "-D":
                    kept.add(" ".join(args[1:3]))
            else:
                done.append(text)
        self.owned = {v.key for v in self.config.virtuals} | kept
        self.error = "; ".join(errors)
        self.round += 1
        return done

    def state(self) -> dict[str, Any]:
        return {
            "pid": os.getpid(),
            "round": self.round,
            "time": time.time(),
            "services": sorted(self.owned | {v.key for v in self.config.virtuals}),
            "reals": {key: {"up": state.up, "detail": state.detail} for key, state in sorted(self.reals.items())},
            "error": self.error,
        }


def serve(config_path: str, state_path: str, ipvsadm: str, *, resync: float = 5.0) -> int:
    wake = threading.Event()
    flags = {"stop": False, "reload": False}

    def on_signal(name: str) -> Callable[..., None]:
        def handler(*_: object) -> None:
            flags[name] = True
            wake.set()
        return handler

    signal.signal(signal.SIGTERM, on_signal("stop"))
    signal.signal(signal.SIGINT, on_signal("stop"))
    signal.signal(signal.SIGHUP, on_signal("reload"))
    try:
        config = read_config(config_path)
    except ConfigError as exc:
        log(f"configuration error: {exc}")
        write_state(state_path, {"pid": os.getpid(), "round": 0, "error": f"configuration error: {exc}",
                                 "services": [], "reals": {}, "fatal": True})
        return 6
    for message in config.warnings:
        log(f"warning: {message}")
    previous = read_state(state_path) or {}
    services = previous.get("services")
    owned = [str(k) for k in services] if isinstance(services, list) else []
    director = Director(config, run_ipvsadm(ipvsadm), owned=owned)
    log(f"checking {len(director.reals)} real server(s) of {len(config.virtuals)} virtual service(s)")
    workers = max(1, min(32, len(director.reals)))
    last_sync = -resync
    last_error = ""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        while True:
            wake.clear()
            if flags["reload"]:
                flags["reload"] = False
                try:
                    new = read_config(config_path)
                except ConfigError as exc:
                    log(f"reload refused, keeping the running configuration: {exc}")
                else:
                    director.reload(new)
                    last_sync = -resync
                    log("configuration reloaded")
            if flags["stop"]:
                log("stopping")
                return 0
            now = time.monotonic()
            checked = bool(director.due_checks(now))
            for message in director.run_checks(now, pool):
                log(message)
            if checked or time.monotonic() - last_sync >= resync:
                last_sync = time.monotonic()
                for command in director.sync_table():
                    log(command)
                if director.error and director.error != last_error:
                    log(f"error: {director.error}")
                last_error = director.error
                write_state(state_path, director.state())
            next_due = director.next_due()
            until = last_sync + resync if next_due is None else min(next_due, last_sync + resync)
            wake.wait(max(0.05, until - time.monotonic()))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="ldirectord checker: real server checks and IPVS upkeep")
    parser.add_argument("--config", required=True)
    parser.add_argument("--state", required=True)
    parser.add_argument("--ipvsadm", default="ipvsadm")
    args = parser.parse_args(argv)
    return serve(args.config, args.state, args.ipvsadm)


if __name__ == "__main__":
    sys.exit(main())
