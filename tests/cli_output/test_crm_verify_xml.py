"""``crm_verify --output-as=xml``: Pacemaker 2.1.5's result carries only the status (the
messages stay on stderr).  Compared with Debian's crm_verify on CIBs damaged at random from the
conformance inputs (same document apart from the request line, same exit code), and validated
against ``crm/schemas/api/status-only.rng``."""

from __future__ import annotations

import io
import random
import re
import subprocess
from pathlib import Path

import pytest
from lxml import etree

from crm.cli import crm_verify

ROOT = Path(__file__).resolve().parents[2]
INPUTS = sorted((ROOT / "tests" / "conformance" / "data" / "xml").glob("*.xml"))
SCHEMA = etree.RelaxNG(etree.parse(str(ROOT / "crm" / "schemas" / "api" / "status-only.rng")))
ORACLE = Path("/usr/sbin/crm_verify")


def damaged(source: Path, seed: int, target: Path) -> Path:
    """``source`` with one attribute of one configuration element set to garbage or removed
    (seeded).  The status section is left alone: pacer's schema check of it is stricter than
    Pacemaker's (a known verdict difference of crm/verify, not of the output layer)."""
    rng = random.Random(seed)
    root = etree.parse(str(source)).getroot()
    config = root.find("configuration")
    elements = [e for e in (config.iter() if config is not None else ()) if isinstance(e.tag, str) and e.attrib]
    if elements:
        element = rng.choice(elements)
        name = rng.choice(sorted(element.attrib))
        if rng.random() < 0.5:
            del element.attrib[name]
        else:
            element.set(name, rng.choice(["garbage", "-1", "", "INFINITY", "yes"]))
    target.write_bytes(etree.tostring(root))
    return target


def _ours(path: Path) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    rc = crm_verify.run(["-x", str(path), "--output-as=xml"], io.StringIO(), out, err)
    return rc, out.getvalue()


CASES = [(INPUTS[(i * 37) % len(INPUTS)], i) for i in range(24)]


@pytest.mark.parametrize(("source", "seed"), CASES, ids=[f"{p.stem}-{s}" for p, s in CASES])
def test_status_document(source: Path, seed: int, tmp_path: Path) -> None:
    path = damaged(source, seed, tmp_path / "cib.xml")
    rc, text = _ours(path)
    doc = etree.fromstring(text.encode())
    assert SCHEMA.validate(doc), SCHEMA.error_log
    assert doc.find("status").get("code") == str(rc)  # type: ignore[union-attr]


@pytest.mark.oracle
@pytest.mark.parametrize(("source", "seed"), CASES, ids=[f"{p.stem}-{s}" for p, s in CASES])
def test_like_pacemaker(source: Path, seed: int, tmp_path: Path) -> None:
    if not ORACLE.exists():
        pytest.skip(f"{ORACLE} is not installed")
    path = damaged(source, seed, tmp_path / "cib.xml")
    theirs = subprocess.run([str(ORACLE), "-x", str(path), "--output-as=xml"], capture_output=True, text=True,
                            timeout=60)
    rc, ours = _ours(path)
    assert rc == theirs.returncode
    mask = re.compile(r'request="[^"]*"')
    assert mask.sub("", ours) == mask.sub("", theirs.stdout)


def test_unknown_format(tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    rc = crm_verify.run(["-x", str(INPUTS[0]), "--output-as=html"], io.StringIO(), out, err)
    assert (rc, out.getvalue()) == (1, "")
    assert err.getvalue() == "crm_verify: Error creating output format html: Unknown output format\n"
