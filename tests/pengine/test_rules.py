"""Rule, expression and date evaluation."""

from datetime import datetime

import pytest
from lxml import etree

from crm.common.durations import parse_interval_ms
from crm.common.scores import INFINITY
from pengine.rules import RuleContext, evaluate_rule, parse_datetime, rule_score


def rule(text: str) -> etree._Element:
    return etree.fromstring(text)


NOW = datetime(2005, 1, 20, 12, 30)


@pytest.mark.parametrize(
    ("op", "value", "vtype", "expected"),
    [
        ("eq", "web", None, True),
        ("ne", "web", None, False),
        ("gt", "5", "integer", True),
        ("lt", "5", "integer", False),
        ("gte", "10", "number", True),
        ("lt", "9.5", "number", False),
        ("gt", "1.10", "version", False),
    ],
)
def test_attribute_expressions(op: str, value: str, vtype: str | None, expected: bool) -> None:
    attrs = {"role": "web", "load": "10", "ver": "1.9"}
    attr = {"eq": "role", "ne": "role"}.get(op, "ver" if vtype == "version" else "load")
    t = f' type="{vtype}"' if vtype else ""
    r = rule(f'<rule id="r" score="1"><expression id="e" attribute="{attr}" operation="{op}" value="{value}"{t}/>'
             f"</rule>")
    assert evaluate_rule(r, RuleContext(now=NOW, node_attrs=attrs)) is expected


def test_defined_and_boolean_or() -> None:
    r = rule('<rule id="r" boolean-op="or" score="INFINITY">'
             '<expression id="a" attribute="missing" operation="defined"/>'
             '<expression id="b" attribute="x" operation="not_defined"/></rule>')
    assert evaluate_rule(r, RuleContext(now=NOW, node_attrs={}))
    assert not evaluate_rule(r, RuleContext(now=NOW, node_attrs={"x": "1"}))
    assert rule_score(r, RuleContext(now=NOW, node_attrs={})) == INFINITY


def test_score_attribute() -> None:
    r = rule('<rule id="r" score-attribute="pingd"><expression id="e" attribute="pingd" operation="defined"/>'
             "</rule>")
    assert rule_score(r, RuleContext(now=NOW, node_attrs={"pingd": "300"})) == 300
    assert rule_score(r, RuleContext(now=NOW, node_attrs={})) is None


def test_date_expressions() -> None:
    in_range = rule('<rule id="r"><date_expression id="d" operation="in_range" start="2005-001" '
                    'end="2005-031"/></rule>')
    assert evaluate_rule(in_range, RuleContext(now=NOW))
    assert not evaluate_rule(in_range, RuleContext(now=datetime(2005, 2, 2)))
    spec = rule('<rule id="r"><date_expression id="d" operation="date_spec">'
                '<date_spec id="s" hours="9-17" weekdays="1-5"/></date_expression></rule>')
    assert evaluate_rule(spec, RuleContext(now=NOW))  # a Thursday at 12:30
    assert not evaluate_rule(spec, RuleContext(now=datetime(2005, 1, 22, 12, 30)))  # Saturday
    duration = rule('<rule id="r"><date_expression id="d" operation="in_range" start="2005-01-20">'
                    '<duration id="du" hours="13"/></date_expression></rule>')
    assert evaluate_rule(duration, RuleContext(now=NOW))
    assert not evaluate_rule(duration, RuleContext(now=datetime(2005, 1, 21, 1)))


def test_iso_dates() -> None:
    ordinal = parse_datetime("2005-020")
    assert ordinal is not None and (ordinal.month, ordinal.day) == (1, 20)
    week = parse_datetime("2005-W03-4")
    assert week is not None and (week.month, week.day) == (1, 20)
    zoned = parse_datetime("2019-09-23 18:00:00 -05:00")
    assert zoned is not None and zoned.utcoffset() is not None
    assert parse_datetime("not a date") is None


def test_intervals() -> None:
    assert parse_interval_ms("10s") == 10_000
    assert parse_interval_ms("5min") == 300_000
    assert parse_interval_ms("1h") == 3_600_000
    assert parse_interval_ms("250ms") == 250
    assert parse_interval_ms("P1DT2H") == 93_600_000
    assert parse_interval_ms("bogus", 7) == 7
