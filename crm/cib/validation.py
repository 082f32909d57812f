"""Validation of a whole CIB before it is written, as Pacemaker validates an update: the
schema its ``validate-with`` names, with Pacemaker's own grammars
(:mod:`crm.cib.pacemaker_schemas`), so that what a tool writes is what every tool can load."""

from __future__ import annotations

import importlib

from lxml import etree

from crm.cib.document import CibDocument
from crm.cib.errors import InvalidArgument
from crm.cib.pacemaker_schemas import validate_xml


def validation_problems(doc: CibDocument) -> list[str]:
    """Why the CIB may not be written (libxml2's lines, as Pacemaker validates an update with
    the schema its ``validate-with`` names); an empty list means it may be written."""
    if validate_xml(doc.root, None, None, record=False):
        return []
    lines: list[str] = []
    validate_xml(doc.root, None, lines, record=False)
    return lines or [f"the CIB does not validate against {doc.root.get('validate-with') or 'any schema'}"]


def upgrade_document(doc: CibDocument) -> CibDocument:
    """The CIB upgraded to the newest schema by :func:`crm.cib.upgrade.upgrade`."""
    module = importlib.import_module("crm.cib.upgrade")
    try:
        result = module.upgrade(doc.root)
    except ValueError as err:
        raise InvalidArgument(f"cannot upgrade the CIB: {err}") from None
    if isinstance(result, etree._ElementTree):
        result = result.getroot()
    if isinstance(result, CibDocument):
        return result
    return CibDocument(result)
