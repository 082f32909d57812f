"""The tools' output formats: ``--output-as=text|xml|html`` and ``--output-to``, as Pacemaker
2.1.5's formatted output (``pcmk__output_t``).

Every tool that has the options adds them with :func:`add_output_options` and checks the
choice with :func:`open_output`.  In XML, a tool fills an :class:`XmlResult`: the
``<pacemaker-result api-version=... request=...>`` envelope of Pacemaker's XML API, the
elements the tool adds, and ``<status code= message=>`` (with ``<errors>`` when the tool
reported errors) written at the end.  The schemas of these documents live in
``crm/schemas/api``.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from lxml import etree

from crm.cli.help_format import option_group
from crm.common.results import ExitCode, exit_text

__all__ = [
    "API_VERSION",
    "OutputChoice",
    "OutputFormatError",
    "XmlResult",
    "add_output_options",
    "open_output",
    "request_line",
]

API_VERSION = "2.25"  # the XML API version of Pacemaker 2.1.5
TEXT = "text"
XML = "xml"
HTML = "html"
FORMAT_HELP = {TEXT: "text (default)", XML: "xml", HTML: "html"}


class OutputFormatError(Exception):
    """An output format the tool does not have, or a destination that cannot be written."""

    def __init__(self, message: str, exit_code: int = ExitCode.ERROR) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def add_output_options(parser: argparse.ArgumentParser, formats: Sequence[str] = (TEXT, XML)) -> None:
    """Pacemaker's "Output Options" group: ``--output-as``, ``--output-to``, ``--text-fancy``
    (and the HTML ones when ``html`` is one of ``formats``)."""
    group = option_group(parser, "output", "Output Options", "Show output help")
    names = ", ".join(FORMAT_HELP[f] for f in formats)
    group.add_argument("--output-as", dest="output_as", default=TEXT, metavar="FORMAT",
                       help=f"Specify output format as one of: {names}")
    group.add_argument("--output-to", dest="output_to", default="-", metavar="DEST",
                       help='Specify file name for output (or "-" for stdout)')
    if HTML in formats:
        group.add_argument("--html-cgi", dest="html_cgi", action="store_true",
                           help="Add CGI headers (requires --output-as=html)")
        group.add_argument("--html-stylesheet", dest="html_stylesheet", metavar="URI",
                           help="Link to an external stylesheet (requires --output-as=html)")
        group.add_argument("--html-title", dest="html_title", metavar="TITLE",
                           help="Specify a page title (requires --output-as=html)")
    group.add_argument("--text-fancy", dest="text_fancy", action="store_true",
                       help="Use more highly formatted output (requires --output-as=text)")


@dataclass
class OutputChoice:
    """The format and destination chosen on the command line."""

    format: str = TEXT
    destination: str = "-"
    fancy: bool = False

    @property
    def xml(self) -> bool:
        return self.format == XML

    @property
    def html(self) -> bool:
        return self.format == HTML

    def write(self, text: str, out: TextIO) -> None:
        """Write the whole output to ``out`` or to the ``--output-to`` file (replaced atomically)."""
        if self.destination in ("-", ""):
            out.write(text)
            return
        path = Path(self.destination)
        tmp = path.with_name(f".{path.name}.tmp")
        try:
            tmp.write_text(text)
            tmp.replace(path)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise OutputFormatError(f"Error creating output format {self.format}: {exc.strerror}",
                                    ExitCode.CANTCREAT) from exc


def open_output(ns: argparse.Namespace, formats: Sequence[str] = (TEXT, XML)) -> OutputChoice:
    """The checked choice of ``ns`` (parsed with :func:`add_output_options`).  An unknown format
    is Pacemaker's ``Error creating output format X: Unknown output format`` (exit 1)."""
    name = getattr(ns, "output_as", TEXT) or TEXT
    if name == "console":  # crm_mon's older name of the text format
        name = TEXT
    if name not in formats:
        raise OutputFormatError(f"Error creating output format {name}: Unknown output format")
    return OutputChoice(name, getattr(ns, "output_to", "-") or "-", bool(getattr(ns, "text_fancy", False)))


def request_line(prog: str, argv: Sequence[str]) -> str:
    """The ``request`` attribute: the command line as typed (``pcmk__quote_cmdline``: words with
    blanks single-quoted)."""
    words = [prog, *argv]
    return " ".join(shlex.quote(w) if any(c.isspace() for c in w) else w for w in words)


def invoked_as(default: str) -> str:
    """The program name as the user ran it (``argv[0]``), for the ``request`` attribute."""
    name = sys.argv[0] if sys.argv and sys.argv[0] else default
    return name if Path(name).name == default else default


@dataclass
class XmlResult:
    """One ``<pacemaker-result>`` document being built."""

    request: str
    root: etree._Element = field(init=False)
    errors: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.root = etree.Element("pacemaker-result")
        self.root.set("api-version", API_VERSION)
        self.root.set("request", self.request)

    def add(self, tag: str, parent: etree._Element | None = None,
            attrs: Mapping[str, str | int | bool | None] | None = None, text: str | None = None) -> etree._Element:
        """A child element; attributes keep their order, ``None`` values are left out and
        booleans are written ``true``/``false``."""
        elem = etree.SubElement(self.root if parent is None else parent, tag)
        for name, value in (attrs or {}).items():
            if value is None:
                continue
            elem.set(name, xml_value(value))
        if text is not None:
            elem.text = text
        return elem

    def error(self, message: str) -> None:
        """A message for ``<status><errors>`` (what the text format prints on stderr)."""
        self.errors.append(message.rstrip("\n"))

    def finish(self, code: int, message: str | None = None) -> str:
        """The document with its ``<status>``, as text ending with a newline."""
        status = etree.SubElement(self.root, "status")
        status.set("code", str(int(code)))
        status.set("message", message if message is not None else exit_text(int(code)))
        if self.errors:
            errors = etree.SubElement(status, "errors")
            for text in self.errors:
                etree.SubElement(errors, "error").text = text
        return serialize(self.root)


def xml_value(value: str | int | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def serialize(root: etree._Element) -> str:
    """Pacemaker's layout: two-space indentation, no XML declaration, a final newline."""
    etree.indent(root, space="  ")
    return etree.tostring(root, encoding="unicode") + "\n"


def error_result(prog: str, argv: Sequence[str], code: int, errors: Sequence[str] = ()) -> str:
    """A result carrying only a status (a tool failing before it has anything to say)."""
    result = XmlResult(request_line(prog, argv))
    for text in errors:
        result.error(text)
    return result.finish(code)
