"""Smoke test of tools/bench_failover.py: the embedded-only mode (no root), 1 round per
case.  Checks that the report is well formed and the numbers are sane; no timing
thresholds (the machine is shared and noisy)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOOL = ROOT / "tools" / "bench_failover.py"


@pytest.mark.slow
def test_embedded_only_report(tmp_path: Path) -> None:
    out = tmp_path / "report.md"
    proc = subprocess.run(
        [sys.executable, str(TOOL), "--skip-corosync", "--rounds", "1", "--out", str(out)],
        capture_output=True, text=True, timeout=600, check=False, cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    text = out.read_text()
    assert text in proc.stdout
    assert "stonith-enabled=false" in text
    assert "| system | case | rounds | kill -> running, median (min-max) |" in text
    data = json.loads(out.with_name(out.name + ".json").read_text())
    assert data["systems"] == ["pacer embedded"] and data["cases"] == ["holder", "dc"]
    rounds = data["rounds"]
    assert [(r["system"], r["case"]) for r in rounds] == [("pacer embedded", "holder"), ("pacer embedded", "dc")]
    for r in rounds:
        assert r["error"] is None
        assert r["new_node"] != r["victim"]
        assert r["new_node"] in ("node1", "node2", "node3")
        assert 0 < r["kill_to_running"] < 90
        assert r["reaction"] is None and r["kill_to_drop"] is None  # no Corosync on the embedded bus
        assert r["polls"] > 0
    holder, dc = rounds
    assert holder["victim"] != holder["dc_before"]
    assert dc["victim"] == dc["dc_before"]
    assert "| pacer embedded | holder is not the DC | 1 |" in text
    assert "| pacer embedded | holder is the DC | 1 |" in text
    assert "| Pacemaker" not in text  # no Pacemaker rows, hence no ratios
    assert "| n/a | n/a |" in text
    again = subprocess.run(
        [sys.executable, str(TOOL), "--from-json", str(out.with_name(out.name + ".json"))],
        capture_output=True, text=True, timeout=60, check=False, cwd=ROOT,
    )
    assert again.returncode == 0 and again.stdout.strip() == text.strip()
