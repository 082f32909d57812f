"""``attrd_updater`` options, output and exit codes (the daemon-side is in test_attrd_live),
with Debian's Pacemaker 2.1.5 ``attrd_updater`` as the oracle where no daemon is needed."""

from __future__ import annotations

import io
import os
import subprocess
from pathlib import Path

import pytest

from crm.cli.attrd_updater import UsageError, parse_args, run

DEBIAN = Path("/usr/sbin/attrd_updater")


def ours(args: list[str], run_dir: Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    rc = run(args, out, err, {"PACER_RUN_DIR": str(run_dir)})
    return rc, out.getvalue(), err.getvalue()


def test_last_command_wins_and_query_is_the_default() -> None:
    assert parse_args(["-n", "x"]).command == "Q"
    opts = parse_args(["-n", "x", "-U", "1", "-Q", "-v", "2"])
    assert (opts.command, opts.value) == ("U", "2")
    assert parse_args(["-n", "x", "-U", "1", "-D"]).command == "D"
    opts = parse_args(["--name=x", "--update-both=3", "--delay=5s", "-p", "-s", "set1", "-N", "n2", "-z"])
    assert (opts.command, opts.value, opts.delay, opts.private, opts.set_id, opts.node, opts.utilization) == (
        "B", "3", "5s", True, "set1", "n2", True)
    assert parse_args(["-n", "x", "-Q", "-A"]).all_nodes
    with pytest.raises(UsageError, match="Missing argument for -U"):
        parse_args(["-n", "x", "-U"])
    with pytest.raises(UsageError, match="Unknown value for --lifetime: soon"):
        parse_args(["-n", "x", "-l", "soon"])


@pytest.mark.parametrize(
    "args",
    [
        ["-U", "1"],
        ["-Q"],
        ["-n", "x", "-U"],
        ["-n", "x", "-l", "bogus", "-U", "1"],
        ["-n", "x", "-U", "1"],
        ["-n", "x", "-Q"],
        ["-n", "x", "-Q", "-A"],
        ["-n", "x", "-D"],
        ["-n", "x"],
        ["-R"],
        ["-n", "x", "-B", "1", "-d", "5"],
        ["-n", "x", "-Y", "-d", "5"],
    ],
)
@pytest.mark.oracle
@pytest.mark.skipif(not DEBIAN.exists(), reason="Debian's attrd_updater (pacemaker-cli-utils) is not installed")
def test_exit_codes_match_pacemaker_without_a_daemon(args: list[str], tmp_path: Path) -> None:
    rc, _, err = ours(args, tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("OCF_")}
    theirs = subprocess.run([str(DEBIAN), *args], capture_output=True, text=True, env=env, timeout=30)
    assert rc == theirs.returncode
    if rc == 64:
        assert err == theirs.stderr
    else:
        assert rc == 102 and err.count("\n") == 1 and "pacer is not running on this node" in err


def test_version_help_and_warnings(tmp_path: Path) -> None:
    rc, out, _ = ours(["--version"], tmp_path)
    assert rc == 0 and out.startswith("Pacemaker 2.1.5\n")
    rc, out, _ = ours(["--help"], tmp_path)
    assert rc == 0 and "-U, --update=VALUE" in out and "-A, --all" in out
    rc, out, err = ours(["-n", "x", "-B", "1"], tmp_path)
    assert out == "Warning: 'B' command given without required --delay\n" and rc == 102
    rc, _, err = ours(["-n", "x", "-U", "1", "-d", "soon"], tmp_path)
    assert rc == 64 and "Invalid --delay value: soon" in err
