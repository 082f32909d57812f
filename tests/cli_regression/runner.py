"""Run Pacemaker 2.1.5's CLI regression suite (recorded by :mod:`record`) against a set of tools.

Every case starts from the state recorded for it (environment, shadow CIBs, ``CIB_file``,
temporary inputs) in a directory of its own, runs its command with the chosen tools first on
``PATH`` and builds the same block the suite writes (stderr, stdout, the CIB after the command
when the case shows it, the API validation of XML output, the end line with the exit code and
its description, and the pass/fail line).  The block is normalised as the suite normalises its
output (dates, versions, paths, legacy role names) and compared, ignoring whitespace as
``diff -w`` does, with the case's block in ``data/cli/regression.GROUP.exp``.

With ``--tools pacer`` (the default) the tools come from pacer's virtualenv, and every other
Pacemaker command name resolves to a stub that fails as a missing command would, so nothing of
Debian's is run; ``--tools debian`` runs Pacemaker's own tools (a check of this runner).

    python tests/cli_regression/runner.py [--tools pacer|debian] [-j N] [--group G] [--verbose]
        [--write-known-failures FILE]
"""

from __future__ import annotations

import argparse
import difflib
import functools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
REPO = HERE.parent.parent
KNOWN_FAILURES = HERE / "known_failures.txt"
CASE_TIMEOUT = 120

#: every command Pacemaker 2.1.5 installs that the suite could call
PACEMAKER_COMMANDS = (
    "attrd_updater", "cibadmin", "cibsecret", "crm_attribute", "crm_diff", "crm_error", "crm_failcount",
    "crm_master", "crm_mon", "crm_node", "crm_report", "crm_resource", "crm_rule", "crm_shadow",
    "crm_simulate", "crm_standby", "crm_ticket", "crm_verify", "crmadmin", "iso8601", "stonith_admin",
    "pacemakerd", "pacemaker-attrd", "pacemaker-based", "pacemaker-controld", "pacemaker-execd",
    "pacemaker-fenced", "pacemaker-schedulerd", "pacemaker_remoted", "pacemaker-remoted",
    "cts-exec-helper", "fence_legacy", "fence_watchdog",
)

# The suite's output normalisation (cts-cli's sed pass), applied line by line in this order.
_NORMALISE: list[tuple[re.Pattern[str], str, int]] = [
    (re.compile(p), r, n)
    for p, r, n in (
        (r"cib-last-written.*>", ">", 1),
        (r"Last updated: .*", "Last updated:", 1),
        (r"Last change: .*", "Last change:", 1),
        (r"\(version .*\)", "(version)", 1),
        (r'last_update time=".*"', 'last_update time=""', 1),
        (r'last_change time=".*"', 'last_change time=""', 1),
        (r' api-version="[^"]*"', ' api-version="X"', 1),
        (r' default="[^"]*"', ' default=""', 1),
        (r' version="[^"]*"', ' version=""', 1),
        (r'request=".*(crm_[a-zA-Z0-9]*)', r'request="\1', 1),
        (r'crm_feature_set="[^"]*" ', "", 1),
        (r'validate-with="[^"]*" ', "", 1),
        (r"Created new pacemaker-.* configuration", "Created new pacemaker configuration", 1),
        (r".*(crm_time_parse_duration)@.*\.c:[0-9]+\)", r"\1", 0),
        (r".*(crm_time_parse_period)@.*\.c:[0-9]+\)", r"\1", 0),
        (r".*(crm_time_parse_sec)@.*\.c:[0-9]+\)", r"\1", 0),
        (r".*(log_xmllib_err)@.*\.c:[0-9]+\)", r"\1", 0),
        (r".*(parse_date)@.*\.c:[0-9]+\)", r"\1", 0),
        (r".*(pcmk__.*)@.*\.c:[0-9]+\)", r"\1", 0),
        (r".*(unpack_.*)@.*\.c:[0-9]+\)", r"\1", 0),
        (r".*(update_validation)@.*\.c:[0-9]+\)", r"\1", 0),
        (r".*(apply_upgrade)@.*\.c:[0-9]+\)", r"\1", 0),
        (r""" last-rc-change=['"][-+A-Za-z0-9: ]*['"],?""", "", 1),
        (r"^/\S*cts-cli\.validity\.bad\.xml\.[^:]*:", "validity.bad.xml:", 1),
        (r"^Entity: line [0-9]+: ", "", 1),
        (r"(validation \([0-9]+ of )[0-9]+(\).*)", r"\1X\2", 1),
        (r"^Migration will take effect until: .*", "Migration will take effect until:", 1),
        (r' end="[0-9][-+: 0-9]*Z*"', ' end=""', 1),
        (r' start="[0-9][-+: 0-9]*Z*"', ' start=""', 1),
        (r"^Error checking rule: Device not configured", "Error checking rule: No such device or address", 1),
        (
            r"Error performing operation: Device not configured",
            "Error performing operation: No such device or address",
            1,
        ),
        (r"(Injecting attribute last-failure-ping#monitor_10000=)[0-9]*", r"\1", 1),
        (r"^lt-", "", 1),
        (r"ocf::", "ocf:", 1),
        (r"Masters:", "Promoted:", 1),
        (r"Slaves:", "Unpromoted:", 1),
        (r"Master", "Promoted", 1),
        (r"Slave", "Unpromoted", 1),
        (r"\x1b", r"\\x1b", 1),
    )
]

