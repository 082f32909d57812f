"""Time spans: one reading for intervals, timeouts, dampening and failure timeouts."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crm.common.durations import parse_interval_ms, parse_ms, parse_seconds

N = st.integers(min_value=0, max_value=10**6)


@given(N)
def test_plain_numbers_are_seconds(n: int) -> None:
    assert parse_ms(str(n)) == parse_ms(f"{n}s") == parse_ms(f"{n}sec") == parse_ms(f" {n} SEC ") == n * 1000


@pytest.mark.parametrize(
    ("text", "ms"),
    [("500ms", 500), ("500msec", 500), ("1500us", 1), ("2m", 120_000), ("2min", 120_000), ("1h", 3_600_000),
     ("1hr", 3_600_000), ("1.5s", 1500), ("PT1M", 60_000), ("P40S", 40_000), ("P1DT2H", 93_600_000),
     ("P1W", 604_800_000)],
)
def test_units_and_iso8601(text: str, ms: int) -> None:
    assert parse_ms(text) == ms


@pytest.mark.parametrize("text", [None, "", "  ", "P", "ten", "10 parsecs", "1x"])
def test_not_a_duration(text: str | None) -> None:
    assert parse_ms(text) is None
    assert parse_interval_ms(text, 7) == 7
    assert parse_seconds(text, 3) == 3
