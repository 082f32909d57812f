"""Smoke test of tools/bench_cib.py: the embedded-only mode (no root), 1 writer per node,
about 2 seconds.  Checks that the report is well formed and the numbers are sane; no
timing thresholds (the machine is shared and noisy)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOOL = ROOT / "tools" / "bench_cib.py"


@pytest.mark.slow
def test_embedded_only_report(tmp_path: Path) -> None:
    out = tmp_path / "report.md"
    proc = subprocess.run(
        [sys.executable, str(TOOL), "--skip-corosync", "--duration", "2", "--writers", "1", "--skip-cli",
         "--out", str(out)],
        capture_output=True, text=True, timeout=300, check=False, cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    text = out.read_text()
    assert text in proc.stdout
    assert "| system | writers | updates | updates/s | p50 ms | p99 ms |" in text
    rows = json.loads(out.with_name(out.name + ".json").read_text())
    assert [(r["system"], r["mode"], r["writers"]) for r in rows] == [("pacer embedded", "api", 3)]
    row = rows[0]
    assert row["errors"] == []
    assert row["updates"] > 0
    assert row["rate"] > 0
    assert 0 < row["p50_ms"] <= row["p99_ms"]
    assert 1.5 <= row["elapsed"] < 60  # the measured window is the requested 2 s (plus the last update)
    assert f"| pacer embedded | 3 | {row['updates']} |" in text
    assert "| Pacemaker" not in text  # no Pacemaker rows, hence no ratios
    assert "| n/a | n/a |" in text
