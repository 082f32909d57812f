"""``--help`` and ``--version`` of the command-line tools, in Pacemaker 2.1.5's layout.

Every tool parses its command line with :mod:`argparse` (see "Command-line parsing" in
``docs/cli.md``) and hands its parser to :func:`install`, which adds Pacemaker's help options
(``-?``/``--help``, ``--help-all``, one ``--help-GROUP`` per option group) and
``-$``/``--version``.  Option groups are made with :func:`option_group`; options added to the
parser itself are the "Application Options".  The help is laid out as GLib's option parser
lays out Pacemaker's (one column for the options, descriptions aligned after the longest
option of the whole tool, continuation lines indented to that column); the man pages are
generated from the same text (:mod:`crm.cli.manpage`).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any, TextIO

__all__ = ["VERSION_TEXT", "install", "option_group", "render_help"]

VERSION_TEXT = "Pacemaker 2.1.5\nWritten by Andrew Beekhof and the Pacemaker project contributors\n"


class _HelpInfo:
    def __init__(self, summary: str, description: str, epilog: str) -> None:
        self.summary = summary
        self.description = description
        self.epilog = epilog


def option_group(parser: argparse.ArgumentParser, name: str, title: str,
                 help_text: str) -> argparse._ArgumentGroup:
    """A group shown by ``--help-NAME`` (and ``--help-all``) under ``TITLE:``."""
    group = parser.add_argument_group(title)
    group._pcmk_name = name  # type: ignore[attr-defined]
    group._pcmk_help = help_text  # type: ignore[attr-defined]
    return group


class _ShowHelp(argparse.Action):
    def __init__(self, option_strings: Sequence[str], dest: str, which: str = "", **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, **kwargs)
        self.which = which

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        sys.stdout.write(render_help(parser, self.which))
        sys.stdout.flush()
        parser.exit(0)


class _ShowVersion(argparse.Action):
    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        sys.stdout.write(VERSION_TEXT)
        sys.stdout.flush()
        parser.exit(0)


def install(parser: argparse.ArgumentParser, summary: str, description: str = "", epilog: str = "",
            help_short: str = "-?", version: bool = True) -> None:
    """Add Pacemaker's help and version options to ``parser`` (made with ``add_help=False``),
    after every option group was added (one ``--help-GROUP`` each)."""
    parser._pcmk_help_info = _HelpInfo(summary, description, epilog)  # type: ignore[attr-defined]
    shorts = [help_short] if help_short else []
    parser.add_argument(*shorts, "--help", action=_ShowHelp, which="", help="Show help options")
    parser.add_argument("--help-all", action=_ShowHelp, which="all", help="Show all help options")
    for group in _groups(parser):
        name = group._pcmk_name  # type: ignore[attr-defined]
        parser.add_argument(f"--help-{name}", action=_ShowHelp, which=name,
                            help=group._pcmk_help)  # type: ignore[attr-defined]
    if version:
        parser.add_argument("-$", "--version", action=_ShowVersion,
                            help="Display software version and exit")


def _groups(parser: argparse.ArgumentParser) -> list[argparse._ArgumentGroup]:
    return [g for g in parser._action_groups if hasattr(g, "_pcmk_name")]


def _is_help(action: argparse.Action) -> bool:
    return isinstance(action, _ShowHelp)


def _spec(action: argparse.Action) -> tuple[str, int]:
    """The option as GLib prints it (``-r, --resource=STRING``) and GLib's width of it."""
    longs = [s for s in action.option_strings if s.startswith("--")]
    shorts = [s for s in action.option_strings if not s.startswith("--")]
    arg = ""
    if action.nargs != 0:
        metavar = action.metavar if isinstance(action.metavar, str) else (action.dest or "").upper()
        arg = f"={metavar}"
    if longs:
        text = (f"{shorts[0]}, " if shorts else "") + longs[0] + arg
    else:
        text = shorts[0] + (f" {arg[1:]}" if arg else "")
    return text, len(text) - 2


def _entries(actions: Sequence[argparse.Action]) -> list[argparse.Action]:
    return [a for a in actions if a.option_strings and a.help != argparse.SUPPRESS]


def _format(actions: Sequence[argparse.Action], column: int) -> str:
    lines = []
    for action in actions:
        spec, _ = _spec(action)
        head = f"  {spec}"
        text = (action.help or "").replace("%%", "%")
        first, *rest = text.split("\n") if text else [""]
        pad = max(column - 1 - len(head), 0)
        lines.append(f"{head}{' ' * pad} {first}".rstrip() if not first else f"{head}{' ' * pad} {first}")
        for more in rest:
            lines.append(" " * column + more)
    return "\n".join(lines) + "\n"


def render_help(parser: argparse.ArgumentParser, which: str = "") -> str:
    """The help text: ``which`` is ``""`` (``--help``), ``"all"`` or a group name."""
    info: _HelpInfo = getattr(parser, "_pcmk_help_info", _HelpInfo("", "", ""))
    groups = _groups(parser)
    main = [a for a in _entries(parser._actions)
            if not _is_help(a) and not any(a in g._group_actions for g in groups)]
    main.sort(key=lambda a: not isinstance(a, _ShowVersion))  # Pacemaker lists -$ first
    helps = [a for a in _entries(parser._actions) if _is_help(a)]
    every = helps + main + [a for g in groups for a in _entries(g._group_actions)]
    width = max((_spec(a)[1] for a in every), default=0)
    column = width + 9
    out = [f"Usage:\n  {parser.prog} [OPTION?]\n\n"]
    if info.summary:
        out.append(info.summary.rstrip("\n") + "\n\n")
    if info.description:
        out.append(info.description.rstrip("\n") + "\n\n")
    out.append("Help Options:\n" + _format(helps, column) + "\n")
    for group in groups:
        if which in ("all", group._pcmk_name):  # type: ignore[attr-defined]
            out.append(f"{group.title}:\n" + _format(_entries(group._group_actions), column) + "\n")
    if main:
        out.append("Application Options:\n" + _format(main, column) + "\n")
    if info.epilog:
        out.append(info.epilog.rstrip("\n") + "\n\n")
    return "".join(out)


def write_help(parser: argparse.ArgumentParser, out: TextIO, which: str = "") -> None:
    out.write(render_help(parser, which))


def answer(parser: argparse.ArgumentParser, argv: Sequence[str], out: TextIO) -> int | None:
    """For tools run in-process (``run(argv, out, err)``): when ``argv`` asks for help or the
    version, write it to ``out`` and return 0 (the exit code); else None."""
    for arg in argv:
        if arg == "--":
            break
        for action in parser._actions:
            if arg in action.option_strings:
                if isinstance(action, _ShowHelp):
                    out.write(render_help(parser, action.which))
                    return 0
                if isinstance(action, _ShowVersion):
                    out.write(VERSION_TEXT)
                    return 0
    return None
