"""Interval and timeout spellings, as Pacemaker reads them."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from crm.verify.durations import parse_ms

N = st.integers(min_value=0, max_value=10**6)


@given(N)
def test_plain_numbers_are_seconds(n: int) -> None:
    assert parse_ms(str(n)) == parse_ms(f"{n}s") == parse_ms(f"{n}sec") == n * 1000


@given(N)
def test_units(n: int) -> None:
    assert parse_ms(f"{n}ms") == n
    assert parse_ms(f"{n}m") == parse_ms(f"{n}min") == n * 60_000
    assert parse_ms(f"{n}h") == parse_ms(f"{n}hr") == n * 3_600_000


@given(st.integers(0, 48), st.integers(0, 59), st.integers(0, 59))
def test_iso8601_matches_units(h: int, m: int, s: int) -> None:
    iso = parse_ms(f"PT{h}H{m}M{s}S")
    assert iso == parse_ms(f"{h}h") + parse_ms(f"{m}min") + parse_ms(f"{s}s")  # type: ignore[operator]
    assert parse_ms(f"P{s}S") == parse_ms(f"PT{s}S") == s * 1000


@given(st.text(alphabet="abcxyz-+.,/ ", min_size=1, max_size=6))
def test_garbage_is_not_a_duration(text: str) -> None:
    assert parse_ms(text) is None
    assert parse_ms(f"1{text}") is None or text.strip() in ("", "s", "m", "h")
