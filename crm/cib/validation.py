"""Validation of a whole CIB before it is written: unique ids, then the RelaxNG schema
named by ``validate-with`` (through :func:`crm.cib.schema.validate`)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from lxml import etree

from crm.cib.document import CibDocument
from crm.cib.errors import InvalidArgument


def _schema_validator() -> Callable[[Any], list[Any]] | None:
    try:
        module = importlib.import_module("crm.cib.schema")
    except ImportError:
        return None
    validate = getattr(module, "validate", None)
    return validate if callable(validate) else None


def validation_problems(doc: CibDocument) -> list[str]:
    """Human-readable problems; an empty list means the CIB may be written."""
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
