"""Pacemaker's operation digests, as pure functions (lrmd records them, the scheduler compares).

Pacemaker records three digests on each ``lrm_rsc_op`` so that the scheduler can
tell whether a resource's parameters changed since the operation ran:

* ``op-digest``: every parameter of the operation, minus all ``CRM_meta_*``
  attributes (case-insensitive prefix), ``id``, ``crm_feature_set``, ``op-digest``,
  ``on_node``, ``on_node_uuid`` and ``pcmk_external_ip``; a *recurring* operation
  keeps ``CRM_meta_timeout`` (``pcmk__filter_op_for_digest``).
* ``op-restart-digest`` with the ``op-force-restart`` list: only the parameters that
  cannot be reloaded (for an OCF 1.1 agent with ``reload-agent``: those not marked
  ``reloadable``; for an older agent with ``reload``: those marked ``unique``).
  Not recorded for recurring operations nor for agents without reload.
* ``op-secure-digest`` with ``op-secure-params``: the ``op-digest`` parameters minus
  the private ones (``password``, ``passwd``, ``user`` or ``private="1"``).

The digest is the MD5 of Pacemaker's v1 XML text of a ``<parameters>`` element
whose attributes are sorted by name: ``' <parameters a="1" b="2"/>\\n'``, with
attribute values escaped by ``crm_xml_escape`` (including its quirks).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

CRM_META = "CRM_meta"
_FILTERED_ATTRS = frozenset(
    {"id", "crm_feature_set", "op-digest", "on_node", "on_node_uuid", "pcmk_external_ip"}
)
PRIVATE_PARAM_NAMES = ("password", "passwd", "user")


def _escape(text: str) -> str:
    """Pacemaker 2.1's ``crm_xml_escape`` applied to a UTF-8 string.

    Works on bytes as the C code does: stops escaping at the first pair of bytes
    with the high bit set (a multi-byte UTF-8 character), turns tab into four
    spaces, newline and carriage return into ``\\n`` / ``\\r``, and other
    non-printing bytes into a backslash and three octal digits of the *signed*
    char value.
    """
    data = text.encode("utf-8")
    out = bytearray()
    index = 0
    length = len(data)
    while index < length:
        byte = data[index]
        nxt = data[index + 1] if index + 1 < length else 0
        if byte & 0x80 and nxt & 0x80:
            out += data[index:]
            break
        if byte == ord("<"):
            out += b"&lt;"
        elif byte == ord(">"):
            out += b"&gt;"
        elif byte == ord('"'):
            out += b"&quot;"
        elif byte == ord("'"):
            out += b"&apos;"
        elif byte == ord("&"):
            out += b"&amp;"
        elif byte == ord("\t"):
            out += b"    "
        elif byte == ord("\n"):
            out += b"\\n"
        elif byte == ord("\r"):
            out += b"\\r"
        elif byte < 0x20 or byte > 0x7E:
            signed = byte - 256 if byte & 0x80 else byte
            out += ("\\%.3o" % (signed & 0xFFFFFFFF)).encode()
        else:
            out.append(byte)
        index += 1
    return out.decode("utf-8", errors="surrogateescape")


def parameters_text(params: Mapping[str, str]) -> str:
    """Pacemaker's digest input text for a ``<parameters>`` element."""
    attrs = "".join(
        f' {name}="{_escape(value)}"' for name, value in sorted(params.items(), key=lambda kv: kv[0].encode())
    )
    return f" <parameters{attrs}/>\n"


def xml_digest(params: Mapping[str, str]) -> str:
    """MD5 (hex) of the sorted ``<parameters>`` text."""
    return hashlib.md5(parameters_text(params).encode("utf-8", errors="surrogateescape")).hexdigest()


def _interval_ms(params: Mapping[str, str]) -> int:
    raw = params.get(f"{CRM_META}_interval")
    if raw is None:
        return 0
    try:
        return int(raw.strip())
    except ValueError:
        return 0


def filter_for_digest(params: Mapping[str, str]) -> dict[str, str]:
    """``pcmk__filter_op_for_digest``: the parameters that enter ``op-digest``."""
    interval = _interval_ms(params)
    timeout_key = f"{CRM_META}_timeout"
    timeout = params.get(timeout_key) if interval != 0 else None
    kept = {
        name: value
        for name, value in params.items()
        if name not in _FILTERED_ATTRS and name[: len(CRM_META)].lower() != CRM_META.lower()
    }
    if interval != 0 and timeout is not None:
        kept[timeout_key] = timeout
    return kept


