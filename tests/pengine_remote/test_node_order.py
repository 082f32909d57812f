"""The scheduler's node order (Pacemaker's ``sort_node_uname``)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pengine.node_order import compare_unames, sorted_unames

names = st.text(alphabet="abAB-019", max_size=8)


def _sign(value: int) -> int:
    return (value > 0) - (value < 0)


@given(names, names)
def test_antisymmetric(a: str, b: str) -> None:
    assert _sign(compare_unames(a, b)) == -_sign(compare_unames(b, a))


@given(names, names, names)
def test_transitive(a: str, b: str, c: str) -> None:
    if compare_unames(a, b) <= 0 and compare_unames(b, c) <= 0:
        assert compare_unames(a, c) <= 0


@given(names)
def test_case_does_not_matter(a: str) -> None:
    assert compare_unames(a.upper(), a.lower()) == 0


@given(st.integers(0, 10**6), st.integers(0, 10**6))
def test_numbers_compare_as_numbers(i: int, j: int) -> None:
    assert _sign(compare_unames(f"node{i}", f"node{j}")) == _sign(i - j)


def test_examples() -> None:
    assert sorted_unames(["node10", "Node9", "node1", "alpha", "node007", "node7"]) == [
        "alpha", "node1", "node7", "node007", "Node9", "node10"]
    assert compare_unames("node", "node1") < 0
