"""crm_shadow against Debian's: generated shadow workflows (create from a CIB file, create
empty with or without --validate-with, which/file/display, changes made through CIB_shadow,
diff, reset, switch, delete, with and without --force/--batch, the active shadow matching or
not) run in two shadow directories, one per tool; output, exit code and shadow files must be
the same after every step.

Left out: --commit to a CIB_file (Pacemaker 2.1.5 never writes the file back, its file client
not being signed off; pacer writes it), --diff of copies with comments, and --edit."""

from __future__ import annotations

import random
import re
import shutil
from pathlib import Path

import pytest
from lxml import etree
from tool_oracle import base_env, pacer_tool, require_debian, run

pytestmark = pytest.mark.oracle

SOURCE = Path(__file__).resolve().parent.parent / "cli_regression" / "data" / "cli" / "crm_mon.xml"


def _steps(rng: random.Random, count: int) -> list[tuple[str | None, list[str]]]:
    """(CIB_shadow value or None, crm_shadow arguments or a crm_attribute change)."""
    names = ["s1", "s2"]
    steps: list[tuple[str | None, list[str]]] = []
    for _ in range(count):
        active = rng.choice([None, *names])
        name = rng.choice(names)
        flags = [f for f in ("--force", "--batch") if rng.random() < 0.7]
        kind = rng.randrange(9)
        if kind == 0:
            steps.append((active, ["--create", name, *flags]))
        elif kind == 1:
            extra = ["--validate-with", rng.choice(["pacemaker-3.0", "pacemaker-2.10"])] if rng.random() < 0.3 else []
            steps.append((active, ["--create-empty", name, *flags, *extra]))
        elif kind == 2:
            steps.append((active, [rng.choice(["-w", "-F", "-p", "--which", "--display"])]))
        elif kind == 3:
            steps.append((name, ["@attr", f"v{rng.randint(0, 9)}"]))
        elif kind == 4:
            steps.append((name, ["-d"]))
        elif kind == 5:
            steps.append((active, ["--reset", name, *flags]))
        elif kind == 6:
            steps.append((active, ["--switch", name, *flags]))
        elif kind == 7:
            steps.append((active, ["--delete", name, *flags]))
        else:
            steps.append((active, rng.choice([[], ["-x"], ["extra"], ["--create"], ["-D", "s1", "-f", "-b"]])))
    return steps


def _shadows(directory: Path) -> dict[str, str]:
    out = {}
    for path in sorted(directory.glob("shadow.*")):
        try:
            root = etree.parse(str(path)).getroot()
        except etree.XMLSyntaxError:
            out[path.name] = "<unparsable>"
            continue
        root.attrib.pop("cib-last-written", None)
        out[path.name] = etree.tostring(root, method="c14n").decode()
    return out


@pytest.mark.parametrize("seed", range(4))
def test_workflow_same_as_pacemaker(seed: int, tmp_path: Path) -> None:
    require_debian("crm_shadow")
    ours_bin = str(Path(pacer_tool("crm_shadow")).parent)
    sides = {}
    for side, path in (("theirs", "/usr/sbin:/usr/bin:/bin"), ("ours", f"{ours_bin}:/usr/bin:/bin")):
        directory = tmp_path / side
        directory.mkdir()
        shutil.copy(SOURCE, directory / "cib.xml")
        sides[side] = (directory, path)
    for active, argv in _steps(random.Random(seed), 16):
        results = {}
        for side, (directory, path) in sides.items():
            extra = {"CIB_shadow_dir": str(directory), "CIB_file": str(directory / "cib.xml"), "PATH": path}
            if active is not None:
                extra["CIB_shadow"] = active
            env = base_env(extra)
            env.pop("SHELL", None)
            if argv and argv[0] == "@attr":
                command = ["crm_attribute", "-n", "shadow-test", "-v", argv[1]]
            else:
                command = ["crm_shadow", *argv]
            outcome = run(command, env, cwd=directory)
            text = (outcome.stdout + "\x00" + outcome.stderr).replace(str(directory), "DIR")
            results[side] = (outcome.rc, re.sub(r"\s+\n", "\n", text))
        assert results["ours"] == results["theirs"], (active, argv)
        assert _shadows(sides["ours"][0]) == _shadows(sides["theirs"][0]), (active, argv)
