"""Man pages generated from the commands' ``--help`` text.

``python -m crm.cli.manpage DIR`` runs every command of ``[project.scripts]`` with
``--help-all`` (Pacemaker's tools; ``--help`` for the others) and ``--version`` and writes
``DIR/NAME.8``.  The pages in ``man/man8`` are installed under ``share/man/man8``; a test checks
that they still say what the commands' help says.

The help is turned into man(7) markup: the first paragraph after ``Usage:`` is the NAME
line, ``Title:`` lines become sections, option lines (``  -x, --long=ARG   text``) become
tagged paragraphs, tab-indented example lines stay verbatim.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from collections.abc import Iterable
from pathlib import Path

__all__ = ["help_text", "main", "render", "scripts"]

ROOT = Path(__file__).resolve().parents[2]
OPTION = re.compile(r"^  (-\S.*?)(?:\s{2,}(\S.*))?$")
SECTION = re.compile(r"^(\S[^:]*):$")


def scripts(pyproject: Path = ROOT / "pyproject.toml") -> dict[str, str]:
    data = tomllib.loads(pyproject.read_text())
    return dict(data["project"]["scripts"])


def _call(target: str, name: str, option: str) -> subprocess.CompletedProcess[str]:
    module, func = target.split(":")
    code = f"import sys; sys.argv = {[name, option]!r}; from {module} import {func} as m; sys.exit(m())"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL, cwd=ROOT)


def help_text(name: str, target: str) -> tuple[str, str]:
    """(help, version) of one command: ``--help-all`` when it has it, else ``--help``."""
    result = _call(target, name, "--help-all")
    if result.returncode != 0 or not result.stdout.strip():
        result = _call(target, name, "--help")
    version = _call(target, name, "--version")
    return result.stdout, (version.stdout.strip().splitlines() or [""])[0] if version.returncode == 0 else ""


def _escape(text: str) -> str:
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return "\\&" + text if text.startswith((".", "'")) else text


def _summary(name: str, lines: list[str]) -> str:
    """The NAME line: the first line of text after the usage block."""
    in_usage = False
    for line in lines:
        stripped = line.strip()
        if not stripped:
            in_usage = False
            continue
        if stripped.lower().startswith("usage:"):
            in_usage = True
            continue
        if in_usage or SECTION.match(line):
            continue
        text = stripped
        if text.startswith(f"{name} - "):
            text = text[len(name) + 3:]
        elif text.startswith(f"{name}: "):
            text = text[len(name) + 2:]
        return text.rstrip(".")
    return name


def render(name: str, help_out: str, version: str) -> str:
    lines = help_out.rstrip("\n").splitlines()
    source = version or "pacer"
    out = [
        f'.TH {name.upper()} 8 "" "{_escape(source)}" "System Administration Utilities"',
        ".SH NAME",
        f"{_escape(name)} \\- {_escape(_summary(name, lines))}",
        ".SH SYNOPSIS",
        f".B {_escape(name)}",
        "[\\fIOPTION\\fR...]",
        ".SH DESCRIPTION",
    ]
    verbatim = False
    in_usage = False
    for line in lines:
        if line.lower().startswith("usage:"):
            in_usage = True
            continue
        if in_usage:
            in_usage = bool(line.strip())
            continue
        if verbatim and not line.startswith("\t"):
            out.append(".fi")
            verbatim = False
        section = SECTION.match(line)
        option = OPTION.match(line)
        if not line.strip():
            out.append(".PP")
        elif line.startswith("\t"):
            if not verbatim:
                out.append(".nf")
                verbatim = True
            out.append(_escape(line.strip()))
        elif section:
            out.append(f".SS {_escape(section.group(1))}")
        elif option:
            out.append(".TP")
            out.append(f"\\fB{_escape(option.group(1).strip())}\\fR")
            if option.group(2):
                out.append(_escape(option.group(2)))
        else:
            out.append(_escape(line.strip()))
    if verbatim:
        out.append(".fi")
    cleaned: list[str] = []
    for item in out:
        if item == ".PP" and cleaned and (cleaned[-1] in (".PP", ".SH DESCRIPTION") or cleaned[-1].startswith(".SS")):
            continue
        if item.startswith(".SS") and cleaned and cleaned[-1] == ".PP":
            cleaned.pop()
        cleaned.append(item)
    while cleaned and cleaned[-1] == ".PP":
        cleaned.pop()
    return "\n".join(cleaned) + "\n"


def write_pages(directory: Path, names: Iterable[str] | None = None) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    table = scripts()
    written = []
    for name in names or table:
        help_out, version = help_text(name, table[name])
        path = directory / f"{name}.8"
        path.write_text(render(name, help_out, version))
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in ("-h", "--help"):
        sys.stdout.write("Usage: python -m crm.cli.manpage DIR [COMMAND...]\n"
                         "Write DIR/COMMAND.8 from the --help of every command of pyproject.toml.\n")
        return 0 if args else 64
    for path in write_pages(Path(args[0]), args[1:] or None):
        sys.stdout.write(f"{path}\n")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
