"""Rule evaluation: ``<rule>`` with attribute, date, resource and operation expressions.

A rule is evaluated in a ``RuleContext`` (node attributes, the current time, and optionally the
resource agent and operation the rule is applied to).  ``rule_score`` gives the score a location
rule contributes on a node (``score`` or ``score-attribute``) or ``None`` when it does not match.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from lxml import etree

from crm.common.durations import parse_interval_ms
from crm.common.scores import parse_score


@dataclass(frozen=True)
class RuleContext:
    """What a rule can look at."""

    now: datetime
    node_attrs: Mapping[str, str] = field(default_factory=dict)
    rsc_class: str | None = None
    rsc_provider: str | None = None
    rsc_type: str | None = None
    op_name: str | None = None
    op_interval_ms: int | None = None
    params: Mapping[str, str] = field(default_factory=dict)
    meta: Mapping[str, str] = field(default_factory=dict)
    regex_groups: tuple[str, ...] = ()


def evaluate_rule(rule: etree._Element, ctx: RuleContext) -> bool:
    """True when ``rule`` matches in ``ctx`` (an empty rule matches)."""
    op = (rule.get("boolean-op") or "and").lower()
    results: list[bool] = []
    for child in rule:
        if not isinstance(child.tag, str):
            continue
        tag = child.tag
        if tag == "expression":
            results.append(_attribute_expression(child, ctx))
        elif tag == "date_expression":
            results.append(_date_expression(child, ctx.now))
        elif tag == "rsc_expression":
            results.append(_rsc_expression(child, ctx))
        elif tag == "op_expression":
            results.append(_op_expression(child, ctx))
        elif tag == "rule":
            results.append(evaluate_rule(child, ctx))
        else:
            continue
        if op == "or" and results[-1]:
            return True
        if op != "or" and not results[-1]:
            return False
    if not results:
        return True
    return op != "or"


def rule_score(rule: etree._Element, ctx: RuleContext) -> int | None:
    """The score of a location rule on the node in ``ctx``, or None when the rule does not apply."""
    if not evaluate_rule(rule, ctx):
        return None
    attr = rule.get("score-attribute")
    if attr:
        value = ctx.node_attrs.get(attr)
        if value is None:
            return None
        return parse_score(value, 0)
    return parse_score(rule.get("score"), 0)


def _compare_values(left: str | None, right: str | None, operation: str, vtype: str) -> bool:
    if operation == "defined":
        return left is not None
    if operation == "not_defined":
        return left is None
    if left is None or right is None:
        return operation == "ne" and (left is None) != (right is None)
    cmp: int
    if vtype in ("integer", "number"):
        try:
            lnum = float(left) if vtype == "number" else float(int(float(left)))
            rnum = float(right) if vtype == "number" else float(int(float(right)))
        except ValueError:
            cmp = _cmp(left, right)
        else:
            cmp = _cmp(lnum, rnum)
    elif vtype == "version":
        cmp = _cmp(_version_key(left), _version_key(right))
    else:
        cmp = _cmp(left.lower(), right.lower())
    return {
        "lt": cmp < 0,
        "lte": cmp <= 0,
        "gt": cmp > 0,
        "gte": cmp >= 0,
        "eq": cmp == 0,
        "ne": cmp != 0,
    }.get(operation, False)


def _cmp(a: object, b: object) -> int:
    return (a > b) - (a < b)  # type: ignore[operator]


def _version_key(text: str) -> tuple[int, ...]:
    return tuple(int(p) if p.isdigit() else 0 for p in text.split("."))


def _attribute_expression(expr: etree._Element, ctx: RuleContext) -> bool:
    attr = expr.get("attribute") or ""
    operation = (expr.get("operation") or "eq").lower()
    value = expr.get("value")
    source = (expr.get("value-source") or "literal").lower()
    if value is not None and ctx.regex_groups:
        value = _expand_groups(value, ctx.regex_groups)
    if source == "param":
        value = ctx.params.get(value or "")
    elif source == "meta":
        value = ctx.meta.get(value or "")
    vtype = (expr.get("type") or "").lower()
    if not vtype:
        vtype = "number" if _looks_numeric(value) and operation in ("lt", "lte", "gt", "gte") else "string"
    left = ctx.node_attrs.get(attr)
    return _compare_values(left, value, operation, vtype)


def _looks_numeric(value: str | None) -> bool:
    if value is None:
        return False
    try:
        float(value)
    except ValueError:
        return False
    return True


def _expand_groups(value: str, groups: tuple[str, ...]) -> str:
    def sub(match: re.Match[str]) -> str:
        index = int(match.group(1))
        return groups[index] if index < len(groups) else ""

    return re.sub(r"%(\d)", sub, value)


def _rsc_expression(expr: etree._Element, ctx: RuleContext) -> bool:
    for attr, actual in (("class", ctx.rsc_class), ("provider", ctx.rsc_provider), ("type", ctx.rsc_type)):
        wanted = expr.get(attr)
        if wanted is not None and wanted != actual:
            return False
    return True


def _op_expression(expr: etree._Element, ctx: RuleContext) -> bool:
    name = expr.get("name")
    if name is not None and name != ctx.op_name:
        return False
    interval = expr.get("interval")
    return interval is None or parse_interval_ms(interval) == (ctx.op_interval_ms or 0)


# ----------------------------------------------------------------------------------------------
# Dates

_DATE_RE = re.compile(
    r"^\s*(?P<year>\d{4})-?(?:(?P<ordinal>\d{3})(?!\d)|W(?P<week>\d{2})-?(?P<wday>\d)?|(?P<month>\d{2})-?(?P<day>\d{2})?)?"
    r"(?:[T ]\s*(?P<hour>\d{2}):?(?P<minute>\d{2})?:?(?P<second>\d{2})?(?:\.\d+)?)?"
    r"\s*(?P<tz>Z|[+-]\d{2}:?\d{2}|[+-]\d{2})?\s*$"
)


def parse_datetime(text: str) -> datetime | None:
    """Parse the ISO 8601 forms Pacemaker accepts (calendar, ordinal and week dates)."""
    m = _DATE_RE.match(text)
    if not m:
        return None
    year = int(m.group("year"))
    if m.group("ordinal"):
        base = datetime(year, 1, 1) + timedelta(days=int(m.group("ordinal")) - 1)
    elif m.group("week"):
        jan4 = datetime(year, 1, 4)
        week1 = jan4 - timedelta(days=jan4.isoweekday() - 1)
        base = week1 + timedelta(weeks=int(m.group("week")) - 1, days=int(m.group("wday") or 1) - 1)
    else:
        base = datetime(year, int(m.group("month") or 1), int(m.group("day") or 1))
    base = base.replace(
        hour=int(m.group("hour") or 0), minute=int(m.group("minute") or 0), second=int(m.group("second") or 0)
    )
    tz = m.group("tz")
    if tz:
        if tz == "Z":
            offset = timedelta(0)
        else:
            sign = -1 if tz[0] == "-" else 1
            digits = tz[1:].replace(":", "")
            offset = sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))
        base = base.replace(tzinfo=timezone(offset))
    else:
        base = base.replace(tzinfo=UTC)
    return base


UTC = timezone.utc  # noqa: UP017


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _duration(elem: etree._Element, start: datetime) -> datetime:
    years = int(elem.get("years", "0") or 0)
    months = int(elem.get("months", "0") or 0)
    year = start.year + years
    month = start.month + months
    while month > 12:
        month -= 12
        year += 1
    day = min(start.day, 28) if (years or months) else start.day
    result = start.replace(year=year, month=month, day=day) if (years or months) else start
    return result + timedelta(
        weeks=int(elem.get("weeks", "0") or 0),
        days=int(elem.get("days", "0") or 0),
        hours=int(elem.get("hours", "0") or 0),
        minutes=int(elem.get("minutes", "0") or 0),
        seconds=int(elem.get("seconds", "0") or 0),
    )


def _in_ranges(spec: str, value: int) -> bool:
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        if "-" in part[1:]:
            lo, hi = part.split("-", 1)
            if int(lo) <= value <= int(hi):
                return True
        elif int(part) == value:
            return True
    return False


def _date_spec(spec: etree._Element, now: datetime) -> bool:
    iso = now.isocalendar()
    fields = {
        "years": now.year,
        "months": now.month,
        "monthdays": now.day,
        "hours": now.hour,
        "minutes": now.minute,
        "seconds": now.second,
        "yeardays": now.timetuple().tm_yday,
        "weekyears": iso[0],
        "weeks": iso[1],
        "weekdays": iso[2],
    }
    for name, value in fields.items():
        wanted = spec.get(name)
        if wanted is not None and not _in_ranges(wanted, value):
            return False
    return True


def _date_expression(expr: etree._Element, now: datetime) -> bool:
    now = _aware(now)
    operation = (expr.get("operation") or "in_range").lower()
    start_text = expr.get("start")
    end_text = expr.get("end")
    start = parse_datetime(start_text) if start_text else None
    end = parse_datetime(end_text) if end_text else None
    if operation == "date_spec":
        spec = expr.find("date_spec")
        return spec is None or _date_spec(spec, now)
    if operation == "gt":
        return start is not None and now > start
    if operation == "lt":
        return end is not None and now < end
    if operation == "in_range":
        if end is None and start is not None:
            duration = expr.find("duration")
            if duration is not None:
                end = _duration(duration, start)
        if start is not None and now < start:
            return False
        return not (end is not None and now > end)
    return False
