"""Command-line parsing for the tools that follow Pacemaker's GLib option handling
(``crm_shadow``, ``crm_diff``, ``crm_ticket``, ``crm_rule``, ``iso8601``, ``crm_error``,
``crm_master``).

A tool declares its options once (:class:`Opt` in :class:`Group` s of a :class:`ToolSpec`);
from that come the argparse parser and the help in Pacemaker's layout (``--help``,
``--help-all``, ``--help-GROUP``).  Errors have Pacemaker's wording and exit code
(``PROG: Unknown option --x``, exit 64), and what GLib refuses is refused (a word such as
``-5`` before ``--`` is an unknown option, not a negative number).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, NoReturn

from crm.cli.help_format import VERSION_TEXT
from crm.common.results import ExitCode

PACEMAKER_VERSION = VERSION_TEXT
BUG_REPORT = "Report bugs to users@clusterlabs.org"


class UsageError(Exception):
    """Bad command line: the message is printed after ``PROG: `` and the tool exits 64."""


@dataclass(frozen=True)
class Opt:
    long: str
    short: str | None = None
    metavar: str | None = None  # None: a flag
    help: str = ""
    action: str = "store_true"  # store_true, count, store, append, store_const
    dest: str | None = None
    const: Any = None
    hidden: bool = False

    @property
    def key(self) -> str:
        return self.dest or self.long.replace("-", "_")

    def spec(self) -> str:
        names = f"-{self.short}, --{self.long}" if self.short else f"--{self.long}"
        return f"{names}={self.metavar}" if self.metavar else names


@dataclass(frozen=True)
class Group:
    name: str  # --help-NAME
    title: str
    summary: str
    options: tuple[Opt, ...]


VERSION_OPT = Opt("version", "$", help="Display software version and exit")
VERBOSE_OPT = Opt("verbose", "V", help="Increase debug output (may be specified multiple times)", action="count")


def output_group(formats: Sequence[str] = ("text", "xml")) -> Group:
    names = ", ".join("text (default)" if f == "text" else f for f in formats)
    return Group("output", "Output Options:", "Show output help", (
        Opt("output-as", metavar="FORMAT", help=f"Specify output format as one of: {names}", action="store",
            dest="output_as"),
        Opt("output-to", metavar="DEST", help='Specify file name for output (or "-" for stdout)', action="store",
            dest="output_to"),
        Opt("text-fancy", help="Use more highly formatted output (requires --output-as=text)", dest="text_fancy"),
    ))


@dataclass(frozen=True)
class ToolSpec:
    prog: str
    usage_args: str  # after "PROG " in the usage line
    summary: str
    main: tuple[Opt, ...]
    groups: tuple[Group, ...] = ()
    epilog: str = ""
    positional: str | None = None  # dest of the remaining words, if any
    output_formats: tuple[str, ...] = ()
    _extra: dict[str, Any] = field(default_factory=dict)

    def all_groups(self) -> tuple[Group, ...]:
        groups = self.groups
        if self.output_formats:  # Pacemaker adds the output options first
            groups = (output_group(self.output_formats), *groups)
        return groups

    def help_options(self) -> list[tuple[str, str]]:
        rows = [("-h, --help", "Show help options"), ("--help-all", "Show all help options")]
        rows += [(f"--help-{g.name}", g.summary) for g in self.all_groups()]
        return rows

    def answered_help(self, ns: argparse.Namespace) -> bool:
        """Print the help ``ns`` asks for, if it asks for one (the caller then exits 0)."""
        if not ns._help:
            return False
        sys.stdout.write(self.help(ns._help))
        return True

    def help(self, which: str = "main") -> str:
        """``--help`` (``main``), ``--help-all`` (``all``) or ``--help-GROUP``."""
        # GLib sizes the column with the --help-GROUP entries counted two characters wider
        all_rows = [(spec + "  " if spec.startswith("--help-") else spec, text) for spec, text in self.help_options()]
        for group in self.all_groups():
            all_rows += [(o.spec(), o.help) for o in group.options if not o.hidden]
        all_rows += [(o.spec(), o.help) for o in self.main if not o.hidden]
        width = max(len(spec) for spec, _ in all_rows) + 5

        def block(title: str, rows: list[tuple[str, str]]) -> str:
            return title + "\n" + "".join(f"  {spec.ljust(width)}{text}\n" for spec, text in rows) + "\n"

        text = f"Usage:\n  {self.prog} {self.usage_args}\n\n{self.summary}\n\n"
        main_rows = [(o.spec(), o.help) for o in self.main if not o.hidden]
        if which == "main":
            text += block("Help Options:", self.help_options())
            text += block("Application Options:", main_rows)
        elif which == "all":
            text += block("Help Options:", self.help_options())
            for group in self.all_groups():
                text += block(group.title, [(o.spec(), o.help) for o in group.options if not o.hidden])
            text += block("Application Options:", main_rows)
        else:
            for group in self.all_groups():
                if group.name == which:
                    text += block(group.title, [(o.spec(), o.help) for o in group.options if not o.hidden])
        # GLib ends with the description: the tool's (examples...) or the bug-report line
        return text + (self.epilog or BUG_REPORT + "\n") + "\n"

    def parser(self) -> ToolParser:
        parser = ToolParser(prog=self.prog, add_help=False)
        parser.add_argument("-h", "--help", dest="_help", action="store_const", const="main")
        parser.add_argument("--help-all", dest="_help", action="store_const", const="all")
        for group in self.all_groups():
            parser.add_argument(f"--help-{group.name}", dest="_help", action="store_const", const=group.name)
        for opt in (*self.main, *(o for g in self.all_groups() for o in g.options)):
            names = [f"--{opt.long}"] + ([f"-{opt.short}"] if opt.short else [])
            kwargs: dict[str, Any] = {"dest": opt.key}
            if opt.action in ("store", "append"):
                kwargs["action"] = opt.action
                kwargs["metavar"] = opt.metavar
            elif opt.action == "count":
                kwargs.update(action="count", default=0)
            elif opt.action in ("store_const", "append_const"):
                kwargs.update(action=opt.action, const=opt.const)
            else:
                kwargs["action"] = "store_true"
            parser.add_argument(*names, **kwargs)
        if self.positional:
            parser.add_argument(self.positional, nargs="*")
        return parser

    def parse(self, argv: Sequence[str]) -> argparse.Namespace:
        return self.parser().parse_tool_args(argv)


class ToolParser(argparse.ArgumentParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        raise UsageError(_glib_wording(message))

    def parse_tool_args(self, argv: Sequence[str]) -> argparse.Namespace:
        """Parse as GLib does: a dash word that is no option is an unknown option (``-5`` is
        not a number), and an option that takes a value takes the next word whatever it is
        (``-d -2019-01-01``)."""
        known = set(self._option_string_actions)
        takes_value = {
            name for name, action in self._option_string_actions.items()
            if action.nargs is None and action.const is None and not isinstance(action, argparse._CountAction)
        }
        words = list(argv)
        out: list[str] = []
        i = 0
        while i < len(words):
            word = words[i]
            i += 1
            if word == "--":
                out += words[i - 1:]
                break
            if word.startswith("--"):
                name = word.split("=", 1)[0]
                if name not in known:
                    raise UsageError(f"Unknown option {name}")
                if name in takes_value and "=" not in word:
                    if i >= len(words):
                        raise UsageError(f"Missing argument for {name}")
                    word = f"{name}={words[i]}"
                    i += 1
            elif word.startswith("-") and word != "-":
                for k, letter in enumerate(word[1:]):
                    flag = f"-{letter}"
                    if flag not in known:
                        raise UsageError(f"Unknown option {word}")
                    if flag in takes_value:
                        if k == len(word) - 2:  # the value is the next word
                            if i >= len(words):
                                raise UsageError(f"Missing argument for {flag}")
                            value = [flag, words[i]] if words[i] == "" else [f"{flag}{words[i]}"]
                            out += [word[:-1], *value] if len(word) > 2 else value
                            i += 1
                            word = ""
                        break
                if not word:
                    continue
            out.append(word)
        return self.parse_args(out)


def _glib_wording(message: str) -> str:
    match = re.match(r"unrecognized arguments: (\S+)", message)
    if match:
        return f"Unknown option {match.group(1)}"
    match = re.match(r"argument (\S+?)(?:/(\S+))?: expected one argument", message)
    if match:
        return f"Missing argument for {match.group(2) or match.group(1)}"
    return message


def run_tool(prog: str, body: Callable[[Sequence[str]], int], argv: Sequence[str] | None) -> int:
    """Run ``body(argv)``; usage errors print Pacemaker's message and exit 64."""
    args = sys.argv[1:] if argv is None else list(argv)
    try:
        return int(body(args))
    except UsageError as err:
        sys.stderr.write(f"{prog}: {err}\n")
        return ExitCode.USAGE
    except BrokenPipeError:
        return ExitCode.OK