_BEGIN = re.compile(r"^=#=#=#= Begin test: (.*) =#=#=#=$")
_RESULT = re.compile(r"^\* (Passed|Failed)")


def _needle(pattern: str) -> str:
    """A literal part every match of ``pattern`` contains (to skip lines cheaply)."""
    for needle in ("@", "last-rc-change", "cts-cli", "Entity", "validation (", "Migration", "Injecting", "\x1b"):
        if needle in pattern:
            return needle
    literal = re.match(r"[\^]?([A-Za-z_ :-]+)", pattern.lstrip("^ "))
    return literal.group(1).strip() if literal else ""


_NEEDLES = [_needle(p.pattern) for p, _, _ in _NORMALISE]


def normalise(text: str) -> str:
    lines = []
    for line in text.split("\n"):
        for (pattern, repl, count), needle in zip(_NORMALISE, _NEEDLES, strict=True):
            if needle in line:
                line = pattern.sub(repl, line, count=count)
        lines.append(line)
    return "\n".join(lines)


def _without_whitespace(text: str) -> list[str]:
    return [re.sub(r"\s+", "", line) for line in text.rstrip("\n").split("\n")]


@dataclass(frozen=True)
class Case:
    group: str
    number: int  # 1-based position in its group
    desc: str
    cmd: str
    target: int
    validate: bool
    cib: bool
    env: dict[str, str]
    files: dict[str, str]
    key: str  # "group: description" (with " #k" for the k-th repeat of a description)

    @property
    def tool(self) -> str:
        return self.cmd.split(" ", 1)[0]


def load_cases() -> list[Case]:
    raw = json.loads((DATA / "cases.json").read_text())
    cases: list[Case] = []
    numbers: dict[str, int] = defaultdict(int)
    seen: dict[str, int] = defaultdict(int)
    for item in raw:
        group = item["group"]
        numbers[group] += 1
        base = f"{group}: {item['desc']}"
        seen[base] += 1
        key = base if seen[base] == 1 else f"{base} #{seen[base]}"
        cases.append(
            Case(
                group=group, number=numbers[group], desc=item["desc"], cmd=item["cmd"], target=item["target"],
                validate=item["validate"], cib=item["cib"], env=item["env"], files=item["files"], key=key,
            )
        )
    return cases


def expected_blocks(group: str) -> list[str]:
    """The case blocks of ``regression.GROUP.exp`` in order (Begin line to pass/fail line)."""
    blocks: list[str] = []
    current: list[str] | None = None
    for line in (DATA / "cli" / f"regression.{group}.exp").read_text().split("\n"):
        if _BEGIN.match(line):
            current = [line]
        elif current is not None:
            current.append(line)
            if _RESULT.match(line):
                blocks.append("\n".join(current) + "\n")
                current = None
    return blocks


