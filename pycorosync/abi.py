"""What pycorosync assumes about the Corosync 3 ABI, for checking against the real headers
(``tests/pycorosync/test_abi_guard.py`` does it with gcc).

- :data:`TYPES`: declared struct/typedef -> its declared fields; :func:`layout` gives the
  ``sizeof``/``offsetof`` cffi computes for them.
- :data:`ENUMS`: declared enum types; :func:`enum_values` gives every enumerator's value.
- :data:`CONSTANTS`: ``#define`` values mirrored in Python.
- :data:`FUNCTIONS`, :data:`CALLBACK_TYPEDEFS`: C declarations that must compile after the
  real headers (``HEADERS``) without "conflicting types".
- :data:`SONAMES`: the shared objects loaded.
"""

from __future__ import annotations

from pycorosync._cdef import ABI_CONSTANTS as CONSTANTS
from pycorosync._cdef import ABI_ENUMS as ENUMS
from pycorosync._cdef import ABI_TYPES as TYPES
from pycorosync._cdef import CALLBACK_TYPEDEFS, CDEF, FUNCTIONS, HEADERS, SONAMES
from pycorosync._ffi import abi_enums, abi_layout, available

__all__ = [
    "CALLBACK_TYPEDEFS",
    "CDEF",
    "CONSTANTS",
    "ENUMS",
    "FUNCTIONS",
    "HEADERS",
    "SONAMES",
    "TYPES",
    "available",
    "enum_values",
    "layout",
]


def layout() -> dict[str, tuple[int, dict[str, int]]]:
    """``{type: (sizeof, {field: offsetof})}`` for every entry of :data:`TYPES`."""
    return abi_layout()


def enum_values() -> dict[str, int]:
    """``{enumerator: value}`` for every enum type in :data:`ENUMS`."""
    return abi_enums(ENUMS)
