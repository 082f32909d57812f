"""Same verdict as Pacemaker's crm_verify on the 400 scheduler conformance inputs.

The oracle (Debian's /usr/sbin/crm_verify) is run live when installed; otherwise the
verdicts it gave, recorded in data/oracle_verdicts.tsv by verify_oracle.py, are used.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree
from verify_oracle import CONFORMANCE, available, golden, run_oracle

from crm.verify import verify

HERE = Path(__file__).resolve().parent
CASES = sorted(p.name for p in CONFORMANCE.glob("*.xml"))
KNOWN = {
    line.split("\t", 1)[0]: line.split("\t", 1)[1]
    for line in (HERE / "known_divergences.txt").read_text().splitlines()
    if line and not line.startswith("#")
}
GOLDEN = golden()


def our_verdict(path: Path) -> str:
    report = verify(etree.parse(str(path)))
    if report.has_errors:
        return "errors"
    if report.has_warnings:
        return "warnings"
    return "valid"


def test_every_input_is_covered() -> None:
    assert len(CASES) == 400
    assert set(GOLDEN) == set(CASES)
    assert set(KNOWN) <= set(CASES)


@pytest.mark.oracle
@pytest.mark.parametrize("name", CASES)
def test_same_verdict_as_pacemaker(name: str, request: pytest.FixtureRequest) -> None:
    path = CONFORMANCE / name
    if available():
        _, expected = run_oracle(path)
    else:
        expected = GOLDEN[name][1]
    if name in KNOWN:
        request.applymarker(pytest.mark.xfail(reason=KNOWN[name], strict=True))
    assert our_verdict(path) == expected
