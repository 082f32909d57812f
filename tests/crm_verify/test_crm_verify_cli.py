"""crm_verify's command line: sources, verbosity, messages and exit codes."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest
from verify_oracle import ORACLE, available

from crm.cli.crm_verify import run

BASE = Path(__file__).resolve().parent / "data" / "base.xml"
DANGLING = BASE.read_text().replace('with-rsc="p_ip"', 'with-rsc="ghost"')
NO_FENCING_DEVICES = BASE.read_text().replace(
    '<nvpair id="opt-stonith-enabled" name="stonith-enabled" value="false"/>', ""
)


def call(
    argv: list[str],
    stdin: bytes = b"",
    env_file: Path | None = None,
    monkeypatch: pytest.MonkeyPatch | None = None,
) -> tuple[int, str, str]:
    if monkeypatch is not None:
        if env_file is None:
            monkeypatch.delenv("CIB_file", raising=False)
        else:
            monkeypatch.setenv("CIB_file", str(env_file))
    out, err = io.StringIO(), io.StringIO()
    code = run(argv, io.TextIOWrapper(io.BytesIO(stdin)), out, err)
    return code, out.getvalue(), err.getvalue()


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_valid_file_prints_nothing() -> None:
    assert call(["-x", str(BASE)]) == (0, "", "")


def test_schema_error_names_file_line_element_and_reason(tmp_path: Path) -> None:
    path = write(tmp_path, "dangling.xml", DANGLING)
    code, out, err = call(["-x", str(path)])
    assert code == 78
    assert out == ""
    first = err.splitlines()[0]
    assert first.startswith(f"{path}:46: element rsc_colocation: Relax-NG validity error : ")
    assert "with-rsc='ghost'" in first
    assert err.endswith(
        "crm_verify: Errors found during check: config not valid\n-V may provide more details\n"
    )


def test_verbose_schema_failure(tmp_path: Path) -> None:
    path = write(tmp_path, "dangling.xml", DANGLING)
    code, _, err = call(["-x", str(path), "-V"])
    assert code == 78
    assert "(main) \terror: CIB did not pass schema validation\n" in err
    assert "-V may provide" not in err


def test_config_errors_shown_with_v_only(tmp_path: Path) -> None:
    path = write(tmp_path, "nostonith.xml", NO_FENCING_DEVICES)
    code, _, quiet = call(["-x", str(path)])
    assert code == 78
    assert "STONITH" not in quiet
    code, _, verbose = call(["-x", str(path), "-V"])
    assert code == 78
    assert (
        "(unpack_resources) \terror: Resource start-up disabled since no STONITH resources have been defined"
        in verbose
    )


def test_warnings_need_two_v(tmp_path: Path) -> None:
    text = BASE.read_text().replace(
        '<group id="g_web">',
        '<group id="g_web"><meta_attributes id="m"><nvpair id="m-o" name="ordered" value="false"/></meta_attributes>',
    )
    path = write(tmp_path, "warn.xml", text)
    code, _, once = call(["-x", str(path), "-V"])
    assert code == 78
    assert "warning:" not in once
    assert once.endswith("crm_verify: Warnings found during check: config may not be valid\n")
    _, _, twice = call(["-x", str(path), "-VV"])
    assert "(set_group_flag) \twarning: Support for the 'ordered' group meta-attribute" in twice
    code, _, tolerant = call(["-x", str(path), "--warnings-ok"])
    assert code == 0
    assert "Warnings found during check" in tolerant


def test_warnings_ok_does_not_hide_errors(tmp_path: Path) -> None:
    path = write(tmp_path, "nostonith.xml", NO_FENCING_DEVICES)
    assert call(["-x", str(path), "--warnings-ok"])[0] == 78


def test_text_and_pipe_sources() -> None:
    assert call(["-X", BASE.read_text()])[0] == 0
    assert call(["-p"], stdin=BASE.read_bytes())[0] == 0
    assert call(["-X", DANGLING])[0] == 78
    assert call(["-p"], stdin=DANGLING.encode())[0] == 78


def test_live_uses_cib_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert call(["-L"], env_file=BASE, monkeypatch=monkeypatch)[0] == 0
    path = write(tmp_path, "dangling.xml", DANGLING)
    code, _, err = call(["-L", "-V"], env_file=path, monkeypatch=monkeypatch)
    assert code == 66
    assert "(xml_log) \terror: with-rsc='ghost'" in err
    assert err.endswith("crm_verify: CIB query failed: Input file not available\n")


def test_live_without_cib_file_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    code, _, err = call(["-L"], env_file=None, monkeypatch=monkeypatch)
    assert code == 66
    assert "pacer is not running on this node" in err


def test_bad_inputs(tmp_path: Path) -> None:
    code, _, err = call(["-x", str(tmp_path / "missing.xml")])
    assert code == 1
    assert "missing.xml" in err
    broken = write(tmp_path, "broken.xml", "<cib>\n  <configuration>\n")
    code, _, err = call(["-x", str(broken)])
    assert code == 78
    assert "Couldn't parse input file" in err and "line" in err
    code, _, err = call([])
    assert code == 1
    assert "No configuration source specified" in err


def test_input_file_is_not_modified(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "old.xml",
        BASE.read_text()
        .replace("pacemaker-3.7", "pacemaker-2.0")
        .replace('role="Promoted"', 'role="Master"')
        .replace('role="Unpromoted"', 'role="Slave"'),
    )
    before = path.read_bytes()
    assert call(["-x", str(path)])[0] == 0
    assert path.read_bytes() == before


@pytest.mark.oracle
@pytest.mark.skipif(not available(), reason="Debian's crm_verify is not installed")
@pytest.mark.parametrize(
    "argv_of",
    [
        lambda d: ["-x", str(BASE)],
        lambda d: ["-x", str(d / "dangling.xml")],
        lambda d: ["-x", str(d / "nostonith.xml")],
        lambda d: ["-x", str(d / "missing.xml")],
        lambda d: [],
        lambda d: ["--bogus"],
    ],
    ids=["valid", "schema-error", "config-error", "missing-file", "no-source", "unknown-option"],
)
def test_exit_codes_match_pacemaker(argv_of, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write(tmp_path, "dangling.xml", DANGLING)
    write(tmp_path, "nostonith.xml", NO_FENCING_DEVICES)
    argv = argv_of(tmp_path)
    oracle = subprocess.run([str(ORACLE), *argv], capture_output=True, text=True, check=False, timeout=60)
    try:
        code = call(argv)[0]
    except SystemExit as exit_info:
        code = int(exit_info.code or 0)
    assert code == oracle.returncode


@pytest.mark.parametrize("argv", [["--bogus"], ["-x"], ["-x", "a.xml", "-X", "<cib/>"]])
def test_usage_errors(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        call(argv)
    assert exit_info.value.code == 64
    assert capsys.readouterr().err.startswith("crm_verify: ")
