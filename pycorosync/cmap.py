"""The configuration and statistics map (``libcmap.so.4``)."""

from __future__ import annotations

import enum
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from pycorosync._cdef import ABI_CONSTANTS
from pycorosync._ffi import buffer_bytes, ffi, load
from pycorosync._handle import Handle
from pycorosync.errors import CsError

CMAP_KEYNAME_MAXLEN = ABI_CONSTANTS["CMAP_KEYNAME_MAXLEN"]

CmapScalar = int | float | str | bytes


class CmapType(enum.IntEnum):
    """``cmap_value_types_t``."""

    INT8 = 1
    UINT8 = 2
    INT16 = 3
    UINT16 = 4
    INT32 = 5
    UINT32 = 6
    INT64 = 7
    UINT64 = 8
    FLOAT = 9
    DOUBLE = 10
    STRING = 11
    BINARY = 12


class CmapMap(enum.IntEnum):
    """``cmap_map_t``: the configuration map or the statistics map."""

    DEFAULT = 0
    STATS = 1


class TrackType(enum.IntFlag):
    """``CMAP_TRACK_*``: which changes a track reports; ``PREFIX`` tracks every key under it."""

    DELETE = ABI_CONSTANTS["CMAP_TRACK_DELETE"]
    MODIFY = ABI_CONSTANTS["CMAP_TRACK_MODIFY"]
    ADD = ABI_CONSTANTS["CMAP_TRACK_ADD"]
    PREFIX = ABI_CONSTANTS["CMAP_TRACK_PREFIX"]


#: native struct formats of the numeric types
_FORMATS: dict[CmapType, str] = {
    CmapType.INT8: "=b", CmapType.UINT8: "=B", CmapType.INT16: "=h", CmapType.UINT16: "=H",
    CmapType.INT32: "=i", CmapType.UINT32: "=I", CmapType.INT64: "=q", CmapType.UINT64: "=Q",
    CmapType.FLOAT: "=f", CmapType.DOUBLE: "=d",
}


def decode_value(ctype: int, raw: bytes) -> CmapScalar:
    """A raw cmap value of type ``ctype`` as a Python value (strings lose their NUL)."""
    t = CmapType(ctype)
    if t is CmapType.STRING:
        return raw.split(b"\0", 1)[0].decode("utf-8", "surrogateescape")
    if t is CmapType.BINARY:
        return raw
    return struct.unpack(_FORMATS[t], raw[: struct.calcsize(_FORMATS[t])])[0]  # type: ignore[no-any-return]


def encode_value(ctype: int, value: CmapScalar) -> bytes:
    """The raw bytes ``cmap_set`` takes for ``value`` as type ``ctype``."""
    t = CmapType(ctype)
    if t is CmapType.STRING:
        text = value.encode("utf-8", "surrogateescape") if isinstance(value, str) else bytes(value)  # type: ignore[arg-type]
        return text + b"\0"
    if t is CmapType.BINARY:
        return value.encode() if isinstance(value, str) else bytes(value)  # type: ignore[arg-type]
    return struct.pack(_FORMATS[t], value)


@dataclass(frozen=True, slots=True)
class CmapKey:
    """An entry of :meth:`Cmap.iterate`."""

    key: str
    value_len: int
    type: CmapType


@dataclass(frozen=True, slots=True)
class CmapValue:
    """A typed value in a :class:`CmapTrackEvent`."""

    type: CmapType
    value: CmapScalar


@dataclass(frozen=True, slots=True)
class CmapTrackEvent:
    """A tracked key was added, modified or deleted (``event`` is one ``TrackType`` flag)."""

    track_handle: int
    event: TrackType
    key: str
    new_value: CmapValue | None
    old_value: CmapValue | None


CmapEvent = CmapTrackEvent


def _notify_value(value: Any) -> CmapValue | None:
    try:
        ctype = CmapType(int(value.type))
    except ValueError:
        return None
    if value.data == ffi.NULL:
        return None
    return CmapValue(ctype, decode_value(ctype, buffer_bytes(value.data, int(value.len))))


