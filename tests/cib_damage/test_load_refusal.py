"""A CIB that fails its schema is refused as Pacemaker 2.1.5 refuses it.

Differential tests on randomly damaged public CIBs (``cib_damager``): Debian's
``crm_simulate`` and ours accept and refuse the same ones, with the same validation error
lines; the same for the tools that read ``CIB_file`` (``cibadmin -Q``).  Unit tests pin
Pacemaker's loading rules in ``crm.cib.pacemaker_schemas`` (schema list, names, upgrade).
The known differences are listed in ``known_differences.md``.
"""

from __future__ import annotations

import copy
import io
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from cib_damager import damaged, inputs
from lxml import etree

from crm.cib import pacemaker_schemas as ps
from crm.cli import crm_simulate

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
ORACLE = Path("/usr/sbin/crm_simulate")
CIBADMIN = Path("/usr/sbin/cibadmin")
SEEDS = range(20000, 20040)
ARGS = ["-S", "-Q"]


def _known_stderr_differences() -> set[int]:
    """Seeds whose validation lines differ only where known_differences.md says they may."""
    seeds: set[int] = set()
    for line in (HERE / "known_differences.md").read_text().splitlines():
        if line.startswith("- seed "):
            seeds.add(int(line.split()[2].rstrip(":")))
    return seeds


needs_oracle = pytest.mark.skipif(
    shutil.which(str(ORACLE)) is None, reason="Debian's crm_simulate (pacemaker-cli-utils) is not installed"
)


def _debian(path: Path) -> tuple[int, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("CIB_file", "CIB_shadow")}
    proc = subprocess.run(
        [str(ORACLE), "-x", path.name, *ARGS], capture_output=True, text=True, timeout=300, cwd=path.parent, env=env
    )
    return proc.returncode, proc.stderr


def _ours(path: Path) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    cwd = os.getcwd()
    os.chdir(path.parent)
    try:
        rc = crm_simulate.run(["-x", path.name, *ARGS], out, err)
    finally:
        os.chdir(cwd)
    return rc, err.getvalue()


@pytest.mark.oracle
@needs_oracle
@pytest.mark.parametrize("seed", SEEDS)
def test_crm_simulate_accepts_and_refuses_as_debian(seed: int, tmp_path: Path) -> None:
    case = damaged(seed)
    path = tmp_path / "cib.xml"
    path.write_bytes(case.text)
    their_rc, their_err = _debian(path)
    our_rc, our_err = _ours(path)  # a traceback fails the test here
    what = f"{case.source}: {'; '.join(case.changes)}"
    assert (our_rc == 78) == (their_rc == 78), f"{what}\ndebian {their_rc}: {their_err[:2000]}\nours {our_rc}: {our_err[:2000]}"
    if their_rc == 78 and seed not in _known_stderr_differences():
        # libxml2 lists IDREF errors in hash order: compare the lines, not their order
        assert Counter(our_err.splitlines()) == Counter(their_err.splitlines()), what


@pytest.mark.oracle
@pytest.mark.skipif(shutil.which(str(CIBADMIN)) is None, reason="Debian's cibadmin is not installed")
@pytest.mark.parametrize("seed", range(21000, 21020))
def test_cib_file_tools_refuse_as_debian(seed: int, tmp_path: Path) -> None:
    path = tmp_path / "cib.xml"
    path.write_bytes(damaged(seed).text)
    env = dict(os.environ, CIB_file=str(path), PYTHONPATH=str(ROOT))
    env.pop("CIB_shadow", None)
    theirs = subprocess.run([str(CIBADMIN), "-Q", "-o", "nodes"], capture_output=True, text=True, env=env, timeout=120)
    ours = subprocess.run(
        [sys.executable, "-m", "crm.cli.cibadmin", "-Q", "-o", "nodes"],
        capture_output=True, text=True, env=env, timeout=120, cwd=ROOT,
    )
    assert ours.returncode == theirs.returncode, (theirs.stderr, ours.stderr)
    if theirs.returncode == 78:
        assert "Update does not conform to the configured schema" in ours.stderr


def test_refused_cib_file_says_what_pacemaker_says(tmp_path: Path) -> None:
    path = tmp_path / "cib.xml"
    root = etree.parse(str(inputs()[0])).getroot()
    root.find("configuration/resources").append(etree.Element("primitive", id="x", foo="bar"))  # type: ignore[union-attr]
    path.write_bytes(etree.tostring(root))
    env = dict(os.environ, CIB_file=str(path), PYTHONPATH=str(ROOT))
    proc = subprocess.run(
        [sys.executable, "-m", "crm.cli.crm_simulate", "-L"],
        capture_output=True, text=True, env=env, timeout=120, cwd=ROOT,
    )
    assert (proc.returncode, proc.stderr) == (66, "crm_simulate: CIB query failed: Input file not available\n")


