"""Which parts of the status ``crm_mon`` shows: Pacemaker 2.1.5's section flags, the default
set of each output format, and ``--include``/``--exclude`` (plus the older one-letter options
that stand for sections) applied to it from left to right."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["Section", "SectionError", "Selection", "select"]


class Section(enum.Flag):
    STACK = enum.auto()
    DC = enum.auto()
    TIMES = enum.auto()
    COUNTS = enum.auto()
    OPTIONS = enum.auto()
    NODES = enum.auto()
    RESOURCES = enum.auto()
    ATTRIBUTES = enum.auto()
    FAILCOUNTS = enum.auto()
    OPERATIONS = enum.auto()
    FAILURES = enum.auto()
    FENCE_FAILED = enum.auto()
    FENCE_PENDING = enum.auto()
    FENCE_WORKED = enum.auto()
    TICKETS = enum.auto()
    BANS = enum.auto()
    MAINT_MODE = enum.auto()

    NONE = 0
    SUMMARY = STACK | DC | TIMES | COUNTS | MAINT_MODE
    FENCING = FENCE_FAILED | FENCE_PENDING | FENCE_WORKED
    ALL = (STACK | DC | TIMES | COUNTS | OPTIONS | NODES | RESOURCES | ATTRIBUTES | FAILCOUNTS | OPERATIONS
           | FAILURES | FENCE_FAILED | FENCE_PENDING | FENCE_WORKED | TICKETS | BANS | MAINT_MODE)


NAMES: dict[str, Section] = {
    "attributes": Section.ATTRIBUTES, "bans": Section.BANS, "counts": Section.COUNTS, "dc": Section.DC,
    "failcounts": Section.FAILCOUNTS, "failures": Section.FAILURES, "fencing": Section.FENCING,
    "fencing-failed": Section.FENCE_FAILED, "fencing-pending": Section.FENCE_PENDING,
    "fencing-succeeded": Section.FENCE_WORKED, "maint-mode": Section.MAINT_MODE, "nodes": Section.NODES,
    "operations": Section.OPERATIONS, "options": Section.OPTIONS, "resources": Section.RESOURCES,
    "stack": Section.STACK, "summary": Section.SUMMARY, "tickets": Section.TICKETS, "times": Section.TIMES,
}
VALID = ("all, attributes, bans[:PREFIX], counts, dc, default, failcounts, failures, fencing, fencing-failed, "
         "fencing-pending, fencing-succeeded, maint-mode, nodes, none, operations, options, resources, stack, "
         "summary, tickets, times")


class SectionError(ValueError):
    """An unknown section name (Pacemaker lists the valid ones)."""


def everything(xml: bool) -> Section:
    """``all``: every section, but the cluster options only in XML."""
    return Section.ALL if xml else Section.ALL & ~Section.OPTIONS


def default(xml: bool) -> Section:
    if xml:
        return everything(True)
    return Section.SUMMARY | Section.NODES | Section.RESOURCES | Section.FAILURES | Section.FENCE_FAILED \
        | Section.FENCE_PENDING


@dataclass(frozen=True)
class Selection:
    sections: Section
    ban_prefix: str | None = None  # ``bans:PREFIX``: only constraints whose id starts so

    def __contains__(self, section: Section) -> bool:
        return bool(self.sections & section)


def select(specs: Iterable[tuple[str, str]], xml: bool = False) -> Selection:
    """The sections to show: the format's default, then each ``(include|exclude, LIST)`` in
    order (a LIST is comma-separated)."""
    shown = default(xml)
    prefix: str | None = None
    for kind, spec in specs:
        for raw in spec.split(","):
            name = raw.strip()
            if not name:
                continue
            if name.startswith("bans:") and kind == "include":
                shown |= Section.BANS
                prefix = name[len("bans:"):] or None
                continue
            if name == "all":
                shown = everything(xml) if kind == "include" else Section.NONE
            elif name == "none":
                shown = Section.NONE if kind == "include" else everything(xml)
            elif name == "default":
                shown = shown | default(xml) if kind == "include" else shown & ~default(xml)
            elif name in NAMES:
                shown = shown | NAMES[name] if kind == "include" else shown & ~NAMES[name]
            else:
                raise SectionError(f"--{kind} options: {VALID}")
    return Selection(shown, prefix)
