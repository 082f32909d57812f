"""ldirectord's configuration format (``ldirectord.cf``), read into typed values.

The file has global directives at the left margin and one section per virtual service::

    checktimeout = 5
    checkinterval = 10
    quiescent = yes

    virtual = 192.168.71.205:80
            real = 192.168.71.220:80 masq 1
            real = 192.168.71.150:80 masq 2 "alive.html", "OK"
            fallback = 127.0.0.1:80 gate
            scheduler = wrr
            protocol = tcp
            checktype = negotiate
            service = http
            request = "index.html"
            receive = "Welcome"

Section lines start with white space; the section ends at the next line at the margin.
``virtual`` is ``IP:PORT`` (``[IPv6]:PORT``, a host or service name is resolved) or a
firewall mark (a number: protocol ``fwm``).  Real servers are ``HOST[->HOST][:PORT]
gate|masq|ipip [WEIGHT] ["REQUEST", "RECEIVE"]``; the ``->`` form is an IPv4 range.
Per-section values override the global ones (``checktimeout``, ``checkinterval``,
``quiescent``, ``fallback``, ...).  Directives ldirectord knows that have no effect here
(mail alerts, logging, callbacks) are accepted with a warning; anything else, and any bad
value, is a :class:`ConfigError` naming the file and line.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass, field

FORWARDING = {"gate": "-g", "masq": "-m", "ipip": "-i"}
#: Schedulers of the Linux IPVS code (ip_vs_*.ko).
SCHEDULERS = frozenset({"rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "fo", "ovf", "mh",
                        "twos"})
CHECKTYPES = frozenset({"negotiate", "connect", "ping", "on", "off"})
#: Protocols the negotiate check speaks; ``none`` checks nothing (the server counts as up).
NEGOTIATE_SERVICES = frozenset({"http", "https", "simpletcp", "none"})
#: Services ldirectord negotiates that this checker does not (use ``checktype = connect``).
OTHER_SERVICES = frozenset({"dns", "ftp", "http_proxy", "imap", "imaps", "ldap", "mysql", "nntp", "oracle",
                            "pgsql", "pop", "pops", "radius", "sip", "smtp", "submission"})
#: ldirectord's default service for a port.
SERVICE_BY_PORT = {21: "ftp", 25: "smtp", 53: "dns", 80: "http", 110: "pop", 119: "nntp", 143: "imap",
                   389: "ldap", 443: "https", 587: "submission", 993: "imaps", 995: "pops", 1521: "oracle",
                   1812: "radius", 3306: "mysql", 5060: "sip", 5432: "pgsql"}
#: Port names without /etc/services (netbase is not always installed).
PORT_NAMES = {"ftp": 21, "ssh": 22, "telnet": 23, "smtp": 25, "domain": 53, "dns": 53, "http": 80, "www": 80,
              "pop3": 110, "pop": 110, "nntp": 119, "imap": 143, "imap2": 143, "ldap": 389, "https": 443,
              "submission": 587, "imaps": 993, "pop3s": 995, "pops": 995, "mysql": 3306,
              "postgresql": 5432, "pgsql": 5432, "sip": 5060}
MAX_WEIGHT = 65535
MAX_RANGE = 256

_GLOBAL_ONLY = frozenset({"autoreload", "callback", "logfile", "execute", "fork", "supervised", "smtp",
                          "maintenancedir", "cleanstop", "readdquiescent"})
_SECTION_OR_GLOBAL = frozenset({"checktimeout", "negotiatetimeout", "connecttimeout", "checkinterval",
                                "failurecount", "quiescent", "fallback", "emailalert", "emailalertfreq",
                                "emailalertstatus", "emailalertfrom", "checkcount", "fallbackcommand",
                                "cleanstop"})
_SECTION_ONLY = frozenset({"real", "scheduler", "protocol", "checktype", "service", "request", "receive",
                           "httpmethod", "virtualhost", "checkport", "persistent", "netmask", "login", "passwd",
                           "database", "secret", "monitorfile", "checkcommand", "virtualservice"})
#: Accepted, with a warning that they change nothing here.
_IGNORED = frozenset({"autoreload", "callback", "logfile", "execute", "fork", "supervised", "smtp",
                      "emailalert", "emailalertfreq", "emailalertstatus", "emailalertfrom", "maintenancedir",
                      "monitorfile", "checkcount", "readdquiescent", "fallbackcommand", "login", "passwd",
                      "database", "secret", "virtualservice"})


class ConfigError(ValueError):
    """The configuration is unusable; ``str()`` lists ``file:line: reason`` lines."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Endpoint:
    """An address and port as ipvsadm writes it (``10.0.0.1:80``, ``[2001:db8::1]:80``)."""

    address: str
    port: int

    def __str__(self) -> str:
        host = f"[{self.address}]" if ":" in self.address else self.address
        return f"{host}:{self.port}"