# ---------------------------------------------------------------------------- unit tests


def test_the_schema_list_is_pacemakers() -> None:
    names = [s.name for s in ps.known_schemas()]
    assert names[0] == "pacemaker-1.0"
    assert names[-3:] == ["pacemaker-3.9", "pacemaker-next", "none"]
    assert ps.schema_name(ps.latest_index()) == "pacemaker-3.9"
    assert ps.schema_name(ps.minimum_index()) == "pacemaker-3.0"
    upgrades = {s.name: (s.transform, s.transform_enter, s.transform_onleave) for s in ps.known_schemas() if s.transform}
    assert upgrades == {
        "pacemaker-1.3": ("upgrade-1.3", None, False),
        "pacemaker-2.10": ("upgrade-2.10", "upgrade-2.10-enter", True),
    }


@pytest.mark.parametrize(
    ("value", "name"),
    [(None, "none"), ("none", "none"), ("PACEMAKER-3.7", "pacemaker-3.7"), ("pacemaker-next", "pacemaker-next"),
     ("pacemaker-0.6", "unknown"), ("garbage", "unknown"), ("", "unknown")],
)
def test_validate_with_names_are_matched_as_pacemaker_matches_them(value: str | None, name: str) -> None:
    assert ps.schema_name(ps.schema_index(value)) == name


def _input(validate_with: str) -> etree._Element:
    for path in inputs():
        root = etree.parse(str(path)).getroot()
        if root.get("validate-with") == validate_with:
            return root
    raise AssertionError(f"no conformance input with {validate_with}")


def test_an_old_cib_is_upgraded_on_a_copy() -> None:
    root = _input("pacemaker-2.10")
    before = etree.tostring(root)
    result = ps.load_check(root, "old.xml")
    assert result.document is not None and result.messages == ()
    assert result.document.get("validate-with") == "pacemaker-3.9"
    assert etree.tostring(root) == before


def test_an_unknown_schema_is_refused_with_pacemakers_reason() -> None:
    root = copy.deepcopy(_input("pacemaker-3.0"))
    root.set("validate-with", "garbage")
    result = ps.load_check(root, "x.xml")
    assert result.refused
    assert result.messages[-1] == (
        "Cannot upgrade configuration (claiming schema garbage) to at least pacemaker-3.0 because it does "
        "not validate with any schema from unknown to pacemaker-3.9"
    )
    assert "Entity: line 1: element cib: Relax-NG validity error : Invalid attribute validate-with for element cib" in result.messages


def test_validation_off_is_accepted_with_pacemakers_warning() -> None:
    root = copy.deepcopy(_input("pacemaker-3.0"))
    root.set("validate-with", "none")
    etree.SubElement(root, "nonsense")
    result = ps.load_check(root, "x.xml")
    assert result.document is root
    assert result.messages == (ps.DISABLED_WARNING,)


def test_errors_name_the_file_line_and_element() -> None:
    text = (
        b'<cib validate-with="pacemaker-3.0" epoch="1" num_updates="0" admin_epoch="0">\n'
        b"<configuration><crm_config/><nodes/>\n"
        b'<resources><primitive id="p" class="ocf" provider="heartbeat" type="Dummy" foo="1"/></resources>\n'
        b"<constraints/></configuration><status/></cib>\n"
    )
    root = etree.fromstring(text)
    result = ps.load_check(root, "cib.xml")
    assert result.refused
    assert result.messages == (
        "cib.xml:3: element primitive: Relax-NG validity error : Invalid attribute foo for element primitive",
        "cib.xml:3: element primitive: Relax-NG validity error : Element resources has extra content: primitive",
    )


def test_traced_functions_log_as_pacemaker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PCMK_trace_functions", "apply_upgrade,update_validation")
    assert ps.load_check(_input("pacemaker-2.10"), "old.xml").messages == ()  # not without PCMK_stderr
    monkeypatch.setenv("PCMK_stderr", "1")
    result = ps.load_check(_input("pacemaker-2.10"), "old.xml")
    assert result.document is not None
    assert result.messages[:2] == (
        f"update_validation \tdebug: Testing 'pacemaker-2.10' validation ({ps.schema_index('pacemaker-2.10')} "
        f"of {ps.latest_index()})",
        "update_validation \tdebug: pacemaker-2.10-style configuration is also valid for pacemaker-3.0",
    )
    assert result.messages[-1] == "update_validation \tinfo: Transformed the configuration from pacemaker-2.10 to pacemaker-3.9"
    monkeypatch.setenv("PCMK_trace_functions", "")
    assert ps.load_check(_input("pacemaker-2.10"), "old.xml").messages == ()
