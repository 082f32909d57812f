"""``crm_diff``: the difference between two configurations as a patch, or a patch applied, as
Pacemaker 2.1.5's.

``-o FILE``/``-O STRING`` is the original; ``-n FILE``/``-N STRING`` the new one (a v2
patchset is printed and the exit code is 1 when they differ, 0 when they do not) or
``-p FILE`` a patch to apply (the result is printed).  ``-c`` compares as CIBs (the patch
carries the CIB versions and a digest), ``-u`` drops the versions, ``-s`` reads both from
standard input.  Patches are :mod:`crm.cib.patchset`'s.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from lxml import etree

from crm.cib import patchset
from crm.cib.document import CibDocument
from crm.cib.version import VERSION_FIELDS
from crm.cib.xmltext import to_text
from crm.cli import pcmk_log
from crm.cli.tool_args import PACEMAKER_VERSION, VERBOSE_OPT, VERSION_OPT, Group, Opt, ToolSpec, run_tool
from crm.common.results import ExitCode

PROG = "crm_diff"

SPEC = ToolSpec(
    prog=PROG,
    usage_args="[OPTION?]",
    summary="Compare two Pacemaker configurations (in XML format) to produce a custom diff-like output, or apply "
            "such an output as a patch",
    main=(VERSION_OPT, VERBOSE_OPT),
    groups=(
        Group("xml", "Original XML:", "Show original XML options", (
            Opt("original", "o", metavar="FILE", action="store", help="XML is contained in the named file"),
            Opt("original-string", "O", metavar="STRING", action="store", dest="original_string",
                help="XML is contained in the supplied string"),
        )),
        Group("operation", "Operation:", "Show operation options", (
            Opt("new", "n", metavar="FILE", action="store",
                help="Compare the original XML to the contents of the named file"),
            Opt("new-string", "N", metavar="STRING", action="store", dest="new_string",
                help="Compare the original XML with the contents of the supplied string"),
            Opt("patch", "p", metavar="FILE", action="store",
                help="Patch the original XML with the contents of the named file"),
        )),
        Group("additional", "Additional Options:", "Show additional options", (
            Opt("cib", "c", help="Compare/patch the inputs as a CIB (includes versions details)"),
            Opt("stdin", "s", help=""),
            Opt("no-version", "u", dest="no_version", help="Generate the difference without versions details"),
        )),
    ),
    epilog=(
        "Examples:\n\n"
        "Obtain the two different configuration files by running cibadmin on the two cluster setups to compare:\n\n"
        "\t# cibadmin --query > cib-old.xml\n\n"
        "\t# cibadmin --query > cib-new.xml\n\n"
        "Calculate and save the difference between the two files:\n\n"
        "\t# crm_diff --original cib-old.xml --new cib-new.xml > patch.xml\n\n"
        "Apply the patch to the original file:\n\n"
        "\t# crm_diff --original cib-old.xml --patch patch.xml > updated.xml\n\n"
        "Apply the patch to the running cluster:\n\n"
        "\t# cibadmin --patch -x patch.xml\n"
    ),
)


def _parse_text(text: str, verbosity: int) -> etree._Element | None:
    problems = pcmk_log.xml_parse_errors(text)
    if problems is None:
        return etree.fromstring(text.encode())
    for line in problems:
        pcmk_log.log("log_xmllib_err", "error", f"XML Error: {line}", verbosity=verbosity, source="xml.c:0")
    return pcmk_log.recovered_xml(text)


def _read(file: str | None, string: str | None, stdin: bool, prompt: str, verbosity: int) -> etree._Element | None:
    if string is not None:
        return _parse_text(string, verbosity)
    if stdin:
        sys.stderr.write(prompt)
        return _parse_text(sys.stdin.read(), verbosity)
    if file is not None:
        try:
            return _parse_text(Path(file).read_text(), verbosity)
        except OSError:
            return None
    return None


def _digest(root: etree._Element) -> str:
    """The digest of the new CIB that a CIB patch carries."""
    return CibDocument(root).digest()


def _generate(old: etree._Element, new: etree._Element, as_cib: bool, no_version: bool) -> int:
    if no_version:
        for name in VERSION_FIELDS:
            value = old.get(name)
            if value is not None:
                new.set(name, value)
            elif name in new.attrib:
                del new.attrib[name]
    try:
        patch = patchset.diff(old, new, attribute_moves=not as_cib)
    except patchset.PatchError as err:
        sys.stderr.write(f"Could not calculate the differences: {err}\n")
        return ExitCode.ERROR
    if not patchset.changes(patch):
        return ExitCode.OK
    if as_cib:
        patch.set("digest", _digest(new))
    elif no_version:
        version = patch.find("version")
        if version is not None:
            patch.remove(version)
    sys.stdout.write(to_text(patch))
    return ExitCode.ERROR


def _apply(old: etree._Element, patch: etree._Element, as_cib: bool) -> int:
    try:
        result = patchset.apply(patch, old, merge=not as_cib)
    except patchset.PatchVersionError:
        sys.stderr.write("Could not apply patch: Update was older than existing configuration\n")
        return ExitCode.OLD
    except patchset.PatchError:
        sys.stderr.write("Could not apply patch: Application of update diff failed\n")
        return ExitCode.ERROR
    _, target = patchset.patch_versions(patch)  # the result is at the patch's target version
    for name in VERSION_FIELDS:
        result.set(name, str(getattr(target, name)))
    sys.stdout.write(to_text(result))
    return ExitCode.OK


def _body(argv: Sequence[str]) -> int:
    ns = SPEC.parse(argv)
    if SPEC.answered_help(ns):
        return ExitCode.OK
    if ns.version:
        sys.stdout.write(PACEMAKER_VERSION)
        return ExitCode.OK
    applying = ns.patch is not None
    if applying and ns.no_version:
        sys.stderr.write("warning: -u/--no-version ignored with -p/--patch\n")
    elif ns.cib and ns.no_version:
        sys.stderr.write("error: -u/--no-version incompatible with -c/--cib\n")
        return ExitCode.USAGE
    first = _read(ns.original, ns.original_string, ns.stdin, "Input first XML fragment:", ns.verbose)
    second_file = ns.patch if applying else ns.new
    second_string = None if applying else ns.new_string
    second = _read(second_file, second_string, ns.stdin, "Input second XML fragment:", ns.verbose)
    if first is None:
        sys.stderr.write("Could not parse the first XML fragment\n")
        return ExitCode.DATAERR
    if second is None:
        sys.stderr.write("Could not parse the second XML fragment\n")
        return ExitCode.DATAERR
    if applying:
        return _apply(first, second, ns.cib)
    return _generate(first, second, ns.cib, ns.no_version)


def main(argv: Sequence[str] | None = None) -> int:
    return run_tool(PROG, _body, argv)


if __name__ == "__main__":
    sys.exit(main())
