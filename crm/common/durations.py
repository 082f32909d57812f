"""Time spans as Pacemaker writes them (intervals, timeouts, dampening, failure timeouts):
``10`` (seconds), ``10s``, ``5min``, ``1h``, ``1000ms``, ``500us``, ISO 8601 ``P1DT2H``, ``PT1M``.

One reading for every caller: :func:`parse_ms` says None for what is not a time span, the
others substitute a default.
"""

from __future__ import annotations

import re

_UNITS_MS = {
    "": 1000,
    "s": 1000,
    "sec": 1000,
    "secs": 1000,
    "ms": 1,
    "msec": 1,
    "msecs": 1,
    "us": 0.001,
    "usec": 0.001,
    "m": 60_000,
    "min": 60_000,
    "mins": 60_000,
    "h": 3_600_000,
    "hr": 3_600_000,
    "hrs": 3_600_000,
}

_SPAN_RE = re.compile(r"^\s*([+-]?\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$")
_ISO_RE = re.compile(
    r"^P(?:(?P<y>\d+)Y)?(?:(?P<mo>\d+)M)?(?:(?P<w>\d+)W)?(?:(?P<d>\d+)D)?"
    r"(?:T?(?:(?P<h>\d+)H)?(?:(?P<mi>\d+)M)?(?:(?P<s>\d+)S)?)?$"
)


def parse_ms(text: str | None) -> int | None:
    """Milliseconds in a Pacemaker time span, or None when absent or unparsable."""
    if text is None:
        return None
    value = text.strip()
    if not value:
        return None
    iso = _ISO_RE.match(value)
    if iso and value != "P":
        parts = {k: int(v) for k, v in iso.groupdict().items() if v}
        seconds = (
            parts.get("y", 0) * 31_536_000
            + parts.get("mo", 0) * 2_592_000
            + parts.get("w", 0) * 604_800
            + parts.get("d", 0) * 86_400
            + parts.get("h", 0) * 3_600
            + parts.get("mi", 0) * 60
            + parts.get("s", 0)
        )
        return seconds * 1000
    m = _SPAN_RE.match(value)
    if not m:
        return None
    unit = m.group(2).lower()
    if unit not in _UNITS_MS:
        return None
    return int(float(m.group(1)) * _UNITS_MS[unit])


def parse_interval_ms(text: str | None, default: int = 0) -> int:
    """Milliseconds in a Pacemaker time span; ``default`` when absent or unparsable."""
    ms = parse_ms(text)
    return default if ms is None else ms


def parse_seconds(text: str | None, default: int = 0) -> int:
    """Whole seconds in a time span."""
    return parse_interval_ms(text, default * 1000) // 1000
