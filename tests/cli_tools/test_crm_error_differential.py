"""crm_error against Debian's, on command lines generated from its options and codes of every
family (named, unnamed, negative, out of range, not numbers)."""

from __future__ import annotations

import random

import pytest
from tool_oracle import base_env, pacer_tool, require_debian, run

pytestmark = pytest.mark.oracle


def _command_lines(seed: int, count: int) -> list[list[str]]:
    rng = random.Random(seed)
    codes = ["0", "1", "5", "41", "64", "78", "105", "112", "150", "190", "193", "201", "211", "217", "255",
             "256", "300", "999", "-1", "-5", "-201", "-1001", "-1017", "-1033", "-1034", "-2000", "abc",
             "12abc", "2147483648", "-2147483649", " 7"]
    lines = []
    for _ in range(count):
        argv: list[str] = []
        for flag in ("-n", "-X", "-r", "-V", "-l"):
            if rng.random() < (0.1 if flag == "-l" else 0.35):
                argv.append(flag)
        rng.shuffle(argv)
        if rng.random() < 0.25:
            argv.append("--output-as=xml")
        picked = rng.sample(codes, rng.randint(0, 3))
        if picked:
            argv.append("--")
            argv += picked
        lines.append(argv)
    lines += [["--help"], ["--help-all"], ["--help-output"], ["--version"], ["-5"], ["--bogus"],
              ["--output-as=html", "1"], ["-l", "-n", "-r"], ["-l", "-X", "-n", "--output-as=xml"]]
    return lines


@pytest.mark.parametrize("argv", _command_lines(7, 40), ids=lambda a: " ".join(a) or "(none)")
def test_same_as_pacemaker(argv: list[str]) -> None:
    debian = require_debian("crm_error")
    env = base_env()
    theirs = run([debian, *argv], env)
    ours = run([pacer_tool("crm_error"), *argv], env)
    # the XML "request" is the command line as invoked: the same but for the program's directory
    mine = ours.stdout.replace(pacer_tool("crm_error"), debian)
    assert (ours.rc, mine, ours.stderr) == (theirs.rc, theirs.stdout, theirs.stderr)
