"""The IPVS table: what it should hold, what it holds, and the ipvsadm commands between.

Everything here is pure.  A table is a mapping from a service key as ipvsadm writes it
(``-t 10.0.0.1:80``, ``-u ...``, ``-f 3``) to a :class:`Service` holding its real servers.
:func:`desired_table` computes the table the configuration asks for given which real
servers are up; :func:`parse_saved` reads ``ipvsadm -S -n``; :func:`commands` gives the
ipvsadm argument lists that turn the current table into the desired one, touching only the
services the configuration owns.  ipvsadm's rules are kept: the real server's port is the
service's unless it is masqueraded, the weight is 0..65535, ``-E``/``-e`` change a service
or a real server in place (so quiescing keeps the connections that are open).
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from lvs_config import FORWARDING, Config, Endpoint, RealServer, Virtual

FLAG_OF = FORWARDING  # gate -> -g, masq -> -m, ipip -> -i
FORWARDING_OF = {flag: name for name, flag in FORWARDING.items()}


@dataclass(frozen=True)
class Destination:
    forwarding: str  # gate | masq | ipip
    weight: int


@dataclass(frozen=True)
class Service:
    scheduler: str
    persistent: int | None = None
    netmask: str | None = None
    reals: Mapping[str, Destination] = field(default_factory=dict)  # "10.0.0.2:80" -> Destination

    def same_settings(self, other: Service) -> bool:
        return (self.scheduler, self.persistent, self.effective_netmask) == (
            other.scheduler, other.persistent, other.effective_netmask)

    @property
    def effective_netmask(self) -> str | None:
        if self.persistent is None:
            return None
        return self.netmask or "255.255.255.255"


Table = Mapping[str, Service]


def real_key(virtual: Virtual, real: RealServer) -> str:
    """The real server as ``ipvsadm -S -n`` lists it under ``virtual``."""
    return str(Endpoint(real.address, virtual.real_port(real)))


def health_key(virtual: Virtual, real: RealServer) -> str:
    """Identity of one checked real server: the service and the real's address and port."""
    port = virtual.check_port(real)
    return f"{virtual.key} {Endpoint(real.address, port or 0)}"


def desired_service(virtual: Virtual, up: Mapping[str, bool]) -> Service:
    """``virtual`` with the real servers that are up; ``up`` maps :func:`health_key` -> bool.

    A server that is down is left out, or kept with weight 0 when quiescent.  When no
    real server can take a connection (none up with a weight above 0) the fallback
    server is added; it goes away as soon as one is back.
    """
    reals: dict[str, Destination] = {}
    serving = False
    for real in virtual.reals:
        if virtual.checktype == "off":
            alive = False
        elif virtual.checktype == "on":
            alive = True
        else:
            alive = up.get(health_key(virtual, real), False)
        key = real_key(virtual, real)
        if alive:
            reals[key] = Destination(real.forwarding, real.weight)
            serving = serving or real.weight > 0
        elif virtual.quiescent:
            reals.setdefault(key, Destination(real.forwarding, 0))
    fallback = virtual.fallback
    if fallback is not None and not serving and virtual.checktype != "off":
        key = real_key(virtual, fallback)
        if key not in reals or reals[key].weight == 0:
            reals[key] = Destination(fallback.forwarding, fallback.weight)
    netmask = virtual.netmask if virtual.persistent is not None else None
    if netmask == "255.255.255.255":  # the default: ipvsadm -S does not print it
        netmask = None
    return Service(virtual.scheduler, virtual.persistent, netmask, reals)


def desired_table(config: Config, up: Mapping[str, bool]) -> dict[str, Service]:
    return {v.key: desired_service(v, up) for v in config.virtuals}


# ---------------------------------------------------------------- ipvsadm -S -n


class SavedFormatError(ValueError):
    pass


def service_key(tokens: list[str], index: int) -> tuple[str, int]:
    flag = tokens[index]
    long_flags = {"--tcp-service": "-t", "--udp-service": "-u", "--fwmark-service": "-f"}
    flag = long_flags.get(flag, flag)
    if flag not in {"-t", "-u", "-f"} or index + 1 >= len(tokens):
        raise SavedFormatError(f"expected -t, -u or -f and a service in {' '.join(tokens)!r}")
    return f"{flag} {tokens[index + 1]}", index + 2


