"""Typed XPath helpers (lxml's ``xpath`` returns a union of everything)."""

from __future__ import annotations

from lxml import etree

__all__ = ["xp", "xs"]


def xp(elem: etree._Element, path: str, **variables: str) -> list[etree._Element]:
    """The elements ``path`` selects."""
    result = elem.xpath(path, **variables)  # type: ignore[arg-type]
    return [e for e in result if isinstance(e, etree._Element)] if isinstance(result, list) else []


def xs(elem: etree._Element, path: str, **variables: str) -> list[str]:
    """The strings (attribute values) ``path`` selects."""
    result = elem.xpath(path, **variables)  # type: ignore[arg-type]
    return [str(e) for e in result] if isinstance(result, list) else []
