"""Parse Heartbeat v1 ``haresources``.

Grammar (as Heartbeat and haresources2cib.py accepted it): one logical line per resource
group, ``NODE RES1 [RES2 ...] [#ID | #clone:NAME]``; ``\\`` at the end of a line continues
it; blank lines and ``#`` comment lines are skipped (also inside a continuation), except
the directives ``#rsc_order FROM ACTION TYPE TO`` and ``#rsc_colocation FROM TO SCORE``.

``strict=False`` keeps the historical leniency: a one-field line is reported and skipped,
a directive with the wrong number of fields is read as a resource line whose node is
``#rsc_order``, and a ``#`` in the middle of a line is not a comment (``# web`` makes the
resources ``#`` and ``web``).  ``strict=True`` turns these into errors, or, for a trailing
``# comment``, drops the comment with a warning.
"""

from __future__ import annotations

from dataclasses import dataclass

from crm.migrate.diagnostics import Diagnostic, MigrationError, error, warning


@dataclass(frozen=True)
class ResourceToken:
    """One resource word: ``10.0.0.1/24``, ``httpd``, ``Filesystem::/dev/sda1::/srv::ext3``."""

    text: str
    type: str
    args: tuple[str, ...]
    ip_shorthand: bool = False
    dropped: tuple[str, ...] = ()

    @classmethod
    def parse(cls, text: str) -> ResourceToken:
        if "::" not in text:
            if len(text.split("/", 1)[0].split(".")) == 4:
                return cls(text, "IPaddr", (text,), ip_shorthand=True)
            return cls(text, text, ())
        parts = text.split("::")
        if parts[0].startswith("IPaddr"):
            return cls(text, parts[0], (parts[1],), dropped=tuple(parts[2:]))
        return cls(text, parts[0], tuple(parts[1:]))


@dataclass(frozen=True)
class ResourceLine:
    line: int
    text: str
    node: str
    resources: tuple[ResourceToken, ...]
    explicit_id: str | None = None
    clone: bool = False


@dataclass(frozen=True)
class OrderDirective:
    line: int
    first: str
    action: str
    kind: str
    then: str


@dataclass(frozen=True)
class ColocationDirective:
    line: int
    rsc: str
    with_rsc: str
    score: str


@dataclass(frozen=True)
class Unparsable:
    line: int
    text: str


Entry = ResourceLine | OrderDirective | ColocationDirective | Unparsable


@dataclass(frozen=True)
class Haresources:
    file: str
    entries: tuple[Entry, ...]
    warnings: tuple[Diagnostic, ...] = ()


def logical_lines(text: str, *, file: str = "haresources", strict: bool = True) -> list[tuple[int, str]]:
    """Join continuations; return ``(first line number, stripped logical line)`` pairs."""
    result: list[tuple[int, str]] = []
    buffer = ""
    start = 0
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#") and not line.startswith(("#rsc_order", "#rsc_colocation")):
            continue
        if not buffer:
            start = number
        if line.endswith("\\"):
            buffer += line[:-1] + " "
            continue
        result.append((start, buffer + line))
        buffer = ""
    if buffer.strip():
        if strict:
            raise MigrationError([error(file, start, "file ends inside a '\\' continuation")])
        result.append((start, buffer.strip()))
    return result


def parse_haresources(text: str, *, file: str = "haresources", strict: bool = True) -> Haresources:
    errors: list[Diagnostic] = []
    warnings: list[Diagnostic] = []
    entries: list[Entry] = []
    for number, line in logical_lines(text, file=file, strict=strict):
        tokens = line.split()
        head = tokens[0]
        if head == "#rsc_order" and len(tokens) == 5:
            entries.append(OrderDirective(number, tokens[1], tokens[2], tokens[3], tokens[4]))
            continue
        if head == "#rsc_colocation" and len(tokens) == 4:
            entries.append(ColocationDirective(number, tokens[1], tokens[2], tokens[3]))
            continue
        if strict and head in ("#rsc_order", "#rsc_colocation"):
            wanted = "FROM ACTION TYPE TO" if head == "#rsc_order" else "FROM TO SCORE"
            errors.append(error(file, number, f"'{head}' needs exactly '{head} {wanted}', got {line!r}"))
            continue
        if strict:
            for index in range(1, len(tokens)):
                if tokens[index].startswith("#") and (tokens[index] == "#" or index < len(tokens) - 1):
                    comment = " ".join(tokens[index:])
                    warnings.append(
                        warning(
                            file,
                            number,
                            f"trailing comment {comment!r} ignored (Heartbeat and haresources2cib.py "
                            "read such words as resources)",
                        )
                    )
                    tokens = tokens[:index]
                    break
        explicit_id: str | None = None
        clone = False
        if len(tokens) > 1 and tokens[-1].startswith("#"):
            explicit_id = tokens[-1][1:]
            tokens = tokens[:-1]
            if explicit_id.startswith("clone:"):
                clone = True
                explicit_id = explicit_id[len("clone:") :] or None
            elif strict and not explicit_id:
                errors.append(error(file, number, "empty '#' id"))
                continue
        if len(tokens) < 2:
            if strict:
                errors.append(error(file, number, f"needs a node name and at least one resource: {line!r}"))
            else:
                entries.append(Unparsable(number, line))
            continue
        resources = tuple(ResourceToken.parse(token) for token in tokens[1:])
        if strict:
            for resource in resources:
                if resource.dropped:
                    warnings.append(
                        warning(
                            file,
                            number,
                            f"{resource.text}: only the first '::' argument of {resource.type} is used; "
                            f"ignored {'::'.join(resource.dropped)!r}",
                        )
                    )
                if not resource.type:
                    errors.append(error(file, number, f"{resource.text!r}: empty resource type"))
        entries.append(ResourceLine(number, line, tokens[0], resources, explicit_id, clone))
    if errors:
        raise MigrationError(errors)
    return Haresources(file, tuple(entries), tuple(warnings))
