"""Serialise an element tree exactly as Python 2's ``minidom.toprettyxml()`` did.

haresources2cib.py printed its CIB with minidom: ``<?xml version="1.0" ?>``, one tab per
level, attributes in alphabetical order, empty elements as ``<x/>``, text-only elements on
one line.  Reproducing it byte for byte keeps diffs against old ``cib.xml`` files empty.
"""

from __future__ import annotations

from lxml import etree


def _escape_attr(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;").replace(">", "&gt;")


def _escape_text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _write(element: etree._Element, indent: str, out: list[str]) -> None:
    tag = str(element.tag)
    attrs = "".join(
        f' {name!s}="{_escape_attr(str(value))}"' for name, value in sorted((str(k), str(v)) for k, v in element.attrib.items())
    )
    children = [child for child in element if isinstance(child.tag, str)]
    text = element.text or ""
    if not children and not text:
        out.append(f"{indent}<{tag}{attrs}/>\n")
        return
    if not children:
        out.append(f"{indent}<{tag}{attrs}>{_escape_text(text)}</{tag}>\n")
        return
    out.append(f"{indent}<{tag}{attrs}>\n")
    for child in children:
        _write(child, indent + "\t", out)
    out.append(f"{indent}</{tag}>\n")


def minidom_pretty(root: etree._Element) -> str:
    """The text ``doc.toprettyxml()`` returned for a document whose root is ``root``."""
    out = ['<?xml version="1.0" ?>\n']
    _write(root, "", out)
    return "".join(out)
