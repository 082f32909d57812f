"""The generated CIBs are sound inputs: Pacemaker's own scheduler converges on them."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from scheduler_strategies import cibgen

ORACLE = Path("/usr/sbin/crm_simulate")
pytestmark = [
    pytest.mark.oracle,
    pytest.mark.skipif(not ORACLE.exists(), reason="Debian's crm_simulate is not installed"),
]

SPECS = [
    cibgen.Spec(nodes=3, resources=12, grouped=0.5, group_size=3, colocations=0.3, orders=0.3,
                locations=0.3, clones=1, status=status, stonith=stonith)
    for status in cibgen.STATUS_KINDS for stonith in (False, True)
]


def _simulate(src: Path, out: Path) -> str:
    proc = subprocess.run([str(ORACLE), "-x", str(src), "-S", "-O", str(out)], capture_output=True, text=True,
                          timeout=120, env={"LC_ALL": "C", "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: f"{s.status}{'-stonith' if s.stonith else ''}")
@pytest.mark.parametrize("seed", [1, 2])
def test_pacemaker_converges_on_generated_cibs(spec: cibgen.Spec, seed: int, tmp_path: Path) -> None:
    cib, _ = cibgen.generate(spec, seed)
    src = tmp_path / "in.xml"
    src.write_bytes(cibgen.to_bytes(cib))
    _simulate(src, tmp_path / "round1.xml")
    second = _simulate(tmp_path / "round1.xml", tmp_path / "round2.xml")
    summary = re.search(r"Transition Summary:(.*?)Executing Cluster Transition:", second, re.S)
    assert summary is not None and not summary.group(1).strip(), second


def test_generation_is_deterministic() -> None:
    spec = SPECS[1]
    assert cibgen.to_bytes(cibgen.generate(spec, 7)[0]) == cibgen.to_bytes(cibgen.generate(spec, 7)[0])
    assert cibgen.to_bytes(cibgen.generate(spec, 7)[0]) != cibgen.to_bytes(cibgen.generate(spec, 8)[0])


def test_invalid_specs_are_rejected() -> None:
    with pytest.raises(ValueError, match="status"):
        cibgen.Spec(status="sideways")
    with pytest.raises(ValueError, match="between 0 and 1"):
        cibgen.Spec(orders=2.0)
