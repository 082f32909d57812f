"""Session behaviour without the oracle: commit refused when the CIB changed underneath,
refresh, parse errors with line and column, help on every command, shadow CIBs, completion."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parent))

import shell_oracle as oracle

from crm.cli.cib_source import CibSource
from crm.shell import help as helptext
from crm.shell.interactive import CompletionSource, complete
from crm.shell.lexer import tokenize
from crm.shell.parser import ParseError, parse_definition
from crm.shell.session import Options, Session

BASE = (oracle.BASES / "twonodes.xml").read_text()


def session(path: Path, **env: str) -> tuple[Session, io.StringIO, io.StringIO]:
    out, err = io.StringIO(), io.StringIO()
    full = {"CIB_file": str(path), "PATH": "/usr/bin:/bin", **env}
    return Session(CibSource.from_environment, Options(env=full), out, err), out, err


@pytest.fixture
def cib(tmp_path: Path) -> Path:
    p = tmp_path / "cib.xml"
    p.write_text(BASE)
    return p


def resources(path: Path) -> list[str]:
    root = etree.fromstring(path.read_bytes())
    return [str(i) for i in root.xpath("configuration/resources//primitive/@id")]


def test_commit_refused_when_the_cib_changed_underneath(cib: Path) -> None:
    a, _out, err = session(cib)
    assert a.execute("configure")
    assert a.execute("property stonith-enabled=false")
    assert a.execute("primitive mine ocf:pacemaker:Dummy")
    b, _o, err_b = session(cib)
    assert b.run_text("configure\nproperty stonith-enabled=false\nprimitive theirs ocf:pacemaker:Dummy\ncommit\n") == 0, err_b.getvalue()
    before = cib.read_bytes()
    assert not a.execute("commit")
    assert "CIB changed in the meantime" in err.getvalue()
    assert "refresh" in err.getvalue()
    assert cib.read_bytes() == before
    assert resources(cib) == ["theirs"]
    # refresh drops the pending change; redoing it then commits
    assert a.execute("refresh")
    assert a.execute("primitive mine ocf:pacemaker:Dummy")
    assert a.execute("commit")
    assert sorted(resources(cib)) == ["mine", "theirs"]


def test_verify_errors_refuse_commit_unless_forced(cib: Path) -> None:
    s, _out, err = session(cib)
    assert s.run_text("configure\nprimitive d ocf:pacemaker:Dummy\ncommit\n") == 1
    assert "STONITH" in err.getvalue()
    assert resources(cib) == []
    s, _out, err = session(cib)
    assert s.run_text("configure\nprimitive d ocf:pacemaker:Dummy\ncommit force\n") == 0
    assert resources(cib) == ["d"]


def test_nothing_committed_after_a_parse_error_in_the_same_object(cib: Path) -> None:
    s, _out, err = session(cib)
    assert s.run_text("configure\nproperty stonith-enabled=false\nprimitive d ocf:pacemaker:Dummy op monitor interval=10 depth=0 timeout=5\n") == 1
    assert "line 3" in err.getvalue()
    assert resources(cib) == []


def test_parse_error_names_line_and_column_and_hints() -> None:
    line = tokenize("colocation c1 bad p1", 7)
    with pytest.raises(ParseError) as info:
        parse_definition(line.tokens)
    err = info.value
    assert (err.line, err.column) == (7, 15)
    assert "Expected <score>:" in str(err)
    assert "hint" in str(err)


def test_mixed_boolean_operators_rejected() -> None:
    with pytest.raises(ParseError) as info:
        parse_definition(tokenize("location l1 p1 rule inf: a eq 1 or b eq 2 and c eq 3", 1).tokens)
    assert "Mixing bool ops" in info.value.message
    assert info.value.column == 43


def test_hash_after_the_first_word_is_a_word_as_crmsh_reads_it() -> None:
    line = tokenize("primitive d1 Dummy params fake=1 # the state file", 3)
    assert line.words == ["primitive", "d1", "Dummy", "params", "fake=1", "#", "the", "state", "file"]
    assert not line.warnings


def test_continuation_lines_join_as_crmsh_joins_them() -> None:
    from crm.shell.lexer import logical_lines

    text = "primitive a Dummy \\\n\tparams fake=1 \\\n\top monitor interval=10\nprimitive b Dummy\n"
    assert list(logical_lines(text)) == [(1, "primitive a Dummy params fake=1 op monitor interval=10"), (4, "primitive b Dummy")]


@pytest.mark.parametrize("level", [lv for lv in helptext.COMMANDS if lv])
def test_help_on_every_command(cib: Path, level: str) -> None:
    for command in helptext.COMMANDS[level]:
        s, out, _err = session(cib)
        assert s.execute(f"{level} help {command}") or True
        text = out.getvalue()
        assert command in text and "Usage" in text, (level, command, text)


def test_shadow_cib_new_use_commit_delete(cib: Path, tmp_path: Path) -> None:
    shadow_dir = tmp_path / "shadows"
    shadow_dir.mkdir()
    s, out, err = session(cib, CIB_shadow_dir=str(shadow_dir))
    script = (
        "cib new test\n"
        "configure\nproperty stonith-enabled=false\nprimitive s ocf:pacemaker:Dummy\ncommit\nup\n"
        "cib list\n"
    )
    assert s.run_text(script) == 0, err.getvalue()
    assert "test" in out.getvalue().split()
    assert resources(cib) == []  # only the shadow changed
    assert resources(shadow_dir / "shadow.test") == ["s"]
    s2, _o, err2 = session(cib, CIB_shadow_dir=str(shadow_dir))
    assert s2.run_text("cib commit test\ncib delete test\n") == 0, err2.getvalue()
    assert resources(cib) == ["s"]
    assert not (shadow_dir / "shadow.test").exists()


def test_configure_show_one_liner_and_xml(cib: Path) -> None:
    s, _out, _err = session(cib)
    assert s.run_text("configure\nproperty stonith-enabled=false\nprimitive a ocf:pacemaker:Dummy\ncommit\n") == 0
    s, out, _err = session(cib)
    assert s.execute("configure show xml a")
    s.finish()
    root = etree.fromstring(out.getvalue().split("\n", 1)[1].encode())
    assert root.xpath("configuration/resources/primitive/@id") == ["a"]


def _src(level: str = "configure") -> CompletionSource:
    return CompletionSource(
        level=lambda: level,
        resource_ids=lambda: ["web", "ip", "db"],
        object_ids=lambda: ["web", "ip", "db", "l1"],
        node_names=lambda: ["node1", "node2"],
        agents=lambda: ["ocf:heartbeat:IPaddr2", "ocf:pacemaker:Dummy"],
        agent_params=lambda agent: ["ip", "cidr_netmask", "nic"] if "IPaddr2" in agent else ["state", "fake"],
    )


def test_completion_of_levels_commands_ids_agents_and_params() -> None:
    assert "configure" in complete("", _src(""))
    assert complete("res", _src("")) == ["resource"]
    assert complete("prim", _src()) == ["primitive"]
    assert complete("show w", _src()) == ["web"]
    assert complete("primitive vip ocf:heartbeat:IP", _src()) == ["ocf:heartbeat:IPaddr2"]
    assert complete("primitive vip ocf:heartbeat:IPaddr2 params ci", _src()) == ["cidr_netmask="]
    assert "ip=" not in complete("primitive vip ocf:heartbeat:IPaddr2 params ip=1.2.3.4 ", _src())
    assert complete("resource stop d", _src("")) == ["db"]
    assert complete("stop d", _src("resource")) == ["db"]
    assert complete("standby node", _src("node")) == ["node1", "node2"]
    assert complete("move web n", _src("resource")) == ["node1", "node2"]
