"""``crm_verify``: check a CIB for schema errors and configuration problems.

Sources: ``-x FILE``, ``-X TEXT``, ``-p`` (standard input) or ``-L`` (the CIB named by
``CIB_file``/``CIB_shadow``, else the live CIB of the local CIB daemon; when pacer is not
running on the node, one line says so and how to start it, with Pacemaker's exit code 66).
Output and exit codes follow Pacemaker 2.1.5:

* valid: no output, exit 0;
* schema errors: one ``FILE:LINE: element X: Relax-NG validity error : REASON`` line each
  (``-L``: ``(xml_log) <TAB>error: ...`` lines and exit 66, as a live CIB that does not
  validate cannot be queried);
* configuration errors or warnings: exit 78 with ``crm_verify: Errors found during check:
  config not valid`` or ``crm_verify: Warnings found during check: config may not be valid``.
  ``-V`` prints the errors, ``-VV`` also warnings and notices, in Pacemaker's
  ``(check) <TAB>severity: message`` form.

Pacemaker gives the same exit code (78) for errors and for mere warnings, which breaks
scripts; ``--warnings-ok`` (our extension) makes a configuration with only warnings exit 0.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn, TextIO

from lxml import etree

from crm.cib.errors import CibError, ExitCode
from crm.cib.schema import CURRENT_SCHEMA
from crm.cli import live_errors
from crm.cli.cib_source import CibSource
from crm.cli.help_format import answer, install, option_group
from crm.cli.output_format import OutputFormatError, add_output_options, error_result, open_output
from crm.verify import Report, Severity, verify

PROG = "crm_verify"


class InputProblem(Exception):
    """The CIB could not be read; carries the exit code."""

    def __init__(self, message: str, code: ExitCode) -> None:
        super().__init__(message)
        self.code = code


class _Parser(argparse.ArgumentParser):
    """Usage errors exit with Pacemaker's code 64 (argparse uses 2)."""

    def error(self, message: str) -> NoReturn:
        self.exit(ExitCode.USAGE, f"{PROG}: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, add_help=False, allow_abbrev=False)
    add_output_options(parser, FORMATS)
    data = option_group(parser, "data", "Data sources", "Show data options")
    source = data.add_mutually_exclusive_group()
    source.add_argument("-L", "--live-check", action="store_true",
                        help="Check the configuration used by the running cluster")
    source.add_argument("-x", "--xml-file", metavar="FILE", help="Check the configuration in the named file")
    source.add_argument("-p", "--xml-pipe", action="store_true",
                        help="Check the configuration piped in via stdin")
    source.add_argument("-X", "--xml-text", metavar="XML", help="Check the configuration in the supplied string")
    additional = option_group(parser, "additional", "Additional options", "Show additional options")
    additional.add_argument("--warnings-ok", action="store_true",
                            help="Exit 0 when only warnings are found (pacer's extension:\n"
                            "Pacemaker exits 78 for both)")
    parser.add_argument("-V", "--verbose", action="count", default=0,
                        help="Increase debug output (may be specified multiple times)")
    parser.add_argument("-q", "--quiet", action="store_true", help="Be less descriptive in output.")
    install(parser, "Check a Pacemaker configuration for errors", DESCRIPTION, EXAMPLES, help_short="-h")
    return parser


FORMATS = ("text", "xml")
DESCRIPTION = """Check the well-formedness of a complete Pacemaker XML configuration,
its conformance to the configured schema, and the presence of common
misconfigurations. Problems reported as errors must be fixed before the
cluster will work properly. It is left to the administrator to decide
whether to fix problems reported as warnings."""
EXAMPLES = """Examples:

Check the consistency of the configuration in the running cluster:

\tcrm_verify --live-check

Check the consistency of the configuration in a given file and produce verbose output:

\tcrm_verify --xml-file file.xml --verbose
"""


def _parse(data: bytes, label: str) -> etree._Element:
    parser = etree.XMLParser(remove_comments=False, resolve_entities=False, no_network=True, huge_tree=True)
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as err:
        raise InputProblem(f"Couldn't parse input {label}: {err}", ExitCode.CONFIG) from err


def _read_source(args: argparse.Namespace, stdin: TextIO) -> tuple[etree._Element, str]:
    if args.xml_file is not None:
        path = Path(args.xml_file)
        try:
            data = path.read_bytes()
        except OSError as err:
            raise InputProblem(f"Couldn't parse input file: {path} ({err.strerror})", ExitCode.ERROR) from err
        return _parse(data, f"file {path}"), str(path)
    if args.xml_text is not None:
        return _parse(args.xml_text.encode(), "string"), ""
    if args.xml_pipe:
        return _parse(
            stdin.buffer.read() if hasattr(stdin, "buffer") else stdin.read().encode(), "from stdin"
        ), ""
    source = CibSource.from_environment(os.environ)
    if isinstance(source, CibSource):
        name = str(source.path)
        try:
            data = source.path.read_bytes()
        except OSError as err:
            raise InputProblem(
                f"CIB query failed: cannot read CIB_file {name}: {err.strerror}", ExitCode.NOINPUT
            ) from err
        return _parse(data, f"CIB_file {name}"), name
    try:
        doc = source.read()
    except CibError as err:
        if live_errors.not_running(err):
            # Pacemaker's crm_verify -L says "CIB query failed: Input file not available" (66).
            raise InputProblem(" ".join(str(err).split()), ExitCode.NOINPUT) from None
        raise InputProblem(f"CIB query failed: {err}", ExitCode.NOINPUT) from None
    return _parse(doc.to_text().encode(), "live CIB"), ""


def _print_schema_errors(report: Report, label: str, live: bool, err: TextIO) -> None:
    for error in report.schema_errors:
        where = f" (at {error.path})"
        if live:
            err.write(f"(xml_log) \terror: {error.reason}{where}\n")
            continue
        prefix = f"{label}:{error.line or 0}: " if label else ""
        element = f"element {error.element}: " if error.element else ""
        err.write(f"{prefix}{element}Relax-NG validity error : {error.reason}{where}\n")


def run(argv: Sequence[str], stdin: TextIO, out: TextIO, err: TextIO) -> int:
    parser = _parser()
    answered = answer(parser, list(argv), out)
    if answered is not None:
        return answered
    args = parser.parse_args(list(argv))
    try:
        output = open_output(args, FORMATS)
    except OutputFormatError as exc:
        err.write(f"{PROG}: {exc}\n")
        return exc.exit_code
    code = _check(args, stdin, err)
    if output.xml:
        # Pacemaker's XML result of crm_verify carries only the status; messages stay on stderr.
        output.write(error_result(PROG, list(argv), code), out)
    return code


def _check(args: argparse.Namespace, stdin: TextIO, err: TextIO) -> int:
    if not (args.live_check or args.xml_file or args.xml_text is not None or args.xml_pipe):
        err.write(f"{PROG}: No configuration source specified.  Use --help for usage information.\n")
        return ExitCode.ERROR
    try:
        root, label = _read_source(args, stdin)
    except InputProblem as problem:
        err.write(f"{PROG}: {problem}\n")
        return problem.code
    report = verify(root)
    verbose = args.verbose
    if not report.schema_valid:
        if args.live_check:
            if verbose:
                _print_schema_errors(report, label, True, err)
                target = root.get("validate-with") or CURRENT_SCHEMA
                err.write(f"(load_file_cib) \terror: CIB does not validate against {target}\n")
            err.write(f"{PROG}: CIB query failed: Input file not available\n")
            return ExitCode.NOINPUT
        _print_schema_errors(report, label, False, err)
        if verbose:
            err.write("(main) \terror: CIB did not pass schema validation\n")
    else:
        shown = (
            {Severity.ERROR}
            if verbose == 1
            else ({Severity.ERROR, Severity.WARNING, Severity.NOTICE} if verbose >= 2 else set())
        )
        for finding in report.findings:
            if finding.severity in shown:
                err.write(finding.render() + "\n")
    if report.has_errors:
        err.write(f"{PROG}: Errors found during check: config not valid\n")
    elif report.has_warnings:
        err.write(f"{PROG}: Warnings found during check: config may not be valid\n")
        if args.warnings_ok:
            return ExitCode.OK
    else:
        return ExitCode.OK
    if not verbose and not args.quiet:
        err.write("-V may provide more details\n")
    return ExitCode.CONFIG


def main(argv: Sequence[str] | None = None) -> int:
    return run(sys.argv[1:] if argv is None else argv, sys.stdin, sys.stdout, sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
