#!/usr/bin/env python3
"""Benchmark pacer's scheduler against Pacemaker's on generated CIBs (tools/cibgen.py).

For each size (nodes x resources) and status kind (empty / running / one node failed) one CIB is
generated (10% colocations, orders and locations, half the resources in groups of 5), then the
same file is given to both ``crm_simulate`` commands in the same run (whole process: start-up,
parsing, scheduling, writing the graph).  Wall time, the ratio ours/theirs and the peak resident
memory of each process are printed as a markdown table.

Usage: tools/bench_scheduler.py [--quick] [--sizes 16x1000,32x2000] [--repeat N] [-o FILE]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import cibgen  # noqa: E402

DEFAULT_SIZES = ("3x10", "8x100", "16x1000", "32x2000", "32x5000")
QUICK_SIZES = ("3x10", "5x50")
OURS = ROOT / ".venv" / "bin" / "crm_simulate"
THEIRS = Path("/usr/sbin/crm_simulate")


@dataclass(frozen=True)
class Measure:
    seconds: float | None  # wall time; None: failed or timed out
    max_rss_kib: int
    note: str = ""
    cpu: float = 0.0  # user + system time of the process


def parse_size(text: str) -> tuple[int, int]:
    try:
        nodes, resources = (int(x) for x in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid size {text!r}: expected NODESxRESOURCES, e.g. 16x1000") from None
    if nodes < 1 or resources < 0:
        raise argparse.ArgumentTypeError(f"invalid size {text!r}: counts must be positive")
    return nodes, resources


def measure(cmd: list[str], timeout: float) -> Measure:
    """Run ``cmd``; wall time and peak RSS of that process alone (wait4 rusage)."""
    start = time.perf_counter()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}  # cached bytecode, as installed
    env["LC_ALL"] = "C"
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    deadline = start + timeout
    try:
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                _, status, usage = os.wait4(proc.pid, 0)
                return Measure(None, usage.ru_maxrss, f"timeout after {timeout:.0f}s")
            time.sleep(0.005)
    except BaseException:  # interrupted: never leave the measured process behind
        proc.kill()
        os.waitpid(proc.pid, 0)
        raise
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.stderr:
        proc.stderr.close()
    if proc.returncode != 0:
        return Measure(None, usage.ru_maxrss, f"exit {proc.returncode}: {err.strip()[-120:]}")
    return Measure(elapsed, usage.ru_maxrss, cpu=usage.ru_utime + usage.ru_stime)


def best(cmd: list[str], repeat: int, timeout: float) -> Measure:
    runs = [measure(cmd, timeout) for _ in range(repeat)]
    ok = [r for r in runs if r.seconds is not None]
    if not ok:
        return runs[-1]
    return min(ok, key=lambda r: r.cpu)


def fmt_time(m: Measure) -> str:
    return f"{m.seconds:.2f}s / {m.cpu:.2f}s" if m.seconds is not None else f"n/a ({m.note})"


def fmt_mem(m: Measure) -> str:
    return f"{m.max_rss_kib / 1024:.0f} MiB"


def run(sizes: list[tuple[int, int]], kinds: list[str], repeat: int, timeout: float, workdir: Path,
        ours: Path, theirs: Path | None) -> str:
    lines = [
        "| nodes x resources | status | CIB size | ours (wall / CPU) | Pacemaker (wall / CPU) | CPU ratio "
        "| ours peak RSS | Pacemaker peak RSS |",
        "|---|---|---|---|---|---|---|---|",
    ]
    warmed = False
    for nodes, resources in sizes:
        for kind in kinds:
            spec = cibgen.Spec(nodes=nodes, resources=resources, grouped=0.5, group_size=5, colocations=0.1,
                               orders=0.1, locations=0.1, status=kind, stonith=kind == "failed")
            cib, _ = cibgen.generate(spec, seed=nodes * 100003 + resources)
            path = workdir / f"cib-{nodes}x{resources}-{kind}.xml"
            path.write_bytes(cibgen.to_bytes(cib))
            args = ["-x", str(path), "-Q", "-G", str(workdir / "graph.xml")]
            if not warmed:  # compile and cache bytecode once, outside the measurements
                measure([str(ours), *args], timeout)
                warmed = True
            mine = best([str(ours), *args], repeat, timeout)
            if theirs is not None:
                ref = best([str(theirs), *args], repeat, timeout)
                ratio = (
                    f"{mine.cpu / ref.cpu:.1f}x"
                    if mine.seconds is not None and ref.seconds is not None and ref.cpu > 0
                    else "n/a"
                )
                ref_time, ref_mem = fmt_time(ref), fmt_mem(ref)
            else:
                ratio, ref_time, ref_mem = "n/a", "n/a (not installed)", "n/a"
            size_mib = path.stat().st_size / (1 << 20)
            lines.append(
                f"| {nodes}x{resources} | {kind} | {size_mib:.1f} MiB | {fmt_time(mine)} | {ref_time} | {ratio} "
                f"| {fmt_mem(mine)} | {ref_mem} |"
            )
            print(lines[-1], file=sys.stderr, flush=True)
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help=f"small sizes only ({', '.join(QUICK_SIZES)}), one run each")
    p.add_argument("--sizes", type=lambda t: [parse_size(x) for x in t.split(",") if x], default=None)
    p.add_argument("--status", default=",".join(cibgen.STATUS_KINDS), help="comma list of status kinds")
    p.add_argument("--repeat", type=int, default=None, help="runs per command, the best is kept (default 3, quick 1)")
    p.add_argument("--timeout", type=float, default=900.0, help="seconds per run")
    p.add_argument("--ours", type=Path, default=OURS)
    p.add_argument("--theirs", type=Path, default=THEIRS)
    p.add_argument("-o", "--output", help="write the markdown table to this file")
    opts = p.parse_args(argv)
    sizes = opts.sizes or [parse_size(s) for s in (QUICK_SIZES if opts.quick else DEFAULT_SIZES)]
    kinds = [k for k in opts.status.split(",") if k]
    bad = [k for k in kinds if k not in cibgen.STATUS_KINDS]
    if bad:
        p.error(f"unknown status kind(s): {', '.join(bad)}")
    repeat = opts.repeat or (1 if opts.quick else 3)
    if not opts.ours.exists():
        p.error(f"{opts.ours} not found (run tools/bootstrap.sh first)")
    theirs = opts.theirs if opts.theirs.exists() else None
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))  # clean up on kill
    workdir = Path(tempfile.mkdtemp(prefix="bench_scheduler."))
    try:
        table = run(sizes, kinds, repeat, opts.timeout, workdir, opts.ours, theirs)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if opts.output:
        tmp = Path(f"{opts.output}.{os.getpid()}.tmp")
        tmp.write_text(table)
        os.replace(tmp, opts.output)
    else:
        sys.stdout.write(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
