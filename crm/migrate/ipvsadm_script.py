"""Read an ``ipvsadm`` rules script (a shell script such as the LVS article's HA_CONFIG.sh).

Only what such scripts do is understood: variable assignments (``NAME=value``, ``export
NAME=value``, later ones seeing earlier ones), ``$NAME``/``${NAME}`` in the commands,
``\\`` continuations, comments, and ``ipvsadm`` commands (by any path) with their short
and long options.  The commands are played in order against a table with ipvsadm's rules
(``-C`` clears, ``-A`` of an existing service or ``-a`` to a missing one fails, ``-p``
takes an optional timeout of 360 s, the default scheduler is ``wlc``, forwarding ``-g``
and weight 1, a real server's port is the service's unless masqueraded), so the result
is the table the script leaves behind.  Writes to ``ip_forward``/``send_redirects`` are
noted (ldirectord does not make them).  Anything that calls ipvsadm in a way that cannot be
followed (loops, command substitution) is an error, never silently dropped.
"""

from __future__ import annotations

import re
import shlex
import socket
from dataclasses import dataclass, field

from crm.migrate.diagnostics import Diagnostic, MigrationError, error, warning

PORT_NAMES = {"ftp": 21, "ssh": 22, "telnet": 23, "smtp": 25, "domain": 53, "http": 80, "www": 80, "pop3": 110,
              "nntp": 119, "imap": 143, "imap2": 143, "ldap": 389, "https": 443, "submission": 587, "imaps": 993,
              "pop3s": 995, "mysql": 3306, "postgresql": 5432, "sip": 5060}
DEFAULT_PERSISTENCE = 360  # what ipvsadm 1.31 gives a bare -p (ipvsadm -S shows it)
_ASSIGN = re.compile(r"^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$")
_VAR = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")
_SHORT = {
    "--add-service": "-A", "--edit-service": "-E", "--delete-service": "-D", "--clear": "-C",
    "--add-server": "-a", "--edit-server": "-e", "--delete-server": "-d", "--tcp-service": "-t",
    "--udp-service": "-u", "--fwmark-service": "-f", "--scheduler": "-s", "--persistent": "-p",
    "--netmask": "-M", "--real-server": "-r", "--gatewaying": "-g", "--ipip": "-i", "--masquerading": "-m",
    "--weight": "-w", "--u-threshold": "-x", "--l-threshold": "-y", "--list": "-L", "--numeric": "-n",
    "--zero": "-Z", "--save": "-S", "--restore": "-R", "--help": "-h", "--stats": "--stats",
}
_FORWARDING = {"-g": "gate", "-m": "masq", "-i": "ipip"}


@dataclass(frozen=True)
class ScriptService:
    protocol: str  # tcp | udp | fwm
    address: str  # address (or host name) as written; the mark for fwm
    port: int  # 0 for fwm
    scheduler: str = "wlc"
    persistent: int | None = None
    netmask: str | None = None
    line: int = 0

    @property
    def key(self) -> str:
        if self.protocol == "fwm":
            return f"fwm {self.address}"
        return f"{self.protocol} {self.address}:{self.port}"


@dataclass(frozen=True)
class ScriptReal:
    address: str
    port: int
    forwarding: str  # gate | masq | ipip
    weight: int = 1
    line: int = 0


@dataclass
class RulesTable:
    """What the script leaves in IPVS, in the order services were first added."""

    file: str
    services: dict[str, ScriptService] = field(default_factory=dict)
    reals: dict[str, dict[str, ScriptReal]] = field(default_factory=dict)
    sysctls: dict[str, tuple[str, int]] = field(default_factory=dict)  # name -> (value, line)
    warnings: list[Diagnostic] = field(default_factory=list)


def logical_lines(text: str) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    buffer, start = "", 0
    for number, raw in enumerate(text.splitlines(), 1):
        if not buffer:
            start = number
        if raw.rstrip().endswith("\\"):
            buffer += raw.rstrip()[:-1] + " "
            continue
        out.append((start, buffer + raw))
        buffer = ""
    if buffer:
        out.append((start, buffer))
    return out


def expand(text: str, variables: dict[str, str]) -> str:
    return _VAR.sub(lambda m: variables.get(m.group(1) or m.group(2), ""), text)


def port_number(text: str) -> int:
    if text.isdigit():
        port = int(text)
        if 0 < port < 65536:
            return port
        raise ValueError(f"port {text} out of range 1..65535")
    if text in PORT_NAMES:
        return PORT_NAMES[text]
    try:
        return socket.getservbyname(text)
    except OSError:
        raise ValueError(f"unknown port name {text!r}") from None


