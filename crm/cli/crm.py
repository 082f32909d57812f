"""``crm``: the cluster shell (crmsh 4.4.1 syntax).

    crm [-D plain|color] [-F] [-w] [-c SHADOW] -f FILE|-      run a command file
    crm [options] LEVEL COMMAND ARGS...                       one command (crm configure show)
    crm [options]                                             interactive (commands on stdin
                                                              when it is not a terminal)

Works on ``CIB_file``, ``CIB_shadow`` or the live cluster (crm.cli.cib_source); the session
logic is :mod:`crm.shell.session`, the language :mod:`crm.shell`.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from collections.abc import Mapping, Sequence

from crm.cli.cib_source import CibSource
from crm.shell.session import Options, Session

__all__ = ["main", "run"]

VERSION = "crm 4.4.0 (pacer)"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="crm", add_help=False)
    p.add_argument("-f", "--file", dest="file")
    p.add_argument("-D", "--display", dest="display", choices=["plain", "color", "uppercase"])
    p.add_argument("-F", "--force", action="store_true")
    p.add_argument("-w", "--wait", action="store_true")
    p.add_argument("-c", "--cib", dest="shadow")
    p.add_argument("-n", "--no", action="store_true")
    p.add_argument("-R", "--regression-tests", action="store_true")
    p.add_argument("-d", "--debug", action="store_true")
    p.add_argument("-X", dest="profile")
    p.add_argument("-H", "--history")
    p.add_argument("-h", "--help", action="store_true")
    p.add_argument("--version", action="store_true")
    p.add_argument("words", nargs=argparse.REMAINDER)
    return p


def _source_factory(env: Mapping[str, str]) -> object:
    return CibSource.from_environment(env)


def run(argv: Sequence[str], environ: Mapping[str, str] | None = None) -> int:
    args = _parser().parse_args(list(argv))
    env = dict(os.environ if environ is None else environ)
    if args.version:
        print(VERSION)
        return 0
    if args.help:
        print(__doc__.strip())
        return 0
    if args.shadow:
        env.pop("CIB_file", None)
        env["CIB_shadow"] = args.shadow
    interactive = not args.file and not args.words and sys.stdin.isatty()
    color = args.display == "color" or (args.display is None and interactive and sys.stdout.isatty())
    batch = bool(args.file) or not sys.stdin.isatty()
    opts = Options(force=args.force, color=color, wait=args.wait, interactive=interactive, batch=batch, env=env)
    session = Session(_source_factory, opts, sys.stdout, sys.stderr, sys.stdin)
    try:
        if args.file:
            text = sys.stdin.read() if args.file == "-" else _read(args.file)
            if text is None:
                session.error(f"cannot read {args.file}")
                return 1
            return session.run_text(text)
        if args.words:
            line = " ".join(shlex.quote(w) for w in args.words)
            ok = session.execute(line)
            ok = session.finish() and ok
            return 0 if ok else 1
        if interactive:
            from crm.shell.interactive import loop

            return loop(session)
        return session.run_text(sys.stdin.read())
    except SystemExit as e:
        return int(e.code or 0)
    except KeyboardInterrupt:
        return 130


def _read(path: str) -> str | None:
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return None


def main(argv: Sequence[str] | None = None) -> int:
    return run(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    sys.exit(main())
