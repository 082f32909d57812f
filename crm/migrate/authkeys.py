"""Parse Heartbeat ``authkeys`` (``auth N`` + ``N method [key]`` lines)."""

from __future__ import annotations

import stat
from dataclasses import dataclass

from crm.migrate.diagnostics import Diagnostic, MigrationError, error

METHODS = ("crc", "md5", "sha1")


@dataclass(frozen=True)
class AuthKey:
    index: int
    method: str
    line: int


@dataclass(frozen=True)
class Authkeys:
    file: str
    active: AuthKey


def parse_authkeys(text: str, *, file: str = "authkeys", mode: int | None = None) -> Authkeys:
    """Validate authkeys like Heartbeat did; ``mode`` (st_mode) is checked when given.

    The secret itself is not kept: it is never carried over to Corosync.
    """
    errors: list[Diagnostic] = []
    if mode is not None and stat.S_IMODE(mode) & 0o077:
        errors.append(
            error(file, 0, f"permissions {stat.S_IMODE(mode):04o} let others read the cluster secret; "
                           "Heartbeat refused them too (chmod 600)")
        )
    active: tuple[int, int] | None = None
    keys: dict[int, AuthKey] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        tokens = line.split()
        if tokens[0] == "auth":
            if len(tokens) != 2 or not tokens[1].isdigit():
                errors.append(error(file, number, "'auth' needs one key number (auth 1)"))
            elif active is not None:
                errors.append(error(file, number, f"second 'auth' line (first on line {active[1]})"))
            else:
                active = (int(tokens[1]), number)
            continue
        if not tokens[0].isdigit():
            errors.append(error(file, number, f"expected 'auth N' or 'N method [key]', got {tokens[0]!r}"))
            continue
        index = int(tokens[0])
        if len(tokens) < 2:
            errors.append(error(file, number, f"key {index} has no method (crc, md5 or sha1)"))
            continue
        method = tokens[1].lower()
        if method not in METHODS:
            errors.append(error(file, number, f"unknown method {tokens[1]!r} (crc, md5 or sha1)"))
            continue
        if method != "crc" and len(tokens) < 3:
            errors.append(error(file, number, f"method {method} needs a key"))
            continue
        if index in keys:
            errors.append(error(file, number, f"key {index} defined twice (first on line {keys[index].line})"))
            continue
        keys[index] = AuthKey(index, method, number)
    if active is None and not errors:
        errors.append(error(file, 0, "no 'auth N' line"))
    elif active is not None and active[0] not in keys and not errors:
        errors.append(error(file, active[1], f"'auth {active[0]}' names a key that is not defined"))
    if errors or active is None:
        raise MigrationError(errors)
    return Authkeys(file, keys[active[0]])
