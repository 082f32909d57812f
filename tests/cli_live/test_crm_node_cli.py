"""crm_node's command line, without a cluster: help texts as Debian's crm_node prints them,
usage errors, and what it answers without asking the daemon."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest

from crm.cli import crm_node

ORACLE = shutil.which("crm_node", path="/usr/sbin:/usr/bin")


def _run(argv: list[str], env: dict[str, str] | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = crm_node.run(argv, out, err, env if env is not None else {"PACER_RUN_DIR": "/nonexistent/pacer"})
    return code, out.getvalue(), err.getvalue()


@pytest.mark.oracle
@pytest.mark.skipif(ORACLE is None, reason="Debian's crm_node (pacemaker-cli-utils) is not installed")
@pytest.mark.parametrize("argv", [["--help"], ["--help-all"], ["--help-commands"], ["--help-additional"], [],
                                  ["--version"], ["-N"], ["-R"], ["--bogus"], ["-R", "node9"]])
def test_texts_and_usage_like_pacemaker(argv: list[str]) -> None:
    assert ORACLE is not None
    theirs = subprocess.run([ORACLE, *argv], capture_output=True, text=True, timeout=30,
                            env={"LANG": "C.UTF-8", "PATH": "/usr/sbin:/usr/bin"}, check=False)
    code, out, err = _run(argv)
    assert code == theirs.returncode
    if argv == ["--version"]:
        assert out.splitlines()[0] == theirs.stdout.splitlines()[0] + " (pacer crm_node)"
        return
    assert out == theirs.stdout.replace("[OPTION?]", "[OPTION…]")
    assert err == theirs.stderr.replace("[OPTION?]", "[OPTION…]")


def test_the_last_command_wins_and_name_comes_from_the_agent_environment() -> None:
    env = {"PACER_RUN_DIR": "/nonexistent/pacer", "OCF_RESKEY_CRM_meta_on_node": "node7"}
    assert _run(["-l", "-n"], env) == (0, "node7\n", "")
    code, _, err = _run(["-n", "-l"], env)
    assert code == 102 and "pacer is not running" in err


def test_membership_reply_is_read_tolerantly(tmp_path: Path) -> None:
    reply = {"local": {"nodeid": 2, "name": "b"}, "members": [{"nodeid": 2, "name": "b"}, "a10"],
             "quorate": False, "nodes": [{"nodeid": 10, "name": "a10", "state": "member"},
                                         {"nodeid": 2, "name": "b", "state": "member"},
                                         {"nodeid": 3, "name": "a9"}]}
    ms = crm_node.Membership.from_reply(reply)
    out = io.StringIO()
    crm_node._list(ms, out)
    assert out.getvalue() == "3 a9 lost\n10 a10 member\n2 b member\n"
    out = io.StringIO()
    crm_node._partition(ms, out)
    assert out.getvalue() == "a10 b \n"
    out = io.StringIO()
    assert crm_node._quorum(ms, out) == 106 and out.getvalue() == "0\n"
    assert ms.find("10") == crm_node.KnownNode(10, "a10", "member")
    assert ms.find("a9") == crm_node.KnownNode(3, "a9", "lost")
    assert ms.find("0") is None
