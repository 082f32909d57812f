"""Seeded random damage to real CIBs, for differential tests of schema refusal.

``damaged(seed)`` takes one of Pacemaker's public scheduler inputs
(``tests/conformance/data/xml``) and applies one to three damages, chosen at random:

* an attribute value set to garbage (empty, words, numbers out of range, odd spellings);
* an attribute removed;
* an element removed;
* an element moved under another element;
* an element duplicated (ids then collide), or renamed;
* ``validate-with`` changed (another version, ``none``, unknown, removed, other case).

Damages land in the configuration three times out of four (the status section is large and
Pacemaker's schema accepts almost anything there).  The same seed always gives the same
document.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

INPUTS = Path(__file__).resolve().parents[1] / "conformance" / "data" / "xml"

GARBAGE = (
    "",
    "garbage",
    "-1",
    "0",
    "1.5",
    "abc def",
    "INFINITY",
    "-INFINITY",
    "+inf",
    "yes",
    "no",
    "Started",
    "master",
    "99999999999999999999",
    "10s",
    "P1D",
    "2023-13-45",
    "start",
    "#uname",
    "a&b<c>",
    "\u00e9t\u00e9",
)
VALIDATE_WITH = (
    "pacemaker-1.0",
    "pacemaker-1.2",
    "pacemaker-1.3",
    "pacemaker-2.0",
    "pacemaker-2.5",
    "pacemaker-2.10",
    "pacemaker-3.0",
    "pacemaker-3.5",
    "pacemaker-3.9",
    "pacemaker-4.0",
    "pacemaker-next",
    "none",
    "PACEMAKER-3.7",
    "Pacemaker-3.0",
    "pacemaker-0.6",
    "transitional-0.6",
    "garbage",
    "",
)


@dataclass(frozen=True)
class Damaged:
    seed: int
    source: str
    """The input's file name."""
    changes: tuple[str, ...]
    """What was done, one line per damage."""
    text: bytes


def inputs() -> list[Path]:
    return sorted(INPUTS.glob("*.xml"))


def _elements(root: etree._Element, rng: random.Random) -> list[etree._Element]:
    everything = [e for e in root.iter() if isinstance(e.tag, str)]
    configuration = root.find("configuration")
    if configuration is not None and rng.random() < 0.75:
        return [e for e in configuration.iter() if isinstance(e.tag, str)]
    return everything


def _describe(element: etree._Element) -> str:
    return str(element.getroottree().getpath(element))


def _garbage_value(root: etree._Element, rng: random.Random) -> str | None:
    candidates = [e for e in _elements(root, rng) if len(e.attrib)]
    if not candidates:
        return None
    element = rng.choice(candidates)
    name = rng.choice(sorted(str(k) for k in element.attrib))
    value = rng.choice(GARBAGE)
    if rng.random() < 0.2:  # another id of the document, or another value of this attribute
        ids = [str(e.get("id")) for e in root.iter() if isinstance(e.tag, str) and e.get("id")]
        value = rng.choice(ids) if ids else value
    element.set(name, value)
    return f"{_describe(element)}/@{name} = {value!r}"


def _remove_attribute(root: etree._Element, rng: random.Random) -> str | None:
    candidates = [e for e in _elements(root, rng) if len(e.attrib) and e is not root]
    if not candidates:
        return None
    element = rng.choice(candidates)
    name = rng.choice(sorted(str(k) for k in element.attrib))
    del element.attrib[name]
    return f"removed {_describe(element)}/@{name}"


def _remove_element(root: etree._Element, rng: random.Random) -> str | None:
    candidates = [e for e in _elements(root, rng) if e is not root]
    if not candidates:
        return None
    element = rng.choice(candidates)
    where = _describe(element)
    parent = element.getparent()
    assert parent is not None
    parent.remove(element)
    return f"removed {where}"


def _move_element(root: etree._Element, rng: random.Random) -> str | None:
    pool = [e for e in _elements(root, rng) if e is not root]
    if len(pool) < 2:
        return None
    element = rng.choice(pool)
    targets = [e for e in [*pool, root] if e is not element and element not in e.iterancestors()]
    targets = [t for t in targets if t is not element.getparent()]
    if not targets:
        return None
    target = rng.choice(targets)
    where = _describe(element)
    target.insert(rng.randint(0, len(target)), element)
    return f"moved {where} under {_describe(target)}"


def _duplicate_element(root: etree._Element, rng: random.Random) -> str | None:
    pool = [e for e in _elements(root, rng) if e is not root and e.getparent() is not None]
    if not pool:
        return None
    element = rng.choice(pool)
    parent = element.getparent()
    assert parent is not None
    copy = etree.fromstring(etree.tostring(element))
    copy.tail = None
    parent.insert(parent.index(element) + 1, copy)
    return f"duplicated {_describe(element)}"


def _rename_element(root: etree._Element, rng: random.Random) -> str | None:
    pool = [e for e in _elements(root, rng) if e is not root]
    if not pool:
        return None
    element = rng.choice(pool)
    where = _describe(element)
    tags = sorted({str(e.tag) for e in root.iter() if isinstance(e.tag, str)} | {"attributes", "foo"})
    element.tag = rng.choice(tags)
    return f"renamed {where} to {element.tag}"


def _validate_with(root: etree._Element, rng: random.Random) -> str | None:
    if rng.random() < 0.15:
        if root.get("validate-with") is not None:
            del root.attrib["validate-with"]
        return "removed validate-with"
    value = rng.choice(VALIDATE_WITH)
    root.set("validate-with", value)
    return f"validate-with = {value!r}"


Damage = Callable[[etree._Element, random.Random], str | None]
DAMAGES: tuple[tuple[Damage, int], ...] = (
    (_garbage_value, 30),
    (_remove_attribute, 20),
    (_remove_element, 15),
    (_move_element, 15),
    (_duplicate_element, 6),
    (_rename_element, 6),
    (_validate_with, 8),
)


def damaged(seed: int, sources: list[Path] | None = None) -> Damaged:
    """The input and damages chosen by ``seed``."""
    rng = random.Random(seed)
    pool = sources if sources is not None else inputs()
    source = rng.choice(pool)
    root = etree.parse(str(source)).getroot()
    changes: list[str] = []
    for _ in range(rng.choice((1, 1, 1, 2, 2, 3))):
        kinds = [d for d, _ in DAMAGES]
        weights = [w for _, w in DAMAGES]
        for _attempt in range(5):
            change = rng.choices(kinds, weights)[0](root, rng)
            if change is not None:
                changes.append(change)
                break
    text = etree.tostring(root, encoding="UTF-8", xml_declaration=False)
    return Damaged(seed=seed, source=source.name, changes=tuple(changes), text=text)
