"""Score arithmetic and parsing laws."""

from hypothesis import given
from hypothesis import strategies as st

from crm.common.scores import INFINITY, MINUS_INFINITY, add_scores, parse_score, score_text

scores = st.one_of(st.integers(min_value=-2 * INFINITY, max_value=2 * INFINITY),
                   st.sampled_from([INFINITY, MINUS_INFINITY, 0]))


@given(scores, scores)
def test_addition_is_commutative_and_clamped(a: int, b: int) -> None:
    total = add_scores(a, b)
    assert total == add_scores(b, a)
    assert MINUS_INFINITY <= total <= INFINITY


@given(scores)
def test_minus_infinity_absorbs(a: int) -> None:
    assert add_scores(a, MINUS_INFINITY) == MINUS_INFINITY


@given(st.integers(min_value=MINUS_INFINITY + 1, max_value=INFINITY))
def test_infinity_absorbs_everything_but_minus_infinity(a: int) -> None:
    assert add_scores(a, INFINITY) == INFINITY


@given(st.integers(min_value=-INFINITY, max_value=INFINITY))
def test_text_round_trip(a: int) -> None:
    assert parse_score(score_text(a)) == a


def test_parse_forms() -> None:
    assert parse_score("INFINITY") == INFINITY
    assert parse_score("+INFINITY") == INFINITY
    assert parse_score("-infinity") == MINUS_INFINITY
    assert parse_score("12abc") == 12
    assert parse_score("abc", 7) == 7
    assert parse_score("99999999") == INFINITY
    assert parse_score("red") == MINUS_INFINITY