@dataclass(frozen=True)
class RealServer:
    address: str
    port: int | None  # None: the virtual service's port
    forwarding: str  # gate | masq | ipip
    weight: int = 1
    request: str | None = None
    receive: str | None = None
    line: int = 0


@dataclass(frozen=True)
class Virtual:
    """One virtual service with its real servers and how they are checked."""

    protocol: str  # tcp | udp | fwm
    address: str  # IP address, or the firewall mark for fwm
    port: int  # 0 for fwm
    reals: tuple[RealServer, ...]
    scheduler: str = "wrr"
    persistent: int | None = None
    netmask: str | None = None
    fallback: RealServer | None = None
    checktype: str = "negotiate"
    negotiate_every: int = 0  # checktype = N: negotiate every Nth check, connect otherwise
    service: str = "none"
    request: str | None = None
    receive: str | None = None
    httpmethod: str = "GET"
    virtualhost: str | None = None
    checkport: int | None = None
    checktimeout: float = 5.0
    connecttimeout: float = 5.0
    negotiatetimeout: float = 5.0
    checkinterval: float = 10.0
    failurecount: int = 1
    quiescent: bool = True
    line: int = 0

    @property
    def key(self) -> str:
        """The service as ipvsadm names it: ``-t 10.0.0.1:80``, ``-u ...``, ``-f 3``."""
        if self.protocol == "fwm":
            return f"-f {self.address}"
        flag = "-t" if self.protocol == "tcp" else "-u"
        return f"{flag} {Endpoint(self.address, self.port)}"

    def real_port(self, real: RealServer) -> int:
        """The port IPVS records for ``real``: ipvsadm uses the service's port unless masq."""
        if real.forwarding != "masq" or real.port is None:
            return self.port
        return real.port

    def real_endpoint(self, real: RealServer) -> Endpoint:
        return Endpoint(real.address, self.real_port(real))

    def check_port(self, real: RealServer) -> int | None:
        """Where the health check connects: checkport, the real's own port, the service's."""
        if self.checkport is not None:
            return self.checkport
        if real.port is not None:
            return real.port
        return self.port or None


@dataclass(frozen=True)
class Config:
    virtuals: tuple[Virtual, ...]
    cleanstop: bool = True
    warnings: tuple[str, ...] = field(default=())
    file: str = "ldirectord.cf"

    def virtual(self, key: str) -> Virtual:
        for v in self.virtuals:
            if v.key == key:
                return v
        raise KeyError(key)


def default_resolve(host: str) -> str:
    """A host name's first IPv4 address (``gethostbyname``)."""
    return socket.gethostbyname(host)


Resolver = Callable[[str], str]


# ---------------------------------------------------------------- lexical helpers


def strip_comment(line: str) -> str:
    """Drop a ``#`` comment that is not inside double quotes."""
    quoted = False
    for index, char in enumerate(line):
        if char == '"':
            quoted = not quoted
        elif char == "#" and not quoted:
            return line[:index].rstrip()
    return line.rstrip()


def unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def parse_bool(value: str) -> bool:
    text = value.strip().lower()
    if text in {"yes", "on", "true", "1", "y"}:
        return True
    if text in {"no", "off", "false", "0", "n"}:
        return False
    raise ValueError(f"expected yes or no, got {value!r}")


def parse_seconds(value: str) -> float:
    """A positive number of seconds (ldirectord takes bare numbers; ``5s`` is accepted too)."""
    text = value.strip().lower().removesuffix("s")
    try:
        seconds = float(text)
    except ValueError:
        raise ValueError(f"expected a number of seconds, got {value!r}") from None
    if not seconds > 0 or seconds != seconds or seconds > 86400:
        raise ValueError(f"expected a number of seconds between 0 and 86400, got {value!r}")
    return seconds


def parse_count(value: str, low: int, high: int, what: str) -> int:
    text = value.strip()
    if not text.isdigit():
        raise ValueError(f"{what} must be a whole number, got {value!r}")
    number = int(text)
    if not low <= number <= high:
        raise ValueError(f"{what} {number} is out of range {low}..{high}")
    return number


def parse_port(value: str) -> int:
    text = value.strip()
    if text.isdigit():
        port = int(text)
        if not 1 <= port <= 65535:
            raise ValueError(f"port {port} is out of range 1..65535")
        return port
    if text in PORT_NAMES:
        return PORT_NAMES[text]
    try:
        return socket.getservbyname(text)
    except OSError:
        raise ValueError(f"unknown port name {text!r}") from None


def parse_address(text: str, resolve: Resolver) -> str:
    """An IP address in canonical form; a host name is resolved (IPv4)."""
    host = text.strip()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    if not re.match(r"^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$", host):
        raise ValueError(f"{text!r} is not an IP address or host name")
    try:
        return str(ipaddress.ip_address(resolve(host)))
    except (OSError, ValueError):
        raise ValueError(f"cannot resolve host name {host!r}") from None


def split_host_port(text: str) -> tuple[str, str | None]:
    """``host:port``, ``[v6]:port``, ``host`` -> (host, port or None)."""
    text = text.strip()
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            raise ValueError(f"unbalanced '[' in {text!r}")
        rest = text[end + 1 :]
        if rest and not rest.startswith(":"):
            raise ValueError(f"unexpected {rest!r} after the address in {text!r}")
        return text[: end + 1], (rest[1:] if rest else None)
    if text.count(":") > 1:  # a bare IPv6 address
        return text, None
    host, sep, port = text.partition(":")
    return host, (port if sep else None)


# ---------------------------------------------------------------- real servers

_REAL = re.compile(
    r'^(?P<addr>\S+?)\s+(?P<fwd>[A-Za-z]+)(?:\s+(?P<weight>\S+))?'
    r'(?:\s+"(?P<request>[^"]*)"\s*,\s*"(?P<receive>[^"]*)")?\s*$'
)


