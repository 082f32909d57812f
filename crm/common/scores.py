"""Score arithmetic as Pacemaker does it: integers clamped to +/-INFINITY (1,000,000).

-INFINITY wins over everything (``-INFINITY + INFINITY == -INFINITY``).
"""

from __future__ import annotations

INFINITY = 1_000_000
MINUS_INFINITY = -INFINITY


def add_scores(a: int, b: int) -> int:
    """Sum two scores the way ``pcmk__add_scores`` does."""
    if a <= MINUS_INFINITY or b <= MINUS_INFINITY:
        return MINUS_INFINITY
    if a >= INFINITY or b >= INFINITY:
        return INFINITY
    total = a + b
    if total >= INFINITY:
        return INFINITY
    if total <= MINUS_INFINITY:
        return MINUS_INFINITY
    return total


def parse_score(text: str | None, default: int = 0, *, red: int = MINUS_INFINITY, yellow: int = 0,
                green: int = 0) -> int:
    """Parse a score string: an integer, ``[+-]INFINITY`` or a node health colour.

    Out-of-range integers are clamped; anything unparsable gives ``default``.
    """
    if text is None:
        return default
    value = text.strip()
    if not value:
        return default
    lowered = value.lower()
    if lowered in ("infinity", "+infinity"):
        return INFINITY
    if lowered == "-infinity":
        return MINUS_INFINITY
    if lowered == "red":
        return red
    if lowered == "yellow":
        return yellow
    if lowered == "green":
        return green
    sign = 1
    digits = value
    if digits[:1] in "+-" and digits[:1]:
        sign = -1 if digits[0] == "-" else 1
        digits = digits[1:]
    end = 0
    while end < len(digits) and digits[end].isdigit():
        end += 1
    if end == 0:
        return default
    number = sign * int(digits[:end])
    return max(MINUS_INFINITY, min(INFINITY, number))


def score_text(score: int) -> str:
    """Render a score as Pacemaker prints it (``INFINITY``, ``-INFINITY`` or the integer)."""
    if score >= INFINITY:
        return "INFINITY"
    if score <= MINUS_INFINITY:
        return "-INFINITY"
    return str(score)
