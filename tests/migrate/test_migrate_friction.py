"""What a new user meets when migrating: agents missing on this machine, crm_feature_set,
ownership of the written CIB, hacf2corosync's output directory, keyfile, two_node and the
ha.cf directives nothing converts."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree
from migrate_support import AgentTree

from crm.cib.document import FEATURE_SET
from crm.cli import haresources2cib
from crm.cli.hacf2corosync import main as hacf2corosync
from crm.migrate import convert, corosync_conf

HACF = "node alpha beta\nbcast eth0\nauto_failback on\n"


def _run(agents: AgentTree, tmp_path: Path, haresources: str, *args: str, hacf: str = HACF):  # type: ignore[no-untyped-def]
    (tmp_path / "haresources").write_text(haresources)
    (tmp_path / "ha.cf").write_text(hacf)
    return CliRunner().invoke(
        haresources2cib.main,
        [*args, "-c", str(tmp_path / "ha.cf"), *agents.cli_args(), str(tmp_path / "haresources")],
    )


def test_a_script_missing_here_becomes_lsb_with_a_warning_naming_map(agents: AgentTree, tmp_path: Path) -> None:
    result = _run(agents, tmp_path, "alpha 10.0.0.10 postfix\n", "--stdout")
    assert result.exit_code == 0, result.stderr
    cib = etree.fromstring(result.stdout.encode())
    assert [(p.get("class"), p.get("type")) for p in cib.iter("primitive")] == [
        ("ocf", "IPaddr2"), ("lsb", "postfix")]
    assert "haresources:1: warning: postfix:" in result.stderr
    assert "--map postfix=" in result.stderr


def test_a_missing_script_with_arguments_is_still_an_error_naming_map(agents: AgentTree, tmp_path: Path) -> None:
    result = _run(agents, tmp_path, "alpha postfix::fast\n", "--stdout")
    assert result.exit_code == 1
    assert "unknown resource agent 'postfix'" in result.stderr
    assert "--map postfix=" in result.stderr
    assert result.stdout == ""


def test_compat_mode_keeps_the_historical_behaviour_for_a_missing_script(agents: AgentTree, tmp_path: Path) -> None:
    result = _run(agents, tmp_path, "alpha postfix\n", "--stdout", "--compat")
    assert 'class="UNKNOWN"' in result.stdout  # what haresources2cib.py wrote
    assert "is an unknown Resource Agent" in result.stderr
    assert "--map" not in result.stderr


def test_converted_cibs_carry_crm_feature_set(agents: AgentTree) -> None:
    result = convert("alpha 10.0.0.10 httpd\n", HACF, resource_dir=agents.resource_dir, initd_dir=agents.initd_dir)
    assert result.cib.get("crm_feature_set") == FEATURE_SET


@pytest.mark.oracle
def test_debian_crm_verify_accepts_a_cib_naming_an_init_script_absent_here(
    agents: AgentTree, crm_verify: Path, tmp_path: Path
) -> None:
    # mysqld and httpd are not in this test's init.d: the cluster being migrated had them
    for name in ("httpd", "mysqld"):
        (agents.initd_dir / name).unlink()
    result = _run(agents, tmp_path, "alpha 10.0.0.10 mysqld httpd\n", "--stdout")
    assert result.exit_code == 0, result.stderr
    path = tmp_path / "cib.xml"
    path.write_text(result.stdout)
    done = subprocess.run([str(crm_verify), "-x", str(path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""


def test_output_file_is_not_chowned_unless_asked(
    agents: AgentTree, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    given: list[Path] = []
    monkeypatch.setattr(haresources2cib, "give_to_cluster_user", given.append)
    target = tmp_path / "cib.xml"
    result = _run(agents, tmp_path, "alpha 10.0.0.10\n", "-o", str(target))
    assert result.exit_code == 0, result.stderr
    assert target.exists() and given == []
    result = _run(agents, tmp_path, "alpha 10.0.0.10\n", "-o", str(target), "--force", "--chown")
    assert result.exit_code == 0, result.stderr
    assert given == [target]


def test_hacf2corosync_creates_the_directory_and_names_the_key(tmp_path: Path) -> None:
    (tmp_path / "ha.cf").write_text(HACF)
    out = tmp_path / "new" / "corosync"
    result = CliRunner().invoke(hacf2corosync, ["-c", str(tmp_path / "ha.cf"), "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    conf = (out / "corosync.conf").read_text()
    assert f"keyfile: {(out / 'authkey').absolute()}" in conf
    assert (out / "authkey").stat().st_mode & 0o777 == 0o400
    assert len((out / "authkey").read_bytes()) == 256


def test_hacf2corosync_refuses_an_output_path_that_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "ha.cf").write_text(HACF)
    (tmp_path / "taken").write_text("")
    result = CliRunner().invoke(hacf2corosync, ["-c", str(tmp_path / "ha.cf"), "-o", str(tmp_path / "taken")])
    assert result.exit_code != 0
    assert "not a directory" in result.output


@pytest.mark.skipif(shutil.which("corosync") is None, reason="corosync is not installed")
def test_corosync_reads_the_key_the_keyfile_names(tmp_path: Path) -> None:
    hacf = "node alpha beta\n"
    out = tmp_path / "conf"
    (tmp_path / "ha.cf").write_text(hacf)
    result = CliRunner().invoke(
        hacf2corosync,
        ["-c", str(tmp_path / "ha.cf"), "-o", str(out), "--addr", "alpha=127.0.0.1", "--addr", "beta=127.0.0.2"],
    )
    assert result.exit_code == 0, result.stderr
    done = subprocess.run(["corosync", "-t", "-c", str(out / "corosync.conf")], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def test_ignored_directives_are_warned_about() -> None:
    hacf = "node alpha beta\ncrm respawn\nlogfile /var/log/ha-log\ninitdead 120\nfrobnicate 1\nbcast eth0\n"
    result = corosync_conf(hacf, None, key=bytes(256))
    texts = [str(w) for w in result.warnings]
    assert any(t.startswith("ha.cf:2:") and "'crm' is ignored" in t for t in texts), texts
    assert any(t.startswith("ha.cf:3:") and "'logfile' is ignored" in t for t in texts), texts
    assert any(t.startswith("ha.cf:4:") and "'initdead' is ignored" in t for t in texts), texts
    assert any(t.startswith("ha.cf:5:") and "'frobnicate' is ignored" in t for t in texts), texts
    assert not any("'bcast'" in t or "'node'" in t for t in texts), texts


@pytest.mark.parametrize("nodes", [["alpha"], ["alpha", "beta"], ["alpha", "beta", "gamma"]])
def test_two_node_is_set_exactly_when_the_cib_says_so(agents: AgentTree, nodes: list[str]) -> None:
    hacf = f"node {' '.join(nodes)}\n"
    conf = corosync_conf(hacf, None, key=bytes(256)).text
    cib = convert("alpha 10.0.0.10\n", hacf, resource_dir=agents.resource_dir, initd_dir=agents.initd_dir).cib
    comments = " ".join(str(c.text) for c in cib.iter(etree.Comment))
    assert ("two_node: 1" in comments) == ("two_node: 1" in conf) == (len(nodes) == 2)
