"""A name/value pair found in the CIB, as attribute look-ups return it and failures name it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Match:
    """One name/value pair found in the CIB."""

    id: str
    name: str
    value: str
    set_id: str
