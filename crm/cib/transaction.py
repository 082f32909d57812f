"""Run one change on a copy of a CIB and finish it as Pacemaker's ``cib_perform_op`` does:
refuse versions that go backwards, bump ``epoch`` (configuration changed) or
``num_updates`` (anything else changed), then validate.  The input document is never touched.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from lxml import etree

from crm.cib.document import CibDocument, same_xml
from crm.cib.errors import OldData, SchemaViolation
from crm.cib.touched import Touched
from crm.cib.validation import validation_problems

T = TypeVar("T")


class ValidationFailed(SchemaViolation):
    """The changed CIB does not validate; ``problems`` lists why, ``document`` is the
    would-be CIB (cibadmin prints it with line numbers)."""

    def __init__(self, problems: list[str], document: CibDocument) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems
        self.document = document


@dataclass(frozen=True, slots=True)
class Outcome:
    document: CibDocument
    changed: bool
    config_changed: bool


def _section(root: etree._Element, tag: str) -> etree._Element | None:
    return root.find(tag)


def configuration_changed(before: CibDocument, after: CibDocument, touched: Touched | None = None) -> bool:
    """``touched``: where ``after`` may differ from ``before`` (see :mod:`crm.cib.touched`)."""
    a, b = _section(before.root, "configuration"), _section(after.root, "configuration")
    if a is None or b is None:
        return (a is None) != (b is None)
    if touched is not None:
        return not touched.same(a, b, path="/cib/configuration")
    return not same_xml(a, b)


def finish(
    before: CibDocument,
    after: CibDocument,
    *,
    manage_versions: bool = True,
    validate: bool = True,
    config_change: bool = False,
    touched: Touched | None = None,
) -> Outcome:
    """Check and version ``after`` (changed in place) against ``before``.

    ``config_change`` counts any change as a configuration change (a schema upgrade
    rewrites the whole configuration even where the text stays the same).  ``touched``:
    where ``after`` may differ from ``before`` besides the ``<cib>`` attributes (see
    :mod:`crm.cib.touched`); the rest is not compared."""
    old, new = before.version, after.version
    if (new.admin_epoch, new.epoch) < (old.admin_epoch, old.epoch):
        field = "admin_epoch" if new.admin_epoch < old.admin_epoch else "epoch"
        raise OldData(f"{field} would go backwards: {old} -> {new}")
    if touched is not None:
        touched.attributes_of(after.root)
        changed = not touched.same(before.root, after.root)
    else:
        changed = not same_xml(before.root, after.root)
    config_changed = changed and (config_change or configuration_changed(before, after, touched))
    if changed and manage_versions:
        after.version = new.after_config_change() if config_changed else new.after_status_change()
    if changed and validate:
        problems = validation_problems(after)
        if problems:
            raise ValidationFailed(problems, after)
    return Outcome(after, changed, config_changed)


def perform(
    before: CibDocument,
    change: Callable[[CibDocument], T],
    *,
    manage_versions: bool = True,
    validate: bool = True,
    config_change: bool = False,
) -> tuple[T, Outcome]:
    """Apply ``change`` to a copy of ``before``; ``before`` is unchanged whatever happens."""
    work = before.copy()
    result = change(work)
    outcome = finish(before, work, manage_versions=manage_versions, validate=validate, config_change=config_change)
    return result, outcome
