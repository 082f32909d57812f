"""``crm_mon --output-as=xml``: the document validates against pacer's API schema
(``crm/schemas/api/crm_mon.rng``), and is the one Debian's Pacemaker 2.1.5 ``crm_mon`` prints on
the scheduler conformance CIBs, apart from the clock (``last_update``), the ``request`` line
(the program path as invoked) and the order of ``<ban>`` entries (Pacemaker's comes from a hash
table).  Inputs listed in ``data/known_differences_crm_mon_xml.txt`` still differ (xfail, not
strict)."""

from __future__ import annotations

import io
import os
import re
import subprocess
from pathlib import Path

import pytest
from lxml import etree

from crm.cli import crm_mon

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
INPUTS = ROOT / "tests" / "conformance" / "data" / "xml"
SCHEMA = ROOT / "crm" / "schemas" / "api" / "crm_mon.rng"
ORACLE = Path("/usr/sbin/crm_mon")
KNOWN = {line.strip() for line in (HERE / "data" / "known_differences_crm_mon_xml.txt").read_text().splitlines()
         if line.strip()}


def _ours(cib: Path) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    rc = crm_mon.run(["--output-as=xml"], out, err, {"CIB_file": str(cib)})
    return rc, out.getvalue()


def normalize(text: str) -> str:
    text = re.sub(r'<last_update time="[^"]*"/>', "<last_update/>", text)
    text = re.sub(r'request="[^"]*"', 'request=""', text)
    lines = text.splitlines()
    bans = iter(sorted(line for line in lines if line.lstrip().startswith("<ban ")))
    return "\n".join(next(bans) if line.lstrip().startswith("<ban ") else line for line in lines)


@pytest.fixture(scope="module")
def schema() -> etree.RelaxNG:
    return etree.RelaxNG(etree.parse(str(SCHEMA)))


INPUT_FILES = sorted(INPUTS.glob("*.xml"))


@pytest.mark.parametrize("cib", INPUT_FILES[::7], ids=lambda p: p.stem)
def test_output_validates(cib: Path, schema: etree.RelaxNG) -> None:
    rc, text = _ours(cib)
    assert rc == 0
    doc = etree.fromstring(text.encode())
    assert schema.validate(doc), schema.error_log
    status = doc.find("status")
    assert status is not None and status.get("code") == "0" and status.get("message") == "OK"


def test_missing_file_is_reported_in_the_document(tmp_path: Path, schema: etree.RelaxNG) -> None:
    out, err = io.StringIO(), io.StringIO()
    rc = crm_mon.run(["--output-as=xml"], out, err, {"CIB_file": str(tmp_path / "nope.xml")})
    doc = etree.fromstring(out.getvalue().encode())
    assert schema.validate(doc), schema.error_log
    assert doc.findtext("status/errors/error") == "Could not connect to the CIB: No such device or address"
    assert rc == int(doc.find("status").get("code"))  # type: ignore[union-attr]
    assert rc != 0


def test_unknown_format_is_refused() -> None:
    out, err = io.StringIO(), io.StringIO()
    rc = crm_mon.run(["--output-as=yaml", "-1"], out, err, {"CIB_file": str(INPUT_FILES[0])})
    assert rc == 1
    assert err.getvalue() == "crm_mon: Error creating output format yaml: Unknown output format\n"
    assert out.getvalue() == ""


def _cases() -> list[object]:
    return [pytest.param(p, id=p.stem, marks=[pytest.mark.xfail(strict=False, reason="known difference")]
                         if p.name in KNOWN else []) for p in INPUT_FILES]


@pytest.mark.oracle
@pytest.mark.parametrize("cib", _cases())
def test_like_pacemaker(cib: Path) -> None:
    if not ORACLE.exists():
        pytest.skip(f"{ORACLE} is not installed")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CIB_")}
    env["CIB_file"] = str(cib)
    theirs = subprocess.run([str(ORACLE), "--output-as=xml"], env=env, capture_output=True, text=True, timeout=60)
    rc, ours = _ours(cib)
    assert rc == theirs.returncode
    assert normalize(ours) == normalize(theirs.stdout)
