"""Pacemaker's node list order (``sort_node_uname``): the scheduler keeps its node list sorted
by name, runs of digits compared as numbers, other characters case-insensitively."""

from __future__ import annotations

import functools


def _digits_end(name: str, start: int) -> int:
    end = start
    while end < len(name) and name[end].isdigit():
        end += 1
    return end


def compare_unames(a: str, b: str) -> int:
    """``sort_node_uname``: negative, zero or positive like ``strcmp``."""
    i = j = 0
    while i < len(a) and j < len(b):
        if a[i].isdigit() and b[j].isdigit():
            end_a, end_b = _digits_end(a, i), _digits_end(b, j)
            num_a, num_b = int(a[i:end_a]), int(b[j:end_b])
            if num_a != num_b:
                return -1 if num_a < num_b else 1
            len_a, len_b = end_a - i, end_b - j
            if len_a != len_b:  # "007" after "7"
                return -1 if len_a < len_b else 1
            i, j = end_a, end_b
            continue
        ca, cb = a[i].lower(), b[j].lower()
        if ca != cb:
            return -1 if ca < cb else 1
        i += 1
        j += 1
    if i >= len(a) and j < len(b):
        return -1
    if i < len(a) and j >= len(b):
        return 1
    return 0


uname_sort_key = functools.cmp_to_key(compare_unames)


def sorted_unames(names: list[str]) -> list[str]:
    """``names`` in the scheduler's node order (a stable sort: equal names keep their order)."""
    return sorted(names, key=uname_sort_key)
