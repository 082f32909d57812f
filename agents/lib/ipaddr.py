"""IPaddr / IPaddr2: manage a floating IPv4 address with iproute2.

Both agents share this implementation.  IPaddr keeps the legacy parameter spellings
that Heartbeat v1 and ``haresources2cib`` produce (``netmask`` as a dotted quad or a
prefix length, ``nic`` with an ``:label`` suffix); IPaddr2 prefers ``cidr_netmask``
and ``iflabel``.  Either agent accepts all of them.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import re
import sys

from ocf import (
    Action,
    AgentExit,
    AgentInfo,
    Context,
    Parameter,
    Rc,
    atomic_write,
    fail,
    log,
    main,
    pid_alive,
    remove,
    require_binary,
    run,
    which,
)

_IFNAME = re.compile(r"^[A-Za-z0-9_.@-]{1,15}$")


def _info(name: str) -> AgentInfo:
    legacy = name == "IPaddr"
    return AgentInfo(
        name=name,
        version="1.0",
        shortdesc="Manages a floating IPv4 address" + (" (legacy parameters)" if legacy else ""),
        longdesc=(
            "Adds an IPv4 address to a network interface with iproute2, announces it with "
            "gratuitous ARP, and removes it at stop. The interface and netmask are found from "
            "the routing table when not given."
        ),
        parameters=(
            Parameter("ip", "IPv4 address", "The floating IPv4 address, e.g. 192.168.1.101.",
                      required=True, unique=True),
            Parameter("nic", "Network interface",
                      "Interface to add the address to (an ':label' suffix sets the label). "
                      "Default: the interface whose subnet contains the address."),
            Parameter("cidr_netmask", "Netmask as a prefix length (or dotted quad)",
                      "Prefix length, e.g. 24. Default: that of the matching subnet."),
            Parameter("netmask", "Legacy netmask (dotted quad or prefix length)",
                      "Heartbeat v1 spelling of the netmask; cidr_netmask takes precedence."),
            Parameter("broadcast", "Broadcast address", "Default: computed from the netmask."),
            Parameter("iflabel", "Interface label",
                      "Label for the address (shown as nic:iflabel by old tools)."),
            Parameter("arp_count", "Number of gratuitous ARP packets to send", type="integer",
                      default="5"),
            Parameter("arp_interval", "Milliseconds between gratuitous ARP packets", type="integer",
                      default="200"),
            Parameter("arp_sender", "Gratuitous ARP sender",
                      "auto (arping if installed, else the built-in raw-socket sender), arping, "
                      "builtin, or none.", default="auto"),
        ),
        actions=(
            Action("start", "20s"),
            Action("stop", "20s"),
            Action("monitor", "20s", interval="10s", depth="0"),
            Action("meta-data", "5s"),
            Action("validate-all", "20s"),
        ),
    )


class Plan:
    """The fully resolved address: what to add where."""

    __slots__ = ("broadcast", "ip", "label", "network", "nic")

    def __init__(self, ip: ipaddress.IPv4Address, network: ipaddress.IPv4Network, nic: str,
                 label: str | None, broadcast: str | None) -> None:
        self.ip = ip
        self.network = network
        self.nic = nic
        self.label = label
        self.broadcast = broadcast

    @property
    def cidr(self) -> str:
        return f"{self.ip}/{self.network.prefixlen}"


def _addresses() -> list[tuple[str, ipaddress.IPv4Interface]]:
    """(ifname, address) for every IPv4 address on this host (in this namespace)."""
    out = run(["ip", "-o", "-4", "addr", "show"])
    if out.returncode != 0:
        raise fail(Rc.ERR_GENERIC, f"ip addr show failed: {out.stderr.strip()}")
    result = []
    for line in out.stdout.splitlines():
        fields = line.split()
        if len(fields) >= 4 and fields[2] == "inet":
            result.append((fields[1].split("@")[0], ipaddress.IPv4Interface(fields[3])))
    return result


def _prefix(text: str, what: str) -> int:
    text = text.strip()
    try:
        if "." in text:
            return ipaddress.IPv4Network(f"0.0.0.0/{text}").prefixlen
        value = int(text)
    except ValueError:
        raise fail(Rc.ERR_CONFIGURED, f"{what} {text!r} is neither a prefix length nor a netmask") from None
    if not 1 <= value <= 32:
        raise fail(Rc.ERR_CONFIGURED, f"{what} {value} is out of range 1..32")
    return value


def _interface_exists(nic: str) -> bool:
    return run(["ip", "link", "show", "dev", nic]).returncode == 0


def plan(ctx: Context) -> Plan:
    """Validate the parameters and resolve nic and netmask (findif)."""
    require_binary("ip")
    raw_ip = ctx.param("ip").strip()
    if not raw_ip:
        raise fail(Rc.ERR_CONFIGURED, "parameter ip is required")
    try:
        ip = ipaddress.IPv4Address(raw_ip)
    except ValueError:
        raise fail(Rc.ERR_CONFIGURED, f"ip {raw_ip!r} is not an IPv4 address") from None
    if ip.is_unspecified or ip.is_multicast or ip.is_loopback:
        raise fail(Rc.ERR_CONFIGURED, f"ip {ip} cannot be a floating address")
    mask_param = "cidr_netmask" if ctx.param_set("cidr_netmask") else "netmask"
    prefix = _prefix(ctx.param(mask_param), mask_param) if ctx.param(mask_param) else None

    nic, label = ctx.param("nic").strip(), None
    if ":" in nic:
        nic, label = nic.split(":", 1)
    if ctx.param("iflabel"):
        label = ctx.param("iflabel")
    if nic and not _IFNAME.match(nic):
        raise fail(Rc.ERR_CONFIGURED, f"nic {nic!r} is not a valid interface name")
    if label is not None:
        label = f"{nic}:{label}" if nic else label
    broadcast = ctx.param("broadcast").strip() or None
    if broadcast is not None:
        try:
            ipaddress.IPv4Address(broadcast)
        except ValueError:
            raise fail(Rc.ERR_CONFIGURED, f"broadcast {broadcast!r} is not an IPv4 address") from None

    if nic and not _interface_exists(nic):
        raise fail(Rc.ERR_CONFIGURED, f"[findif] interface {nic} does not exist")
    # findif: the most specific local subnet containing ip (on nic, if given).
    candidates = [(ifname, a) for ifname, a in _addresses()
                  if ip in a.network and a.network.prefixlen < 32 and (not nic or ifname == nic)]
    candidates.sort(key=lambda c: c[1].network.prefixlen, reverse=True)
    if not nic:
        if not candidates:
            raise fail(Rc.ERR_GENERIC, f"[findif] no interface has a subnet containing {ip}; set nic")
        nic = candidates[0][0]
        if label is not None and ":" not in label:
            label = f"{nic}:{label}"
    if prefix is None:
        if not candidates:
            raise fail(Rc.ERR_CONFIGURED, f"[findif] cannot determine the netmask of {ip} on {nic}; "
                                          "set cidr_netmask")
        prefix = candidates[0][1].network.prefixlen
    if label is not None and len(label) > 15:
        raise fail(Rc.ERR_CONFIGURED, f"interface label {label!r} is longer than 15 characters")
    network = ipaddress.IPv4Network(f"{ip}/{prefix}", strict=False)
    return Plan(ip, network, nic, label, broadcast)


def configured_on(ip: ipaddress.IPv4Address) -> list[str]:
    return [ifname for ifname, a in _addresses() if a.ip == ip]


def _garp_pidfile(ctx: Context, p: Plan) -> str:
    return os.path.join(ctx.state_dir(), f"garp-{p.ip}.pid")


def _stop_garp(ctx: Context, p: Plan) -> None:
    pidfile = _garp_pidfile(ctx, p)
    try:
        with open(pidfile) as f:
            pid = int(f.read().split()[0])
    except (FileNotFoundError, ValueError, IndexError):
        return
    if pid_alive(pid):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmdline = f.read()
        except FileNotFoundError:
            cmdline = b""
        if b"garp" in cmdline or b"arping" in cmdline:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, 15)
    remove(pidfile)


def _send_garp(ctx: Context, p: Plan) -> None:
    """Announce the address in the background; never fails the start."""
    import subprocess

    sender = ctx.param("arp_sender").strip().lower() or "auto"
    try:
        count = max(0, int(ctx.param("arp_count") or "5"))
        interval = max(1, int(ctx.param("arp_interval") or "200"))
    except ValueError:
        count, interval = 5, 200
    if sender == "none" or count == 0:
        return
    arping = which("arping") if sender in {"auto", "arping"} else None
    if arping is not None:
        argv = [arping, "-q", "-U", "-c", str(count), "-I", p.nic, str(p.ip)]
    else:
        garp = os.path.join(os.path.dirname(os.path.realpath(__file__)), "garp.py")
        argv = [sys.executable, "-IS", garp, p.nic, str(p.ip), str(count), str(interval)]
    try:
        child = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL, start_new_session=True)
        atomic_write(_garp_pidfile(ctx, p), f"{child.pid}\n")
    except OSError as exc:
        log("warning", f"could not send gratuitous ARP for {p.ip}: {exc}")


def start(ctx: Context) -> Rc:
    p = plan(ctx)
    where = configured_on(p.ip)
    if p.nic in where:
        log("info", f"{p.cidr} is already configured on {p.nic}")
        return Rc.SUCCESS
    if where:
        raise fail(Rc.ERR_GENERIC, f"{p.ip} is already configured on {', '.join(where)}, not on {p.nic}")
    argv = ["ip", "-4", "addr", "add", p.cidr, "broadcast", p.broadcast or "+", "dev", p.nic]
    if p.label:
        argv += ["label", p.label]
    res = run(argv)
    if res.returncode != 0:
        raise fail(Rc.ERR_GENERIC, f"could not add {p.cidr} to {p.nic}: {res.stderr.strip()}")
    run(["ip", "link", "set", "dev", p.nic, "up"])
    _send_garp(ctx, p)
    if p.nic not in configured_on(p.ip):
        raise fail(Rc.ERR_GENERIC, f"{p.cidr} did not appear on {p.nic}")
    return Rc.SUCCESS


def stop(ctx: Context) -> Rc:
    p = plan_for_stop(ctx)
    if p is None:
        return Rc.SUCCESS
    _stop_garp(ctx, p)
    for ifname in configured_on(p.ip):
        if ifname != p.nic:
            continue
        res = run(["ip", "-4", "addr", "del", p.cidr, "dev", p.nic])
        if res.returncode != 0:
            raise fail(Rc.ERR_GENERIC, f"could not remove {p.cidr} from {p.nic}: {res.stderr.strip()}")
    if p.nic in configured_on(p.ip):
        raise fail(Rc.ERR_GENERIC, f"{p.ip} is still configured on {p.nic}")
    return Rc.SUCCESS


def plan_for_stop(ctx: Context) -> Plan | None:
    """Stop and probes must not fail just because the interface is gone."""
    try:
        return plan(ctx)
    except AgentExit as exc:
        if "[findif]" in exc.reason:
            return None
        raise


def monitor(ctx: Context) -> Rc:
    p = plan_for_stop(ctx)
    if p is None:
        return Rc.NOT_RUNNING
    return Rc.SUCCESS if p.nic in configured_on(p.ip) else Rc.NOT_RUNNING


def validate(ctx: Context) -> None:
    if ctx.action in {"stop", "monitor"}:
        return  # these resolve leniently themselves
    plan(ctx)


def run_agent(name: str) -> int:
    return main(_info(name), {"start": start, "stop": stop, "monitor": monitor}, validate)
