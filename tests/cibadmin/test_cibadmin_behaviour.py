"""cibadmin behaviour that needs no oracle: failures change nothing, patches, our documented
differences from Pacemaker 2.1.5, the console script."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from cibadmin_harness import DATA, copy_base, load, ours
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm.cib.document import CibDocument
from crm.cib.errors import ExitCode
from crm.cib.patchset import diff
from crm.cib.version import CibVersion
from crm.cib.xmltext import to_text

BASE = DATA / "two-nodes.xml"

FAILING_COMMANDS = [
    ["-C", "-o", "resources", "-X", '<primitive id="d1" class="ocf" provider="pacemaker" type="Dummy"/>'],
    ["-C", "-o", "resources", "-X", '<primitive id="d9" clss="ocf" type="Dummy"/>'],
    ["-C", "-o", "resources", "-X", "<primitive id='broken'"],
    ["-M", "-X", '<primitive id="nope"/>'],
    ["-M", "-X", '<cib epoch="0"/>'],
    ["-R", "-o", "resources", "-X", "<resources/>"],
    ["-R", "-X", '<cib epoch="0" admin_epoch="0"><configuration/><status/></cib>'],
    ["-D"],
    ["-E"],
    ["-d", "-A", "//nvpair"],
    ["-u"],
    ["-Q", "-A", "//nothing"],
    ["-C", "-o", "bogus", "-X", "<x/>"],
    ["-P", "-X", '<diff format="2"><version><source admin_epoch="9"/><target admin_epoch="9"/></version></diff>'],
    ["-P", "-X", "<not-a-diff/>"],
    ["-M", "-o", "resources", "-x", "/nonexistent.xml"],
    ["--bogus-option"],
]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(FAILING_COMMANDS), min_size=1, max_size=4))
def test_failing_commands_leave_the_file_byte_identical(tmp_path: Path, commands: list[list[str]]) -> None:
    cib = copy_base(BASE, tmp_path, "cib.xml")
    before = cib.read_bytes()
    for args in commands:
        result = ours(args, cib)
        assert result.rc != 0, args
        assert cib.read_bytes() == before, args
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cib.xml"]  # no temp files left


def test_errors_say_what_and_where(tmp_path: Path) -> None:
    cib = copy_base(BASE, tmp_path, "cib.xml")
    result = ours(["-M", "-o", "resources", "-X", '<primitive id="nope"/>'], cib)
    assert result.rc == ExitCode.NOSUCH
    # Pacemaker 2.1.5's cibadmin says only the reason (differential: tests/cli_tools)
    assert result.stderr == "Call failed: No such device or address\n"
    bad = ours(["-C", "-o", "resources", "-X", "<primitive id='x'"], cib)
    assert bad.rc == ExitCode.CONFIG and "--xml-text: line 1" in bad.stderr
    invalid = ours(["-C", "-o", "resources", "-X", '<primitive id="d9" clss="ocf" type="Dummy"/>'], cib)
    assert invalid.rc == ExitCode.CONFIG
    # the refused CIB, numbered, and the reason; libxml2's own lines go to the log only
    assert "   1 <cib" in invalid.stderr and 'clss="ocf"' in invalid.stderr
    assert invalid.stderr.endswith("Call failed: Update does not conform to the configured schema\n")


def test_unknown_scope_is_a_usage_error(tmp_path: Path) -> None:
    cib = copy_base(BASE, tmp_path, "cib.xml")
    result = ours(["-Q", "-o", "bogus"], cib)
    assert result.rc == ExitCode.USAGE and "unknown scope 'bogus'" in result.stderr


def test_modify_allow_create_in_configuration_bumps_epoch(tmp_path: Path) -> None:
    cib = copy_base(BASE, tmp_path, "cib.xml")
    before = CibVersion.of(load(cib))
    result = ours(["-M", "-c", "-o", "resources", "-X", '<primitive id="d3" class="ocf" provider="pacemaker" type="Dummy"/>'], cib)
    assert result.rc == 0
    assert CibVersion.of(load(cib)) == before.after_config_change()


def test_create_with_xpath_adds_under_the_match(tmp_path: Path) -> None:
    cib = copy_base(BASE, tmp_path, "cib.xml")
    result = ours(["-C", "-A", "//primitive[@id='d2']/meta_attributes", "-X", '<nvpair id="d2-x" name="x" value="1"/>'], cib)
    assert result.rc == 0
    assert load(cib).xpath("//primitive[@id='d2']/meta_attributes/nvpair[@id='d2-x']")


def test_patch_round_trip(tmp_path: Path) -> None:
    cib = copy_base(BASE, tmp_path, "cib.xml")
    old = CibDocument(load(cib))
    new = old.copy()
    new.root.find("configuration/constraints/rsc_location").set("score", "200")  # type: ignore[union-attr]
    new.version = old.version.after_config_change()
    patch = tmp_path / "patch.xml"
    patch.write_text(to_text(diff(old.root, new.root)))
    assert ours(["-P", "-x", str(patch)], cib).rc == 0
    applied = CibDocument(load(cib))
    assert applied.root.find("configuration/constraints/rsc_location").get("score") == "200"  # type: ignore[union-attr]
    # the patch itself sets 0.8.0, the configuration change makes it 0.9.0 (as Pacemaker does)
    assert applied.version == new.version.after_config_change()
    again = ours(["-P", "-x", str(patch)], cib)
    assert again.rc == ExitCode.OLD and "applies to CIB version" in again.stderr


def test_xml_from_pipe(tmp_path: Path) -> None:
    cib = copy_base(BASE, tmp_path, "cib.xml")
    result = ours(["-C", "-o", "resources", "-p"], cib, stdin='<primitive id="p1" class="ocf" provider="pacemaker" type="Dummy"/>')
    assert result.rc == 0 and load(cib).xpath("//primitive[@id='p1']")


def test_help_and_version() -> None:
    assert ours(["--help"], None).rc == 0 and "--xml-text" in ours(["--help"], None).stdout
    assert ours(["--version"], None).rc == 0
    assert ours([], None).rc == ExitCode.USAGE


def test_console_script(tmp_path: Path) -> None:
    cib = copy_base(BASE, tmp_path, "cib.xml")
    script = Path(sys.executable).with_name("cibadmin")
    if not script.exists():
        pytest.skip("console script not installed in this environment")
    done = subprocess.run(
        [str(script), "-Q", "-o", "constraints"], capture_output=True, text=True, env={"CIB_file": str(cib)}, check=False
    )
    assert done.returncode == 0 and done.stdout.startswith("<constraints>")
    module = subprocess.run(
        [sys.executable, "-m", "crm.cli.cibadmin", "-Q", "-A", "//nothing"],
        capture_output=True,
        text=True,
        env={"CIB_file": str(cib)},
        check=False,
    )
    assert module.returncode == ExitCode.NOSUCH
