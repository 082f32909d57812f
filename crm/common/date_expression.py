"""Pacemaker's evaluation of a rule's ``date_expression`` (``pe__eval_date_expr`` and
``pe_cron_range_satisfied`` of 2.1.5) on :mod:`crm.common.iso8601` times: the result says
whether "now" is before, within or after the expression's range, or that the expression
cannot be evaluated.  ``crm_rule`` reports these results."""

from __future__ import annotations

from collections.abc import Callable

from lxml import etree

from crm.common import iso8601 as t
from crm.common.return_codes import (
    RC_AFTER_RANGE,
    RC_BEFORE_RANGE,
    RC_UNDETERMINED,
    RC_WITHIN_RANGE,
)

INT_MIN = -(2**31)
INT_MAX = 2**31 - 1
_PARSE_DEFAULT = -1  # PCMK__PARSE_INT_DEFAULT


ErrorHandler = Callable[[t.Iso8601Error], None]


def _parse_time(text: str | None, on_error: ErrorHandler | None) -> t.CrmTime | None:
    if text is None:
        return None
    try:
        return t.parse_date(text)
    except t.Iso8601Error as err:
        if on_error is not None:
            on_error(err)
        return None


def _scan_ll(text: str) -> tuple[bool, int, str]:
    """strtoll: (digits found, value, rest)."""
    stripped = text.lstrip()
    sign = 1
    k = 0
    if stripped[:1] in ("+", "-"):
        sign = -1 if stripped[0] == "-" else 1
        k = 1
    digits = ""
    while k < len(stripped) and stripped[k].isdigit():
        digits += stripped[k]
        k += 1
    if not digits:
        return False, _PARSE_DEFAULT, text
    return True, sign * int(digits), stripped[k:]


def parse_range(text: str | None) -> tuple[int, int] | None:
    """``pcmk__parse_ll_range``: ``N``, ``LOW-HIGH``, ``LOW-`` or ``-HIGH`` (missing bounds are
    -1); None when the text is no range."""
    if not text or text == "-":
        return None
    if text[0] == "-":
        ok, end, rest = _scan_ll(text[1:])
        return (_PARSE_DEFAULT, end) if ok and not rest else None
    ok, start, rest = _scan_ll(text)
    if not ok:
        return None
    if rest.startswith("-"):
        if len(rest) > 1:
            ok, end, more = _scan_ll(rest[1:])
            if not ok or more:
                return None
            return start, end
        return start, _PARSE_DEFAULT
    if rest:
        return None
    return start, start


def _check_one(spec: etree._Element, name: str, value: int) -> int:
    text = spec.get(name)
    if text is None:
        return RC_UNDETERMINED
    bounds = parse_range(text)
    if bounds is None:
        return RC_UNDETERMINED
    low, high = bounds
    if low == high or (low != -1 and high != -1):
        if value < low:
            return RC_BEFORE_RANGE
        if value > high:
            return RC_AFTER_RANGE
        return RC_WITHIN_RANGE
    if low == -1:
        return RC_WITHIN_RANGE if value <= high else RC_AFTER_RANGE
    return RC_WITHIN_RANGE if value >= low else RC_BEFORE_RANGE


def moon_phase(now: t.CrmTime) -> int:
    """Pacemaker's ``phase_of_the_moon`` (0 new ... 4 full ... 7)."""
    y, diy = now.years & 0xFFFFFFFF, now.days & 0xFFFFFFFF
    goldn = (y % 19) + 1
    epact = (11 * goldn + 18) % 30
    if (epact == 25 and goldn > 11) or epact == 24:
        epact += 1
    return ((((diy + epact) * 6) + 11) % 177 // 22) & 7


def cron_range(now: t.CrmTime, spec: etree._Element | None) -> int:
    """``pe_cron_range_satisfied``: 0 when every field given matches ``now``, else the first
    failing field's result."""
    if spec is None:  # no field given: satisfied
        return 0
    y, m, d = t.gregorian(now)
    h, mi, s = t._hms(now.seconds)
    week = t.isoweek(now) or (0, 0, 0)
    checks = (
        ("years", y), ("months", m), ("monthdays", d), ("hours", h), ("minutes", mi), ("seconds", s),
        ("yeardays", now.days), ("weekyears", week[0]), ("weeks", week[1]), ("weekdays", week[2]),
        ("moon", moon_phase(now)),
    )
    for name, value in checks:
        rc = _check_one(spec, name, value)
        if rc not in (RC_WITHIN_RANGE, RC_UNDETERMINED):
            return rc
    return 0


def _add_field(end: t.CrmTime, spec: etree._Element, name: str) -> None:
    ok, value, _ = _scan_ll(spec.get(name) or "")
    if not ok or value == 0 or not INT_MIN <= value <= INT_MAX:
        return
    if name == "years":
        end.years += value
    elif name == "months":
        t.add_months(end, value)
    elif name == "weeks":
        t.add_days(end, value * 7)
    elif name == "days":
        t.add_days(end, value)
    elif name == "hours":
        t.add_seconds(end, value * t.HOUR_SECONDS)
    elif name == "minutes":
        t.add_seconds(end, value * 60)
    else:
        t.add_seconds(end, value)


def duration_end(start: t.CrmTime, spec: etree._Element) -> t.CrmTime:
    """``pe_parse_xml_duration``: ``start`` plus a ``<duration>``'s fields."""
    end = start.copy()
    for name in ("years", "months", "weeks", "days", "hours", "minutes", "seconds"):
        _add_field(end, spec, name)
    return end


def evaluate(expr: etree._Element, now: t.CrmTime, on_error: ErrorHandler | None = None) -> int:
    """``pe__eval_date_expr``: RC_WITHIN_RANGE, RC_BEFORE_RANGE, RC_AFTER_RANGE, 0 (a date_spec
    that matches) or RC_UNDETERMINED (malformed or missing values)."""
    operation = expr.get("operation")
    duration = expr.find("duration")
    start = _parse_time(expr.get("start"), on_error)
    end = _parse_time(expr.get("end"), on_error)
    if start is not None and end is None and duration is not None:
        end = duration_end(start, duration)
    op = (operation or "in_range").lower()
    if op == "in_range":
        if start is None and end is None:
            return RC_UNDETERMINED
        if start is not None and t.compare(now, start) < 0:
            return RC_BEFORE_RANGE
        if end is not None and t.compare(now, end) > 0:
            return RC_AFTER_RANGE
        return RC_WITHIN_RANGE
    if op == "date_spec":
        return cron_range(now, expr.find("date_spec"))
    if op == "gt":
        if start is None:
            return RC_UNDETERMINED
        return RC_WITHIN_RANGE if t.compare(now, start) > 0 else RC_BEFORE_RANGE
    if op == "lt":
        if end is None:
            return RC_UNDETERMINED
        return RC_WITHIN_RANGE if t.compare(now, end) < 0 else RC_AFTER_RANGE
    return RC_UNDETERMINED
