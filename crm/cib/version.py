"""CIB version triple (``admin_epoch``, ``epoch``, ``num_updates``) and Pacemaker's rules for it.

* A configuration change bumps ``epoch`` and resets ``num_updates`` to 0.
* Any other change (status, attributes of ``<cib>`` itself) bumps ``num_updates``.
* Versions compare lexicographically: the CIB with the larger triple is newer.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import total_ordering

from lxml import etree

VERSION_FIELDS: tuple[str, str, str] = ("admin_epoch", "epoch", "num_updates")


class CibVersionError(ValueError):
    """A version attribute of ``<cib>`` is not a non-negative integer."""


@total_ordering
@dataclass(frozen=True, slots=True)
class CibVersion:
    admin_epoch: int = 0
    epoch: int = 0
    num_updates: int = 0

    def __str__(self) -> str:
        return f"{self.admin_epoch}.{self.epoch}.{self.num_updates}"

    def as_tuple(self) -> tuple[int, int, int]:
        return (self.admin_epoch, self.epoch, self.num_updates)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, CibVersion):
            return NotImplemented
        return self.as_tuple() < other.as_tuple()

    def after_config_change(self) -> CibVersion:
        """The version after a change to the configuration section."""
        return CibVersion(self.admin_epoch, self.epoch + 1, 0)

    def after_status_change(self) -> CibVersion:
        """The version after a change that leaves the configuration alone."""
        return CibVersion(self.admin_epoch, self.epoch, self.num_updates + 1)

    @classmethod
    def of(cls, element: etree._Element) -> CibVersion:
        """Read the triple from a ``<cib>`` (or patch ``<source>``/``<target>``) element.

        Missing attributes count as 0, as in Pacemaker.
        """
        values: list[int] = []
        for name in VERSION_FIELDS:
            raw = element.get(name)
            if raw is None:
                values.append(0)
                continue
            try:
                value = int(raw)
            except ValueError:
                raise CibVersionError(f"<{element.tag}> attribute {name}={raw!r} is not an integer") from None
            if value < 0:
                raise CibVersionError(f"<{element.tag}> attribute {name}={raw!r} is negative")
            values.append(value)
        return cls(values[0], values[1], values[2])

    def write_to(self, element: etree._Element) -> None:
        """Set the three attributes on ``element`` (existing ones keep their position)."""
        for name, value in zip(VERSION_FIELDS, self.as_tuple(), strict=True):
            element.set(name, str(value))
