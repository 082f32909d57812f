"""Smoke test of tools/bench_cib_cpu.py on a small CIB: the report is well formed and every
write changed the CIB; no timing thresholds (the machine is shared and noisy)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TOOL = ROOT / "tools" / "bench_cib_cpu.py"


def test_report() -> None:
    proc = subprocess.run(
        [sys.executable, str(TOOL), "--resources", "5", "--writes", "5", "--repeat", "1"],
        capture_output=True, text=True, timeout=300, check=False, cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("CIB: 3 nodes, 5 resources, ")
    assert lines[1] == "| write | apply ms | finish ms | diff ms | total ms |"
    rows = {line.split("|")[1].strip(): line for line in lines[3:]}
    assert set(rows) == {"status", "config"}
    for line in rows.values():
        apply, finish, diff, total = (float(cell) for cell in line.strip("|").split("|")[1:])
        assert min(apply, finish, diff) >= 0
        assert abs(apply + finish + diff - total) < 0.01
