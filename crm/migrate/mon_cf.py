"""Read ``mon.cf`` (the mon monitoring daemon): host groups and the watches on them.

Only what decides how a real server is checked is kept: ``hostgroup NAME HOST...``
(hosts may continue on the following lines), and ``watch GROUP`` with its ``service``
entries: ``interval``, ``monitor`` (``http.monitor``/``https.monitor`` with ``-p PORT``,
``-u URL``, ``-t TIMEOUT``; ``tcp.monitor -p PORT``; ``ping.monitor``/``fping.monitor``),
``alertafter`` and the alert script names.  Global settings (``alertdir = ...``) and the
rest (``period``, ``alertevery``, ``description``...) are read and ignored.  Entries end at a
blank line, as in mon, but a new ``hostgroup`` or ``watch`` also starts a new entry (files
that lost their blank lines still read the same).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field

from crm.migrate.diagnostics import Diagnostic, MigrationError, error, warning

HTTP_MONITORS = {"http.monitor": "http", "https.monitor": "https"}
CONNECT_MONITORS = {"tcp.monitor"}
PING_MONITORS = {"ping.monitor", "fping.monitor"}


@dataclass(frozen=True)
class MonCheck:
    """How mon checked the hosts of one watch's service."""

    kind: str  # http | https | connect | ping | other
    port: int | None = None
    url: str | None = None
    timeout: float | None = None
    interval: float | None = None
    alertafter: int | None = None
    monitor: str = ""
    alerts: tuple[str, ...] = ()
    line: int = 0
    watch: str = ""
    service: str = ""


@dataclass
class MonConfig:
    file: str
    hostgroups: dict[str, tuple[str, ...]] = field(default_factory=dict)
    checks: list[MonCheck] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)

    def checks_for(self, host: str) -> list[MonCheck]:
        return [c for c in self.checks if host in self.hostgroups.get(c.watch, ())]


def parse_duration(text: str) -> float:
    """mon's durations: ``30``, ``6s``, ``5m``, ``1h``, ``1d``."""
    m = re.match(r"^(\d+(?:\.\d+)?)([smhd]?)$", text.strip())
    if m is None:
        raise ValueError(f"not a duration: {text!r}")
    return float(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]


@dataclass
class _Service:
    name: str
    line: int
    kind: str = ""
    port: int | None = None
    url: str | None = None
    timeout: float | None = None
    interval: float | None = None
    alertafter: int | None = None
    monitor: str = ""
    alerts: list[str] = field(default_factory=list)


def _monitor(service: _Service, words: list[str], number: int, file: str, errors: list[Diagnostic]) -> None:
    name = words[0].rsplit("/", 1)[-1] if words else ""
    service.monitor = " ".join(words)
    if name in HTTP_MONITORS:
        service.kind = HTTP_MONITORS[name]
    elif name in CONNECT_MONITORS:
        service.kind = "connect"
    elif name in PING_MONITORS:
        service.kind = "ping"
    else:
        service.kind = "other"
        return
    args = words[1:]
    index = 0
    while index < len(args):
        arg = args[index]
        value = args[index + 1] if index + 1 < len(args) else None
        if arg in {"-p", "--port"} and value is not None:
            if not value.isdigit() or not 0 < int(value) < 65536:
                errors.append(error(file, number, f"{name} -p needs a port number, got {value!r}"))
            else:
                service.port = int(value)
            index += 2
        elif arg in {"-u", "--url"} and value is not None:
            service.url = value
            index += 2
        elif arg in {"-t", "--timeout"} and value is not None:
            try:
                service.timeout = parse_duration(value)
            except ValueError as exc:
                errors.append(error(file, number, f"{name} -t: {exc}"))
            index += 2
        else:
            index += 1


def parse_mon_cf(text: str, *, file: str = "mon.cf") -> MonConfig:
    config = MonConfig(file)
    errors: list[Diagnostic] = []
    group: str | None = None  # the hostgroup whose hosts may continue
    watch: str | None = None
    service: _Service | None = None

    def close_service() -> None:
        nonlocal service
        if service is not None and watch is not None:
            if not service.kind:
                errors.append(error(file, service.line, f"watch {watch} service {service.name}: no 'monitor' line"))
            else:
                config.checks.append(MonCheck(
                    kind=service.kind, port=service.port, url=service.url, timeout=service.timeout,
                    interval=service.interval, alertafter=service.alertafter, monitor=service.monitor,
                    alerts=tuple(service.alerts), line=service.line, watch=watch, service=service.name,
                ))
        service = None

    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip() if not raw.strip().startswith("#") else ""
        if not raw.strip():
            close_service()
            group, watch = None, None
            continue
        if not line:
            continue
        try:
            words = shlex.split(line)
        except ValueError:
            words = line.split()
        keyword = words[0]
        if keyword == "hostgroup":
            close_service()
            watch = None
            if len(words) < 2:
                errors.append(error(file, number, "hostgroup needs a name"))
                continue
            group = words[1]
            if group in config.hostgroups:
                errors.append(error(file, number, f"hostgroup {group} is defined twice"))
            config.hostgroups[group] = tuple(words[2:])
            continue
        if keyword == "watch":
            close_service()
            group = None
            if len(words) != 2:
                errors.append(error(file, number, "watch needs exactly one group name"))
                continue
            watch = words[1]
            if watch not in config.hostgroups:
                errors.append(error(file, number, f"watch {watch}: no such hostgroup"))
            continue
        if group is not None and "=" not in line:
            config.hostgroups[group] = (*config.hostgroups[group], *words)
            continue
        if watch is None:
            continue  # a global setting (alertdir = ..., randstart = ...)
        if keyword == "service":
            close_service()
            service = _Service(words[1] if len(words) > 1 else "", number)
            continue
        if service is None:
            errors.append(error(file, number, f"{keyword!r} in watch {watch} before its 'service' line"))
            continue
        value = words[1:]
        if keyword == "monitor":
            _monitor(service, value, number, file, errors)
        elif keyword == "interval" and value:
            try:
                service.interval = parse_duration(value[0])
            except ValueError as exc:
                errors.append(error(file, number, f"interval: {exc}"))
        elif keyword == "alertafter" and value:
            if not value[0].isdigit() or int(value[0]) < 1:
                errors.append(error(file, number, f"alertafter needs a count, got {value[0]!r}"))
            else:
                service.alertafter = int(value[0])
                if len(value) > 1:
                    config.warnings.append(warning(file, number, f"alertafter {' '.join(value)}: the time window "
                                                                 "has no equivalent; only the count is kept"))
        elif keyword in {"alert", "upalert"} and value:
            service.alerts.append(value[0])
    close_service()
    if errors:
        raise MigrationError(errors)
    return config