def parse_real(value: str, resolve: Resolver, line: int, *, fallback: bool = False) -> list[RealServer]:
    """One ``real =`` (or ``fallback =``) value -> real servers (a range gives several)."""
    text = value.strip()
    if fallback and re.match(r"^\S+$", text):
        text += " gate"  # fallback's forwarding method is optional (default gate, as ipvsadm's)
    m = _REAL.match(text)
    if m is None:
        raise ValueError(f"expected HOST[:PORT] gate|masq|ipip [WEIGHT] [\"REQUEST\", \"RECEIVE\"], got {value!r}")
    forwarding = m.group("fwd").lower()
    if forwarding not in FORWARDING:
        raise ValueError(f"forwarding method must be gate, masq or ipip, got {m.group('fwd')!r}")
    weight = 1
    if m.group("weight") is not None:
        weight = parse_count(m.group("weight"), 0, MAX_WEIGHT, "weight")
    if fallback and m.group("request") is not None:
        raise ValueError("a fallback server takes no request/receive strings")
    addr = m.group("addr")
    if "->" in addr and not addr.startswith("["):
        first, _, rest = addr.partition("->")
        last, port_text = split_host_port(rest)
    else:
        first, port_text = split_host_port(addr)
        last = None
    if port_text is not None and "->" in port_text:
        raise ValueError(f"port ranges are not supported ({addr!r})")
    port = parse_port(port_text) if port_text is not None else None
    start = parse_address(first, resolve)
    addresses = [start]
    if last is not None:
        low, high = ipaddress.ip_address(start), ipaddress.ip_address(parse_address(last, resolve))
        if low.version != 4 or high.version != 4 or int(high) < int(low):
            raise ValueError(f"bad address range {addr!r} (IPv4, first <= last)")
        if int(high) - int(low) >= MAX_RANGE:
            raise ValueError(f"address range {addr!r} has more than {MAX_RANGE} addresses")
        addresses = [str(ipaddress.IPv4Address(n)) for n in range(int(low), int(high) + 1)]
    return [RealServer(a, port, forwarding, weight, m.group("request"), m.group("receive"), line)
            for a in addresses]


# ---------------------------------------------------------------- the file


@dataclass
class _Section:
    line: int
    value: str
    items: list[tuple[int, str, str]] = field(default_factory=list)


def _directives(text: str, file: str, problems: list[str]) -> tuple[list[tuple[int, str, str]], list[_Section]]:
    global_items: list[tuple[int, str, str]] = []
    sections: list[_Section] = []
    current: _Section | None = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = strip_comment(raw)
        if not line.strip():
            continue
        indented = line[:1] in (" ", "\t")
        key, sep, value = line.strip().partition("=")
        key = key.strip().lower()
        if not sep or not key or not re.match(r"^[a-z_]+$", key):
            problems.append(f"{file}:{number}: expected 'name = value', got {line.strip()!r}")
            continue
        value = value.strip()
        if not indented:
            current = None
            if key == "virtual":
                current = _Section(number, value)
                sections.append(current)
            else:
                global_items.append((number, key, value))
            continue
        if current is None:
            problems.append(f"{file}:{number}: indented {key!r} outside a 'virtual =' section")
            continue
        if key == "virtual":
            problems.append(f"{file}:{number}: 'virtual =' must start at the left margin")
            continue
        current.items.append((number, key, value))
    return global_items, sections


def parse_config(text: str, *, file: str = "ldirectord.cf", resolve: Resolver = default_resolve) -> Config:
    """Read an ``ldirectord.cf`` text; raise :class:`ConfigError` listing every problem."""
    problems: list[str] = []
    warnings: list[str] = []
    global_items, sections = _directives(text, file, problems)
    defaults: dict[str, str] = {}
    default_lines: dict[str, int] = {}
    cleanstop = True
    for number, key, value in global_items:
        if key in _SECTION_ONLY:
            problems.append(f"{file}:{number}: {key!r} belongs in a 'virtual =' section (indented)")
        elif key not in _GLOBAL_ONLY and key not in _SECTION_OR_GLOBAL:
            problems.append(f"{file}:{number}: unknown directive {key!r}")
        elif key in defaults:
            problems.append(f"{file}:{number}: {key!r} given twice (line {default_lines[key]})")
        else:
            if key in _IGNORED:
                warnings.append(f"{file}:{number}: {key!r} has no effect here; ignored")
            defaults[key] = value
            default_lines[key] = number
    if "cleanstop" in defaults:
        try:
            cleanstop = parse_bool(defaults["cleanstop"])
        except ValueError as exc:
            problems.append(f"{file}:{default_lines['cleanstop']}: cleanstop: {exc}")
    virtuals: list[Virtual] = []
    seen: dict[str, int] = {}
    for section in sections:
        virtual = _virtual(section, defaults, default_lines, file, resolve, problems, warnings)
        if virtual is None:
            continue
        if virtual.key in seen:
            problems.append(f"{file}:{section.line}: virtual service {virtual.key} already defined "
                            f"(line {seen[virtual.key]})")
            continue
        seen[virtual.key] = section.line
        virtuals.append(virtual)
    if not sections and not problems:
        problems.append(f"{file}: no 'virtual =' section")
    if problems:
        raise ConfigError(sorted(problems, key=lambda p: _line_of(p, file)))
    return Config(tuple(virtuals), cleanstop, tuple(sorted(warnings, key=lambda w: _line_of(w, file))), file)


