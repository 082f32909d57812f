"""iso8601 against Debian's, on dates, durations and periods generated from ISO 8601's forms,
with values in and out of range, and output modifiers.  Inputs relative to "now" (a time
alone, a period that is only a duration) are left out: the two runs happen at different
instants."""

from __future__ import annotations

import random

import pytest
from tool_oracle import base_env, pacer_tool, require_debian, run

pytestmark = pytest.mark.oracle


def _date(rng: random.Random) -> str:
    year = rng.choice([1970, 1999, 2000, 2004, 2009, 2019, 2020, 2038, 2100, 1600, rng.randint(1, 2400)])
    form = rng.randrange(5)
    if form == 0:
        text = f"{year:04d}-{rng.randint(0, 13):02d}-{rng.randint(0, 32):02d}"
    elif form == 1:
        text = f"{year:04d}{rng.randint(1, 12):02d}{rng.randint(1, 31):02d}"
    elif form == 2:
        text = f"{year:04d}-{rng.randint(0, 367):03d}"
    elif form == 3:
        text = f"{year:04d}-W{rng.randint(0, 54):02d}-{rng.randint(0, 8)}"
    else:
        text = rng.choice(["epoch", "EPOCH", "x", "2019", "2019-", "-2019-01-01"])
    if rng.random() < 0.7:
        sep = rng.choice([" ", "T"])
        hh, mm, ss = rng.randint(0, 25), rng.randint(0, 61), rng.randint(0, 61)
        text += sep + rng.choice([f"{hh:02d}:{mm:02d}:{ss:02d}", f"{hh:02d}{mm:02d}{ss:02d}", f"{hh:02d}:{mm:02d}",
                                  f"{hh:02d}"])
        zone = rng.choice(["Z", "", " +01:00", " -05:30", " +25:00", " -00:61", "+0200", " +14"])
        text += zone
    return text


def _duration(rng: random.Random) -> str:
    parts = ["P"]
    for unit in "YMWD":
        if rng.random() < 0.35:
            parts.append(f"{rng.choice([-2, 0, 1, 3, 12, 40])}{unit}")
    if rng.random() < 0.6:
        parts.append("T")
        for unit in "HMS":
            if rng.random() < 0.5:
                parts.append(f"{rng.choice([-90, 0, 1, 5, 59, 61, 3600])}{unit}")
    if rng.random() < 0.1:
        parts.append(rng.choice(["Z", "1", ".5D", "M"]))
    return "".join(parts)


def _command_lines(seed: int, count: int) -> list[list[str]]:
    rng = random.Random(seed)
    lines = []
    for _ in range(count):
        argv: list[str] = []
        kind = rng.randrange(4)
        if kind in (0, 1):
            argv += ["-d", _date(rng)]
        if kind == 1 or (kind == 0 and rng.random() < 0.3):
            argv += ["-D", _duration(rng)]
        if kind == 2:
            argv += ["-D", _duration(rng)]
        if kind == 3:
            start = _date(rng) if rng.random() < 0.8 else _duration(rng)
            end = _date(rng) if rng.random() < 0.5 or start.startswith("P") else _duration(rng)
            argv += ["-p", f"{start}/{end}"]
        for flag in ("-s", "-S", "-L", "-O", "-W"):
            if rng.random() < 0.12:
                argv.append(flag)
        if "-d" in argv and rng.random() < 0.2:
            argv += ["-E", rng.choice(["2019-01-01 00:00:00Z", argv[argv.index("-d") + 1]])]
        lines.append(argv)
    lines += [["--help"], ["--help-all"], ["--help-commands"], ["--help-modifiers"], ["--version"], ["-p", ""],
              ["-d", ""], ["-D", ""], ["--bogus"]]
    return lines


@pytest.mark.parametrize("argv", _command_lines(11, 100), ids=lambda a: " ".join(a))
def test_same_as_pacemaker(argv: list[str]) -> None:
    debian = require_debian("iso8601")
    env = base_env({"PCMK_stderr": "1", "PCMK_trace_functions": "", "TZ": "UTC"})
    theirs = run([debian, *argv], env)
    ours = run([pacer_tool("iso8601"), *argv], env)
    assert (ours.rc, ours.stdout, ours.stderr) == (theirs.rc, theirs.stdout, theirs.stderr)
