"""Minimised CIBs on which our scheduler once disagreed with Debian's Pacemaker 2.1.5.

Each file in ``cases/`` was shrunk from a generated CIB (``tools/difftest.py --minimise``) and
names the mechanism it exercises in a leading comment. Both schedulers run on it; every view
(graph, scores, summary) must agree.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from lxml import etree

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from differ import ORACLE, differential  # noqa: E402

CASES = sorted((HERE / "cases").glob("*.xml"))

pytestmark = [
    pytest.mark.oracle,
    pytest.mark.skipif(not ORACLE.exists(), reason=f"{ORACLE} (Pacemaker's crm_simulate) is not installed"),
]


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_case_agrees(path: Path) -> None:
    cib = etree.parse(str(path), etree.XMLParser(remove_blank_text=True, remove_comments=True)).getroot()
    d = differential(cib)
    assert not d.oracle_failed, d.detail
    assert d.same, f"{path.name} differs from Pacemaker ({', '.join(d.views)}): {d.detail}"


def test_cases_say_what_they_test() -> None:
    for path in CASES:
        assert path.read_text().lstrip().startswith("<!--"), f"{path.name} has no leading comment"
