"""The cffi FFI object (ABI mode) and lazy loading of the Corosync client libraries.

Importing this module never touches the libraries: ``load(name)`` dlopen()s a library by
soname the first time a handle needs it, and raises :class:`CorosyncUnavailable` if the
library cannot be loaded.
"""

from __future__ import annotations

import threading
from typing import Any

import cffi

from pycorosync._cdef import ABI_TYPES, CDEF, SONAMES
from pycorosync.errors import CorosyncUnavailable

ffi = cffi.FFI()
ffi.cdef(CDEF)

_libs: dict[str, Any] = {}
_lock = threading.Lock()


def load(name: str) -> Any:
    """Return the dlopen()ed library ``name`` (``cpg``, ``quorum``, ``votequorum``, ``cmap``,
    ``cfg`` or ``c``), loading it on first use."""
    lib = _libs.get(name)
    if lib is not None:
        return lib
    with _lock:
        lib = _libs.get(name)
        if lib is not None:
            return lib
        soname = "libc.so.6" if name == "c" else SONAMES[name]
        try:
            lib = ffi.dlopen(soname)
        except OSError as exc:
            raise CorosyncUnavailable(
                f"cannot load {soname} ({exc}); install Corosync 3's client libraries "
                f"(Debian: apt-get install corosync, or lib{name}{soname.rsplit('.', 1)[-1]})",
                soname=soname,
            ) from exc
        _libs[name] = lib
        return lib


def available() -> dict[str, bool]:
    """Which of the client libraries can be loaded (loads them as a side effect)."""
    result = {}
    for name in SONAMES:
        try:
            load(name)
        except CorosyncUnavailable:
            result[name] = False
        else:
            result[name] = True
    return result


def abi_layout() -> dict[str, tuple[int, dict[str, int]]]:
    """``{type: (sizeof, {field: offsetof})}`` of every declared struct/typedef in
    :data:`pycorosync._cdef.ABI_TYPES`, as this (ABI-mode) FFI computes them."""
    layout: dict[str, tuple[int, dict[str, int]]] = {}
    for ctype, fields in ABI_TYPES.items():
        layout[ctype] = (ffi.sizeof(ctype), {f: ffi.offsetof(ctype, f) for f in fields})
    return layout


def abi_enums(names: tuple[str, ...]) -> dict[str, int]:
    """``{enumerator: value}`` of the given declared enum types."""
    values: dict[str, int] = {}
    for name in names:
        values.update(ffi.typeof(name).relements)
    return values


def buffer_bytes(ptr: Any, length: int) -> bytes:
    """Copy ``length`` bytes at ``ptr`` (a cdata pointer) into a new ``bytes``."""
    if length <= 0 or ptr == ffi.NULL:
        return b""
    return bytes(ffi.buffer(ffi.cast("const char *", ptr), length))