@dataclass
class Toolset:
    """The commands a run uses: ``bin_dirs`` first on PATH."""

    name: str
    bin_dirs: list[Path]
    schema_dir: Path
    _exit_text: dict[int, str] = field(default_factory=dict)

    @property
    def path(self) -> str:
        return ":".join([*map(str, self.bin_dirs), "/usr/local/bin", "/usr/bin", "/bin"])

    def exit_text(self, rc: int) -> str:
        """What ``crm_error --exit RC`` prints with these tools (the suite's end line)."""
        if rc not in self._exit_text:
            proc = subprocess.run(
                ["crm_error", "--exit", str(rc)], capture_output=True, text=True, check=False,
                env={**_base_environment(), "PATH": self.path},
            )
            self._exit_text[rc] = proc.stdout.strip()
        return self._exit_text[rc]


def pacer_bin_dir() -> Path:
    venv = REPO / ".venv" / "bin"
    if (venv / "cibadmin").exists():
        return venv
    return Path(sys.executable).parent


def pacer_toolset(scratch: Path) -> Toolset:
    """pacer's commands first; every other Pacemaker command is a stub that is "not found"."""
    own = pacer_bin_dir()
    stubs = scratch / "not-pacer"
    stubs.mkdir(parents=True, exist_ok=True)
    for name in PACEMAKER_COMMANDS:
        if not (own / name).exists():
            stub = stubs / name
            stub.write_text(f"#!/bin/sh\necho \"bash: {name}: command not found\" >&2\nexit 127\n")
            stub.chmod(0o755)
    # XML output is checked against Pacemaker's own API schemas when they are installed (the
    # suite's check), else against pacer's
    schema_dir = Path("/usr/share/pacemaker")
    if not (schema_dir / "api" / "api-result.rng").exists():
        schema_dir = REPO / "crm" / "schemas"
    return Toolset("pacer", [own, stubs], schema_dir)


def debian_toolset() -> Toolset:
    return Toolset("debian", [Path("/usr/lib/pacemaker"), Path("/usr/sbin")], Path("/usr/share/pacemaker"))


def _base_environment() -> dict[str, str]:
    drop = ("CIB_", "PCMK_", "OCF_", "HA_", "LC_", "TZ", "LANG", "PACER_")
    return {k: v for k, v in os.environ.items() if not k.startswith(drop)}


@dataclass
class Result:
    case: Case
    rc: int
    actual: str
    expected: str

    @functools.cached_property
    def passed(self) -> bool:
        return _without_whitespace(normalise(self.actual)) == _without_whitespace(normalise(self.expected))

    def diff(self) -> str:
        return "".join(
            difflib.unified_diff(
                normalise(self.expected).splitlines(keepends=True),
                normalise(self.actual).splitlines(keepends=True),
                "expected", "actual",
            )
        )