def parse_saved(text: str) -> dict[str, Service]:
    """Read ``ipvsadm -S -n`` (also ``ipvsadm-save -n``) output into a table."""
    table: dict[str, Service] = {}
    reals: dict[str, dict[str, Destination]] = {}
    for raw in text.splitlines():
        tokens = raw.split()
        if not tokens:
            continue
        op = tokens[0]
        if op == "-A":
            key, index = service_key(tokens, 1)
            scheduler, persistent, netmask = "wlc", None, None
            while index < len(tokens):
                opt = tokens[index]
                if opt == "-s" and index + 1 < len(tokens):
                    scheduler = tokens[index + 1]
                    index += 2
                elif opt == "-p" and index + 1 < len(tokens) and tokens[index + 1].isdigit():
                    persistent = int(tokens[index + 1])
                    index += 2
                elif opt == "-M" and index + 1 < len(tokens):
                    netmask = tokens[index + 1]
                    index += 2
                elif opt in {"-b", "--pe", "--sched-flags"} and index + 1 < len(tokens):
                    index += 2
                else:
                    index += 1
            reals[key] = {}
            table[key] = Service(scheduler, persistent, netmask, reals[key])
        elif op == "-a":
            key, index = service_key(tokens, 1)
            real, forwarding, weight = None, "gate", 1
            while index < len(tokens):
                opt = tokens[index]
                if opt == "-r" and index + 1 < len(tokens):
                    real = tokens[index + 1]
                    index += 2
                elif opt in FORWARDING_OF:
                    forwarding = FORWARDING_OF[opt]
                    index += 1
                elif opt == "-w" and index + 1 < len(tokens):
                    weight = int(tokens[index + 1])
                    index += 2
                elif opt in {"-x", "-y", "--tun-type", "--tun-port", "--tun-nocsum", "--tun-csum",
                             "--tun-remcsum"} and index + 1 < len(tokens) and not tokens[index + 1].startswith("-"):
                    index += 2
                else:
                    index += 1
            if real is None or key not in reals:
                raise SavedFormatError(f"real server line before its service: {raw!r}")
            reals[key][real] = Destination(forwarding, weight)
        else:
            raise SavedFormatError(f"unexpected line in ipvsadm -S output: {raw!r}")
    return table


# ---------------------------------------------------------------- commands


def service_args(op: str, key: str, service: Service) -> list[str]:
    args = [op, *key.split(), "-s", service.scheduler]
    if service.persistent is not None:
        args += ["-p", str(service.persistent)]
        if service.netmask:
            args += ["-M", service.netmask]
    return args


def real_args(op: str, key: str, real: str, destination: Destination) -> list[str]:
    return [op, *key.split(), "-r", real, FLAG_OF[destination.forwarding], "-w", str(destination.weight)]


def commands(current: Table, desired: Table, owned: Iterable[str] = ()) -> list[list[str]]:
    """ipvsadm argument lists (without the program name) from ``current`` to ``desired``.

    Services in ``current`` that are neither desired nor in ``owned`` are left alone;
    owned ones that are no longer desired are deleted.  Deletions of real servers come
    before additions, so a fallback and a real server on one address never collide.
    """
    out: list[list[str]] = []
    for key in sorted(set(owned) - set(desired)):
        if key in current:
            out.append(["-D", *key.split()])
    for key in sorted(desired):
        want = desired[key]
        have = current.get(key)
        if have is None:
            out.append(service_args("-A", key, want))
            have_reals: Mapping[str, Destination] = {}
        else:
            if not have.same_settings(want):
                out.append(service_args("-E", key, want))
            have_reals = have.reals
        for real in sorted(set(have_reals) - set(want.reals)):
            out.append(["-d", *key.split(), "-r", real])
        for real in sorted(want.reals):
            destination = want.reals[real]
            if real not in have_reals:
                out.append(real_args("-a", key, real, destination))
            elif have_reals[real] != destination:
                out.append(real_args("-e", key, real, destination))
    return out


def removal_commands(current: Table, keys: Iterable[str]) -> list[list[str]]:
    """Delete the listed services that ``current`` holds (a clean stop)."""
    return [["-D", *key.split()] for key in sorted(set(keys)) if key in current]


def render(argv: Iterable[str]) -> str:
    return " ".join(shlex.quote(a) for a in argv)
