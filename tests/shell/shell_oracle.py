"""Run a crm command stream through pacer's crm and Debian's crmsh 4.4.1 on fresh copies of
the same CIB file, and compare exit code, resulting CIB (version attributes aside) and
``crm configure show`` text.

Usable as a script: ``python tests/shell/shell_oracle.py STREAM.crm [-F] [--base CIB]`` prints the
differences.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

OURS = Path(sys.executable).parent / "crm"
THEIRS = Path("/usr/sbin/crm")
HERE = Path(__file__).resolve().parent
STREAMS = HERE / "streams"
BASES = HERE / "bases"
ANSI = re.compile(r"\x1b\[[0-9;]*m")
CRMSH_ONLY = re.compile(
    r"WARNING: \((unpack_config|cluster_status)\) "  # Pacemaker's crm_verify -VV; pacer's verify has no such warnings
    r"|WARNING: \S+: resource None does not exist"  # crmsh 4.4.1 bug on rsc-pattern locations
)
VOLATILE = ("epoch", "num_updates", "cib-last-written", "crm_feature_set", "update-origin", "update-client", "update-user", "have-quorum", "dc-uuid")


def available() -> bool:
    return THEIRS.exists() and Path("/usr/sbin/crm_verify").exists()


@dataclass
class Result:
    rc: int
    cib: str
    show: str
    stdout: str
    stderr: str


def normalise(text: str) -> str:
    parser = etree.XMLParser(remove_blank_text=True, remove_comments=False)
    root = etree.fromstring(text.encode(), parser)
    for name in VOLATILE:
        root.attrib.pop(name, None)
    for e in root.iter():
        if isinstance(e.tag, str) and e.text is not None and not e.text.strip():
            e.text = None
        if isinstance(e.tag, str):
            items = sorted(e.attrib.items())
            e.attrib.clear()
            for k, v in items:
                e.set(k, v)
    return etree.tostring(root, pretty_print=True, encoding="unicode")


def _env(tool: Path, cib: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CIB_")}
    env["CIB_file"] = str(cib)
    if tool == THEIRS:
        env["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin"
    else:
        env["PATH"] = f"{OURS.parent}:/usr/sbin:/usr/bin:/sbin:/bin"
    env["HOME"] = str(cib.parent)
    env.pop("EDITOR", None)
    if extra:
        env.update(extra)
    return env


def run(
    tool: Path, stream: str, base: str, force: bool = False, extra: dict[str, str] | None = None, files: dict[str, str] | None = None
) -> Result:
    with tempfile.TemporaryDirectory(prefix="crmdiff-") as d:
        work = Path(d) / "cib.xml"
        work.write_text(base)
        for extra_file in sorted((HERE / "data").glob("*")):
            shutil.copy(extra_file, Path(d) / extra_file.name)
        for name, text in (files or {}).items():
            (Path(d) / name).write_text(text)
        script = Path(d) / "input.crm"
        script.write_text(stream)
        env = _env(tool, work, extra)
        argv = [str(tool), "-D", "plain"] + (["-F"] if force else []) + ["-f", str(script)]
        proc = subprocess.run(
            argv, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, errors="replace", cwd=d, timeout=300, check=False
        )
        show = subprocess.run(
            [str(tool), "-D", "plain", "configure", "show"], env=env, capture_output=True, text=True, errors="replace", cwd=d, timeout=120, check=False
        )
        return Result(proc.returncode, normalise(work.read_text()), show.stdout.rstrip("\n"), proc.stdout, proc.stderr)


def empty_cib() -> str:
    return (BASES / "empty.xml").read_text()


STAMP = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ")


def _same_clock(theirs: Result, ours: Result, slack: float = 120.0) -> None:
    """Times computed from "now" (the end of a lifetime given to move or ban) are taken as the
    same when the two runs put them less than ``slack`` seconds apart (they run one after the
    other); pacer's are replaced by crmsh's."""
    from datetime import datetime

    def stamps(r: Result) -> list[str]:
        return STAMP.findall(r.cib + r.show + r.stdout)

    want, got = stamps(theirs), stamps(ours)
    if len(want) != len(got) or want == got:
        return
    fmt = "%Y-%m-%d %H:%M:%SZ"
    if all(abs((datetime.strptime(a, fmt) - datetime.strptime(b, fmt)).total_seconds()) < slack for a, b in zip(want, got, strict=True)):
        table = dict(zip(got, want, strict=True))
        for name in ("cib", "show", "stdout"):
            setattr(ours, name, STAMP.sub(lambda m: table.get(m.group(0), m.group(0)), getattr(ours, name)))


def compare(
    stream: str, base: str | None = None, force: bool = False, extra: dict[str, str] | None = None, files: dict[str, str] | None = None
) -> list[str]:
    """The differences (empty when pacer agrees with crmsh); ``files`` are written next to the
    CIB for the stream to load."""
    base = base if base is not None else empty_cib()
    theirs = run(THEIRS, stream, base, force, extra, files)
    ours = run(OURS, stream, base, force, extra, files)
    _same_clock(theirs, ours)
    diffs: list[str] = []
    if theirs.rc != ours.rc:
        diffs.append(f"exit code: crmsh {theirs.rc}, pacer {ours.rc}\n--- crmsh stderr\n{theirs.stderr}\n--- pacer stderr\n{ours.stderr}")
    if theirs.cib != ours.cib:
        import difflib

        d = "".join(difflib.unified_diff(theirs.cib.splitlines(True), ours.cib.splitlines(True), "crmsh", "pacer"))
        diffs.append("CIB differs:\n" + d)
    want = "\n".join(line for line in ANSI.sub("", theirs.stdout).split("\n") if not CRMSH_ONLY.match(line))
    got = ANSI.sub("", ours.stdout)
    if want != got:
        import difflib

        d = "\n".join(difflib.unified_diff(want.splitlines(), got.splitlines(), "crmsh", "pacer", lineterm=""))
        diffs.append("stdout differs:\n" + d)
    if theirs.show != ours.show:
        import difflib

        d = "\n".join(difflib.unified_diff(theirs.show.splitlines(), ours.show.splitlines(), "crmsh", "pacer", lineterm=""))
        diffs.append("show differs:\n" + d)
    return diffs


def stream_options(text: str) -> tuple[bool, str | None]:
    """``# force`` and ``# base: NAME`` headers of a stream file."""
    force, base, _env = stream_headers(text)
    return force, base


def stream_headers(text: str) -> tuple[bool, str | None, dict[str, str]]:
    """``# force``, ``# base: NAME`` and ``# env: NAME=VALUE`` headers of a stream file."""
    force = False
    base = None
    env: dict[str, str] = {}
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        words = line[1:].split()
        if words[:1] == ["force"]:
            force = True
        if words[:1] == ["base:"] and len(words) > 1:
            base = (BASES / words[1]).read_text()
        if words[:1] == ["env:"] and len(words) > 1:
            name, _, value = line[1:].strip()[len("env:") :].strip().partition("=")
            env[name] = value
    return force, base, env


def main(argv: list[str]) -> int:
    bad = 0
    for name in argv:
        if name.startswith("-"):
            continue
        text = Path(name).read_text()
        force, base, env = stream_headers(text)
        diffs = compare(text, base, force or "-F" in argv, env)
        print(f"== {name}: {'OK' if not diffs else 'DIFFERENT'}")
        for d in diffs:
            print(d)
        bad += bool(diffs)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