def run_case(case: Case, expected: str, tools: Toolset, scratch: Path) -> Result:
    work = Path(tempfile.mkdtemp(prefix=f"{case.group}-{case.number:03d}.", dir=scratch))
    try:
        tmp = work / "tmp"
        tmp.mkdir()

        def place(text: str) -> str:
            return text.replace("{TMP}", str(tmp)).replace("{HOME}", str(DATA))

        tomorrow = (date.today() + timedelta(days=1)).isoformat().encode()
        for name, blob in case.files.items():
            target = Path(place(name))
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes((DATA / "blobs" / blob).read_bytes().replace(b"{TOMORROW}", tomorrow))
        env = _base_environment()
        env.update({k: place(v) for k, v in case.env.items()})
        env.update(PATH=tools.path, TMPDIR=str(tmp), PCMK_schema_directory=str(tools.schema_dir))
        try:
            proc = subprocess.run(
                ["bash", "-o", "pipefail", "-c", place(case.cmd)], cwd=tmp, env=env, capture_output=True,
                stdin=subprocess.DEVNULL, timeout=CASE_TIMEOUT, check=False,
            )
            rc, out, err = proc.returncode, proc.stdout.decode(errors="replace"), proc.stderr.decode(errors="replace")
        except subprocess.TimeoutExpired as exc:
            rc, out = 124, (exc.stdout or b"").decode(errors="replace")
            err = (exc.stderr or b"").decode(errors="replace") + f"runner: timed out after {CASE_TIMEOUT}s\n"
        block = [f"=#=#=#= Begin test: {case.desc} =#=#=#=\n", err, out]
        if case.cib:
            block.append(f"=#=#=#= Current cib after: {case.desc} =#=#=#=\n")
            dump = subprocess.run(
                ["bash", "-c", "cibadmin -Q"], cwd=tmp, env={**env, "CIB_user": "root"},
                capture_output=True, stdin=subprocess.DEVNULL, timeout=CASE_TIMEOUT, check=False,
            )
            block.append(dump.stdout.decode(errors="replace"))
        end = f"{tools.exit_text(rc)} ({rc})"
        xmllint = shutil.which("xmllint")
        if case.validate and rc == 0 and xmllint:
            outfile = work / "stdout.xml"
            outfile.write_text(out)
            lint = subprocess.run(
                [xmllint, "--noout", "--relaxng", str(tools.schema_dir / "api" / "api-result.rng"), str(outfile)],
                capture_output=True, text=True, check=False,
            )
            block.extend(line + "\n" for line in (lint.stdout + lint.stderr).splitlines() if not line.endswith("validates"))
            if lint.returncode != 0:
                end = f"Failed to validate ({lint.returncode})"
                rc = lint.returncode
        block.append(f"=#=#=#= End test: {case.desc} - {end} =#=#=#=\n")
        if rc != case.target:
            block.append(f"* Failed (rc={rc:03d}): {case.tool:<14} - {case.desc}\n")
        else:
            block.append(f"* Passed: {case.tool:<14} - {case.desc}\n")
        return Result(case, rc, "".join(block), expected)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run_suite(
    tools_name: str = "pacer", jobs: int = 2, groups: Iterable[str] | None = None, keys: Iterable[str] | None = None
) -> list[Result]:
    cases = load_cases()
    expected = {g: expected_blocks(g) for g in {c.group for c in cases}}
    wanted_groups = set(groups) if groups else None
    wanted_keys = set(keys) if keys else None
    chosen = [
        c for c in cases
        if (wanted_groups is None or c.group in wanted_groups) and (wanted_keys is None or c.key in wanted_keys)
    ]
    scratch = Path(tempfile.mkdtemp(prefix="cli-regression."))
    try:
        tools = pacer_toolset(scratch) if tools_name == "pacer" else debian_toolset()
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            return list(
                pool.map(lambda c: run_case(c, expected[c.group][c.number - 1], tools, scratch), chosen)
            )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def report(results: list[Result]) -> str:
    by_tool: dict[str, list[bool]] = defaultdict(list)
    by_group: dict[str, list[bool]] = defaultdict(list)
    for r in results:
        by_tool[r.case.tool].append(r.passed)
        by_group[r.case.group].append(r.passed)
    total = sum(r.passed for r in results)
    lines = [f"Pass rate: {total}/{len(results)} ({100.0 * total / max(1, len(results)):.1f}%)", "", "Per tool:"]
    for name, oks in sorted(by_tool.items()):
        lines.append(f"  {name:<16} {sum(oks):>4}/{len(oks):<4} ({100.0 * sum(oks) / len(oks):5.1f}%)")
    lines += ["", "Per group:"]
    for name, oks in sorted(by_group.items()):
        lines.append(f"  {name:<16} {sum(oks):>4}/{len(oks):<4} ({100.0 * sum(oks) / len(oks):5.1f}%)")
    lines += ["", "Per case:"]
    lines += [f"  {'PASS' if r.passed else 'FAIL'}  {r.case.key}" for r in results]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tools", choices=("pacer", "debian"), default="pacer")
    parser.add_argument("-j", "--jobs", type=int, default=2)
    parser.add_argument("--group", action="append", help="only this group (repeatable)")
    parser.add_argument("--case", action="append", help="only the case with this key (repeatable)")
    parser.add_argument("--verbose", action="store_true", help="show the diff of every failing case")
    parser.add_argument("--write-known-failures", type=Path, help="write the keys of the failing cases here")
    args = parser.parse_args(argv)
    results = run_suite(args.tools, args.jobs, args.group, args.case)
    print(report(results))
    if args.verbose:
        for r in results:
            if not r.passed:
                print(f"\n=== {r.case.key}\n$ {r.case.cmd}\n{r.diff()}")
    if args.write_known_failures:
        args.write_known_failures.write_text(
            "".join(f"{r.case.key}\n" for r in results if not r.passed)
        )
    return 0 if all(r.passed for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
