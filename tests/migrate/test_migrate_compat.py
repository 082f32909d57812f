"""Compatibility mode against the haresources2cib.py (pcmk100) reference outputs."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree
from migrate_support import CASES, REFERENCE, AgentTree, case_args, hacf_text

from crm.cli.haresources2cib import main
from crm.migrate import Mode, convert


def canonical(text: str) -> bytes:
    parser = etree.XMLParser(remove_blank_text=True)
    return etree.tostring(etree.fromstring(text.encode(), parser), method="c14n")


@pytest.mark.parametrize("case", CASES)
def test_library_output_is_byte_equal_to_pcmk100(case: str, agents: AgentTree) -> None:
    ocf, monitor = case_args(case)
    result = convert(
        (REFERENCE / case / "haresources").read_text(), hacf_text(case), mode=Mode.COMPAT, ocf=ocf,
        monitor=monitor, resource_dir=agents.resource_dir, initd_dir=agents.initd_dir,
    )
    expected = (REFERENCE / case / "out.pcmk100.xml").read_text()
    # --stdout printed the document with print(): one newline more than toprettyxml().
    assert canonical(result.to_xml()) == canonical(expected)
    assert result.to_xml() + "\n" == expected
    messages = "".join(f"{w.message}\n" for w in result.warnings)
    assert messages == (REFERENCE / case / "err.pcmk100.txt").read_text()


@pytest.mark.parametrize("case", CASES)
def test_command_reproduces_stdout_stderr_and_exit_code(case: str, agents: AgentTree, tmp_path: Path) -> None:
    directory = REFERENCE / case
    hacf = directory / "ha.cf"
    if not hacf.exists():
        hacf = tmp_path / "ha.cf"
        hacf.write_text("")
    ocf, _monitor = case_args(case)
    extra = [] if ocf else ["--no-ocf", "--no-monitor"]
    result = CliRunner().invoke(
        main, ["--compat", "--stdout", "-c", str(hacf), *agents.cli_args(), *extra, str(directory / "haresources")]
    )
    assert result.exit_code == int((directory / "rc.pcmk100").read_text())
    assert result.stdout == (directory / "out.pcmk100.xml").read_text()
    assert result.stderr == (directory / "err.pcmk100.txt").read_text()


def test_missing_hacf_is_a_clear_error_not_a_traceback(agents: AgentTree, tmp_path: Path) -> None:
    directory = REFERENCE / "j_errors_one_field_and_missing_hacf"
    missing = tmp_path / "nowhere" / "ha.cf"
    result = CliRunner().invoke(
        main, ["--compat", "--stdout", "-c", str(missing), *agents.cli_args(), str(directory / "haresources")]
    )
    assert result.exit_code == int((directory / "rc.missing_hacf.pcmk100").read_text()) == 1
    assert result.stdout == (directory / "out.missing_hacf.pcmk100.xml").read_text() == ""
    assert result.stderr == f"{missing}: error: cannot read: no such file\n"
    assert "Traceback" not in result.stderr


def test_compat_refuses_to_overwrite_and_exits_zero(agents: AgentTree, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import crm.cli.haresources2cib as command

    target = tmp_path / "crm"
    target.mkdir()
    (target / "cib.xml.sig").write_text("old")
    monkeypatch.setattr(command, "COMPAT_DIR", target)
    directory = REFERENCE / "a_litsha21"
    result = CliRunner().invoke(
        main, ["--compat", "-c", str(directory / "ha.cf"), *agents.cli_args(), str(directory / "haresources")]
    )
    assert result.exit_code == 0
    assert result.stderr == f"cib.xml or cib.xml.sig exist in {target}\nplease remove them before generating new cib.xml\n"
    assert not (target / "cib.xml").exists()
    (target / "cib.xml.sig").unlink()
    result = CliRunner().invoke(
        main, ["--compat", "-c", str(directory / "ha.cf"), *agents.cli_args(), str(directory / "haresources")]
    )
    assert result.exit_code == 0
    # Written without the extra newline that print() added on --stdout.
    assert (target / "cib.xml").read_text() + "\n" == (directory / "out.pcmk100.xml").read_text()


def test_older_versions_differ_only_where_documented() -> None:
    """The pcmk10 reference swaps nic/cidr_netmask values: make sure we follow pcmk100, not it."""
    directory = REFERENCE / "a_litsha21"
    pcmk10 = (directory / "out.pcmk10.xml").read_text()
    pcmk100 = (directory / "out.pcmk100.xml").read_text()
    assert 'name="nic" value="24"' in pcmk10
    assert 'name="nic" value="eth0"' in pcmk100
