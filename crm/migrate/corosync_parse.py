"""A strict reader for corosync.conf, used to check what we generate.

It follows corosync's own parser where it matters: ``name {`` opens a section and nothing
may follow the brace on that line, ``}`` closes it alone on its line, ``key: value`` pairs,
``#`` comment lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class CorosyncParseError(ValueError):
    pass


@dataclass
class Section:
    name: str
    values: dict[str, str] = field(default_factory=dict)
    sections: list[Section] = field(default_factory=list)

    def section(self, name: str) -> Section:
        found = self.all(name)
        if len(found) != 1:
            raise KeyError(f"{len(found)} sections named {name!r} in {self.name or 'top level'}")
        return found[0]

    def all(self, name: str) -> list[Section]:
        return [s for s in self.sections if s.name == name]


def parse_corosync_conf(text: str) -> Section:
    root = Section("")
    stack = [root]
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if "{" in line:
            name, _, rest = line.partition("{")
            if rest.strip():
                raise CorosyncParseError(f"line {number}: nothing may follow '{{' on the same line")
            if not name.strip() or " " in name.strip():
                raise CorosyncParseError(f"line {number}: bad section name {name.strip()!r}")
            section = Section(name.strip())
            stack[-1].sections.append(section)
            stack.append(section)
        elif line == "}":
            if len(stack) == 1:
                raise CorosyncParseError(f"line {number}: '}}' without an open section")
            stack.pop()
        elif ":" in line:
            key, _, value = line.partition(":")
            key, value = key.strip(), value.strip()
            if not key or not value:
                raise CorosyncParseError(f"line {number}: expected 'key: value'")
            if key in stack[-1].values:
                raise CorosyncParseError(f"line {number}: {key!r} given twice")
            stack[-1].values[key] = value
        else:
            raise CorosyncParseError(f"line {number}: expected 'key: value', 'name {{' or '}}'")
    if len(stack) != 1:
        raise CorosyncParseError(f"section {stack[-1].name!r} is not closed")
    return root
