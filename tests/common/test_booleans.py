"""Pacemaker's boolean words, read once for everybody."""

from __future__ import annotations

import pytest

from crm.common.booleans import FALSE_WORDS, TRUE_WORDS, is_false, is_true, parse_boolean


@pytest.mark.parametrize("word", sorted(TRUE_WORDS))
def test_true_words_in_any_case_and_padding(word: str) -> None:
    for text in (word, word.upper(), f" {word.title()}\t"):
        assert is_true(text) and parse_boolean(text) is True and not is_false(text)


@pytest.mark.parametrize("word", sorted(FALSE_WORDS))
def test_false_words(word: str) -> None:
    for text in (word, word.upper(), f" {word} "):
        assert is_false(text) and parse_boolean(text) is False and not is_true(text, default=True)


@pytest.mark.parametrize("text", ["", "maybe", "2", "yess", "t"])
def test_other_text_is_neither(text: str) -> None:
    assert parse_boolean(text) is None
    assert not is_true(text, default=True) and not is_false(text)


def test_no_value_gives_the_default() -> None:
    assert parse_boolean(None) is None
    assert is_true(None) is False and is_true(None, default=True) is True
    assert not is_false(None)
