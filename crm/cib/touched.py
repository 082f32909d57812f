"""What applying a patch touched, so that comparing the CIB before and after it (Pacemaker's
version rules) and diffing the two for the change subscribers look there only, instead of
walking the whole tree once more per write.

Elements are named by their path (:func:`crm.cib.document.element_path`, the same from one
copy of the CIB to the next): ``attributes`` are the elements whose attributes may have
changed, ``children`` those whose list of children may have changed (their subtrees are
compared whole).  An element that is none of these nor an ancestor of one is the same
before and after, and is not looked at.  Recording more than what changed only makes the
comparisons look at more (siblings that share a path, having no id, are all looked at);
recording less would be wrong, so whatever changes the tree other than
:func:`crm.cib.patchset.apply` and the ``<cib>`` attributes is compared in full (no
``Touched``).
"""

from __future__ import annotations

from lxml import etree

from crm.cib.document import _shallow_same, element_path, path_step, same_xml

__all__ = ["Touched"]

_NO_IGNORE: frozenset[str] = frozenset()


class Touched:
    def __init__(self) -> None:
        self.attributes: set[str] = set()
        self.children: set[str] = set()
        self.on_path: set[str] = set()  # the touched elements and their ancestors

    def __repr__(self) -> str:
        return f"Touched(attributes={sorted(self.attributes)}, children={sorted(self.children)})"

    def _note(self, node: etree._Element, into: set[str]) -> None:
        path = element_path(node)
        into.add(path)
        while path not in self.on_path:
            self.on_path.add(path)
            cut = path.rfind("/")
            if cut <= 0:
                break
            # cutting at a "/" inside an id gives a path no element has: harmless
            path = path[:cut]

    def attributes_of(self, node: etree._Element) -> None:
        self._note(node, self.attributes)

    def children_of(self, node: etree._Element) -> None:
        self._note(node, self.children)

    def update(self, other: Touched) -> None:
        self.attributes |= other.attributes
        self.children |= other.children
        self.on_path |= other.on_path

    def whole(self, path: str) -> bool:
        """Whether the element at ``path`` lies in a subtree compared whole."""
        return path in self.children or any(path.startswith(c + "/") for c in self.children)

    def same(
        self,
        a: etree._Element,
        b: etree._Element,
        *,
        ordered: bool = False,
        memo: dict[tuple[etree._Element, etree._Element], bool] | None = None,
        path: str | None = None,
    ) -> bool:
        """:func:`same_xml` of two versions of one element (``b``'s path is ``path``),
        looking only where this records a possible change."""
        if path is None:
            path = element_path(b)
        if memo is not None:
            known = memo.get((a, b))
            if known is not None:
                return known
        whole = self.whole(path)
        if whole:
            result = same_xml(a, b, ordered=ordered, memo=memo)
        elif path not in self.on_path:
            result = True
        elif not _shallow_same(a, b, _NO_IGNORE, ordered):
            result = False
        else:
            # the children are the same elements in the same order (no change to the list)
            result = True
            for x, y in zip(a, b, strict=True):
                if not isinstance(y.tag, str):
                    continue
                if not self.same(x, y, ordered=ordered, memo=memo, path=f"{path}/{path_step(y)}"):
                    result = False
                    break
        if memo is not None:
            memo[(a, b)] = result
        return result