def op_digest(params: Mapping[str, str]) -> str:
    """``op-digest`` of an operation given all its parameters (``CRM_meta_*`` included)."""
    return xml_digest(filter_for_digest(params))


def param_list_text(names: Iterable[str]) -> str:
    """Pacemaker 2.1's list format for ``op-force-restart``/``op-secure-params``: ``"  a b  "``."""
    return "  " + " ".join(names) + "  "


@dataclass(frozen=True)
class ParamSpec:
    """What the digests need to know about one meta-data parameter."""

    name: str
    unique: bool = False
    reloadable: bool = False
    private: bool = False


@dataclass(frozen=True)
class ReloadKind:
    """How an agent reloads: ``reload-agent`` (OCF 1.1), legacy ``reload``, or not at all."""

    agent: bool
    legacy: bool


@dataclass(frozen=True)
class RestartDigest:
    force_restart: str
    digest: str


@dataclass(frozen=True)
class SecureDigest:
    secure_params: str
    digest: str


def restart_digest(
    params: Mapping[str, str], specs: Iterable[ParamSpec], reload: ReloadKind, interval_ms: int = 0
) -> RestartDigest | None:
    """``op-force-restart`` and ``op-restart-digest``, or None when not recorded.

    Only the listed parameters that the operation actually has enter the digest.
    """
    if interval_ms > 0:
        return None
    if reload.agent:
        names = [spec.name for spec in specs if not spec.reloadable]
    elif reload.legacy:
        names = [spec.name for spec in specs if spec.unique]
    else:
        return None
    chosen = {name: params[name] for name in names if name in params}
    listed = param_list_text(names) if names else ""
    return RestartDigest(listed, xml_digest(chosen))


def secure_digest(params: Mapping[str, str], specs: Iterable[ParamSpec]) -> SecureDigest | None:
    """``op-secure-params`` and ``op-secure-digest``, or None without private parameters."""
    private = [spec.name for spec in specs if spec.private]
    if not private:
        return None
    kept = filter_for_digest(params)
    for name in private:
        kept.pop(name, None)
    return SecureDigest(param_list_text(private), xml_digest(kept))


def _version(text: str) -> tuple[int, ...]:
    parts: list[int] = []
    for piece in text.split("."):
        if not piece.isdigit():
            break
        parts.append(int(piece))
    return tuple(parts)


_STONITH_PARAMS = frozenset(
    {
        "pcmk_action_limit",
        "pcmk_delay_base",
        "pcmk_delay_max",
        "pcmk_host_argument",
        "pcmk_host_check",
        "pcmk_host_list",
        "pcmk_host_map",
    }
)


def is_stonith_param(name: str) -> bool:
    """Pacemaker's ``pcmk_stonith_param``: fencer-level options of a fence device."""
    if name in ("provides", "stonith-timeout"):
        return True
    if not name.startswith("pcmk_"):
        return False
    if name in _STONITH_PARAMS:
        return True
    rest = name[len("pcmk_") :]
    index = rest.find("_")
    return index >= 0 and rest[index:] in ("_action", "_timeout", "_retries")


def secure_digest_from_list(
    params: Mapping[str, str], secure_list: str, feature_set: str = "3.16.0", agent_class: str = "ocf"
) -> str:
    """The scheduler's side: remove the names in a recorded ``op-secure-params`` list.

    Records made before feature set 3.16.0 computed the secure digest without
    ``CRM_meta_timeout``, as Pacemaker's ``calculate_secure_digest`` still allows.
    Fence devices' own ``pcmk_*`` options never enter it.
    """
    kept = filter_for_digest(params)
    for name in secure_list.split():
        kept.pop(name, None)
    if agent_class == "stonith":
        for name in [n for n in kept if is_stonith_param(n)]:
            del kept[name]
    if _version(feature_set) < (3, 16, 0):
        kept.pop(f"{CRM_META}_timeout", None)
    return xml_digest(kept)


def restart_digest_from_list(params: Mapping[str, str], force_restart: str) -> str:
    """The scheduler's side: keep only the names in a recorded ``op-force-restart`` list."""
    names = force_restart.split()
    return xml_digest({name: params[name] for name in names if name in params})
