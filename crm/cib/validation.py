"""Validation of a whole CIB before it is written, as Pacemaker validates an update: the
schema its ``validate-with`` names, with Pacemaker's own grammars
(:mod:`crm.cib.pacemaker_schemas`), so that what a tool writes is what every tool can load."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from lxml import etree

from crm.cib.document import CibDocument
from crm.cib.errors import InvalidArgument
from crm.cib.pacemaker_schemas import validate_xml


def _schema_validator() -> Callable[[Any], list[Any]] | None:
    try:
        module = importlib.import_module("crm.cib.schema")
    except ImportError:
        return None
    validate = getattr(module, "validate", None)
    return validate if callable(validate) else None


def validation_problems(doc: CibDocument) -> list[str]:
    """Why the CIB may not be written (libxml2's lines, as Pacemaker validates an update with
    the schema its ``validate-with`` names); an empty list means it may be written."""
    lines: list[str] = []
    if validate_xml(doc.root, None, lines, record=False):
        return []
    return lines or [f"the CIB does not validate against {doc.root.get('validate-with') or 'any schema'}"]


def grammar_problems(doc: CibDocument) -> list[str]:
    """Problems found by pacer's own grammars (``crm.cib.schema``): more detailed messages
    (paths, dangling references), used by ``crm_verify``."""
    validate = _schema_validator()
    if validate is None:  # no schema engine installed: at least the ids must be unique
        return [f"id {dup.id!r} is used more than once: {', '.join(dup.paths)}" for dup in doc.duplicate_ids()]
    try:
        return [str(error) for error in validate(doc.root)]
    except ValueError as err:  # e.g. an unknown validate-with
        return [str(err)]


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
