"""Parse XML input and write it the way Pacemaker does.

Pacemaker's own serialiser (``pcmk__xml2text`` in 2.1.5) differs from libxml2's: attribute
values escape ``'`` as ``&apos;``, a newline as the two characters ``\\n``, a carriage return
as ``\\r`` and a tab as four spaces; text nodes are dropped; pretty output indents by two
spaces per level.  The on-disk digest (``cibadmin --md5-sum``) hashes the compact form of
this serialisation, so both must be byte-exact.
"""

from __future__ import annotations

from lxml import etree


class XmlInputError(ValueError):
    """XML input could not be parsed; the message names the source and the position."""


_PARSER = etree.XMLParser(remove_blank_text=True, resolve_entities=False, no_network=True, huge_tree=False)

_ATTR_ESCAPES = {
    "<": "&lt;",
    ">": "&gt;",
    "&": "&amp;",
    '"': "&quot;",
    "'": "&apos;",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "    ",
}


def strip_blank_text(root: etree._Element) -> etree._Element:
    """Drop every whitespace-only text node (in place); returns ``root``."""
    for node in root.iter():
        if node.text is not None and not node.text.strip() and not isinstance(node, etree._Comment):
            node.text = None
        if node.tail is not None and not node.tail.strip():
            node.tail = None
    return root


def parse_xml(data: str | bytes, source: str, *, from_file: bool = False) -> etree._Element:
    """Parse one XML document as Pacemaker does; blank text between elements is dropped.

    Pacemaker parses strings (``-X``, ``-p``) and files (``-x``, ``CIB_file``) differently:
    a whitespace-only text that is the sole content of an element (``<a>  </a>``) survives in
    a string but not in a file, which shows in the digests.  ``from_file`` selects the file
    behaviour.  Raises :class:`XmlInputError` naming ``source`` and the line of the first error.
    """
    raw = data.encode() if isinstance(data, str) else data
    if not raw.strip():
        raise XmlInputError(f"{source}: no XML content (empty input)")
    try:
        root = etree.fromstring(raw, _PARSER)
    except etree.XMLSyntaxError as err:
        line = err.lineno if err.lineno else "?"
        raise XmlInputError(f"{source}: line {line}: not well-formed XML: {err.msg}") from None
    if root is None:  # pragma: no cover - lxml raises instead
        raise XmlInputError(f"{source}: no root element")
    return strip_blank_text(root) if from_file else root


def escape_attribute(value: str) -> str:
    return "".join(_ATTR_ESCAPES.get(ch, ch) for ch in value)


def _write(node: etree._Element, pretty: bool, depth: int, out: list[str]) -> None:
    indent = "  " * depth if pretty else ""
    newline = "\n" if pretty else ""
    if isinstance(node, etree._Comment):
        out.append(f"{indent}<!--{node.text or ''}-->{newline}")
        return
    if isinstance(node, etree._ProcessingInstruction | etree._Entity):
        return
    out.append(f"{indent}<{node.tag}")
    for name, value in node.attrib.items():
        key = name.decode() if isinstance(name, bytes) else name
        text = value.decode() if isinstance(value, bytes) else value
        out.append(f' {key}="{escape_attribute(text)}"')
    has_children = len(node) > 0 or bool(node.text)
    out.append(">" if has_children else "/>")
    out.append(newline)
    if has_children:
        for child in node:
            _write(child, pretty, depth + 1, out)
        out.append(f"{indent}</{node.tag}>{newline}")


def to_text(node: etree._Element, pretty: bool = True) -> str:
    """Serialise ``node`` as Pacemaker does (pretty: two-space indent, one element a line)."""
    out: list[str] = []
    _write(node, pretty, 0, out)
    return "".join(out)