def _line_of(message: str, file: str) -> int:
    """The line number of a ``file:line: ...`` message (0 for the whole file), for file order."""
    rest = message[len(file) + 1:] if message.startswith(file + ":") else ""
    number = rest.split(":", 1)[0]
    return int(number) if number.isdigit() else 0


def _virtual(section: _Section, defaults: dict[str, str], default_lines: dict[str, int], file: str,
             resolve: Resolver, problems: list[str], warnings: list[str]) -> Virtual | None:
    before = len(problems)
    where = f"{file}:{section.line}"
    values: dict[str, tuple[int, str]] = {k: (default_lines[k], v) for k, v in defaults.items()}
    reals: list[RealServer] = []
    section_keys: dict[str, int] = {}
    for number, key, value in section.items:
        if key == "real":
            try:
                reals.extend(parse_real(value, resolve, number))
            except ValueError as exc:
                problems.append(f"{file}:{number}: real: {exc}")
            continue
        if key in _GLOBAL_ONLY and key not in _SECTION_OR_GLOBAL:
            problems.append(f"{file}:{number}: {key!r} is a global directive (not indented)")
            continue
        if key not in _SECTION_ONLY and key not in _SECTION_OR_GLOBAL:
            problems.append(f"{file}:{number}: unknown directive {key!r}")
            continue
        if key in section_keys:
            problems.append(f"{file}:{number}: {key!r} given twice in this section (line {section_keys[key]})")
            continue
        if key in _IGNORED:
            warnings.append(f"{file}:{number}: {key!r} has no effect here; ignored")
        section_keys[key] = number
        values[key] = (number, value)

    def get(key: str) -> tuple[int, str] | None:
        return values.get(key)

    def convert(key: str, parse: Callable[[str], object]) -> object | None:
        item = get(key)
        if item is None:
            return None
        try:
            return parse(item[1])
        except ValueError as exc:
            problems.append(f"{file}:{item[0]}: {key}: {exc}")
            return None

    # the service itself
    protocol_item = get("protocol")
    protocol = protocol_item[1].strip().lower() if protocol_item else None
    if protocol is not None and protocol not in {"tcp", "udp", "fwm"}:
        problems.append(f"{file}:{protocol_item[0] if protocol_item else 0}: protocol must be tcp, udp or fwm, "
                        f"got {protocol!r}")
        return None
    vtext = section.value.strip()
    address: str
    port = 0
    if vtext.isdigit():
        mark = int(vtext)
        if not 1 <= mark <= 0xFFFFFFFF:
            problems.append(f"{where}: firewall mark {vtext} is out of range")
            return None
        if protocol not in (None, "fwm"):
            problems.append(f"{where}: virtual {vtext} is a firewall mark, but protocol is {protocol}")
            return None
        protocol, address = "fwm", str(mark)
    else:
        try:
            host, port_text = split_host_port(vtext)
            if port_text is None:
                raise ValueError(f"expected IP:PORT or a firewall mark, got {vtext!r}")
            address = parse_address(host, resolve)
            port = parse_port(port_text)
        except ValueError as exc:
            problems.append(f"{where}: virtual: {exc}")
            return None
        if protocol == "fwm":
            problems.append(f"{where}: protocol fwm needs a firewall mark as the virtual, got {vtext!r}")
            return None
        protocol = protocol or "tcp"
    scheduler = (get("scheduler") or (0, "wrr"))[1].strip().lower()
    if scheduler not in SCHEDULERS:
        item = get("scheduler")
        problems.append(f"{file}:{item[0] if item else section.line}: unknown scheduler {scheduler!r} "
                        f"(one of {', '.join(sorted(SCHEDULERS))})")
    persistent = convert("persistent", lambda v: parse_count(v, 1, 2**31 - 1, "persistent timeout"))
    netmask: str | None = None
    nm = get("netmask")
    if nm is not None:
        try:
            netmask = str(ipaddress.ip_address(nm[1].strip()))
        except ValueError:
            problems.append(f"{file}:{nm[0]}: netmask: {nm[1]!r} is not an address mask")
        if persistent is None:
            warnings.append(f"{file}:{nm[0]}: netmask only matters with persistent; ignored")
            netmask = None
    # real servers
    if protocol == "fwm":
        for real in reals:
            if real.forwarding == "masq" and real.port is None:
                problems.append(f"{file}:{real.line}: real {real.address}: a masq real server of a firewall-mark "
                                "service needs a port")
    else:
        for real in reals:
            if real.forwarding != "masq" and real.port is not None and real.port != port:
                warnings.append(f"{file}:{real.line}: real {real.address}:{real.port}: with {real.forwarding} "
                                f"IPVS forwards to the service's port {port}; the port is used for checks only")
    fallback: RealServer | None = None
    fb = get("fallback")
    if fb is not None:
        try:
            parsed = parse_real(fb[1], resolve, fb[0], fallback=True)
            if len(parsed) != 1:
                raise ValueError("a fallback is one server, not a range")
            fallback = parsed[0]
        except ValueError as exc:
            problems.append(f"{file}:{fb[0]}: fallback: {exc}")
    # checks
    checktype_text = (get("checktype") or (0, "negotiate"))[1].strip().lower()
    negotiate_every = 0
    if checktype_text.isdigit() and int(checktype_text) > 0:
        negotiate_every = int(checktype_text)
        checktype = "combined"
    elif checktype_text in CHECKTYPES:
        checktype = checktype_text
    elif checktype_text in {"external", "external-perl"}:
        item = get("checktype")
        problems.append(f"{file}:{item[0] if item else 0}: checktype {checktype_text} (external check commands) "
                        "is not supported; use negotiate, connect, ping, on or off")
        checktype = "off"
    else:
        item = get("checktype")
        problems.append(f"{file}:{item[0] if item else 0}: unknown checktype {checktype_text!r} "
                        "(negotiate, connect, ping, on, off or a number)")
        checktype = "off"
    service_item = get("service")
    if service_item is not None:
        service = service_item[1].strip().lower()
        if service not in NEGOTIATE_SERVICES:
            if service in OTHER_SERVICES:
                if checktype in {"negotiate", "combined"}:
                    problems.append(f"{file}:{service_item[0]}: service {service}: negotiate checks of {service} "
                                    "are not supported; use checktype = connect")
            else:
                problems.append(f"{file}:{service_item[0]}: unknown service {service!r}")
    else:
        guess = SERVICE_BY_PORT.get(checkport_guess(get("checkport"), port), "none")
        service = guess if guess in NEGOTIATE_SERVICES else "none"
        if checktype in {"negotiate", "combined"} and guess not in NEGOTIATE_SERVICES:
            warnings.append(f"{where}: no negotiate check for {guess} here; set service or checktype = connect "
                            "(the real servers count as up)")
        elif checktype in {"negotiate", "combined"} and service == "none":
            warnings.append(f"{where}: checktype negotiate without a service checks nothing (the real servers "
                            "count as up); set service = http, https or simpletcp, or checktype = connect")
    checkport = convert("checkport", parse_port)
    request_item = get("request")
    request = unquote(request_item[1]) if request_item else None
    receive_item = get("receive")
    receive = unquote(receive_item[1]) if receive_item else None
    patterns = [(receive, receive_item[0] if receive_item else section.line)]
    patterns += [(r.receive, r.line) for r in reals]
    for pattern, where_line in patterns:
        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as exc:
                problems.append(f"{file}:{where_line}: receive {pattern!r} is not a valid regular expression: {exc}")
    if service == "simpletcp" and checktype in {"negotiate", "combined"} and receive is None:
        problems.append(f"{where}: service simpletcp needs a receive string")
    method = (get("httpmethod") or (0, "GET"))[1].strip().upper()
    if method not in {"GET", "HEAD"}:
        problems.append(f"{file}:{(get('httpmethod') or (0, ''))[0]}: httpmethod must be GET or HEAD")
    vhost_item = get("virtualhost")
    virtualhost = unquote(vhost_item[1]) if vhost_item else None
    checktimeout = convert("checktimeout", parse_seconds)
    connecttimeout = convert("connecttimeout", parse_seconds)
    negotiatetimeout = convert("negotiatetimeout", parse_seconds)
    checkinterval = convert("checkinterval", parse_seconds)
    failurecount = convert("failurecount", lambda v: parse_count(v, 1, 1000, "failurecount"))
    quiescent = convert("quiescent", parse_bool)
    if protocol == "fwm" and checktype in {"negotiate", "connect", "combined"} and checkport is None:
        for real in reals:
            if real.port is None:
                problems.append(f"{where}: {checktype} checks of a firewall-mark service need checkport or a "
                                f"port on each real server ({real.address} has none)")
                break
    if protocol == "udp" and checktype in {"negotiate", "combined"} and service not in {"none"}:
        problems.append(f"{where}: UDP services support checktype connect (ping), ping, on or off")
    endpoints: set[tuple[str, int | None]] = set()
    for real in reals:
        ident = (real.address, real.port if real.forwarding == "masq" else None)
        if ident in endpoints:
            problems.append(f"{file}:{real.line}: real server {real.address} is listed twice in this section")
        endpoints.add(ident)
    if not reals and fallback is None:
        warnings.append(f"{where}: virtual service without real servers")
    if len(problems) > before:
        return None
    check = float(checktimeout) if isinstance(checktimeout, float) else 5.0
    return Virtual(
        protocol=protocol, address=address, port=port, reals=tuple(reals), scheduler=scheduler,
        persistent=persistent if isinstance(persistent, int) else None, netmask=netmask, fallback=fallback,
        checktype=checktype, negotiate_every=negotiate_every, service=service, request=request, receive=receive,
        httpmethod=method, virtualhost=virtualhost,
        checkport=checkport if isinstance(checkport, int) else None,
        checktimeout=check,
        connecttimeout=float(connecttimeout) if isinstance(connecttimeout, float) else check,
        negotiatetimeout=float(negotiatetimeout) if isinstance(negotiatetimeout, float) else check,
        checkinterval=float(checkinterval) if isinstance(checkinterval, float) else 10.0,
        failurecount=failurecount if isinstance(failurecount, int) else 1,
        quiescent=quiescent if isinstance(quiescent, bool) else True,
        line=section.line,
    )


def checkport_guess(item: tuple[int, str] | None, port: int) -> int:
    if item is not None:
        try:
            return parse_port(item[1])
        except ValueError:
            return port
    return port


def read_config(path: str, *, resolve: Resolver = default_resolve) -> Config:
    """Read and parse the file; an unreadable file is a :class:`ConfigError` too."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError as exc:
        raise ConfigError([f"{path}: cannot read: {exc.strerror or exc}"]) from None
    return parse_config(text, file=path, resolve=resolve)