def split_endpoint(text: str, *, need_port: bool) -> tuple[str, int | None]:
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port_text = rest[1:] if rest.startswith(":") else ""
    elif text.count(":") == 1:
        host, _, port_text = text.partition(":")
    else:
        host, port_text = text, ""
    if not host:
        raise ValueError(f"no address in {text!r}")
    if not port_text:
        if need_port:
            raise ValueError(f"{text!r} needs a port (ADDRESS:PORT)")
        return host, None
    return host, port_number(port_text)


def _statement(line: str) -> str:
    """The line without a trailing comment (shell rules: '#' starting a word)."""
    try:
        lexer = shlex.shlex(line, posix=True, punctuation_chars=False)
        lexer.whitespace_split = True
        lexer.commenters = "#"
        words = list(lexer)
    except ValueError:
        return line
    return " ".join(words)


class _Script:
    def __init__(self, file: str) -> None:
        self.table = RulesTable(file)
        self.variables: dict[str, str] = {}
        self.errors: list[Diagnostic] = []

    def fail(self, line: int, message: str) -> None:
        self.errors.append(error(self.table.file, line, message))

    def note(self, line: int, message: str) -> None:
        self.table.warnings.append(warning(self.table.file, line, message))

    def line(self, number: int, raw: str) -> None:
        text = raw.strip()
        if not text or text.startswith("#"):
            return
        m = _ASSIGN.match(text)
        if m is not None and "ipvsadm" not in m.group(2):
            try:
                words = shlex.split(expand(m.group(2), self.variables), comments=True)
            except ValueError as exc:
                self.fail(number, f"cannot read the assignment: {exc}")
                return
            self.variables[m.group(1)] = " ".join(words)
            return
        self.sysctl(number, text)
        if not re.search(r"(^|[\s/;&|(`])ipvsadm(\s|$)", text):
            return
        if re.search(r"[`;|&<>()]|\$\(|^\s*(for|while|if|case|until)\b|\bdo\b|\bthen\b", _statement(text)):
            self.fail(number, "an ipvsadm command inside a shell construct (loop, pipe, substitution, "
                              "redirection) cannot be followed; write the commands out one per line")
            return
        try:
            words = shlex.split(expand(text, self.variables), comments=True)
        except ValueError as exc:
            self.fail(number, f"cannot read the command: {exc}")
            return
        if not words or words[0].rsplit("/", 1)[-1] != "ipvsadm":
            self.fail(number, f"ipvsadm must be the command of the line, got {words[0] if words else text!r}")
            return
        self.command(number, words[1:])

    def sysctl(self, number: int, text: str) -> None:
        m = re.search(r"echo\s+\"?(\d)\"?\s*>\s*/proc/sys/net/ipv4/(ip_forward|conf/(\w+)/send_redirects)", text)
        if m is not None:
            name = "net.ipv4.ip_forward" if m.group(2) == "ip_forward" else f"net.ipv4.conf.{m.group(3)}.send_redirects"
            self.table.sysctls[name] = (m.group(1), number)
            return
        for name, value in re.findall(r"(net\.ipv4\.(?:ip_forward|conf\.\w+\.send_redirects))=(\d)", text):
            self.table.sysctls[name] = (value, number)

    def command(self, number: int, args: list[str]) -> None:
        ops: list[str] = []
        opts: dict[str, str | None] = {}
        if not args:
            return  # a bare ipvsadm lists the table
        index = 0
        while index < len(args):
            arg = args[index]
            if re.match(r"^-[LlnZSc]{2,}$", arg):  # bundled listing flags: -Ln, -lnc
                ops.extend(f"-{c}" for c in arg[1:] if c in "LlZS")
                index += 1
                continue
            name, value = arg, None
            if arg.startswith("--") and "=" in arg:
                name, value = arg.split("=", 1)
            name = _SHORT.get(name, name)
            if name in {"-A", "-E", "-D", "-C", "-a", "-e", "-d", "-L", "-l", "-Z", "-S", "-R", "-h", "-v"}:
                ops.append(name)
                index += 1
                continue
            if name in {"-n", "--stats", "--rate", "--exact", "-c", "--connection"}:
                index += 1
                continue
            if name in _FORWARDING:
                opts["fwd"] = name
                index += 1
                continue
            if name == "-p":
                if value is None and index + 1 < len(args) and args[index + 1].isdigit():
                    value = args[index + 1]
                    index += 1
                opts["-p"] = value or str(DEFAULT_PERSISTENCE)
                index += 1
                continue
            if name in {"-t", "-u", "-f", "-s", "-M", "-r", "-w", "-x", "-y"}:
                if value is None:
                    if index + 1 >= len(args):
                        self.fail(number, f"ipvsadm option {arg} needs a value")
                        return
                    value = args[index + 1]
                    index += 1
                opts[name] = value
                index += 1
                continue
            self.fail(number, f"ipvsadm option {arg!r} is not understood")
            return
        if len(ops) != 1:
            self.fail(number, "expected exactly one ipvsadm command (-A, -E, -D, -C, -a, -e, -d, -L)")
            return
        op = ops[0]
        if op in {"-L", "-l", "-Z", "-S", "-h", "-v"}:
            return
        if op == "-R":
            self.fail(number, "ipvsadm -R reads rules from elsewhere; convert the rules file it reads instead")
            return
        if op == "-C":
            self.table.services.clear()
            self.table.reals.clear()
            return
        try:
            service = self.service(opts)
        except ValueError as exc:
            self.fail(number, str(exc))
            return
        services, reals = self.table.services, self.table.reals
        key = service.key
        if op in {"-A", "-E"}:
            if op == "-A" and key in services:
                self.fail(number, f"ipvsadm -A: service {key} already exists (line {services[key].line})")
                return
            if op == "-E" and key not in services:
                self.fail(number, f"ipvsadm -E: no service {key}")
                return
            scheduler = opts.get("-s") or "wlc"
            persistent = int(opts["-p"] or DEFAULT_PERSISTENCE) if "-p" in opts else None
            netmask = opts.get("-M") if persistent is not None else None
            line = services[key].line if op == "-E" else number
            services[key] = ScriptService(service.protocol, service.address, service.port, scheduler, persistent,
                                          netmask, line)
            reals.setdefault(key, {})
            return
        if key not in services:
            self.fail(number, f"ipvsadm {op}: no service {key} (add it with -A first)")
            return
        if op == "-D":
            del services[key]
            del reals[key]
            return
        real_text = opts.get("-r")
        if not real_text:
            self.fail(number, f"ipvsadm {op} needs -r ADDRESS[:PORT]")
            return
        try:
            host, port = split_endpoint(real_text, need_port=False)
        except ValueError as exc:
            self.fail(number, f"-r: {exc}")
            return
        forwarding = _FORWARDING[opts.get("fwd") or "-g"]
        if forwarding != "masq" or port is None:
            port = service.port
        real_key = f"{host}:{port}"
        if op == "-d":
            matches = [k for k in reals[key] if k == real_key or (port == service.port and k.startswith(f"{host}:"))]
            if not matches:
                self.fail(number, f"ipvsadm -d: {real_text} is not a real server of {key}")
                return
            del reals[key][matches[0]]
            return
        weight_text = opts.get("-w") or "1"
        if not weight_text.isdigit() or int(weight_text) > 65535:
            self.fail(number, f"weight {weight_text!r} must be a number 0..65535")
            return
        if op == "-a" and real_key in reals[key]:
            self.fail(number, f"ipvsadm -a: {real_key} is already a real server of {key}")
            return
        if op == "-e" and real_key not in reals[key]:
            self.fail(number, f"ipvsadm -e: {real_key} is not a real server of {key}")
            return
        if "-x" in opts or "-y" in opts:
            self.note(number, "connection thresholds (-x/-y) have no ldirectord equivalent; dropped")
        reals[key][real_key] = ScriptReal(host, port, forwarding, int(weight_text), number)

    @staticmethod
    def service(opts: dict[str, str | None]) -> ScriptService:
        given = [flag for flag in ("-t", "-u", "-f") if opts.get(flag)]
        if len(given) != 1:
            raise ValueError("expected one of -t ADDRESS:PORT, -u ADDRESS:PORT or -f MARK")
        flag = given[0]
        value = opts[flag] or ""
        if flag == "-f":
            if not value.isdigit() or int(value) == 0:
                raise ValueError(f"-f needs a firewall mark (a number above 0), got {value!r}")
            return ScriptService("fwm", str(int(value)), 0)
        host, port = split_endpoint(value, need_port=True)
        return ScriptService("tcp" if flag == "-t" else "udp", host, port or 0)


def parse_ipvsadm_script(text: str, *, file: str = "ipvsadm rules") -> RulesTable:
    """The IPVS table a rules script builds; MigrationError lists every problem found."""
    script = _Script(file)
    for number, line in logical_lines(text):
        script.line(number, line)
    if not script.errors and not script.table.services:
        script.fail(0, "the script defines no virtual service (no 'ipvsadm -A')")
    if script.errors:
        raise MigrationError(script.errors)
    return script.table
