"""Pacemaker's boolean words (``crm_str_to_boolean``), case-insensitive, surrounding blanks ignored."""

from __future__ import annotations

from typing import Final

TRUE_WORDS: Final = frozenset({"true", "on", "yes", "y", "1"})
FALSE_WORDS: Final = frozenset({"false", "off", "no", "n", "0"})


def parse_boolean(text: str | None) -> bool | None:
    """True or False for one of the words, None for anything else (or no value)."""
    if text is None:
        return None
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    return None


def is_true(text: str | None, default: bool = False) -> bool:
    """``crm_is_true``: a true word; ``default`` when there is no value at all."""
    if text is None:
        return default
    return text.strip().lower() in TRUE_WORDS


def is_false(text: str | None) -> bool:
    """A false word (anything else, no value included, is not false)."""
    return text is not None and text.strip().lower() in FALSE_WORDS