def _on_notify(
    handle: int, track_handle: int, event: int, key_name: Any, new_value: Any, old_value: Any, _user_data: Any
) -> None:
    cmap = Cmap._lookup(handle)
    if cmap is None:
        return
    try:
        ev = CmapTrackEvent(
            int(track_handle),
            TrackType(int(event)),
            ffi.string(key_name).decode("utf-8", "surrogateescape"),
            _notify_value(new_value),
            _notify_value(old_value),
        )
    except BaseException as exc:
        cmap._callback_failed(exc)
        return
    cmap._deliver_track_event(ev)


def _ignore_error(*_exc: object) -> None:
    return None


_NOTIFY_CB = ffi.callback("cmap_notify_fn_t", _on_notify, onerror=_ignore_error)


def _key(key: str) -> bytes:
    return key.encode("utf-8", "surrogateescape")


class Cmap(Handle[CmapEvent]):
    """A cmap connection (``cmap_initialize_map``)."""

    _LIB = "cmap"
    _PREFIX = "cmap_"

    def __init__(self, map: CmapMap = CmapMap.DEFAULT) -> None:
        super().__init__()
        self._tracks: dict[int, Callable[[CmapTrackEvent], object] | None] = {}
        handle = ffi.new("cmap_handle_t *")
        self._open_call("cmap_initialize_map", handle, int(map))
        self._opened(handle[0])

    # ------------------------------------------------------------------ get
    def get_with_type(self, key: str) -> tuple[CmapScalar, CmapType]:
        """The value of ``key`` and its type.  Raises :class:`NotExist` if there is none."""
        k = _key(key)
        length = ffi.new("size_t *")
        ctype = ffi.new("cmap_value_types_t *")
        self._call("cmap_get", k, ffi.NULL, length, ctype)
        # the value may change size between the two calls: retry a few times
        for _ in range(5):
            size = int(length[0])
            buf = ffi.new("char[]", max(1, size))
            self._call("cmap_get", k, buf, length, ctype)
            if int(length[0]) <= size:
                t = CmapType(int(ctype[0]))
                return decode_value(t, bytes(ffi.buffer(buf, int(length[0])))), t
        raise self._failed(CsError.ERR_TRY_AGAIN, "cmap_get")

    def get(self, key: str) -> CmapScalar:
        """The value of ``key`` as ``int``, ``float``, ``str`` or ``bytes`` (binary)."""
        return self.get_with_type(key)[0]

    def _get_scalar(self, fn: str, ctype: str, key: str) -> Any:
        out = ffi.new(ctype + " *")
        self._call(fn, _key(key), out)
        return out[0]

    def get_int8(self, key: str) -> int:
        return int(self._get_scalar("cmap_get_int8", "int8_t", key))

    def get_uint8(self, key: str) -> int:
        return int(self._get_scalar("cmap_get_uint8", "uint8_t", key))

    def get_int16(self, key: str) -> int:
        return int(self._get_scalar("cmap_get_int16", "int16_t", key))

    def get_uint16(self, key: str) -> int:
        return int(self._get_scalar("cmap_get_uint16", "uint16_t", key))

    def get_int32(self, key: str) -> int:
        return int(self._get_scalar("cmap_get_int32", "int32_t", key))

    def get_uint32(self, key: str) -> int:
        return int(self._get_scalar("cmap_get_uint32", "uint32_t", key))

    def get_int64(self, key: str) -> int:
        return int(self._get_scalar("cmap_get_int64", "int64_t", key))

    def get_uint64(self, key: str) -> int:
        return int(self._get_scalar("cmap_get_uint64", "uint64_t", key))

    def get_float(self, key: str) -> float:
        return float(self._get_scalar("cmap_get_float", "float", key))

    def get_double(self, key: str) -> float:
        return float(self._get_scalar("cmap_get_double", "double", key))

    def get_string(self, key: str) -> str:
        """A string value (``cmap_get_string``; the C string is freed here)."""
        out = ffi.new("char **")
        self._call("cmap_get_string", _key(key), out)
        try:
            return ffi.string(out[0]).decode("utf-8", "surrogateescape")
        finally:
            load("c").free(out[0])

    # ------------------------------------------------------------------ set
    def set(self, key: str, value: CmapScalar, type: CmapType) -> None:
        """Set ``key`` to ``value`` stored as ``type`` (creates the key)."""
        raw = encode_value(type, value)
        self._call("cmap_set", _key(key), raw, len(raw), int(type))

    def set_int8(self, key: str, value: int) -> None:
        self._call("cmap_set_int8", _key(key), value)

    def set_uint8(self, key: str, value: int) -> None:
        self._call("cmap_set_uint8", _key(key), value)

    def set_int16(self, key: str, value: int) -> None:
        self._call("cmap_set_int16", _key(key), value)

    def set_uint16(self, key: str, value: int) -> None:
        self._call("cmap_set_uint16", _key(key), value)

    def set_int32(self, key: str, value: int) -> None:
        self._call("cmap_set_int32", _key(key), value)

    def set_uint32(self, key: str, value: int) -> None:
        self._call("cmap_set_uint32", _key(key), value)

    def set_int64(self, key: str, value: int) -> None:
        self._call("cmap_set_int64", _key(key), value)

    def set_uint64(self, key: str, value: int) -> None:
        self._call("cmap_set_uint64", _key(key), value)

    def set_float(self, key: str, value: float) -> None:
        self._call("cmap_set_float", _key(key), value)

    def set_double(self, key: str, value: float) -> None:
        self._call("cmap_set_double", _key(key), value)

    def set_string(self, key: str, value: str) -> None:
        self._call("cmap_set_string", _key(key), value.encode("utf-8", "surrogateescape"))

    def delete(self, key: str) -> None:
        self._call("cmap_delete", _key(key))

    def inc(self, key: str) -> None:
        """Increment an integer key."""
        self._call("cmap_inc", _key(key))

    def dec(self, key: str) -> None:
        """Decrement an integer key."""
        self._call("cmap_dec", _key(key))

    # ------------------------------------------------------------------ iterate
    def iterate(self, prefix: str = "") -> Iterator[CmapKey]:
        """Every key starting with ``prefix`` (``cmap_iter_init/next/finalize``)."""
        iteration = ffi.new("cmap_iter_handle_t *")
        self._call("cmap_iter_init", _key(prefix) if prefix else ffi.NULL, iteration)
        name = ffi.new("char[]", CMAP_KEYNAME_MAXLEN + 1)
        length = ffi.new("size_t *")
        ctype = ffi.new("cmap_value_types_t *")
        try:
            while True:
                self._check_usable("cmap_iter_next")
                rc = self._lib.cmap_iter_next(self._handle, iteration[0], name, length, ctype)
                if rc == CsError.ERR_NO_SECTIONS:
                    return
                if rc != CsError.OK:
                    raise self._failed(rc, "cmap_iter_next")
                yield CmapKey(ffi.string(name).decode("utf-8", "surrogateescape"), int(length[0]), CmapType(int(ctype[0])))
        finally:
            if not self._closed:
                self._lib.cmap_iter_finalize(self._handle, iteration[0])

    def items(self, prefix: str = "") -> Iterator[tuple[str, CmapScalar]]:
        """``(key, value)`` for every key starting with ``prefix`` (keys deleted meanwhile are
        skipped)."""
        from pycorosync.errors import NotExist

        for entry in list(self.iterate(prefix)):
            try:
                yield entry.key, self.get(entry.key)
            except NotExist:
                continue

    # ------------------------------------------------------------------ track
    def track_add(
        self,
        key: str,
        callback: Callable[[CmapTrackEvent], object] | None = None,
        track_type: int = TrackType.ADD | TrackType.DELETE | TrackType.MODIFY,
        *,
        prefix: bool = False,
    ) -> int:
        """Report changes of ``key`` (or, with ``prefix``, of every key under it) as
        :class:`CmapTrackEvent` to ``callback`` and the event streams, on dispatch.  Returns
        the track handle for :meth:`track_delete`."""
        flags = int(track_type) | (TrackType.PREFIX if prefix else 0)
        track = ffi.new("cmap_track_handle_t *")
        self._call("cmap_track_add", _key(key), flags, _NOTIFY_CB, ffi.NULL, track)
        self._tracks[int(track[0])] = callback
        return int(track[0])

    def track_delete(self, track_handle: int) -> None:
        self._tracks.pop(int(track_handle), None)
        self._call("cmap_track_delete", int(track_handle))

    def _deliver_track_event(self, event: CmapTrackEvent) -> None:
        callback = self._tracks.get(event.track_handle)
        if callback is not None:
            try:
                callback(event)
            except BaseException as exc:
                self._pending.append(exc)
        self._deliver_event(event)
