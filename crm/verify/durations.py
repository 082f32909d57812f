"""Pacemaker's spellings of intervals and timeouts: ``10``, ``10s``, ``500ms``, ``1min``,
``2h``, ISO 8601 ``PT1M`` / ``P40S``."""

from __future__ import annotations

import re
from typing import Final

_UNITS_MS: Final = {
    "": 1000,
    "s": 1000,
    "sec": 1000,
    "ms": 1,
    "msec": 1,
    "us": 0.001,
    "usec": 0.001,
    "m": 60_000,
    "min": 60_000,
    "h": 3_600_000,
    "hr": 3_600_000,
}
_PLAIN_RE: Final = re.compile(r"\s*([0-9]+)\s*([a-z]*)\s*")
_ISO_RE: Final = re.compile(
    r"P(?:(?P<days>[0-9]+)D)?(?:T?(?:(?P<hours>[0-9]+)H)?(?:(?P<minutes>[0-9]+)M)?(?:(?P<seconds>[0-9]+)S)?)?"
)


def parse_ms(text: str) -> int | None:
    """Milliseconds, or ``None`` when ``text`` is not a duration."""
    text = text.strip()
    if text.startswith("P"):
        match = _ISO_RE.fullmatch(text)
        if match is None or text in ("P", "PT"):
            return None
        parts = {k: int(v) if v else 0 for k, v in match.groupdict().items()}
        return ((parts["days"] * 24 + parts["hours"]) * 60 + parts["minutes"]) * 60_000 + parts[
            "seconds"
        ] * 1000
    match = _PLAIN_RE.fullmatch(text.lower())
    if match is None or match.group(2) not in _UNITS_MS:
        return None
    return int(int(match.group(1)) * _UNITS_MS[match.group(2)])
