"""The 400 scheduler conformance inputs validate (older ones after upgrade) and round-trip."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from crm.cib.schema import CURRENT_SCHEMA, Grammar, grammar_for, validate
from crm.cib.upgrade import upgrade

CONFORMANCE = Path(__file__).resolve().parent.parent / "conformance" / "data" / "xml"
CASES = sorted(p.name for p in CONFORMANCE.glob("*.xml"))


def canonical(doc: etree._Element | etree._ElementTree) -> bytes:
    return etree.tostring(doc, method="c14n")


def test_all_inputs_present() -> None:
    assert len(CASES) == 400


@pytest.mark.parametrize("name", CASES)
def test_input_validates_and_round_trips(name: str) -> None:
    tree = etree.parse(str(CONFORMANCE / name))
    assert validate(tree) == []
    text = etree.tostring(tree, xml_declaration=True, encoding="UTF-8")
    again = etree.fromstring(text).getroottree()
    assert canonical(again) == canonical(tree)
    assert validate(again) == []


@pytest.mark.parametrize("name", CASES)
def test_upgrade_gives_a_valid_current_document(name: str) -> None:
    tree = etree.parse(str(CONFORMANCE / name))
    before = canonical(tree)
    upgraded = upgrade(tree)
    assert canonical(tree) == before, "upgrade must not modify its input"
    root = upgraded.getroot()
    assert root.get("validate-with") == CURRENT_SCHEMA
    assert grammar_for(root.get("validate-with")) is Grammar.CURRENT
    assert validate(upgraded) == []
    # the configuration of a 3.x document is already current: only versions may change
    if grammar_for(tree.getroot().get("validate-with")) is Grammar.CURRENT:
        old_config, new_config = tree.find("configuration"), upgraded.find("configuration")
        assert old_config is not None and new_config is not None
        assert canonical(new_config) == canonical(old_config)


CRM_SIMULATE = Path("/usr/sbin/crm_simulate")
SIMULATED = CASES[::100]


@pytest.mark.oracle
@pytest.mark.skipif(not CRM_SIMULATE.is_file(), reason="Debian's crm_simulate is not installed")
@pytest.mark.parametrize("name", SIMULATED)
def test_status_written_by_pacemaker_validates(name: str, tmp_path: Path) -> None:
    """After Pacemaker's simulator has run the transition, the CIB it writes (with the
    status section it produced) is valid for our stricter status grammar."""
    import subprocess

    out = tmp_path / "after.xml"
    done = subprocess.run(
        [str(CRM_SIMULATE), "-x", str(CONFORMANCE / name), "-S", "-O", str(out)],
        capture_output=True,
        check=False,
        timeout=120,
    )
    if done.returncode != 0 or not out.is_file():
        pytest.skip(f"crm_simulate could not run {name}")
    assert validate(etree.parse(str(out))) == []
