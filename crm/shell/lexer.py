"""Lines and tokens of the crm shell language.

A command is one logical line: physical lines ending with a backslash are joined (as crmsh
does, the backslash is dropped and nothing is inserted in its place).  A logical line is split
into words with POSIX shell quoting (``'...'``, ``"..."``, backslash escapes), each word
remembering the line and column where it starts, so errors can point at it.

A line whose first word starts with ``#`` is a comment.  There are no inline comments: a
``#`` word later on the line is a word like any other, as crmsh reads it (``property a=1 # x``
is a syntax error, ``primitive d Dummy params a=1 # x`` gets parameters ``#`` and ``x``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

__all__ = ["LexError", "Line", "Token", "logical_lines", "tokenize"]


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    line: int
    column: int
    quoted: bool = False

    def __str__(self) -> str:
        return self.text


@dataclass(slots=True)
class Line:
    """One logical line: its text, where it starts, and its tokens once split."""

    text: str
    number: int
    tokens: list[Token] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def words(self) -> list[str]:
        return [t.text for t in self.tokens]


class LexError(ValueError):
    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column}: {self.message}"


def logical_lines(text: str, first_line: int = 1) -> Iterator[tuple[int, str]]:
    """(line number, joined text) for every non-empty logical line of ``text``."""
    pending: list[str] = []
    start = first_line
    for offset, raw in enumerate(text.split("\n")):
        number = first_line + offset
        stripped = raw.strip()
        if not pending:
            start = number
        if stripped.endswith("\\"):
            pending.append(stripped[:-1])
            continue
        pending.append(stripped)
        joined = "".join(pending).strip()
        pending = []
        if joined:
            yield start, joined
    if pending:
        joined = "".join(pending).strip()
        if joined:
            yield start, joined


def tokenize(text: str, line: int = 1) -> Line:
    """Split one logical line into tokens (POSIX shell quoting)."""
    result = Line(text, line)
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        start = i
        word: list[str] = []
        quoted = False
        while i < n and not text[i].isspace():
            ch = text[i]
            if ch == "'":
                end = text.find("'", i + 1)
                if end < 0:
                    raise LexError("no closing quotation", line, i + 1)
                word.append(text[i + 1 : end])
                quoted = True
                i = end + 1
            elif ch == '"':
                i += 1
                while True:
                    if i >= n:
                        raise LexError("no closing quotation", line, start + 1)
                    c = text[i]
                    if c == '"':
                        i += 1
                        break
                    if c == "\\" and i + 1 < n and text[i + 1] in '"\\$`':
                        word.append(text[i + 1])
                        i += 2
                        continue
                    word.append(c)
                    i += 1
                quoted = True
            elif ch == "\\":
                if i + 1 < n:
                    word.append(text[i + 1])
                    i += 2
                else:
                    i += 1
            else:
                word.append(ch)
                i += 1
        token = Token("".join(word), line, start + 1, quoted)
        tokens.append(token)
    result.tokens = tokens
    return result


def is_comment(line: Line) -> bool:
    return bool(line.tokens) and line.tokens[0].text.startswith("#") and not line.tokens[0].quoted
