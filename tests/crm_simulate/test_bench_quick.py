"""Smoke test of tools/bench_scheduler.py (its --quick mode, one tiny size)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "tools" / "bench_scheduler.py"


def test_quick_benchmark_prints_a_markdown_row(tmp_path: Path) -> None:
    out = tmp_path / "bench.md"
    proc = subprocess.run(
        [sys.executable, str(BENCH), "--quick", "--sizes", "2x4", "--status", "empty", "--timeout", "120",
         "-o", str(out)],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    rows = out.read_text().splitlines()
    assert rows[0].startswith("| nodes x resources |")
    assert len(rows) == 3
    cells = [c.strip() for c in rows[2].strip("|").split("|")]
    assert cells[0] == "2x4" and cells[1] == "empty"
    assert cells[3].endswith("s") and "n/a" not in cells[3], f"our crm_simulate failed: {cells[3]}"


@pytest.mark.parametrize("size", ["16", "x10", "0x10", "ax5"])
def test_bad_sizes_are_rejected(size: str) -> None:
    proc = subprocess.run([sys.executable, str(BENCH), "--sizes", size], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "invalid size" in proc.stderr
