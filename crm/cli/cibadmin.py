"""``cibadmin``: query and edit the CIB, with Pacemaker 2.1's options and exit codes.

Works on the file named by ``CIB_file`` or ``CIB_shadow``, else on the live cluster through the
local CIB daemon (see :mod:`crm.cli.cib_source`).  Every failing command leaves the CIB
unchanged.  ``--sync`` (Pacemaker 1.1's ``-S``; a bare ``-S`` with no other command still
means it) pushes this node's CIB to every node.  When pacer is not running on the node, any
command that needs the CIB says so in one line and exits 102.  Deliberate differences from Pacemaker 2.1.5:
an unknown ``--scope`` is a usage error (Pacemaker ignores it or creates a bogus section),
malformed XML input is refused (libxml2 in Pacemaker "recovers" a prefix of it),
``--create --xpath X`` adds the object under the first match of X (Pacemaker ignores the
XPath and appends to ``<cib>``, which never validates), and an
object created by ``--modify --allow-create`` in the configuration bumps ``epoch`` (Pacemaker
only bumps ``num_updates`` there, which lets an older configuration win a sync).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn, TextIO

from lxml import etree

from crm.cib import operations as ops
from crm.cib.acl import Style
from crm.cib.document import CibDocument, md5_digest, versioned_digest
from crm.cib.errors import BadInput, CibError, ExitCode, NoSuchObject, OldData, PatchFailed, UnsafeCommand
from crm.cib.live import LiveCibError, LiveCibSource
from crm.cib.patchset import PatchError, PatchVersionError
from crm.cib.patchset import apply as apply_patch
from crm.cib.transaction import ValidationFailed
from crm.cib.validation import upgrade_document
from crm.cib.xmltext import XmlInputError, parse_xml, to_text
from crm.cli import live_errors
from crm.cli.cib_source import AclRefused, CibSource

PROG = "cibadmin"
VERSION_TEXT = "Pacemaker 2.1.5 (pacer cibadmin)\nWritten by the pacer project contributors\n"
SUMMARY = "cibadmin - query and edit the Pacemaker configuration"

COMMANDS: tuple[tuple[str, str, str, str], ...] = (
    ("-u", "--upgrade", "upgrade", "Upgrade the configuration to the latest syntax"),
    ("-Q", "--query", "query", "Query the contents of the CIB"),
    ("-E", "--erase", "erase", "Erase the contents of the whole CIB"),
    ("-B", "--bump", "bump", "Increase the CIB's epoch value by 1"),
    ("-C", "--create", "create", "Create an object in the CIB (will fail if object already exists)"),
    ("-M", "--modify", "modify", "Find object somewhere in CIB's XML tree and update it "
     "(fails if object does not exist unless -c is also specified)"),
    ("-P", "--patch", "patch", "Supply an update in the form of an XML diff (see crm_diff(8))"),
    ("-R", "--replace", "replace", "Recursively replace an object in the CIB"),
    ("-D", "--delete", "delete", "Delete first object matching supplied criteria "
     "(for example, <op id=\"rsc1_op1\" name=\"monitor\"/>)"),
    ("-d", "--delete-all", "delete_all", "When used with --xpath, remove all matching objects in the "
     "configuration instead of just the first one"),
    ("-a", "--empty", "empty", "Output an empty CIB"),
    ("-5", "--md5-sum", "md5", "Calculate the on-disk CIB digest"),
    ("-6", "--md5-sum-versioned", "md5_versioned", "Calculate an on-the-wire versioned CIB digest"),
)

DANGEROUS = {"erase", "upgrade", "delete_all"}
NEEDS_INPUT = {"create", "modify", "patch", "replace", "delete"}
WRITES = {"upgrade", "erase", "bump", "create", "modify", "patch", "replace", "delete", "delete_all"}


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description=SUMMARY, add_help=False, allow_abbrev=False)
    parser.add_argument("-?", "--help", action="store_true", help="This text")
    parser.add_argument("-$", "--version", action="store_true", help="Version information")
    parser.add_argument("-V", "--verbose", action="count", default=0, help="Increase debug output")
    commands = parser.add_argument_group("Commands")
    for short, long, const, text in COMMANDS:
        commands.add_argument(short, long, dest="command", action="store_const", const=const, help=text)
    commands.add_argument("-S", "--show-access", nargs="?", const="auto", help=argparse.SUPPRESS)
    commands.add_argument("--sync", dest="command", action="store_const", const="sync",
                          help="(Advanced) Force a refresh of the CIB to all nodes (as -S in Pacemaker 1.1)")
    extra = parser.add_argument_group("Additional options")
    extra.add_argument("-f", "--force", action="store_true")
    extra.add_argument("-t", "--timeout", help="Time (in seconds) to wait before declaring the operation failed")
    extra.add_argument("-U", "--user", help="Run the command with permissions of the named user")
    extra.add_argument("-s", "--sync-call", action="store_true", help="Wait for call to complete before returning")
    extra.add_argument("-l", "--local", action="store_true", help="Command takes effect locally")
    extra.add_argument("-c", "--allow-create", action="store_true",
                       help="(Advanced) Allow target of --modify/-M to be created if it does not exist")
    extra.add_argument("-n", "--no-children", action="store_true",
                       help="(Advanced) When querying an object, do not include its children in the result")
    data = parser.add_argument_group("Data")
    data.add_argument("-X", "--xml-text", help="Retrieve XML from the supplied string")
    data.add_argument("-x", "--xml-file", help="Retrieve XML from the named file")
    data.add_argument("-p", "--xml-pipe", action="store_true", help="Retrieve XML from stdin")
    data.add_argument("-o", "--scope", help="Limit scope of operation to specific section of CIB")
    data.add_argument("-A", "--xpath", help="A valid XPath to use instead of --scope/-o")
    data.add_argument("-e", "--node-path", action="store_true",
                      help="When performing XPath queries, return path of any matches found")
    data.add_argument("-N", "--node", help="(Advanced) Send command to the specified host")
    parser.add_argument("extra", nargs="*", help=argparse.SUPPRESS)
    return parser


@dataclass(frozen=True, slots=True)
class Streams:
    stdin: TextIO
    stdout: TextIO
    stderr: TextIO


def _read_input(args: argparse.Namespace, stdin: TextIO) -> etree._Element | None:
    from_file = False
    if args.xml_text is not None:
        source, text = "--xml-text", args.xml_text
    elif args.xml_file is not None:
        source, from_file = args.xml_file, True
        try:
            text = Path(args.xml_file).read_text()
        except OSError as err:
            raise BadInput(f"Couldn't parse input from {args.xml_file}: {err.strerror}") from None
    elif args.xml_pipe:
        source, text = "stdin", stdin.read()
    else:
        return None
    try:
        return parse_xml(text, source, from_file=from_file)
    except XmlInputError as err:
        raise BadInput(f"Couldn't parse input: {err}") from None


def numbered(text: str) -> str:
    """A refused CIB as Pacemaker prints it: each line after its number."""
    return "".join(f"{n:4d} {line}\n" for n, line in enumerate(text.split("\n"), start=1))


def _report(err: CibError, streams: Streams, command: str | None = None) -> int:
    if live_errors.not_running(err):
        return live_errors.report(PROG, err, streams.stderr)
    if isinstance(err, LiveCibError):
        streams.stderr.write(f"Call failed: {err.reason}\n")
        return int(err.exit_code)
    if isinstance(err, ops.CreateFailed | ops.CreateInvalid) or (
        isinstance(err, AclRefused) and err.failed is not None
    ):
        assert err.failed is not None
        streams.stdout.write(to_text(err.failed))
    if isinstance(err, ValidationFailed):
        # Pacemaker shows the refused CIB, numbered; libxml2's reasons go to the log only
        streams.stderr.write(numbered(err.document.to_text()))
    if isinstance(err, BadInput | UnsafeCommand):
        streams.stderr.write(f"{err.detail or err.reason}\n")
    else:
        streams.stderr.write(f"Call failed: {err.reason}\n")
        # Pacemaker says no more than the reason (and the <failed> answer) for these
        terse = (
            isinstance(err, ops.CreateFailed | NoSuchObject)
            or (isinstance(err, OldData) and command == "replace")
        )
        if err.detail and not isinstance(err, ValidationFailed) and not terse:
            streams.stderr.write(f"{PROG}: {err.detail}\n")
    return int(err.exit_code)


def _patch(doc: CibDocument, patch: etree._Element) -> None:
    try:
        doc.root = apply_patch(patch, doc.root)
    except PatchVersionError as err:
        if err.current > err.source:
            raise OldData(str(err)) from None
        failed = PatchFailed(str(err))
        failed.reason = "Application of update diff failed, requesting full refresh"
        raise failed from None
    except PatchError as err:
        raise PatchFailed(str(err)) from None


def _change(args: argparse.Namespace, obj: etree._Element | None):  # type: ignore[no-untyped-def]
    """The function that performs the write command on a document copy."""
    command, scope, xpath = args.command, args.scope, args.xpath

    def change(doc: CibDocument) -> None:
        if command == "upgrade":
            doc.root = upgrade_document(doc).root
        elif command == "erase":
            ops.erase(doc)
        elif command == "bump":
            ops.bump(doc)
        elif command == "patch":
            assert obj is not None
            _patch(doc, obj)
        elif xpath is not None:
            if command in ("delete", "delete_all"):
                ops.xpath_delete(doc, xpath, all_matches=command == "delete_all")
            elif command == "replace":
                ops.xpath_replace(doc, xpath, obj)
            else:
                assert obj is not None
                if command == "create":
                    ops.xpath_create(doc, xpath, obj)
                else:
                    ops.xpath_modify(doc, xpath, obj)
        else:
            assert obj is not None
            if command == "create":
                ops.create(doc, scope, obj)
            elif command == "modify":
                ops.modify(doc, scope, obj, allow_create=args.allow_create)
            elif command == "replace":
                ops.replace(doc, scope, obj)
            else:
                ops.delete(doc, scope, obj)

    return change


def _usage(parser: argparse.ArgumentParser, streams: Streams, message: str | None = None) -> int:
    if message:
        streams.stderr.write(f"{PROG}: {message}\n")
    streams.stderr.write(parser.format_help())
    return int(ExitCode.USAGE)


def run(argv: Sequence[str], environ: Mapping[str, str], streams: Streams) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(list(argv))
    except UsageError as err:
        return _usage(parser, streams, str(err))
    if args.help:
        streams.stdout.write(parser.format_help())
        return 0
    if args.version:
        streams.stdout.write(VERSION_TEXT)
        return 0
    command = args.command
    if command is None and args.show_access == "auto" and not args.extra:
        command = "sync"  # a bare -S: Pacemaker 1.1's --sync
    if command is None:
        return _usage(parser, streams)
    if args.extra and command != "empty":
        return _usage(parser, streams, f"unexpected argument {args.extra[0]!r}")
    if command == "empty":
        doc = CibDocument.empty() if not args.extra else CibDocument.empty(validate_with=args.extra[0])
        streams.stdout.write(doc.to_text())
        return 0
    if command in DANGEROUS and not args.force:
        return _report(UnsafeCommand(), streams)
    if command == "delete_all" and args.xpath is None:
        return _usage(parser, streams, "--delete-all needs --xpath")
    if args.xpath is None and args.scope is not None:
        try:
            ops._check_scope(args.scope)
        except ops.UnknownScope as err:
            return _usage(parser, streams, str(err))
    try:
        obj = _read_input(args, streams.stdin)
        if command in ("md5", "md5_versioned"):
            if obj is None:
                streams.stderr.write("Please supply XML to process with -X, -x or -p\n")
                return int(ExitCode.USAGE)
            if command == "md5":
                streams.stderr.write("Digest: ")
                streams.stdout.write(md5_digest(obj) + "\n")
            else:
                streams.stderr.write(f"Versioned ({obj.get('crm_feature_set')}) digest: ")
                streams.stdout.write(versioned_digest(obj) + "\n")
            return 0
        if obj is None and command in NEEDS_INPUT and not (
            args.xpath is not None and command in ("delete", "replace")
        ):
            raise ops.InvalidArgument(f"--{command} needs XML from -X, -x or -p")
        if command == "patch" and obj is not None and obj.tag != "diff":
            raise PatchFailed(f"the patch is a <{obj.tag}>, expected <diff>")
        try:
            source = CibSource.from_environment(environ)
        except CibError as err:
            streams.stderr.write(f"Could not connect to the CIB: {err.reason}\n{PROG}: {err.detail}\n")
            streams.stderr.write("Init failed, could not perform requested operations\n")
            return int(err.exit_code)
        if command == "sync":
            return _sync(source, streams)
        if command == "query":
            doc = source.read()
            if args.xpath is not None and args.node_path:
                for path in ops.query_paths(doc, args.xpath):
                    streams.stdout.write(path + "\n")
                return 0
            result = ops.query(doc, args.scope, args.xpath, args.no_children)
            streams.stdout.write(to_text(result))
            return 0
        style: Style = "update"
        if args.xpath is None and command in ("create", "replace"):
            style = command
        try:
            source.modify(_change(args, obj), config_change=command == "upgrade", acl_style=style)
        except AclRefused as err:
            if err.failed is not None and obj is not None:
                refused = obj
                if obj.tag == args.scope:
                    refused = next((c for c in obj if isinstance(c.tag, str)), obj)
                err.failed = ops.failed_update(refused, "cib_create", err.reason)
            raise
        return 0
    except CibError as err:
        return _report(err, streams, command)
    except ops.UnknownScope as err:  # pragma: no cover - checked before
        return _usage(parser, streams, str(err))


def _sync(source: CibSource | LiveCibSource, streams: Streams) -> int:
    """``--sync``: push this node's CIB to every node (live only; a file has no peers)."""
    if not isinstance(source, LiveCibSource):
        streams.stderr.write("Call failed: Operation not supported\n")
        streams.stderr.write(f"{PROG}: --sync needs the live cluster: unset CIB_file and CIB_shadow\n")
        return int(ExitCode.UNIMPLEMENT_FEATURE)
    source.sync()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    import os

    return run(sys.argv[1:] if argv is None else argv, os.environ, Streams(sys.stdin, sys.stdout, sys.stderr))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
