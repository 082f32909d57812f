"""``crm_master``: query, set or delete a resource's promotion score (deprecated), as Pacemaker
2.1.5's script: its options become a ``crm_attribute`` call on the node attribute
``master-RESOURCE`` (lifetime ``forever`` unless given), the resource coming from ``-r`` or
``OCF_RESOURCE_INSTANCE``.  Option parsing is getopt's (long options may be abbreviated)."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from crm.cli import crm_attribute

PROG = "crm_master"
USAGE_TEXT = (
    "Usage: crm_master <command> [<options>]\n\n"
    "This command is deprecated. Use crm_attribute with the --promotion option\ninstead.\n"
)
_SHORT_FLAGS = "VqGDQ"
_SHORT_VALUES = "vNlirU"
_LONG_FLAGS = ("help", "version", "verbose", "quiet", "query", "delete", "get-value", "delete-attr")
_LONG_VALUES = ("update", "node", "lifetime", "id", "resource", "uname", "attr-value", "attr-id")


class _BadOption(Exception):
    pass


def _usage(message: str | None = None) -> int:
    if message:
        sys.stderr.write(f"error: {message}\n")
    sys.stdout.write("\n" + USAGE_TEXT)
    return 1


def _getopt(argv: Sequence[str]) -> list[tuple[str, str | None]]:
    """getopt(1)'s reading: (option as crm_attribute takes it, value)."""
    out: list[tuple[str, str | None]] = []
    words = list(argv)
    i = 0
    while i < len(words):
        word = words[i]
        i += 1
        if word == "--":
            break
        if word.startswith("--"):
            name, eq, value = word[2:].partition("=")
            every = _LONG_FLAGS + _LONG_VALUES
            matches = [n for n in every if n == name] or [n for n in every if n.startswith(name)]
            if len(matches) != 1:
                problem = "is ambiguous" if matches else "unrecognized option"
                raise _BadOption(f"{PROG}: option '--{name}' {problem}" if matches
                                 else f"{PROG}: {problem} '--{name}'")
            full = matches[0]
            if full in _LONG_VALUES:
                if not eq:
                    if i >= len(words):
                        raise _BadOption(f"{PROG}: option '--{full}' requires an argument")
                    value = words[i]
                    i += 1
                out.append((f"--{full}", value))
            else:
                if eq:
                    raise _BadOption(f"{PROG}: option '--{full}' doesn't allow an argument")
                out.append((f"--{full}", None))
        elif word.startswith("-") and word != "-":
            k = 1
            while k < len(word):
                letter = word[k]
                k += 1
                if letter in _SHORT_FLAGS:
                    out.append((f"-{letter}", None))
                elif letter in _SHORT_VALUES:
                    if k < len(word):
                        value = word[k:]
                    elif i < len(words):
                        value = words[i]
                        i += 1
                    else:
                        raise _BadOption(f"{PROG}: option requires an argument -- '{letter}'")
                    out.append((f"-{letter}", value))
                    break
                else:
                    raise _BadOption(f"{PROG}: invalid option -- '{letter}'")
        # words that are no option are dropped, as the script ignores what follows "--"
    return out


def main(argv: Sequence[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else list(argv)
    try:
        parsed = _getopt(args)
    except _BadOption as err:
        sys.stderr.write(f"{err}\n")
        return _usage()
    options = ["--lifetime", "forever"]
    resource = os.environ.get("OCF_RESOURCE_INSTANCE", "")
    for option, value in parsed:
        if option == "--help":
            sys.stdout.write("crm_master - Query, update, or delete a resource's promotion score\n\n" + USAGE_TEXT)
            return 0
        if option == "--version":
            return crm_attribute.main(["--version"])
        if option in ("-r", "--resource"):
            resource = value or ""
        elif value is None:
            options.append(option)
        else:
            options += [option, value]
    if not resource:
        return _usage("No resource specified")
    sys.stdout.flush()
    return crm_attribute.main(["-n", f"master-{resource}", *options])


if __name__ == "__main__":
    sys.exit(main())
